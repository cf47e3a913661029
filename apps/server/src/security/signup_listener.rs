//! Tells the provisioning service when a self-registration's address is proven, as owsec does:
//! `PUT {its privateUri}/api/v1/signup?signupUUID=&operation=emailVerified` with the body
//! `{"signupUUID": ...}`, `X-API-KEY` its key and `X-INTERNAL-NAME` this server. owprov keeps the
//! registration waiting for that call before it moves on to the device; without it, owprov would
//! have to poll (`PUT /signup?operation=poll`), which it does not.
//!
//! The provisioning service is the configured sibling of type `owprov`
//! (`LATCHKEY_SYSTEM_SERVICES`); with none configured nobody is told. The call runs in the
//! background: the person on the link's page does not wait for it, and a failure is logged,
//! never answered (the registration is `emailVerified` whatever the sibling says).

use crate::security::services::SystemServices;
use async_trait::async_trait;
use latchkey_core::{ExposeSecret as _, OrgId, SecretString};
use latchkey_subscriber::SignupListener;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// The type of the sibling that provisions devices for new subscribers.
pub const PROVISIONING: &str = "owprov";

/// How long the sibling has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The provisioning sibling, told over HTTP.
pub struct ProvisioningListener {
    client: reqwest::Client,
    /// Its `/api/v1/signup`.
    endpoint: String,
    key: SecretString,
    /// How this server names itself (`X-INTERNAL-NAME`): its public URL.
    name: String,
}

impl std::fmt::Debug for ProvisioningListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProvisioningListener")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl ProvisioningListener {
    /// The listener for the configured `owprov` (its `privateUri`, else its `uri`), if any.
    pub fn from_services(
        services: &SystemServices,
        public_url: &str,
    ) -> Option<Arc<dyn SignupListener>> {
        let service = services
            .list()
            .iter()
            .find(|s| s.kind.eq_ignore_ascii_case(PROVISIONING))?;
        let base = if service.private_uri.is_empty() {
            &service.uri
        } else {
            &service.private_uri
        };
        let client = reqwest::Client::builder().timeout(TIMEOUT).build().ok()?;
        Some(Arc::new(Self {
            client,
            endpoint: format!("{}/api/v1/signup", base.trim_end_matches('/')),
            key: SecretString::from(service.key().to_owned()),
            name: public_url.trim_end_matches('/').to_owned(),
        }))
    }

    async fn tell(
        client: reqwest::Client,
        endpoint: String,
        key: SecretString,
        name: String,
        signup: Uuid,
    ) {
        let signup_text = signup.to_string();
        let query = [
            ("signupUUID", signup_text.as_str()),
            ("operation", "emailVerified"),
        ];
        let url = match serde_urlencoded::to_string(query) {
            Ok(query) => format!("{endpoint}?{query}"),
            Err(e) => {
                tracing::warn!(%signup, error = %e, "a sign-up's query did not encode");
                return;
            }
        };
        let answer = client
            .put(url)
            .header("X-API-KEY", key.expose_secret())
            .header("X-INTERNAL-NAME", name)
            .json(&serde_json::json!({ "signupUUID": signup_text }))
            .send()
            .await;
        match answer {
            Ok(answer) if answer.status().is_success() => {
                tracing::info!(%signup, "the provisioning service was told of a verified sign-up");
            }
            Ok(answer) => tracing::warn!(
                %signup,
                status = answer.status().as_u16(),
                "the provisioning service refused a verified sign-up; it must poll"
            ),
            Err(e) => tracing::warn!(
                %signup,
                error = %e,
                "the provisioning service could not be told of a verified sign-up; it must poll"
            ),
        }
    }
}

#[async_trait]
impl SignupListener for ProvisioningListener {
    async fn email_verified(&self, _org: &OrgId, signup: Uuid) {
        tokio::spawn(Self::tell(
            self.client.clone(),
            self.endpoint.clone(),
            self.key.clone(),
            self.name.clone(),
            signup,
        ));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;

    fn listener(json: &str) -> Option<Arc<dyn SignupListener>> {
        let services = SystemServices::parse(json).unwrap();
        ProvisioningListener::from_services(&services, "https://sec.example.com/")
    }

    #[test]
    fn the_provisioning_sibling_is_reached_at_its_private_uri_else_its_uri() {
        let private = listener(
            r#"[{"type": "owgw", "uri": "https://gw.example.com", "key": "gateway-key-0123456789"},
                {"type": "OWPROV", "uri": "https://prov.example.com",
                 "privateUri": "https://owprov.internal:17004/", "key": "prov-key-0123456789"}]"#,
        )
        .unwrap();
        let shown = format!("{private:?}");
        assert!(
            shown.contains("https://owprov.internal:17004/api/v1/signup"),
            "{shown}"
        );
        assert!(!shown.contains("prov-key"), "{shown}");
        let public = listener(
            r#"[{"type": "owprov", "uri": "https://prov.example.com", "key": "prov-key-0123456789"}]"#,
        )
        .unwrap();
        assert!(format!("{public:?}").contains("https://prov.example.com/api/v1/signup"));
    }

    #[test]
    fn without_a_provisioning_sibling_nobody_is_told() {
        let none = r#"[{"type": "owgw", "uri": "https://gw.example.com", "key": "gateway-key-0123456789"}]"#;
        assert!(listener(none).is_none());
        assert!(listener("[]").is_none());
    }
}
