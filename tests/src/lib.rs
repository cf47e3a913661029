//! The black-box harness: starts the real Latchkey server on a free port and speaks HTTP to it,
//! as a client on the network would.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test harness fails by panicking, like any test"
)]

use awc::http::StatusCode;
use awc::http::header::HeaderMap;
use clap::Parser as _;
use latchkey_server::cli::Cli;
use latchkey_server::config::ServerConfig;
use serde_json::Value;

/// The bootstrap client every test server has (every scope, every org).
pub const ADMIN_ID: &str = "test-admin";
pub const ADMIN_SECRET: &str = "test-admin-secret-0123456789";

/// A server running for one test, on its own port, with its own in-memory data.
pub struct TestServer {
    pub base: String,
    pub config: ServerConfig,
    pub http: awc::Client,
    handle: actix_web::dev::ServerHandle,
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
    config.bootstrap_client_secret = Some(ADMIN_SECRET.to_owned());
    config.tenants = "masmovil=MásMóvil,yoigo=Yoigo".to_owned();
    config.workers = Some(1);
    config.hash_concurrency = Some(2);
    config.log = "warn".to_owned();
    config
}

impl TestServer {
    /// Starts a server with the test configuration.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts a server after `adjust` has changed the test configuration. When the public URL is
    /// not set, it becomes the server's real address.
    pub async fn start_with(adjust: impl FnOnce(&mut ServerConfig)) -> Self {
        let mut config = test_config();
        adjust(&mut config);
        // Bind first to learn the port, so the issuer URL can name it.
        let probe = std::net::TcpListener::bind(config.listen).unwrap();
        config.listen = probe.local_addr().unwrap();
        drop(probe);
        let started = latchkey_server::start(&config)
            .await
            .expect("server starts");
        let base = format!("http://{}", started.addr);
        let handle = started.server.handle();
        actix_rt::spawn(started.server);
        let http = awc::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .finish();
        Self {
            base,
            config,
            http,
            handle,
        }
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
        let mut request = self.http.request(method.parse().unwrap(), self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = match body {
            Some(body) => request.send_json(body).await,
            None => request.send().await,
        };
        Self::collect(response).await
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
        let mut response = response.expect("request sent");
        let body = response
            .body()
            .limit(1 << 20)
            .await
            .expect("body read")
            .to_vec();
        Answer {
            status: response.status(),
            headers: response.headers().clone(),
            body,
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        actix_rt::spawn(async move { handle.stop(false).await });
    }
}
