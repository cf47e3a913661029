//! An operator changes a subscriber (`PUT /subuser/{id}`): its profile, its password, its
//! second factor, its suspension. What lives on the credential changes through the Credentials
//! API (the password by a change-password token and endpoint 3, `enabled` and `require2fa` by
//! endpoint 4), so both APIs see one subscriber; suspending it also ends its device sessions.

use crate::{Subscriber, SubscriberError, SubscriberService, fields};
use latchkey_core::OrgId;
use latchkey_credential::Password;
use latchkey_operator::{MfaMethod, Mobile, Note, Operator, ProfileAccess};
use uuid::Uuid;

/// What an operator changes on a subscriber; `None` (or empty) leaves a field as it is.
#[derive(Debug, Default)]
pub struct SubscriberChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub location: Option<String>,
    pub locale: Option<String>,
    /// Disable (`true`) or enable (`false`) the credential.
    pub suspended: Option<bool>,
    /// Blacklisting also disables the credential; lifting it does not enable it again.
    pub blacklisted: Option<bool>,
    /// Notes appended, each written by the operator.
    pub notes: Vec<String>,
    /// A new password (the Credentials API's policy applies; every device session ends).
    pub password: Option<Password>,
    /// The second factor: `Some(None)` turns it off. Kept equal to `require2fa`.
    pub mfa: Option<Option<MfaMethod>>,
    pub mobiles: Option<Vec<Mobile>>,
    /// A verification link is (to be) e-mailed: the profile says it is awaited.
    pub waiting_for_email_check: Option<bool>,
}

impl SubscriberChanges {
    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.description.is_none()
            && self.location.is_none()
            && self.locale.is_none()
            && self.suspended.is_none()
            && self.blacklisted.is_none()
            && self.notes.is_empty()
            && self.password.is_none()
            && self.mfa.is_none()
            && self.mobiles.is_none()
            && self.waiting_for_email_check.is_none()
    }
}

impl SubscriberService {
    /// Applies `changes` to the subscriber `id` of `org` for `actor` (whose profile must grant
    /// MODIFY on `subscribers` in that org), and answers it as it is now.
    pub async fn modify(
        &self,
        actor: &Operator,
        org: &OrgId,
        id: Uuid,
        changes: SubscriberChanges,
    ) -> Result<Subscriber, SubscriberError> {
        let principal = self.authorize(actor, org, ProfileAccess::Modify)?;
        self.enter(actor, org, ProfileAccess::Modify).await?;
        let current = self.get(org, id).await?;
        if changes.is_empty() {
            return Ok(current);
        }
        let mut profile = current.profile.clone();
        let set = |field: &mut String, value: Option<String>| {
            if let Some(value) = value {
                *field = value;
            }
        };
        set(
            &mut profile.name,
            changes.name.as_deref().map(fields::name).transpose()?,
        );
        let description = changes.description.as_deref().map(fields::description);
        set(&mut profile.description, description.transpose()?);
        let location = changes.location.as_deref().map(fields::location);
        set(&mut profile.location, location.transpose()?);
        set(
            &mut profile.locale,
            changes.locale.as_deref().map(fields::locale).transpose()?,
        );
        let now = self.ports.clock.now();
        for note in &changes.notes {
            let note = fields::note(note)?;
            if !note.is_empty() {
                profile.notes.push(Note {
                    created: now,
                    created_by: actor.email.to_string(),
                    note,
                });
            }
        }
        if let Some(mobiles) = changes.mobiles {
            profile.mobiles = mobiles;
        }
        if let Some(mfa) = changes.mfa {
            check_mfa(mfa, profile.mfa, &profile.mobiles)?;
            profile.mfa = mfa;
        }
        if let Some(waiting) = changes.waiting_for_email_check {
            profile.waiting_for_email_check = waiting;
        }
        if let Some(blacklisted) = changes.blacklisted {
            profile.blacklisted = blacklisted;
        }
        let username = current.credential.username.as_str();
        let credentials = &self.ports.credentials;
        if let Some(password) = &changes.password {
            let token = credentials
                .change_password_token(&principal, org, username)
                .await?;
            credentials
                .set_password(&principal, org, username, token.expose(), password)
                .await?;
        }
        // Re-read: setting a password enables the credential.
        let credential = credentials
            .by_id(org, id)
            .await
            .map_err(SubscriberError::from_credential)?;
        let mut enabled = match changes.suspended {
            Some(suspended) => !suspended,
            None => credential.enabled,
        };
        if changes.blacklisted == Some(true) {
            enabled = false;
        }
        let require2fa = profile.mfa.is_some();
        if enabled != credential.enabled || require2fa != credential.require2fa {
            credentials
                .patch(&principal, org, username, enabled, Some(require2fa))
                .await?;
            if !enabled {
                self.ports.devices.unlink_all(org, id).await?;
            }
        }
        profile.modified_by = Some(actor.id);
        self.save_profile(org, profile).await?;
        self.get(org, id).await
    }
}

/// The second factor chosen must be one the subscriber can answer: SMS needs a mobile; the
/// authenticator is enrolled by the subscriber (`/subtotp`), never chosen by an operator.
fn check_mfa(
    chosen: Option<MfaMethod>,
    current: Option<MfaMethod>,
    mobiles: &[Mobile],
) -> Result<(), SubscriberError> {
    match chosen {
        Some(MfaMethod::Sms) if mobiles.is_empty() => Err(SubscriberError::Invalid("mobiles")),
        Some(MfaMethod::Authenticator) if current != chosen => Err(SubscriberError::Invalid("mfa")),
        _ => Ok(()),
    }
}
