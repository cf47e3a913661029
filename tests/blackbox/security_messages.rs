//! The security service's messages over HTTP (`POST /api/v1/email`, `POST /api/v1/sms`), sent
//! as owsec's curl CLI sends them (JSON without a content type): test messages read back from
//! the real SMTP server (aiosmtpd) and the SMS gateway's recorder, who may send them, every
//! error of their input, and a mobile number proved by the code the gateway received.

use crate::security_oauth2::{
    PASSWORD, ROOT, access, code_in, create_operator, expect_code, expect_detail, root_tokens,
    send, sign_in, start,
};
use latchkey_testkit::http_recorder::HttpRecorder;
use latchkey_testkit::smtp_sink::{SmtpSink, free_port};
use latchkey_tests::{Answer, TestServer};
use mail_parser::MessageParser;
use serde_json::{Value, json};

const SENDER: &str = "no-reply@security.example";

/// `POST path` with `token` as the bearer and `body` as JSON without a content type.
async fn post(server: &TestServer, path: &str, token: &str, body: &Value) -> Answer {
    let auth = format!("Bearer {token}");
    send(
        server,
        "POST",
        path,
        &[("authorization", &auth)],
        Some(body),
    )
    .await
}

fn expect_completed(answer: &Answer) {
    let body = answer.expect_json(200);
    assert_eq!(body["Code"], 0, "{body}");
    assert_eq!(body["Operation"], "POST", "{body}");
    assert_eq!(body["Details"], "Command completed.", "{body}");
}

/// A server with the first root, e-mail through `sink` and SMS through `gateway`.
async fn server(sink: &SmtpSink, gateway: &HttpRecorder) -> TestServer {
    let (smtp, sms) = (sink.url(), gateway.url.clone());
    start(move |c| {
        c.smtp_url = Some(smtp.into());
        c.smtp_from = format!("Security <{SENDER}>");
        c.sms_url = Some(sms);
        c.sms_token = Some("gateway-token".into());
    })
    .await
}

/// Creates an operator of `role` as `root` and signs it in: its access token.
async fn operator_token(server: &TestServer, root: &str, email: &str, role: &str) -> String {
    let body = json!({"id": "0", "email": email, "currentPassword": PASSWORD, "userRole": role, "locale": "en"});
    post(server, "/api/v1/user/0", root, &body)
        .await
        .expect_json(200);
    access(&sign_in(server, email, PASSWORD).await)
}

#[actix_rt::test]
async fn a_test_email_reaches_each_recipient_from_the_service_replying_to_from() {
    let (sink, gateway) = (SmtpSink::start(), HttpRecorder::start(&[]));
    let server = server(&sink, &gateway).await;
    let root = access(&root_tokens(&server).await);
    let body = json!({
        "recipients": ["ana@example.com", "bea@example.com"],
        "subject": "Gateway check",
        "from": "boss@elsewhere.example",
        "text": "If you read this, e-mail works.\nSecond line.",
    });
    expect_completed(&post(&server, "/api/v1/email", &root, &body).await);
    let delivered = sink.wait_for(2);
    let mut recipients = Vec::new();
    for raw in &delivered {
        let mail = MessageParser::default().parse(raw).unwrap();
        recipients.push(
            mail.to()
                .unwrap()
                .first()
                .unwrap()
                .address()
                .unwrap()
                .to_owned(),
        );
        assert_eq!(
            mail.from().unwrap().first().unwrap().address(),
            Some(SENDER)
        );
        assert_eq!(
            mail.reply_to().unwrap().first().unwrap().address(),
            Some("boss@elsewhere.example")
        );
        assert_eq!(mail.subject(), Some("[OpenWiFi] Gateway check"));
        let text = mail.body_text(0).unwrap();
        assert!(
            text.contains("If you read this, e-mail works.\nSecond line."),
            "{text}"
        );
        assert!(text.contains(ROOT), "who asked is named: {text}");
    }
    recipients.sort();
    assert_eq!(recipients, ["ana@example.com", "bea@example.com"]);
    assert!(gateway.recorded().is_empty());
}

#[actix_rt::test]
async fn a_test_sms_goes_through_the_gateway() {
    let (sink, gateway) = (SmtpSink::start(), HttpRecorder::start(&[]));
    let server = server(&sink, &gateway).await;
    let root = access(&root_tokens(&server).await);
    let body = json!({"to": "+34600123456", "text": "SMS works"});
    expect_completed(&post(&server, "/api/v1/sms", &root, &body).await);
    let recorded = gateway.recorded();
    assert_eq!(recorded.len(), 1);
    let sent = recorded[0].json();
    assert_eq!(sent["to"], "+34600123456");
    assert_eq!(sent["text"], "OpenWiFi: SMS works");
    assert!(sink.delivered().is_empty());
}

#[actix_rt::test]
async fn only_root_admin_and_partner_send_test_messages() {
    let (sink, gateway) = (SmtpSink::start(), HttpRecorder::start(&[]));
    let server = server(&sink, &gateway).await;
    let root = access(&root_tokens(&server).await);
    let email = json!({"recipients": ["ana@example.com"], "subject": "s", "text": "t"});
    let sms = json!({"to": "+34600123456", "text": "t"});
    for (n, role) in ["admin", "partner"].into_iter().enumerate() {
        let token = operator_token(&server, &root, &format!("ok{n}@messages.test"), role).await;
        expect_completed(&post(&server, "/api/v1/email", &token, &email).await);
        expect_completed(&post(&server, "/api/v1/sms", &token, &sms).await);
    }
    for (n, role) in ["csr", "noc", "subscriber"].into_iter().enumerate() {
        let token = operator_token(&server, &root, &format!("no{n}@messages.test"), role).await;
        expect_code(
            &post(&server, "/api/v1/email", &token, &email).await,
            403,
            7,
        );
        expect_code(&post(&server, "/api/v1/sms", &token, &sms).await, 403, 7);
        // Refused before its fields are checked.
        let bad = json!({"recipients": ["nobody"]});
        expect_code(&post(&server, "/api/v1/email", &token, &bad).await, 403, 7);
    }
    expect_code(
        &post(&server, "/api/v1/email", "not-a-token", &email).await,
        403,
        8,
    );
    assert_eq!(sink.wait_for(2).len(), 2);
    assert_eq!(gateway.recorded().len(), 2);
}

#[actix_rt::test]
async fn bad_input_is_400_with_its_detail_and_nothing_is_sent() {
    let (sink, gateway) = (SmtpSink::start(), HttpRecorder::start(&[]));
    let server = server(&sink, &gateway).await;
    let root = access(&root_tokens(&server).await);
    let ok = |change: Value| {
        let mut body = json!({"recipients": ["ana@example.com"], "subject": "s", "text": "t"});
        for (key, value) in change.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    };
    let cases = [
        (json!({"subject": "s", "text": "t"}), 1018),
        (ok(json!({"recipients": []})), 1018),
        (ok(json!({"recipients": "ana@example.com"})), 1018),
        (ok(json!({"recipients": ["not an address"]})), 1040),
        (ok(json!({"recipients": ["Ana <ana@example.com>"]})), 1040),
        (ok(json!({"from": "nobody"})), 1040),
        (ok(json!({"subject": "two\r\nBcc: x@y.example"})), 1018),
        (ok(json!({"subject": " "})), 1018),
        (ok(json!({"text": "x".repeat(10_001)})), 1018),
    ];
    for (body, detail) in cases {
        expect_detail(&post(&server, "/api/v1/email", &root, &body).await, detail);
    }
    let auth = format!("Bearer {root}");
    let headers = [("authorization", auth.as_str())];
    let not_json = server
        .http
        .post(server.url("/api/v1/email"))
        .insert_header(headers[0])
        .send_body("{recipients")
        .await;
    let not_json = latchkey_tests::http::read_answer(not_json).await.unwrap();
    expect_detail(&not_json, 1003);
    let sms_cases = [
        (json!({"text": "t"}), 1018),
        (json!({"to": "600123456", "text": "t"}), 1115),
        (json!({"to": "+34600123456"}), 1018),
        (json!({"to": "+34600123456", "text": "x".repeat(401)}), 1018),
    ];
    for (body, detail) in sms_cases {
        expect_detail(&post(&server, "/api/v1/sms", &root, &body).await, detail);
    }
    let flag = post(
        &server,
        "/api/v1/sms?validateNumber=maybe",
        &root,
        &json!({}),
    )
    .await;
    expect_detail(&flag, 1018);
    assert!(sink.delivered().is_empty());
    assert!(gateway.recorded().is_empty());
}

#[actix_rt::test]
async fn a_gateway_that_fails_is_503_code_13_without_its_address() {
    let port = free_port();
    let gateway = HttpRecorder::start(&[500, 500, 500, 500]);
    let sms = gateway.url.clone();
    let server = start(move |c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}").into());
        c.sms_url = Some(sms);
        c.notify_attempts = 2;
        c.notify_timeout_ms = 500;
    })
    .await;
    let root = access(&root_tokens(&server).await);
    let email = json!({"recipients": ["ana@example.com"], "subject": "s", "text": "t"});
    let answer = post(&server, "/api/v1/email", &root, &email).await;
    expect_code(&answer, 503, 13);
    assert!(!answer.text().contains("127.0.0.1"), "{}", answer.text());
    let answer = post(
        &server,
        "/api/v1/sms",
        &root,
        &json!({"to": "+34600123456", "text": "t"}),
    )
    .await;
    expect_code(&answer, 503, 13);
    // A code that did not go out is withdrawn: asking again is not "too soon".
    let validate = json!({"to": "+34600123456"});
    let first = post(&server, "/api/v1/sms?validateNumber=true", &root, &validate).await;
    expect_code(&first, 503, 13);
    let again = post(&server, "/api/v1/sms?validateNumber=true", &root, &validate).await;
    assert_ne!(again.code(), 429, "{}", again.text());
}

/// The mobiles of operator `id`, as `token` reads them (`GET /user/{id}`: from the store, where
/// `?me=true` answers the record its token was validated with, kept a few seconds).
async fn mobiles(server: &TestServer, token: &str, id: &str) -> Value {
    let auth = format!("Bearer {token}");
    let path = format!("/api/v1/user/{id}");
    let user = send(server, "GET", &path, &[("authorization", &auth)], None)
        .await
        .expect_json(200);
    user["userTypeProprietaryInfo"]["mobiles"].clone()
}

#[actix_rt::test]
async fn a_number_proved_by_its_code_joins_the_operators_mobiles() {
    let (sink, gateway) = (SmtpSink::start(), HttpRecorder::start(&[]));
    let server = server(&sink, &gateway).await;
    let root = access(&root_tokens(&server).await);
    let id = create_operator(&server, &root, "ana@messages.test").await;
    let ana = access(&sign_in(&server, "ana@messages.test", PASSWORD).await);
    let number = json!({"to": "+34600111222"});
    expect_detail(
        &post(&server, "/api/v1/sms?validateNumber=true", &ana, &json!({})).await,
        1094,
    );
    let not_e164 = json!({"to": "0034 600"});
    expect_detail(
        &post(&server, "/api/v1/sms?validateNumber=true", &ana, &not_e164).await,
        1115,
    );

    expect_completed(&post(&server, "/api/v1/sms?validateNumber=true", &ana, &number).await);
    let recorded = gateway.recorded();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].json()["to"], "+34600111222");
    let code = code_in(recorded[0].json()["text"].as_str().unwrap());
    let too_soon = post(&server, "/api/v1/sms?validateNumber=true", &ana, &number).await;
    expect_code(&too_soon, 429, 10);
    assert!(too_soon.header("retry-after").is_some());

    let wrong = if code == "000000" { "111111" } else { "000000" };
    let path = |code: &str| format!("/api/v1/sms?completeValidation=true&validationCode={code}");
    expect_detail(&post(&server, &path(wrong), &ana, &number).await, 1057);
    let other_number = json!({"to": "+34600111333"});
    expect_detail(
        &post(&server, &path(&code), &ana, &other_number).await,
        1057,
    );
    let no_code = "/api/v1/sms?completeValidation=true";
    expect_detail(&post(&server, no_code, &ana, &number).await, 1018);
    // Another operator cannot use Ana's code.
    let bea_id = create_operator(&server, &root, "bea@messages.test").await;
    let bea = access(&sign_in(&server, "bea@messages.test", PASSWORD).await);
    expect_detail(&post(&server, &path(&code), &bea, &number).await, 1057);

    expect_completed(&post(&server, &path(&code), &ana, &number).await);
    assert_eq!(
        mobiles(&server, &root, &id).await,
        json!([{"number": "+34600111222", "verified": true, "primary": true}])
    );
    // Single use.
    expect_detail(&post(&server, &path(&code), &ana, &number).await, 1057);
    assert_eq!(mobiles(&server, &root, &bea_id).await, json!([]));
    // An operator's proved number is where its SMS codes can now go.
    let auth = format!("Bearer {ana}");
    let sms_mfa = json!({"userTypeProprietaryInfo": {"mfa": {"enabled": true, "method": "sms"}}});
    let path = format!("/api/v1/user/{id}");
    send(
        &server,
        "PUT",
        &path,
        &[("authorization", &auth)],
        Some(&sms_mfa),
    )
    .await
    .expect_json(200);
    let challenge = sign_in(&server, "ana@messages.test", PASSWORD).await;
    assert_eq!(challenge["method"], "sms", "{challenge}");
    assert_eq!(
        gateway.recorded().last().unwrap().json()["to"],
        "+34600111222"
    );
}

#[actix_rt::test]
async fn a_subscriber_proves_a_number_for_its_own_mobiles_and_sends_no_test_message() {
    use crate::security_suboauth2 as sub;
    let gateway = HttpRecorder::start(&[]);
    let sms = gateway.url.clone();
    let (server, _) = sub::start(move |c| c.sms_url = Some(sms)).await;
    let sue = sub::access(&sub::sign_in(&server, sub::SUE, sub::PASSWORD).await);
    let test = json!({"to": "+34600123456", "text": "t"});
    expect_code(&post(&server, "/api/v1/sms", &sue, &test).await, 403, 7);
    let email = json!({"recipients": ["ana@example.com"], "subject": "s", "text": "t"});
    expect_code(&post(&server, "/api/v1/email", &sue, &email).await, 403, 7);

    let number = json!({"to": "+34600555666"});
    expect_completed(&post(&server, "/api/v1/sms?validateNumber=true", &sue, &number).await);
    let recorded = gateway.recorded();
    assert_eq!(recorded.len(), 1, "the test SMS was refused, the code sent");
    assert_eq!(recorded[0].json()["to"], "+34600555666");
    let code = code_in(recorded[0].json()["text"].as_str().unwrap());
    let path = format!("/api/v1/sms?completeValidation=true&validationCode={code}");
    expect_completed(&post(&server, &path, &sue, &number).await);
    let me = sub::bearer(&server, "GET", "/api/v1/suboauth2?me=true", &sue).await;
    assert_eq!(
        me.expect_json(200)["userTypeProprietaryInfo"]["mobiles"],
        json!([{"number": "+34600555666", "verified": true, "primary": true}])
    );
    expect_detail(&post(&server, &path, &sue, &number).await, 1057);
}

#[actix_rt::test]
async fn without_gateways_a_database_server_answers_1085_and_1084_and_dev_mode_prints() {
    let server = start(|c| {
        c.smtp_url = None;
        c.sms_url = None;
    })
    .await;
    let root = access(&root_tokens(&server).await);
    let email = json!({"recipients": ["ana@example.com"], "subject": "s", "text": "t"});
    let sms = json!({"to": "+34600123456", "text": "t"});
    let proof = json!({"to": "+34600123456"});
    let answers = [
        post(&server, "/api/v1/email", &root, &email).await,
        post(&server, "/api/v1/sms", &root, &sms).await,
        post(&server, "/api/v1/sms?validateNumber=true", &root, &proof).await,
    ];
    match latchkey_tests::Backend::from_env() {
        // Dev mode: a channel without a gateway prints its messages.
        latchkey_tests::Backend::Memory => answers.iter().for_each(expect_completed),
        // On a database printing would put messages in a log: the channel is not enabled.
        latchkey_tests::Backend::Postgres => {
            expect_detail(&answers[0], 1085);
            expect_detail(&answers[1], 1084);
            expect_detail(&answers[2], 1084);
        }
    }
}
