//! Signing in with a magic link (single use, unexpired): the link stands in for the password.
//! A login pending in the same browser for the same org continues (to the second factor when
//! the credential requires one, else back to its client); with none pending, a device session
//! starts and the customer lands on the tenant's landing URL.
//!
//! Login CSRF (ASVS V3.5.3): opening a link only asks "continue as a•••@example.com?"
//! ([`LoginService::magic_link_offer`], which does not use the token up); the sign-in is the
//! answer to that page ([`LoginService::magic_link`]). Neither ever finishes a login pending in
//! the browser for another customer (its `login_hint`, or the customer its password named), nor
//! replaces the live session of another customer: both are refused (`OtherCustomer`).

use crate::record::Stage;
use crate::second_factor::mask;
use crate::{Agent, Completion, LoginError, LoginFailure, LoginService, LoginTx, NewSession, Step};
use latchkey_core::{OrgId, RecordSecret};
use latchkey_credential::{Credential, Username};

/// What opening a magic link shows: whom it signs in, masked.
#[derive(Debug, Clone)]
pub struct MagicOffer {
    /// The tenant's display name.
    pub tenant: String,
    /// The credential's username, masked (`a•••@example.com`).
    pub masked: String,
    /// Where continuing leads off this server, if it does: the client of the login pending in
    /// the browser, or the tenant's landing URL.
    pub continues_to: Option<String>,
    /// A fresh anti-forgery token for the page's form (and its cookie).
    pub csrf: RecordSecret,
}

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
        /// Where the login finishes.
        redirect_uri: String,
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
    /// Whom the magic-link `token` would sign in, without using it up: the page that asks the
    /// customer to continue. Refused as [`LoginService::magic_link`] would refuse it.
    pub async fn magic_link_offer(
        &self,
        token: &str,
        agent: Agent<'_>,
    ) -> Result<MagicOffer, LoginFailure> {
        let (org, credential) = self
            .credentials
            .peek_magic_link(token)
            .await
            .map_err(LoginError::from)?;
        let tenant = self.tenant(&org).await?.name.as_str().to_owned();
        let checked = self.pending_for(&org, &credential, agent).await;
        match checked {
            Ok(pending) => Ok(MagicOffer {
                tenant,
                masked: mask(credential.username.as_str()),
                continues_to: match pending {
                    Some((_, tx)) => Some(tx.request.redirect_uri),
                    None => self.ports.landing_urls.get(&org).cloned(),
                },
                csrf: RecordSecret::new(crate::service::secret(self.ports.random.as_ref())),
            }),
            Err(error) => Err(LoginFailure {
                error,
                tenant,
                ui_locales: None,
            }),
        }
    }

    /// Uses up the magic-link `token` and signs its credential in (the answer to the page of
    /// [`LoginService::magic_link_offer`]).
    pub async fn magic_link(
        &self,
        token: &str,
        agent: Agent<'_>,
    ) -> Result<MagicLink, LoginFailure> {
        // Checked before the token is used: a refused link stays usable elsewhere.
        let (org, credential) = self
            .credentials
            .peek_magic_link(token)
            .await
            .map_err(LoginError::from)?;
        let tenant = self.tenant(&org).await?.name.as_str().to_owned();
        let in_tenant = |error| LoginFailure {
            error,
            tenant: tenant.clone(),
            ui_locales: None,
        };
        self.pending_for(&org, &credential, agent)
            .await
            .map_err(in_tenant)?;
        let (org, credential) = self
            .credentials
            .redeem_magic_link(token)
            .await
            .map_err(|e| in_tenant(e.into()))?;
        match self.after_magic_link(&org, credential, agent).await {
            Ok(outcome) => Ok(MagicLink { tenant, outcome }),
            Err(error) => Err(in_tenant(error)),
        }
    }

    /// The login pending in the browser for `org` that a link of `credential` continues (one at
    /// the password step); `OtherCustomer` when the browser is signing in, or signed in, as
    /// someone else.
    async fn pending_for(
        &self,
        org: &OrgId,
        credential: &Credential,
        agent: Agent<'_>,
    ) -> Result<Option<(String, LoginTx)>, LoginError> {
        if let Some(cookie) = agent.browser.session(org)
            && let Some(device) = self.devices().resume(org, cookie).await?
            && device.credential != credential.id
        {
            return Err(LoginError::OtherCustomer);
        }
        let Some(id) = agent.browser.pending(org) else {
            return Ok(None);
        };
        let Some(tx) = self
            .records
            .read(id)
            .await?
            .filter(|tx| &tx.request.org == org)
        else {
            return Ok(None);
        };
        let hinted = tx.request.login_hint.as_deref().map(Username::parse);
        if let Some(hint) = hinted
            && hint.map_or(true, |h| h != credential.username)
        {
            return Err(LoginError::OtherCustomer);
        }
        match &tx.stage {
            Stage::Password => Ok(Some((id.to_owned(), tx))),
            Stage::SecondFactor { credential: c, .. } if *c != credential.id => {
                Err(LoginError::OtherCustomer)
            }
            Stage::SecondFactor { .. } => Ok(None),
        }
    }

    async fn after_magic_link(
        &self,
        org: &OrgId,
        credential: Credential,
        agent: Agent<'_>,
    ) -> Result<MagicOutcome, LoginError> {
        let pending = self.pending_for(org, &credential, agent).await?;
        let auth_time = self.ports.clock.now().unix_timestamp();
        if credential.require2fa {
            let Some((id, tx)) = pending else {
                return Ok(MagicOutcome::NeedsApp);
            };
            let step = self
                .to_second_factor(&id, &tx, &credential, auth_time, "email".to_owned())
                .await?;
            let csrf = tx.csrf.clone();
            let redirect_uri = tx.request.redirect_uri.clone();
            return Ok(MagicOutcome::SecondFactor {
                id,
                csrf,
                step,
                redirect_uri,
            });
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
        let username = credential.username.as_str().to_owned();
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
        self.remember_device(org, &username, &done).await?;
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
        // The browser's own session of this customer is replaced (another's was refused).
        if let Some(cookie) = agent.browser.session(org)
            && let Some(old) = self.devices().resume(org, cookie).await?
        {
            self.devices().end(org, old.id).await?;
        }
        // The session records what happened: a magic link, now (RFC 8176 `email`).
        let (device, cookie) = self
            .devices()
            .start_signed_in(
                org,
                credential.id,
                agent.user_agent,
                self.ports.clock.now(),
                vec!["email".to_owned()],
            )
            .await?;
        let notice_failed = self
            .announce(org, credential, &device, agent.language)
            .await
            .err()
            .map(|e| e.to_string());
        let landing = self.ports.landing_urls.get(org).cloned();
        let session = NewSession {
            value: cookie.0,
            expires_at: device.expires_at,
        };
        self.known
            .remember(org, credential.username.as_str(), &session)
            .await?;
        let done = Completion {
            org: org.clone(),
            redirect: landing.clone().unwrap_or_default(),
            session: Some(session),
            notice_failed,
            ciba_consent: None,
        };
        Ok(match landing {
            Some(_) => MagicOutcome::Landing(done),
            None => MagicOutcome::SignedIn(done),
        })
    }
}
