//! Peers that take a connection and then say nothing: an SMTP server that goes quiet once it
//! has the message, an SMS gateway that never answers, a Redis where nothing listens. A delivery
//! is bounded by `LATCHKEY_NOTIFY_TIMEOUT_MS` end to end and answers 502 with what it issued
//! withdrawn (the link or code it carried is useless); `/readyz` names the dependency that does
//! not answer while `/healthz` stays 200.

use crate::second_factors::code_in;
use latchkey_testkit::silent_peer::SilentPeer;
use latchkey_testkit::smtp_sink::free_port;
use latchkey_tests::{Answer, TestServer, credential_path};
use mail_parser::MessageParser;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const ORG: &str = "yoigo";
const ANA: &str = "ana@example.com";
const MSISDN: &str = "+34600111222";
/// The notify timeout of these servers, and the slack a loaded machine may add to it: far from
/// the 30 s request timeout a delivery without a bound of its own would wait out.
const NOTIFY_TIMEOUT: Duration = Duration::from_millis(1000);
const SLACK: Duration = Duration::from_secs(4);

/// A server with `adjust` applied and the notify timeout set; ana active, with an MSISDN.
async fn server(adjust: impl FnOnce(&mut latchkey_server::config::ServerConfig)) -> Fixture {
    let server = TestServer::start_with(|c| {
        c.notify_timeout_ms = u64::try_from(NOTIFY_TIMEOUT.as_millis()).unwrap();
        adjust(c);
    })
    .await;
    let admin = server.admin_token(None).await;
    let created = server
        .call(
            "POST",
            &format!("/v1/orgs/{ORG}/flows/create_username"),
            Some(&admin),
            Some(&json!({"username": ANA, "customer_id": "C-1", "msisdn": MSISDN})),
        )
        .await
        .expect_json(201);
    let fixture = Fixture { server, admin };
    let token = created["token"].as_str().unwrap();
    assert_eq!(fixture.set_password(token).await.code(), 204);
    fixture
}

struct Fixture {
    server: TestServer,
    admin: String,
}

impl Fixture {
    /// `POST` `path` as the admin, and how long the answer took.
    async fn post_timed(&self, path: &str, body: Value) -> (Answer, Duration) {
        let started = Instant::now();
        let answer = self
            .server
            .call("POST", path, Some(&self.admin), Some(&body))
            .await;
        (answer, started.elapsed())
    }

    async fn check_otp(&self, code: &str) -> Answer {
        self.server
            .call(
                "PUT",
                &otp_path(),
                Some(&self.admin),
                Some(&json!({"code": code})),
            )
            .await
    }

    async fn set_password(&self, token: &str) -> Answer {
        self.server
            .call(
                "PUT",
                &credential_path(ORG, ANA),
                Some(&self.admin),
                Some(&json!({"password": "a brand new passphrase", "token": token})),
            )
            .await
    }
}

fn reset_path() -> String {
    format!("/v1/orgs/{ORG}/flows/reset_password")
}

fn otp_path() -> String {
    format!("{}/otp", credential_path(ORG, ANA))
}

/// A delivery that failed for want of an answer: 502 `notification.failed`, after the notify
/// timeout and well before the request timeout.
fn assert_failed_in_time(answer: &Answer, took: Duration) {
    assert_eq!(answer.expect_error(502), "notification.failed");
    assert!(
        took >= NOTIFY_TIMEOUT && took < NOTIFY_TIMEOUT + SLACK,
        "answered after {took:?}"
    );
}

/// The `token` of the first link in `text` that carries one.
fn token_in(text: &str) -> String {
    let link = text
        .split_whitespace()
        .find(|w| w.starts_with("http") && w.contains("?token="))
        .unwrap_or_else(|| panic!("no link in: {text}"));
    let query = link.split_once('?').unwrap().1;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
    pairs.into_iter().find(|(k, _)| k == "token").unwrap().1
}

#[actix_rt::test]
async fn a_reset_whose_smtp_server_goes_quiet_answers_502_in_time_and_its_link_is_useless() {
    let smtp = SilentPeer::smtp_until_message();
    let url = smtp.smtp_url();
    let f = server(move |c| c.smtp_url = Some(url.into())).await;

    let (answer, took) = f.post_timed(&reset_path(), json!({"username": ANA})).await;
    assert_failed_in_time(&answer, took);
    let sent = smtp.received();
    assert_eq!(
        sent.len(),
        1,
        "the message went out before the server went quiet"
    );
    let email = MessageParser::default().parse(&sent[0]).unwrap();
    let token = token_in(&email.body_text(0).unwrap());
    let refused = f.set_password(&token).await;
    assert_eq!(refused.code(), 400, "{}", refused.text());
}

#[actix_rt::test]
async fn an_otp_whose_smtp_server_goes_quiet_answers_502_in_time_and_is_not_pending() {
    let smtp = SilentPeer::smtp_until_message();
    let url = smtp.smtp_url();
    let f = server(move |c| c.smtp_url = Some(url.into())).await;
    let never_sent = f.check_otp("123456").await;
    assert_eq!(never_sent.expect_error(409), "otp.not_pending");

    let (answer, took) = f.post_timed(&otp_path(), json!({"hint": ANA})).await;
    assert_failed_in_time(&answer, took);
    let code = code_in(&smtp.received()[0]);
    assert_eq!(
        f.check_otp(&code).await.expect_error(409),
        "otp.not_pending",
        "answered as when no code was sent"
    );
    // Withdrawn with its resend throttle: no `otp.already_sent`, another try goes out at once.
    let (again, took) = f.post_timed(&otp_path(), json!({"hint": ANA})).await;
    assert_failed_in_time(&again, took);
    assert_eq!(smtp.received().len(), 2);
}

#[actix_rt::test]
async fn an_smtp_server_that_never_greets_fails_the_delivery_in_time() {
    let smtp = SilentPeer::mute();
    let url = smtp.smtp_url();
    let f = server(move |c| c.smtp_url = Some(url.into())).await;
    let (answer, took) = f.post_timed(&reset_path(), json!({"username": ANA})).await;
    assert_failed_in_time(&answer, took);
    assert_eq!(smtp.connections(), 1);
}

#[actix_rt::test]
async fn a_reset_whose_sms_gateway_never_answers_answers_502_in_time_and_its_link_is_useless() {
    let gateway = SilentPeer::mute();
    let url = gateway.http_url();
    let f = server(move |c| c.sms_url = Some(url)).await;

    let (answer, took) = f
        .post_timed(&reset_path(), json!({"username": ANA, "hint": MSISDN}))
        .await;
    assert_failed_in_time(&answer, took);
    let request = String::from_utf8(gateway.received()[0].clone()).unwrap();
    let body = request.split_once("\r\n\r\n").unwrap().1;
    let sms: Value = serde_json::from_str(body).unwrap();
    assert_eq!(sms["to"], MSISDN);
    let token = token_in(sms["text"].as_str().unwrap());
    let refused = f.set_password(&token).await;
    assert_eq!(refused.code(), 400, "{}", refused.text());
}

#[actix_rt::test]
async fn with_redis_unreachable_readyz_answers_503_naming_redis_and_healthz_200() {
    let port = free_port();
    let server = TestServer::start_with(move |c| {
        c.redis_url = Some(format!("redis://127.0.0.1:{port}").into());
        c.redis_timeout_ms = 300;
    })
    .await;
    let started = Instant::now();
    let ready = server.call("GET", "/readyz", None, None).await;
    assert_eq!(
        ready.expect_json(503),
        json!({"status": "unavailable", "failed": ["redis"]})
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let health = server.call("GET", "/healthz", None, None).await;
    assert_eq!(health.expect_json(200), json!({"status": "ok"}));
}
