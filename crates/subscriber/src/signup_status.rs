//! The registration after it is made: the registering party reads and moves it
//! (`signup_rules`), and the e-mailed link's page completes it.

use super::{MAX_REASON_CHARS, NOTE_AUTHOR, SignupError, Signups};
use crate::signup_rules::{self, Move};
use crate::{Signup, SignupStatus, Subscriber, SubscriberProfile};
use latchkey_core::OrgId;
use latchkey_credential::{Credential, CredentialError, Password, Username};
use latchkey_operator::Note;
use uuid::Uuid;

impl Signups {
    /// `PUT /signup?operation=poll`: the registration `signup` of `org`, as it stands (its
    /// credential may be gone: a withdrawn registration still answers its final state).
    pub async fn poll(&self, org: &OrgId, signup: Uuid) -> Result<(Signup, Uuid), SignupError> {
        let profile = self.find(org, signup).await?;
        let state = profile.signup.clone().ok_or(SignupError::NotFound)?;
        Ok((state, profile.credential))
    }

    /// `PUT /signup?operation=...`: moves the registration `signup` of `org` to `to` as
    /// [`signup_rules::advance`] allows (`Transition` otherwise). `reason`, when given, is kept
    /// as a note on the subscriber. Answers the registration after the move.
    pub async fn advance(
        &self,
        org: &OrgId,
        signup: Uuid,
        to: SignupStatus,
        reason: Option<&str>,
    ) -> Result<(Signup, Uuid), SignupError> {
        if let Some(reason) = reason
            && (reason.chars().count() > MAX_REASON_CHARS || reason.chars().any(char::is_control))
        {
            return Err(SignupError::InvalidReason);
        }
        let mut profile = self.find(org, signup).await?;
        let mut state = profile.signup.clone().ok_or(SignupError::NotFound)?;
        let refused = || SignupError::Transition {
            from: state.status.as_str(),
            to: to.as_str(),
        };
        let next = match signup_rules::advance(state.status, to).ok_or_else(refused)? {
            Move::Stay => return Ok((state, profile.credential)),
            Move::To(next) => next,
            Move::Withdraw(next) => {
                match self
                    .credentials()
                    .withdraw_registration(org, profile.credential)
                    .await
                {
                    // Gone already (deleted by an operator), or given a password meanwhile
                    // (an operator's reset: an account now, kept): the registration still ends.
                    Ok(_) | Err(CredentialError::NotFound | CredentialError::Disabled) => {}
                    Err(e) => return Err(e.into()),
                }
                profile.waiting_for_email_check = false;
                next
            }
        };
        let now = self.now();
        state.status = next;
        state.updated = now;
        profile.signup = Some(state.clone());
        profile.modified = now;
        if let Some(reason) = reason.map(str::trim).filter(|r| !r.is_empty()) {
            profile.notes.push(Note {
                created: now,
                created_by: NOTE_AUTHOR.to_owned(),
                note: format!("{}: {reason}", next.as_str()),
            });
        }
        self.profiles().put(org, profile.clone()).await?;
        Ok((state, profile.credential))
    }

    /// The page of the e-mailed link: the address a live link of a pending registration is
    /// for. `LinkInvalid` for any other link.
    pub async fn link_target(&self, raw: &str) -> Result<Username, SignupError> {
        let (org, credential) = self.credentials().email_token_target(raw).await?;
        self.pending_profile(&org, &credential).await?;
        Ok(credential.username)
    }

    /// The link's form: chooses the first password with the link, which proves the address;
    /// the credential is enabled and the registration becomes `emailVerified`. A password
    /// against the policy is refused before the link is used (`Password`).
    pub async fn complete(
        &self,
        raw: &str,
        password: &Password,
    ) -> Result<Subscriber, SignupError> {
        let (org, credential) = self.credentials().email_token_target(raw).await?;
        let mut profile = self.pending_profile(&org, &credential).await?;
        let (org, credential) = self.credentials().activate_by_email(raw, password).await?;
        let now = self.now();
        if let Some(state) = profile.signup.as_mut() {
            state.status = SignupStatus::EmailVerified;
            state.updated = now;
        }
        profile.waiting_for_email_check = false;
        profile.modified = now;
        self.profiles().put(&org, profile.clone()).await?;
        if let (Some(listener), Some(state)) = (&self.ports.listener, &profile.signup) {
            listener.email_verified(&org, state.uuid).await;
        }
        Ok(Subscriber {
            org,
            credential,
            profile,
        })
    }

    async fn find(&self, org: &OrgId, signup: Uuid) -> Result<SubscriberProfile, SignupError> {
        // A tenant that does not exist (or is disabled) has no registrations: asked before
        // its storage, which has no place for an unknown tenant's rows.
        self.ports
            .tenants
            .require_enabled(org)
            .await
            .map_err(SignupError::Tenant)?;
        let id = self
            .profiles()
            .find_by_signup(org, signup)
            .await?
            .ok_or(SignupError::NotFound)?;
        self.profiles()
            .get(org, id)
            .await?
            .filter(|p| p.signup.as_ref().is_some_and(|s| s.uuid == signup))
            .ok_or(SignupError::NotFound)
    }

    /// The profile of `credential` when it is a registration waiting for its link.
    async fn pending_profile(
        &self,
        org: &OrgId,
        credential: &Credential,
    ) -> Result<SubscriberProfile, SignupError> {
        self.profiles()
            .get(org, credential.id)
            .await?
            .filter(|p| is_pending(p, credential))
            .ok_or(SignupError::LinkInvalid)
    }
}

/// Whether `profile` is a registration waiting for its link, of a credential that never had a
/// password.
pub(super) fn is_pending(profile: &SubscriberProfile, credential: &Credential) -> bool {
    credential.password_hash.is_none()
        && profile
            .signup
            .as_ref()
            .is_some_and(|s| s.status == SignupStatus::InProgress)
}
