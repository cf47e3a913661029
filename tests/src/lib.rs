//! The black-box harness: starts the real Latchkey server on a free port and speaks HTTP to it,
//! as a client on the network would.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test harness fails by panicking, like any test"
)]

pub mod http;
pub mod proxy;

use awc::http::StatusCode;
use awc::http::header::HeaderMap;
use clap::Parser as _;
use latchkey::cli::Cli;
use latchkey_postgres::testing::ScratchDatabase;
use latchkey_server::config::ServerConfig;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The bootstrap client every test server has (every scope, every org).
pub const ADMIN_ID: &str = "test-admin";
pub const ADMIN_SECRET: &str = "test-admin-secret-0123456789";

/// The environment variable that picks the storage of [`TestServer::start_with`].
pub const BACKEND_VAR: &str = "LATCHKEY_TEST_BACKEND";

/// PostgreSQL connections of one test server: few, so that parallel tests stay far below
/// PostgreSQL's `max_connections`.
pub const TEST_POOL_SIZE: u32 = 4;

/// The storage a test server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// In-memory storage (dev mode): the default.
    Memory,
    /// A fresh PostgreSQL database per server, on the server of
    /// [`latchkey_postgres::testing::admin_url`].
    Postgres,
}

impl Backend {
    /// The backend named by `LATCHKEY_TEST_BACKEND` (`memory` when unset or empty). Any other
    /// value panics: a typo must never run the suite on the wrong storage unnoticed.
    pub fn from_env() -> Self {
        match std::env::var(BACKEND_VAR) {
            Err(std::env::VarError::NotPresent) => Self::Memory,
            Ok(value) => match value.trim() {
                "" | "memory" => Self::Memory,
                "postgres" => Self::Postgres,
                other => panic!(
                    "{BACKEND_VAR}={other:?} is not a test backend: use `memory` (the default) or `postgres`"
                ),
            },
            Err(e) => panic!("{BACKEND_VAR} is not valid unicode: {e}"),
        }
    }
}

/// Creates a fresh, empty PostgreSQL database for one test (dropped with the value), or panics
/// saying where PostgreSQL was expected.
pub async fn scratch_database() -> ScratchDatabase {
    ScratchDatabase::create().await.unwrap_or_else(|e| {
        let mut cause = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(inner) = source {
            cause.push_str(": ");
            cause.push_str(&inner.to_string());
            source = inner.source();
        }
        panic!(
            "cannot create a scratch database on {} ({cause}); is PostgreSQL running? \
             `just test` starts it (.ci/postgres); LATCHKEY_TEST_DATABASE_URL names another server",
            latchkey_postgres::redact_url(&latchkey_postgres::testing::admin_url())
        )
    })
}

/// A server running for one test, on its own port, with its own data: in memory, or in a
/// PostgreSQL database of its own (see [`Backend`]).
///
/// The server runs on a thread of its own, so that it can be stopped, and waited for, even from
/// `Drop`: it is always stopped before its scratch database is dropped.
pub struct TestServer {
    pub base: String,
    pub config: ServerConfig,
    pub http: awc::Client,
    running: Option<Running>,
    /// The scratch database this server owns (PostgreSQL backend); dropped after the server
    /// has stopped.
    database: Option<ScratchDatabase>,
}

/// The thread a test server runs on.
struct Running {
    handle: actix_web::dev::ServerHandle,
    /// Says (by closing) that the server's thread has finished.
    finished: mpsc::Receiver<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Running {
    /// Starts the server on a thread with an actix system of its own; answers its address.
    async fn spawn(config: ServerConfig) -> (Self, SocketAddr) {
        let (started_tx, started_rx) = tokio::sync::oneshot::channel();
        let (finished_tx, finished) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("latchkey-test-server".to_owned())
            .spawn(move || {
                let _finished = finished_tx;
                actix_rt::System::new().block_on(async move {
                    match latchkey_server::start(&config).await {
                        Ok(started) => {
                            let handle = started.server.handle();
                            if started_tx.send(Ok((handle, started.addr))).is_ok() {
                                let _ = started.run().await;
                            }
                        }
                        Err(e) => {
                            let _ = started_tx.send(Err(e));
                        }
                    }
                });
            })
            .expect("spawning the server thread");
        let (handle, addr) = match started_rx.await {
            Ok(Ok(started)) => started,
            Ok(Err(e)) => panic!("server starts: {e:#}"),
            Err(_) => panic!("the server thread died while starting (see its panic above)"),
        };
        let running = Self {
            handle,
            finished,
            thread,
        };
        (running, addr)
    }

    /// Blocks until the server's thread has finished (at most `limit`).
    fn join(self, limit: Duration) {
        match self.finished.recv_timeout(limit) {
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let _ = self.thread.join();
            }
            _ => eprintln!("a test server did not stop within {limit:?}; leaving it behind"),
        }
    }
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServer")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as JSON (panics if it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The status as a number.
    pub fn code(&self) -> u16 {
        self.status.as_u16()
    }

    /// Asserts the status and returns the JSON body.
    pub fn expect_json(&self, status: u16) -> Value {
        assert_eq!(
            self.code(),
            status,
            "unexpected status; body: {}",
            self.text()
        );
        self.json()
    }

    /// Asserts an OAuth error (RFC 6749 §5.2: `error`, `error_description`) and returns `error`.
    pub fn expect_oauth_error(&self, status: u16) -> String {
        assert_eq!(
            self.code(),
            status,
            "unexpected status; body: {}",
            self.text()
        );
        let body = self.json();
        assert!(
            body["error_description"].is_string(),
            "OAuth error lacks a description: {body}"
        );
        body["error"]
            .as_str()
            .unwrap_or_else(|| panic!("OAuth error lacks 'error': {body}"))
            .to_owned()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    /// Asserts the status and the spec's error body (`id`, `msg`, `componentMsg`, `sentryCode`
    /// equal to `X-Request-Id`, `status`), and returns the error `id`.
    pub fn expect_error(&self, status: u16) -> String {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text()
        );
        let body = self.json();
        for field in ["id", "msg", "componentMsg", "sentryCode"] {
            assert!(
                body[field].is_string(),
                "error body lacks '{field}': {body}"
            );
        }
        assert_eq!(body["status"], status, "error body status: {body}");
        assert_eq!(
            Some(body["sentryCode"].as_str().unwrap().to_owned()),
            self.header("x-request-id"),
            "sentryCode must equal X-Request-Id"
        );
        body["id"].as_str().unwrap().to_owned()
    }
}

/// Percent-encodes a path segment: everything but RFC 3986 unreserved characters.
pub fn segment(raw: &str) -> String {
    raw.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The path of a credential (the username percent-encoded).
pub fn credential_path(org: &str, username: &str) -> String {
    format!("/v1/orgs/{org}/credentials/{}", segment(username))
}

/// Config for a test server: port 0, the test bootstrap client, one worker.
pub fn test_config() -> ServerConfig {
    let mut config = Cli::try_parse_from(["latchkey"])
        .expect("default config")
        .server;
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.bootstrap_client_id = ADMIN_ID.to_owned();
    config.bootstrap_client_secret = Some(ADMIN_SECRET.into());
    config.tenants = "masmovil=MásMóvil,yoigo=Yoigo".to_owned();
    config.workers = Some(1);
    config.hash_concurrency = Some(2);
    config.log = "warn".to_owned();
    config
}

/// The test configuration on the PostgreSQL database at `url`, with a small pool, and on the
/// Redis of `LATCHKEY_TEST_REDIS_URL` (default the local one) under a key prefix of its own, with
/// a data key for TOTP secrets.
pub fn postgres_config(url: &str) -> ServerConfig {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let mut config = test_config();
    config.database_url = Some(url.into());
    config.database_pool_size = Some(TEST_POOL_SIZE);
    config.redis_url = Some(redis_url().into());
    config.redis_prefix = format!(
        "latchkey-test:{}:{}:{}:",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst),
        uuid::Uuid::new_v4()
    );
    config.data_key = Some(TEST_DATA_KEY.into());
    config
}

/// The Redis the PostgreSQL runs use: `LATCHKEY_TEST_REDIS_URL`, default the local one.
pub fn redis_url() -> String {
    std::env::var("LATCHKEY_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// The data key of test servers on PostgreSQL (32 bytes, standard base64).
pub const TEST_DATA_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

impl TestServer {
    /// Starts a server with the test configuration.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts a server after `adjust` has changed the test configuration, on the backend of
    /// `LATCHKEY_TEST_BACKEND` (see [`Backend::from_env`]). On PostgreSQL the server gets a
    /// fresh database of its own, dropped after the server. When the public URL is not set, it
    /// becomes the server's real address.
    pub async fn start_with(adjust: impl FnOnce(&mut ServerConfig)) -> Self {
        match Backend::from_env() {
            Backend::Memory => {
                let mut config = test_config();
                adjust(&mut config);
                Self::launch(config, None).await
            }
            Backend::Postgres => {
                let database = scratch_database().await;
                let mut config = postgres_config(database.url());
                adjust(&mut config);
                Self::launch(config, Some(database)).await
            }
        }
    }

    /// Starts a server on the PostgreSQL database at `url` (whatever `LATCHKEY_TEST_BACKEND`
    /// says), after `adjust` has changed the test configuration. The database is not the
    /// server's: it outlives it, so another server may start on it.
    pub async fn start_on(url: &str, adjust: impl FnOnce(&mut ServerConfig)) -> Self {
        let mut config = postgres_config(url);
        adjust(&mut config);
        Self::launch(config, None).await
    }

    async fn launch(mut config: ServerConfig, database: Option<ScratchDatabase>) -> Self {
        // Bind first to learn the port, so the issuer URL can name it.
        let probe = std::net::TcpListener::bind(config.listen).unwrap();
        config.listen = probe.local_addr().unwrap();
        drop(probe);
        let (running, addr) = Running::spawn(config.clone()).await;
        let http = awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .finish();
        Self {
            base: format!("http://{addr}"),
            config,
            http,
            running: Some(running),
            database,
        }
    }

    /// Stops the server: it stops accepting, finishes what it was doing, and its thread ends;
    /// then its scratch database, if it owns one, is dropped.
    pub async fn stop(mut self) {
        // Idle keep-alive connections would hold a graceful stop until its timeout.
        self.http = awc::Client::default();
        if let Some(running) = self.running.take() {
            running.handle.stop(true).await;
            let deadline = Instant::now() + Duration::from_secs(10);
            while matches!(running.finished.try_recv(), Err(mpsc::TryRecvError::Empty))
                && Instant::now() < deadline
            {
                actix_rt::time::sleep(Duration::from_millis(10)).await;
            }
            running.join(Duration::from_secs(1));
        }
        drop(self.database.take());
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Sends a request; `token` becomes a bearer token, `body` JSON.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Answer {
        http::send(&self.http, &self.base, method, path, token, body)
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// Sends a raw body with the given content type.
    pub async fn call_raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Answer {
        let mut request = self.http.request(method.parse().unwrap(), self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(content_type) = content_type {
            request = request.insert_header(("content-type", content_type));
        }
        Self::collect(request.send_body(body).await).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.call("GET", path, Some(token), None).await
    }

    /// `POST /token` with HTTP Basic and a form.
    pub async fn token_request(&self, id: &str, secret: &str, form: &[(&str, &str)]) -> Answer {
        let response = self
            .http
            .post(self.url("/token"))
            .basic_auth(id, secret)
            .send_form(&form)
            .await;
        Self::collect(response).await
    }

    /// A service token of the bootstrap client, narrowed to `scope` (all scopes when `None`).
    pub async fn admin_token(&self, scope: Option<&str>) -> String {
        let mut form = vec![("grant_type", "client_credentials")];
        if let Some(scope) = scope {
            form.push(("scope", scope));
        }
        self.token_of(ADMIN_ID, ADMIN_SECRET, &form).await
    }

    /// A service token for any client.
    pub async fn token_of(&self, id: &str, secret: &str, form: &[(&str, &str)]) -> String {
        let answer = self.token_request(id, secret, form).await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "token request failed: {}",
            answer.text()
        );
        answer.json()["access_token"].as_str().unwrap().to_owned()
    }

    /// A token of a freshly registered client with `scopes` on `orgs`.
    pub async fn client_token(&self, scopes: &[&str], orgs: &[&str]) -> String {
        let (id, secret) = self.create_client(scopes, orgs).await;
        self.token_of(&id, &secret, &[("grant_type", "client_credentials")])
            .await
    }

    /// The published JWK Set.
    pub async fn jwks(&self) -> Value {
        let answer = self.call("GET", "/jwks.json", None, None).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        answer.json()
    }

    /// Registers a client with the bootstrap client; returns (client_id, client_secret).
    pub async fn create_client(&self, scopes: &[&str], orgs: &[&str]) -> (String, String) {
        let admin = self.admin_token(None).await;
        let body = serde_json::json!({"name": "test client", "scopes": scopes, "orgs": orgs});
        let answer = self
            .call("POST", "/v1/clients", Some(&admin), Some(&body))
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text());
        let created = answer.json();
        (
            created["client_id"].as_str().unwrap().to_owned(),
            created["client_secret"].as_str().unwrap().to_owned(),
        )
    }

    /// Creates a credential and returns its set-password token.
    pub async fn create_credential(&self, token: &str, org: &str, username: &str) -> String {
        let answer = self
            .call("POST", &credential_path(org, username), Some(token), None)
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text());
        answer.json()["token"].as_str().unwrap().to_owned()
    }

    /// Creates a credential and activates it with `password`.
    pub async fn active_credential(&self, token: &str, org: &str, username: &str, password: &str) {
        let set = self.create_credential(token, org, username).await;
        let body = serde_json::json!({"password": password, "token": set});
        let answer = self
            .call(
                "PUT",
                &credential_path(org, username),
                Some(token),
                Some(&body),
            )
            .await;
        assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.text());
    }

    async fn collect<S>(
        response: Result<awc::ClientResponse<S>, awc::error::SendRequestError>,
    ) -> Answer
    where
        S: futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>>
            + Unpin,
    {
        http::read_answer(response)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            // Asks for a forced stop (the command is sent at once; the answer is not awaited),
            // then waits for the server's thread: its connections end before its database.
            drop(running.handle.stop(false));
            running.join(Duration::from_secs(10));
        }
        drop(self.database.take());
    }
}
