//! `POST /token` (client credentials) and the JWT it issues, verified independently of the server.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use latchkey_tests::{ADMIN_ID, ADMIN_SECRET, TestServer};
use serde_json::Value;

const GRANT: (&str, &str) = ("grant_type", "client_credentials");

/// Verifies `token` with the key the JWKS publishes under its `kid`, as any resource server
/// would: ES256, audience `latchkey`, issuer the server's URL. Returns (header, claims).
async fn verify_independently(server: &TestServer, token: &str) -> (jsonwebtoken::Header, Value) {
    let header = jsonwebtoken::decode_header(token).expect("a JWS header");
    let kid = header.kid.clone().expect("the header names its key");
    let jwks = server.jwks().await;
    let jwk = jwks["keys"]
        .as_array()
        .expect("a key list")
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .unwrap_or_else(|| panic!("kid {kid} is not in the JWKS: {jwks}"));
    assert_eq!(
        (
            jwk["kty"].as_str(),
            jwk["crv"].as_str(),
            jwk["alg"].as_str()
        ),
        (Some("EC"), Some("P-256"), Some("ES256"))
    );
    let key =
        DecodingKey::from_ec_components(jwk["x"].as_str().unwrap(), jwk["y"].as_str().unwrap())
            .unwrap();
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_audience(&["latchkey"]);
    validation.set_issuer(&[&server.base]);
    let data = jsonwebtoken::decode::<Value>(token, &key, &validation)
        .expect("the token verifies with the JWKS");
    (data.header, data.claims)
}

/// A form post to `/token` without HTTP Basic.
async fn post_form(server: &TestServer, form: &str) -> latchkey_tests::Answer {
    server
        .call_raw(
            "POST",
            "/token",
            None,
            Some("application/x-www-form-urlencoded"),
            form.as_bytes().to_vec(),
        )
        .await
}

#[actix_rt::test]
async fn token_response_is_a_bearer_token_that_must_not_be_cached() {
    let server = TestServer::start().await;
    let answer = server.token_request(ADMIN_ID, ADMIN_SECRET, &[GRANT]).await;
    let body = answer.expect_json(200);
    assert!(
        body["access_token"]
            .as_str()
            .is_some_and(|t| t.split('.').count() == 3),
        "{body}"
    );
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(
        body["scope"]
            .as_str()
            .is_some_and(|s| s.split(' ').any(|x| x == "credentials:read")),
        "{body}"
    );
    assert_eq!(answer.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(
        body.as_object().unwrap().len(),
        4,
        "exactly the RFC 6749 §5.1 fields: {body}"
    );
}

#[actix_rt::test]
async fn admin_token_verifies_with_the_jwks_and_carries_the_documented_claims() {
    let server = TestServer::start().await;
    let answer = server
        .token_request(ADMIN_ID, ADMIN_SECRET, &[GRANT])
        .await
        .expect_json(200);
    let token = answer["access_token"].as_str().unwrap();
    let (header, claims) = verify_independently(&server, token).await;
    assert_eq!(header.alg, Algorithm::ES256);
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    assert_eq!(claims["iss"], server.base.as_str());
    assert_eq!(claims["sub"], ADMIN_ID);
    assert_eq!(claims["client_id"], ADMIN_ID);
    assert_eq!(claims["aud"], "latchkey");
    assert_eq!(claims["orgs"], serde_json::json!(["*"]));
    assert_eq!(claims["scope"], answer["scope"]);
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert_eq!(exp - iat, 900);
    assert!(
        uuid::Uuid::try_parse(claims["jti"].as_str().unwrap()).is_ok(),
        "jti is a UUID: {claims}"
    );
    let scopes: Vec<&str> = claims["scope"].as_str().unwrap().split(' ').collect();
    for scope in [
        "credentials:read",
        "credentials:write",
        "credentials:admin",
        "tokens",
        "tenants:admin",
        "clients:admin",
        "keys:admin",
    ] {
        assert!(scopes.contains(&scope), "the admin has {scope}: {claims}");
    }
}

#[actix_rt::test]
async fn every_token_has_a_fresh_jti() {
    let server = TestServer::start().await;
    let a = server.admin_token(None).await;
    let b = server.admin_token(None).await;
    let (_, a) = verify_independently(&server, &a).await;
    let (_, b) = verify_independently(&server, &b).await;
    assert_ne!(a["jti"], b["jti"]);
}

#[actix_rt::test]
async fn restricted_client_token_names_its_orgs_and_scopes() {
    let server = TestServer::start().await;
    let (id, secret) = server
        .create_client(&["credentials:read", "tokens"], &["masmovil"])
        .await;
    let token = server.token_of(&id, &secret, &[GRANT]).await;
    let (_, claims) = verify_independently(&server, &token).await;
    assert_eq!(claims["sub"], id.as_str());
    assert_eq!(claims["orgs"], serde_json::json!(["masmovil"]));
    assert_eq!(claims["scope"], "credentials:read tokens");
}

#[actix_rt::test]
async fn wrong_secret_is_invalid_client_with_a_basic_challenge() {
    let server = TestServer::start().await;
    let answer = server
        .token_request(ADMIN_ID, "not-the-secret-at-all", &[GRANT])
        .await;
    assert_eq!(answer.expect_oauth_error(401), "invalid_client");
    assert!(
        answer
            .header("www-authenticate")
            .is_some_and(|h| h.starts_with("Basic")),
        "{:?}",
        answer.headers
    );
    assert_eq!(answer.header("cache-control").as_deref(), Some("no-store"));
}

#[actix_rt::test]
async fn unknown_client_is_invalid_client() {
    let server = TestServer::start().await;
    let answer = server.token_request("nobody", ADMIN_SECRET, &[GRANT]).await;
    assert_eq!(answer.expect_oauth_error(401), "invalid_client");
    assert!(answer.header("www-authenticate").is_some());
}

#[actix_rt::test]
async fn request_without_client_authentication_is_invalid_client() {
    let server = TestServer::start().await;
    let answer = post_form(&server, "grant_type=client_credentials").await;
    assert_eq!(answer.expect_oauth_error(401), "invalid_client");
    assert!(answer.header("www-authenticate").is_some());
}

#[actix_rt::test]
async fn missing_grant_type_is_invalid_request() {
    let server = TestServer::start().await;
    let answer = server
        .token_request(ADMIN_ID, ADMIN_SECRET, &[("scope", "tokens")])
        .await;
    assert_eq!(answer.expect_oauth_error(400), "invalid_request");
}

#[actix_rt::test]
async fn password_grant_is_unsupported() {
    let server = TestServer::start().await;
    let form = [
        ("grant_type", "password"),
        ("username", "a"),
        ("password", "b"),
    ];
    let answer = server.token_request(ADMIN_ID, ADMIN_SECRET, &form).await;
    assert_eq!(answer.expect_oauth_error(400), "unsupported_grant_type");
}

#[actix_rt::test]
async fn unknown_scope_name_is_invalid_scope() {
    let server = TestServer::start().await;
    let answer = server
        .token_request(
            ADMIN_ID,
            ADMIN_SECRET,
            &[GRANT, ("scope", "tokens bogus:scope")],
        )
        .await;
    assert_eq!(answer.expect_oauth_error(400), "invalid_scope");
}

#[actix_rt::test]
async fn requested_scopes_are_narrowed_to_the_clients_own() {
    let server = TestServer::start().await;
    let (id, secret) = server
        .create_client(&["credentials:read"], &["masmovil"])
        .await;
    let answer = server
        .token_request(&id, &secret, &[GRANT, ("scope", "credentials:read tokens")])
        .await;
    let body = answer.expect_json(200);
    assert_eq!(body["scope"], "credentials:read");
    let (_, claims) = verify_independently(&server, body["access_token"].as_str().unwrap()).await;
    assert_eq!(claims["scope"], "credentials:read");
}

#[actix_rt::test]
async fn requesting_only_scopes_the_client_lacks_is_invalid_scope() {
    let server = TestServer::start().await;
    let (id, secret) = server
        .create_client(&["credentials:read"], &["masmovil"])
        .await;
    let answer = server
        .token_request(&id, &secret, &[GRANT, ("scope", "tokens clients:admin")])
        .await;
    assert_eq!(answer.expect_oauth_error(400), "invalid_scope");
}

#[actix_rt::test]
async fn admin_token_narrowed_to_one_scope_carries_only_it() {
    let server = TestServer::start().await;
    let token = server.admin_token(Some("tokens")).await;
    let (_, claims) = verify_independently(&server, &token).await;
    assert_eq!(claims["scope"], "tokens");
}

#[actix_rt::test]
async fn json_body_is_invalid_request() {
    let server = TestServer::start().await;
    let body = serde_json::json!({"grant_type": "client_credentials", "client_id": ADMIN_ID, "client_secret": ADMIN_SECRET});
    let answer = server.call("POST", "/token", None, Some(&body)).await;
    assert_eq!(answer.expect_oauth_error(400), "invalid_request");
}

#[actix_rt::test]
async fn repeated_parameter_is_invalid_request() {
    let server = TestServer::start().await;
    let form = [GRANT, ("scope", "tokens"), ("scope", "credentials:read")];
    let answer = server.token_request(ADMIN_ID, ADMIN_SECRET, &form).await;
    assert_eq!(answer.expect_oauth_error(400), "invalid_request");
}

#[actix_rt::test]
async fn get_on_the_token_endpoint_is_method_not_allowed() {
    let server = TestServer::start().await;
    let answer = server.call("GET", "/token", None, None).await;
    assert_eq!(answer.code(), 405, "{}", answer.text());
    assert_eq!(answer.header("allow").as_deref(), Some("POST"));
    assert!(answer.header("x-request-id").is_some());
}

#[actix_rt::test]
async fn client_secret_post_is_accepted() {
    let server = TestServer::start().await;
    let form =
        format!("grant_type=client_credentials&client_id={ADMIN_ID}&client_secret={ADMIN_SECRET}");
    let body = post_form(&server, &form).await.expect_json(200);
    let (_, claims) = verify_independently(&server, body["access_token"].as_str().unwrap()).await;
    assert_eq!(claims["sub"], ADMIN_ID);
}

#[actix_rt::test]
async fn form_content_type_may_carry_a_charset() {
    let server = TestServer::start().await;
    let form =
        format!("grant_type=client_credentials&client_id={ADMIN_ID}&client_secret={ADMIN_SECRET}");
    let answer = server
        .call_raw(
            "POST",
            "/token",
            None,
            Some("application/x-www-form-urlencoded; charset=UTF-8"),
            form.into_bytes(),
        )
        .await;
    assert_eq!(answer.expect_json(200)["token_type"], "Bearer");
}

#[actix_rt::test]
async fn client_secret_post_with_a_wrong_secret_is_invalid_client() {
    let server = TestServer::start().await;
    let form = format!(
        "grant_type=client_credentials&client_id={ADMIN_ID}&client_secret=wrong-wrong-wrong"
    );
    assert_eq!(
        post_form(&server, &form).await.expect_oauth_error(401),
        "invalid_client"
    );
}

#[actix_rt::test]
async fn basic_and_a_form_secret_together_is_invalid_request() {
    let server = TestServer::start().await;
    let form = [
        GRANT,
        ("client_id", ADMIN_ID),
        ("client_secret", ADMIN_SECRET),
    ];
    let answer = server.token_request(ADMIN_ID, ADMIN_SECRET, &form).await;
    assert_eq!(answer.expect_oauth_error(400), "invalid_request");
}

#[actix_rt::test]
async fn token_of_a_deleted_client_can_no_longer_be_obtained() {
    let server = TestServer::start().await;
    let (id, secret) = server.create_client(&["tokens"], &["masmovil"]).await;
    let admin = server.admin_token(None).await;
    assert_eq!(
        server
            .call("DELETE", &format!("/v1/clients/{id}"), Some(&admin), None)
            .await
            .code(),
        204
    );
    let answer = server.token_request(&id, &secret, &[GRANT]).await;
    assert_eq!(answer.expect_oauth_error(401), "invalid_client");
}
