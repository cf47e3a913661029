//! Bearer authentication for every `/v1/...` route: the token's principal, through the
//! verified-token cache of `latchkey-access` (`CachedVerifier`).

use crate::http::error::ApiError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, web};
use latchkey_access::{AuthError, VerifyError};
use latchkey_tenancy::Principal;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller(pub Arc<Principal>);

impl std::ops::Deref for Caller {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.0
    }
}

fn bearer_token(req: &HttpRequest) -> Result<String, AuthError> {
    let header = req.headers().get(AUTHORIZATION).ok_or(AuthError::Missing)?;
    let value = header.to_str().map_err(|_| VerifyError::Malformed)?;
    let (scheme, token) = value.split_once(' ').ok_or(VerifyError::Malformed)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() || token.len() > 8192 {
        return Err(VerifyError::Malformed.into());
    }
    Ok(token.to_owned())
}

async fn authenticate(state: web::Data<AppState>, token: String) -> Result<Caller, ApiError> {
    let verified = state.access.verify(&token).await?;
    Ok(Caller(verified.principal))
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        Box::pin(async move {
            let state = state
                .ok_or_else(|| ApiError::internal("server: wiring", "application state missing"))?;
            authenticate(state, token?).await
        })
    }
}
