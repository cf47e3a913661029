//! Two instances of the security service on one PostgreSQL database and one Redis (whatever
//! `LATCHKEY_TEST_BACKEND` says): an MFA challenge started on one is completed on the other, a
//! refresh token issued by one is rotated by the other, and a token signed out on one is refused
//! by the other at once (the revocation is announced to every instance; no cache holds it).

use crate::security_oauth2::{
    PASSWORD, ROOT, ROOT_PASSWORD, access, code_in, create_operator, expect_code, mails, oauth2,
    root_tokens, set_mfa, sign_in, with_root, with_token,
};
use crate::security_sign_in::{expect_refused_at_once, two_instances};
use latchkey_testkit::smtp_sink::SmtpSink;
use latchkey_tests::TestServer;
use serde_json::json;

/// Two servers on one scratch database and one Redis key prefix, e-mail going to `sink`.
async fn fleet(
    sink: &SmtpSink,
) -> (
    latchkey_postgres::testing::ScratchDatabase,
    TestServer,
    TestServer,
) {
    two_instances(sink, "fleet", with_root).await
}

#[actix_rt::test]
async fn an_mfa_started_on_one_instance_completes_on_the_other() {
    let sink = SmtpSink::start();
    let (_database, first, second) = fleet(&sink).await;
    let root = access(&root_tokens(&first).await);
    let id = create_operator(&first, &root, "fay@oauth2.test").await;
    set_mfa(&first, &root, &id, "email", None).await;

    let challenge = sign_in(&first, "fay@oauth2.test", PASSWORD).await;
    let uuid = challenge["uuid"].as_str().unwrap().to_owned();
    let code = code_in(&mails(&sink, 1)[0]);
    let answer = json!({"uuid": uuid, "answer": code});
    let tokens = oauth2(&second, "?completeMFAChallenge=true", &answer).await;
    let tokens = tokens.expect_json(200);
    // The first instance knows the challenge is spent.
    let again = oauth2(&first, "?completeMFAChallenge=true", &answer).await;
    expect_code(&again, 403, 11);
    // Tokens of one instance work on the other, and a refresh rotates across them.
    with_token(&first, "GET", "/api/v1/oauth2?me=true", &access(&tokens))
        .await
        .expect_json(200);
    let refresh = json!({"refreshToken": tokens["refresh_token"]});
    oauth2(&first, "?grant_type=refresh_token", &refresh)
        .await
        .expect_json(200);
    let reused = oauth2(&second, "?grant_type=refresh_token", &refresh).await;
    expect_code(&reused, 403, 14);
}

#[actix_rt::test]
async fn a_token_signed_out_on_one_instance_is_refused_by_the_other_at_once() {
    let sink = SmtpSink::start();
    let (_database, first, second) = fleet(&sink).await;
    let token = access(&root_tokens(&first).await);
    // The second instance has verified (and cached) the token.
    for _ in 0..2 {
        with_token(&second, "GET", "/api/v1/oauth2?me=true", &token)
            .await
            .expect_json(200);
    }
    let path = format!("/api/v1/oauth2/{token}");
    assert_eq!(
        with_token(&first, "DELETE", &path, &token).await.code(),
        204
    );
    expect_refused_at_once(|| with_token(&second, "GET", "/api/v1/oauth2?me=true", &token)).await;
}

#[actix_rt::test]
async fn a_token_signed_with_a_key_rotated_on_one_instance_is_valid_on_the_other() {
    let sink = SmtpSink::start();
    let (_database, first, second) = fleet(&sink).await;
    root_tokens(&first).await;
    let admin = first.admin_token(Some("keys:admin")).await;
    let rotated = first.call("POST", "/v1/keys", Some(&admin), None).await;
    rotated.expect_json(201);
    // Signed with the new key, which the second instance has not loaded yet.
    let token = access(&sign_in(&first, ROOT, ROOT_PASSWORD).await);
    with_token(&second, "GET", "/api/v1/oauth2?me=true", &token)
        .await
        .expect_json(200);
}
