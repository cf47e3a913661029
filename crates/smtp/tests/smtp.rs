//! The SMTP adapter against a real SMTP server: aiosmtpd (Python, `latchkey_testkit::smtp_sink`),
//! started per test on a free port with its maildir handler, so each delivered message is a file
//! the test reads back and parses as MIME. `just test` and `.ci/run` install aiosmtpd (`.ci/smtp`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

use latchkey_notify::{Channel, Language, Message, Notifier, NotifyError, TemplateId};
use latchkey_smtp::{SmtpConfig, SmtpNotifier};
use latchkey_testkit::silent_peer::SilentPeer;
use latchkey_testkit::smtp_sink::{SmtpSink, free_port};
use mail_parser::MessageParser;
use std::time::{Duration, Instant};

fn config(port: u16, attempts: usize) -> SmtpConfig {
    SmtpConfig {
        url: format!("smtp://127.0.0.1:{port}"),
        from: "Yoigo <no-reply@yoigo.example>".to_owned(),
        timeout: Duration::from_secs(5),
        attempts,
        first_retry_delay: Duration::from_millis(100),
    }
}

fn otp(language: Language) -> Message {
    Message::new(
        TemplateId::OtpCode,
        language,
        Channel::Email,
        "Ana <ana@example.com>",
        "Yoigo",
    )
    .with("code", "280597")
    .with("minutes", "5")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivers_a_multipart_message_with_subject_text_and_html() {
    let port = free_port();
    let sink = SmtpSink::start_on(port);
    let notifier = SmtpNotifier::new(&config(port, 1)).unwrap();
    notifier.send(&otp(Language::Es)).await.unwrap();
    notifier.send(&otp(Language::En)).await.unwrap();

    let delivered = sink.delivered();
    assert_eq!(delivered.len(), 2);
    let mut subjects = Vec::new();
    for raw in &delivered {
        let email = MessageParser::default().parse(raw).unwrap();
        assert_eq!(
            email.from().unwrap().first().unwrap().address(),
            Some("no-reply@yoigo.example")
        );
        assert_eq!(
            email.to().unwrap().first().unwrap().address(),
            Some("ana@example.com")
        );
        let text = email.body_text(0).unwrap();
        let html = email.body_html(0).unwrap();
        assert!(
            text.contains("280597") && html.contains("280597"),
            "{text}\n{html}"
        );
        assert!(html.contains("<html"), "{html}");
        subjects.push(email.subject().unwrap().to_owned());
    }
    subjects.sort();
    assert_eq!(
        subjects,
        ["Tu código de Yoigo: 280597", "Your Yoigo code: 280597"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_to_is_a_header_and_never_the_sender() {
    let port = free_port();
    let sink = SmtpSink::start_on(port);
    let notifier = SmtpNotifier::new(&config(port, 1)).unwrap();
    let message = otp(Language::En).reply_to("boss@elsewhere.example");
    notifier.send(&message).await.unwrap();
    let delivered = sink.delivered();
    let email = MessageParser::default().parse(&delivered[0]).unwrap();
    assert_eq!(
        email.from().unwrap().first().unwrap().address(),
        Some("no-reply@yoigo.example")
    );
    assert_eq!(
        email.reply_to().unwrap().first().unwrap().address(),
        Some("boss@elsewhere.example")
    );
    let refused = otp(Language::En).reply_to("not an address\r\nBcc: x@y.example");
    match notifier.send(&refused).await {
        Err(NotifyError::Permanent(_)) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(sink.delivered().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_is_down_is_retried_then_reported_as_transient() {
    let port = free_port();
    let notifier = SmtpNotifier::new(&config(port, 3)).unwrap();
    let started = Instant::now();
    match notifier.send(&otp(Language::Es)).await {
        Err(NotifyError::Transient(_)) => {}
        other => panic!("{other:?}"),
    }
    // Two retries after 100 ms and 200 ms (and some jitter).
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_comes_back_during_the_retries_gets_the_message() {
    let port = free_port();
    let notifier = SmtpNotifier::new(&config(port, 6)).unwrap();
    let sending = tokio::spawn(async move { notifier.send(&otp(Language::En)).await });
    tokio::time::sleep(Duration::from_millis(250)).await;
    let sink = SmtpSink::start_on(port);
    sending.await.unwrap().unwrap();
    assert_eq!(sink.delivered().len(), 1);
}

/// lettre times out connecting only: a server that accepts and never greets, or that goes quiet
/// once it has the message, must still end the delivery within the timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_server_fails_the_delivery_within_the_timeout() {
    for peer in [SilentPeer::mute(), SilentPeer::smtp_until_message()] {
        let mut config = config(peer.port(), 3);
        config.timeout = Duration::from_millis(400);
        let notifier = SmtpNotifier::new(&config).unwrap();
        let started = Instant::now();
        match notifier.send(&otp(Language::Es)).await {
            Err(NotifyError::Transient(_)) => {}
            other => panic!("{other:?}"),
        }
        let elapsed = started.elapsed();
        assert!(
            (Duration::from_millis(400)..Duration::from_millis(1500)).contains(&elapsed),
            "{elapsed:?}"
        );
        assert_eq!(peer.connections(), 1, "{peer:?}");
    }
}

/// A delivery cut short leaves its connection mid-exchange; the next message must not wait on
/// it (lettre would test it with a NOOP that is never answered) but go out on a fresh one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_delivery_timed_out_the_next_message_gets_a_fresh_connection() {
    let peer = SilentPeer::smtp_until_message();
    let mut config = config(peer.port(), 1);
    config.timeout = Duration::from_millis(300);
    let notifier = SmtpNotifier::new(&config).unwrap();
    for sent in 1..=3 {
        assert!(matches!(
            notifier.send(&otp(Language::En)).await,
            Err(NotifyError::Transient(_))
        ));
        assert_eq!(peer.connections(), sent);
        assert_eq!(peer.received().len(), sent, "message {sent} went out");
    }
}

#[tokio::test]
async fn sms_and_malformed_recipients_are_permanent_failures() {
    let notifier = SmtpNotifier::new(&config(free_port(), 3)).unwrap();
    let mut sms = otp(Language::Es);
    sms.channel = Channel::Sms;
    let mut malformed = otp(Language::Es);
    malformed.recipient = "not an address".to_owned();
    for message in [sms, malformed] {
        let started = Instant::now();
        match notifier.send(&message).await {
            Err(NotifyError::Permanent(_)) => {}
            other => panic!("{other:?}"),
        }
        assert!(
            started.elapsed() < Duration::from_millis(100),
            "no retry for a permanent failure"
        );
    }
}

/// Built inside a Tokio runtime: the connection pool runs a clean-up task on it.
#[tokio::test]
async fn bad_urls_and_senders_are_refused_at_start() {
    let mut bad_url = config(25, 1);
    bad_url.url = "http://127.0.0.1".to_owned();
    assert!(SmtpNotifier::new(&bad_url).is_err());
    let mut bad_from = config(25, 1);
    bad_from.from = "nobody".to_owned();
    assert!(SmtpNotifier::new(&bad_from).is_err());
    let mut tls = config(465, 1);
    tls.url = "smtps://user:secret@smtp.example.com:465".to_owned();
    assert!(SmtpNotifier::new(&tls).is_ok());
    let shown = format!("{tls:?}");
    assert!(!shown.contains("secret"), "{shown}");
}
