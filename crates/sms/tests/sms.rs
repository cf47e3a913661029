//! The SMS adapter against a local HTTP listener (`latchkey_testkit::http_recorder`) that records each request (method, path,
//! headers, JSON body) and answers the statuses the test scripts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

use latchkey_core::SecretString;
use latchkey_notify::{Channel, Language, Message, Notifier, NotifyError, TemplateId};
use latchkey_sms::{SmsConfig, SmsNotifier};
use latchkey_testkit::http_recorder::HttpRecorder;
use latchkey_testkit::silent_peer::SilentPeer;
use serde_json::json;
use std::time::{Duration, Instant};

fn config(url: &str, attempts: usize) -> SmsConfig {
    SmsConfig {
        url: url.to_owned(),
        token: Some(SecretString::from("gateway-token-123")),
        from: "Yoigo".to_owned(),
        timeout: Duration::from_secs(5),
        attempts,
        first_retry_delay: Duration::from_millis(100),
    }
}

fn otp() -> Message {
    Message::new(
        TemplateId::OtpCode,
        Language::En,
        Channel::Sms,
        "+34600111222",
        "Yoigo",
    )
    .with("code", "280597")
    .with("minutes", "5")
}

#[tokio::test]
async fn posts_to_from_and_text_as_json_with_the_bearer_token() {
    let gateway = HttpRecorder::start(&[]);
    SmsNotifier::new(config(&gateway.url, 1))
        .unwrap()
        .send(&otp())
        .await
        .unwrap();
    let recorded = gateway.recorded();
    assert_eq!(recorded.len(), 1);
    let request = &recorded[0];
    assert_eq!(request.request_line, "POST /sms/send HTTP/1.1");
    assert_eq!(
        request.header("authorization"),
        Some("Bearer gateway-token-123")
    );
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(
        request.json(),
        json!({"to": "+34600111222", "from": "Yoigo",
               "text": "Yoigo: your code is 280597. It expires in 5 min. Do not share it."})
    );
}

#[tokio::test]
async fn server_errors_and_429_are_retried_until_accepted() {
    let gateway = HttpRecorder::start(&[503, 429, 500]);
    let started = Instant::now();
    SmsNotifier::new(config(&gateway.url, 5))
        .unwrap()
        .send(&otp())
        .await
        .unwrap();
    assert_eq!(
        gateway.recorded().len(),
        4,
        "three failures, then the accepted try"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(700),
        "back-off 100 + 200 + 400 ms"
    );
}

#[tokio::test]
async fn a_4xx_is_permanent_and_not_retried() {
    let gateway = HttpRecorder::start(&[400]);
    match SmsNotifier::new(config(&gateway.url, 5))
        .unwrap()
        .send(&otp())
        .await
    {
        Err(NotifyError::Permanent(e)) => assert!(e.to_string().contains("400"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(gateway.recorded().len(), 1);
}

#[tokio::test]
async fn an_unreachable_gateway_is_transient_after_the_retries() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let notifier = SmsNotifier::new(config(&format!("http://127.0.0.1:{port}/"), 3)).unwrap();
    let started = Instant::now();
    match notifier.send(&otp()).await {
        Err(NotifyError::Transient(_)) => {}
        other => panic!("{other:?}"),
    }
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_gateway_that_never_answers_fails_the_delivery_within_the_timeout() {
    let gateway = SilentPeer::mute();
    let mut config = config(&gateway.http_url(), 3);
    config.timeout = Duration::from_millis(400);
    let notifier = SmsNotifier::new(config).unwrap();
    let started = Instant::now();
    match notifier.send(&otp()).await {
        Err(NotifyError::Transient(_)) => {}
        other => panic!("{other:?}"),
    }
    let elapsed = started.elapsed();
    assert!(
        (Duration::from_millis(400)..Duration::from_millis(1500)).contains(&elapsed),
        "{elapsed:?}"
    );
    let received = String::from_utf8(gateway.received().concat()).unwrap();
    assert!(
        received.contains("280597"),
        "the request went out: {received}"
    );
}

#[tokio::test]
async fn e_mail_messages_and_bad_urls_are_refused() {
    let gateway = HttpRecorder::start(&[]);
    let mut email = otp();
    email.channel = Channel::Email;
    match SmsNotifier::new(config(&gateway.url, 3))
        .unwrap()
        .send(&email)
        .await
    {
        Err(NotifyError::Permanent(_)) => {}
        other => panic!("{other:?}"),
    }
    assert!(gateway.recorded().is_empty());
    assert!(SmsNotifier::new(config("smtp://127.0.0.1", 1)).is_err());
    let shown = format!("{:?}", config(&gateway.url, 1));
    assert!(!shown.contains("gateway-token-123"), "{shown}");
}
