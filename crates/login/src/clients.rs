//! Which client a request to a token endpoint comes from (RFC 6749 §2.3, §3.2.1): a
//! confidential client proves itself with its secret; only a public client may name itself by
//! `client_id` alone (PKCE, or nothing it could not do anyway, stands in for the secret).

use latchkey_core::StoreError;
use latchkey_tenancy::{ApiClient, ClientId, ClientService};

/// How a request presents its client, as the app read it from the request.
#[derive(Debug, Clone)]
pub enum PresentedClient {
    /// Id and secret (HTTP Basic or the form), possibly in more than one reading (HTTP Basic's
    /// form-decoded pair first, then the raw one): the first that authenticates is the client.
    Secret(Vec<(String, String)>),
    /// A `client_id` alone.
    IdOnly(String),
    /// Nothing.
    Nothing,
}

/// Why a request's client is not accepted.
#[derive(Debug, thiserror::Error)]
pub enum ClientAuthError {
    #[error("client authentication is required (HTTP Basic)")]
    Required,
    #[error("client authentication failed")]
    Failed,
    #[error("client authentication failed (only a public client may omit its secret)")]
    SecretRequired,
    #[error("client lookup failed")]
    Unavailable(#[source] StoreError),
}

/// Authenticates the clients of token requests.
#[derive(Debug, Clone)]
pub struct ClientAuthenticator {
    clients: ClientService,
}

impl ClientAuthenticator {
    pub fn new(clients: ClientService) -> Self {
        Self { clients }
    }

    /// The client that `presented` proves, or, for `/token` and `/revoke` (RFC 7009 §5), the
    /// public client it names.
    pub async fn identify(&self, presented: PresentedClient) -> Result<ApiClient, ClientAuthError> {
        match presented {
            PresentedClient::Secret(candidates) => self.authenticate(&candidates).await,
            PresentedClient::Nothing => Err(ClientAuthError::Required),
            PresentedClient::IdOnly(id) => {
                let id = ClientId::parse(&id).map_err(|_| ClientAuthError::Required)?;
                match self
                    .clients
                    .get(&id)
                    .await
                    .map_err(ClientAuthError::Unavailable)?
                {
                    Some(client) if client.login.public => Ok(client),
                    Some(_) | None => Err(ClientAuthError::SecretRequired),
                }
            }
        }
    }

    /// The client whose id and secret are among `candidates` (`/introspect`, `/revoke` and
    /// `/bc-authorize` accept no other).
    pub async fn authenticate(
        &self,
        candidates: &[(String, String)],
    ) -> Result<ApiClient, ClientAuthError> {
        for (id, secret) in candidates {
            if let Some(client) = self
                .clients
                .authenticate(id, secret.as_bytes())
                .await
                .map_err(ClientAuthError::Unavailable)?
            {
                return Ok(client);
            }
        }
        Err(ClientAuthError::Failed)
    }
}
