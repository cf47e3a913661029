//! The subscribers directory as operators use it (`/subusers`, `/subuser/{id}`): list, count,
//! read, create, delete. Each use case checks the operator first
//! ([`SubscriberService::authorize`]), then acts through the Credentials API as the principal
//! the operator's security profile maps onto: a subscriber created here is a credential there,
//! and deleting one here is the Credentials API's soft delete.

use crate::{Holder, Subscriber, SubscriberError, SubscriberProfile, SubscriberQuery};
use crate::{SubscriberService, fields};
use latchkey_core::OrgId;
use latchkey_credential::{CredentialAttrs, Password, Username, UsernameKind};
use latchkey_operator::{Note, Operator, ProfileAccess};
use uuid::Uuid;

/// What an operator creates (`POST /subuser/0`).
#[derive(Debug)]
pub struct NewSubscriber {
    /// The e-mail address that becomes the credential's username.
    pub email: String,
    /// The initial password (the Credentials API's policy applies). Without one the credential
    /// stays disabled until a set-password link is followed.
    pub password: Option<Password>,
    /// Empty: the e-mail address.
    pub name: String,
    pub description: String,
    pub locale: String,
    pub location: String,
    /// Notes to start with, each written by the creating operator.
    pub notes: Vec<String>,
    /// A verification link is (to be) e-mailed: the profile says it is awaited.
    pub waiting_for_email_check: bool,
}

impl SubscriberService {
    /// The subscribers of `org` that `query` selects and `actor` may read.
    pub async fn list(
        &self,
        actor: &Operator,
        org: &OrgId,
        query: &SubscriberQuery,
    ) -> Result<Vec<Subscriber>, SubscriberError> {
        self.enter(actor, org, ProfileAccess::Read).await?;
        self.select(org, query).await
    }

    /// How many subscribers of `org` `query` selects, paging aside.
    pub async fn count(
        &self,
        actor: &Operator,
        org: &OrgId,
        query: &SubscriberQuery,
    ) -> Result<u64, SubscriberError> {
        self.enter(actor, org, ProfileAccess::Read).await?;
        Ok(self.ports.profiles.count(org, query).await?)
    }

    /// The subscriber `id` of `org`, for `actor`.
    pub async fn find(
        &self,
        actor: &Operator,
        org: &OrgId,
        id: Uuid,
    ) -> Result<Subscriber, SubscriberError> {
        self.enter(actor, org, ProfileAccess::Read).await?;
        self.get(org, id).await
    }

    /// The subscriber of `org` whose username is `username`, for `actor`.
    pub async fn find_by_username(
        &self,
        actor: &Operator,
        org: &OrgId,
        username: &str,
    ) -> Result<Subscriber, SubscriberError> {
        self.enter(actor, org, ProfileAccess::Read).await?;
        self.by_username(org, username).await
    }

    /// Creates the credential through the Credentials API (disabled, without a password, a
    /// set-password token issued), sets `new.password` with that token when there is one
    /// (enabling it), and writes the profile. The password is checked against the policy
    /// before anything is created.
    pub async fn create(
        &self,
        actor: &Operator,
        org: &OrgId,
        new: NewSubscriber,
    ) -> Result<Subscriber, SubscriberError> {
        let principal = self.authorize(actor, org, ProfileAccess::Create)?;
        let username =
            Username::parse(&new.email).map_err(|_| SubscriberError::Invalid("email"))?;
        if username.kind() != UsernameKind::Email {
            return Err(SubscriberError::Invalid("email"));
        }
        let name = match fields::name(&new.name)? {
            name if name.is_empty() => username.as_str().to_owned(),
            name => name,
        };
        let now = self.ports.clock.now();
        let mut profile = SubscriberProfile::new(uuid::Uuid::nil(), now);
        profile.name = name;
        profile.description = fields::description(&new.description)?;
        profile.locale = fields::locale(&new.locale)?;
        profile.location = fields::location(&new.location)?;
        profile.notes = new
            .notes
            .iter()
            .map(|n| fields::note(n))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .filter(|n| !n.is_empty())
            .map(|note| Note {
                created: now,
                created_by: actor.email.to_string(),
                note,
            })
            .collect();
        profile.waiting_for_email_check = new.waiting_for_email_check;
        profile.created_by = Some(actor.id);
        profile.modified_by = Some(actor.id);
        if let Some(password) = &new.password {
            password
                .check_policy(&username)
                .map_err(|e| SubscriberError::Credential(e.into()))?;
        }
        let credentials = &self.ports.credentials;
        let token = credentials
            .create(
                &principal,
                org,
                username.as_str(),
                CredentialAttrs::default(),
            )
            .await?;
        match &new.password {
            Some(password) => {
                credentials
                    .set_password(&principal, org, username.as_str(), token.expose(), password)
                    .await?;
            }
            // Nobody holds it: a set-password link is issued afresh when one is e-mailed.
            None => credentials.withdraw_token(org, &token).await?,
        }
        let credential = credentials
            .by_username(org, username.as_str())
            .await
            .map_err(SubscriberError::from_credential)?;
        profile.credential = credential.id;
        self.ports.profiles.put(org, profile.clone()).await?;
        Ok(Subscriber {
            org: org.clone(),
            credential,
            profile,
        })
    }

    /// The Credentials API's soft delete of the subscriber `id` (its password erased, its
    /// tokens revoked, its device sessions ended), then its profile, avatar and preferences.
    pub async fn remove(
        &self,
        actor: &Operator,
        org: &OrgId,
        id: Uuid,
    ) -> Result<(), SubscriberError> {
        let principal = self.authorize(actor, org, ProfileAccess::Delete)?;
        self.enter(actor, org, ProfileAccess::Delete).await?;
        let subscriber = self.get(org, id).await?;
        self.ports
            .credentials
            .delete(&principal, org, subscriber.credential.username.as_str())
            .await
            .map_err(SubscriberError::from_credential)?;
        self.ports.devices.unlink_all(org, id).await?;
        let holder = Holder::Subscriber(org.clone(), id);
        self.ports.avatars.delete(&holder).await?;
        self.ports.preferences.delete(&holder).await?;
        self.ports.profiles.delete(org, id).await?;
        Ok(())
    }

    /// The checks every operator's use case starts with: `actor` may `access` the
    /// subscribers of `org`, and the tenant exists and is enabled.
    pub async fn enter(
        &self,
        actor: &Operator,
        org: &OrgId,
        access: ProfileAccess,
    ) -> Result<(), SubscriberError> {
        self.authorize(actor, org, access)?;
        self.ports.credentials.login_tenant(org).await?;
        Ok(())
    }
}
