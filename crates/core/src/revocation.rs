//! Revocations: whatever takes access away must reach every server instance that trusted it.
//!
//! Two roles. A service that takes access away (a deleted client, a disabled credential, a
//! revoked token, a removed key) announces it to the [`Revocations`] port, whose adapter makes
//! it hold for the whole fleet: it records what must be recorded (a subject's or a client's
//! tokens issued so far) and tells every instance. Each instance's cache of verified tokens is a
//! [`RevocationListener`]: it forgets what a revocation names, so the next check of such a token
//! verifies it again, against the durable records. The caches of the directory (tenants and
//! clients) listen too: a client or tenant changed anywhere is read again on every instance.

use crate::{OrgId, StoreError};
use async_trait::async_trait;
use std::sync::Arc;
use uuid::Uuid;

/// What was taken away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revocation {
    /// Every access token of this subject (`sub`) issued until now: a customer's credential
    /// disabled, deleted or moved.
    Subject(String),
    /// Every access token issued to this client (`client_id`) until now, service tokens and its
    /// customers' tokens alike: a deleted client. A storage that holds the clients also
    /// announces it (without a record) whenever the client's record changes, so that every
    /// instance reads the client again.
    Client(String),
    /// A tenant's record changed (created, renamed, disabled or enabled): every instance reads
    /// it again. Nothing is recorded; the storage of the tenants announces it.
    Tenant(OrgId),
    /// One access token, by its `jti` (RFC 7009; a replayed authorization code). Its record is
    /// the `jti`'s, stored by whoever revoked it before announcing.
    Token(Uuid),
    /// Every access token: a signing key was removed, so some tokens no longer verify (every
    /// instance reloads its key ring).
    Everything,
}

impl Revocation {
    /// The revocation as one line of text (`subject:<id>`, `client:<id>`, `token:<jti>`,
    /// `everything`), for a transport between instances.
    pub fn to_wire(&self) -> String {
        match self {
            Revocation::Subject(id) => format!("subject:{id}"),
            Revocation::Client(id) => format!("client:{id}"),
            Revocation::Tenant(org) => format!("tenant:{}", org.as_str()),
            Revocation::Token(jti) => format!("token:{jti}"),
            Revocation::Everything => "everything".to_owned(),
        }
    }

    /// The revocation [`Revocation::to_wire`] wrote (or a database trigger wrote the same way);
    /// `None` for anything else.
    pub fn from_wire(line: &str) -> Option<Self> {
        if line == "everything" {
            return Some(Revocation::Everything);
        }
        let (kind, id) = line.split_once(':')?;
        if id.is_empty() {
            return None;
        }
        match kind {
            "subject" => Some(Revocation::Subject(id.to_owned())),
            "client" => Some(Revocation::Client(id.to_owned())),
            "tenant" => OrgId::parse(id).ok().map(Revocation::Tenant),
            "token" => Uuid::try_parse(id).ok().map(Revocation::Token),
            _ => None,
        }
    }
}

/// Where access taken away is announced: the adapter makes it hold on every server instance.
#[async_trait]
pub trait Revocations: Send + Sync + std::fmt::Debug {
    /// Makes `revocation` hold before returning. A `Subject` or `Client` revocation is
    /// recorded durably (with the time it was made): from then on every instance, including
    /// one that starts later or missed the announcement, refuses the tokens it names that were
    /// issued until then, and none issued afterwards. This instance's listener hears it before
    /// the call returns; every other instance's listener hears it as soon as the transport
    /// carries it. MUST fail, with nothing recorded or announced, when the record cannot be
    /// written: a revocation that does not hold is never reported as done.
    async fn revoked(&self, revocation: &Revocation) -> Result<(), StoreError>;
}

/// Hears revocations: a cache of verified tokens (or of tenants, or of clients) forgets what
/// each one names.
pub trait RevocationListener: Send + Sync + std::fmt::Debug {
    /// Takes `revocation` into account before returning: the next check of a token it names
    /// does not trust an earlier verification, the next lookup of a tenant or client it names
    /// reads the storage.
    fn heard(&self, revocation: &Revocation);
}

/// Several listeners of one instance heard as one, in the order given: one announcement
/// reaches every cache of the instance.
#[derive(Debug, Default)]
pub struct Listeners(Vec<Arc<dyn RevocationListener>>);

impl Listeners {
    pub fn new(listeners: Vec<Arc<dyn RevocationListener>>) -> Self {
        Self(listeners)
    }
}

impl RevocationListener for Listeners {
    fn heard(&self, revocation: &Revocation) {
        for listener in &self.0 {
            listener.heard(revocation);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn revocations_travel_as_one_line_and_come_back_unchanged() {
        let all = [
            Revocation::Subject("6f0d8c4e-0b6c-4a8e-9f1e-3b1d2c4e5f60".to_owned()),
            Revocation::Client("shop.web_1".to_owned()),
            Revocation::Tenant(OrgId::parse("pepephone").unwrap()),
            Revocation::Token(Uuid::from_u128(7)),
            Revocation::Everything,
        ];
        for revocation in all {
            assert_eq!(
                Revocation::from_wire(&revocation.to_wire()),
                Some(revocation)
            );
        }
        for nonsense in [
            "",
            "subject:",
            "token:nope",
            "key:1",
            "everything:",
            "tenant:Not An Org",
        ] {
            assert_eq!(Revocation::from_wire(nonsense), None, "{nonsense}");
        }
    }
}
