//! The password step of a subscriber's sign-in (`POST /suboauth2 {userId, password,
//! newPassword?}`), and the forgotten password (`?forgotPassword=true`).

use super::errors::{from_credential, from_flow, from_login};
use super::{Caller, SubscriberSignIn};
use crate::operator::{SignInError, SignedIn};
use crate::{Agent, Browser};
use latchkey_core::OrgId;
use latchkey_credential::{Credential, CredentialError, Password};
use latchkey_flows::{ChangePassword, FlowError, ResetPassword};
use latchkey_notify::Language;
use latchkey_subscriber::Subscriber;
use latchkey_tenancy::{OrgAccess, Principal, Scope, TenantError};

/// RFC 8176 `amr` of a password.
pub(super) const PASSWORD: &str = "pwd";

/// The Credentials API caller the sign-in acts as for the subscriber's own password: the
/// security service, on the subscriber's tenant alone, with the one scope it needs.
fn security_service(org: &OrgId) -> Principal {
    Principal {
        subject: "security-service".to_owned(),
        scopes: [Scope::CredentialsWrite].into_iter().collect(),
        orgs: OrgAccess::Only([org.clone()].into()),
        credential: None,
        sign_in: None,
    }
}

/// Whether the subscriber may sign in at all, told only after the right password: not
/// suspended (its credential disabled) nor blacklisted (15), its e-mail address proved when a
/// check is pending (4).
pub(super) fn usable(subscriber: &Subscriber) -> Result<(), SignInError> {
    if subscriber.suspended() || subscriber.profile.blacklisted {
        return Err(SignInError::Suspended);
    }
    if subscriber.profile.waiting_for_email_check {
        return Err(SignInError::PendingVerification);
    }
    Ok(())
}

impl SubscriberSignIn {
    /// Signs a subscriber of `org` in with its username (`user_id`) and password, from
    /// `caller`: the login server's password step (slowed guessing per username and address,
    /// an unknown username costing the time of a wrong password: `InvalidCredentials` for
    /// both, `Throttled` while a wait runs), then, only once the password is right, the
    /// subscriber's state (`Suspended`, `PendingVerification`). A `new_password` replaces the
    /// password through the Credentials API (its policy: `PasswordInvalid`; the current one
    /// again: `PasswordAlreadyUsed`) and the sign-in goes on. A subscriber whose credential
    /// requires a second factor gets a challenge, any other the tokens of a new device session.
    pub async fn sign_in(
        &self,
        org: &OrgId,
        user_id: &str,
        password: &Password,
        new_password: Option<&Password>,
        caller: Caller<'_>,
    ) -> Result<SignedIn, SignInError> {
        let browser = Browser::default();
        let agent = Agent {
            address: caller.address,
            user_agent: caller.user_agent,
            language: Language::from_tag(None),
            browser: &browser,
        };
        let credential = self
            .ports
            .login
            .check_password(org, user_id.trim(), password, agent)
            .await
            .map_err(from_login)?;
        let auth_time = self.now().unix_timestamp();
        let subscriber = self.subscriber(org, credential.id).await?;
        usable(&subscriber)?;
        let credential = match new_password {
            Some(new) => self.change_password(org, credential, password, new).await?,
            None => credential,
        };
        if credential.require2fa {
            let challenge = self
                .challenge(org, &credential, &subscriber, auth_time)
                .await?;
            return Ok(SignedIn::Challenge(challenge));
        }
        let token = self
            .start_session(org, &credential, auth_time, &[PASSWORD], caller)
            .await?;
        Ok(SignedIn::Tokens(token))
    }

    /// Replaces the password of `credential` (whose password `old` was just checked) with
    /// `new`, through the Credentials API's password change: its policy, the "password
    /// changed" notice, and every other device session of the subscriber ended.
    async fn change_password(
        &self,
        org: &OrgId,
        credential: Credential,
        old: &Password,
        new: &Password,
    ) -> Result<Credential, SignInError> {
        // A credential keeps no history of passwords: the one it has is the one known used.
        if old.expose() == new.expose() {
            return Err(SignInError::PasswordAlreadyUsed);
        }
        let username = credential.username.as_str().to_owned();
        self.ports
            .flows
            .change_password(
                &security_service(org),
                org,
                ChangePassword {
                    username: &username,
                    old_password: Password::new(old.expose()),
                    new_password: Password::new(new.expose()),
                    language: None,
                },
            )
            .await
            .map_err(from_flow)?;
        self.ports
            .login
            .credentials
            .by_id(org, credential.id)
            .await
            .map_err(from_credential)
    }

    /// Sends the Credentials API's password-reset message (its link sets a new password on the
    /// login server) to the subscriber of `org` whose username is `user_id`. `Ok` whether or
    /// not there is one, and whether or not the message went (nothing tells who is a
    /// subscriber); only storage failures are errors. The Credentials API's limits per
    /// credential and per tenant hold: past them nothing is sent.
    pub async fn forgot_password(&self, org: &OrgId, user_id: &str) -> Result<(), SignInError> {
        let sent = self
            .ports
            .flows
            .reset_password(
                &security_service(org),
                org,
                ResetPassword {
                    username: user_id.trim(),
                    language: None,
                    hint: None,
                },
            )
            .await;
        match sent {
            Ok(()) => Ok(()),
            Err(FlowError::Credential(
                CredentialError::Store(s) | CredentialError::Tenant(TenantError::Store(s)),
            )) => Err(SignInError::Unavailable(s)),
            // A wrong, unknown or disabled username, a tenant that is not there: no one's, and
            // the same answer.
            Err(FlowError::Credential(_)) => Ok(()),
            Err(FlowError::RateLimiter(s) | FlowError::SecondFactorStore(s)) => {
                Err(SignInError::Unavailable(s))
            }
            // No contact, too many requests, a message not delivered: told to nobody.
            Err(
                FlowError::InvalidHint
                | FlowError::NoContact
                | FlowError::RateLimited { .. }
                | FlowError::Delivery(_)
                | FlowError::Code(_)
                | FlowError::MalformedCode
                | FlowError::Cipher(_),
            ) => Ok(()),
        }
    }
}
