//! The second factor of `/suboauth2`: a credential that requires one (`require2fa`, set here
//! through the Credentials API) gets a challenge; its code is read from what was delivered
//! (the SMTP sink, the SMS gateway's recorder) or computed from the authenticator enrolled
//! through the Credentials API, as a standard TOTP app would.

use crate::second_factors::{decode_qr, now, secret_of, totp};
use crate::security_oauth2::{code_in, expect_code, expect_detail, mails};
use crate::security_sign_in::resent_or_throttled;
use crate::security_suboauth2::{
    ORG, PASSWORD, SUE, access, assert_web_token, devices, sign_in, start, suboauth2,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_testkit::http_recorder::HttpRecorder;
use latchkey_testkit::smtp_sink::SmtpSink;
use latchkey_tests::{TestServer, credential_path};
use serde_json::{Value, json};

const COMPLETE: &str = "?completeMFAChallenge=true";
const RESEND: &str = "?resendMFACode=true";

/// Sets `require2fa` (and `enabled`) on `username` through the Credentials API.
async fn require_2fa(server: &TestServer, admin: &str, username: &str) {
    let body = json!({"enabled": true, "require2fa": true});
    let path = credential_path(ORG, username);
    let answer = server.call("PATCH", &path, Some(admin), Some(&body)).await;
    assert_eq!(answer.code(), 204, "{}", answer.text());
}

/// The claims of an access token (not verified: the server checks it).
fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn other_than(code: &str) -> &'static str {
    if code == "000000" { "111111" } else { "000000" }
}

#[actix_rt::test]
async fn a_code_by_e_mail_completes_the_challenge_once() {
    let sink = SmtpSink::start();
    let url = sink.url();
    let (server, admin) = start(move |c| c.smtp_url = Some(url.into())).await;
    require_2fa(&server, &admin, SUE).await;

    let challenge = sign_in(&server, SUE, PASSWORD).await;
    assert_eq!(challenge["question"], "mfa challenge");
    assert_eq!(challenge["method"], "email");
    assert!(challenge["created"].as_i64().unwrap() > 1_700_000_000);
    assert!(challenge.get("access_token").is_none(), "{challenge}");
    let uuid = challenge["uuid"].as_str().unwrap().to_owned();
    let code = code_in(&mails(&sink, 1)[0]);

    let wrong = json!({"uuid": uuid, "answer": other_than(&code)});
    expect_code(&suboauth2(&server, COMPLETE, &wrong).await, 403, 12);
    let unknown = json!({"uuid": uuid::Uuid::new_v4().to_string(), "answer": code});
    expect_code(&suboauth2(&server, COMPLETE, &unknown).await, 403, 11);
    let garbage = json!({"uuid": "not-a-uuid", "answer": code});
    expect_code(&suboauth2(&server, COMPLETE, &garbage).await, 403, 11);
    expect_detail(
        &suboauth2(&server, COMPLETE, &json!({"uuid": uuid})).await,
        1018,
    );

    let right = json!({"uuid": uuid, "answer": code});
    let tokens = suboauth2(&server, COMPLETE, &right).await.expect_json(200);
    assert_web_token(&tokens, SUE);
    let amr = claims(&access(&tokens))["amr"].clone();
    assert_eq!(
        amr,
        json!(["pwd", "otp", "mfa"]),
        "a second factor was used"
    );
    assert_eq!(devices(&server, &access(&tokens), SUE).await.code(), 200);
    // Single use: the challenge is gone with its answer.
    expect_code(&suboauth2(&server, COMPLETE, &right).await, 403, 11);
    expect_code(
        &suboauth2(&server, RESEND, &json!({"uuid": uuid})).await,
        403,
        11,
    );
}

#[actix_rt::test]
async fn a_code_by_sms_goes_to_the_msisdn_and_can_be_resent() {
    let gateway = HttpRecorder::start(&[]);
    let url = gateway.url.clone();
    let (server, admin) = start(move |c| {
        c.sms_url = Some(url);
        c.sms_token = Some("gateway-token".into());
    })
    .await;
    let phone = "+34600123456";
    server.active_credential(&admin, ORG, phone, PASSWORD).await;
    require_2fa(&server, &admin, phone).await;

    let challenge = sign_in(&server, phone, PASSWORD).await;
    assert_eq!(challenge["method"], "sms");
    let uuid = challenge["uuid"].as_str().unwrap().to_owned();
    let first = gateway.recorded();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].json()["to"], phone);

    let resent = suboauth2(&server, RESEND, &json!({"uuid": uuid})).await;
    let resent = resent_or_throttled(resent, &challenge);
    assert_eq!(resent["uuid"], uuid.as_str());
    assert_eq!(resent["method"], "sms");
    let last = gateway.recorded();
    let code = code_in(last.last().unwrap().json()["text"].as_str().unwrap());
    let answer = json!({"uuid": uuid, "answer": code});
    let tokens = suboauth2(&server, COMPLETE, &answer).await.expect_json(200);
    assert_web_token(&tokens, phone);
    assert_eq!(
        claims(&access(&tokens))["amr"],
        json!(["pwd", "sms", "mfa"])
    );
}

#[actix_rt::test]
async fn the_authenticator_answers_a_challenge_with_its_current_code() {
    let (server, admin) = start(|_| {}).await;
    let totp_path = format!("{}/totp", credential_path(ORG, SUE));
    let enrolled = server.call("POST", &totp_path, Some(&admin), None).await;
    assert_eq!(enrolled.code(), 201, "{}", enrolled.text());
    let secret = secret_of(&decode_qr(&enrolled.body));
    let activate = json!({"code": totp(&secret, now())});
    let active = server
        .call("PUT", &totp_path, Some(&admin), Some(&activate))
        .await;
    assert_eq!(active.code(), 204, "{}", active.text());
    require_2fa(&server, &admin, SUE).await;

    let challenge = sign_in(&server, SUE, PASSWORD).await;
    assert_eq!(challenge["method"], "authenticator");
    let uuid = challenge["uuid"].as_str().unwrap().to_owned();
    // Nothing to resend: the same challenge.
    let resent = suboauth2(&server, RESEND, &json!({"uuid": uuid})).await;
    assert_eq!(resent.expect_json(200)["uuid"], uuid.as_str());
    // The step after the one that activated it (a used step is never accepted again).
    let code = totp(&secret, now() + 30);
    let wrong = json!({"uuid": uuid, "answer": other_than(&code)});
    expect_code(&suboauth2(&server, COMPLETE, &wrong).await, 403, 12);
    let right = json!({"uuid": uuid, "answer": code});
    let tokens = suboauth2(&server, COMPLETE, &right).await.expect_json(200);
    assert_web_token(&tokens, SUE);
    assert_eq!(
        claims(&access(&tokens))["amr"],
        json!(["pwd", "otp", "mfa"])
    );
}

#[actix_rt::test]
async fn wrong_answers_are_slowed_with_10_and_a_suspension_meanwhile_is_15() {
    let sink = SmtpSink::start();
    let url = sink.url();
    let (server, admin) = start(move |c| c.smtp_url = Some(url.into())).await;
    require_2fa(&server, &admin, SUE).await;
    let challenge = sign_in(&server, SUE, PASSWORD).await;
    let uuid = challenge["uuid"].as_str().unwrap().to_owned();
    let code = code_in(&mails(&sink, 1)[0]);
    let wrong = json!({"uuid": uuid, "answer": other_than(&code)});
    for _ in 0..3 {
        expect_code(&suboauth2(&server, COMPLETE, &wrong).await, 403, 12);
    }
    let slowed = suboauth2(&server, COMPLETE, &json!({"uuid": uuid, "answer": code})).await;
    expect_code(&slowed, 429, 10);
    assert!(slowed.header("retry-after").is_some());

    // Another subscriber, suspended while its code travels.
    let tom = "tom@suboauth2.test";
    server.active_credential(&admin, ORG, tom, PASSWORD).await;
    require_2fa(&server, &admin, tom).await;
    let challenge = sign_in(&server, tom, PASSWORD).await;
    let uuid = challenge["uuid"].as_str().unwrap().to_owned();
    let code = code_in(&mails(&sink, 2)[1]);
    let off = json!({"enabled": false});
    let path = credential_path(ORG, tom);
    assert_eq!(
        server
            .call("PATCH", &path, Some(&admin), Some(&off))
            .await
            .code(),
        204
    );
    let answer = json!({"uuid": uuid, "answer": code});
    expect_code(&suboauth2(&server, COMPLETE, &answer).await, 403, 15);
}

#[actix_rt::test]
async fn an_unreachable_smtp_server_is_503_code_13() {
    let port = latchkey_testkit::smtp_sink::free_port();
    let (server, admin) = start(move |c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}").into());
    })
    .await;
    require_2fa(&server, &admin, SUE).await;
    let body = json!({"userId": SUE, "password": PASSWORD});
    let answer = suboauth2(&server, "", &body).await;
    let description = expect_code(&answer, 503, 13);
    assert!(!description.contains(&port.to_string()), "{description}");
}

#[actix_rt::test]
async fn the_method_chosen_in_the_profile_sends_sms_to_its_primary_mobile() {
    let gateway = HttpRecorder::start(&[]);
    let url = gateway.url.clone();
    let server = crate::security_users::start_with(move |c| {
        c.security.subscriber_org = Some(latchkey_core::OrgId::parse(ORG).unwrap());
        c.sms_url = Some(url);
        c.sms_token = Some("gateway-token".into());
    })
    .await;
    let root = crate::security_users::root_token(&server).await;
    let eva = "eva@suboauth2.test";
    let created = crate::security_subusers::subscriber(&server, &root, eva, "Eva").await;
    let path = format!("/api/v1/subuser/{}", created["id"].as_str().unwrap());
    let mobile = "+34600999888";
    let body = json!({"userTypeProprietaryInfo": {
        "mfa": {"enabled": true, "method": "sms"},
        "mobiles": [{"number": "+34600111000", "primary": false}, {"number": mobile, "primary": true}],
    }});
    crate::security_subusers::on(&server, "PUT", &path, &root, ORG, Some(&body))
        .await
        .expect_json(200);

    let password = crate::security_subusers::SUB_PASSWORD;
    let challenge = sign_in(&server, eva, password).await;
    assert_eq!(challenge["method"], "sms", "{challenge}");
    let sent = gateway.recorded();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].json()["to"], mobile, "the primary mobile");
    let code = code_in(sent[0].json()["text"].as_str().unwrap());
    let answer = json!({"uuid": challenge["uuid"], "answer": code});
    let tokens = suboauth2(&server, COMPLETE, &answer).await.expect_json(200);
    assert_web_token(&tokens, eva);
}
