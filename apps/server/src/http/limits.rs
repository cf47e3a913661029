//! The limits on abuse, applied in one place around the endpoints they guard (the rules are
//! `latchkey_login::AbuseLimits`'; the rates are settings, docs/configuration.md):
//!
//! - `POST /token`, `/introspect`, `/revoke`, `/bc-authorize`: a request whose client id or
//!   address has spent its failed client authentications is answered 429 (an OAuth error with
//!   `Retry-After`) without being served; an answer 401 (`invalid_client`) counts one failure
//!   against both;
//! - `POST /bc-authorize`: an authenticated client's request for a customer whose requests are
//!   spent is answered 429 before anything is sent;
//! - `GET /authorize`: an address that started too many logins gets a 429 page.
//!
//! The form of a guarded `POST` is read here (at most [`MAX_BODY`]) and handed on unchanged.

use crate::http::body::MAX_BODY;
use crate::oauth::error::OAuthError;
use crate::state::AppState;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{AUTHORIZATION, CONTENT_LENGTH, WWW_AUTHENTICATE};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut, Data};
use actix_web::{Error, HttpMessage as _, ResponseError as _};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use futures_util::StreamExt as _;
use latchkey_login::{AbuseError, LoginError};

/// The endpoints whose clients authenticate with a secret.
const CLIENT_AUTH: [&str; 4] = ["/token", "/introspect", "/revoke", "/bc-authorize"];

/// Middleware: the limits above.
pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(state) = req.app_data::<Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let address = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let path = req.path().to_owned();
    if req.method() == Method::GET && path == "/authorize" {
        if let Err(e) = state.abuse.login_start(&address).await {
            let lang = crate::web::language_of(req.request());
            let page = crate::web::refused(&page_error(e), lang);
            return Ok(req.into_response(page));
        }
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    if req.method() != Method::POST || !CLIENT_AUTH.contains(&path.as_str()) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let form = buffer_form(&mut req).await;
    let presented = Presented::of(&req, &form);
    let id = presented.client_id();
    match state.abuse.client_may_try(id.as_deref(), &address).await {
        Ok(()) => {}
        Err(e @ AbuseError::Limited { .. }) => {
            return Ok(req.into_response(OAuthError::from(e).error_response()));
        }
        // Client secrets are 256-bit random values: without the limiter (Redis down) service
        // tokens keep being issued, as before it, and the failure is logged.
        Err(AbuseError::Unavailable(e)) => {
            tracing::warn!(error = %crate::error_chain(&e), "the failed-authentication limit is not checked");
        }
    }
    if path == "/bc-authorize"
        && let Some(hint) = field(&form, "login_hint")
        && let Err(e) = state.abuse.backchannel(&presented.candidates, &hint).await
    {
        return Ok(req.into_response(OAuthError::from(e).error_response()));
    }
    let response = next.call(req).await?.map_into_boxed_body();
    let client_failed = response.status() == StatusCode::UNAUTHORIZED
        && response
            .headers()
            .get(WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("Basic"));
    if client_failed && let Err(e) = state.abuse.client_failed(id.as_deref(), &address).await {
        // The request was answered already; the failure could not be counted.
        tracing::error!(error = %crate::error_chain(&e), "counting a failed client authentication");
    }
    Ok(response)
}

/// The page of a refused `/authorize`.
fn page_error(e: AbuseError) -> LoginError {
    match e {
        AbuseError::Limited { retry_after } => LoginError::TooManyRequests { retry_after },
        AbuseError::Unavailable(source) => LoginError::Unavailable(Box::new(source)),
    }
}

/// Reads the body (at most [`MAX_BODY`] and a byte: a longer one is the endpoint's to refuse)
/// and puts it back for the endpoint; answers its pairs (none for a body that is not a form).
async fn buffer_form(req: &mut ServiceRequest) -> Vec<(String, String)> {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY) {
        return Vec::new();
    }
    let mut payload = req.take_payload();
    let mut body = BytesMut::new();
    while let Some(Ok(chunk)) = payload.next().await {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_BODY {
            break;
        }
    }
    let body: Bytes = body.freeze();
    req.set_payload(Payload::from(body.clone()));
    serde_urlencoded::from_bytes(&body).unwrap_or_default()
}

fn field(form: &[(String, String)], name: &str) -> Option<String> {
    form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

/// How a request presents its client, as far as the limits need it.
struct Presented {
    /// Id and secret: HTTP Basic (form-decoded, then raw) or the form's.
    candidates: Vec<(String, String)>,
}

impl Presented {
    fn of(req: &ServiceRequest, form: &[(String, String)]) -> Self {
        let mut candidates = Vec::new();
        let basic = req
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
            .and_then(|(_, encoded)| STANDARD.decode(encoded.trim()).ok())
            .and_then(|bytes| String::from_utf8(bytes).ok());
        if let Some((id, secret)) = basic.as_deref().and_then(|b| b.split_once(':')) {
            if let (Some(id), Some(secret)) = (form_decode(id), form_decode(secret)) {
                candidates.push((id, secret));
            }
            candidates.push((id.to_owned(), secret.to_owned()));
        } else if let (Some(id), Some(secret)) =
            (field(form, "client_id"), field(form, "client_secret"))
        {
            candidates.push((id, secret));
        }
        Self { candidates }
    }

    /// The client id the request authenticates as, if it presents a secret. A public client
    /// names itself by `client_id` alone and has no secret to guess: its id is never held back
    /// (or anyone could stop a mobile app's sign-ins by failing with its public id).
    fn client_id(&self) -> Option<String> {
        self.candidates.first().map(|(id, _)| id.clone())
    }
}

fn form_decode(raw: &str) -> Option<String> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(&format!("v={}", raw.replace('&', "%26"))).ok()?;
    pairs.into_iter().next().map(|(_, v)| v)
}
