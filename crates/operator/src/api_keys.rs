//! Operators' API keys (`/apiKey/{userId}`, `X-API-KEY`): a 256-bit secret shown once at
//! creation, `lkop_` + its base64url, stored only as its SHA-256 ([`SecretHash`]); a request
//! that presents it acts as the key's operator while the key is live and the operator usable.

use crate::permissions;
use crate::profiles::ProfileAccess;
use crate::{AccessRight, ApiKey, Operator, OperatorError, OperatorPorts};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_core::{SecretHash, SecretString, StoreError, Timestamp};
use uuid::Uuid;

/// What every key's text starts with: a key found in a log or a repository is recognisable
/// (secret scanners match it).
pub const API_KEY_PREFIX: &str = "lkop_";
/// The most keys one operator may hold.
pub const MAX_API_KEYS: usize = 10;
/// The most characters of a key's name (ASCII letters and digits).
pub const API_KEY_NAME_MAX: usize = 64;
/// The most characters of a key's description.
pub const API_KEY_DESCRIPTION_MAX: usize = 1024;

/// The API key use cases.
#[derive(Debug, Clone)]
pub struct ApiKeyService {
    ports: OperatorPorts,
}

impl ApiKeyService {
    pub fn new(ports: OperatorPorts) -> Self {
        Self { ports }
    }

    /// Creates a key acting as `operator` and answers it with its secret (the only time the
    /// secret is seen): `NotFound` (no such operator); `AccessDenied` unless `actor` may
    /// ([`permissions::can_manage_keys`]); `Invalid("name")` (not 1 to 64 ASCII letters and
    /// digits, or the operator has a key of that name: names are compared in lower case),
    /// `Invalid("description")`, `Invalid("expiresOn")` (not in the future), `Invalid("apiKeys")`
    /// (the operator already has [`MAX_API_KEYS`]).
    pub async fn create(
        &self,
        actor: &Operator,
        operator: Uuid,
        name: String,
        description: String,
        expires: Timestamp,
        rights: Vec<AccessRight>,
    ) -> Result<(ApiKey, SecretString), OperatorError> {
        let owner = self.operator(operator).await?;
        permissions::can_manage_keys(actor, &owner, ProfileAccess::Create)?;
        let name = key_name(&name)?;
        let description = key_description(&description)?;
        let now = self.ports.clock.now();
        if expires <= now {
            return Err(OperatorError::Invalid("expiresOn"));
        }
        let existing = self.ports.api_keys.list(operator).await?;
        if existing.iter().any(|key| key.name == name) {
            return Err(OperatorError::Invalid("name"));
        }
        if existing.len() >= MAX_API_KEYS {
            return Err(OperatorError::Invalid("apiKeys"));
        }
        let secret = format!(
            "{API_KEY_PREFIX}{}",
            URL_SAFE_NO_PAD.encode(self.ports.random.secret_bytes())
        );
        let key = ApiKey {
            id: self.ports.random.uuid(),
            operator,
            name,
            description,
            hash: SecretHash::of(secret.as_bytes()),
            created: now,
            expires,
            last_use: None,
            rights,
        };
        match self.ports.api_keys.insert(&key).await {
            Ok(()) => Ok((key, SecretString::from(secret))),
            // Created concurrently under the same name.
            Err(StoreError::Conflict) => Err(OperatorError::Invalid("name")),
            Err(StoreError::NotFound) => Err(OperatorError::NotFound),
            Err(error) => Err(OperatorError::Unavailable(error)),
        }
    }

    /// The keys of `operator`, expired ones included, without their secrets: `NotFound`,
    /// `AccessDenied`.
    pub async fn list(
        &self,
        actor: &Operator,
        operator: Uuid,
    ) -> Result<Vec<ApiKey>, OperatorError> {
        let owner = self.operator(operator).await?;
        permissions::can_manage_keys(actor, &owner, ProfileAccess::Read)?;
        Ok(self.ports.api_keys.list(operator).await?)
    }

    /// Deletes the key `key` of `operator`: from then on it authenticates nothing. `NotFound`
    /// (no such operator, or no such key of it), `AccessDenied`.
    pub async fn delete(
        &self,
        actor: &Operator,
        operator: Uuid,
        key: Uuid,
    ) -> Result<(), OperatorError> {
        let owner = self.operator(operator).await?;
        permissions::can_manage_keys(actor, &owner, ProfileAccess::Delete)?;
        if self.ports.api_keys.delete(operator, key).await? {
            Ok(())
        } else {
            Err(OperatorError::NotFound)
        }
    }

    /// Sets the description of the key `key` of `operator` and answers the key (never its
    /// secret): `NotFound` (no such operator, or no such key of it); `AccessDenied` unless
    /// `actor` may create its keys (a key described anew is a key made anew);
    /// `Invalid("description")`. Nothing else of the key changes.
    pub async fn describe(
        &self,
        actor: &Operator,
        operator: Uuid,
        key: Uuid,
        description: &str,
    ) -> Result<ApiKey, OperatorError> {
        let owner = self.operator(operator).await?;
        permissions::can_manage_keys(actor, &owner, ProfileAccess::Create)?;
        let description = key_description(description)?;
        self.ports
            .api_keys
            .describe(operator, key, &description)
            .await?
            .ok_or(OperatorError::NotFound)
    }

    /// The operator and the key a presented secret stands for, its `last_use` now set; `None`
    /// when it is no key, an expired one, or its operator is gone, suspended or blacklisted.
    pub async fn authenticate(
        &self,
        secret: &str,
    ) -> Result<Option<(Operator, ApiKey)>, OperatorError> {
        if !secret.starts_with(API_KEY_PREFIX) {
            return Ok(None);
        }
        let Some(mut key) = self
            .ports
            .api_keys
            .by_hash(&SecretHash::of(secret.as_bytes()))
            .await?
        else {
            return Ok(None);
        };
        let now = self.ports.clock.now();
        if key.expires <= now {
            return Ok(None);
        }
        let operator = match self.ports.operators.get(key.operator).await? {
            Some(operator) if !operator.suspended && !operator.blacklisted => operator,
            _ => return Ok(None),
        };
        if !self.ports.api_keys.touch(key.id, now).await? {
            // Deleted meanwhile.
            return Ok(None);
        }
        key.last_use = Some(now);
        Ok(Some((operator, key)))
    }

    async fn operator(&self, id: Uuid) -> Result<Operator, OperatorError> {
        self.ports
            .operators
            .get(id)
            .await?
            .ok_or(OperatorError::NotFound)
    }
}

/// A key's name: 1 to [`API_KEY_NAME_MAX`] ASCII letters and digits, lower-cased.
fn key_name(raw: &str) -> Result<String, OperatorError> {
    let name = raw.trim();
    if name.is_empty()
        || name.len() > API_KEY_NAME_MAX
        || !name.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(OperatorError::Invalid("name"));
    }
    Ok(name.to_ascii_lowercase())
}

/// A key's description: at most [`API_KEY_DESCRIPTION_MAX`] characters, trimmed, without
/// control characters.
fn key_description(raw: &str) -> Result<String, OperatorError> {
    let description = raw.trim();
    if description.chars().count() > API_KEY_DESCRIPTION_MAX
        || description.chars().any(char::is_control)
    {
        return Err(OperatorError::Invalid("description"));
    }
    Ok(description.to_owned())
}
