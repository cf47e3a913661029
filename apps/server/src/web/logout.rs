//! `/logout` (OpenID Connect RP-Initiated Logout 1.0): `GET` or `POST` (§2) with the client's
//! request; unless a valid `id_token_hint` names the signed-in customer, a page asks the
//! customer to confirm, and its form posts to `POST /logout/confirm` (with an anti-forgery
//! token that a cookie carries too). Then the browser is signed out.

use super::agent::language;
use super::pages::{self, Say};
use super::{cookies, error, with_cookies};
use crate::state::AppState;
use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_login::{LoginError, Logout, LogoutRequest, SignedOut};
use latchkey_notify::Language;
use minijinja::context;
use serde::Deserialize;

/// The request of `/logout` (the query of a `GET`, the form of a `POST`).
#[derive(Debug, Deserialize, utoipa::IntoParams, utoipa::ToSchema)]
#[into_params(parameter_in = Query)]
pub struct LogoutQuery {
    /// An ID token Latchkey issued to the client (an expired one too): it names the client and
    /// the customer. Checked: our signature, our issuer.
    pub id_token_hint: Option<String>,
    /// The client; when a hint is given too, it must be the hint's client.
    pub client_id: Option<String>,
    /// Where to go afterwards: one of the client's registered `post_logout_redirect_uris`,
    /// exactly.
    pub post_logout_redirect_uri: Option<String>,
    /// Returned unchanged to `post_logout_redirect_uri`.
    pub state: Option<String>,
    pub ui_locales: Option<String>,
}

/// Signs the browser out: every device session its cookies name ends (refresh tokens included),
/// then back to the client when `post_logout_redirect_uri` is one it registered for logout.
/// Without a valid `id_token_hint` naming the signed-in customer, a page asks first.
#[utoipa::path(get, operation_id = "oidc_logout", path = "/logout", tag = "Login",
    params(LogoutQuery),
    responses(
        (status = 200, description = "The confirmation page, or signed out (HTML)"),
        (status = 302, description = "Signed out, back to the client's post-logout redirect URI"),
        (status = 400, description = "A hint that is not ours or of another client, an unknown client, or an unregistered `post_logout_redirect_uri`: an error page, nobody signed out")))]
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<LogoutQuery>,
) -> HttpResponse {
    begin(&state, &req, &query).await
}

/// `/logout` by `POST` (RP-Initiated Logout 1.0 §2): as the `GET`.
#[utoipa::path(post, operation_id = "oidc_logout_post", path = "/logout", tag = "Login",
    request_body(content = LogoutQuery, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The confirmation page, or signed out (HTML)"),
        (status = 302, description = "Signed out, back to the client's post-logout redirect URI"),
        (status = 400, description = "As for `GET`"),
        (status = 415, description = "The body is not a form (`application/x-www-form-urlencoded`): an error page")))]
pub async fn logout_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<LogoutQuery>,
) -> HttpResponse {
    begin(&state, &req, &form).await
}

async fn begin(state: &AppState, req: &HttpRequest, query: &LogoutQuery) -> HttpResponse {
    let lang = language(query.ui_locales.as_deref(), req);
    let browser = cookies::browser(req);
    let request = LogoutRequest {
        id_token_hint: query.id_token_hint.as_deref(),
        client_id: query.client_id.as_deref(),
        post_logout_redirect_uri: query.post_logout_redirect_uri.as_deref(),
        state: query.state.as_deref(),
    };
    match state.login.logout(&browser, request).await {
        Ok(Logout::Done(out)) => signed_out(state, lang, out, None),
        Ok(Logout::Confirm {
            token,
            tenant,
            redirect,
        }) => {
            let set = [state.cookies.logout(token.expose())];
            pages::render(
                StatusCode::OK,
                "logout.html",
                lang,
                &tenant,
                "sign_out_title",
                context! { logout => token.expose(), ui_locales => query.ui_locales.as_deref() },
                |b| {
                    with_cookies(&set)(b);
                    // The confirmation's answer redirects there: Chrome checks `form-action`
                    // on that redirect too.
                    if let Some(uri) = &redirect {
                        pages::form_target(b, uri);
                    }
                },
            )
        }
        Err(e) => error::page(&e, lang, ""),
    }
}

/// The confirmation form.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ConfirmForm {
    /// The confirmation page's token (its cookie must carry the same).
    pub logout: String,
    pub ui_locales: Option<String>,
}

/// The customer confirms: signed out, then back to the client as the request asked.
#[utoipa::path(post, operation_id = "oidc_logout_confirm", path = "/logout/confirm", tag = "Login",
    request_body(content = ConfirmForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Signed out (HTML)"),
        (status = 302, description = "Signed out, back to the client's post-logout redirect URI"),
        (status = 400, description = "The token is unknown, used, expired, or not the cookie's: nobody signed out"),
        (status = 415, description = "The body is not a form (`application/x-www-form-urlencoded`): an error page")))]
pub async fn confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<ConfirmForm>,
) -> HttpResponse {
    let lang = language(form.ui_locales.as_deref(), &req);
    // A form posted from another site lacks the cookie (SameSite=Lax).
    if !cookies::logout_matches(&req, &form.logout) {
        return error::page(&LoginError::Expired, lang, "");
    }
    let browser = cookies::browser(&req);
    match state.login.confirm_logout(&browser, &form.logout).await {
        Ok(out) => signed_out(&state, lang, out, Some(state.cookies.logout_removal())),
        Err(e) => error::page(&e, lang, ""),
    }
}

/// Back to the client (302) or the signed-out page, the sessions' cookies removed.
fn signed_out(
    state: &AppState,
    lang: Language,
    out: SignedOut,
    also: Option<Cookie<'static>>,
) -> HttpResponse {
    let removals: Vec<_> = out
        .orgs
        .iter()
        .map(|org| state.cookies.session_removal(org))
        .chain(also)
        .collect();
    if let Some(location) = out.redirect {
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
        &out.tenant,
        "sign_out_title",
        context! { message => Say::SignedOut.text(lang) },
        with_cookies(&removals),
    )
}
