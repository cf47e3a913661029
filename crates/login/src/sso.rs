//! Single sign-on: a browser with a live device session of the request's org signs in without
//! being asked, unless the request wants a fresh login (`prompt=login`) or the session is older
//! than its `max_age`, or the session's credential is no longer live and enabled.
//!
//! What the session says is what happened in it (OpenID Connect Core §2): its `auth_time` and
//! `amr`, never the credential's current settings. A credential that came to require a second
//! factor after the session started (`require2fa` turned on) finds a session without one: the
//! customer is asked for the second factor (a step up), and `prompt=none` answers
//! `interaction_required`.

use crate::record::password_amr;
use crate::redirect::error_redirect;
use crate::{Agent, Authorization, Completion, LoginError, LoginFailure, LoginService, Step};
use latchkey_credential::{Credential, CredentialError};
use latchkey_device::Device;
use latchkey_oauth::AuthRequest;
use latchkey_tenancy::ApiClient;

/// What the browser's session does for a request.
#[derive(Debug)]
pub(crate) enum Resumed {
    /// No usable session: the customer signs in.
    No,
    /// Signed in by the session: back to the client.
    Done(Completion),
    /// The session's sign-in lacks the second factor its credential requires now.
    StepUp {
        credential: Box<Credential>,
        device: Box<Device>,
    },
}

impl LoginService {
    /// Continues the browser's device session for `request`.
    pub(crate) async fn resume(
        &self,
        client: &ApiClient,
        request: &AuthRequest,
        agent: Agent<'_>,
    ) -> Result<Resumed, LoginError> {
        let Some(cookie) = agent
            .browser
            .session(&request.org)
            .filter(|_| !request.force_login)
        else {
            return Ok(Resumed::No);
        };
        let Some(device) = self.devices().resume(&request.org, cookie).await? else {
            return Ok(Resumed::No);
        };
        let auth_time = device.auth_time.unix_timestamp();
        let now = self.ports.clock.now().unix_timestamp();
        if request.max_age.is_some_and(|max| now - auth_time > max) {
            return Ok(Resumed::No);
        }
        let credential = match self
            .credentials
            .by_id(&request.org, device.credential)
            .await
        {
            Ok(c) if c.enabled => c,
            Ok(_) | Err(CredentialError::NotFound) => return Ok(Resumed::No),
            Err(e) => return Err(e.into()),
        };
        if credential.require2fa && !device.has_second_factor() {
            return Ok(Resumed::StepUp {
                credential: Box::new(credential),
                device: Box::new(device),
            });
        }
        let amr = device.amr.clone();
        let done = self
            .complete(
                client,
                request,
                credential,
                Some(device),
                auth_time,
                amr,
                agent,
            )
            .await?;
        Ok(Resumed::Done(done))
    }

    /// A session without the second factor its credential now requires: the second-factor
    /// page (a login at that stage, its first factor the session's), or `interaction_required`
    /// for `prompt=none` (OpenID Connect Core §3.1.2.6). The login that follows replaces the
    /// session by one that records the second factor, keeping the session's `auth_time`: the
    /// password was given then, not now.
    pub(crate) async fn step_up(
        &self,
        request: AuthRequest,
        tenant: String,
        credential: &Credential,
        device: &Device,
    ) -> Authorization {
        if request.no_prompt {
            let location = error_redirect(
                self.grants.issuer(),
                &request,
                "interaction_required",
                "the customer must give a second factor, and prompt=none forbids asking",
            );
            return Authorization::Redirect {
                location,
                cause: None,
            };
        }
        let ui_locales = request.ui_locales.clone();
        match self.step_up_record(request, credential, device).await {
            Ok((started, Step::SecondFactor { totp, contacts })) => Authorization::SecondFactor {
                started,
                tenant,
                totp,
                contacts,
            },
            // `to_second_factor` only ever answers the second-factor step.
            Ok((_, Step::Done(_))) => Authorization::Refused(LoginFailure {
                error: LoginError::Expired,
                tenant,
                ui_locales,
            }),
            Err(error) => Authorization::Refused(LoginFailure {
                error,
                tenant,
                ui_locales,
            }),
        }
    }

    async fn step_up_record(
        &self,
        request: AuthRequest,
        credential: &Credential,
        device: &Device,
    ) -> Result<(crate::Started, Step), LoginError> {
        let started = self
            .records
            .start(request, self.ports.random.as_ref())
            .await?;
        let tx = self
            .records
            .read(&started.id)
            .await?
            .ok_or(LoginError::Expired)?;
        let first = device.amr.first().cloned().unwrap_or_else(password_amr);
        let step = self
            .to_second_factor(
                &started.id,
                &tx,
                credential,
                device.auth_time.unix_timestamp(),
                first,
            )
            .await?;
        Ok((started, step))
    }
}
