//! The validation of operators' access tokens (`/validateToken`, every bearer of `/api/v1`):
//! called by sibling services on each of their requests, so a live token costs no database
//! round trip once verified.
//!
//! A verified token is kept in the instance's [`latchkey_access::TokenCache`] (under its own
//! namespace) until its expiry, at most `RECHECK_SECONDS`: a revocation heard by the instance
//! (a sign-out, a refresh, an operator suspended or deleted: `Revocation::Subject`) forgets it
//! at once. The operator records the tokens name are kept a few seconds ([`OPERATOR_TTL`]), so
//! many tokens of one operator cost one read.

use super::password::usable;
use super::{OPERATOR_CLIENT_ID, OperatorSignIn, SignInError, ValidToken};
use latchkey_access::{AccessClaims, Verified, VerifyError};
use latchkey_operator::Operator;
use latchkey_tenancy::Principal;
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use uuid::Uuid;

/// The namespace of operators' tokens in the instance's token cache.
const NAMESPACE: &str = "operator";
/// How long (seconds) an operator record read for a token is reused.
pub const OPERATOR_TTL: i64 = 5;
/// The most operator records kept; past it the cache starts afresh.
const MAX_OPERATORS: usize = 10_000;

/// Operator records read for tokens, with when they were read (Unix seconds).
#[derive(Debug, Default)]
pub(super) struct OperatorCache {
    entries: RwLock<HashMap<Uuid, (Arc<Operator>, i64)>>,
}

impl OperatorCache {
    fn get(&self, id: Uuid, now: i64) -> Option<Arc<Operator>> {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(&id)
            .filter(|(_, read_at)| now - read_at < OPERATOR_TTL)
            .map(|(operator, _)| operator.clone())
    }

    fn put(&self, operator: Arc<Operator>, now: i64) {
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= MAX_OPERATORS {
            entries.clear();
        }
        entries.insert(operator.id, (operator, now));
    }
}

impl OperatorSignIn {
    /// The operator and claims of a live access token: `ExpiredToken` for a genuine token past
    /// its expiry, `InvalidToken` for anything else that is not live (revoked, badly signed,
    /// not an operator's token, its operator gone, suspended or blacklisted).
    pub async fn validate(&self, access_token: &str) -> Result<ValidToken, SignInError> {
        let now = self.now().unix_timestamp();
        let (claims, fresh) = match self.ports.cache.lookup(NAMESPACE, access_token, now) {
            Some(verified) => (verified.claims, false),
            None => {
                let claims = Arc::new(self.genuine(access_token).await?);
                let principal = Arc::new(Principal {
                    subject: claims.subject.clone(),
                    scopes: claims.scopes,
                    orgs: claims.orgs.clone(),
                    credential: None,
                    sign_in: claims.sign_in.clone(),
                });
                let verified = Verified {
                    principal,
                    claims: claims.clone(),
                };
                // Its operator is checked below before the token is answered for; a cached
                // verification says only that the token itself is genuine and not revoked.
                self.ports
                    .cache
                    .remember(NAMESPACE, access_token, verified, now);
                (claims, true)
            }
        };
        let id = Uuid::try_parse(&claims.subject).map_err(|_| SignInError::InvalidToken)?;
        // A token verified afresh reads its operator afresh too (a record kept from before a
        // suspension was lifted must not refuse the new sign-in's token).
        let operator = match self.operators.get(id, now).filter(|_| !fresh) {
            Some(operator) => operator,
            None => {
                let found = self.ports.operators.find(id).await?;
                let operator = Arc::new(found.ok_or(SignInError::InvalidToken)?);
                self.operators.put(operator.clone(), now);
                operator
            }
        };
        if usable(&operator).is_err() {
            return Err(SignInError::InvalidToken);
        }
        Ok(ValidToken {
            operator,
            expires_in: claims.expires_at - now,
            claims,
        })
    }

    /// The claims of a genuine operator's token, checked now: signature, issuer and audience,
    /// an operator's `client_id`, expiry (`ExpiredToken`), revocation (`InvalidToken`).
    pub(super) async fn genuine(&self, token: &str) -> Result<AccessClaims, SignInError> {
        let now = self.now();
        let claims = self.verify_signature(token, now.unix_timestamp()).await?;
        if claims.client_id != OPERATOR_CLIENT_ID || claims.credential.is_some() {
            return Err(SignInError::InvalidToken);
        }
        if claims.expires_at <= now.unix_timestamp() {
            return Err(SignInError::ExpiredToken);
        }
        if self.ports.revoked.is_revoked(&claims, now).await? {
            return Err(SignInError::InvalidToken);
        }
        Ok(claims)
    }

    /// The codec's verification, with the key ring reloaded first when a key was removed, and
    /// again (at most once a second) for a key not loaded here.
    async fn verify_signature(&self, token: &str, now: i64) -> Result<AccessClaims, SignInError> {
        let codec = &self.ports.codec;
        let Some((keys, refresh)) = &self.keys else {
            return codec.verify(token).map_err(|_| SignInError::InvalidToken);
        };
        if self.ports.cache.take_keys_stale() {
            // A failed reload leaves the ring as it was; the token is judged on it.
            let _ = keys.reload().await;
        }
        let verified = match codec.verify(token) {
            Err(VerifyError::UnknownKey) if refresh.try_begin(now) => {
                let _ = keys.reload().await;
                codec.verify(token)
            }
            other => other,
        };
        verified.map_err(|_| SignInError::InvalidToken)
    }
}
