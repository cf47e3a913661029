//! The forms of a login: `POST /login` (username and password), `POST /login/send` (a one-time
//! code to a contact) and `POST /login/factor` (the second factor). Each names its login and
//! carries the login's anti-forgery token, which must match the login's cookie.

use super::agent::{agent, language, peer_ip};
use super::pages::{self, Say};
use super::{bad_request, cookies, error, finish};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_credential::Password;
use latchkey_flows::CodeRefusal;
use latchkey_login::{ContactChoice, Factor, LoginError, Pending, Step};
use latchkey_notify::Language;
use minijinja::context;
use serde::Deserialize;

/// The login form.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    tx: String,
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// The form that asks for a one-time code.
#[derive(Debug, Deserialize)]
pub struct SendForm {
    tx: String,
    csrf: String,
    #[serde(default)]
    hint: String,
}

/// The second-factor form.
#[derive(Debug, Deserialize)]
pub struct FactorForm {
    tx: String,
    csrf: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    code: String,
}

/// Username and password.
pub async fn password(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<PasswordForm>,
) -> HttpResponse {
    let form = form.into_inner();
    // Taken out of the store: a second submission of the form finds nothing; `password` puts
    // it back when it refuses.
    let (pending, lang) = match enter(&state, &req, &form.tx, &form.csrf, true).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let browser = cookies::browser(&req);
    let ip = peer_ip(&req);
    let who = agent(&req, &browser, lang, &ip);
    let pwd = Password::new(&form.password);
    let result = state
        .login
        .password(&pending, &form.username, &pwd, who)
        .await;
    let tenant = pending.tenant.as_str();
    match result {
        Ok(Step::Done(done)) => finish(state.cookies, done, Some(&form.tx), lang, tenant),
        Ok(Step::SecondFactor { totp, contacts }) => {
            let page = SecondFactorPage::new(lang, &pending, totp, &contacts);
            page.render(StatusCode::OK, None, !totp)
        }
        // Shown in the form, for another try.
        Err(
            e @ (LoginError::BadCredentials | LoginError::Disabled | LoginError::Throttled { .. }),
        ) => {
            let shown = error::shown(&e);
            pages::render(
                shown.status,
                "login.html",
                lang,
                tenant,
                "sign_in_title",
                context! {
                    tx => form.tx, csrf => form.csrf,
                    username => form.username, error => shown.say.text(lang),
                },
                |b| {
                    if let Some(seconds) = shown.retry_after {
                        b.insert_header(("Retry-After", seconds.to_string()));
                    }
                    pages::form_target(b, &pending.tx.request.redirect_uri);
                },
            )
        }
        Err(e) => error::page(&e, lang, tenant),
    }
}

/// Sends a one-time code to one of the credential's contacts.
pub async fn send_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<SendForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let (pending, lang) = match enter(&state, &req, &form.tx, &form.csrf, false).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let note = match state.login.send_code(&pending, &form.hint, lang).await {
        Ok(()) => Ok((StatusCode::OK, Say::CodeSent)),
        // Shown on the second-factor page, for another try.
        Err(
            e @ (LoginError::Code(CodeRefusal::OtpTooSoon { .. })
            | LoginError::Throttled { .. }
            | LoginError::NotAContact
            | LoginError::Delivery(_)),
        ) => Err(error::shown(&e)),
        Err(e) => return error::page(&e, lang, &pending.tenant),
    };
    again(&state, &pending, lang, note, true).await
}

/// The second factor: a TOTP code, or a one-time code that was sent.
pub async fn second_factor(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<FactorForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let (pending, lang) = match enter(&state, &req, &form.tx, &form.csrf, false).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let factor = match form.method.as_str() {
        "totp" => Factor::Totp,
        "otp" => Factor::Otp,
        _ => return bad_request(lang, &pending.tenant),
    };
    let browser = cookies::browser(&req);
    let ip = peer_ip(&req);
    let who = agent(&req, &browser, lang, &ip);
    match state
        .login
        .second_factor(&pending, factor, &form.code, who)
        .await
    {
        Ok(done) => finish(state.cookies, done, Some(&form.tx), lang, &pending.tenant),
        // Shown on the second-factor page, for another try.
        Err(
            e @ (LoginError::Code(_) | LoginError::MalformedCode | LoginError::Throttled { .. }),
        ) => {
            let note = Err(error::shown(&e));
            again(&state, &pending, lang, note, factor == Factor::Otp).await
        }
        Err(e) => error::page(&e, lang, &pending.tenant),
    }
}

/// The login a form names, when its anti-forgery token matches the form and the cookie; with
/// the page language. An error page otherwise.
async fn enter(
    state: &AppState,
    req: &HttpRequest,
    id: &str,
    csrf: &str,
    take: bool,
) -> Result<(Pending, Language), HttpResponse> {
    let fallback = language(None, req);
    if !cookies::csrf_matches(req, id, csrf) {
        return Err(error::page(&LoginError::Expired, fallback, ""));
    }
    match state.login.open(id, csrf, take).await {
        Ok(pending) => {
            let lang = language(pending.tx.request.ui_locales.as_deref(), req);
            Ok((pending, lang))
        }
        Err(failure) => {
            let lang = match &failure.ui_locales {
                Some(ui_locales) => language(Some(ui_locales), req),
                None => fallback,
            };
            Err(error::page(&failure.error, lang, &failure.tenant))
        }
    }
}

/// The second-factor page again, with what happened (`note`: a notice, or an error).
async fn again(
    state: &AppState,
    pending: &Pending,
    lang: Language,
    note: Result<(StatusCode, Say), error::Shown>,
    sent: bool,
) -> HttpResponse {
    match state.login.second_factor_choices(&pending.tx).await {
        Ok(Step::SecondFactor { totp, contacts }) => {
            let (status, note) = match note {
                Ok((status, say)) => (status, Ok(say)),
                Err(shown) => (shown.status, Err(shown.say)),
            };
            let page = SecondFactorPage::new(lang, pending, totp, &contacts);
            page.render(status, Some(note), sent || !totp)
        }
        Ok(Step::Done(_)) => error::page(&LoginError::Expired, lang, &pending.tenant),
        Err(e) => error::page(&e, lang, &pending.tenant),
    }
}

/// The second-factor page of a login.
struct SecondFactorPage<'a> {
    lang: Language,
    tenant: &'a str,
    id: &'a str,
    csrf: &'a str,
    totp: bool,
    contacts: &'a [ContactChoice],
    /// Where the login finishes (the forms' answers redirect there).
    redirect_uri: &'a str,
}

impl<'a> SecondFactorPage<'a> {
    fn new(
        lang: Language,
        pending: &'a Pending,
        totp: bool,
        contacts: &'a [ContactChoice],
    ) -> Self {
        Self {
            lang,
            tenant: &pending.tenant,
            id: &pending.id,
            csrf: pending.tx.csrf(),
            totp,
            contacts,
            redirect_uri: &pending.tx.request.redirect_uri,
        }
    }

    /// `note`: a notice (`Ok`) or an error (`Err`); `sent`: the code field is shown.
    fn render(
        &self,
        status: StatusCode,
        note: Option<Result<Say, Say>>,
        sent: bool,
    ) -> HttpResponse {
        second_factor_page(self, status, note, sent)
    }
}

/// The second-factor page, for a magic link that continues a login (which finishes at
/// `redirect_uri`).
pub(super) fn magic_second_factor(
    lang: Language,
    tenant: &str,
    (id, csrf): (&str, &str),
    totp: bool,
    contacts: &[ContactChoice],
    redirect_uri: &str,
) -> HttpResponse {
    let page = SecondFactorPage {
        lang,
        tenant,
        id,
        csrf,
        totp,
        contacts,
        redirect_uri,
    };
    page.render(StatusCode::OK, None, !totp)
}

fn second_factor_page(
    page: &SecondFactorPage<'_>,
    status: StatusCode,
    note: Option<Result<Say, Say>>,
    sent: bool,
) -> HttpResponse {
    let lang = page.lang;
    let contacts: Vec<_> = page
        .contacts
        .iter()
        .map(|c| context! { hint => c.hint.clone(), masked => c.masked.clone(), email => c.email })
        .collect();
    let (notice, error) = match note {
        Some(Ok(say)) => (Some(say.text(lang)), None),
        Some(Err(say)) => (None, Some(say.text(lang))),
        None => (None, None),
    };
    pages::render(
        status,
        "second_factor.html",
        lang,
        page.tenant,
        "second_factor_title",
        context! {
            tx => page.id, csrf => page.csrf, totp => page.totp, contacts => contacts,
            sent => sent, notice => notice, error => error,
        },
        |b| pages::form_target(b, page.redirect_uri),
    )
}
