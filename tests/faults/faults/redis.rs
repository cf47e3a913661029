//! Redis killed and started again: while it is down, what needs it (one-time codes) answers
//! 503 and `/readyz` says so, while the rest keeps working; once it is back, the very first
//! request on every worker succeeds (a broken connection is retried on a fresh one, never
//! answered 503).

use crate::{active_credential, expect_within, smtp::code_in};
use latchkey_faults::{Behaviour, ChildServer, PrivatePostgres, PrivateRedis, Remote, SmtpPeer};
use latchkey_tests::credential_path;
use serde_json::json;
use std::time::Duration;

const ANA: &str = "ana@example.com";
/// `LATCHKEY_REDIS_TIMEOUT_MS`, and what an answer may take beyond it.
const REDIS_TIMEOUT: Duration = Duration::from_millis(500);
const MARGIN: Duration = Duration::from_millis(1000);

fn otp() -> String {
    format!("{}/otp", credential_path("masmovil", ANA))
}

/// Sends a code by e-mail (201) and answers it, read from the message the SMTP peer took.
async fn send_code(api: &Remote, admin: &str, smtp: &SmtpPeer) -> String {
    let before = smtp.messages().len();
    let body = json!({"hint": ANA, "language": "en"});
    let answer = api.call("POST", &otp(), Some(admin), Some(&body)).await;
    assert_eq!(answer.code(), 201, "{}", answer.text());
    let messages = smtp.messages();
    assert_eq!(messages.len(), before + 1, "one message per code");
    code_in(&messages[before])
}

/// Checks that no code is pending (409 `otp.not_pending`) on `fresh` clients, each with a
/// connection of its own: the server hands connections to its workers in turn, so every
/// worker serves some. Answers what else they answered.
async fn on_every_worker(server: &ChildServer, admin: &str, when: &str) -> Vec<String> {
    let wrong = json!({"code": "000000"});
    let mut broken = Vec::new();
    for attempt in 0..6 {
        let fresh = server.remote();
        let answer = fresh.call("PUT", &otp(), Some(admin), Some(&wrong)).await;
        if answer.code() != 409 {
            broken.push(format!(
                "check #{attempt} {when}: {} {}",
                answer.code(),
                answer.text()
            ));
        }
    }
    broken
}

#[actix_rt::test]
#[ignore = "a fault test: `just test-faults`"]
async fn redis_killed_answers_503_and_the_first_request_after_its_restart_succeeds() {
    let postgres = PrivatePostgres::start();
    let mut redis = PrivateRedis::start();
    let smtp = SmtpPeer::start(Behaviour::Accept);
    let server = ChildServer::start(&[
        ("LATCHKEY_DATABASE_URL", &postgres.url()),
        ("LATCHKEY_REDIS_URL", &redis.url()),
        ("LATCHKEY_REDIS_TIMEOUT_MS", "500"),
        ("LATCHKEY_SMTP_URL", &smtp.url()),
        ("LATCHKEY_FLOW_RATE_PER_CREDENTIAL", "1000/1m"),
    ]);
    let api = server.remote();
    let admin = api.admin_token().await;
    active_credential(&api, &admin, "masmovil", ANA).await;
    let code = send_code(&api, &admin, &smtp).await;
    let check = |code: &str| json!({"code": code});
    let answer = api
        .call("PUT", &otp(), Some(&admin), Some(&check(&code)))
        .await;
    assert_eq!(answer.code(), 204, "{}", answer.text());
    // Every worker has its Redis connection open; during the outage only `api`'s worker is
    // asked, so the other's connection lies idle and broken until Redis is back.
    let warm = on_every_worker(&server, &admin, "before the outage").await;
    assert!(warm.is_empty(), "{}", warm.join("\n"));

    redis.kill();
    let limit = REDIS_TIMEOUT + MARGIN;
    let body = json!({"hint": ANA, "language": "en"});
    expect_within(
        &api,
        ("POST", &otp()),
        Some(&admin),
        Some(&body),
        503,
        limit,
    )
    .await;
    let wrong = check("000000");
    expect_within(
        &api,
        ("PUT", &otp()),
        Some(&admin),
        Some(&wrong),
        503,
        limit,
    )
    .await;
    // What does not need Redis keeps working.
    let read = credential_path("masmovil", ANA);
    expect_within(&api, ("GET", &read), Some(&admin), None, 200, limit).await;
    // Checked to the end, each failure kept: one run tells every broken promise.
    let mut broken = Vec::new();
    let readyz = api.call("GET", "/readyz", None, None).await;
    if readyz.code() != 503 {
        broken.push(format!(
            "/readyz with Redis down: {} {}",
            readyz.code(),
            readyz.text()
        ));
    }

    redis.restart();
    // No wait, no retry by the client: the first request of every worker is served, on the
    // idle connection's worker too.
    broken.extend(on_every_worker(&server, &admin, "after the restart").await);
    let sent = api.call("POST", &otp(), Some(&admin), Some(&body)).await;
    if sent.code() == 201 {
        let code = code_in(smtp.messages().last().unwrap());
        let answer = api
            .call("PUT", &otp(), Some(&admin), Some(&check(&code)))
            .await;
        assert_eq!(answer.code(), 204, "{}", answer.text());
    } else {
        broken.push(format!(
            "a code after the restart: {} {}",
            sent.code(),
            sent.text()
        ));
    }
    let readyz = server.remote().call("GET", "/readyz", None, None).await;
    if readyz.code() != 200 {
        broken.push(format!(
            "/readyz with Redis back: {} {}",
            readyz.code(),
            readyz.text()
        ));
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}
