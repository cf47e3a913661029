//! The SMS adapter against a local HTTP listener that records each request (method, path,
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
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
struct Recorded {
    request_line: String,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Recorded {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Answers each request with the next scripted status (200 once the script is used up).
struct Gateway {
    url: String,
    recorded: Arc<Mutex<Vec<Recorded>>>,
}

impl Gateway {
    async fn start(statuses: &[u16]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/sms/send", listener.local_addr().unwrap());
        let recorded = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(
            statuses.iter().copied().collect::<VecDeque<_>>(),
        ));
        let (log, script_) = (recorded.clone(), script.clone());
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let (log, script) = (log.clone(), script_.clone());
                tokio::spawn(async move {
                    let mut reader = BufReader::new(stream);
                    loop {
                        let mut request_line = String::new();
                        if reader.read_line(&mut request_line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let mut headers = Vec::new();
                        loop {
                            let mut line = String::new();
                            reader.read_line(&mut line).await.unwrap();
                            let line = line.trim_end();
                            if line.is_empty() {
                                break;
                            }
                            let (k, v) = line.split_once(':').unwrap();
                            headers.push((k.trim().to_owned(), v.trim().to_owned()));
                        }
                        let length: usize = headers
                            .iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                            .map_or(0, |(_, v)| v.parse().unwrap());
                        let mut body = vec![0; length];
                        reader.read_exact(&mut body).await.unwrap();
                        log.lock().unwrap().push(Recorded {
                            request_line: request_line.trim_end().to_owned(),
                            headers,
                            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                        });
                        let status = script.lock().unwrap().pop_front().unwrap_or(200);
                        let answer = format!(
                            "HTTP/1.1 {status} Scripted\r\ncontent-length: 2\r\ncontent-type: application/json\r\n\r\n{{}}"
                        );
                        reader.get_mut().write_all(answer.as_bytes()).await.unwrap();
                    }
                });
            }
        });
        Self { url, recorded }
    }

    fn recorded(&self) -> Vec<Recorded> {
        self.recorded.lock().unwrap().clone()
    }
}

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
    let gateway = Gateway::start(&[]).await;
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
        request.body,
        json!({"to": "+34600111222", "from": "Yoigo",
               "text": "Yoigo: your code is 280597. It expires in 5 min. Do not share it."})
    );
}

#[tokio::test]
async fn server_errors_and_429_are_retried_until_accepted() {
    let gateway = Gateway::start(&[503, 429, 500]).await;
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
    let gateway = Gateway::start(&[400]).await;
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
async fn e_mail_messages_and_bad_urls_are_refused() {
    let gateway = Gateway::start(&[]).await;
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
