//! Signing in with a magic link (single use, unexpired): the link stands in for the password.
//! A login pending in the same browser for the same org continues (to the second factor when
//! the credential requires one, else back to its client); with none pending, a device session
//! starts and the customer lands on the tenant's landing URL.

use crate::record::Stage;
use crate::{Agent, Completion, LoginError, LoginFailure, LoginService, NewSession, Step};
use latchkey_core::{OrgId, RecordSecret};
use latchkey_credential::Credential;

/// A magic link used: the tenant its pages show, and where it leads.
#[derive(Debug, Clone)]
pub struct MagicLink {
    /// The tenant's display name.
    pub tenant: String,
    pub outcome: MagicOutcome,
}

/// Where a magic link leads.
#[derive(Debug, Clone)]
pub enum MagicOutcome {
    /// The browser's pending authorization finished: back to the client.
    Done(Completion),
    /// The credential requires a second factor: the pending login `id` now waits for it.
    SecondFactor {
        id: String,
        csrf: RecordSecret,
        step: Step,
    },
    /// Signed in, with no authorization pending: to the tenant's landing URL (the
    /// completion's `redirect`).
    Landing(Completion),
    /// Signed in, with no authorization pending and no landing URL for the tenant.
    SignedIn(Completion),
    /// The credential requires a second factor and no login is pending in this browser to ask
    /// for it: the customer signs in from the app.
    NeedsApp,
}

impl LoginService {
    /// Uses up the magic-link `token` and signs its credential in.
    pub async fn magic_link(
        &self,
        token: &str,
        agent: Agent<'_>,
    ) -> Result<MagicLink, LoginFailure> {
        let (org, credential) = self
            .credentials
            .redeem_magic_link(token)
            .await
            .map_err(LoginError::from)?;
        let tenant = self.tenant(&org).await?.name.as_str().to_owned();
        match self.after_magic_link(&org, credential, agent).await {
            Ok(outcome) => Ok(MagicLink { tenant, outcome }),
            Err(error) => Err(LoginFailure {
                error,
                tenant,
                ui_locales: None,
            }),
        }
    }

    async fn after_magic_link(
        &self,
        org: &OrgId,
        credential: Credential,
        agent: Agent<'_>,
    ) -> Result<MagicOutcome, LoginError> {
        let pending = match agent.browser.pending(org) {
            Some(id) => self
                .records
                .read(id)
                .await?
                .filter(|tx| &tx.request.org == org && tx.stage == Stage::Password)
                .map(|tx| (id.to_owned(), tx)),
            None => None,
        };
        let auth_time = self.ports.clock.now().unix_timestamp();
        if credential.require2fa {
            let Some((id, tx)) = pending else {
                return Ok(MagicOutcome::NeedsApp);
            };
            let step = self
                .to_second_factor(&id, &tx, &credential, auth_time, "email".to_owned())
                .await?;
            let csrf = tx.csrf.clone();
            return Ok(MagicOutcome::SecondFactor { id, csrf, step });
        }
        let amr = vec!["email".to_owned()];
        let Some((id, tx)) = pending else {
            return self.signed_in(org, &credential, agent).await;
        };
        let client = self
            .client(&tx.request.client_id)
            .await?
            .ok_or(LoginError::Expired)?;
        self.records.delete(&id).await?;
        let done = self
            .complete(
                &client,
                &tx.request,
                credential,
                None,
                auth_time,
                amr,
                agent,
            )
            .await?;
        Ok(MagicOutcome::Done(done))
    }

    /// A device session with no authorization pending (the new device stamps
    /// `last_login_at`), landing where the tenant says.
    async fn signed_in(
        &self,
        org: &OrgId,
        credential: &Credential,
        agent: Agent<'_>,
    ) -> Result<MagicOutcome, LoginError> {
        let (device, cookie) = self
            .devices()
            .start(org, credential.id, agent.user_agent)
            .await?;
        let notice_failed = self
            .announce(org, credential, &device, agent.language)
            .await
            .err()
            .map(|e| e.to_string());
        let landing = self.ports.landing_urls.get(org).cloned();
        let done = Completion {
            org: org.clone(),
            redirect: landing.clone().unwrap_or_default(),
            session: Some(NewSession {
                value: cookie.0,
                expires_at: device.expires_at,
            }),
            notice_failed,
            ciba_consent: None,
        };
        Ok(match landing {
            Some(_) => MagicOutcome::Landing(done),
            None => MagicOutcome::SignedIn(done),
        })
    }
}
