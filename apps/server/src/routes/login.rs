//! The login server's pages: `GET /authorize` (RFC 6749 §4.1.1, OpenID Connect Core §3.1.2)
//! and the forms it leads to, `POST /login` (username and password), `POST /login/send` (a
//! one-time code to a contact) and `POST /login/factor` (the second factor).
//!
//! A bad client or redirect URI gets an error page, never a redirect; any other error goes back
//! to the client's redirect URI. Forms carry the login's id and an anti-forgery token that must
//! also come back in a cookie (SameSite=Lax, HttpOnly) set with the first page.

use crate::pages::{self, Lang, Say};
use crate::state::AppState;
use actix_web::cookie::{Cookie, SameSite, time::OffsetDateTime};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_core::ct_eq;
use latchkey_credential::Password;
use latchkey_flows::{
    Agent, CodeRefusal, Completion, Factor, LoginError, LoginService, LoginTx, MagicOutcome, Step,
};
use latchkey_oauth::{AuthRequest, AuthorizeError, AuthorizeParams, RedirectError};
use latchkey_tenancy::{ApiClient, ClientId};
use minijinja::context;
use serde::Deserialize;
use std::collections::HashMap;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/authorize").route(web::get().to(authorize)))
        .service(web::resource("/login").route(web::post().to(password)))
        .service(web::resource("/login/send").route(web::post().to(send_code)))
        .service(web::resource("/login/factor").route(web::post().to(second_factor)))
        .service(web::resource("/magiclink").route(web::get().to(magic_link)));
}

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

/// Starts a login: checks the client and redirect URI (an error page otherwise), then the rest
/// of the request (errors go back to the client), then signs in with the browser's session or
/// shows the login page.
#[utoipa::path(get, operation_id = "login_authorize", path = "/authorize", tag = "Login",
    params(
        ("client_id" = String, Query, description = "The registered client"),
        ("response_type" = String, Query, description = "`code`, or `token` for a client allowed the implicit grant"),
        ("redirect_uri" = Option<String>, Query, description = "Exactly one of the client's registered URIs (may be omitted when it has only one)"),
        ("state" = String, Query, description = "Returned unchanged"),
        ("scope" = Option<String>, Query, description = "Space-delimited; default: the client's customer scopes"),
        ("nonce" = Option<String>, Query, description = "Copied into the ID token"),
        ("login_hint" = Option<String>, Query, description = "Prefills the username"),
        ("access_type" = Option<String>, Query, description = "`offline` asks for a refresh token"),
        ("code_challenge" = Option<String>, Query, description = "PKCE (RFC 7636); required, with S256, for public clients"),
        ("code_challenge_method" = Option<String>, Query, description = "`S256` or `plain` (the default)"),
        ("ui_locales" = Option<String>, Query, description = "`es` or `en`"),
        ("prompt" = Option<String>, Query, description = "`login` (sign in again) or `none` (never show a page)"),
        ("max_age" = Option<i64>, Query, description = "Seconds: an older session signs in again")),
    responses(
        (status = 200, description = "The login page (HTML)"),
        (status = 302, description = "Back to the client: `code` and `state` (or an error) in the query; `token` responses in the fragment"),
        (status = 400, description = "Unknown client or redirect URI: an error page, no redirect")))]
pub async fn authorize(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let lang_hint = Lang::choose(None, &req);
    let params = match query_params(req.query_string()) {
        Ok(p) => p,
        Err(()) => return pages::message(StatusCode::BAD_REQUEST, lang_hint, "", Say::BadRequest),
    };
    let lang = Lang::choose(params.ui_locales.as_deref(), &req);
    let client = match lookup_client(&state, params.client_id.as_deref()).await {
        Ok(c) => c,
        Err(page) => return page(lang),
    };
    let request = match AuthRequest::validate(&params, client.as_ref()) {
        Ok(r) => r,
        Err(AuthorizeError::Redirect(e)) => {
            // Only reached once the client and redirect URI are trusted.
            return redirect_error(&state, &params, client.as_ref(), &e);
        }
        Err(AuthorizeError::UnknownClient | AuthorizeError::NotALoginClient) => {
            return pages::message(StatusCode::BAD_REQUEST, lang, "", Say::UnknownClient);
        }
        Err(AuthorizeError::BadRedirectUri) => {
            return pages::message(StatusCode::BAD_REQUEST, lang, "", Say::BadRedirectUri);
        }
        Err(AuthorizeError::Store(e)) => {
            tracing::error!(error = %e, "client lookup failed");
            return pages::message(StatusCode::SERVICE_UNAVAILABLE, lang, "", Say::Unavailable);
        }
    };
    let Some(client) = client else {
        return pages::message(StatusCode::BAD_REQUEST, lang, "", Say::UnknownClient);
    };
    let tenant = match state.login.tenant(&request.org).await {
        Ok(t) => t,
        Err(LoginError::Unavailable(e)) => {
            tracing::error!(error = %e, "tenant lookup failed");
            return pages::message(StatusCode::SERVICE_UNAVAILABLE, lang, "", Say::Unavailable);
        }
        Err(_) => {
            return pages::message(StatusCode::BAD_REQUEST, lang, "", Say::TenantUnavailable);
        }
    };
    let session = session_cookie(&req, &request);
    let ip = peer_ip(&req);
    let agent = agent(&req, session.as_deref(), lang, &ip);
    match state.login.resume(&client, &request, agent).await {
        Ok(Some(done)) => return complete(&state, done, None),
        Ok(None) => {}
        Err(e) => {
            tracing::error!(error = %e, "resuming a session failed");
            return see_other(&state.login.error_redirect(
                &request,
                "server_error",
                "the login could not continue",
            ));
        }
    }
    if request.no_prompt {
        return see_other(&state.login.error_redirect(
            &request,
            RedirectError::LoginRequired.code(),
            &RedirectError::LoginRequired.to_string(),
        ));
    }
    let hint = request.login_hint.clone().unwrap_or_default();
    let org = request.org.clone();
    let started = match state.login.start(request).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "starting a login failed");
            return pages::message(
                StatusCode::SERVICE_UNAVAILABLE,
                lang,
                tenant.name.as_str(),
                Say::Unavailable,
            );
        }
    };
    let csrf = started.csrf.0.clone();
    let secure = state.cookie_secure;
    let pending = Cookie::build(LoginService::pending_cookie_name(&org), started.id.clone())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::seconds(
            latchkey_flows::LOGIN_TTL.whole_seconds(),
        ))
        .finish();
    pages::render(
        StatusCode::OK,
        "login.html",
        lang,
        tenant.name.as_str(),
        "sign_in_title",
        context! { tx => started.id.clone(), csrf => csrf.clone(), username => hint },
        |b| {
            b.cookie(csrf_cookie(&started.id, &csrf, secure));
            b.cookie(pending);
        },
    )
}

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
        (status = 400, description = "The link is not valid, expired or used (HTML)"),
        (status = 403, description = "The credential is disabled (HTML)")))]
pub async fn magic_link(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<MagicLinkQuery>,
) -> HttpResponse {
    let lang = Lang::choose(None, &req);
    let token = query.token.as_deref().unwrap_or_default();
    let (org, credential) = match state.login.magic_link(token).await {
        Ok(found) => found,
        Err(e) => return failure_page(e, lang, ""),
    };
    let tenant = match state.login.tenant(&org).await {
        Ok(t) => t.name.as_str().to_owned(),
        Err(e) => return failure_page(e, lang, ""),
    };
    let pending = req
        .cookie(&LoginService::pending_cookie_name(&org))
        .map(|c| c.value().to_owned());
    let session = req
        .cookie(&LoginService::session_cookie_name(&org))
        .map(|c| c.value().to_owned());
    let ip = peer_ip(&req);
    let agent = agent(&req, session.as_deref(), lang, &ip);
    match state
        .login
        .after_magic_link(&org, credential, pending.as_deref(), agent)
        .await
    {
        Ok(MagicOutcome::Done(done)) => complete(&state, done, None),
        Ok(MagicOutcome::SecondFactor { id, csrf, step }) => match step {
            Step::SecondFactor { totp, contacts } => second_factor_page(
                StatusCode::OK,
                lang,
                &tenant,
                &id,
                &csrf,
                totp,
                &contacts,
                None,
                !totp,
            ),
            Step::Done(done) => complete(&state, done, None),
        },
        Ok(MagicOutcome::SignedIn(done)) => match state.landing_urls.get(org.as_str()) {
            Some(landing) => complete(
                &state,
                latchkey_flows::Completion {
                    redirect: landing.clone(),
                    ..done
                },
                None,
            ),
            None => {
                let cookie = done.session.map(|s| session_cookie_of(&state, s));
                pages::render(
                    StatusCode::OK,
                    "message.html",
                    lang,
                    &tenant,
                    "sign_in_title",
                    context! { message => Say::SignedIn.text(lang) },
                    |b| {
                        if let Some(c) = cookie {
                            b.cookie(c);
                        }
                    },
                )
            }
        },
        Ok(MagicOutcome::NeedsApp) => {
            pages::message(StatusCode::FORBIDDEN, lang, &tenant, Say::NeedsApp)
        }
        Err(e) => failure_page(e, lang, &tenant),
    }
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
    let entered = enter(&state, &req, &form.tx, &form.csrf, Entry::Take).await;
    let (tx, lang, tenant, client) = match entered {
        Ok(found) => found,
        Err(page) => return page,
    };
    let session = session_cookie(&req, &tx.request);
    let ip = peer_ip(&req);
    let agent = agent(&req, session.as_deref(), lang, &ip);
    let pwd = Password::new(&form.password);
    let result = state
        .login
        .password(&client, &form.tx, tx.clone(), &form.username, &pwd, agent)
        .await;
    let login_page = |status: StatusCode, say: Say, retry: Option<i64>| {
        pages::render(
            status,
            "login.html",
            lang,
            &tenant,
            "sign_in_title",
            context! {
                tx => form.tx.clone(), csrf => form.csrf.clone(),
                username => form.username.clone(), error => say.text(lang),
            },
            |b| {
                if let Some(seconds) = retry {
                    b.insert_header(("Retry-After", seconds.to_string()));
                }
            },
        )
    };
    match result {
        Ok(Step::Done(done)) => finish(&state, done, &form.tx, lang, &tenant),
        Ok(Step::SecondFactor { totp, contacts }) => second_factor_page(
            StatusCode::OK,
            lang,
            &tenant,
            &form.tx,
            &form.csrf,
            totp,
            &contacts,
            None,
            !totp,
        ),
        Err(LoginError::BadCredentials) => {
            login_page(StatusCode::UNAUTHORIZED, Say::BadCredentials, None)
        }
        Err(LoginError::Disabled) => login_page(StatusCode::FORBIDDEN, Say::Disabled, None),
        Err(LoginError::Throttled { retry_after }) => login_page(
            StatusCode::TOO_MANY_REQUESTS,
            Say::Throttled,
            Some(retry_after.whole_seconds().max(1)),
        ),
        Err(e) => failure_page(e, lang, &tenant),
    }
}

/// Sends a one-time code to one of the credential's contacts.
pub async fn send_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<SendForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let (tx, lang, tenant, _) = match enter(&state, &req, &form.tx, &form.csrf, Entry::Read).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let (status, note) = match state
        .login
        .send_code(&form.tx, &tx, &form.hint, lang.tag())
        .await
    {
        Ok(()) => (StatusCode::OK, Ok(Say::CodeSent)),
        Err(LoginError::Code(CodeRefusal::OtpTooSoon { .. })) => {
            (StatusCode::TOO_MANY_REQUESTS, Err(Say::TooSoon))
        }
        Err(LoginError::Throttled { .. }) => (StatusCode::TOO_MANY_REQUESTS, Err(Say::Throttled)),
        Err(LoginError::NotAContact) => (StatusCode::BAD_REQUEST, Err(Say::BadRequest)),
        Err(LoginError::Delivery(e)) => {
            tracing::warn!(error = %e, "a login code could not be delivered");
            (StatusCode::BAD_GATEWAY, Err(Say::DeliveryFailed))
        }
        Err(e) => return failure_page(e, lang, &tenant),
    };
    second_factor_again(
        &state, &tx, status, lang, &tenant, &form.tx, &form.csrf, note, true,
    )
    .await
}

/// The second factor: a TOTP code, or a one-time code that was sent.
pub async fn second_factor(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<FactorForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let (tx, lang, tenant, client) =
        match enter(&state, &req, &form.tx, &form.csrf, Entry::Read).await {
            Ok(found) => found,
            Err(page) => return page,
        };
    let factor = match form.method.as_str() {
        "totp" => Factor::Totp,
        "otp" => Factor::Otp,
        _ => return pages::message(StatusCode::BAD_REQUEST, lang, &tenant, Say::BadRequest),
    };
    let session = session_cookie(&req, &tx.request);
    let ip = peer_ip(&req);
    let agent = agent(&req, session.as_deref(), lang, &ip);
    let result = state
        .login
        .second_factor(&client, &form.tx, tx.clone(), factor, &form.code, agent)
        .await;
    let refusal = match result {
        Ok(done) => return finish(&state, done, &form.tx, lang, &tenant),
        Err(LoginError::Code(CodeRefusal::OtpBurnt)) => (StatusCode::UNAUTHORIZED, Say::CodeBurnt),
        Err(LoginError::Code(CodeRefusal::OtpNotPending)) => {
            (StatusCode::UNAUTHORIZED, Say::NoCodePending)
        }
        Err(LoginError::Code(_)) => (StatusCode::UNAUTHORIZED, Say::WrongCode),
        Err(LoginError::MalformedCode) => (StatusCode::BAD_REQUEST, Say::Malformed),
        Err(LoginError::Throttled { .. }) => (StatusCode::TOO_MANY_REQUESTS, Say::Throttled),
        Err(e) => return failure_page(e, lang, &tenant),
    };
    let sent = factor == Factor::Otp;
    second_factor_again(
        &state,
        &tx,
        refusal.0,
        lang,
        &tenant,
        &form.tx,
        &form.csrf,
        Err(refusal.1),
        sent,
    )
    .await
}

/// How a form handler gets its login: read (it stays stored), or taken out of the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    Read,
    Take,
}

/// The login a form names, when its anti-forgery token matches the form and the cookie; with
/// the page language, the tenant's name and the client. An error page otherwise.
async fn enter(
    state: &AppState,
    req: &HttpRequest,
    id: &str,
    csrf: &str,
    entry: Entry,
) -> Result<(LoginTx, Lang, String, ApiClient), HttpResponse> {
    let fallback = Lang::choose(None, req);
    let expired = |lang| pages::message(StatusCode::BAD_REQUEST, lang, "", Say::Expired);
    let cookie = req
        .cookie(&csrf_cookie_name(id))
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if !ct_eq(cookie.as_bytes(), csrf.as_bytes()) {
        return Err(expired(fallback));
    }
    let found = match entry {
        Entry::Read => state.login.load(id, csrf).await,
        Entry::Take => state.login.take(id, csrf).await,
    };
    let tx = match found {
        Ok(tx) => tx,
        Err(LoginError::Expired) => return Err(expired(fallback)),
        Err(e) => return Err(failure_page(e, fallback, "")),
    };
    let lang = Lang::choose(tx.request.ui_locales.as_deref(), req);
    let tenant = match state.login.tenant(&tx.request.org).await {
        Ok(t) => t.name.as_str().to_owned(),
        Err(e) => return Err(failure_page(e, lang, "")),
    };
    let client = match lookup_client(state, Some(&tx.request.client_id)).await {
        Ok(Some(c)) => c,
        Ok(None) => {
            return Err(pages::message(
                StatusCode::BAD_REQUEST,
                lang,
                &tenant,
                Say::UnknownClient,
            ));
        }
        Err(page) => return Err(page(lang)),
    };
    Ok((tx, lang, tenant, client))
}

#[allow(clippy::too_many_arguments, reason = "a page and everything it shows")]
async fn second_factor_again(
    state: &AppState,
    tx: &LoginTx,
    status: StatusCode,
    lang: Lang,
    tenant: &str,
    id: &str,
    csrf: &str,
    note: Result<Say, Say>,
    sent: bool,
) -> HttpResponse {
    match state.login.second_factor_choices(tx).await {
        Ok(Step::SecondFactor { totp, contacts }) => second_factor_page(
            status,
            lang,
            tenant,
            id,
            csrf,
            totp,
            &contacts,
            Some(note),
            sent || !totp,
        ),
        Ok(Step::Done(_)) | Err(LoginError::Expired) => {
            pages::message(StatusCode::BAD_REQUEST, lang, tenant, Say::Expired)
        }
        Err(e) => failure_page(e, lang, tenant),
    }
}

#[allow(clippy::too_many_arguments, reason = "a page and everything it shows")]
fn second_factor_page(
    status: StatusCode,
    lang: Lang,
    tenant: &str,
    id: &str,
    csrf: &str,
    totp: bool,
    contacts: &[latchkey_flows::ContactChoice],
    note: Option<Result<Say, Say>>,
    sent: bool,
) -> HttpResponse {
    let contacts: Vec<_> = contacts
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
        tenant,
        "second_factor_title",
        context! {
            tx => id, csrf => csrf, totp => totp, contacts => contacts, sent => sent,
            notice => notice, error => error,
        },
        |_| {},
    )
}

/// The page for a login that cannot go on.
fn failure_page(e: LoginError, lang: Lang, tenant: &str) -> HttpResponse {
    let (status, say) = match e {
        LoginError::Expired => (StatusCode::BAD_REQUEST, Say::Expired),
        LoginError::BadLink => (StatusCode::BAD_REQUEST, Say::BadLink),
        LoginError::WrongAccount => (StatusCode::FORBIDDEN, Say::WrongAccount),
        LoginError::Disabled => (StatusCode::FORBIDDEN, Say::Disabled),
        LoginError::NoSecondFactor => (StatusCode::FORBIDDEN, Say::NoSecondFactor),
        LoginError::Throttled { .. } => (StatusCode::TOO_MANY_REQUESTS, Say::Throttled),
        LoginError::BadCredentials => (StatusCode::UNAUTHORIZED, Say::BadCredentials),
        LoginError::NotAContact | LoginError::MalformedCode | LoginError::Code(_) => {
            (StatusCode::BAD_REQUEST, Say::BadRequest)
        }
        LoginError::Delivery(e) => {
            tracing::warn!(error = %e, "a login message could not be delivered");
            (StatusCode::BAD_GATEWAY, Say::DeliveryFailed)
        }
        LoginError::Unavailable(e) => {
            tracing::error!(error = %e, "a login step failed");
            (StatusCode::SERVICE_UNAVAILABLE, Say::Unavailable)
        }
    };
    pages::message(status, lang, tenant, say)
}

/// A finished login: back to the client, or, for a backchannel approval, the approve-or-deny
/// form.
fn finish(state: &AppState, done: Completion, tx: &str, lang: Lang, tenant: &str) -> HttpResponse {
    match &done.ciba_consent {
        Some(consent) => crate::routes::ciba::decision_page(lang, tenant, consent, None, None),
        None => complete(state, done, Some(tx)),
    }
}

/// Back to the client, with the device-session cookie when a session started; the login's
/// anti-forgery cookie goes.
fn complete(state: &AppState, done: Completion, tx: Option<&str>) -> HttpResponse {
    if let Some(problem) = &done.notice_failed {
        tracing::warn!(error = %problem, "the new-device notice could not be sent");
    }
    let mut response = HttpResponse::SeeOther();
    response
        .insert_header(("Location", done.redirect))
        .insert_header(("Cache-Control", "no-store"));
    if let Some(session) = done.session {
        response.cookie(session_cookie_of(state, session));
    }
    // The login that was pending in this browser is over.
    let mut pending = Cookie::build(LoginService::pending_cookie_name(&done.org), "")
        .path("/")
        .http_only(true)
        .secure(state.cookie_secure)
        .same_site(SameSite::Lax)
        .finish();
    pending.make_removal();
    response.cookie(pending);
    if let Some(id) = tx {
        let mut gone = Cookie::build(csrf_cookie_name(id), "")
            .path("/login")
            .http_only(true)
            .secure(state.cookie_secure)
            .same_site(SameSite::Lax)
            .finish();
        gone.make_removal();
        response.cookie(gone);
    }
    response.finish()
}

/// The device-session cookie: HttpOnly, Secure, SameSite=Lax, for the session's lifetime.
fn session_cookie_of(state: &AppState, session: latchkey_flows::NewSession) -> Cookie<'static> {
    let expires = OffsetDateTime::from_unix_timestamp(session.expires_at.unix_timestamp())
        .unwrap_or_else(|_| OffsetDateTime::now_utc());
    Cookie::build(session.cookie_name, session.value.0)
        .path("/")
        .http_only(true)
        .secure(state.cookie_secure)
        .same_site(SameSite::Lax)
        .expires(expires)
        .finish()
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::Found()
        .insert_header(("Location", location))
        .insert_header(("Cache-Control", "no-store"))
        .finish()
}

/// The error redirect of a request whose client and redirect URI are trusted.
fn redirect_error(
    state: &AppState,
    params: &AuthorizeParams,
    client: Option<&ApiClient>,
    error: &RedirectError,
) -> HttpResponse {
    let Some(client) = client else {
        return HttpResponse::BadRequest().finish();
    };
    let redirect_uri = params
        .redirect_uri
        .clone()
        .or_else(|| {
            client
                .login
                .redirect_uris
                .first()
                .map(|r| r.as_str().to_owned())
        })
        .unwrap_or_default();
    let response_type = if params.response_type.as_deref() == Some("token") {
        latchkey_oauth::ResponseType::Token
    } else {
        latchkey_oauth::ResponseType::Code
    };
    see_other(&state.login.error_redirect_to(
        &redirect_uri,
        response_type,
        params.state.as_deref().unwrap_or_default(),
        error.code(),
        &error.to_string(),
    ))
}

type ErrorPage = Box<dyn FnOnce(Lang) -> HttpResponse>;

/// The client a request names: `Ok(None)` for none or an unknown one.
async fn lookup_client(state: &AppState, id: Option<&str>) -> Result<Option<ApiClient>, ErrorPage> {
    let Some(id) = id.and_then(|id| ClientId::parse(id).ok()) else {
        return Ok(None);
    };
    match state.clients.get(&id).await {
        Ok(c) => Ok(c),
        Err(e) => {
            tracing::error!(error = %e, "client lookup failed");
            Err(Box::new(|lang| {
                pages::message(StatusCode::SERVICE_UNAVAILABLE, lang, "", Say::Unavailable)
            }))
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

fn session_cookie(req: &HttpRequest, request: &AuthRequest) -> Option<String> {
    req.cookie(&LoginService::session_cookie_name(&request.org))
        .map(|c| c.value().to_owned())
}

/// The client's address as this server saw it (a proxy in front makes every customer one
/// address: the per-address limit is generous for that reason).
pub(crate) fn peer_ip(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default()
}

fn agent<'a>(
    req: &'a HttpRequest,
    session: Option<&'a str>,
    lang: Lang,
    address: &'a str,
) -> Agent<'a> {
    Agent {
        address,
        user_agent: req
            .headers()
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default(),
        session,
        language: lang.tag(),
    }
}

fn csrf_cookie_name(id: &str) -> String {
    let short: String = id.chars().take(12).collect();
    format!("latchkey_login_{short}")
}

pub(crate) fn csrf_cookie(id: &str, csrf: &str, secure: bool) -> Cookie<'static> {
    Cookie::build(csrf_cookie_name(id), csrf.to_owned())
        .path("/login")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .finish()
}
