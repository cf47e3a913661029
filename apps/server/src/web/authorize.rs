//! `GET /authorize` (RFC 6749 §4.1.1, OpenID Connect Core §3.1.2): the login page, or straight
//! back to the client. A bad client or redirect URI gets an error page, never a redirect.

use super::agent::{agent, language, peer_ip};
use super::{bad_request, complete, cookies, error, found, pages};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_login::Authorization;
use latchkey_oauth::AuthorizeParams;
use minijinja::context;
use std::collections::HashMap;

/// Starts a login: checks the client and redirect URI (an error page otherwise), then the rest
/// of the request (errors go back to the client), then signs in with the browser's session or
/// shows the login page.
#[utoipa::path(get, operation_id = "login_authorize", path = "/authorize", tag = "Login",
    params(
        ("client_id" = String, Query, description = "The registered client"),
        ("response_type" = String, Query, description = "`code`, or `token` for a confidential client registered for the implicit grant (legacy: OpenID Connect scopes only, no refresh token)"),
        ("redirect_uri" = Option<String>, Query, description = "Exactly one of the client's registered URIs (may be omitted when it has only one)"),
        ("state" = String, Query, description = "Returned unchanged"),
        ("scope" = Option<String>, Query, description = "Space-delimited, among the client's customer scopes; default: only its OpenID Connect scopes `openid`, `profile`, `email`, `phone` (never `devices`, `otp`, `totp`, `tokens`, `offline_access`)"),
        ("nonce" = Option<String>, Query, description = "Copied into the ID token"),
        ("login_hint" = Option<String>, Query, description = "Prefills the username"),
        ("access_type" = Option<String>, Query, description = "`offline` asks for a refresh token"),
        ("code_challenge" = Option<String>, Query, description = "PKCE (RFC 7636): required with `response_type=code`, for every client"),
        ("code_challenge_method" = Option<String>, Query, description = "`S256`, required: `plain` (or no method, which means `plain`) is refused"),
        ("ui_locales" = Option<String>, Query, description = "`es` or `en`"),
        ("prompt" = Option<String>, Query, description = "`login` (sign in again) or `none` (never show a page: `login_required` without a session, `interaction_required` for a session that lacks the second factor its credential now requires)"),
        ("max_age" = Option<i64>, Query, description = "Seconds: an older session signs in again. `max_age=300` gives a token recent enough to change the customer's factors")),
    responses(
        (status = 200, description = "The login page (HTML); or the second-factor page, for a session without the second factor its credential now requires"),
        (status = 302, description = "Back to the client: `code` and `state` (or an error) in the query; `token` responses in the fragment"),
        (status = 400, description = "Unknown client or redirect URI, or a disabled tenant: an error page, no redirect")))]
pub async fn authorize(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let Ok(params) = query_params(req.query_string()) else {
        return bad_request(language(None, &req), "");
    };
    let lang = language(params.ui_locales.as_deref(), &req);
    let browser = cookies::browser(&req);
    let ip = peer_ip(&req);
    let who = agent(&req, &browser, lang, &ip);
    match state.login.authorize(&params, who).await {
        Authorization::Refused(failure) => error::page(&failure.error, lang, &failure.tenant),
        Authorization::Redirect { location, cause } => {
            if let Some(e) = &cause {
                error::log(e);
            }
            found(&location)
        }
        Authorization::Done(done) => complete(state.cookies, done, None),
        Authorization::SecondFactor {
            started,
            tenant,
            totp,
            contacts,
        } => {
            let csrf = started.csrf.expose();
            let mut page = super::login::magic_second_factor(
                lang,
                &tenant,
                (&started.id, csrf),
                totp,
                &contacts,
                &started.redirect_uri,
            );
            let _ = page.add_cookie(&state.cookies.csrf(&started.id, csrf));
            page
        }
        Authorization::SignIn {
            started,
            org,
            tenant,
            username,
        } => {
            let csrf = started.csrf.expose();
            let set_cookies = [
                state.cookies.csrf(&started.id, csrf),
                state.cookies.pending(&org, &started.id),
            ];
            pages::render(
                StatusCode::OK,
                "login.html",
                lang,
                &tenant,
                "sign_in_title",
                context! { tx => started.id.as_str(), csrf => csrf, username => username },
                |b| {
                    super::with_cookies(&set_cookies)(b);
                    pages::form_target(b, &started.redirect_uri);
                },
            )
        }
    }
}

/// The query of `/authorize`; a repeated parameter is an error (RFC 6749 §3.1).
fn query_params(query: &str) -> Result<AuthorizeParams, ()> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).map_err(|_| ())?;
    let mut seen = HashMap::with_capacity(pairs.len());
    for (k, v) in pairs {
        if seen.insert(k, v).is_some() {
            return Err(());
        }
    }
    let take = |k: &str| seen.get(k).cloned();
    Ok(AuthorizeParams {
        client_id: take("client_id"),
        response_type: take("response_type"),
        redirect_uri: take("redirect_uri"),
        state: take("state"),
        scope: take("scope"),
        nonce: take("nonce"),
        login_hint: take("login_hint"),
        groups_hint: take("groups_hint"),
        access_type: take("access_type"),
        code_challenge: take("code_challenge"),
        code_challenge_method: take("code_challenge_method"),
        ui_locales: take("ui_locales"),
        prompt: take("prompt"),
        max_age: take("max_age"),
    })
}
