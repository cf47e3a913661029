//! `POST /introspect` (RFC 7662): what a resource server learns about an access token.

use latchkey_tests::{ADMIN_ID, ADMIN_SECRET, TestServer};
use serde_json::{Value, json};

/// Introspects `token` authenticated as `(id, secret)` with HTTP Basic.
async fn introspect(
    server: &TestServer,
    id: &str,
    secret: &str,
    token: &str,
) -> latchkey_tests::Answer {
    let response = server
        .http
        .post(server.url("/introspect"))
        .basic_auth(id, secret)
        .send_form(&[("token", token), ("token_type_hint", "access_token")])
        .await
        .expect("request sent");
    collect(response).await
}

async fn collect<S>(mut response: awc::ClientResponse<S>) -> latchkey_tests::Answer
where
    S: futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>> + Unpin,
{
    let body = response.body().await.unwrap().to_vec();
    latchkey_tests::Answer {
        status: response.status(),
        headers: response.headers().clone(),
        body,
    }
}

/// The payload of a JWT, decoded (not verified: the test compares it with introspection).
fn payload(token: &str) -> Value {
    use base64::Engine as _;
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap(),
    )
    .unwrap()
}

#[actix_rt::test]
async fn an_active_token_is_described_by_its_claims() {
    let server = TestServer::start().await;
    let (id, secret) = server
        .create_client(&["credentials:read", "otp"], &["yoigo"])
        .await;
    let token = server
        .token_of(&id, &secret, &[("grant_type", "client_credentials")])
        .await;
    // Any registered client may introspect: here the bootstrap client, a resource server.
    let answer = introspect(&server, ADMIN_ID, ADMIN_SECRET, &token).await;
    assert_eq!(answer.header("cache-control").as_deref(), Some("no-store"));
    let body = answer.expect_json(200);
    let claims = payload(&token);
    assert_eq!(body["active"], true);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["client_id"], id.as_str());
    assert_eq!(body["sub"], id.as_str());
    for (field, claim) in [
        ("scope", "scope"),
        ("exp", "exp"),
        ("iat", "iat"),
        ("iss", "iss"),
        ("aud", "aud"),
        ("jti", "jti"),
        ("orgs", "orgs"),
    ] {
        assert_eq!(body[field], claims[claim], "{field}: {body}");
    }
    assert_eq!(body["iss"], server.base.as_str());
    assert_eq!(body["orgs"], json!(["yoigo"]));
}

#[actix_rt::test]
async fn anything_but_a_live_token_is_only_inactive() {
    let server = TestServer::start_with(|c| c.access_token_ttl = 1).await;
    let token = server.admin_token(None).await;
    // One signature character changed, well inside the signature (not its padding bits).
    let mut tampered = token.clone().into_bytes();
    let at = tampered.len() - 10;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for candidate in ["not a token", "a.b.c", tampered.as_str()] {
        let body = introspect(&server, ADMIN_ID, ADMIN_SECRET, candidate)
            .await
            .expect_json(200);
        assert_eq!(body, json!({"active": false}), "{candidate}");
    }
    actix_rt::time::sleep(std::time::Duration::from_millis(2100)).await;
    let expired = introspect(&server, ADMIN_ID, ADMIN_SECRET, &token)
        .await
        .expect_json(200);
    assert_eq!(expired, json!({"active": false}), "expired");
}

#[actix_rt::test]
async fn a_token_of_a_deleted_client_becomes_inactive() {
    let server = TestServer::start().await;
    let (id, secret) = server.create_client(&["credentials:read"], &["*"]).await;
    let token = server
        .token_of(&id, &secret, &[("grant_type", "client_credentials")])
        .await;
    let active = introspect(&server, ADMIN_ID, ADMIN_SECRET, &token)
        .await
        .expect_json(200);
    assert_eq!(active["active"], true);
    let admin = server.admin_token(None).await;
    let deleted = server
        .call("DELETE", &format!("/v1/clients/{id}"), Some(&admin), None)
        .await;
    assert_eq!(deleted.code(), 204, "{}", deleted.text());
    let inactive = introspect(&server, ADMIN_ID, ADMIN_SECRET, &token)
        .await
        .expect_json(200);
    assert_eq!(inactive, json!({"active": false}));
}

#[actix_rt::test]
async fn the_caller_must_authenticate_and_name_a_token() {
    let server = TestServer::start().await;
    let token = server.admin_token(None).await;
    let wrong = introspect(&server, ADMIN_ID, "not-the-secret", &token).await;
    assert_eq!(wrong.expect_oauth_error(401), "invalid_client");
    assert!(
        wrong
            .header("www-authenticate")
            .unwrap()
            .starts_with("Basic")
    );

    let anonymous = server
        .call_raw(
            "POST",
            "/introspect",
            None,
            Some("application/x-www-form-urlencoded"),
            format!("token={token}").into_bytes(),
        )
        .await;
    assert_eq!(anonymous.expect_oauth_error(401), "invalid_client");

    let no_token = server
        .call_raw(
            "POST",
            "/introspect",
            None,
            Some("application/x-www-form-urlencoded"),
            format!("client_id={ADMIN_ID}&client_secret={ADMIN_SECRET}").into_bytes(),
        )
        .await;
    assert_eq!(no_token.expect_oauth_error(400), "invalid_request");

    let posted = server
        .call_raw(
            "POST",
            "/introspect",
            None,
            Some("application/x-www-form-urlencoded"),
            format!("client_id={ADMIN_ID}&client_secret={ADMIN_SECRET}&token={token}").into_bytes(),
        )
        .await;
    assert_eq!(
        posted.expect_json(200)["active"],
        true,
        "client_secret_post"
    );

    let get = server.call("GET", "/introspect", None, None).await;
    assert_eq!(get.expect_oauth_error(405), "invalid_request");
}
