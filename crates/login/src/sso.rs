//! Single sign-on: a browser with a live device session of the request's org signs in without
//! being asked, unless the request wants a fresh login (`prompt=login`) or the session is older
//! than its `max_age`, or the session's credential is no longer live and enabled.

use crate::{Agent, Completion, LoginError, LoginService};
use latchkey_credential::{Credential, CredentialError};
use latchkey_oauth::AuthRequest;
use latchkey_tenancy::ApiClient;

impl LoginService {
    /// Continues the browser's device session for `request`: `None` when the customer must
    /// sign in.
    pub(crate) async fn resume(
        &self,
        client: &ApiClient,
        request: &AuthRequest,
        agent: Agent<'_>,
    ) -> Result<Option<Completion>, LoginError> {
        let Some(cookie) = agent
            .browser
            .session(&request.org)
            .filter(|_| !request.force_login)
        else {
            return Ok(None);
        };
        let Some(device) = self.devices().resume(&request.org, cookie).await? else {
            return Ok(None);
        };
        let auth_time = device.created_at.unix_timestamp();
        let now = self.ports.clock.now().unix_timestamp();
        if request.max_age.is_some_and(|max| now - auth_time > max) {
            return Ok(None);
        }
        let credential = match self
            .credentials
            .by_id(&request.org, device.credential)
            .await
        {
            Ok(c) if c.enabled => c,
            Ok(_) | Err(CredentialError::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let amr = session_amr(&credential);
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
        Ok(Some(done))
    }
}

/// The methods of a session resumed without asking (RFC 8176): the password, and the second
/// factor the credential requires.
fn session_amr(credential: &Credential) -> Vec<String> {
    if credential.require2fa {
        vec!["pwd".to_owned(), "mfa".to_owned()]
    } else {
        vec!["pwd".to_owned()]
    }
}
