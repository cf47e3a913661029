//! `/actionLink`: where the links e-mailed to operators lead. `GET ?action=email_verification&id=`
//! proves the address and says so; `GET ?action=password_reset&id=` shows a form to choose a new
//! password, which `POST` (a form, `action`, `id`, `password`, `confirm`) sets, ending every
//! session of the operator.
//!
//! Pages, not JSON: a person follows these links in a browser. They use the login pages'
//! templates and headers (no script, no framing, no referrer). The form needs no anti-forgery
//! cookie: it carries the link's own secret, which a forging site does not have.

use crate::security::error::SecurityError;
use crate::state::AppState;
use crate::web::pages;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_credential::Password;
use latchkey_login::operator::{OPERATOR_BRAND, SignInError};
use latchkey_notify::Language;
use minijinja::context;
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        crate::http::endpoint::Endpoint::page("/actionLink")
            .get(follow)
            .post(reset),
    );
}

/// The query of a link.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActionQuery {
    /// `email_verification`, `password_reset` or `signup_verification` (`signup_page`).
    pub action: Option<String>,
    /// The link's secret.
    pub id: Option<String>,
}

/// The form of a password reset.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ResetForm {
    /// `password_reset`.
    #[serde(default)]
    pub action: String,
    /// The link's secret.
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub password: String,
    /// The same password again.
    #[serde(default)]
    pub confirm: String,
}

fn language(req: &HttpRequest) -> Language {
    let accept = req
        .headers()
        .get("accept-language")
        .and_then(|v| v.to_str().ok());
    Language::negotiate(None, accept)
}

/// What the link pages say: the operators' links here, a self-registration's
/// (`signup_page`) too.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Say {
    Verified,
    PasswordSet,
    /// A self-registration's first password is set.
    SignupDone,
    LinkInvalid,
    Mismatch,
    Policy,
    Reused,
    Throttled,
    Unavailable,
}

impl Say {
    pub(crate) fn text(self, lang: Language) -> &'static str {
        use Say::*;
        match (self, lang) {
            (Verified, Language::Es) => {
                "Tu dirección de e-mail está verificada. Ya puedes iniciar sesión."
            }
            (Verified, Language::En) => "Your e-mail address is verified. You can sign in now.",
            (PasswordSet, Language::Es) => "Tu contraseña ha cambiado. Inicia sesión con la nueva.",
            (PasswordSet, Language::En) => "Your password was changed. Sign in with the new one.",
            (SignupDone, Language::Es) => {
                "Tu dirección está verificada y tu contraseña guardada. Ya puedes iniciar sesión."
            }
            (SignupDone, Language::En) => {
                "Your address is verified and your password is saved. You can sign in now."
            }
            (LinkInvalid, Language::Es) => "Este enlace no es válido, ha caducado o ya se usó.",
            (LinkInvalid, Language::En) => "This link is not valid, has expired or was used.",
            (Mismatch, Language::Es) => "Las dos contraseñas no coinciden.",
            (Mismatch, Language::En) => "The two passwords differ.",
            (Policy, Language::Es) => {
                "La contraseña no cumple la política: de 8 a 128 caracteres, ni tu e-mail ni una contraseña común."
            }
            (Policy, Language::En) => {
                "The password is against the policy: 8 to 128 characters, neither your e-mail nor a common password."
            }
            (Reused, Language::Es) => "Usaste esa contraseña hace poco: elige otra.",
            (Reused, Language::En) => "You used that password recently: choose another.",
            (Throttled, Language::Es) => "Demasiados intentos: espera un poco.",
            (Throttled, Language::En) => "Too many attempts: wait a little.",
            (Unavailable, Language::Es) => {
                "El servicio no está disponible ahora; inténtalo más tarde."
            }
            (Unavailable, Language::En) => "The service is unavailable right now; try again later.",
        }
    }
}

/// A link page that only says something (`message.html`).
pub(crate) fn message(status: StatusCode, lang: Language, say: Say) -> HttpResponse {
    pages::render(
        status,
        "message.html",
        lang,
        OPERATOR_BRAND,
        "account_title",
        context! { message => say.text(lang) },
        |_| {},
    )
}

fn form(status: StatusCode, lang: Language, id: &str, error: Option<Say>) -> HttpResponse {
    let (new_password, confirm, save) = match lang {
        Language::Es => ("Contraseña nueva", "Repite la contraseña", "Guardar"),
        Language::En => ("New password", "The same password again", "Save"),
    };
    pages::render(
        status,
        "action_link.html",
        lang,
        OPERATOR_BRAND,
        "account_title",
        context! {
            id => id, error => error.map(|s| s.text(lang)),
            new_password => new_password, confirm => confirm, save => save,
        },
        |_| {},
    )
}

/// A refusal of the sign-in use cases, as a page: the link, or the page's form again.
fn refused(e: SignInError, lang: Language, id: &str) -> HttpResponse {
    match e {
        SignInError::PasswordInvalid(_) => {
            form(StatusCode::BAD_REQUEST, lang, id, Some(Say::Policy))
        }
        SignInError::PasswordAlreadyUsed => {
            form(StatusCode::BAD_REQUEST, lang, id, Some(Say::Reused))
        }
        SignInError::Throttled { .. } => {
            message(StatusCode::TOO_MANY_REQUESTS, lang, Say::Throttled)
        }
        SignInError::Unavailable(_) | SignInError::Undeliverable(_) => {
            // Logged with the request id, as on the rest of the plane.
            let _ = SecurityError::from(e).into_response();
            message(StatusCode::SERVICE_UNAVAILABLE, lang, Say::Unavailable)
        }
        SignInError::InvalidToken
        | SignInError::ExpiredToken
        | SignInError::PasswordChangeRequired
        | SignInError::InvalidCredentials
        | SignInError::PendingVerification
        | SignInError::BadMfaTransaction
        | SignInError::MfaFailure
        | SignInError::CannotRefresh
        | SignInError::Suspended => message(StatusCode::BAD_REQUEST, lang, Say::LinkInvalid),
    }
}

#[utoipa::path(get, operation_id = "security_action_link", path = "/api/v1/actionLink",
    tag = "Security service",
    params(ActionQuery),
    responses(
        (status = 200, description = "`email_verification`: the address is proved (HTML); `password_reset`: a form to choose a new password (HTML); `signup_verification`: a self-registration's form to choose the first password (HTML)"),
        (status = 400, description = "An unknown action, or a link not valid, expired or used (HTML)"),
        (status = 503, description = "A storage is down (HTML)")))]
pub async fn follow(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ActionQuery>,
) -> HttpResponse {
    let lang = language(&req);
    let id = query.id.as_deref().map(str::trim).unwrap_or_default();
    if id.is_empty() {
        return message(StatusCode::BAD_REQUEST, lang, Say::LinkInvalid);
    }
    match query.action.as_deref() {
        Some("email_verification") => match state.operators.sign_in.verify_email(id).await {
            Ok(_) => message(StatusCode::OK, lang, Say::Verified),
            Err(e) => refused(e, lang, id),
        },
        // Shown whatever the link: it is checked (and used up) when the form comes back.
        Some("password_reset") => form(StatusCode::OK, lang, id, None),
        Some(super::signup_page::LINK_ACTION) => super::signup_page::show(&state, lang, id).await,
        _ => message(StatusCode::BAD_REQUEST, lang, Say::LinkInvalid),
    }
}

#[utoipa::path(post, operation_id = "security_action_link_reset", path = "/api/v1/actionLink",
    tag = "Security service",
    request_body(content = ResetForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The password is set and every session of the operator ended; with `action=signup_completion`, a self-registration's first password is set, which proves its address (HTML)"),
        (status = 400, description = "The passwords differ, are against the policy or were used recently (the form again), or the link is not valid, expired or used (HTML)"),
        (status = 415, description = "The body is not a form (`application/x-www-form-urlencoded`): an error page"),
        (status = 429, description = "Too many attempts (HTML)"),
        (status = 503, description = "A storage is down (HTML)")))]
pub async fn reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    form_body: web::Form<ResetForm>,
) -> HttpResponse {
    let lang = language(&req);
    let ResetForm {
        action,
        id,
        password,
        confirm,
    } = form_body.into_inner();
    if action == super::signup_page::FORM_ACTION && !id.trim().is_empty() {
        return super::signup_page::complete(&state, lang, id.trim(), &password, &confirm).await;
    }
    if action != "password_reset" || id.trim().is_empty() {
        return message(StatusCode::BAD_REQUEST, lang, Say::LinkInvalid);
    }
    if !latchkey_core::ct_eq(password.as_bytes(), confirm.as_bytes()) {
        return form(StatusCode::BAD_REQUEST, lang, &id, Some(Say::Mismatch));
    }
    let password = Password::new(&password);
    match state
        .operators
        .sign_in
        .reset_password(id.trim(), &password)
        .await
    {
        Ok(()) => message(StatusCode::OK, lang, Say::PasswordSet),
        Err(e) => refused(e, lang, &id),
    }
}
