//! Two instances of `/suboauth2` on one PostgreSQL database and one Redis (whatever
//! `LATCHKEY_TEST_BACKEND` says): the tenant's security-service client registered by both at
//! once, an MFA challenge started on one and completed on the other, a refresh token of one
//! rotated by the other, and a token signed out on one refused by the other at once.

use crate::security_oauth2::{code_in, expect_code, mails};
use crate::security_sign_in::{expect_refused_at_once, two_instances};
use crate::security_suboauth2::{
    ORG, PASSWORD, SUE, access, assert_web_token, bearer, devices, sign_in, suboauth2,
};
use latchkey_testkit::smtp_sink::SmtpSink;
use latchkey_tests::{TestServer, credential_path};
use serde_json::json;

/// Two servers on one scratch database and one Redis key prefix, e-mail going to `sink`, with
/// [`SUE`] active.
async fn fleet(
    sink: &SmtpSink,
) -> (
    latchkey_postgres::testing::ScratchDatabase,
    TestServer,
    TestServer,
) {
    let (database, first, second) = two_instances(sink, "subfleet", |c| {
        c.security.subscriber_org = Some(latchkey_core::OrgId::parse(ORG).unwrap());
    })
    .await;
    let admin = first.admin_token(None).await;
    first.active_credential(&admin, ORG, SUE, PASSWORD).await;
    (database, first, second)
}

#[actix_rt::test]
async fn both_instances_sign_in_at_once_and_their_tokens_work_on_either() {
    let sink = SmtpSink::start();
    let (_database, first, second) = fleet(&sink).await;
    // The tenant's first sign-ins, at once: one registers the client, the other finds it.
    let (a, b) = tokio::join!(
        sign_in(&first, SUE, PASSWORD),
        sign_in(&second, SUE, PASSWORD)
    );
    assert_web_token(&a, SUE);
    assert_web_token(&b, SUE);
    for (server, token) in [(&second, access(&a)), (&first, access(&b))] {
        assert_eq!(devices(server, &token, SUE).await.code(), 200);
        bearer(server, "GET", "/api/v1/suboauth2?me=true", &token)
            .await
            .expect_json(200);
    }
    // A refresh of one instance's token on the other; the old one again is refused there.
    let refresh = json!({"refreshToken": a["refresh_token"]});
    let query = "?grant_type=refresh_token";
    assert_web_token(
        &suboauth2(&second, query, &refresh).await.expect_json(200),
        SUE,
    );
    expect_code(&suboauth2(&first, query, &refresh).await, 403, 14);
}

#[actix_rt::test]
async fn an_mfa_started_on_one_instance_completes_on_the_other() {
    let sink = SmtpSink::start();
    let (_database, first, second) = fleet(&sink).await;
    let admin = first.admin_token(None).await;
    let body = json!({"enabled": true, "require2fa": true});
    let path = credential_path(ORG, SUE);
    let patched = first.call("PATCH", &path, Some(&admin), Some(&body)).await;
    assert_eq!(patched.code(), 204, "{}", patched.text());

    let challenge = sign_in(&first, SUE, PASSWORD).await;
    let uuid = challenge["uuid"].as_str().unwrap().to_owned();
    let code = code_in(&mails(&sink, 1)[0]);
    let answer = json!({"uuid": uuid, "answer": code});
    let complete = "?completeMFAChallenge=true";
    let tokens = suboauth2(&second, complete, &answer).await.expect_json(200);
    assert_web_token(&tokens, SUE);
    // The first instance knows the challenge is spent.
    expect_code(&suboauth2(&first, complete, &answer).await, 403, 11);
}

#[actix_rt::test]
async fn a_token_signed_out_on_one_instance_is_refused_by_the_other_at_once() {
    let sink = SmtpSink::start();
    let (_database, first, second) = fleet(&sink).await;
    let token = access(&sign_in(&first, SUE, PASSWORD).await);
    // The second instance has verified (and cached) the token.
    for _ in 0..2 {
        bearer(&second, "GET", "/api/v1/suboauth2?me=true", &token)
            .await
            .expect_json(200);
    }
    let path = format!("/api/v1/suboauth2/{token}");
    assert_eq!(bearer(&first, "DELETE", &path, &token).await.code(), 204);
    expect_refused_at_once(|| bearer(&second, "GET", "/api/v1/suboauth2?me=true", &token)).await;
    assert_eq!(devices(&second, &token, SUE).await.code(), 401);
}
