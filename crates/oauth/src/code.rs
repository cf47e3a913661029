//! Authorization codes (RFC 6749 §4.1.2, §10.5; RFC 9700 §4.5): 256 random bits, stored only
//! as a hash, single use, alive at most [`CODE_TTL`], bound to the client, the redirect URI
//! and the PKCE challenge. A code presented a second time is refused, and what its first use
//! issued is handed to the caller to revoke.

use crate::{CodeChallenge, EphemeralStore, TokenError, secret_key};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_core::{OrgId, SecureRandom};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use time::Duration;
use uuid::Uuid;

/// How long a code lives.
pub const CODE_TTL: Duration = Duration::seconds(60);

/// How long a redeemed code is remembered, so that a replay is recognised and what the first
/// redemption issued is revoked (longer than any access token lives).
const SPENT_TTL: Duration = Duration::hours(2);

/// What a code stands for: a completed login, for one client and redirect URI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    /// Whether the authorization request named the redirect URI (then the token request must
    /// name the same one, RFC 6749 §4.1.3).
    pub redirect_uri_given: bool,
    pub challenge: Option<CodeChallenge>,
    pub org: OrgId,
    pub credential: Uuid,
    pub username: String,
    /// Space-delimited, canonical order.
    pub scope: String,
    pub nonce: Option<String>,
    /// When the customer authenticated (Unix seconds).
    pub auth_time: i64,
    /// How (`pwd`, `otp`, ... RFC 8176).
    pub amr: Vec<String>,
    /// The device session the login created or used.
    pub device: Uuid,
    /// A refresh token is to be issued.
    pub offline: bool,
}

/// What the first redemption of a code issued.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issued {
    /// The access token's `jti` and expiry (Unix seconds).
    pub access: Option<(Uuid, i64)>,
    /// The device session (and its org) whose refresh tokens were issued.
    pub device: Option<(OrgId, Uuid)>,
    /// The customer's credential id (the tokens' subject).
    pub subject: Option<String>,
}

/// What [`CodeService::redeem`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redeemed {
    /// A live code, now spent: issue the tokens, then [`CodeService::record_issued`].
    Fresh(AuthCode),
    /// A code already redeemed: refuse it and revoke what the first redemption issued.
    Replayed(Issued),
}

/// Issues and redeems codes on an [`EphemeralStore`].
#[derive(Debug, Clone)]
pub struct CodeService {
    store: Arc<dyn EphemeralStore>,
    random: Arc<dyn SecureRandom>,
}

impl CodeService {
    pub fn new(store: Arc<dyn EphemeralStore>, random: Arc<dyn SecureRandom>) -> Self {
        Self { store, random }
    }

    /// A new code for `grant`.
    pub async fn issue(&self, grant: &AuthCode) -> Result<String, TokenError> {
        let code = URL_SAFE_NO_PAD.encode(self.random.secret_bytes());
        let record = serde_json::to_vec(grant).map_err(|_| TokenError::InvalidRequest("code"))?;
        let stored = self
            .store
            .put_new(&secret_key("code", &code), &record, CODE_TTL)
            .await
            .map_err(TokenError::Store)?;
        if !stored {
            // 256 random bits collided: not this universe.
            return Err(TokenError::InvalidGrant("could not issue a code"));
        }
        Ok(code)
    }

    /// Redeems `code` for `client_id`: spends it (whatever follows), then checks the redirect
    /// URI and the PKCE verifier. Any mismatch is `InvalidGrant`. A code already spent answers
    /// `Replayed` with what its first redemption issued.
    pub async fn redeem(
        &self,
        code: &str,
        client_id: &str,
        redirect_uri: Option<&str>,
        verifier: Option<&str>,
    ) -> Result<Redeemed, TokenError> {
        let live = secret_key("code", code);
        let spent = secret_key("code-spent", code);
        let Some(bytes) = self.store.take(&live).await.map_err(TokenError::Store)? else {
            let issued = self.store.get(&spent).await.map_err(TokenError::Store)?;
            return match issued {
                Some(bytes) => Ok(Redeemed::Replayed(
                    serde_json::from_slice(&bytes).unwrap_or_default(),
                )),
                None => Err(TokenError::InvalidGrant(
                    "the code is unknown, expired or already used",
                )),
            };
        };
        // Remembered before anything else: a replay racing this redemption is caught too.
        self.store
            .put(&spent, b"{}", SPENT_TTL)
            .await
            .map_err(TokenError::Store)?;
        let grant: AuthCode = serde_json::from_slice(&bytes)
            .map_err(|_| TokenError::InvalidGrant("the code is unreadable"))?;
        if grant.client_id != client_id {
            return Err(TokenError::InvalidGrant(
                "the code was issued to another client",
            ));
        }
        match redirect_uri {
            Some(uri) if uri != grant.redirect_uri => {
                return Err(TokenError::InvalidGrant(
                    "redirect_uri differs from the authorization request's",
                ));
            }
            None if grant.redirect_uri_given => {
                return Err(TokenError::InvalidRequest(
                    "redirect_uri is required: the authorization request had one",
                ));
            }
            _ => {}
        }
        match (&grant.challenge, verifier) {
            (Some(challenge), Some(verifier)) if challenge.verify(verifier) => {}
            (Some(_), Some(_)) => {
                return Err(TokenError::InvalidGrant("code_verifier does not match"));
            }
            (Some(_), None) => {
                return Err(TokenError::InvalidRequest("code_verifier is required"));
            }
            // RFC 9700 §2.1.1: a verifier without a challenge is a downgrade attempt; and
            // every code is issued with a challenge now (PKCE with S256 is required of every
            // client), so a code without one is not redeemed either.
            (None, Some(_)) => {
                return Err(TokenError::InvalidGrant(
                    "code_verifier sent, but the authorization request had no code_challenge",
                ));
            }
            (None, None) => {
                return Err(TokenError::InvalidGrant(
                    "the code was issued without PKCE: start again with a code_challenge",
                ));
            }
        }
        Ok(Redeemed::Fresh(grant))
    }

    /// Remembers what the redemption of `code` issued, for a replay to revoke.
    pub async fn record_issued(&self, code: &str, issued: &Issued) -> Result<(), TokenError> {
        let record = serde_json::to_vec(issued).map_err(|_| TokenError::InvalidRequest("code"))?;
        self.store
            .put(&secret_key("code-spent", code), &record, SPENT_TTL)
            .await
            .map_err(TokenError::Store)
    }
}
