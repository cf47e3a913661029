//! Signing a browser out (OpenID Connect RP-Initiated Logout 1.0): every device session it
//! carries ends (its refresh tokens with it).
//!
//! - `id_token_hint` names the client and the customer. It must be an ID token this server
//!   signed (our keys, our `iss`); an expired one is still a hint (§2). With `client_id` too,
//!   both must name the same client (§3).
//! - The customer confirms on a page unless a valid hint names the customer of every session
//!   the browser carries (§2: the OP SHOULD ask whether to log out): a logout URL made by
//!   anyone else, or without a hint, only shows that page. The page's form carries a
//!   single-use token that a cookie also carries (anti-forgery), and the request, checked,
//!   waits in the store for it.
//! - `post_logout_redirect_uri` must be one that very client registered for logout (ASVS
//!   V10.6.2), compared exactly; `state` goes back with it unchanged.

use crate::record::plausible_key;
use crate::redirect::with_params;
use crate::service::secret;
use crate::{Browser, LoginError, LoginService};
use latchkey_core::{OrgId, RecordSecret};
use latchkey_oauth::secret_key;
use latchkey_tenancy::ApiClient;
use serde::{Deserialize, Serialize};
use time::Duration;

/// How long the confirmation page may wait.
const CONFIRM_TTL: Duration = Duration::minutes(10);

/// The query (or form) of `/logout`.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogoutRequest<'a> {
    /// An ID token this server issued to the client (expired or not).
    pub id_token_hint: Option<&'a str>,
    /// The client, when there is no hint (or the hint's client).
    pub client_id: Option<&'a str>,
    /// Where to go afterwards: one of the client's registered post-logout redirect URIs.
    pub post_logout_redirect_uri: Option<&'a str>,
    /// Returned unchanged to `post_logout_redirect_uri`.
    pub state: Option<&'a str>,
}

/// A browser signed out.
#[derive(Debug, Clone)]
pub struct SignedOut {
    /// The orgs whose session the browser must forget (every one it carried).
    pub orgs: Vec<OrgId>,
    /// Back to the client, when the request named one of its post-logout redirect URIs.
    pub redirect: Option<String>,
    /// The display name of the client's tenant (else of the first session's), for the page;
    /// empty when none is known.
    pub tenant: String,
}

/// What `/logout` answers.
#[derive(Debug, Clone)]
pub enum Logout {
    /// Signed out.
    Done(SignedOut),
    /// The customer confirms first: the page's form posts `token` back, and a cookie carries
    /// it too. `redirect`: where the confirmed logout will go (the page's form must be allowed
    /// to lead there).
    Confirm {
        token: RecordSecret,
        tenant: String,
        redirect: Option<String>,
    },
}

/// A checked logout request waiting for the customer's confirmation.
#[derive(Debug, Serialize, Deserialize)]
struct Intent {
    redirect: Option<String>,
    org: Option<OrgId>,
}

/// A request whose hint, client and destination were checked.
struct Checked {
    org: Option<OrgId>,
    /// The customer the hint names.
    subject: Option<String>,
    redirect: Option<String>,
}

impl LoginService {
    /// Checks a logout request and signs `browser` out, or asks the customer to confirm.
    /// A hint that is not ours, or of another client than `client_id`, or an unknown client
    /// answers `UnknownClient`; a destination that client did not register, `BadRedirectUri`.
    /// Nothing is signed out then.
    pub async fn logout(
        &self,
        browser: &Browser,
        request: LogoutRequest<'_>,
    ) -> Result<Logout, LoginError> {
        let checked = self.check_logout(request).await?;
        let tenant = self.logout_tenant(checked.org.as_ref(), browser).await;
        if let Some(subject) = &checked.subject
            && self.only_sessions_of(browser, subject).await?
        {
            let orgs = self.end_sessions(browser).await?;
            return Ok(Logout::Done(SignedOut {
                orgs,
                redirect: checked.redirect,
                tenant,
            }));
        }
        let token = secret(self.ports.random.as_ref());
        let redirect = checked.redirect.clone();
        let intent = Intent {
            redirect: checked.redirect,
            org: checked.org,
        };
        self.records
            .put_json(&confirm_key(&token), &intent, CONFIRM_TTL)
            .await?;
        Ok(Logout::Confirm {
            token: RecordSecret::new(token),
            tenant,
            redirect,
        })
    }

    /// The customer confirmed on the page (the app checked that the form's token is the
    /// cookie's): the request it confirmed, once. `Expired` when it is unknown, used or older
    /// than ten minutes.
    pub async fn confirm_logout(
        &self,
        browser: &Browser,
        token: &str,
    ) -> Result<SignedOut, LoginError> {
        if !plausible_key(token) {
            return Err(LoginError::Expired);
        }
        let intent: Intent = self
            .records
            .take_json(&confirm_key(token))
            .await?
            .ok_or(LoginError::Expired)?;
        let tenant = self.logout_tenant(intent.org.as_ref(), browser).await;
        let orgs = self.end_sessions(browser).await?;
        Ok(SignedOut {
            orgs,
            redirect: intent.redirect,
            tenant,
        })
    }

    async fn check_logout(&self, request: LogoutRequest<'_>) -> Result<Checked, LoginError> {
        let given = |v: Option<&str>| v.filter(|s| !s.is_empty()).map(str::to_owned);
        let hinted = match given(request.id_token_hint) {
            None => None,
            Some(hint) => {
                let claims = self
                    .grants
                    .id_token_claims(&hint)
                    .ok_or(LoginError::UnknownClient)?;
                let client = hint_client(&claims).ok_or(LoginError::UnknownClient)?;
                let subject = claims["sub"]
                    .as_str()
                    .ok_or(LoginError::UnknownClient)?
                    .to_owned();
                Some((client, subject))
            }
        };
        let client_id = match (hinted.as_ref(), given(request.client_id)) {
            (Some((hint, _)), Some(named)) if *hint != named => {
                return Err(LoginError::UnknownClient);
            }
            (Some((hint, _)), _) => Some(hint.clone()),
            (None, named) => named,
        };
        let client = match client_id {
            Some(id) => Some(self.client(&id).await?.ok_or(LoginError::UnknownClient)?),
            None => None,
        };
        let redirect = match given(request.post_logout_redirect_uri) {
            None => None,
            Some(uri) => Some(destination(client.as_ref(), &uri, request.state)?),
        };
        Ok(Checked {
            org: client.as_ref().and_then(ApiClient::login_org).cloned(),
            subject: hinted.map(|(_, subject)| subject),
            redirect,
        })
    }

    /// Whether every live session `browser` carries is `subject`'s (none counts).
    async fn only_sessions_of(&self, browser: &Browser, subject: &str) -> Result<bool, LoginError> {
        for (org, secret) in browser.sessions() {
            if let Some(device) = self.devices().resume(org, secret).await?
                && device.credential.to_string() != subject
            {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Ends every device session `browser` carries; answers their orgs.
    async fn end_sessions(&self, browser: &Browser) -> Result<Vec<OrgId>, LoginError> {
        let mut orgs = Vec::new();
        for (org, secret) in browser.sessions() {
            if let Some(device) = self.devices().resume(org, secret).await? {
                self.devices().end(org, device.id).await?;
            }
            orgs.push(org.clone());
        }
        Ok(orgs)
    }

    /// The name of `org`'s tenant, else of the first session's; empty when none is enabled.
    async fn logout_tenant(&self, org: Option<&OrgId>, browser: &Browser) -> String {
        let Some(org) = org.or_else(|| browser.sessions().next().map(|(org, _)| org)) else {
            return String::new();
        };
        self.tenant(org)
            .await
            .map(|t| t.name.as_str().to_owned())
            .unwrap_or_default()
    }
}

/// The client an ID token was issued to: `azp`, else its one audience.
fn hint_client(claims: &serde_json::Value) -> Option<String> {
    if let Some(azp) = claims["azp"].as_str() {
        return Some(azp.to_owned());
    }
    match &claims["aud"] {
        serde_json::Value::String(aud) => Some(aud.clone()),
        serde_json::Value::Array(auds) => match auds.as_slice() {
            [serde_json::Value::String(only)] => Some(only.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// `uri` (with `state`), when `client` registered it for after a logout.
fn destination(
    client: Option<&ApiClient>,
    uri: &str,
    state: Option<&str>,
) -> Result<String, LoginError> {
    match client {
        Some(c) if c.has_post_logout_redirect_uri(uri) => Ok(match state {
            Some(state) => with_params(uri, '?', &[("state", state)]),
            None => uri.to_owned(),
        }),
        Some(_) | None => Err(LoginError::BadRedirectUri),
    }
}

fn confirm_key(token: &str) -> String {
    secret_key("logout", token)
}
