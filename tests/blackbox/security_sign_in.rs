//! Checks the operators' sign-in (`/api/v1/oauth2`) and the subscribers' (`/api/v1/suboauth2`)
//! share, for their tests to run against either path: the slowing of password guessing, a
//! resent MFA code, and two instances of one service (a signed-out token refused by the other).

use crate::security_oauth2::{expect_code, send};
use latchkey_testkit::smtp_sink::SmtpSink;
use latchkey_tests::{Answer, TestServer, scratch_database};
use serde_json::{Value, json};
use std::future::Future;
use std::time::{Duration, Instant};

/// Signs `user` in at `path` with a stale bearer token, which is ignored as an empty one is
/// (`assert_tokens` checks the answer); then three `wrong` passwords make `user` wait: even
/// the right password answers 429 code 10, with a Retry-After of 1 to 30 seconds.
pub async fn expect_guessing_slowed(
    server: &TestServer,
    path: &str,
    (user, password, wrong): (&str, &str, &str),
    assert_tokens: fn(&Value, &str),
) {
    let body = json!({"userId": user, "password": password});
    let stale = [("authorization", "Bearer not.a.live.token")];
    let answer = send(server, "POST", path, &stale, Some(&body)).await;
    assert_tokens(&answer.expect_json(200), user);

    // As the CLI signs in: an empty bearer token.
    let cli = [("authorization", "Bearer ")];
    let wrong = json!({"userId": user, "password": wrong});
    for _ in 0..3 {
        expect_code(
            &send(server, "POST", path, &cli, Some(&wrong)).await,
            403,
            2,
        );
    }
    // Even the right password is not checked until the wait ends.
    let slowed = send(server, "POST", path, &cli, Some(&body)).await;
    expect_code(&slowed, 429, 10);
    let after: u64 = slowed.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=30).contains(&after), "{after}");
}

/// The challenge a resend answered: its new one, or, within 30 s of the first code, `challenge`
/// itself after checking the refusal (429 code 10 with Retry-After; the first code still good).
pub fn resent_or_throttled(resent: Answer, challenge: &Value) -> Value {
    match resent.code() {
        200 => resent.json(),
        _ => {
            expect_code(&resent, 429, 10);
            assert!(resent.header("retry-after").is_some());
            challenge.clone()
        }
    }
}

/// Asks `me` every 10 ms until it answers 403 code 8, failing after 500 ms: a token signed out
/// on one instance is refused by another once the database's notification is delivered, not
/// when a cache's lifetime ends.
pub async fn expect_refused_at_once<F, A>(mut me: F)
where
    F: FnMut() -> A,
    A: Future<Output = Answer>,
{
    let deadline = Instant::now() + Duration::from_millis(500);
    loop {
        let answer = me().await;
        if answer.code() == 403 {
            expect_code(&answer, 403, 8);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still accepted: {}",
            answer.text()
        );
        actix_rt::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Two servers, configured by `member` (as well as the fleet's shared settings), on one scratch
/// database and one Redis key prefix (`latchkey-test:{name}:` and a fresh UUID), e-mail going
/// to `sink`; the database lives as long as its handle.
pub async fn two_instances(
    sink: &SmtpSink,
    name: &str,
    member: fn(&mut latchkey_server::config::ServerConfig),
) -> (
    latchkey_postgres::testing::ScratchDatabase,
    TestServer,
    TestServer,
) {
    let database = scratch_database().await;
    let prefix = format!("latchkey-test:{name}:{}:", uuid::Uuid::new_v4());
    let config = |c: &mut latchkey_server::config::ServerConfig| {
        member(c);
        // One issuer for the fleet, as behind one load balancer.
        c.public_url = Some("https://security.fleet.example".to_owned());
        c.redis_prefix = prefix.clone();
        c.smtp_url = Some(sink.url().into());
    };
    let first = TestServer::start_on(database.url(), config).await;
    let second = TestServer::start_on(database.url(), config).await;
    (database, first, second)
}
