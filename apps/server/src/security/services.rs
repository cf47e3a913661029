//! The sibling services of the OpenWiFi stack (`LATCHKEY_SYSTEM_SERVICES`), and the check of a
//! service's own call: `X-INTERNAL-NAME` (the service's `type`, `privateUri` or `uri`) with
//! `X-API-KEY` (its `key`), as owsec's siblings send them.
//!
//! Keys are compared as SHA-256 digests in constant time, every configured service examined
//! whatever matched, so neither the answer's time nor its content says which part was wrong.

use latchkey_core::{ExposeSecret as _, SecretHash, SecretString};
use serde::Deserialize;
use std::sync::Arc;

/// One sibling service, as configured.
#[derive(Debug, Clone)]
pub struct SystemService {
    /// `owgw`, `owfms`, `owprov`...: what clients look for in `/systemEndpoints`.
    pub kind: String,
    pub id: u64,
    pub vendor: String,
    /// Its public URI.
    pub uri: String,
    /// Where services reach it; also a name it calls us with.
    pub private_uri: String,
    pub authentication_type: String,
    /// What `X-API-KEY` carries for it (redacted in `Debug`).
    key: SecretString,
    key_hash: SecretHash,
}

impl SystemService {
    /// Its key, for the one answer that hands it to another service (`/systemServices`).
    pub fn key(&self) -> &str {
        self.key.expose_secret()
    }

    fn is_named(&self, name: &str) -> bool {
        let name = name.trim().trim_end_matches('/');
        !name.is_empty()
            && (self.kind.eq_ignore_ascii_case(name)
                || self.private_uri.trim_end_matches('/') == name
                || self.uri.trim_end_matches('/') == name)
    }
}

/// `LATCHKEY_SYSTEM_SERVICES` as written.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Entry {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    id: u64,
    #[serde(default = "default_vendor")]
    vendor: String,
    uri: String,
    #[serde(default)]
    private_uri: String,
    #[serde(default = "default_authentication")]
    authentication_type: String,
    key: String,
}

fn default_vendor() -> String {
    "OpenWiFi".to_owned()
}

fn default_authentication() -> String {
    "internal_v1".to_owned()
}

/// A service key shorter than this is refused at start: it is all that stands between a caller
/// and `/validateToken`.
const MIN_KEY_LEN: usize = 16;

/// The configured sibling services (none when `LATCHKEY_SYSTEM_SERVICES` is not set). Cheap to
/// clone.
#[derive(Debug, Clone, Default)]
pub struct SystemServices(Arc<Vec<SystemService>>);

impl SystemServices {
    /// Reads the JSON list of `LATCHKEY_SYSTEM_SERVICES`; the message of a refusal names the
    /// entry and what is wrong, never a key.
    pub fn parse(json: &str) -> anyhow::Result<Self> {
        let entries: Vec<Entry> = serde_json::from_str(json).map_err(|e| {
            anyhow::anyhow!("LATCHKEY_SYSTEM_SERVICES is not a JSON list of services: {e}")
        })?;
        let mut services = Vec::with_capacity(entries.len());
        for (i, e) in entries.into_iter().enumerate() {
            let invalid = |what: &str| anyhow::anyhow!("LATCHKEY_SYSTEM_SERVICES[{i}]: {what}");
            if e.kind.trim().is_empty() {
                return Err(invalid("`type` is empty"));
            }
            for (field, uri) in [("uri", &e.uri), ("privateUri", &e.private_uri)] {
                let absolute = uri.starts_with("https://") || uri.starts_with("http://");
                if !(absolute || (field == "privateUri" && uri.is_empty())) {
                    return Err(invalid(&format!("`{field}` must be an http(s) URI")));
                }
            }
            if e.key.len() < MIN_KEY_LEN {
                return Err(invalid(&format!(
                    "`key` must be at least {MIN_KEY_LEN} characters"
                )));
            }
            services.push(SystemService {
                kind: e.kind.trim().to_owned(),
                id: e.id,
                vendor: e.vendor,
                uri: e.uri,
                private_uri: e.private_uri,
                authentication_type: e.authentication_type,
                key_hash: SecretHash::of(e.key.as_bytes()),
                key: SecretString::from(e.key),
            });
        }
        Ok(Self(Arc::new(services)))
    }

    /// The services of the configuration (none when it names none).
    pub fn from_config(config: &crate::config::ServerConfig) -> anyhow::Result<Self> {
        match &config.security.system_services {
            Some(json) => Self::parse(json.expose()),
            None => Ok(Self::default()),
        }
    }

    pub fn list(&self) -> &[SystemService] {
        &self.0
    }

    /// The service calling with `X-INTERNAL-NAME: internal_name` and `X-API-KEY: api_key`,
    /// when both are one configured service's; `None` otherwise (and always when none is
    /// configured).
    pub fn authenticate(&self, internal_name: &str, api_key: &str) -> Option<&SystemService> {
        let offered = SecretHash::of(api_key.as_bytes());
        let mut found = None;
        for service in self.0.iter() {
            // Every key is compared, matched name or not: the time does not depend on which.
            let key_matches = latchkey_core::ct_eq(service.key_hash.as_bytes(), offered.as_bytes());
            if key_matches && service.is_named(internal_name) && found.is_none() {
                found = Some(service);
            }
        }
        found
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    const CONFIG: &str = r#"[
        {"type": "owgw", "id": 2, "uri": "https://gw.example.com:16002",
         "privateUri": "https://owgw.internal:17002/", "key": "gateway-key-0123456789"},
        {"type": "owprov", "vendor": "Acme", "uri": "https://prov.example.com",
         "authenticationType": "owsec", "key": "provisioning-key-0123456789"}
    ]"#;

    #[test]
    fn a_service_authenticates_by_type_private_or_public_uri_with_its_own_key() {
        let services = SystemServices::parse(CONFIG).unwrap();
        for name in [
            "owgw",
            "OWGW",
            "https://owgw.internal:17002",
            "https://gw.example.com:16002/",
        ] {
            let found = services.authenticate(name, "gateway-key-0123456789");
            assert_eq!(found.map(|s| s.id), Some(2), "{name}");
        }
        assert!(
            services
                .authenticate("owgw", "provisioning-key-0123456789")
                .is_none(),
            "another service's key"
        );
        assert!(
            services
                .authenticate("owprov", "gateway-key-0123456789")
                .is_none()
        );
        assert!(
            services
                .authenticate("", "gateway-key-0123456789")
                .is_none()
        );
        assert!(services.authenticate("owgw", "").is_none());
        assert!(
            SystemServices::default()
                .authenticate("owgw", "gateway-key-0123456789")
                .is_none()
        );
    }

    #[test]
    fn defaults_fill_vendor_and_authentication_type() {
        let services = SystemServices::parse(CONFIG).unwrap();
        let gw = &services.list()[0];
        assert_eq!(
            (gw.vendor.as_str(), gw.authentication_type.as_str()),
            ("OpenWiFi", "internal_v1")
        );
        let prov = &services.list()[1];
        assert_eq!(
            (
                prov.vendor.as_str(),
                prov.authentication_type.as_str(),
                prov.id
            ),
            ("Acme", "owsec", 0)
        );
    }

    #[test]
    fn malformed_configurations_are_refused_without_showing_a_key() {
        for (json, expected) in [
            ("{}", "not a JSON list"),
            (
                r#"[{"type": "", "uri": "https://a", "key": "k-0123456789abcdef"}]"#,
                "[0]: `type`",
            ),
            (
                r#"[{"type": "a", "uri": "ftp://a", "key": "k-0123456789abcdef"}]"#,
                "`uri`",
            ),
            (
                r#"[{"type": "a", "uri": "https://a", "privateUri": "a", "key": "k-0123456789abcdef"}]"#,
                "`privateUri`",
            ),
            (
                r#"[{"type": "a", "uri": "https://a", "key": "short-key"}]"#,
                "`key`",
            ),
            (
                r#"[{"type": "a", "uri": "https://a", "key": "k-0123456789abcdef", "kee": 1}]"#,
                "unknown field",
            ),
        ] {
            let error = SystemServices::parse(json).unwrap_err().to_string();
            assert!(error.contains(expected), "{json}: {error}");
            assert!(
                !error.contains("short-key") && !error.contains("k-0123456789abcdef"),
                "{error}"
            );
        }
    }

    #[test]
    fn debug_shows_no_key() {
        let services = SystemServices::parse(CONFIG).unwrap();
        let shown = format!("{services:?}");
        assert!(!shown.contains("gateway-key"), "{shown}");
    }
}
