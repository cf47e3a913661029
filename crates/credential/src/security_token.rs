//! Security tokens: `<uuid>@<org>@<secret>`, single-purpose, expiring, stored hashed.
//!
//! The uuid finds the stored record, the org routes the token to its tenant, and the secret
//! (32 random bytes, URL-safe base64) proves possession; only its SHA-256 is stored and it is
//! compared in constant time.

use crate::{SecurityTokenError, SecurityTokenStore};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE;
use latchkey_core::{
    Clock, ExposeSecret as _, OrgId, SecretHash, SecretString, SecureRandom, StoreError, Timestamp,
};
use std::fmt;
use std::sync::Arc;
use time::Duration;
use uuid::Uuid;

/// What a security token may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenPurpose {
    /// Sets the first password of a new credential (and enables it).
    SetPassword,
    /// Replaces the password of an existing credential.
    ChangePassword,
    /// Signs the customer in without a password.
    MagicLink,
}

impl TokenPurpose {
    /// The purposes endpoint 3 accepts, and that tokens endpoints 13 and 14 manage.
    pub const PASSWORD: [TokenPurpose; 2] =
        [TokenPurpose::SetPassword, TokenPurpose::ChangePassword];

    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::SetPassword => "set_password",
            TokenPurpose::ChangePassword => "change_password",
            TokenPurpose::MagicLink => "magic_link",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::SetPassword, Self::ChangePassword, Self::MagicLink]
            .into_iter()
            .find(|p| p.as_str() == raw)
    }
}

/// A stored security token. Holds the hash of the secret, never the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityToken {
    pub id: Uuid,
    /// Whom the token was issued for (a credential's username).
    pub subject: String,
    pub purpose: TokenPurpose,
    pub secret_hash: SecretHash,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// Sent by e-mail to the address that is its subject: using it proves the address.
    pub proves_email: bool,
}

/// A token as presented by a client, parsed but not yet checked.
pub struct TokenString {
    pub id: Uuid,
    pub org: OrgId,
    secret: SecretString,
}

impl TokenString {
    /// Parses `<uuid>@<org>@<secret>`.
    pub fn parse(raw: &str) -> Result<Self, SecurityTokenError> {
        let mut parts = raw.splitn(3, '@');
        let (Some(id), Some(org), Some(secret)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(SecurityTokenError::Malformed);
        };
        let id = Uuid::try_parse(id).map_err(|_| SecurityTokenError::Malformed)?;
        let org = OrgId::parse(org).map_err(|_| SecurityTokenError::Malformed)?;
        let secret_ok = (1..=512).contains(&secret.len())
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'='));
        if !secret_ok {
            return Err(SecurityTokenError::Malformed);
        }
        Ok(Self {
            id,
            org,
            secret: SecretString::from(secret),
        })
    }

    fn matches(&self, hash: &SecretHash) -> bool {
        hash.matches(self.secret.expose_secret().as_bytes())
    }
}

impl fmt::Debug for TokenString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenString({}@{}@[REDACTED])", self.id, self.org)
    }
}

/// A freshly issued token in clear, to hand to the client once.
pub struct IssuedToken {
    pub id: Uuid,
    pub expires_at: Timestamp,
    value: SecretString,
}

impl IssuedToken {
    /// The full `<uuid>@<org>@<secret>` string.
    pub fn expose(&self) -> &str {
        self.value.expose_secret()
    }
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IssuedToken({}, [REDACTED])", self.id)
    }
}

/// Security-token use cases.
#[derive(Debug, Clone)]
pub struct SecurityTokens {
    store: Arc<dyn SecurityTokenStore>,
    clock: Arc<dyn Clock>,
    random: Arc<dyn SecureRandom>,
    ttl: Duration,
    magic_link_ttl: Duration,
}

/// How long a magic-link token lives unless configured otherwise.
pub const DEFAULT_MAGIC_LINK_TTL: Duration = Duration::minutes(15);

impl SecurityTokens {
    pub fn new(
        store: Arc<dyn SecurityTokenStore>,
        clock: Arc<dyn Clock>,
        random: Arc<dyn SecureRandom>,
        ttl: Duration,
    ) -> Self {
        Self {
            store,
            clock,
            random,
            ttl,
            magic_link_ttl: DEFAULT_MAGIC_LINK_TTL,
        }
    }

    /// Sets the lifetime of magic-link tokens (the others live `ttl`).
    #[must_use]
    pub fn with_magic_link_ttl(mut self, ttl: Duration) -> Self {
        self.magic_link_ttl = ttl;
        self
    }

    /// Issues a token for `subject` in `org`, valid for the configured lifetime of its purpose.
    pub async fn issue(
        &self,
        org: &OrgId,
        subject: &str,
        purpose: TokenPurpose,
    ) -> Result<IssuedToken, SecurityTokenError> {
        self.issue_marked(org, subject, purpose, false).await
    }

    /// Issues a token that is sent by e-mail to `subject`, an e-mail address: using it proves
    /// the address.
    pub async fn issue_for_email(
        &self,
        org: &OrgId,
        subject: &str,
        purpose: TokenPurpose,
    ) -> Result<IssuedToken, SecurityTokenError> {
        self.issue_marked(org, subject, purpose, true).await
    }

    async fn issue_marked(
        &self,
        org: &OrgId,
        subject: &str,
        purpose: TokenPurpose,
        proves_email: bool,
    ) -> Result<IssuedToken, SecurityTokenError> {
        let id = self.random.uuid();
        let secret = URL_SAFE.encode(self.random.secret_bytes());
        let now = self.clock.now();
        let record = SecurityToken {
            id,
            subject: subject.to_owned(),
            purpose,
            secret_hash: SecretHash::of(secret.as_bytes()),
            created_at: now,
            expires_at: now
                + match purpose {
                    TokenPurpose::MagicLink => self.magic_link_ttl,
                    TokenPurpose::SetPassword | TokenPurpose::ChangePassword => self.ttl,
                },
            proves_email,
        };
        let expires_at = record.expires_at;
        self.store
            .insert(org, record)
            .await
            .map_err(SecurityTokenError::Store)?;
        let value = SecretString::from(format!("{id}@{org}@{secret}"));
        Ok(IssuedToken {
            id,
            expires_at,
            value,
        })
    }

    /// Finds a live token of `org` with one of `purposes`. Fails with `Invalid` for a token of
    /// another org or an unknown token, a wrong secret or another purpose, and
    /// `Expired` for an expired one.
    pub async fn find(
        &self,
        org: &OrgId,
        token: &TokenString,
        purposes: &[TokenPurpose],
    ) -> Result<SecurityToken, SecurityTokenError> {
        if &token.org != org {
            return Err(SecurityTokenError::Invalid);
        }
        let record = self
            .store
            .get(org, token.id)
            .await
            .map_err(SecurityTokenError::Store)?;
        let record =
            record.filter(|r| token.matches(&r.secret_hash) && purposes.contains(&r.purpose));
        let record = record.ok_or(SecurityTokenError::Invalid)?;
        if record.expires_at <= self.clock.now() {
            return Err(SecurityTokenError::Expired);
        }
        Ok(record)
    }

    /// Uses up a token that [`SecurityTokens::find`] accepted: exactly one concurrent caller wins.
    pub async fn consume(
        &self,
        org: &OrgId,
        record: &SecurityToken,
    ) -> Result<(), SecurityTokenError> {
        match self
            .store
            .take(org, record.id)
            .await
            .map_err(SecurityTokenError::Store)?
        {
            Some(taken) if taken.secret_hash == record.secret_hash => Ok(()),
            _ => Err(SecurityTokenError::Invalid),
        }
    }

    /// Revokes one token (it must be live and have one of `purposes`).
    pub async fn revoke(
        &self,
        org: &OrgId,
        token: &TokenString,
        purposes: &[TokenPurpose],
    ) -> Result<(), SecurityTokenError> {
        let record = self.find(org, token, purposes).await?;
        self.consume(org, &record).await
    }

    /// Revokes a token this service issued, whatever its state (a token whose delivery failed).
    pub async fn withdraw(
        &self,
        org: &OrgId,
        token: &IssuedToken,
    ) -> Result<(), SecurityTokenError> {
        self.store
            .take(org, token.id)
            .await
            .map(drop)
            .map_err(SecurityTokenError::Store)
    }

    /// Revokes every token of `subject` with one of `purposes`.
    pub async fn revoke_all(
        &self,
        org: &OrgId,
        subject: &str,
        purposes: &[TokenPurpose],
    ) -> Result<u64, SecurityTokenError> {
        self.store
            .delete_for_subject(org, subject, purposes)
            .await
            .map_err(SecurityTokenError::Store)
    }
}

impl From<StoreError> for SecurityTokenError {
    fn from(e: StoreError) -> Self {
        SecurityTokenError::Store(e)
    }
}

#[cfg(test)]
#[path = "security_token_tests.rs"]
mod tests;
