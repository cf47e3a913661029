//! `GET /logout` (RP-Initiated Logout 1.0): signs the browser out.

use super::agent::language;
use super::pages::{self, Say};
use super::{cookies, error, with_cookies};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_login::LogoutRequest;
use minijinja::context;
use serde::Deserialize;

/// The query of `/logout`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct LogoutQuery {
    /// The client to go back to (its redirect URIs are the allowed destinations).
    pub client_id: Option<String>,
    /// Where to go afterwards: one of the client's registered redirect URIs.
    pub post_logout_redirect_uri: Option<String>,
    /// Returned unchanged to `post_logout_redirect_uri`.
    pub state: Option<String>,
    pub ui_locales: Option<String>,
}

/// Signs the browser out: every device session its cookies name ends (refresh tokens included),
/// then back to the client when `post_logout_redirect_uri` is one of its redirect URIs.
#[utoipa::path(get, operation_id = "oidc_logout", path = "/logout", tag = "Login",
    params(LogoutQuery),
    responses(
        (status = 200, description = "Signed out (HTML)"),
        (status = 302, description = "Signed out, back to the client")))]
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<LogoutQuery>,
) -> HttpResponse {
    let lang = language(query.ui_locales.as_deref(), &req);
    let browser = cookies::browser(&req);
    let request = LogoutRequest {
        client_id: query.client_id.as_deref(),
        post_logout_redirect_uri: query.post_logout_redirect_uri.as_deref(),
        state: query.state.as_deref(),
    };
    let signed_out = match state.login.logout(&browser, request).await {
        Ok(s) => s,
        Err(e) => return error::page(&e, lang, ""),
    };
    let removals: Vec<_> = signed_out
        .orgs
        .iter()
        .map(|org| state.cookies.session_removal(org))
        .collect();
    if let Some(location) = signed_out.redirect {
        let mut b = HttpResponse::Found();
        b.insert_header(("Location", location))
            .insert_header(("Cache-Control", "no-store"));
        with_cookies(&removals)(&mut b);
        return b.finish();
    }
    pages::render(
        StatusCode::OK,
        "message.html",
        lang,
        "",
        "sign_in_title",
        context! { message => Say::SignedOut.text(lang) },
        with_cookies(&removals),
    )
}
