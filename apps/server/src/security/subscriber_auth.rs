//! Who calls the subscriber endpoints of the plane (`/subpreferences`, `/subavatar`,
//! `/subtotp`, `/submfa`, `/suboauth2?me=true`): a subscriber, by `Authorization: Bearer
//! <access token>`.
//!
//! A subscriber is a credential of a tenant, so its token is a Latchkey customer access token —
//! the login server's, or `/suboauth2`'s, which is the same kind — and it is verified exactly as
//! the Credentials API verifies it: through the instance's verified-token cache
//! ([`latchkey_access::CachedVerifier`]), revocations included (a sign-out, a disabled or
//! deleted credential, a deleted client, a removed key are heard by every instance at once).
//! A service token, an operator's token or a token naming more than one org is no subscriber's.
//!
//! Every failure is 403 (never 401): code 9 for a genuine token past its expiry, 8 for anything
//! else; 503 code 13 when verification could not reach storage.

use crate::security::auth::bearer;
use crate::security::error::{Denial, SecurityError};
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use latchkey_access::{AccessClaims, AuthError, Verified};
use latchkey_core::{OrgId, SecretString};
use latchkey_tenancy::OrgAccess;
use std::sync::Arc;
use uuid::Uuid;

/// The subscriber a request acts as: a credential of the tenant `org`, and the token it
/// presented.
#[derive(Debug, Clone)]
pub struct SubscriberCaller {
    /// The subscriber's tenant (the token's one org).
    pub org: OrgId,
    /// The subscriber's credential id (the token's `sub` and `credential`).
    pub credential: Uuid,
    pub token: SecretString,
    pub claims: Arc<AccessClaims>,
    /// Seconds the token still lives.
    pub expires_in: i64,
}

fn invalid_token() -> SecurityError {
    SecurityError::denied(Denial::InvalidToken)
}

/// A verification failure as the plane answers it.
pub fn token_error(e: AuthError) -> SecurityError {
    match e {
        AuthError::Expired => SecurityError::denied(Denial::ExpiredToken),
        AuthError::Unavailable(source) => SecurityError::from(source),
        AuthError::Missing | AuthError::Invalid(_) | AuthError::Revoked => invalid_token(),
    }
}

impl SubscriberCaller {
    /// The subscriber of a verified token: a customer's token naming exactly one org.
    /// Anything else (a service token, a token of several orgs) is code 8.
    pub fn of(
        token: SecretString,
        verified: &Verified,
        now: i64,
    ) -> Result<SubscriberCaller, SecurityError> {
        let claims = &verified.claims;
        let credential = claims.credential.ok_or_else(invalid_token)?;
        let org = match &claims.orgs {
            OrgAccess::Only(orgs) if orgs.len() == 1 => orgs.iter().next().cloned(),
            OrgAccess::Only(_) | OrgAccess::All => None,
        }
        .ok_or_else(invalid_token)?;
        Ok(SubscriberCaller {
            org,
            credential,
            token,
            claims: claims.clone(),
            expires_in: claims.expires_at - now,
        })
    }
}

/// Authenticates the subscriber of a bearer token.
pub async fn subscriber(
    state: &AppState,
    token: String,
) -> Result<SubscriberCaller, SecurityError> {
    let verified = state.access.verify(&token).await.map_err(token_error)?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    SubscriberCaller::of(SecretString::from(token), &verified, now)
}

impl FromRequest for SubscriberCaller {
    type Error = SecurityError;
    type Future = LocalBoxFuture<'static, Result<Self, SecurityError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let read = || -> Result<_, SecurityError> {
            let token = bearer(req)?.map(str::to_owned).ok_or_else(invalid_token)?;
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| SecurityError::internal("application state missing"))?;
            Ok((state, token))
        };
        let read = read();
        Box::pin(async move {
            let (state, token) = read?;
            subscriber(&state, token).await
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use latchkey_tenancy::{Principal, ScopeSet};

    fn verified(credential: Option<Uuid>, orgs: OrgAccess) -> Verified {
        let claims = AccessClaims {
            issuer: "https://latchkey.example".to_owned(),
            subject: "s".to_owned(),
            audience: "latchkey".to_owned(),
            client_id: "c".to_owned(),
            issued_at: 100,
            expires_at: 1_000,
            jwt_id: Uuid::nil(),
            scopes: ScopeSet::CUSTOMER,
            orgs: orgs.clone(),
            credential,
            sign_in: None,
        };
        Verified {
            principal: Arc::new(Principal {
                subject: "s".to_owned(),
                scopes: claims.scopes,
                orgs,
                credential,
                sign_in: None,
            }),
            claims: Arc::new(claims),
        }
    }

    fn org(name: &str) -> OrgId {
        OrgId::parse(name).unwrap()
    }

    #[test]
    fn a_customer_token_of_one_org_is_a_subscriber() {
        let id = Uuid::from_u128(7);
        let only = OrgAccess::Only([org("masmovil")].into());
        let caller =
            SubscriberCaller::of(SecretString::from("t"), &verified(Some(id), only), 400).unwrap();
        assert_eq!(caller.org, org("masmovil"));
        assert_eq!(caller.credential, id);
        assert_eq!(caller.expires_in, 600);
    }

    #[test]
    fn service_tokens_and_tokens_of_many_orgs_are_code_8() {
        let id = Some(Uuid::from_u128(7));
        let one = OrgAccess::Only([org("masmovil")].into());
        let two = OrgAccess::Only([org("masmovil"), org("yoigo")].into());
        for v in [
            verified(None, one),
            verified(id, two),
            verified(id, OrgAccess::All),
        ] {
            let refused = SubscriberCaller::of(SecretString::from("t"), &v, 400).unwrap_err();
            assert_eq!(refused.code(), 8);
        }
    }
}
