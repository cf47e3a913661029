//! A subscriber's second factor, `/api/v1/submfa`: a channel becomes it only once a code sent
//! there (read back from the SMTP sink or the SMS gateway's recorder) comes back, and it is the
//! credential's `require2fa` the Credentials API shows and the sign-in honours.

use crate::security_oauth2::{code_in, expect_code, expect_detail, mails, send};
use crate::security_suboauth2::{self, ORG, PASSWORD, SUE, bearer};
use latchkey_testkit::http_recorder::HttpRecorder;
use latchkey_testkit::smtp_sink::SmtpSink;
use latchkey_tests::{Answer, TestServer, credential_path};
use serde_json::{Value, json};

/// `PUT /api/v1/submfa{query}` with `body` as `token`.
async fn put(server: &TestServer, token: &str, query: &str, body: &Value) -> Answer {
    let auth = format!("Bearer {token}");
    let path = format!("/api/v1/submfa{query}");
    send(
        server,
        "PUT",
        &path,
        &[("authorization", &auth)],
        Some(body),
    )
    .await
}

async fn config(server: &TestServer, token: &str) -> Value {
    bearer(server, "GET", "/api/v1/submfa", token)
        .await
        .expect_json(200)
}

/// Whether the Credentials API shows `require2fa` on [`SUE`].
async fn require2fa(server: &TestServer, admin: &str) -> bool {
    let credential = server
        .get(&credential_path(ORG, SUE), admin)
        .await
        .expect_json(200);
    credential["require2fa"].as_bool().unwrap()
}

fn other_than(code: &str) -> &'static str {
    if code == "000000" { "111111" } else { "000000" }
}

#[actix_rt::test]
async fn e_mail_becomes_the_second_factor_only_with_the_code_sent_there() {
    let sink = SmtpSink::start();
    let url = sink.url();
    let (server, admin) = security_suboauth2::start(move |c| c.smtp_url = Some(url.into())).await;
    let tokens = security_suboauth2::sign_in(&server, SUE, PASSWORD).await;
    let sue = tokens["access_token"].as_str().unwrap().to_owned();
    let before = config(&server, &sue).await;
    assert_eq!(before["type"], "disabled", "{before}");
    assert!(before["id"].is_string());
    assert!(!require2fa(&server, &admin).await);

    let email = json!({"type": "email"});
    expect_detail(&put(&server, &sue, "", &email).await, 1018);
    expect_detail(
        &put(&server, &sue, "?completeValidation=true", &email).await,
        1018,
    );
    expect_detail(
        &put(
            &server,
            &sue,
            "?completeValidation=true&challengeCode=123456",
            &email,
        )
        .await,
        1526,
    );
    let started = put(&server, &sue, "?startValidation=true", &email).await;
    assert_eq!(started.expect_json(200)["Code"], 0);
    let again = put(&server, &sue, "?startValidation=true", &email).await;
    expect_code(&again, 429, 10);
    let code = code_in(&mails(&sink, 1)[0]);
    assert_eq!(
        config(&server, &sue).await["type"],
        "disabled",
        "not before the code"
    );

    let wrong = format!(
        "?completeValidation=true&challengeCode={}",
        other_than(&code)
    );
    expect_detail(&put(&server, &sue, &wrong, &email).await, 1525);
    assert!(!require2fa(&server, &admin).await);
    let right = format!("?completeValidation=true&challengeCode={code}");
    let done = put(&server, &sue, &right, &email).await.expect_json(200);
    assert_eq!(done["type"], "email", "{done}");
    assert_eq!(done["email"], SUE);
    assert!(
        require2fa(&server, &admin).await,
        "the same setting as require2fa"
    );
    // From now on a change needs a sign-in with the second factor: this token has none.
    expect_code(&put(&server, &sue, &right, &email).await, 403, 7);
    expect_code(
        &put(&server, &sue, "", &json!({"type": "disabled"})).await,
        403,
        7,
    );

    let challenge = security_suboauth2::sign_in(&server, SUE, PASSWORD).await;
    assert_eq!(
        challenge["method"], "email",
        "the sign-in honours it: {challenge}"
    );
    let answer = json!({"uuid": challenge["uuid"], "answer": code_in(&mails(&sink, 2)[1])});
    let tokens = security_suboauth2::suboauth2(&server, "?completeMFAChallenge=true", &answer)
        .await
        .expect_json(200);
    let sue = tokens["access_token"].as_str().unwrap().to_owned();
    expect_detail(&put(&server, &sue, &right, &email).await, 1526);

    let off = put(&server, &sue, "", &json!({"type": "disabled"}))
        .await
        .expect_json(200);
    assert_eq!(off["type"], "disabled");
    assert!(!require2fa(&server, &admin).await);
    expect_detail(&put(&server, &sue, "", &json!({"type": "fax"})).await, 1018);
    expect_detail(
        &send(
            &server,
            "PUT",
            "/api/v1/submfa",
            &[("authorization", &format!("Bearer {sue}"))],
            None,
        )
        .await,
        1003,
    );
    expect_code(
        &bearer(&server, "GET", "/api/v1/submfa", "not-a-token").await,
        403,
        8,
    );
}

#[actix_rt::test]
async fn an_sms_number_is_proved_by_its_code_and_becomes_the_mobile() {
    let gateway = HttpRecorder::start(&[]);
    let url = gateway.url.clone();
    let (server, admin) = security_suboauth2::start(move |c| {
        c.sms_url = Some(url);
        c.sms_token = Some("gateway-token".into());
    })
    .await;
    let tokens = security_suboauth2::sign_in(&server, SUE, PASSWORD).await;
    let sue = tokens["access_token"].as_str().unwrap().to_owned();

    expect_detail(
        &put(
            &server,
            &sue,
            "?startValidation=true",
            &json!({"type": "sms"}),
        )
        .await,
        1094,
    );
    expect_detail(
        &put(
            &server,
            &sue,
            "?startValidation=true",
            &json!({"type": "sms", "sms": "12"}),
        )
        .await,
        1115,
    );
    let phone = "+34600777888";
    let sms = json!({"type": "sms", "sms": phone});
    put(&server, &sue, "?startValidation=true", &sms)
        .await
        .expect_json(200);
    let sent = gateway.recorded();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].json()["to"], phone);
    let code = code_in(sent[0].json()["text"].as_str().unwrap());

    let elsewhere = json!({"type": "sms", "sms": "+34600777999"});
    let query = format!("?completeValidation=true&challengeCode={code}");
    expect_detail(&put(&server, &sue, &query, &elsewhere).await, 1526);
    let done = put(&server, &sue, &query, &sms).await.expect_json(200);
    assert_eq!(done["type"], "sms", "{done}");
    assert_eq!(done["sms"], phone);
    assert!(require2fa(&server, &admin).await);
    assert_eq!(config(&server, &sue).await["sms"], phone);

    let challenge = security_suboauth2::sign_in(&server, SUE, PASSWORD).await;
    assert_eq!(challenge["method"], "sms", "{challenge}");
    assert_eq!(gateway.recorded().last().unwrap().json()["to"], phone);
}
