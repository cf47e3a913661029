//! CIBA's customer side: the approval page is a login (always asked, never single sign-on)
//! whose completion is not a code but a consent token for the approve-or-deny form; signing in
//! as anyone but the customer the request names is refused.

use crate::record::plausible_key;
use crate::{Completion, LoginError, LoginService, Started};
use latchkey_core::{OrgId, RecordSecret};
use latchkey_credential::Credential;
use latchkey_oauth::{AuthRequest, Decision, ResponseType, secret_key};
use serde::{Deserialize, Serialize};
use time::Duration;
use uuid::Uuid;

/// How long the approve-or-deny form may wait.
const CONSENT_TTL: Duration = Duration::minutes(5);

/// A backchannel request awaiting the customer, as the approval page shows it.
#[derive(Debug, Clone)]
pub struct CibaPrompt {
    pub started: Started,
    pub binding_message: Option<String>,
    pub client_name: String,
    pub username: String,
    /// The display name of the request's tenant (the page shows whose sign-in it is).
    pub tenant: String,
}

/// What a consent token stands for.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Consent {
    id: String,
    credential: Uuid,
    auth_time: i64,
    amr: Vec<String>,
}

impl LoginService {
    /// Starts the login that approves backchannel request `id` (the customer always signs in).
    pub async fn start_ciba(&self, id: &str) -> Result<CibaPrompt, LoginError> {
        let request = self
            .ports
            .ciba
            .pending(id)
            .await?
            .ok_or(LoginError::Expired)?;
        let client = self
            .client(&request.client_id)
            .await?
            .ok_or(LoginError::Expired)?;
        let tenant = self.tenant(&request.org).await?.name.as_str().to_owned();
        let auth = AuthRequest {
            client_id: request.client_id.clone(),
            org: request.org.clone(),
            redirect_uri: String::new(),
            redirect_uri_given: false,
            response_type: ResponseType::Code,
            state: String::new(),
            scope: request.scope.clone(),
            nonce: None,
            challenge: None,
            offline: false,
            login_hint: Some(request.username.clone()),
            force_login: true,
            no_prompt: false,
            max_age: None,
            ui_locales: None,
            ciba: Some(id.to_owned()),
        };
        let started = self.records.start(auth, self.ports.random.as_ref()).await?;
        Ok(CibaPrompt {
            started,
            binding_message: request.binding_message,
            client_name: client.name.as_str().to_owned(),
            username: request.username,
            tenant,
        })
    }

    /// The customer of a backchannel request signed in: a consent token for the approve-or-deny
    /// form. Signing in as anyone else answers `WrongAccount`.
    pub(crate) async fn consent(
        &self,
        org: &OrgId,
        id: &str,
        credential: &Credential,
        auth_time: i64,
        amr: Vec<String>,
    ) -> Result<Completion, LoginError> {
        let request = self
            .ports
            .ciba
            .pending(id)
            .await?
            .ok_or(LoginError::Expired)?;
        if request.credential != credential.id {
            return Err(LoginError::WrongAccount);
        }
        let token = crate::service::secret(self.ports.random.as_ref());
        let consent = Consent {
            id: id.to_owned(),
            credential: credential.id,
            auth_time,
            amr,
        };
        self.records
            .put_json(&consent_key(&token), &consent, CONSENT_TTL)
            .await?;
        Ok(Completion {
            org: org.clone(),
            redirect: String::new(),
            session: None,
            notice_failed: None,
            ciba_consent: Some(RecordSecret::new(token)),
        })
    }

    /// The customer approves or denies (once) the backchannel request their consent token is
    /// for. `false` when the request is no longer waiting.
    pub async fn ciba_decide(&self, consent: &str, approve: bool) -> Result<bool, LoginError> {
        if !plausible_key(consent) {
            return Err(LoginError::Expired);
        }
        let record: Consent = self
            .records
            .take_json(&consent_key(consent))
            .await?
            .ok_or(LoginError::Expired)?;
        let decision = if approve {
            Decision::Approved {
                auth_time: record.auth_time,
                amr: record.amr,
            }
        } else {
            Decision::Denied
        };
        Ok(self
            .ports
            .ciba
            .decide(&record.id, record.credential, &decision)
            .await?)
    }
}

fn consent_key(token: &str) -> String {
    secret_key("ciba-consent", token)
}
