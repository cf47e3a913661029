//! The customer's side of CIBA: the approval page `GET /ciba?id=...` (the link of their
//! message: they sign in, always), then the approve-or-deny form `POST /ciba/decide`.

use super::agent::language;
use super::pages::{self, Say};
use super::{bad_request, error, with_cookies};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_login::LoginError;
use latchkey_notify::Language;
use minijinja::context;
use serde::Deserialize;

/// The link of the customer's message.
#[derive(Debug, Deserialize)]
pub struct ApprovalQuery {
    id: Option<String>,
}

/// The approval page: the customer signs in (always) to approve or deny.
pub async fn approval(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ApprovalQuery>,
) -> HttpResponse {
    let lang = language(None, &req);
    let id = query.id.as_deref().unwrap_or_default();
    let prompt = match state.login.start_ciba(id).await {
        Ok(p) => p,
        Err(LoginError::Expired) => {
            return pages::message(StatusCode::BAD_REQUEST, lang, "", Say::NoLongerPending);
        }
        Err(e) => return error::page(&e, lang, ""),
    };
    let started = prompt.started;
    let csrf = started.csrf.expose();
    let set = [state.cookies.csrf(&started.id, csrf)];
    pages::render(
        StatusCode::OK,
        "login.html",
        lang,
        &prompt.tenant,
        "ciba_title",
        context! {
            tx => started.id.as_str(), csrf => csrf, username => prompt.username,
            client => prompt.client_name, binding_message => prompt.binding_message,
        },
        with_cookies(&set),
    )
}

/// The approve-or-deny form.
pub(super) fn decision_page(lang: Language, tenant: &str, consent: &str) -> HttpResponse {
    pages::render(
        StatusCode::OK,
        "ciba.html",
        lang,
        tenant,
        "ciba_title",
        context! { consent => consent, client => None::<&str>, binding_message => None::<&str> },
        |_| {},
    )
}

/// The customer's answer.
#[derive(Debug, Deserialize)]
pub struct DecideForm {
    consent: String,
    decision: String,
}

/// Records the customer's answer (once).
pub async fn decide(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<DecideForm>,
) -> HttpResponse {
    let lang = language(None, &req);
    let approve = match form.decision.as_str() {
        "approve" => true,
        "deny" => false,
        _ => return bad_request(lang, ""),
    };
    match state.login.ciba_decide(&form.consent, approve).await {
        Ok(true) if approve => pages::message(StatusCode::OK, lang, "", Say::Approved),
        Ok(true) => pages::message(StatusCode::OK, lang, "", Say::Denied),
        Ok(false) | Err(LoginError::Expired) => {
            pages::message(StatusCode::BAD_REQUEST, lang, "", Say::NoLongerPending)
        }
        Err(e) => error::page(&e, lang, ""),
    }
}
