//! The subscriber use cases: a subscriber is a credential of the Credentials API
//! ([`CredentialService`], the one owner of credentials) read together with the profile the
//! security service keeps beside it ([`SubscriberProfileStore`]).
//!
//! Two kinds of callers use them. The security service's own flows (sign-in, MFA, sign-up,
//! messages) act on a subscriber they have already authenticated: [`SubscriberService::get`],
//! [`SubscriberService::by_username`] and [`SubscriberService::save_profile`] check nobody.
//! Operators act through the directory's use cases (`directory`, `modify`): each checks first
//! that the operator's security profile grants the access on `subscribers` and that its reach
//! covers the org ([`SubscriberService::authorize`]), then calls the Credentials API as the
//! [`Principal`] that profile maps onto, so that both APIs enforce the same rules.

use crate::{AvatarStore, PreferenceStore, SubscriberError, SubscriberProfile};
use crate::{SubscriberProfileStore, ports::SubscriberQuery};
use latchkey_core::{Clock, OrgId};
use latchkey_credential::{Credential, CredentialService};
use latchkey_device::DeviceService;
use latchkey_operator::permissions::{may, reaches};
use latchkey_operator::{Operator, ProfileAccess, profile, resource};
use latchkey_tenancy::{OrgAccess, Principal};
use std::sync::Arc;
use uuid::Uuid;

/// A subscriber: its credential in `org` and what the security service keeps beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriber {
    pub org: OrgId,
    pub credential: Credential,
    pub profile: SubscriberProfile,
}

impl Subscriber {
    /// Its id: the credential's.
    pub fn id(&self) -> Uuid {
        self.credential.id
    }

    /// Whether it is suspended: its credential is disabled. A credential never given a
    /// password is disabled too (it cannot sign in until it gets one).
    pub fn suspended(&self) -> bool {
        !self.credential.enabled
    }
}

/// What the subscriber use cases are built on.
#[derive(Debug)]
pub struct SubscriberPorts {
    /// The Credentials API's use cases: the only writer of credentials.
    pub credentials: CredentialService,
    /// Device sessions: ended when a subscriber is suspended or deleted.
    pub devices: DeviceService,
    pub profiles: Arc<dyn SubscriberProfileStore>,
    pub avatars: Arc<dyn AvatarStore>,
    pub preferences: Arc<dyn PreferenceStore>,
    pub clock: Arc<dyn Clock>,
}

/// The subscriber use cases; cheap to clone.
#[derive(Clone, Debug)]
pub struct SubscriberService {
    pub(crate) ports: Arc<SubscriberPorts>,
}

impl SubscriberService {
    pub fn new(ports: SubscriberPorts) -> Self {
        Self {
            ports: Arc::new(ports),
        }
    }

    /// The live subscriber `id` of `org`, with its profile (the empty one when none was ever
    /// written). Checks nobody: for flows whose caller is the subscriber itself.
    pub async fn get(&self, org: &OrgId, id: Uuid) -> Result<Subscriber, SubscriberError> {
        let credential = self
            .ports
            .credentials
            .by_id(org, id)
            .await
            .map_err(SubscriberError::from_credential)?;
        self.with_profile(org, credential).await
    }

    /// The live subscriber of `org` whose username is `username` (case as the Credentials API
    /// normalises it). Checks nobody.
    pub async fn by_username(
        &self,
        org: &OrgId,
        username: &str,
    ) -> Result<Subscriber, SubscriberError> {
        let credential = self
            .ports
            .credentials
            .by_username(org, username)
            .await
            .map_err(|e| match e {
                // An unusable username names nobody.
                latchkey_credential::CredentialError::InvalidUsername(_) => {
                    SubscriberError::NotFound
                }
                e => SubscriberError::from_credential(e),
            })?;
        self.with_profile(org, credential).await
    }

    /// Writes `profile` (of the credential `profile.credential`, which must be live in `org`),
    /// stamping when it changed. Checks nobody.
    pub async fn save_profile(
        &self,
        org: &OrgId,
        mut profile: SubscriberProfile,
    ) -> Result<(), SubscriberError> {
        self.ports
            .credentials
            .by_id(org, profile.credential)
            .await
            .map_err(SubscriberError::from_credential)?;
        profile.modified = self.ports.clock.now();
        self.ports.profiles.put(org, profile).await?;
        Ok(())
    }

    /// The live subscribers of `org` that `query` selects, in its order. Checks nobody.
    pub(crate) async fn select(
        &self,
        org: &OrgId,
        query: &SubscriberQuery,
    ) -> Result<Vec<Subscriber>, SubscriberError> {
        let ids = self.ports.profiles.list(org, query).await?;
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            // One deleted between the listing and this read is left out.
            match self.get(org, id).await {
                Ok(subscriber) => found.push(subscriber),
                Err(SubscriberError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(found)
    }

    pub(crate) async fn with_profile(
        &self,
        org: &OrgId,
        credential: Credential,
    ) -> Result<Subscriber, SubscriberError> {
        let profile = match self.ports.profiles.get(org, credential.id).await? {
            Some(profile) => profile,
            None => SubscriberProfile::new(credential.id, credential.created_at),
        };
        Ok(Subscriber {
            org: org.clone(),
            credential,
            profile,
        })
    }

    /// Checks that `actor` may `access` the subscribers of `org` (its profile's policy on
    /// `subscribers`, and its reach: `root` every org, the others the org they administer),
    /// and answers the Credentials API [`Principal`] it then acts as: the scopes its profile
    /// maps onto ([`latchkey_operator::SecurityProfile::scopes`]), on `org` alone.
    pub fn authorize(
        &self,
        actor: &Operator,
        org: &OrgId,
        access: ProfileAccess,
    ) -> Result<Principal, SubscriberError> {
        principal(actor, org, access)
    }
}

/// See [`SubscriberService::authorize`].
pub fn principal(
    actor: &Operator,
    org: &OrgId,
    access: ProfileAccess,
) -> Result<Principal, SubscriberError> {
    if !may(actor, resource::SUBSCRIBERS, access) || !reaches(actor, Some(org)) {
        return Err(SubscriberError::AccessDenied);
    }
    Ok(Principal {
        subject: format!("operator:{}", actor.id),
        scopes: profile(actor.role).scopes,
        orgs: OrgAccess::Only(std::iter::once(org.clone()).collect()),
        credential: None,
        sign_in: None,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;
    use latchkey_operator::Role;
    use latchkey_tenancy::Scope;
    use latchkey_testkit::fixtures;

    fn operator(role: Role, owner: Option<&str>) -> Operator {
        let mut op = fixtures::operator(Uuid::nil(), "op@example.com", role);
        op.owner = owner.map(|o| OrgId::parse(o).unwrap());
        op
    }

    fn acme() -> OrgId {
        OrgId::parse("acme").unwrap()
    }

    #[test]
    fn an_admin_acts_on_its_own_org_with_the_scopes_of_its_profile() {
        let admin = operator(Role::Admin, Some("acme"));
        let principal = principal(&admin, &acme(), ProfileAccess::Delete).unwrap();
        assert!(principal.scopes.contains(Scope::CredentialsAdmin));
        assert!(principal.scopes.contains(Scope::CredentialsWrite));
        assert!(!principal.scopes.contains(Scope::TenantsAdmin));
        assert_eq!(principal.orgs, OrgAccess::Only([acme()].into()));
        assert!(principal.credential.is_none());
        let elsewhere = principal_of(&admin, "other", ProfileAccess::Read);
        assert!(matches!(elsewhere, Err(SubscriberError::AccessDenied)));
    }

    fn principal_of(
        actor: &Operator,
        org: &str,
        access: ProfileAccess,
    ) -> Result<Principal, SubscriberError> {
        principal(actor, &OrgId::parse(org).unwrap(), access)
    }

    #[test]
    fn each_role_gets_what_its_profile_grants_on_subscribers() {
        let csr = operator(Role::Csr, Some("acme"));
        assert!(principal_of(&csr, "acme", ProfileAccess::Modify).is_ok());
        assert!(principal_of(&csr, "acme", ProfileAccess::Create).is_err());
        assert!(principal_of(&csr, "acme", ProfileAccess::Delete).is_err());
        let accounting = operator(Role::Accounting, Some("acme"));
        let read = principal_of(&accounting, "acme", ProfileAccess::Read).unwrap();
        assert!(read.scopes.contains(Scope::CredentialsRead));
        assert!(!read.scopes.contains(Scope::CredentialsWrite));
        assert!(principal_of(&accounting, "acme", ProfileAccess::Modify).is_err());
        let plain = operator(Role::Subscriber, Some("acme"));
        assert!(principal_of(&plain, "acme", ProfileAccess::Read).is_err());
        let orphan = operator(Role::Admin, None);
        assert!(principal_of(&orphan, "acme", ProfileAccess::Read).is_err());
        let root = operator(Role::Root, None);
        let any = principal_of(&root, "other", ProfileAccess::Delete).unwrap();
        assert_eq!(
            any.orgs,
            OrgAccess::Only([OrgId::parse("other").unwrap()].into())
        );
    }
}
