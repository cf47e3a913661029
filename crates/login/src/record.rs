//! The record of a login in progress: the checked authorization request, how far the login got,
//! and its anti-forgery token. It lives [`LOGIN_TTL`] in the `EphemeralStore` under an id the
//! browser's form carries.

use crate::LoginError;
use latchkey_core::{RecordSecret, SecureRandom};
use latchkey_oauth::{AuthRequest, EphemeralStore};
use latchkey_tenancy::ApiClient;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use time::Duration;
use uuid::Uuid;

/// How long a login may take, from the login page to the last factor.
pub const LOGIN_TTL: Duration = Duration::minutes(15);

/// The record of a login in progress.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginTx {
    pub request: AuthRequest,
    pub(crate) csrf: RecordSecret,
    pub stage: Stage,
}

impl LoginTx {
    /// The login's anti-forgery token, for pages re-rendered within it.
    pub fn csrf(&self) -> &str {
        self.csrf.expose()
    }
}

/// How far a login got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    /// Waiting for username and password.
    Password,
    /// The first factor was right; waiting for the second.
    SecondFactor {
        credential: Uuid,
        username: String,
        auth_time: i64,
        totp: bool,
        /// How the first factor was given (RFC 8176 `amr`): `pwd`, or `email` for a magic link.
        #[serde(default = "password_amr")]
        first: String,
        /// The last one-time code went by SMS (`amr` `sms`; by e-mail it is `otp`).
        #[serde(default)]
        sms: bool,
    },
}

pub(crate) fn password_amr() -> String {
    "pwd".to_owned()
}

/// A login just started: the record's id and its anti-forgery token (the form and a cookie
/// carry it).
#[derive(Debug, Clone)]
pub struct Started {
    pub id: String,
    pub csrf: RecordSecret,
    /// Where the login finishes (the request's redirect URI): its pages' forms may lead there.
    pub redirect_uri: String,
}

/// A login a form names, found with its anti-forgery token, with what its pages show.
#[derive(Debug, Clone)]
pub struct Pending {
    pub id: String,
    pub tx: LoginTx,
    /// The tenant's display name.
    pub tenant: String,
    pub client: ApiClient,
}

/// The store of login records.
#[derive(Debug, Clone)]
pub(crate) struct Records {
    store: Arc<dyn EphemeralStore>,
}

impl Records {
    pub(crate) fn new(store: Arc<dyn EphemeralStore>) -> Self {
        Self { store }
    }

    /// Stores a new login for `request`, with fresh random id and anti-forgery token.
    pub(crate) async fn start(
        &self,
        request: AuthRequest,
        random: &dyn SecureRandom,
    ) -> Result<Started, LoginError> {
        let id = crate::service::secret(random);
        let csrf = RecordSecret::new(crate::service::secret(random));
        let redirect_uri = request.redirect_uri.clone();
        let tx = LoginTx {
            request,
            csrf: csrf.clone(),
            stage: Stage::Password,
        };
        self.save(&id, &tx).await?;
        Ok(Started {
            id,
            csrf,
            redirect_uri,
        })
    }

    pub(crate) async fn save(&self, id: &str, tx: &LoginTx) -> Result<(), LoginError> {
        let bytes = serde_json::to_vec(tx).map_err(|e| LoginError::Unavailable(Box::new(e)))?;
        self.store.put(&tx_key(id), &bytes, LOGIN_TTL).await?;
        Ok(())
    }

    /// The login `id`, if it is live (`None` for an id this service cannot have made).
    pub(crate) async fn read(&self, id: &str) -> Result<Option<LoginTx>, LoginError> {
        if !plausible_key(id) {
            return Ok(None);
        }
        let bytes = self.store.get(&tx_key(id)).await?;
        Ok(bytes.and_then(|b| serde_json::from_slice(&b).ok()))
    }

    /// The login `id`, when `csrf` is its anti-forgery token.
    pub(crate) async fn load(&self, id: &str, csrf: &str) -> Result<LoginTx, LoginError> {
        let tx = self.read(id).await?.ok_or(LoginError::Expired)?;
        if tx.csrf.matches(csrf) {
            Ok(tx)
        } else {
            Err(LoginError::Expired)
        }
    }

    /// The login `id` taken out of the store, when `csrf` is its anti-forgery token: of two
    /// submissions of one form, one finds it. A wrong token puts it back.
    pub(crate) async fn take(&self, id: &str, csrf: &str) -> Result<LoginTx, LoginError> {
        if !plausible_key(id) {
            return Err(LoginError::Expired);
        }
        let tx: LoginTx = self
            .take_json(&tx_key(id))
            .await?
            .ok_or(LoginError::Expired)?;
        if tx.csrf.matches(csrf) {
            Ok(tx)
        } else {
            self.save(id, &tx).await?;
            Err(LoginError::Expired)
        }
    }

    pub(crate) async fn delete(&self, id: &str) -> Result<(), LoginError> {
        Ok(self.store.delete(&tx_key(id)).await?)
    }

    /// Stores a JSON record under `key` for `ttl`.
    pub(crate) async fn put_json<T: Serialize>(
        &self,
        key: &str,
        value: &T,
        ttl: Duration,
    ) -> Result<(), LoginError> {
        let bytes = serde_json::to_vec(value).map_err(|e| LoginError::Unavailable(Box::new(e)))?;
        Ok(self.store.put(key, &bytes, ttl).await?)
    }

    /// Takes the record under `key` out of the store: `None` when there is none (or it does
    /// not read as a `T`).
    pub(crate) async fn take_json<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<T>, LoginError> {
        let bytes = self.store.take(key).await?;
        Ok(bytes.and_then(|b| serde_json::from_slice(&b).ok()))
    }
}

/// Whether a login id or consent token from a form or link can be one this service made (a
/// short random string), before it goes anywhere near the store.
pub(crate) fn plausible_key(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64
}

fn tx_key(id: &str) -> String {
    format!("login:{id}")
}

#[cfg(test)]
#[allow(clippy::panic, reason = "a test fails by panicking")]
mod tests {
    use super::*;
    use crate::{Completion, MagicOutcome, NewSession, Step};
    use latchkey_core::OrgId;
    use latchkey_device::SessionSecret;
    use latchkey_oauth::ResponseType;

    /// Login records and what the steps answer carry anti-forgery tokens, session secrets and
    /// consent tokens: none of them prints.
    #[test]
    fn debug_shows_no_secret() {
        let org = OrgId::parse("masmovil").unwrap_or_else(|e| panic!("{e}"));
        let request = AuthRequest {
            client_id: "shop".to_owned(),
            org: org.clone(),
            redirect_uri: "https://shop.example/cb".to_owned(),
            redirect_uri_given: true,
            response_type: ResponseType::Code,
            state: "s".to_owned(),
            scope: "openid".to_owned(),
            nonce: None,
            challenge: None,
            offline: false,
            login_hint: None,
            force_login: false,
            no_prompt: false,
            max_age: None,
            ui_locales: None,
            ciba: None,
        };
        let csrf = RecordSecret::new("csrf-secret-1".to_owned());
        let tx = LoginTx {
            request,
            csrf: csrf.clone(),
            stage: Stage::Password,
        };
        let started = Started {
            id: "login-id".to_owned(),
            csrf: csrf.clone(),
            redirect_uri: String::new(),
        };
        let done = Completion {
            org,
            redirect: String::new(),
            session: Some(NewSession {
                value: SessionSecret("device.session-secret-2".to_owned()),
                expires_at: latchkey_core::testing::T0,
            }),
            notice_failed: None,
            ciba_consent: Some(RecordSecret::new("consent-secret-3".to_owned())),
        };
        let magic = MagicOutcome::SecondFactor {
            id: "login-id".to_owned(),
            csrf,
            step: Step::Done(done.clone()),
            redirect_uri: String::new(),
        };
        let tokens = crate::TokenSet {
            access_token: "access-token-4".to_owned(),
            expires_in: 900,
            refresh_token: Some("refresh-token-5".to_owned()),
            id_token: Some("id-token-6".to_owned()),
            scope: latchkey_tenancy::ScopeSet::default(),
            jti: uuid::Uuid::nil(),
            expires_at: 0,
        };
        let shown = format!("{tx:?} {started:?} {done:?} {magic:?} {tokens:?}");
        let secrets = [
            "csrf-secret-1",
            "session-secret-2",
            "consent-secret-3",
            "access-token-4",
            "refresh-token-5",
            "id-token-6",
        ];
        for secret in secrets {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        // What the record keeps is still the secret itself.
        let stored = serde_json::to_string(&tx).unwrap_or_default();
        assert!(stored.contains("csrf-secret-1"));
    }
}
