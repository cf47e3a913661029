//! The flows that send messages (endpoints 10 and 12), delivered for real: e-mail through an
//! SMTP server (aiosmtpd) and SMS through a recording HTTP gateway. Each test reads what was
//! delivered, takes the link out of it, and completes the flow with it, as a customer would.

use latchkey_testkit::http_recorder::HttpRecorder;
use latchkey_testkit::smtp_sink::{SmtpSink, free_port};
use latchkey_tests::{TestServer, credential_path};
use mail_parser::MessageParser;
use serde_json::{Value, json};

const ORG: &str = "yoigo";
const ANA: &str = "ana@example.com";
const OLD: &str = "correct horse battery staple";
const NEW: &str = "a brand new passphrase";
const MSISDN: &str = "+34600111222";

fn flow(name: &str) -> String {
    format!("/v1/orgs/{ORG}/flows/{name}")
}

/// A server whose e-mail goes to `sink`.
async fn server_with_smtp(sink: &SmtpSink) -> TestServer {
    let url = sink.url();
    TestServer::start_with(move |c| {
        c.smtp_url = Some(url.into());
        c.smtp_from = "Yoigo <no-reply@yoigo.example>".to_owned();
    })
    .await
}

/// A delivered e-mail: subject, text and HTML.
struct Email {
    to: String,
    subject: String,
    text: String,
    html: String,
}

fn parse(raw: &[u8]) -> Email {
    let email = MessageParser::default().parse(raw).expect("a MIME message");
    Email {
        to: email
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .unwrap_or_default()
            .to_owned(),
        subject: email.subject().unwrap_or_default().to_owned(),
        text: email.body_text(0).unwrap_or_default().into_owned(),
        html: email.body_html(0).unwrap_or_default().into_owned(),
    }
}

/// The first `http...` link in `text` that carries `?token=`, and the token it carries
/// (percent-decoded, as the login server would read it).
fn link_and_token(text: &str) -> (String, String) {
    let link = text
        .split_whitespace()
        .find(|w| w.starts_with("http") && w.contains("?token="))
        .unwrap_or_else(|| panic!("no link in: {text}"))
        .to_owned();
    let query = link.split_once('?').unwrap().1;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
    let token = pairs.into_iter().find(|(k, _)| k == "token").unwrap().1;
    (link, token)
}

impl Fixture {
    async fn new(server: TestServer) -> Self {
        let admin = server.admin_token(None).await;
        Self { server, admin }
    }

    async fn post(&self, path: &str, body: Value) -> latchkey_tests::Answer {
        self.server
            .call("POST", path, Some(&self.admin), Some(&body))
            .await
    }

    /// `username` with `msisdn`, activated with the password `OLD`.
    async fn active(&self, username: &str) {
        let token = self
            .post(
                &flow("create_username"),
                json!({"username": username, "customer_id": "C-1", "msisdn": MSISDN}),
            )
            .await
            .expect_json(201)["token"]
            .as_str()
            .unwrap()
            .to_owned();
        self.set_password(username, &token, OLD)
            .await
            .expect_status(204);
    }

    async fn set_password(&self, username: &str, token: &str, password: &str) -> Checked {
        Checked(
            self.server
                .call(
                    "PUT",
                    &credential_path(ORG, username),
                    Some(&self.admin),
                    Some(&json!({"password": password, "token": token})),
                )
                .await,
        )
    }

    async fn reset(&self, username: &str) -> latchkey_tests::Answer {
        self.post(&flow("reset_password"), json!({"username": username}))
            .await
    }

    async fn change(&self, old: &str, new: &str, language: &str) -> latchkey_tests::Answer {
        self.post(
            &flow("change_password"),
            json!({"username": ANA, "old_password": old, "new_password": new, "language": language}),
        )
        .await
    }
}

struct Fixture {
    server: TestServer,
    admin: String,
}

/// An answer whose status a test asserts.
struct Checked(latchkey_tests::Answer);

impl Checked {
    fn expect_status(&self, status: u16) {
        assert_eq!(self.0.code(), status, "{}", self.0.text());
    }
}

#[actix_rt::test]
async fn reset_by_email_then_set_password_then_only_the_new_password_works() {
    let sink = SmtpSink::start();
    let f = Fixture::new(server_with_smtp(&sink).await).await;
    f.active(ANA).await;

    let answer = f
        .post(
            &flow("reset_password"),
            json!({"username": ANA, "language": "en", "hint": ANA}),
        )
        .await;
    assert_eq!(answer.code(), 204, "{}", answer.text());
    let email = parse(&sink.wait_for(1)[0]);
    assert_eq!(email.to, ANA);
    assert_eq!(email.subject, "Reset your Yoigo password");
    let (link, token) = link_and_token(&email.text);
    assert!(
        link.starts_with(&format!("{}/password/set?token=", f.server.base)),
        "{link}"
    );
    assert!(email.html.contains("Yoigo"), "{}", email.html);
    assert!(token.contains("@yoigo@"), "{token}");

    f.set_password(ANA, &token, NEW).await.expect_status(204);
    f.set_password(ANA, &token, "yet another passphrase")
        .await
        .expect_status(400);

    // The old password fails, the new one works, and the change is announced by e-mail.
    let wrong = f.change(OLD, "third passphrase here", "en").await;
    assert_eq!(wrong.expect_error(403), "credential.wrong_password");
    let changed = f.change(NEW, "third passphrase here", "es").await;
    assert_eq!(changed.code(), 204, "{}", changed.text());
    let notice = parse(&sink.wait_for(2)[1]);
    assert_eq!(notice.to, ANA);
    assert_eq!(notice.subject, "Tu contraseña de Yoigo ha cambiado");
    assert!(notice.text.contains(ANA), "{}", notice.text);
}

#[actix_rt::test]
async fn reset_speaks_spanish_by_default_and_activates_a_new_credential() {
    let sink = SmtpSink::start();
    let f = Fixture::new(server_with_smtp(&sink).await).await;
    f.server.create_credential(&f.admin, ORG, ANA).await;

    let answer = f
        .post(
            &flow("reset_password"),
            json!({"username": ANA, "language": "fr"}),
        )
        .await;
    assert_eq!(answer.code(), 204, "{}", answer.text());
    let email = parse(&sink.wait_for(1)[0]);
    assert_eq!(
        email.subject, "Activa tu cuenta de Yoigo",
        "unknown language: Spanish"
    );
    let (_, token) = link_and_token(&email.text);
    f.set_password(ANA, &token, NEW).await.expect_status(204);
    let credential = f
        .server
        .get(&credential_path(ORG, ANA), &f.admin)
        .await
        .expect_json(200);
    assert_eq!(credential["enabled"], true);
}

#[actix_rt::test]
async fn reset_by_sms_goes_to_the_msisdn_through_the_gateway() {
    let gateway = HttpRecorder::start(&[]);
    let url = gateway.url.clone();
    let server = TestServer::start_with(move |c| {
        c.sms_url = Some(url);
        c.sms_token = Some("gateway-secret-token".into());
        c.sms_from = "Yoigo".to_owned();
    })
    .await;
    let f = Fixture::new(server).await;
    f.active(ANA).await;

    let answer = f
        .post(
            &flow("reset_password"),
            json!({"username": ANA, "language": "en", "hint": MSISDN}),
        )
        .await;
    assert_eq!(answer.code(), 204, "{}", answer.text());
    let recorded = gateway.recorded();
    assert_eq!(recorded.len(), 1);
    let sms = &recorded[0];
    assert_eq!(
        sms.header("authorization"),
        Some("Bearer gateway-secret-token")
    );
    let body = sms.json();
    assert_eq!(body["to"], MSISDN);
    assert_eq!(body["from"], "Yoigo");
    let (_, token) = link_and_token(body["text"].as_str().unwrap());
    f.set_password(ANA, &token, NEW).await.expect_status(204);
    assert_eq!(f.change(NEW, OLD, "en").await.code(), 204);
}

#[actix_rt::test]
async fn a_hint_that_is_not_a_contact_is_refused_and_nothing_is_sent() {
    let sink = SmtpSink::start();
    let f = Fixture::new(server_with_smtp(&sink).await).await;
    f.active(ANA).await;
    for hint in ["eve@example.com", "+34600999999", "ana"] {
        let answer = f
            .post(
                &flow("reset_password"),
                json!({"username": ANA, "hint": hint}),
            )
            .await;
        assert_eq!(answer.expect_error(400), "flow.invalid_hint", "{hint}");
    }
    let unknown = f
        .post(
            &flow("reset_password"),
            json!({"username": "nobody@example.com"}),
        )
        .await;
    assert_eq!(unknown.expect_error(404), "credential.not_found");
    assert!(sink.delivered().is_empty());
}

#[actix_rt::test]
async fn a_failed_delivery_answers_502_and_its_token_is_useless() {
    // The gateway refuses every message for good, but records it: the token it carried can be
    // tried afterwards.
    let gateway = HttpRecorder::start(&[400, 400, 400]);
    let url = gateway.url.clone();
    let server = TestServer::start_with(move |c| c.sms_url = Some(url)).await;
    let f = Fixture::new(server).await;
    f.active(ANA).await;
    let answer = f
        .post(
            &flow("reset_password"),
            json!({"username": ANA, "hint": MSISDN}),
        )
        .await;
    assert_eq!(answer.expect_error(502), "notification.failed");
    let text = gateway.recorded()[0].json()["text"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, token) = link_and_token(&text);
    f.set_password(ANA, &token, NEW).await.expect_status(400);
}

#[actix_rt::test]
async fn an_unreachable_smtp_server_answers_502() {
    let port = free_port();
    let server = TestServer::start_with(move |c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}").into());
        c.notify_attempts = 2;
        c.notify_timeout_ms = 500;
    })
    .await;
    let f = Fixture::new(server).await;
    f.active(ANA).await;
    let answer = f
        .post(&flow("reset_password"), json!({"username": ANA}))
        .await;
    assert_eq!(answer.expect_error(502), "notification.failed");
    let body = answer.json();
    assert!(
        !body["componentMsg"].as_str().unwrap().contains("127.0.0.1"),
        "no internals: {body}"
    );
}

#[actix_rt::test]
async fn resets_over_the_credential_or_tenant_limit_answer_429_with_retry_after() {
    let sink = SmtpSink::start();
    let url = sink.url();
    let server = TestServer::start_with(move |c| {
        c.smtp_url = Some(url.into());
        c.flow_rate_per_credential = "2/1h".parse().unwrap();
        c.flow_rate_per_tenant = "3/1h".parse().unwrap();
    })
    .await;
    let f = Fixture::new(server).await;
    f.active(ANA).await;
    f.active("bob@example.com").await;
    assert_eq!(f.reset(ANA).await.code(), 204);
    assert_eq!(f.reset(ANA).await.code(), 204);
    let limited = f.reset(ANA).await;
    assert_eq!(limited.expect_error(429), "request.rate_limited");
    let retry_after: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=1800).contains(&retry_after), "{retry_after}");

    assert_eq!(f.reset("bob@example.com").await.code(), 204);
    let tenant_limited = f.reset("bob@example.com").await;
    assert_eq!(tenant_limited.expect_error(429), "request.rate_limited");
    assert!(tenant_limited.header("retry-after").is_some());
    assert_eq!(sink.wait_for(3).len(), 3, "no message past the limits");
}

#[actix_rt::test]
async fn change_password_refusals_have_their_own_errors() {
    let sink = SmtpSink::start();
    let f = Fixture::new(server_with_smtp(&sink).await).await;
    f.active(ANA).await;
    assert_eq!(
        f.change("not my password", NEW, "en")
            .await
            .expect_error(403),
        "credential.wrong_password"
    );
    assert_eq!(
        f.change(OLD, "short", "en").await.expect_error(400),
        "password.too_short"
    );
    let unknown = f
        .post(
            &flow("change_password"),
            json!({"username": "nobody@example.com", "old_password": OLD, "new_password": NEW}),
        )
        .await;
    assert_eq!(unknown.expect_error(404), "credential.not_found");
    let missing = f
        .post(
            &flow("change_password"),
            json!({"username": ANA, "old_password": OLD}),
        )
        .await;
    assert_eq!(missing.code(), 400, "{}", missing.text());
    let reader = f.server.admin_token(Some("credentials:read")).await;
    let forbidden = f
        .server
        .call(
            "POST",
            &flow("change_password"),
            Some(&reader),
            Some(&json!({"username": ANA, "old_password": OLD, "new_password": NEW})),
        )
        .await;
    assert_eq!(forbidden.expect_error(403), "auth.insufficient_scope");
    assert!(
        sink.delivered().is_empty(),
        "no notice for a refused change"
    );
}
