//! SMTP refusing, and SMTP silent: a password reset or a one-time code by e-mail answers 502
//! within the notify timeout (never the 30 s request timeout), and what it issued is withdrawn:
//! the reset token sets no password, the code is not pending and may be requested again at once.

use crate::{active_credential, expect_within};
use latchkey_faults::{Behaviour, ChildServer, PrivatePostgres, SmtpPeer, refusing_smtp_url};
use latchkey_tests::credential_path;
use mail_parser::MessageParser;
use serde_json::json;
use std::time::Duration;

const ANA: &str = "ana@example.com";
/// `LATCHKEY_NOTIFY_TIMEOUT_MS`: the bound of one delivery, end to end.
const NOTIFY_TIMEOUT: Duration = Duration::from_millis(1000);
/// What an answer may take beyond it on a loaded machine.
const MARGIN: Duration = Duration::from_millis(1500);

/// The text of a recorded message.
fn text_of(raw: &[u8]) -> String {
    let email = MessageParser::default().parse(raw).expect("a MIME message");
    email.body_text(0).unwrap_or_default().into_owned()
}

/// The 6-digit code in a recorded message.
pub fn code_in(raw: &[u8]) -> String {
    let text = text_of(raw);
    text.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap_or_else(|| panic!("no code in: {text}"))
        .to_owned()
}

/// The token of the `?token=` link in a recorded message, percent-decoded.
fn token_in(raw: &[u8]) -> String {
    let text = text_of(raw);
    let link = text
        .split_whitespace()
        .find(|w| w.starts_with("http") && w.contains("?token="))
        .unwrap_or_else(|| panic!("no link in: {text}"));
    let encoded = link.split("?token=").nth(1).unwrap();
    let encoded = encoded.split('&').next().unwrap();
    let bytes = encoded.as_bytes();
    let mut decoded = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 3 <= bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            decoded.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(decoded).unwrap()
}

/// The server on a private PostgreSQL with `smtp_url`, 1 s per delivery.
fn server(postgres: &PrivatePostgres, smtp_url: &str) -> ChildServer {
    ChildServer::start(&[
        ("LATCHKEY_DATABASE_URL", &postgres.url()),
        ("LATCHKEY_SMTP_URL", smtp_url),
        ("LATCHKEY_NOTIFY_TIMEOUT_MS", "1000"),
        ("LATCHKEY_FLOW_RATE_PER_CREDENTIAL", "1000/1m"),
    ])
}

/// A reset and a code by e-mail each answer 502 in time, and leave nothing usable behind.
/// `recorded` answers the messages the SMTP server read (none when it never got one).
async fn deliveries_fail_and_are_withdrawn(smtp_url: &str, recorded: impl Fn() -> Vec<Vec<u8>>) {
    let postgres = PrivatePostgres::start();
    let server = server(&postgres, smtp_url);
    let api = server.remote();
    let admin = api.admin_token().await;
    active_credential(&api, &admin, "masmovil", ANA).await;
    let limit = NOTIFY_TIMEOUT + MARGIN;

    let reset = "/v1/orgs/masmovil/flows/reset_password";
    let body = json!({"username": ANA, "hint": ANA, "language": "en"});
    let answer = expect_within(&api, ("POST", reset), Some(&admin), Some(&body), 502, limit).await;
    assert_eq!(answer.expect_error(502), "notification.failed");
    if let Some(message) = recorded().first() {
        let token = token_in(message);
        let set = json!({"password": "another long passphrase", "token": token});
        let path = credential_path("masmovil", ANA);
        let answer = api.call("PUT", &path, Some(&admin), Some(&set)).await;
        assert_eq!(answer.code(), 400, "the withdrawn token: {}", answer.text());
    }

    let otp = format!("{}/otp", credential_path("masmovil", ANA));
    let body = json!({"hint": ANA, "language": "en"});
    let before = recorded().len();
    let answer = expect_within(&api, ("POST", &otp), Some(&admin), Some(&body), 502, limit).await;
    assert_eq!(answer.expect_error(502), "notification.failed");
    if let Some(message) = recorded().get(before) {
        let check = json!({"code": code_in(message)});
        let answer = api.call("PUT", &otp, Some(&admin), Some(&check)).await;
        assert_eq!(
            answer.expect_error(409),
            "otp.not_pending",
            "the withdrawn code"
        );
    }
    // Withdrawn, the code holds no resend wait (409 otp.already_sent): it is tried again.
    let answer = expect_within(&api, ("POST", &otp), Some(&admin), Some(&body), 502, limit).await;
    assert_eq!(answer.expect_error(502), "notification.failed");
}

#[actix_rt::test]
#[ignore = "a fault test: `just test-faults`"]
async fn smtp_refusing_connections_answers_502_and_withdraws_what_it_issued() {
    deliveries_fail_and_are_withdrawn(&refusing_smtp_url(), Vec::new).await;
}

#[actix_rt::test]
#[ignore = "a fault test: `just test-faults`"]
async fn smtp_refusing_the_message_answers_502_and_withdraws_what_it_issued() {
    let smtp = SmtpPeer::start(Behaviour::Refuse);
    deliveries_fail_and_are_withdrawn(&smtp.url(), || smtp.messages()).await;
    assert!(!smtp.messages().is_empty(), "the server was asked");
}

#[actix_rt::test]
#[ignore = "a fault test: `just test-faults`"]
async fn smtp_silent_from_the_start_answers_502_in_time_and_withdraws_what_it_issued() {
    let smtp = SmtpPeer::start(Behaviour::Silent);
    deliveries_fail_and_are_withdrawn(&smtp.url(), || smtp.messages()).await;
    assert!(smtp.connections() > 0, "the server was connected to");
}

#[actix_rt::test]
#[ignore = "a fault test: `just test-faults`"]
async fn smtp_silent_after_the_message_answers_502_in_time_and_withdraws_what_it_issued() {
    let smtp = SmtpPeer::start(Behaviour::SilentAfterData);
    deliveries_fail_and_are_withdrawn(&smtp.url(), || smtp.messages()).await;
    assert!(
        !smtp.messages().is_empty(),
        "the server was sent the message"
    );
}
