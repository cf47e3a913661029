//! Subscriber self-registration, `POST/PUT /api/v1/signup`: the registration, its e-mailed link
//! (read from the real SMTP server) and the page that chooses the first password, and every
//! move of the state machine as the provisioning service (owprov) makes them. Enumeration, the
//! rate limits and the refusals are in `security_signup_abuse`.

use latchkey_testkit::smtp_sink::SmtpSink;
use latchkey_tests::{Answer, TestServer, credential_path};
use mail_parser::MessageParser;
use serde_json::{Value, json};

pub const ROOT: &str = "root@signup.test";
const ROOT_INITIAL: &str = "Initial-signup-root-1";
pub const ROOT_PASSWORD: &str = "Changed-signup-root-2";
/// The provisioning service's `X-INTERNAL-NAME` and `X-API-KEY`.
pub const OWPROV: [(&str, &str); 2] = [
    ("x-internal-name", "owprov"),
    ("x-api-key", "provisioning-key-0123456789"),
];
const SERVICES: &str = r#"[{"type": "owprov", "uri": "https://prov.example.com",
    "key": "provisioning-key-0123456789"}]"#;
pub const PASSWORD: &str = "Subscriber-pass-42x";

/// A server delivering to `sink`, whose subscriber calls address `masmovil` by default.
pub async fn start(
    sink: &SmtpSink,
    adjust: impl FnOnce(&mut latchkey_server::config::ServerConfig),
) -> TestServer {
    let url = sink.url();
    TestServer::start_with(move |c| {
        c.smtp_url = Some(url.into());
        c.security.root_email = Some(ROOT.to_owned());
        c.security.root_password = Some(ROOT_INITIAL.into());
        c.security.system_services = Some(SERVICES.into());
        c.security.subscriber_org = Some(latchkey_core::OrgId::parse("masmovil").unwrap());
        adjust(c);
    })
    .await
}

pub use crate::security_oauth2::{expect_code, expect_detail, send};

/// `POST /api/v1/signup?email=&signupUUID=` with `headers`.
pub async fn register(
    server: &TestServer,
    email: &str,
    signup: &str,
    headers: &[(&str, &str)],
) -> Answer {
    let query = serde_urlencoded::to_string([("email", email), ("signupUUID", signup)]).unwrap();
    send(
        server,
        "POST",
        &format!("/api/v1/signup?{query}"),
        headers,
        None,
    )
    .await
}

/// `PUT /api/v1/signup?signupUUID=&operation=` with `headers` and `body`.
pub async fn operation(
    server: &TestServer,
    signup: &str,
    operation: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Answer {
    let query =
        serde_urlencoded::to_string([("signupUUID", signup), ("operation", operation)]).unwrap();
    send(
        server,
        "PUT",
        &format!("/api/v1/signup?{query}"),
        headers,
        body,
    )
    .await
}

/// `operation` as owprov; the registration's status after it.
pub async fn status(server: &TestServer, signup: &str, op: &str) -> Value {
    let answer = operation(server, signup, op, &OWPROV, None).await;
    let body = answer.expect_json(200);
    assert_eq!(body["Code"], 0, "{body}");
    assert_eq!(body["Operation"], "PUT", "{body}");
    assert_eq!(body["signupUUID"], signup, "{body}");
    body
}

/// The messages delivered so far, once there are `count`: (recipient, plain text).
pub fn mails(sink: &SmtpSink, count: usize) -> Vec<(String, String)> {
    sink.wait_for(count)
        .iter()
        .map(|raw| {
            let mail = MessageParser::default().parse(raw).unwrap();
            let to = mail
                .to()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .unwrap_or_default()
                .to_owned();
            (to, mail.body_text(0).unwrap_or_default().into_owned())
        })
        .collect()
}

/// The path of the signup link in `text`, and the link's id (decoded).
pub fn link(text: &str) -> (String, String) {
    let url = text
        .split_whitespace()
        .find(|w| w.contains("/api/v1/actionLink?action=signup_verification&id="))
        .unwrap_or_else(|| panic!("no signup link in: {text}"));
    let path = format!("/api/v1/{}", url.split_once("/api/v1/").unwrap().1);
    let query = path.split_once('?').unwrap().1;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
    let id = pairs.into_iter().find(|(k, _)| k == "id").unwrap().1;
    (path, id)
}

/// Posts the link's form.
pub async fn choose(server: &TestServer, id: &str, password: &str, confirm: &str) -> Answer {
    let form = [
        ("action", "signup_completion"),
        ("id", id),
        ("password", password),
        ("confirm", confirm),
    ];
    let response = server
        .http
        .post(server.url("/api/v1/actionLink"))
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .send_body(serde_urlencoded::to_string(form).unwrap())
        .await;
    latchkey_tests::http::read_answer(response).await.unwrap()
}

/// Asserts an HTML page with `status`; its text.
pub fn page(answer: &Answer, status: u16) -> String {
    assert_eq!(answer.code(), status, "{}", answer.text());
    let kind = answer.header("content-type").unwrap_or_default();
    assert!(kind.starts_with("text/html"), "{kind}");
    answer.text()
}

/// The credential of `email` in `masmovil` through the Credentials API (its status and body).
pub async fn credential(server: &TestServer, email: &str) -> Answer {
    let admin = server.admin_token(None).await;
    server
        .get(&credential_path("masmovil", email), &admin)
        .await
}

/// The root's access token (its first sign-in sets [`ROOT_PASSWORD`]).
pub async fn root_token(server: &TestServer) -> String {
    let body = json!({"userId": ROOT, "password": ROOT_INITIAL, "newPassword": ROOT_PASSWORD});
    let answer = crate::security_oauth2::oauth2(server, "", &body).await;
    answer.expect_json(200)["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A fresh `signupUUID`.
pub fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[actix_rt::test]
async fn a_registration_is_verified_by_its_link_then_ended_by_the_provisioning_service() {
    let sink = SmtpSink::start();
    let server = start(&sink, |_| {}).await;
    let signup = new_uuid();
    let email = "Ana.Signup@Example.com";
    let user = register(&server, email, &signup, &[])
        .await
        .expect_json(200);
    assert_eq!(user["email"], "ana.signup@example.com", "{user}");
    assert_eq!(user["signupUUID"], signup.as_str());
    assert_eq!(user["waitingForEmailCheck"], true);
    assert_eq!(user["validated"], false);
    assert_eq!(user["userRole"], "subscriber");
    assert_eq!(user["owner"], "masmovil");
    assert_eq!(user["currentPassword"], "");
    let id = user["id"].as_str().unwrap().to_owned();
    uuid::Uuid::parse_str(&id).unwrap();
    // The credential is there, and cannot sign in until the link is used.
    let before = credential(&server, "ana.signup@example.com")
        .await
        .expect_json(200);
    assert_eq!(before["enabled"], false, "{before}");

    // No sign-in before the link: the credential has no password yet.
    let early = json!({"userId": "ana.signup@example.com", "password": PASSWORD});
    let refused = crate::security_suboauth2::suboauth2(&server, "", &early).await;
    expect_code(&refused, 403, 2);

    let sent = mails(&sink, 1);
    assert_eq!(sent[0].0, "ana.signup@example.com");
    let (path, link_id) = link(&sent[0].1);
    let polled = status(&server, &signup, "poll").await;
    assert_eq!(polled["status"], "inprogress", "{polled}");
    assert_eq!(polled["userId"], id.as_str());
    // Only the link proves the address.
    for early in ["success", "emailVerified"] {
        let refused = operation(&server, &signup, early, &OWPROV, None).await;
        expect_detail(&refused, 1031);
    }

    let form = page(&send(&server, "GET", &path, &[], None).await, 200);
    assert!(form.contains("ana.signup@example.com"), "{form}");
    assert!(form.contains("signup_completion"), "{form}");
    let differ = choose(&server, &link_id, PASSWORD, "Another-pass-99").await;
    page(&differ, 400);
    let weak = choose(&server, &link_id, "short", "short").await;
    page(&weak, 400);
    // Refused passwords leave the link usable.
    page(&choose(&server, &link_id, PASSWORD, PASSWORD).await, 200);
    page(&choose(&server, &link_id, PASSWORD, PASSWORD).await, 400);
    page(&send(&server, "GET", &path, &[], None).await, 400);

    let verified = status(&server, &signup, "poll").await;
    assert_eq!(verified["status"], "emailVerified", "{verified}");
    let after = credential(&server, "ana.signup@example.com")
        .await
        .expect_json(200);
    assert_eq!(after["enabled"], true, "{after}");
    // The subscriber signs in with the password it chose.
    let tokens = crate::security_suboauth2::sign_in(&server, "ana.signup@example.com", PASSWORD);
    crate::security_suboauth2::assert_web_token(&tokens.await, "ana.signup@example.com");
    let root = root_token(&server).await;
    let auth = format!("Bearer {root}");
    let subuser = send(
        &server,
        "GET",
        &format!("/api/v1/subuser/{id}"),
        &[("authorization", &auth)],
        None,
    )
    .await
    .expect_json(200);
    assert_eq!(subuser["validated"], true, "{subuser}");
    assert_eq!(subuser["waitingForEmailCheck"], false, "{subuser}");
    assert_eq!(subuser["signupUUID"], signup.as_str(), "{subuser}");

    // The provisioning service ends it; a retry is answered alike, other moves are refused.
    let body = json!({"reason": "device claimed", "time": 1_764_000_000, "errorCode": 0});
    let ended = operation(&server, &signup, "success", &OWPROV, Some(&body)).await;
    assert_eq!(ended.expect_json(200)["status"], "success");
    assert_eq!(
        status(&server, &signup, "success").await["status"],
        "success"
    );
    for refused in ["cancel", "failed", "inprogress"] {
        expect_detail(
            &operation(&server, &signup, refused, &OWPROV, None).await,
            1031,
        );
    }
    let noted = send(
        &server,
        "GET",
        &format!("/api/v1/subuser/{id}"),
        &[("authorization", &auth)],
        None,
    )
    .await
    .expect_json(200);
    let notes = noted["notes"].to_string();
    assert!(
        notes.contains("success: device claimed (errorCode 0)"),
        "{notes}"
    );
    // The account stays: the subscriber may sign in.
    let still = credential(&server, "ana.signup@example.com")
        .await
        .expect_json(200);
    assert_eq!(still["enabled"], true);
}

#[actix_rt::test]
async fn cancelling_or_failing_an_unverified_registration_removes_its_credential() {
    let sink = SmtpSink::start();
    let server = start(&sink, |_| {}).await;
    for (n, (email, op)) in [("bo@example.com", "cancel"), ("cy@example.com", "failed")]
        .into_iter()
        .enumerate()
    {
        let signup = new_uuid();
        register(&server, email, &signup, &[])
            .await
            .expect_json(200);
        let (path, _) = link(&mails(&sink, n + 1)[n].1);
        let body = json!({"reason": "the customer gave up"});
        let ended = operation(&server, &signup, op, &OWPROV, Some(&body)).await;
        assert_eq!(ended.expect_json(200)["status"], op);
        assert_eq!(status(&server, &signup, "poll").await["status"], op);
        assert_eq!(credential(&server, email).await.code(), 404);
        page(&send(&server, "GET", &path, &[], None).await, 400);
        expect_detail(
            &operation(&server, &signup, "success", &OWPROV, None).await,
            1031,
        );
    }
    // The address is free again: a new registration of it starts afresh.
    let again = new_uuid();
    register(&server, "bo@example.com", &again, &[])
        .await
        .expect_json(200);
    let sent = mails(&sink, 3);
    assert_eq!(sent[2].0, "bo@example.com");
    link(&sent[2].1);
    assert_eq!(
        status(&server, &again, "poll").await["status"],
        "inprogress"
    );
    assert_eq!(credential(&server, "bo@example.com").await.code(), 200);
}

#[actix_rt::test]
async fn a_verified_registration_that_fails_or_is_cancelled_keeps_its_account() {
    let sink = SmtpSink::start();
    let server = start(&sink, |_| {}).await;
    for (n, (email, op)) in [("di@example.com", "failed"), ("ed@example.com", "cancel")]
        .into_iter()
        .enumerate()
    {
        let signup = new_uuid();
        register(&server, email, &signup, &[])
            .await
            .expect_json(200);
        let (_, id) = link(&mails(&sink, n + 1)[n].1);
        page(&choose(&server, &id, PASSWORD, PASSWORD).await, 200);
        assert_eq!(status(&server, &signup, op).await["status"], op);
        let kept = credential(&server, email).await.expect_json(200);
        assert_eq!(kept["enabled"], true, "{kept}");
    }
}

#[actix_rt::test]
async fn a_tenant_that_does_not_exist_has_no_registrations() {
    let sink = SmtpSink::start();
    let server = start(&sink, |_| {}).await;
    let signup = uuid::Uuid::new_v4().to_string();
    let mut headers = OWPROV.to_vec();
    headers.push(("x-latchkey-org", "no-such-tenant"));
    for op in ["poll", "cancel", "success"] {
        let answer = operation(&server, &signup, op, &headers, None).await;
        expect_code(&answer, 404, 404);
    }
}
