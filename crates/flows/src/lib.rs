//! Flows: the Credentials API's multi-step operations (`/v1/orgs/{org}/flows/...`), composed
//! from the credential use cases. Pure domain, like the crates it builds on.

use latchkey_core::OrgId;
use latchkey_credential::{CredentialAttrs, CredentialError, CredentialService};
use latchkey_tenancy::Principal;
use latchkey_token::IssuedToken;

/// What `POST /flows/create_username` asks for: every field is required.
#[derive(Debug, Clone)]
pub struct CreateUsername<'a> {
    pub username: &'a str,
    pub customer_id: &'a str,
    pub msisdn: &'a str,
}

/// The flows.
#[derive(Debug, Clone)]
pub struct FlowService {
    credentials: CredentialService,
}

impl FlowService {
    pub fn new(credentials: CredentialService) -> Self {
        Self { credentials }
    }

    /// Endpoint 11: creates the credential (disabled, without a password) linked to the
    /// customer and the MSISDN, and answers the set-password token. `customer_id` must be
    /// non-blank and `msisdn` E.164; an existing username is `AlreadyExists`.
    pub async fn create_username(
        &self,
        caller: &Principal,
        org: &OrgId,
        input: CreateUsername<'_>,
    ) -> Result<IssuedToken, CredentialError> {
        let attrs = CredentialAttrs::parse(None, Some(input.customer_id), Some(input.msisdn))?;
        if attrs.customer_id.is_none() {
            return Err(CredentialError::Required("customer_id"));
        }
        self.credentials
            .create(caller, org, input.username, attrs)
            .await
    }
}
