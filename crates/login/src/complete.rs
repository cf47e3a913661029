//! Finishing a login: the device session (a new device is announced to the customer), then the
//! code — or, for a client allowed the implicit grant, the token — for the client.

use crate::redirect::with_params;
use crate::{Agent, Authenticated, LoginError, LoginService};
use latchkey_core::{OrgId, RecordSecret, Timestamp};
use latchkey_credential::Credential;
use latchkey_device::{Device, SessionSecret};
use latchkey_notify::{Language, Message, TemplateId};
use latchkey_oauth::{AuthCode, AuthRequest, ResponseType};
use latchkey_tenancy::{ApiClient, Scope};

/// A finished login: where the browser goes, and the device session to remember (when a new
/// one started).
#[derive(Debug, Clone)]
pub struct Completion {
    pub org: OrgId,
    /// Empty for a sign-in with no authorization pending.
    pub redirect: String,
    pub session: Option<NewSession>,
    /// The "new device" notice could not be sent (the login stands).
    pub notice_failed: Option<String>,
    /// A login that approves a backchannel request: the token of the approve-or-deny form
    /// (no code, no session).
    pub ciba_consent: Option<RecordSecret>,
}

/// A device session that just started: the browser keeps its secret (a cookie) until it ends.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub value: SessionSecret,
    pub expires_at: Timestamp,
}

impl LoginService {
    /// Finishes a login: the device session with `last_login_at` (a new device is announced to
    /// the customer), then the code (or token) for the client.
    #[allow(
        clippy::too_many_arguments,
        reason = "one completed login, spelled out"
    )]
    pub(crate) async fn complete(
        &self,
        client: &ApiClient,
        request: &AuthRequest,
        credential: Credential,
        device: Option<Device>,
        auth_time: i64,
        amr: Vec<String>,
        agent: Agent<'_>,
    ) -> Result<Completion, LoginError> {
        let org = &request.org;
        if let Some(id) = &request.ciba {
            return self.consent(org, id, &credential, auth_time, amr).await;
        }
        let (device, session, notice_failed) = match device {
            // A session resumed as it is (single sign-on); the login is stamped all the same.
            Some(device) => {
                self.credentials
                    .stamp_login(org, credential.clone())
                    .await?;
                (device, None, None)
            }
            None => {
                self.new_session(org, &credential, auth_time, &amr, agent)
                    .await?
            }
        };
        let redirect = match request.response_type {
            ResponseType::Code => {
                let code = self
                    .grants
                    .codes()
                    .issue(&AuthCode {
                        client_id: request.client_id.clone(),
                        redirect_uri: request.redirect_uri.clone(),
                        redirect_uri_given: request.redirect_uri_given,
                        challenge: request.challenge.clone(),
                        org: org.clone(),
                        credential: credential.id,
                        username: credential.username.as_str().to_owned(),
                        scope: request.scope.clone(),
                        nonce: request.nonce.clone(),
                        auth_time,
                        amr,
                        device: device.id,
                        offline: request.offline,
                    })
                    .await?;
                with_params(
                    &request.redirect_uri,
                    '?',
                    &[
                        ("code", code.as_str()),
                        ("state", request.state.as_str()),
                        ("iss", self.grants.issuer()),
                    ],
                )
            }
            ResponseType::Token => {
                self.implicit(client, request, &credential, auth_time, &amr, device.id)
                    .await?
            }
        };
        Ok(Completion {
            org: org.clone(),
            redirect,
            session,
            notice_failed,
            ciba_consent: None,
        })
    }

    /// A login replaces the session the browser had; the new one keeps how and when the
    /// customer signed in (`auth_time`, `amr`). The device is new, and announced, only if the
    /// browser had none of this customer's.
    async fn new_session(
        &self,
        org: &OrgId,
        credential: &Credential,
        auth_time: i64,
        amr: &[String],
        agent: Agent<'_>,
    ) -> Result<(Device, Option<NewSession>, Option<String>), LoginError> {
        let previous = match agent.browser.session(org) {
            Some(cookie) => self.devices().resume(org, cookie).await?,
            None => None,
        };
        if let Some(old) = &previous {
            self.devices().end(org, old.id).await?;
        }
        let known = previous.is_some_and(|d| d.credential == credential.id);
        let signed_in_at =
            Timestamp::from_unix_timestamp(auth_time).unwrap_or_else(|_| self.ports.clock.now());
        let (device, cookie) = self
            .devices()
            .start_signed_in(
                org,
                credential.id,
                agent.user_agent,
                signed_in_at,
                amr.to_vec(),
            )
            .await?;
        let notice = if known {
            None
        } else {
            self.announce(org, credential, &device, agent.language)
                .await
                .err()
                .map(|e| e.to_string())
        };
        let session = NewSession {
            value: cookie.0,
            expires_at: device.expires_at,
        };
        Ok((device, Some(session), notice))
    }

    /// The implicit grant's redirect (RFC 6749 §4.2.2): the access token in the fragment.
    async fn implicit(
        &self,
        client: &ApiClient,
        request: &AuthRequest,
        credential: &Credential,
        auth_time: i64,
        amr: &[String],
        session: uuid::Uuid,
    ) -> Result<String, LoginError> {
        let set = self
            .grants
            .mint_in_session(
                client,
                Authenticated {
                    org: &request.org,
                    credential,
                    scope: request
                        .scopes()
                        .without([Scope::Openid].into_iter().collect()),
                    nonce: None,
                    auth_time,
                    amr,
                    offline_device: None,
                },
                Some(session),
            )
            .await?;
        let expires_in = set.expires_in.to_string();
        let scope = set.scope.to_string();
        Ok(with_params(
            &request.redirect_uri,
            '#',
            &[
                ("access_token", set.access_token.as_str()),
                ("token_type", "Bearer"),
                ("expires_in", expires_in.as_str()),
                ("scope", scope.as_str()),
                ("state", request.state.as_str()),
                ("iss", self.grants.issuer()),
            ],
        ))
    }

    /// "A sign-in from a new device", to the credential's first contact (none: nothing sent).
    pub(crate) async fn announce(
        &self,
        org: &OrgId,
        credential: &Credential,
        device: &Device,
        language: Language,
    ) -> Result<(), LoginError> {
        let Some(to) = latchkey_flows::contacts(credential).into_iter().next() else {
            return Ok(());
        };
        let tenant = self.tenant(org).await?;
        let message = Message::new(
            TemplateId::NewDevice,
            language,
            to.channel,
            to.address,
            tenant.name.as_str(),
        )
        .with("username", credential.username.as_str())
        .with("device", &device.alias);
        self.ports
            .notifier
            .send(&message)
            .await
            .map_err(LoginError::Delivery)
    }
}
