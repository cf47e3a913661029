//! `GET /magiclink`: a magic link signs the customer in (single use, unexpired).

use super::agent::{agent, language, peer_ip};
use super::pages::{self, Say};
use super::{complete, cookies, error, login, with_cookies};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_login::{MagicOutcome, Step};
use minijinja::context;
use serde::Deserialize;

/// The token of a magic link.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct MagicLinkQuery {
    /// `<uuid>@<org>@<secret>`, from `GET /v1/orgs/{org}/magiclinks`.
    pub token: Option<String>,
}

/// Signs the customer in with a magic link (single use, unexpired): continues the login pending
/// in this browser (to the second factor when the credential requires one), or starts a device
/// session and goes to the tenant's landing URL.
#[utoipa::path(get, operation_id = "login_magic_link", path = "/magiclink", tag = "Login",
    params(MagicLinkQuery),
    responses(
        (status = 200, description = "Signed in (no landing URL), or the second-factor page (HTML)"),
        (status = 303, description = "Back to the client with a code, or to the tenant's landing URL"),
        (status = 400, description = "The link is not valid, expired or used, or its tenant is disabled (HTML)"),
        (status = 403, description = "The credential is disabled (HTML)")))]
pub async fn magic_link(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<MagicLinkQuery>,
) -> HttpResponse {
    let lang = language(None, &req);
    let token = query.token.as_deref().unwrap_or_default();
    let browser = cookies::browser(&req);
    let ip = peer_ip(&req);
    let who = agent(&req, &browser, lang, &ip);
    let link = match state.login.magic_link(token, who).await {
        Ok(link) => link,
        Err(failure) => return error::page(&failure.error, lang, &failure.tenant),
    };
    let tenant = link.tenant.as_str();
    match link.outcome {
        MagicOutcome::Done(done) | MagicOutcome::Landing(done) => {
            complete(state.cookies, done, None)
        }
        MagicOutcome::SecondFactor { id, csrf, step } => match step {
            Step::SecondFactor { totp, contacts } => {
                login::magic_second_factor(lang, tenant, &id, csrf.expose(), totp, &contacts)
            }
            Step::Done(done) => complete(state.cookies, done, None),
        },
        MagicOutcome::SignedIn(done) => {
            let set: Vec<_> = done
                .session
                .iter()
                .map(|s| state.cookies.session(&done.org, s))
                .collect();
            pages::render(
                StatusCode::OK,
                "message.html",
                lang,
                tenant,
                "sign_in_title",
                context! { message => Say::SignedIn.text(lang) },
                with_cookies(&set),
            )
        }
        MagicOutcome::NeedsApp => {
            pages::message(StatusCode::FORBIDDEN, lang, tenant, Say::NeedsApp)
        }
    }
}
