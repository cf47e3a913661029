//! Bearer authentication and authorization on the `/v1` routes.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_tests::{Answer, TestServer};
use serde_json::Value;

const READ_PATH: &str = "/v1/orgs/masmovil/credentials/ana@example.com";

/// A 401 with the spec's error body and a Bearer challenge; returns the error id.
fn expect_unauthorized(answer: &Answer) -> String {
    let id = answer.expect_error(401);
    let challenge = answer.header("www-authenticate").unwrap_or_default();
    assert!(
        challenge.starts_with("Bearer"),
        "401 without a Bearer challenge: {:?}",
        answer.headers
    );
    id
}

/// Replaces the payload of a JWT, keeping its header and signature.
fn with_payload(token: &str, edit: impl FnOnce(&mut Value)) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let mut payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    edit(&mut payload);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap());
    format!("{}.{payload}.{}", parts[0], parts[2])
}

#[actix_rt::test]
async fn missing_bearer_token_is_401_with_a_challenge() {
    let server = TestServer::start().await;
    let answer = server.call("GET", READ_PATH, None, None).await;
    assert_eq!(expect_unauthorized(&answer), "auth.missing_token");
    assert_eq!(
        answer.header("www-authenticate").as_deref(),
        Some("Bearer realm=\"latchkey\"")
    );
}

#[actix_rt::test]
async fn garbage_bearer_token_is_401() {
    let server = TestServer::start().await;
    let answer = server.get(READ_PATH, "garbage").await;
    assert_eq!(expect_unauthorized(&answer), "auth.malformed_token");
    assert!(
        answer
            .header("www-authenticate")
            .unwrap()
            .contains("invalid_token")
    );
}

#[actix_rt::test]
async fn bearer_scheme_is_case_insensitive() {
    // RFC 9110 §11.1: the authentication scheme is matched case-insensitively.
    let server = TestServer::start().await;
    let token = server.admin_token(None).await;
    let answer = server
        .http
        .get(server.url(READ_PATH))
        .insert_header(("authorization", format!("bearer {token}")))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(
        answer.as_u16(),
        404,
        "the token was accepted, the credential does not exist"
    );
}

#[actix_rt::test]
async fn basic_credentials_are_not_a_bearer_token() {
    let server = TestServer::start().await;
    let answer = server
        .http
        .get(server.url(READ_PATH))
        .basic_auth(latchkey_tests::ADMIN_ID, latchkey_tests::ADMIN_SECRET)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(answer.as_u16(), 401);
}

#[actix_rt::test]
async fn token_with_a_tampered_payload_is_401() {
    let server = TestServer::start().await;
    let token = server
        .client_token(&["credentials:read"], &["masmovil"])
        .await;
    let forged = with_payload(&token, |claims| {
        claims["orgs"] = serde_json::json!(["*"]);
        claims["scope"] = "credentials:read credentials:admin keys:admin".into();
    });
    assert_eq!(
        expect_unauthorized(&server.get(READ_PATH, &forged).await),
        "auth.invalid_token"
    );
    assert_eq!(
        expect_unauthorized(&server.get("/v1/keys", &forged).await),
        "auth.invalid_token"
    );
}

#[actix_rt::test]
async fn token_with_a_tampered_signature_is_401() {
    let server = TestServer::start().await;
    let token = server.admin_token(None).await;
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let mut bytes = URL_SAFE_NO_PAD.decode(signature).unwrap();
    bytes[10] ^= 0x01;
    let forged = format!("{signed}.{}", URL_SAFE_NO_PAD.encode(bytes));
    assert_eq!(
        expect_unauthorized(&server.get(READ_PATH, &forged).await),
        "auth.invalid_token"
    );
    // The genuine token still works: the check is about the signature, not the caller.
    assert_eq!(
        server.get(READ_PATH, &token).await.expect_error(404),
        "credential.not_found"
    );
}

#[actix_rt::test]
async fn unsigned_token_is_401() {
    let server = TestServer::start().await;
    let token = server.admin_token(None).await;
    let parts: Vec<&str> = token.split('.').collect();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    let none = serde_json::json!({"alg": "none", "typ": "at+jwt", "kid": header["kid"]});
    let forged = format!("{}.{}.", URL_SAFE_NO_PAD.encode(none.to_string()), parts[1]);
    assert_eq!(
        server.get(READ_PATH, &forged).await.expect_error(401),
        "auth.malformed_token"
    );
}

#[actix_rt::test]
async fn hmac_token_naming_a_published_kid_is_401() {
    // Algorithm confusion: an HS256 token keyed with the public key must not verify.
    let server = TestServer::start().await;
    let jwks = server.jwks().await;
    let kid = jwks["keys"][0]["kid"].as_str().unwrap().to_owned();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(kid);
    let claims = serde_json::json!({
        "iss": server.base, "sub": "test-admin", "aud": "latchkey", "iat": 1, "exp": 4_000_000_000_i64,
        "jti": uuid::Uuid::new_v4().to_string(), "client_id": "test-admin", "scope": "keys:admin", "orgs": ["*"],
    });
    let key =
        jsonwebtoken::EncodingKey::from_secret(jwks["keys"][0]["x"].as_str().unwrap().as_bytes());
    let forged = jsonwebtoken::encode(&header, &claims, &key).unwrap();
    assert_eq!(
        expect_unauthorized(&server.get("/v1/keys", &forged).await),
        "auth.invalid_token"
    );
}

#[actix_rt::test]
async fn token_of_another_server_instance_is_401() {
    let server = TestServer::start().await;
    let other = TestServer::start().await;
    let foreign = other.admin_token(None).await;
    assert_eq!(
        other.get(READ_PATH, &foreign).await.expect_error(404),
        "credential.not_found"
    );
    assert_eq!(
        expect_unauthorized(&server.get(READ_PATH, &foreign).await),
        "auth.invalid_token"
    );
}

#[actix_rt::test]
async fn token_for_another_audience_is_refused_by_this_server() {
    // Server B signs with its own key, so A refuses B's token for its unknown key before it
    // gets to the audience; what is checked here is that B really puts its audience in `aud`
    // and accepts it, and that A does not.
    let server = TestServer::start().await;
    let other = TestServer::start_with(|config| config.audience = "other".to_owned()).await;
    let token = other.admin_token(None).await;
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!(claims["aud"], "other");
    assert_eq!(
        other.get(READ_PATH, &token).await.expect_error(404),
        "credential.not_found"
    );
    assert_eq!(
        expect_unauthorized(&server.get(READ_PATH, &token).await),
        "auth.invalid_token"
    );
}

#[actix_rt::test]
async fn expired_token_is_401_expired() {
    let server = TestServer::start_with(|config| config.access_token_ttl = 1).await;
    let token = server.admin_token(None).await;
    // Used once while valid, so it also sits in the verification cache.
    assert_eq!(
        server.get(READ_PATH, &token).await.expect_error(404),
        "credential.not_found"
    );
    actix_rt::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(
        expect_unauthorized(&server.get(READ_PATH, &token).await),
        "auth.expired_token"
    );
}

#[actix_rt::test]
async fn token_of_a_deleted_client_is_401_revoked() {
    let server = TestServer::start().await;
    let (id, secret) = server
        .create_client(&["credentials:read"], &["masmovil"])
        .await;
    let token = server
        .token_of(&id, &secret, &[("grant_type", "client_credentials")])
        .await;
    assert_eq!(
        server.get(READ_PATH, &token).await.expect_error(404),
        "credential.not_found"
    );
    let admin = server.admin_token(None).await;
    assert_eq!(
        server
            .call("DELETE", &format!("/v1/clients/{id}"), Some(&admin), None)
            .await
            .code(),
        204
    );
    assert_eq!(
        expect_unauthorized(&server.get(READ_PATH, &token).await),
        "auth.revoked_token"
    );
}

#[actix_rt::test]
async fn token_without_the_scope_is_403_insufficient_scope() {
    let server = TestServer::start().await;
    let token = server.admin_token(Some("tokens")).await;
    assert_eq!(
        server.get(READ_PATH, &token).await.expect_error(403),
        "auth.insufficient_scope"
    );
    let create = server.call("POST", READ_PATH, Some(&token), None).await;
    assert_eq!(create.expect_error(403), "auth.insufficient_scope");
}

#[actix_rt::test]
async fn read_scope_does_not_allow_writing() {
    let server = TestServer::start().await;
    let token = server.admin_token(Some("credentials:read")).await;
    let answer = server.call("POST", READ_PATH, Some(&token), None).await;
    assert_eq!(answer.expect_error(403), "auth.insufficient_scope");
}

#[actix_rt::test]
async fn token_for_another_org_is_403_org_not_allowed() {
    let server = TestServer::start().await;
    let token = server
        .client_token(&["credentials:read", "credentials:write"], &["masmovil"])
        .await;
    let answer = server
        .get("/v1/orgs/yoigo/credentials/ana@example.com", &token)
        .await;
    assert_eq!(answer.expect_error(403), "auth.org_not_allowed");
    let answer = server
        .call(
            "POST",
            "/v1/orgs/yoigo/credentials/ana@example.com",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(answer.expect_error(403), "auth.org_not_allowed");
    // Its own org answers normally.
    assert_eq!(
        server.get(READ_PATH, &token).await.expect_error(404),
        "credential.not_found"
    );
}
