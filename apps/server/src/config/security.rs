//! Settings of the security service's operator plane (`/api/v1`): the first `root`, operator
//! token lifetimes, the sibling services it knows, and the certificate it serves HTTPS with.

use super::Secret;
use clap::Args;
use std::path::PathBuf;

/// The operator plane's settings, flattened into [`ServerConfig`](super::ServerConfig).
#[derive(Debug, Clone, Args)]
pub struct SecurityConfig {
    /// E-mail of the first `root` operator. When set and there is no operator at all, the
    /// server creates that `root` at start; it must change its password at first sign-in.
    #[arg(long, env = "LATCHKEY_ROOT_EMAIL")]
    pub root_email: Option<String>,

    /// Initial password of the first `root`. When not given, one is generated and printed once
    /// on standard output, like the bootstrap client's secret.
    #[arg(long, env = "LATCHKEY_ROOT_PASSWORD", hide_env_values = true)]
    pub root_password: Option<Secret>,

    /// Lifetime of an operator's access token (`/api/v1/oauth2`), in seconds.
    #[arg(long, env = "LATCHKEY_OPERATOR_TOKEN_TTL", default_value_t = 3_600,
          value_parser = clap::value_parser!(u32).range(60..=86_400))]
    pub operator_token_ttl: u32,

    /// Lifetime of an operator's sign-in session (its refresh tokens die with it), in seconds.
    #[arg(long, env = "LATCHKEY_OPERATOR_SESSION_TTL", default_value_t = 2_592_000,
          value_parser = clap::value_parser!(u32).range(300..=31_536_000))]
    pub operator_session_ttl: u32,

    /// A refresh token unused for this long is refused (the operator signs in again), in
    /// seconds.
    #[arg(long, env = "LATCHKEY_OPERATOR_IDLE_TIMEOUT", default_value_t = 86_400,
          value_parser = clap::value_parser!(u32).range(60..=31_536_000))]
    pub operator_idle_timeout: u32,

    /// The sibling services of the OpenWiFi stack, as a JSON list:
    /// `[{"type": "owgw", "id": 1, "vendor": "OpenWiFi", "uri": "https://gw.example.com:16002",
    /// "privateUri": "https://owgw.internal:17002", "authenticationType": "owsec",
    /// "key": "..."}]`. `/api/v1/systemEndpoints` publishes them (without `privateUri` and
    /// `key`); a service calls with `X-INTERNAL-NAME` (its `type` or `privateUri`) and
    /// `X-API-KEY` (its `key`). Malformed: the server does not start.
    #[arg(long, env = "LATCHKEY_SYSTEM_SERVICES", hide_env_values = true)]
    pub system_services: Option<Secret>,

    /// The org (tenant) whose subscribers `/api/v1/subusers`, `/suboauth2`, `/signup` and the
    /// other subscriber endpoints address when the caller names none: an operator reaches its
    /// own org, anyone else may name one with the `X-Latchkey-Org` header. Without it (and
    /// without the header) those calls answer 400. Not an org id: the server does not start.
    #[arg(long, env = "LATCHKEY_SUBSCRIBER_ORG", value_parser = parse_org)]
    pub subscriber_org: Option<latchkey_core::OrgId>,

    /// Most self-registrations (`POST /api/v1/signup`) asked for one e-mail address, every
    /// tenant together, as `N/PERIOD` (each sends that address a message). Over it: 429 with
    /// Retry-After, and nothing is sent.
    #[arg(long, env = "LATCHKEY_SIGNUP_RATE_PER_ADDRESS", default_value = "3/1h")]
    pub signup_rate_per_address: latchkey_core::Rate,

    /// Most self-registrations asked from one client address, as `N/PERIOD`. Over it: 429.
    /// Behind a proxy every client shares its address.
    #[arg(long, env = "LATCHKEY_SIGNUP_RATE_PER_CLIENT", default_value = "30/1h")]
    pub signup_rate_per_client: latchkey_core::Rate,

    /// PEM file of the certificate (and its chain) to serve HTTPS with. With
    /// LATCHKEY_TLS_KEY, the server listens with TLS only (HTTP/1.1 and HTTP/2); a file that
    /// cannot be read, or a key that does not match, stops the start.
    #[arg(long, env = "LATCHKEY_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// PEM file of the certificate's private key (PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "LATCHKEY_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

fn parse_org(raw: &str) -> Result<latchkey_core::OrgId, String> {
    latchkey_core::OrgId::parse(raw.trim()).map_err(|e| format!("not an org id: {e}"))
}

impl SecurityConfig {
    /// The certificate and key paths, when HTTPS is configured.
    pub fn tls(&self) -> Option<(&std::path::Path, &std::path::Path)> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some((cert, key)),
            _ => None,
        }
    }
}
