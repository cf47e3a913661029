//! `GET /magiclink`: the page that asks "continue as a•••@example.com?" (the link is not used
//! up); `POST /magiclink`: its answer, which signs the customer in (single use, unexpired). A
//! link opened for someone else's account cannot sign a victim in unseen (login CSRF): the
//! sign-in needs the page's form, whose anti-forgery token its cookie must match.

use super::agent::{agent, language, peer_ip};
use super::pages::{self, Say};
use super::{complete, cookies, error, login, with_cookies};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_login::{LoginError, MagicOutcome, Step};
use minijinja::context;
use serde::Deserialize;

/// The token of a magic link.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MagicLinkQuery {
    /// `<uuid>@<org>@<secret>`, from `GET /v1/orgs/{org}/magiclinks`.
    pub token: Option<String>,
}

/// The "continue as ...?" form.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MagicLinkForm {
    /// The link's token.
    #[serde(default)]
    pub token: String,
    /// The page's anti-forgery token (its cookie must carry it too).
    #[serde(default)]
    pub csrf: String,
}

/// Opens a magic link: a page asking the customer to continue as the (masked) account the link
/// signs in. The link is not used up.
#[utoipa::path(get, operation_id = "login_magic_link", path = "/magiclink", tag = "Login",
    params(MagicLinkQuery),
    responses(
        (status = 200, description = "\"Continue as a•••@example.com?\" (HTML): a form that posts to `POST /magiclink`"),
        (status = 400, description = "The link is not valid, expired or used, or its tenant is disabled (HTML)"),
        (status = 403, description = "The credential is disabled, or the browser is signed in (or signing in) as another customer (HTML)")))]
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
    let offer = match state.login.magic_link_offer(token, who).await {
        Ok(offer) => offer,
        Err(failure) => return error::page(&failure.error, lang, &failure.tenant),
    };
    let csrf = offer.csrf.expose();
    let set = [state.cookies.magic_csrf(token, csrf)];
    pages::render(
        StatusCode::OK,
        "magic.html",
        lang,
        &offer.tenant,
        "sign_in_title",
        context! { token => token, csrf => csrf, masked => offer.masked },
        |b| {
            with_cookies(&set)(b);
            if let Some(target) = &offer.continues_to {
                pages::form_target(b, target);
            }
        },
    )
}

/// Signs the customer in with a magic link (single use, unexpired), as the page of
/// `GET /magiclink` asked: continues the login pending in this browser (to the second factor
/// when the credential requires one), or starts a device session and goes to the tenant's
/// landing URL.
#[utoipa::path(post, operation_id = "login_magic_link_continue", path = "/magiclink", tag = "Login",
    request_body(content = MagicLinkForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Signed in (no landing URL), or the second-factor page (HTML)"),
        (status = 303, description = "Back to the client with a code, or to the tenant's landing URL"),
        (status = 400, description = "No page of this browser asked (anti-forgery token), or the link is not valid, expired or used, or its tenant is disabled (HTML)"),
        (status = 415, description = "The body is not a form (`application/x-www-form-urlencoded`): an error page"),
        (status = 403, description = "The credential is disabled, or the browser is signed in (or signing in) as another customer (HTML)")))]
pub async fn magic_link_continue(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<MagicLinkForm>,
) -> HttpResponse {
    let lang = language(None, &req);
    if !cookies::magic_csrf_matches(&req, &form.token, &form.csrf) {
        return error::page(&LoginError::Expired, lang, "");
    }
    let browser = cookies::browser(&req);
    let ip = peer_ip(&req);
    let who = agent(&req, &browser, lang, &ip);
    let link = match state.login.magic_link(&form.token, who).await {
        Ok(link) => link,
        Err(failure) => return error::page(&failure.error, lang, &failure.tenant),
    };
    let tenant = link.tenant.as_str();
    match link.outcome {
        MagicOutcome::Done(done) | MagicOutcome::Landing(done) => {
            complete(state.cookies, done, None)
        }
        MagicOutcome::SecondFactor {
            id,
            csrf,
            step,
            redirect_uri,
        } => match step {
            Step::SecondFactor { totp, contacts } => login::magic_second_factor(
                lang,
                tenant,
                (&id, csrf.expose()),
                totp,
                &contacts,
                &redirect_uri,
            ),
            Step::Done(done) => complete(state.cookies, done, None),
        },
        MagicOutcome::SignedIn(done) => {
            let set: Vec<_> = done
                .session
                .iter()
                .flat_map(|s| {
                    [
                        state.cookies.session(&done.org, s),
                        state.cookies.known_device(&done.org, s),
                    ]
                })
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
