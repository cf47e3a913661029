//! The verified-token cache: a decorator of [`AccessTokenVerifier`] that every bearer check and
//! introspection goes through.
//!
//! A verified token is cached by the SHA-256 of its text (the token itself is never kept): an
//! ES256 check costs ~40 µs, a cache hit well under 1 µs. An entry lives until the token's
//! `exp`, but at most [`RECHECK_SECONDS`]. A revocation reaches the cache at once: the services
//! announce it to the `Revocations` port (a deleted client, a disabled credential, a revoked
//! token, a replayed code, a removed key), whose adapter tells [`TokenCache`], the
//! `RevocationListener` of every server instance, so no handler has to remember it. A removed
//! key heard from another instance also reloads this instance's key ring.
//!
//! A token signed with a key this instance has not loaded reloads the key ring, at most once a
//! second ([`KeyRefresh`]): a key rotated on another instance is picked up at once, and tokens
//! with made-up key ids cannot turn into a stream of database reads.

use crate::{AccessClaims, AccessTokenVerifier, AuthError, KeyService, RevokeError, VerifyError};
use latchkey_core::{Clock, Revocation, RevocationListener, Revocations};
use latchkey_tenancy::Principal;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

/// How long a cached verification is trusted before the client is looked up again.
pub const RECHECK_SECONDS: i64 = 30;
/// The most entries kept; past it the cache starts afresh (tokens simply verify again).
const MAX_ENTRIES: usize = 100_000;

/// A verified token: who presented it, and its claims (introspection shows them).
#[derive(Debug, Clone)]
pub struct Verified {
    pub principal: Arc<Principal>,
    pub claims: Arc<AccessClaims>,
}

#[derive(Clone)]
struct Entry {
    verified: Verified,
    expires_at: i64,
    trusted_until: i64,
}

/// Verified tokens, keyed by the SHA-256 of the token.
#[derive(Default)]
pub struct TokenCache {
    entries: RwLock<HashMap<[u8; 32], Entry>>,
    /// What other verifiers of this instance verified (the security service's operator
    /// tokens: [`TokenCache::lookup`]), by namespace and SHA-256 of the token. Apart from
    /// `entries`, so that [`CachedVerifier`] never answers from them.
    namespaced: RwLock<HashMap<(&'static str, [u8; 32]), Entry>>,
    /// A key was removed (perhaps through another instance): reload the ring before the next
    /// verification.
    keys_stale: AtomicBool,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenCache")
    }
}

impl TokenCache {
    fn get(&self, key: &[u8; 32], now: i64) -> Option<Verified> {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(key)
            .filter(|e| e.expires_at > now && e.trusted_until > now)
            .map(|e| e.verified.clone())
    }

    fn put(&self, key: [u8; 32], entry: Entry) {
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key, entry);
    }

    fn forget(&self, keep: impl Fn(&Entry) -> bool) {
        self.entries
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, e| keep(e));
        self.namespaced
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, e| keep(e));
    }

    /// The verification of `token` that [`TokenCache::remember`] kept under `namespace`, while
    /// the token has not expired at `now` (Unix seconds), it was remembered less than
    /// [`RECHECK_SECONDS`] ago, and no revocation naming it was heard since. For a verifier of
    /// tokens that [`CachedVerifier`] does not accept (an operator's, whose `client_id` is no
    /// client): its entries are never among the ones `CachedVerifier` answers from.
    pub fn lookup(&self, namespace: &'static str, token: &str, now: i64) -> Option<Verified> {
        let key = (namespace, Sha256::digest(token.as_bytes()).into());
        let entries = self
            .namespaced
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        entries
            .get(&key)
            .filter(|e| e.expires_at > now && e.trusted_until > now)
            .map(|e| e.verified.clone())
    }

    /// Keeps `verified`, the verification of `token` made at `now` (Unix seconds), for
    /// [`TokenCache::lookup`] under `namespace`: until the token's `exp`, at most
    /// [`RECHECK_SECONDS`], and forgotten at once when a revocation names its subject, client
    /// or `jti`.
    pub fn remember(&self, namespace: &'static str, token: &str, verified: Verified, now: i64) {
        let key = (namespace, Sha256::digest(token.as_bytes()).into());
        let entry = Entry {
            expires_at: verified.claims.expires_at,
            trusted_until: now + RECHECK_SECONDS,
            verified,
        };
        let mut entries = self
            .namespaced
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key, entry);
    }

    /// Whether the key ring must be reloaded (once: the flag is cleared): a key was removed
    /// since the last call. Another verifier that shares the ring (the security service's
    /// operator tokens) may take it and reload the ring itself.
    pub fn take_keys_stale(&self) -> bool {
        self.keys_stale.swap(false, Ordering::AcqRel)
    }
}

impl RevocationListener for TokenCache {
    fn heard(&self, revocation: &Revocation) {
        match revocation {
            Revocation::Subject(subject) => {
                self.forget(|e| &e.verified.claims.subject != subject);
            }
            Revocation::Client(client) => self.forget(|e| &e.verified.claims.client_id != client),
            Revocation::Token(jti) => self.forget(|e| e.verified.claims.jwt_id != *jti),
            Revocation::Everything => {
                self.keys_stale.store(true, Ordering::Release);
                self.forget(|_| false);
            }
            // A tenant's state is checked by the use cases on every call, never cached here.
            Revocation::Tenant(_) => {}
        }
    }
}

/// Lets a token signed with an unknown key reload the key ring at most once a second.
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

/// [`AccessTokenVerifier`] with the verified-token cache and the key-reload throttle.
#[derive(Debug, Clone)]
pub struct CachedVerifier {
    inner: AccessTokenVerifier,
    keys: KeyService,
    cache: Arc<TokenCache>,
    /// Where a token revoked here is announced (every instance's cache hears it).
    revocations: Arc<dyn Revocations>,
    refresh: Arc<KeyRefresh>,
    clock: Arc<dyn Clock>,
}

impl CachedVerifier {
    /// `cache` is this instance's listener of `revocations`, the port given to the services
    /// that take access away.
    pub fn new(
        inner: AccessTokenVerifier,
        keys: KeyService,
        cache: Arc<TokenCache>,
        revocations: Arc<dyn Revocations>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            inner,
            keys,
            cache,
            revocations,
            refresh: Arc::default(),
            clock,
        }
    }

    /// A token's principal and claims, verified now or within [`RECHECK_SECONDS`].
    pub async fn verify(&self, token: &str) -> Result<Verified, AuthError> {
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let now = self.clock.now().unix_timestamp();
        if let Some(verified) = self.cache.get(&key, now) {
            return Ok(verified);
        }
        if self.cache.take_keys_stale() {
            // A failed reload leaves the ring as it was; the periodic reload tries again.
            let _ = self.keys.reload().await;
        }
        let claims = match self.inner.claims(token).await {
            // Another server instance may have rotated the keys since this one loaded them.
            Err(AuthError::Invalid(VerifyError::UnknownKey)) if self.refresh.try_begin(now) => {
                // A failed reload leaves the ring as it was: the token is judged on it.
                let _ = self.keys.reload().await;
                self.inner.claims(token).await?
            }
            other => other?,
        };
        let principal = Arc::new(Principal {
            subject: claims.subject.clone(),
            scopes: claims.scopes,
            orgs: claims.orgs.clone(),
            credential: claims.credential,
            sign_in: claims.sign_in.clone(),
        });
        let expires_at = claims.expires_at;
        let verified = Verified {
            principal,
            claims: Arc::new(claims),
        };
        self.cache.put(
            key,
            Entry {
                verified: verified.clone(),
                expires_at,
                trusted_until: now + RECHECK_SECONDS,
            },
        );
        Ok(verified)
    }

    /// RFC 7009 for access tokens ([`AccessTokenVerifier::revoke`]); a revoked token is no
    /// longer trusted from any instance's cache either.
    pub async fn revoke(
        &self,
        client: &str,
        token: &str,
    ) -> Result<Option<AccessClaims>, RevokeError> {
        let revoked = self.inner.revoke(client, token).await?;
        if let Some(claims) = &revoked {
            self.revocations
                .revoked(&Revocation::Token(claims.jwt_id))
                .await
                .map_err(RevokeError::Unavailable)?;
        }
        Ok(revoked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_reload_begins_at_most_once_a_second() {
        let refresh = KeyRefresh::default();
        assert!(refresh.try_begin(100));
        assert!(!refresh.try_begin(100));
        assert!(refresh.try_begin(101));
        assert!(!refresh.try_begin(100), "never backwards");
    }

    fn verified(subject: &str, jti: u128, expires_at: i64) -> Verified {
        let claims = AccessClaims {
            issuer: "https://latchkey.example".to_owned(),
            subject: subject.to_owned(),
            audience: "latchkey".to_owned(),
            client_id: "@operator".to_owned(),
            issued_at: 0,
            expires_at,
            jwt_id: uuid::Uuid::from_u128(jti),
            scopes: latchkey_tenancy::ScopeSet::default(),
            orgs: latchkey_tenancy::OrgAccess::All,
            credential: None,
            sign_in: None,
        };
        Verified {
            principal: Arc::new(Principal {
                subject: subject.to_owned(),
                scopes: claims.scopes,
                orgs: claims.orgs.clone(),
                credential: None,
                sign_in: None,
            }),
            claims: Arc::new(claims),
        }
    }

    #[test]
    fn namespaced_entries_live_apart_until_expiry_recheck_or_revocation() {
        let cache = TokenCache::default();
        cache.remember("op", "t1", verified("ana", 1, 1_000), 100);
        cache.remember("op", "t2", verified("bea", 2, 1_000), 100);
        cache.remember("op", "t3", verified("eva", 3, 1_000), 100);
        assert!(cache.lookup("op", "t1", 101).is_some());
        assert!(
            cache.lookup("other", "t1", 101).is_none(),
            "another namespace"
        );
        let plain: [u8; 32] = Sha256::digest(b"t1").into();
        assert!(
            cache.get(&plain, 101).is_none(),
            "CachedVerifier never sees it"
        );
        assert!(cache.lookup("op", "t1", 100 + RECHECK_SECONDS).is_none());
        cache.heard(&Revocation::Token(uuid::Uuid::from_u128(2)));
        assert!(cache.lookup("op", "t2", 101).is_none());
        cache.heard(&Revocation::Subject("ana".to_owned()));
        assert!(cache.lookup("op", "t1", 101).is_none());
        assert!(cache.lookup("op", "t3", 101).is_some());
        cache.remember("op", "t4", verified("eva", 4, 102), 100);
        assert!(cache.lookup("op", "t4", 102).is_none(), "expired");
    }
}
