//! Device-session use cases: start and resume a session, issue and rotate its refresh tokens,
//! list and unlink devices.

use crate::{Device, DeviceStore, Exchange, RefreshToken, SessionSecret, alias_of};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_core::{Clock, OrgId, SecretHash, SecureRandom, StoreError, Timestamp};
use std::sync::Arc;
use time::Duration;
use uuid::Uuid;

/// Longest user agent kept (the rest is cut).
const MAX_USER_AGENT: usize = 512;

/// Why a refresh token was refused.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("the refresh token is malformed, unknown, expired, or of another client")]
    InvalidToken,
    #[error("a rotated refresh token was presented again: the device session is ended")]
    Reused,
    #[error("no such device")]
    NotFound,
    #[error("device storage failed")]
    Store(#[source] StoreError),
}

/// What revoking a refresh token did (RFC 7009 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    /// It was live and is gone (its device session stays).
    Revoked,
    /// Nothing to revoke: malformed, unknown, expired, already revoked or rotated.
    NotLive,
    /// A live token of another client: nothing changed.
    OtherClient,
}

/// A refresh token's parts: `<id>@<org>@<secret>`.
fn parse_refresh(token: &str) -> Option<(Uuid, OrgId, &str)> {
    let mut parts = token.splitn(3, '@');
    let (id, org, secret) = (parts.next()?, parts.next()?, parts.next()?);
    Some((Uuid::try_parse(id).ok()?, OrgId::parse(org).ok()?, secret))
}

/// A session's cookie value, `<device id>.<secret>`: shown to the browser only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionCookie(pub SessionSecret);

/// What a successful rotation gives.
#[derive(Debug, Clone)]
pub struct Refreshed {
    /// The token as it is after the rotation: its device, client, scope and `auth_time`.
    pub rotated: RefreshToken,
    /// The refresh token to use next: the same id, a new secret (`<id>@<org>@<secret>`).
    pub token: SessionSecret,
    /// The org the token routed to, and the credential of the session.
    pub org: OrgId,
    pub credential: Uuid,
}

/// Device sessions over a [`DeviceStore`].
#[derive(Debug, Clone)]
pub struct DeviceService {
    store: Arc<dyn DeviceStore>,
    clock: Arc<dyn Clock>,
    random: Arc<dyn SecureRandom>,
    session_ttl: Duration,
}

impl DeviceService {
    pub fn new(
        store: Arc<dyn DeviceStore>,
        clock: Arc<dyn Clock>,
        random: Arc<dyn SecureRandom>,
        session_ttl: Duration,
    ) -> Self {
        Self {
            store,
            clock,
            random,
            session_ttl,
        }
    }

    /// Starts a device session for `credential` on the agent `user_agent`, signed in at
    /// `auth_time` by the methods `amr` (RFC 8176), which the session keeps.
    pub async fn start_signed_in(
        &self,
        org: &OrgId,
        credential: Uuid,
        user_agent: &str,
        auth_time: Timestamp,
        amr: Vec<String>,
    ) -> Result<(Device, SessionCookie), DeviceError> {
        let now = self.clock.now();
        let secret = URL_SAFE_NO_PAD.encode(self.random.secret_bytes());
        let mut agent: String = user_agent.chars().filter(|c| !c.is_control()).collect();
        if agent.len() > MAX_USER_AGENT {
            let mut cut = MAX_USER_AGENT;
            while !agent.is_char_boundary(cut) {
                cut -= 1;
            }
            agent.truncate(cut);
        }
        let device = Device {
            id: self.random.uuid(),
            credential,
            alias: alias_of(&agent),
            user_agent: agent,
            secret_hash: SecretHash::of(secret.as_bytes()),
            created_at: now,
            expires_at: now + self.session_ttl,
            auth_time,
            amr,
        };
        self.store
            .insert_device(org, device.clone())
            .await
            .map_err(DeviceError::Store)?;
        let cookie = SessionCookie(SessionSecret(format!("{}.{secret}", device.id)));
        Ok((device, cookie))
    }

    /// The device with that id, if it is live.
    pub async fn get(&self, org: &OrgId, id: Uuid) -> Result<Option<Device>, DeviceError> {
        let device = self
            .store
            .get_device(org, id)
            .await
            .map_err(DeviceError::Store)?;
        Ok(device.filter(|d| d.expires_at > self.clock.now()))
    }

    /// The live device a session cookie names, when its secret matches.
    pub async fn resume(&self, org: &OrgId, cookie: &str) -> Result<Option<Device>, DeviceError> {
        let Some((id, secret)) = cookie.split_once('.') else {
            return Ok(None);
        };
        let Ok(id) = Uuid::try_parse(id) else {
            return Ok(None);
        };
        let device = self
            .store
            .get_device(org, id)
            .await
            .map_err(DeviceError::Store)?;
        Ok(device.filter(|d| {
            d.secret_hash.matches(secret.as_bytes()) && d.expires_at > self.clock.now()
        }))
    }

    /// A refresh token of `device` for `client_id`: `<id>@<org>@<secret>`. It expires with
    /// the session.
    pub async fn issue_refresh(
        &self,
        org: &OrgId,
        device: &Device,
        client_id: &str,
        scope: &str,
        auth_time: i64,
    ) -> Result<SessionSecret, DeviceError> {
        let (secret, hash) = self.fresh_secret();
        let id = self.random.uuid();
        let token = RefreshToken {
            id,
            device: device.id,
            credential: device.credential,
            client_id: client_id.to_owned(),
            secret_hash: hash,
            scope: scope.to_owned(),
            auth_time,
            created_at: self.clock.now(),
            expires_at: device.expires_at,
            rotated_at: None,
        };
        self.store
            .insert_refresh(org, token)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => DeviceError::NotFound,
                e @ (StoreError::Conflict | StoreError::Unavailable(_)) => DeviceError::Store(e),
            })?;
        Ok(SessionSecret(format!("{id}@{org}@{secret}")))
    }

    /// Whether `token` is of the refresh tokens' kind (`<id>@<org>@<secret>`), not an access
    /// token: a JWT never holds an '@'. Well formed or not, it is then a refresh token's
    /// business.
    pub fn is_refresh_token(token: &str) -> bool {
        token.contains('@')
    }

    /// The org a refresh token names (`None` when it is not shaped like one).
    pub fn refresh_org(token: &str) -> Option<OrgId> {
        parse_refresh(token).map(|(_, org, _)| org)
    }

    /// Exchanges a refresh token of `client_id` for the next one (RFC 6749 §6, rotated), in
    /// one step of the store. A secret the token no longer has ends its device session
    /// (`Reused`).
    pub async fn refresh(&self, token: &str, client_id: &str) -> Result<Refreshed, DeviceError> {
        let (id, org, secret) = parse_refresh(token).ok_or(DeviceError::InvalidToken)?;
        let (next_secret, next) = self.fresh_secret();
        let presented = SecretHash::of(secret.as_bytes());
        let exchanged = self
            .store
            .exchange_refresh(&org, id, &presented, client_id, self.clock.now(), &next)
            .await
            .map_err(DeviceError::Store)?;
        match exchanged {
            Exchange::Rotated { token: rotated } => Ok(Refreshed {
                token: SessionSecret(format!("{id}@{org}@{next_secret}")),
                credential: rotated.credential,
                rotated,
                org,
            }),
            Exchange::Reused { device } => {
                self.end_session(&org, device).await?;
                Err(DeviceError::Reused)
            }
            Exchange::Refused => Err(DeviceError::InvalidToken),
        }
    }

    /// The live refresh token `token` names (its current secret, unexpired), with its org.
    pub async fn inspect_refresh(
        &self,
        token: &str,
    ) -> Result<Option<(OrgId, RefreshToken)>, DeviceError> {
        let Some((id, org, secret)) = parse_refresh(token) else {
            return Ok(None);
        };
        let found = self
            .store
            .get_refresh(&org, id)
            .await
            .map_err(DeviceError::Store)?;
        let now = self.clock.now();
        Ok(found
            .filter(|t| t.secret_hash.matches(secret.as_bytes()) && t.expires_at > now)
            .map(|t| (org, t)))
    }

    /// Revokes a live refresh token of `client_id` (RFC 7009): it stops working at once; the
    /// device session and its other clients' tokens stay.
    pub async fn revoke_refresh(
        &self,
        token: &str,
        client_id: &str,
    ) -> Result<Revocation, DeviceError> {
        let Some((org, live)) = self.inspect_refresh(token).await? else {
            return Ok(Revocation::NotLive);
        };
        if live.client_id != client_id {
            return Ok(Revocation::OtherClient);
        }
        let deleted = self
            .store
            .delete_refresh(&org, live.id)
            .await
            .map_err(DeviceError::Store)?;
        Ok(if deleted {
            Revocation::Revoked
        } else {
            Revocation::NotLive
        })
    }

    /// The live devices of `credential`, oldest first.
    pub async fn list(&self, org: &OrgId, credential: Uuid) -> Result<Vec<Device>, DeviceError> {
        self.store
            .list_devices(org, credential, self.clock.now())
            .await
            .map_err(DeviceError::Store)
    }

    /// Unlinks one device of `credential`: its refresh tokens die with it.
    pub async fn unlink(&self, org: &OrgId, credential: Uuid, id: Uuid) -> Result<(), DeviceError> {
        let found = self
            .store
            .delete_device(org, credential, id)
            .await
            .map_err(DeviceError::Store)?;
        if found {
            Ok(())
        } else {
            Err(DeviceError::NotFound)
        }
    }

    /// Unlinks every device of `credential`.
    pub async fn unlink_all(&self, org: &OrgId, credential: Uuid) -> Result<u64, DeviceError> {
        self.store
            .delete_devices(org, credential)
            .await
            .map_err(DeviceError::Store)
    }

    /// Ends a device session, whoever's it is (a replayed authorization code, a reused refresh
    /// token): the device and its refresh tokens go.
    pub async fn end(&self, org: &OrgId, device: Uuid) -> Result<(), DeviceError> {
        self.end_session(org, device).await
    }

    async fn end_session(&self, org: &OrgId, device: Uuid) -> Result<(), DeviceError> {
        let found = self
            .store
            .get_device(org, device)
            .await
            .map_err(DeviceError::Store)?;
        if let Some(d) = found {
            self.store
                .delete_device(org, d.credential, d.id)
                .await
                .map_err(DeviceError::Store)?;
        }
        Ok(())
    }

    fn fresh_secret(&self) -> (String, SecretHash) {
        let secret = URL_SAFE_NO_PAD.encode(self.random.secret_bytes());
        let hash = SecretHash::of(secret.as_bytes());
        (secret, hash)
    }

    /// Now, by the service's clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }
}
