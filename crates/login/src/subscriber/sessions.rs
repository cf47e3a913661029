//! A subscriber's sessions: the tokens of a sign-in (a device session and the login server's
//! tokens for it), their rotating refresh (`grant_type=refresh_token`), sign-out
//! (`DELETE /suboauth2/{token}`) and the validation of a subscriber's token
//! (`/validateSubToken`, `?me=true`).

use super::errors::{from_auth, from_credential, from_device, from_subscriber, from_token};
use super::password::usable;
use super::{Caller, SubscriberSignIn, client_id, subscriber_scopes};
use crate::operator::{SignInError, WebToken};
use crate::{Authenticated, TokenSet};
use latchkey_access::AccessClaims;
use latchkey_core::{OrgId, Revocation, SecretString, Timestamp};
use latchkey_credential::Credential;
use latchkey_device::{Device, DeviceService};
use latchkey_subscriber::{Subscriber, SubscriberError};
use latchkey_tenancy::{ClientId, OrgAccess};
use std::sync::Arc;

/// A live subscriber's token: whose it is and what it says.
#[derive(Debug, Clone)]
pub struct ValidSubscriber {
    pub subscriber: Subscriber,
    pub claims: Arc<AccessClaims>,
    /// Seconds it still lives.
    pub expires_in: i64,
}

/// The one org of a customer's token (its tenant); `None` for any other token.
pub fn token_org(claims: &AccessClaims) -> Option<OrgId> {
    match (&claims.orgs, claims.credential) {
        (OrgAccess::Only(orgs), Some(_)) if orgs.len() == 1 => orgs.iter().next().cloned(),
        _ => None,
    }
}

impl SubscriberSignIn {
    /// Starts a device session of `credential`, signed in at `auth_time` by `amr`, and issues
    /// its tokens (the access token of the tenant's security-service client, the session's
    /// first refresh token); records the sign-in (`last_login_at`).
    pub(super) async fn start_session(
        &self,
        org: &OrgId,
        credential: &Credential,
        auth_time: i64,
        amr: &[&str],
        caller: Caller<'_>,
    ) -> Result<WebToken, SignInError> {
        let client = self.client(org).await?;
        let amr: Vec<String> = amr.iter().map(|m| (*m).to_owned()).collect();
        let signed_in_at = Timestamp::from_unix_timestamp(auth_time).unwrap_or_else(|_| self.now());
        let (device, _cookie) = self
            .ports
            .login
            .devices()
            .start_signed_in(
                org,
                credential.id,
                caller.user_agent,
                signed_in_at,
                amr.clone(),
            )
            .await
            .map_err(from_device)?;
        let credential = self
            .ports
            .login
            .credentials
            .stamp_login(org, credential.clone())
            .await
            .map_err(from_credential)?;
        let set = self
            .ports
            .login
            .grants
            .mint_in_session(
                &client,
                Authenticated {
                    org,
                    credential: &credential,
                    scope: subscriber_scopes(),
                    nonce: None,
                    auth_time,
                    amr: &amr,
                    offline_device: Some(&device),
                },
                Some(device.id),
            )
            .await
            .map_err(|e| from_token(e, false))?;
        self.web_token(&credential, &device, set)
    }

    /// New tokens for a refresh token of a `/suboauth2` sign-in (rotating: the one presented
    /// is refused from then on, and presenting it again ends the session). `CannotRefresh` for
    /// a token that is not live (unknown, used, of another client, its session over or
    /// unlinked); `Suspended` for a subscriber suspended or blacklisted since.
    pub async fn refresh(&self, refresh_token: &str) -> Result<WebToken, SignInError> {
        let refresh_token = refresh_token.trim();
        let org = DeviceService::refresh_org(refresh_token).ok_or(SignInError::CannotRefresh)?;
        let id = ClientId::parse(&client_id(&org)).map_err(SignInError::unavailable)?;
        let client = self
            .ports
            .clients
            .get(&id)
            .await?
            .ok_or(SignInError::CannotRefresh)?;
        let devices = self.ports.login.devices();
        // The subscriber's state before anything rotates: a suspended one keeps nothing. A
        // token that is not live goes on to the rotation all the same, which refuses it and,
        // for a rotated one presented again, ends its session.
        if let Some((_, live)) = devices
            .inspect_refresh(refresh_token)
            .await
            .map_err(from_device)?
        {
            usable(&self.subscriber_of(&org, live.credential).await?)?;
        }
        let set = self
            .ports
            .login
            .grants
            .refresh(&client, refresh_token, None)
            .await
            .map_err(|e| from_token(e, true))?;
        let next = set
            .refresh_token
            .as_deref()
            .ok_or_else(|| SignInError::unavailable("no refresh token was issued"))?;
        let (_, rotated) = devices
            .inspect_refresh(next)
            .await
            .map_err(from_device)?
            .ok_or(SignInError::CannotRefresh)?;
        let subscriber = self.subscriber_of(&org, rotated.credential).await?;
        let device = devices
            .get(&org, rotated.device)
            .await
            .map_err(from_device)?
            .ok_or(SignInError::CannotRefresh)?;
        self.web_token(&subscriber.credential, &device, set)
    }

    /// The subscriber of a refresh token; `CannotRefresh` when it is gone.
    async fn subscriber_of(
        &self,
        org: &OrgId,
        credential: uuid::Uuid,
    ) -> Result<Subscriber, SignInError> {
        match self.ports.subscribers.get(org, credential).await {
            Ok(subscriber) => Ok(subscriber),
            Err(SubscriberError::NotFound) => Err(SignInError::CannotRefresh),
            Err(e) => Err(from_subscriber(e)),
        }
    }

    /// Signs out the session of `access_token` (a live subscriber's token): its device
    /// session ends (its refresh tokens with it) and the token itself is refused by every
    /// instance at once. `InvalidToken` / `ExpiredToken` as [`SubscriberSignIn::validate`]
    /// would answer.
    pub async fn sign_out(&self, access_token: &str) -> Result<(), SignInError> {
        let verified = self
            .ports
            .access
            .verify(access_token)
            .await
            .map_err(from_auth)?;
        let claims = &verified.claims;
        let org = token_org(claims).ok_or(SignInError::InvalidToken)?;
        if let Some(session) = claims.sign_in.as_ref().and_then(|s| s.session) {
            self.ports
                .login
                .devices()
                .end(&org, session)
                .await
                .map_err(from_device)?;
        }
        let expires = Timestamp::from_unix_timestamp(claims.expires_at)
            .map_err(|_| SignInError::InvalidToken)?;
        self.ports.revoked.revoke(claims.jwt_id, expires).await?;
        self.ports
            .revocations
            .revoked(&Revocation::Token(claims.jwt_id))
            .await?;
        Ok(())
    }

    /// The subscriber of a live customer's token (the login server's or this sign-in's), as
    /// the Credentials API verifies it (cached; revocations heard from every instance):
    /// `ExpiredToken` for a genuine token past its expiry, `InvalidToken` for anything else
    /// that is not live (revoked, badly signed, a service token, its subscriber gone,
    /// suspended or blacklisted).
    pub async fn validate(&self, access_token: &str) -> Result<ValidSubscriber, SignInError> {
        let verified = self
            .ports
            .access
            .verify(access_token)
            .await
            .map_err(from_auth)?;
        let claims = verified.claims;
        let org = token_org(&claims).ok_or(SignInError::InvalidToken)?;
        let credential = claims.credential.ok_or(SignInError::InvalidToken)?;
        let subscriber = match self.ports.subscribers.get(&org, credential).await {
            Ok(subscriber) => subscriber,
            Err(SubscriberError::NotFound) => return Err(SignInError::InvalidToken),
            Err(e) => return Err(from_subscriber(e)),
        };
        if usable(&subscriber).is_err() {
            return Err(SignInError::InvalidToken);
        }
        Ok(ValidSubscriber {
            subscriber,
            expires_in: claims.expires_at - self.now().unix_timestamp(),
            claims,
        })
    }

    fn web_token(
        &self,
        credential: &Credential,
        device: &Device,
        set: TokenSet,
    ) -> Result<WebToken, SignInError> {
        let now = self.now();
        let refresh = set
            .refresh_token
            .ok_or_else(|| SignInError::unavailable("no refresh token was issued"))?;
        Ok(WebToken {
            access_token: SecretString::from(set.access_token),
            refresh_token: SecretString::from(refresh),
            expires_in: set.expires_in,
            // A refresh token lives as long as its device session, used or not.
            idle_timeout: (device.expires_at - now).whole_seconds().max(0),
            created: device.created_at.unix_timestamp(),
            username: credential.username.as_str().to_owned(),
            user_must_change_password: false,
            last_refresh: now.unix_timestamp(),
        })
    }
}
