//! Server configuration: every setting is a flag and a `LATCHKEY_` environment variable, and
//! `latchkey --help` documents them all.

use clap::{Args, ValueEnum};
use latchkey_core::Rate;
use std::fmt;
use std::net::SocketAddr;

mod security;
pub use security::SecurityConfig;

/// A setting that is a secret, or carries one (a URL with a password in it): it never prints,
/// so neither does the configuration (`{:?}` of [`ServerConfig`] shows `[REDACTED]`).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The value, for the one place that uses it (a connection, a key).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Settings of the HTTP server.
#[derive(Debug, Clone, Args)]
pub struct ServerConfig {
    /// Address and port to listen on.
    #[arg(long, env = "LATCHKEY_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Public base URL of this server; also the `iss` of the tokens it signs.
    /// Default: `http://` (`https://` with a certificate) followed by the listen address.
    #[arg(long, env = "LATCHKEY_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// The `aud` of access tokens for the Latchkey APIs (tokens with another audience get 401).
    #[arg(long, env = "LATCHKEY_AUDIENCE", default_value = "latchkey")]
    pub audience: String,

    /// Lifetime of access tokens, in seconds.
    #[arg(long, env = "LATCHKEY_ACCESS_TOKEN_TTL", default_value_t = 900,
          value_parser = clap::value_parser!(u32).range(1..=86_400))]
    pub access_token_ttl: u32,

    /// Lifetime of set-password and change-password tokens, in seconds.
    #[arg(long, env = "LATCHKEY_SECURITY_TOKEN_TTL", default_value_t = 86_400,
          value_parser = clap::value_parser!(u32).range(1..=2_592_000))]
    pub security_token_ttl: u32,

    /// Magic-link token lifetime, in seconds.
    #[arg(long, env = "LATCHKEY_MAGIC_LINK_TTL", default_value_t = 900,
          value_parser = clap::value_parser!(u32).range(60..=86_400))]
    pub magic_link_ttl: u32,

    /// Lifetime of a device session (a customer's login on one browser or app), in seconds; its
    /// refresh tokens die with it.
    #[arg(long, env = "LATCHKEY_SESSION_TTL", default_value_t = 2_592_000,
          value_parser = clap::value_parser!(u32).range(300..=31_536_000))]
    pub session_ttl: u32,

    /// Whether the login pages' cookies carry `Secure` (sent over HTTPS only). Browsers treat
    /// `http://localhost` as secure; turn it off only to test over plain HTTP on another host.
    #[arg(long, env = "LATCHKEY_COOKIE_SECURE", default_value_t = true,
          action = clap::ArgAction::Set)]
    pub cookie_secure: bool,

    /// Where a magic link takes a customer when no login is pending in their browser, per org:
    /// comma-separated `org=https://...` (e.g. `masmovil=https://www.masmovil.es/area-cliente`).
    /// An org without one shows a "you are signed in" page.
    #[arg(long, env = "LATCHKEY_LANDING_URLS", default_value = "")]
    pub landing_urls: String,

    /// Tenants to create at start, comma-separated, each `id` or `id=Display Name`
    /// (e.g. `masmovil=MásMóvil,yoigo=Yoigo`). Existing tenants are left as they are.
    #[arg(long, env = "LATCHKEY_TENANTS", default_value = "masmovil,yoigo")]
    pub tenants: String,

    /// Id of the bootstrap client, which has every scope on every org.
    #[arg(
        long,
        env = "LATCHKEY_BOOTSTRAP_CLIENT_ID",
        default_value = "latchkey-admin"
    )]
    pub bootstrap_client_id: String,

    /// Secret of the bootstrap client. When not given, one is generated and printed once at start.
    #[arg(long, env = "LATCHKEY_BOOTSTRAP_CLIENT_SECRET", hide_env_values = true)]
    pub bootstrap_client_secret: Option<Secret>,

    /// HTTP worker threads. Default: one per CPU core.
    #[arg(long, env = "LATCHKEY_WORKERS")]
    pub workers: Option<usize>,

    /// Password hashes (argon2id, ~19 MiB each) allowed to run at once. Default: one per CPU core.
    #[arg(long, env = "LATCHKEY_HASH_CONCURRENCY")]
    pub hash_concurrency: Option<usize>,

    /// Longest time a request may take before it is answered 503, in seconds.
    #[arg(long, env = "LATCHKEY_REQUEST_TIMEOUT", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..=600))]
    pub request_timeout: u32,

    /// PostgreSQL URL (`postgres://user:password@host:5432/database`). Absent: dev mode, on
    /// in-memory storage that is lost when the server stops.
    #[arg(long, env = "LATCHKEY_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<Secret>,

    /// Most PostgreSQL connections this server's workers open, split evenly among them (each
    /// worker thread drives its own); start-up and background work use one or two more.
    /// Default: two per worker. More connections than the database has cores only queue up
    /// inside PostgreSQL, where they contend on its locks.
    #[arg(long, env = "LATCHKEY_DATABASE_POOL_SIZE",
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub database_pool_size: Option<u32>,

    /// Longest time opening one PostgreSQL connection may take, in milliseconds.
    #[arg(long, env = "LATCHKEY_DATABASE_CONNECT_TIMEOUT_MS", default_value_t = 5_000,
          value_parser = clap::value_parser!(u64).range(100..=600_000))]
    pub database_connect_timeout_ms: u64,

    /// Deadline of one database operation (waiting for a connection, connecting, and its
    /// statements), in milliseconds; also PostgreSQL's `statement_timeout`. When the database
    /// is down, requests answer 503 within it.
    #[arg(long, env = "LATCHKEY_DATABASE_STATEMENT_TIMEOUT_MS", default_value_t = 5_000,
          value_parser = clap::value_parser!(u64).range(100..=600_000))]
    pub database_statement_timeout_ms: u64,

    /// Redis URL (`redis://[:password@]host:6379[/db]`) for one-time codes, resend throttles,
    /// TOTP replay markers and rate limits, shared by every server instance. Absent: kept in
    /// this process (enough for one instance). When Redis is down, the second-factor endpoints
    /// and the rate-limited flows answer 503; the rest of the API keeps working.
    #[arg(long, env = "LATCHKEY_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<Secret>,

    /// Prefix of every Redis key, so that several deployments can share one Redis.
    #[arg(long, env = "LATCHKEY_REDIS_PREFIX", default_value = "latchkey:")]
    pub redis_prefix: String,

    /// Deadline of one Redis operation (connecting included), in milliseconds.
    #[arg(long, env = "LATCHKEY_REDIS_TIMEOUT_MS", default_value_t = 1_000,
          value_parser = clap::value_parser!(u64).range(50..=60_000))]
    pub redis_timeout_ms: u64,

    /// Key that encrypts TOTP secrets at rest (AES-256-GCM): 32 bytes in standard base64
    /// (`openssl rand -base64 32`). Absent: dev mode generates one (secrets die with the
    /// process); on a database the TOTP endpoints answer 503. Malformed: the server does not start.
    #[arg(long, env = "LATCHKEY_DATA_KEY", hide_env_values = true)]
    pub data_key: Option<Secret>,

    /// SMTP server for e-mail: `smtp://host:25` (no TLS: a local relay),
    /// `smtp://user:password@host:587?tls=required` (STARTTLS, refused if the server cannot) or
    /// `smtps://user:password@host:465` (TLS from the start). Absent: in dev mode e-mails are
    /// printed on standard output; on a database, flows that send e-mail answer 503.
    #[arg(long, env = "LATCHKEY_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<Secret>,

    /// The sender of e-mails (`Name <address>` or `address`).
    #[arg(
        long,
        env = "LATCHKEY_SMTP_FROM",
        default_value = "Latchkey <no-reply@localhost>"
    )]
    pub smtp_from: String,

    /// SMS gateway URL (http:// or https://); each SMS is POSTed to it as JSON
    /// `{"to", "from", "text"}`, and any non-2xx answer is a failure. Absent: in dev mode SMS are
    /// printed on standard output; on a database, flows that send SMS answer 503.
    #[arg(long, env = "LATCHKEY_SMS_URL")]
    pub sms_url: Option<String>,

    /// Bearer token sent to the SMS gateway (`Authorization: Bearer ...`), when it needs one.
    #[arg(long, env = "LATCHKEY_SMS_TOKEN", hide_env_values = true)]
    pub sms_token: Option<Secret>,

    /// The `from` of every SMS (a sender id or number).
    #[arg(long, env = "LATCHKEY_SMS_FROM", default_value = "Latchkey")]
    pub sms_from: String,

    /// Longest the delivery of one message (to the SMTP server or the SMS gateway, retries
    /// included) may take, in milliseconds; past it the request answers 502 and withdraws what
    /// the message carried. Must be shorter than the request timeout.
    #[arg(long, env = "LATCHKEY_NOTIFY_TIMEOUT_MS", default_value_t = 5_000,
          value_parser = clap::value_parser!(u64).range(100..=60_000))]
    pub notify_timeout_ms: u64,

    /// Tries per message (the first included) when delivery fails in a way that may pass;
    /// retries wait 200 ms, then twice as long each time.
    #[arg(long, env = "LATCHKEY_NOTIFY_ATTEMPTS", default_value_t = 3,
          value_parser = clap::value_parser!(u32).range(1..=10))]
    pub notify_attempts: u32,

    /// Most requests of one message-sending flow (reset_password, change_password) for one
    /// credential, as `N/PERIOD` (`s`, `m`, `h`, `d`): a burst of N, then one every PERIOD/N.
    /// Over it: 429 with Retry-After.
    #[arg(
        long,
        env = "LATCHKEY_FLOW_RATE_PER_CREDENTIAL",
        default_value = "5/15m"
    )]
    pub flow_rate_per_credential: Rate,

    /// Most requests of one message-sending flow in one tenant, all credentials together,
    /// as `N/PERIOD`. Over it: 429 with Retry-After.
    #[arg(long, env = "LATCHKEY_FLOW_RATE_PER_TENANT", default_value = "600/1m")]
    pub flow_rate_per_tenant: Rate,

    /// Most failed client authentications of one client id at `/token`, `/introspect`,
    /// `/revoke` and `/bc-authorize`, as `N/PERIOD`. Over it, that client id's requests answer
    /// 429 (`Retry-After`) unchecked until the rate gives one back.
    #[arg(
        long,
        env = "LATCHKEY_CLIENT_AUTH_FAILURES_PER_CLIENT",
        default_value = "10/1m"
    )]
    pub client_auth_failures_per_client: Rate,

    /// Most failed client authentications from one address at the same endpoints, as
    /// `N/PERIOD`. Over it, that address's requests answer 429 unchecked.
    #[arg(
        long,
        env = "LATCHKEY_CLIENT_AUTH_FAILURES_PER_ADDRESS",
        default_value = "30/1m"
    )]
    pub client_auth_failures_per_address: Rate,

    /// Most `/bc-authorize` requests (each sends the customer a message) for one customer, all
    /// clients together, as `N/PERIOD`. Over it: 429, and nothing is sent.
    #[arg(long, env = "LATCHKEY_CIBA_RATE_PER_CUSTOMER", default_value = "3/10m")]
    pub ciba_rate_per_customer: Rate,

    /// Most `/authorize` requests (each may store a login for 15 minutes) and password sign-ins
    /// at `/api/v1/suboauth2`, together, from one address, as `N/PERIOD`. Over it: a 429 page
    /// (`/suboauth2`: 429 code 10). Behind a proxy every customer shares its address.
    #[arg(long, env = "LATCHKEY_LOGIN_RATE_PER_ADDRESS", default_value = "60/1m")]
    pub login_rate_per_address: Rate,

    /// Log filter, in `tracing` EnvFilter syntax (e.g. `info`, `warn,latchkey_server=debug`).
    #[arg(long, env = "LATCHKEY_LOG", default_value = "info")]
    pub log: String,

    /// Log line format.
    #[arg(long, env = "LATCHKEY_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// The security service's operator plane (`/api/v1`) and HTTPS.
    #[command(flatten)]
    pub security: SecurityConfig,
}

impl ServerConfig {
    /// The configured public URL, without a trailing slash; by default the listen address
    /// over `https://` when a certificate is configured, else `http://`.
    pub fn public_url(&self) -> String {
        let scheme = if self.security.tls().is_some() {
            "https"
        } else {
            "http"
        };
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("{scheme}://{}", self.listen))
            .trim_end_matches('/')
            .to_owned()
    }

    /// `LATCHKEY_LANDING_URLS` by org id; each URL must be absolute `http(s)`.
    pub fn landing_url_map(
        &self,
    ) -> anyhow::Result<std::collections::HashMap<latchkey_core::OrgId, String>> {
        let mut map = std::collections::HashMap::new();
        for item in self
            .landing_urls
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let (org, url) = item
                .split_once('=')
                .ok_or_else(|| anyhow::anyhow!("LATCHKEY_LANDING_URLS: '{item}' is not org=url"))?;
            let org = latchkey_core::OrgId::parse(org.trim())
                .map_err(|e| anyhow::anyhow!("LATCHKEY_LANDING_URLS: {e}"))?;
            let url = url.trim();
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                anyhow::bail!("LATCHKEY_LANDING_URLS: the URL of {org} must be http(s)");
            }
            map.insert(org, url.to_owned());
        }
        Ok(map)
    }

    /// The tenants of `LATCHKEY_TENANTS` as (id, display name) pairs.
    pub fn tenant_list(&self) -> Vec<(String, String)> {
        self.tenants
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|item| match item.split_once('=') {
                Some((id, name)) => (id.trim().to_owned(), name.trim().to_owned()),
                None => (item.to_owned(), item.to_owned()),
            })
            .collect()
    }

    fn cores() -> usize {
        std::thread::available_parallelism().map_or(2, usize::from)
    }

    pub fn workers(&self) -> usize {
        self.workers.unwrap_or_else(Self::cores).max(1)
    }

    /// `LATCHKEY_DATABASE_POOL_SIZE`, or two connections per worker.
    pub fn database_pool_size(&self) -> usize {
        self.database_pool_size
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or_else(|| 2 * self.workers())
            .max(1)
    }

    pub fn hash_concurrency(&self) -> usize {
        self.hash_concurrency.unwrap_or_else(Self::cores).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser as _;

    #[derive(Debug, clap::Parser)]
    struct Cli {
        #[command(flatten)]
        server: ServerConfig,
    }

    /// No secret of the configuration reaches a log line or a panic message through `{:?}`.
    #[test]
    fn debug_shows_no_secret() {
        let cli = Cli::parse_from([
            "latchkey",
            "--database-url=postgres://app:db-pass-1@db/latchkey",
            "--redis-url=redis://:redis-pass-2@cache:6379",
            "--bootstrap-client-secret=bootstrap-secret-3-0123456789",
            "--data-key=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            "--smtp-url=smtp://mailer:smtp-pass-4@mail:587",
            "--sms-token=sms-token-5",
            "--root-password=root-pass-6",
            r#"--system-services=[{"type":"owgw","key":"service-key-7"}]"#,
        ]);
        let shown = format!("{:?}", cli.server);
        for secret in [
            "db-pass-1",
            "redis-pass-2",
            "bootstrap-secret-3",
            "AAECAwQFBgcICQoLDA0O",
            "smtp-pass-4",
            "sms-token-5",
            "root-pass-6",
            "service-key-7",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert_eq!(
            cli.server.sms_token.as_ref().map(Secret::expose),
            Some("sms-token-5")
        );
    }
}
