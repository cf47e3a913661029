//! The real `latchkey` binary as a child process (configured by its environment, as in
//! production), that a test kills with SIGKILL and starts again on the same port; and
//! [`Remote`], a client of it over HTTP.

use crate::process::{ScratchDir, log_file, wait_until};
use latchkey_tests::Answer;
use serde_json::Value;
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The bootstrap client of every child server (every scope, every org).
pub const ADMIN_ID: &str = "faults-admin";
pub const ADMIN_SECRET: &str = "faults-admin-secret-0123456789";

/// A TOTP data key (32 bytes, standard base64): a server on a database needs one for TOTP.
const DATA_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// How long a start (migrations included) may take.
const START_LIMIT: Duration = Duration::from_secs(60);

/// A `latchkey` server process on a free port; killed when dropped.
#[derive(Debug)]
pub struct ChildServer {
    dir: ScratchDir,
    env: Vec<(String, String)>,
    port: u16,
    process: Option<Child>,
}

impl ChildServer {
    /// Starts the binary with the faults' defaults (two workers, the bootstrap client above,
    /// tenants `masmovil` and `yoigo`, log level `warn`) overridden by `env`; answers once
    /// `/healthz` answers 200.
    pub fn start(env: &[(&str, &str)]) -> Self {
        let port = latchkey_testkit::smtp_sink::free_port();
        let defaults = [
            ("LATCHKEY_LISTEN", format!("127.0.0.1:{port}")),
            ("LATCHKEY_BOOTSTRAP_CLIENT_ID", ADMIN_ID.to_owned()),
            ("LATCHKEY_BOOTSTRAP_CLIENT_SECRET", ADMIN_SECRET.to_owned()),
            ("LATCHKEY_TENANTS", "masmovil,yoigo".to_owned()),
            ("LATCHKEY_WORKERS", "2".to_owned()),
            ("LATCHKEY_HASH_CONCURRENCY", "2".to_owned()),
            ("LATCHKEY_DATA_KEY", DATA_KEY.to_owned()),
            ("LATCHKEY_LOG", "warn".to_owned()),
        ];
        let mut all: Vec<(String, String)> = defaults
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        for (key, value) in env {
            all.retain(|(k, _)| k != key);
            all.push(((*key).to_owned(), (*value).to_owned()));
        }
        let mut server = Self {
            dir: ScratchDir::create("latchkey", None),
            env: all,
            port,
            process: None,
        };
        server.launch();
        server
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A client of this server (a fresh one: no connection of an earlier process is reused).
    pub fn remote(&self) -> Remote {
        Remote::new(&self.base())
    }

    /// SIGKILL: no shutdown of any kind, requests in flight cut.
    pub fn kill(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }

    /// Starts the binary again with the same settings on the same port.
    pub fn restart(&mut self) {
        assert!(self.process.is_none(), "restart of a running server");
        self.launch();
    }

    /// The last lines of the server's log (its standard error and output, every run).
    pub fn log_tail(&self) -> String {
        self.dir.tail("latchkey.log", 40)
    }

    fn launch(&mut self) {
        let log = self.dir.path().join("latchkey.log");
        let mut process = Command::new(binary())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(log_file(&log))
            .stderr(log_file(&log))
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", binary().display()));
        let mut exited = None;
        wait_until("the server answers /healthz", START_LIMIT, || {
            if let Ok(Some(status)) = process.try_wait() {
                exited = Some(status);
                return true;
            }
            healthz(self.port)
        });
        if let Some(status) = exited {
            panic!("latchkey exited at start: {status}\n{}", self.log_tail());
        }
        self.process = Some(process);
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("latchkey's log:\n{}", self.log_tail());
        }
        self.kill();
    }
}

/// The `latchkey` binary of this build: `LATCHKEY_FAULTS_BINARY`, else `latchkey` beside the
/// test executable's directory (`target/<profile>/deps/faults-*` → `target/<profile>/latchkey`;
/// `just test-faults` builds it first: a test cannot depend on another package's binary).
pub fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("LATCHKEY_FAULTS_BINARY") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("current_exe: {e}"));
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap_or_else(|| panic!("{} has no target directory", exe.display()));
    let binary = profile_dir.join("latchkey");
    assert!(
        binary.is_file(),
        "{} is missing: build it first (`cargo build -p latchkey`; `just test-faults` does)",
        binary.display()
    );
    binary
}

/// Whether `GET /healthz` answers 200 (plain `std`: no runtime needed).
fn healthz(port: u16) -> bool {
    let timeout = Duration::from_secs(1);
    let Ok(mut stream) = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), timeout) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(timeout));
    let request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    let mut answer = Vec::new();
    stream.write_all(request).is_ok()
        && stream.read_to_end(&mut answer).is_ok()
        && answer.starts_with(b"HTTP/1.1 200")
}

/// A client of a server over HTTP (awc: needs an actix system, as `#[actix_rt::test]` has).
pub struct Remote {
    pub base: String,
    http: awc::Client,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl Remote {
    pub fn new(base: &str) -> Self {
        let http = awc::Client::builder()
            .timeout(Duration::from_secs(60))
            .finish();
        Self {
            base: base.to_owned(),
            http,
        }
    }

    /// Sends a request (`token` a bearer token, `body` JSON); panics when it gets no answer.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Answer {
        self.try_call(method, path, token, body)
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: no answer: {e}"))
    }

    /// Sends a request; `Err` when no answer came (the server died, the connection was cut).
    pub async fn try_call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Answer, String> {
        latchkey_tests::http::send(&self.http, &self.base, method, path, token, body).await
    }

    /// `POST /token` with HTTP Basic and a form.
    pub async fn token_request(&self, id: &str, secret: &str, form: &[(&str, &str)]) -> Answer {
        let response = self
            .http
            .post(format!("{}/token", self.base))
            .basic_auth(id, secret)
            .send_form(&form)
            .await;
        latchkey_tests::http::read_answer(response)
            .await
            .unwrap_or_else(|e| panic!("POST /token: no answer: {e}"))
    }

    /// A service token of the bootstrap client (every scope, every org).
    pub async fn admin_token(&self) -> String {
        let answer = self
            .token_request(
                ADMIN_ID,
                ADMIN_SECRET,
                &[("grant_type", "client_credentials")],
            )
            .await;
        answer.expect_json(200)["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}
