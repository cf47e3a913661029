//! Who calls the operator plane.
//!
//! - [`OperatorCaller`]: an operator, by `Authorization: Bearer <access token>` (a token from
//!   `/oauth2`, checked by `OperatorSignIn::validate`: cached, revocations heard from every
//!   instance) or by `X-API-KEY: <key>` (one of its API keys, acting as it).
//! - [`ServiceCaller`]: a sibling service (`/validateToken`, `/systemServices`), by a Latchkey
//!   service token whose scopes include `tokens:validate`, or by `X-API-KEY` with
//!   `X-INTERNAL-NAME` naming a configured service whose key it is.
//!
//! Every failure is 403 (never 401): code 8 for a missing, malformed, unknown or revoked
//! credential, 9 for an expired token, 7 for a service token without the scope.

use crate::security::context::SystemContext;
use crate::security::error::{Denial, SecurityError};
use crate::security::services::SystemService;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header::{AUTHORIZATION, HeaderName};
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use latchkey_access::{AccessClaims, AuthError};
use latchkey_core::SecretString;
use latchkey_operator::{ApiKey, Operator};
use latchkey_tenancy::{Principal, Scope};
use std::sync::Arc;

pub const X_API_KEY: HeaderName = HeaderName::from_static("x-api-key");
pub const X_INTERNAL_NAME: HeaderName = HeaderName::from_static("x-internal-name");

/// The longest credential read from a header: anything longer is not one of ours.
const MAX_CREDENTIAL: usize = 8192;

/// How an operator proved who it is.
#[derive(Debug, Clone)]
pub enum Proof {
    /// An access token from `/oauth2`.
    Token {
        token: SecretString,
        claims: Arc<AccessClaims>,
        /// Seconds it still lives.
        expires_in: i64,
    },
    /// One of its API keys.
    ApiKey(Box<ApiKey>),
}

/// The operator a request acts as.
#[derive(Debug, Clone)]
pub struct OperatorCaller {
    pub operator: Arc<Operator>,
    pub proof: Proof,
}

impl OperatorCaller {
    /// The operator.
    pub fn operator(&self) -> &Operator {
        &self.operator
    }

    /// The bearer token the operator presented, if it presented one.
    pub fn token(&self) -> Option<&SecretString> {
        match &self.proof {
            Proof::Token { token, .. } => Some(token),
            Proof::ApiKey(_) => None,
        }
    }
}

fn invalid_token() -> SecurityError {
    SecurityError::denied(Denial::InvalidToken)
}

/// A header's value, trimmed; absent or empty is `None`, unreadable or too long is code 8.
fn header<'a>(req: &'a HttpRequest, name: &HeaderName) -> Result<Option<&'a str>, SecurityError> {
    let Some(value) = req.headers().get(name) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| invalid_token())?.trim();
    if value.len() > MAX_CREDENTIAL {
        return Err(invalid_token());
    }
    Ok(Some(value).filter(|v| !v.is_empty()))
}

/// The token of `Authorization: Bearer <token>`. `None` without one: no header, another
/// scheme, or `Bearer ` with an empty token (consoles send that with everything), so that an
/// `X-API-KEY` beside it is what counts. An unreadable or overlong header is code 8.
pub fn bearer(req: &HttpRequest) -> Result<Option<&str>, SecurityError> {
    let Some(value) = header(req, &AUTHORIZATION)? else {
        return Ok(None);
    };
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    let token = token.trim();
    Ok(Some(token).filter(|t| scheme.eq_ignore_ascii_case("bearer") && !t.is_empty()))
}

fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, SecurityError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| SecurityError::internal("application state missing"))
}

/// Authenticates the operator of a request.
pub async fn operator(
    state: &AppState,
    bearer: Option<String>,
    api_key: Option<String>,
) -> Result<OperatorCaller, SecurityError> {
    if let Some(token) = bearer {
        let valid = state.operators.sign_in.validate(&token).await?;
        return Ok(OperatorCaller {
            operator: valid.operator,
            proof: Proof::Token {
                token: SecretString::from(token),
                claims: valid.claims,
                expires_in: valid.expires_in,
            },
        });
    }
    let key = api_key.ok_or_else(invalid_token)?;
    match state.operators.api_keys.authenticate(&key).await? {
        Some((operator, key)) => Ok(OperatorCaller {
            operator: Arc::new(operator),
            proof: Proof::ApiKey(Box::new(key)),
        }),
        None => Err(invalid_token()),
    }
}

impl FromRequest for OperatorCaller {
    type Error = SecurityError;
    type Future = LocalBoxFuture<'static, Result<Self, SecurityError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let read = || -> Result<_, SecurityError> {
            let bearer = bearer(req)?.map(str::to_owned);
            let api_key = header(req, &X_API_KEY)?.map(str::to_owned);
            Ok((app_state(req)?, bearer, api_key))
        };
        let read = read();
        Box::pin(async move {
            let (state, bearer, api_key) = read?;
            operator(&state, bearer, api_key).await
        })
    }
}

/// A sibling service calling the plane.
#[derive(Debug, Clone)]
pub enum ServiceCaller {
    /// A Latchkey service token with `tokens:validate`.
    Token(Arc<Principal>),
    /// A configured service, by its `X-INTERNAL-NAME` and key.
    Internal(Box<SystemService>),
}

fn service_token_error(e: AuthError) -> SecurityError {
    match e {
        AuthError::Expired => SecurityError::denied(Denial::ExpiredToken),
        AuthError::Unavailable(source) => SecurityError::from(source),
        AuthError::Missing | AuthError::Invalid(_) | AuthError::Revoked => invalid_token(),
    }
}

impl FromRequest for ServiceCaller {
    type Error = SecurityError;
    type Future = LocalBoxFuture<'static, Result<Self, SecurityError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let internal = || -> Result<Option<SystemService>, SecurityError> {
            let (Some(name), Some(key)) =
                (header(req, &X_INTERNAL_NAME)?, header(req, &X_API_KEY)?)
            else {
                return Ok(None);
            };
            let context = req
                .app_data::<web::Data<SystemContext>>()
                .ok_or_else(|| SecurityError::internal("system context missing"))?;
            match context.services.authenticate(name, key) {
                Some(service) => Ok(Some(service.clone())),
                None => Err(invalid_token()),
            }
        };
        let internal = internal();
        let token = bearer(req).map(|t| t.map(str::to_owned));
        let state = app_state(req);
        Box::pin(async move {
            if let Some(service) = internal? {
                return Ok(ServiceCaller::Internal(Box::new(service)));
            }
            let token = token?.ok_or_else(invalid_token)?;
            let verified = state?
                .access
                .verify(&token)
                .await
                .map_err(service_token_error)?;
            verified
                .principal
                .require(Scope::TokensValidate)
                .map_err(|_| SecurityError::denied(Denial::AccessDenied))?;
            Ok(ServiceCaller::Token(verified.principal))
        })
    }
}
