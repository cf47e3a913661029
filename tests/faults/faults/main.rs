//! Fault tests: the real `latchkey` binary against private PostgreSQL, Redis and SMTP peers that
//! each test starts and breaks on purpose (never the shared servers of `just test`). Each test
//! asserts the statuses during the fault, how long recovery takes after it, and that nothing
//! was lost, duplicated or left half-done.
//!
//! The tests are `#[ignore]`d: `just test` builds them, `just test-faults` runs them, one at a
//! time (they measure time, and a frozen or stopped peer must not slow another test).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

mod fleet;
mod moves;
mod postgres;
mod redis;
mod smtp;

use latchkey_faults::Remote;
use latchkey_tests::{Answer, credential_path};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Sends a request and answers how long its answer took.
async fn timed(
    api: &Remote,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (Answer, Duration) {
    let started = Instant::now();
    let answer = api.call(method, path, token, body).await;
    (answer, started.elapsed())
}

/// Asserts that a request answers `status` within `limit`.
async fn expect_within(
    api: &Remote,
    (method, path): (&str, &str),
    token: Option<&str>,
    body: Option<&Value>,
    status: u16,
    limit: Duration,
) -> Answer {
    let (answer, took) = timed(api, method, path, token, body).await;
    eprintln!("{method} {path}: {} in {took:?}", answer.code());
    assert_eq!(
        answer.code(),
        status,
        "{method} {path} after {took:?}: {}",
        answer.text()
    );
    assert!(
        took <= limit,
        "{method} {path} answered {status} after {took:?}, over {limit:?}"
    );
    answer
}

/// Repeats a request every 10 ms until it answers `status`; answers how long that took, or
/// panics after `limit` with the last answer.
async fn recovers(
    api: &Remote,
    (method, path): (&str, &str),
    token: Option<&str>,
    status: u16,
    limit: Duration,
) -> Duration {
    let started = Instant::now();
    loop {
        let answer = api.call(method, path, token, None).await;
        if answer.code() == status {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < limit,
            "{method} {path} still answers {} after {limit:?}: {}",
            answer.code(),
            answer.text()
        );
        actix_rt::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Creates a credential (no password yet); answers its id.
async fn create_credential(api: &Remote, token: &str, org: &str, username: &str) -> String {
    let answer = api
        .call("POST", &credential_path(org, username), Some(token), None)
        .await;
    assert_eq!(answer.code(), 201, "{username}: {}", answer.text());
    credential_id(api, token, org, username).await
}

/// Creates a credential and activates it with a password.
async fn active_credential(api: &Remote, token: &str, org: &str, username: &str) {
    let answer = api
        .call("POST", &credential_path(org, username), Some(token), None)
        .await;
    let set = answer.expect_json(201)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = json!({"password": "a long fault-test passphrase", "token": set});
    let answer = api
        .call(
            "PUT",
            &credential_path(org, username),
            Some(token),
            Some(&body),
        )
        .await;
    assert_eq!(answer.code(), 204, "{}", answer.text());
}

/// The id of a credential (asserts it exists).
async fn credential_id(api: &Remote, token: &str, org: &str, username: &str) -> String {
    let answer = api
        .call("GET", &credential_path(org, username), Some(token), None)
        .await;
    answer.expect_json(200)["id"].as_str().unwrap().to_owned()
}
