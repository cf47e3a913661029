//! The `latchkey` binary shuts down in order on SIGTERM: it stops accepting, drains, stops its
//! background tasks and closes its pools on the runtime that made them — no panic, exit 0. With
//! a database, an SMTP URL and a message sent (so the SMTP pool has a connection), a drop after
//! the runtime had stopped used to panic ("there is no reactor running").
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

use latchkey_postgres::testing::ScratchDatabase;
use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A free port on loopback.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One plain HTTP/1.1 request; answers the status line and the body.
fn http(port: u16, request: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

fn wait_until_up(port: u16) {
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server did not come up"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test]
async fn sigterm_with_a_database_and_smtp_exits_0_without_a_panic() {
    let database = ScratchDatabase::create().await.expect("PostgreSQL answers");
    let sink = latchkey_testkit::smtp_sink::SmtpSink::start();
    let port = free_port();
    let secret = "shutdown-secret-0123456789";
    let mut child = Command::new(env!("CARGO_BIN_EXE_latchkey"))
        .env("LATCHKEY_LISTEN", format!("127.0.0.1:{port}"))
        .env("LATCHKEY_DATABASE_URL", database.url())
        .env("LATCHKEY_SMTP_URL", sink.url())
        .env("LATCHKEY_BOOTSTRAP_CLIENT_SECRET", secret)
        .env(
            "LATCHKEY_DATA_KEY",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        )
        .env("LATCHKEY_WORKERS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until_up(port);
    // A message through the SMTP pool: a reset link to a credential.
    let basic = base64_basic("latchkey-admin", secret);
    let form = "grant_type=client_credentials";
    let answer = http(
        port,
        &format!(
            "POST /token HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {basic}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
            form.len()
        ),
    );
    let token = answer
        .split("\"access_token\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no token in {answer}"))
        .to_owned();
    let created = http(
        port,
        &format!(
            "POST /v1/orgs/masmovil/credentials/ana@example.com HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ),
    );
    assert!(created.starts_with("HTTP/1.1 201"), "{created}");
    let body = r#"{"username":"ana@example.com"}"#;
    let reset = http(
        port,
        &format!(
            "POST /v1/orgs/masmovil/flows/reset_password HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(reset.starts_with("HTTP/1.1 204"), "{reset}");
    assert_eq!(sink.wait_for(1).len(), 1, "the message went through SMTP");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the server did not stop within 20 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(status.success(), "exit status {status:?}: {stderr}");
}

fn base64_basic(id: &str, secret: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
}
