//! The page of a self-registration's e-mailed link, served under `/api/v1/actionLink` beside
//! the operators' links (`action_link`): `GET ?action=signup_verification&id=<token>` shows
//! the address and a form to choose the first password; its `POST` (`action` =
//! `signup_completion`, `id`, `password`, `confirm`) sets it, which proves the address, enables
//! the subscriber and moves the registration to `emailVerified`.
//!
//! As the other link pages: HTML, the login pages' templates and headers, no anti-forgery
//! cookie (the form carries the link's own secret, which a forging site does not have). The
//! link stays usable until a password is accepted.

use crate::security::action_link::{Say, message};
use crate::security::error::SecurityError;
use crate::state::AppState;
use crate::web::pages;
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use latchkey_credential::Password;
use latchkey_login::operator::OPERATOR_BRAND;
use latchkey_notify::Language;
use latchkey_subscriber::SignupError;
use minijinja::context;

/// The `action` of the link and of its form.
pub const LINK_ACTION: &str = "signup_verification";
pub const FORM_ACTION: &str = "signup_completion";

/// The e-mailed link without its token, for a server at `public_url`.
pub fn link_base(public_url: &str) -> String {
    format!(
        "{}/api/v1/actionLink?action={LINK_ACTION}&id=",
        public_url.trim_end_matches('/')
    )
}

fn form(
    status: StatusCode,
    lang: Language,
    id: &str,
    username: &str,
    error: Option<Say>,
) -> HttpResponse {
    let (intro, new_password, confirm, save) = match lang {
        Language::Es => (
            "Elige la contraseña de",
            "Contraseña",
            "Repite la contraseña",
            "Confirmar",
        ),
        Language::En => (
            "Choose the password of",
            "Password",
            "The same password again",
            "Confirm",
        ),
    };
    pages::render(
        status,
        "signup_verification.html",
        lang,
        OPERATOR_BRAND,
        "account_title",
        context! {
            id => id, username => username, error => error.map(|s| s.text(lang)),
            intro => intro, new_password => new_password, confirm => confirm, save => save,
        },
        |_| {},
    )
}

/// A refusal as a page: the link is no good, or a dependency is down (logged).
fn refused(e: SignupError, lang: Language) -> HttpResponse {
    match e {
        SignupError::LinkInvalid
        | SignupError::NotFound
        | SignupError::Tenant(latchkey_tenancy::TenantError::NotFound(_)) => {
            message(StatusCode::BAD_REQUEST, lang, Say::LinkInvalid)
        }
        e => {
            let error = SecurityError::from(e);
            if error.code() == 404 || error.code() == 400 {
                return message(StatusCode::BAD_REQUEST, lang, Say::LinkInvalid);
            }
            // Logged with the request id, as on the rest of the plane.
            let _ = error.into_response();
            message(StatusCode::SERVICE_UNAVAILABLE, lang, Say::Unavailable)
        }
    }
}

/// `GET /actionLink?action=signup_verification&id=`: the form, for a live link of a
/// registration waiting for it.
pub async fn show(state: &AppState, lang: Language, id: &str) -> HttpResponse {
    match state.operators.signups.link_target(id).await {
        Ok(username) => form(StatusCode::OK, lang, id, username.as_str(), None),
        Err(e) => refused(e, lang),
    }
}

/// `POST /actionLink` with `action=signup_completion`: sets the first password.
pub async fn complete(
    state: &AppState,
    lang: Language,
    id: &str,
    password: &str,
    confirm: &str,
) -> HttpResponse {
    let signups = &state.operators.signups;
    let again = |say| async move {
        match signups.link_target(id).await {
            Ok(username) => form(
                StatusCode::BAD_REQUEST,
                lang,
                id,
                username.as_str(),
                Some(say),
            ),
            Err(e) => refused(e, lang),
        }
    };
    if !latchkey_core::ct_eq(password.as_bytes(), confirm.as_bytes()) {
        return again(Say::Mismatch).await;
    }
    match signups.complete(id, &Password::new(password)).await {
        Ok(_) => message(StatusCode::OK, lang, Say::SignupDone),
        Err(SignupError::Password(_)) => again(Say::Policy).await,
        Err(e) => refused(e, lang),
    }
}
