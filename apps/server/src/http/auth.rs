//! Bearer authentication for every `/v1/...` route.
//!
//! A verified token is cached by the SHA-256 of its text: an ES256 check costs ~40 µs, a cache
//! hit well under 1 µs. An entry lives until the token's `exp`, but at most
//! [`RECHECK_SECONDS`], so a token whose client was deleted on another server instance stops
//! working within that bound (on this instance, at once: deletion evicts it).

use crate::http::error::ApiError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, web};
use latchkey_access::{AccessClaims, AuthError, VerifyError};
use latchkey_tenancy::Principal;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

/// How long a cached verification is trusted before the client is looked up again.
pub const RECHECK_SECONDS: i64 = 30;
/// The most entries kept; past it the cache starts afresh (tokens simply verify again).
const MAX_ENTRIES: usize = 100_000;

#[derive(Clone)]
struct Entry {
    principal: Arc<Principal>,
    /// The token's claims, for introspection (RFC 7662).
    claims: Arc<AccessClaims>,
    expires_at: i64,
    trusted_until: i64,
}

/// Lets a token signed with an unknown key reload the key ring at most once a second, so a
/// key rotated on another server instance is picked up at once, and tokens with made-up key ids
/// cannot turn into a stream of database reads.
#[derive(Debug, Default)]
pub struct KeyRefresh {
    last: AtomicI64,
}

impl KeyRefresh {
    /// `true` for the first caller in the second `now` (Unix seconds).
    pub fn try_begin(&self, now: i64) -> bool {
        let last = self.last.load(Ordering::Relaxed);
        last < now
            && self
                .last
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }
}

/// Verified tokens, keyed by the SHA-256 of the token (the token itself is never kept).
#[derive(Default)]
pub struct AuthCache {
    entries: RwLock<HashMap<[u8; 32], Entry>>,
}

impl std::fmt::Debug for AuthCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthCache")
    }
}

impl AuthCache {
    fn get(&self, key: &[u8; 32], now: i64) -> Option<Entry> {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(key)
            .filter(|e| e.expires_at > now && e.trusted_until > now)
            .cloned()
    }

    fn put(&self, key: [u8; 32], entry: Entry) {
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key, entry);
    }

    /// Forgets every verification (after a signing key is removed).
    pub fn clear(&self) {
        self.entries
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Forgets one token (after it is revoked).
    pub fn forget_token(&self, token: &str) {
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        self.entries
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&key);
    }

    /// Forgets every token of `subject` (after its client is deleted).
    pub fn forget_subject(&self, subject: &str) {
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        entries.retain(|_, e| e.principal.subject != subject);
    }
}

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
    let value = header
        .to_str()
        .map_err(|_| latchkey_access::VerifyError::Malformed)?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or(latchkey_access::VerifyError::Malformed)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() || token.len() > 8192 {
        return Err(latchkey_access::VerifyError::Malformed.into());
    }
    Ok(token.to_owned())
}

/// A token's principal and claims, verified now or within [`RECHECK_SECONDS`] (cached by the
/// token's hash). Bearer authentication and introspection share it.
pub async fn verified(
    state: &AppState,
    token: &str,
) -> Result<(Arc<Principal>, Arc<AccessClaims>), AuthError> {
    let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
    let now = state.clock.now().unix_timestamp();
    if let Some(entry) = state.auth_cache.get(&key, now) {
        return Ok((entry.principal, entry.claims));
    }
    let claims = match state.verifier.claims(token).await {
        // Another server instance may have rotated the keys since this one loaded them.
        Err(AuthError::Invalid(VerifyError::UnknownKey)) if state.key_refresh.try_begin(now) => {
            if let Err(e) = state.keys.reload().await {
                tracing::warn!(error = %e, "reloading the signing keys failed");
            }
            state.verifier.claims(token).await?
        }
        other => other?,
    };
    let principal = Arc::new(Principal {
        subject: claims.subject.clone(),
        scopes: claims.scopes,
        orgs: claims.orgs.clone(),
        credential: claims.credential,
    });
    let claims = Arc::new(claims);
    let entry = Entry {
        principal: principal.clone(),
        claims: claims.clone(),
        expires_at: claims.expires_at,
        trusted_until: now + RECHECK_SECONDS,
    };
    state.auth_cache.put(key, entry);
    Ok((principal, claims))
}

async fn authenticate(state: web::Data<AppState>, token: String) -> Result<Caller, ApiError> {
    let (principal, _) = verified(&state, &token).await?;
    Ok(Caller(principal))
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
