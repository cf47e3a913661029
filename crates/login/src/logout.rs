//! Signing a browser out (RP-Initiated Logout 1.0): every device session it carries ends (its
//! refresh tokens with it); it goes back to the client only to one of that client's registered
//! redirect URIs.

use crate::redirect::with_params;
use crate::{Browser, LoginError, LoginService};
use latchkey_core::OrgId;
use latchkey_tenancy::ClientId;

/// The query of `/logout`.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogoutRequest<'a> {
    /// The client to go back to (its redirect URIs are the allowed destinations).
    pub client_id: Option<&'a str>,
    /// Where to go afterwards: one of the client's registered redirect URIs.
    pub post_logout_redirect_uri: Option<&'a str>,
    /// Returned unchanged to `post_logout_redirect_uri`.
    pub state: Option<&'a str>,
}

/// A browser signed out.
#[derive(Debug, Clone)]
pub struct SignedOut {
    /// The orgs whose session the browser must forget (every one it carried).
    pub orgs: Vec<OrgId>,
    /// Back to the client, when the request named one of its redirect URIs.
    pub redirect: Option<String>,
}

impl LoginService {
    /// Ends every device session `browser` carries, and says where it goes next.
    pub async fn logout(
        &self,
        browser: &Browser,
        request: LogoutRequest<'_>,
    ) -> Result<SignedOut, LoginError> {
        let mut orgs = Vec::new();
        for (org, secret) in browser.sessions() {
            if let Some(device) = self.devices().resume(org, secret).await? {
                self.devices().end(org, device.id).await?;
            }
            orgs.push(org.clone());
        }
        let redirect = match (request.client_id, request.post_logout_redirect_uri) {
            (Some(id), Some(uri)) if self.registered(id, uri).await => Some(match request.state {
                Some(state) => with_params(uri, '?', &[("state", state)]),
                None => uri.to_owned(),
            }),
            _ => None,
        };
        Ok(SignedOut { orgs, redirect })
    }

    /// Whether `uri` is one of the redirect URIs client `id` registered (a client that cannot
    /// be looked up has none).
    async fn registered(&self, id: &str, uri: &str) -> bool {
        let Ok(id) = ClientId::parse(id) else {
            return false;
        };
        self.clients
            .get(&id)
            .await
            .ok()
            .flatten()
            .is_some_and(|c| c.has_redirect_uri(uri))
    }
}
