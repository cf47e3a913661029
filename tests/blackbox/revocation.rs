//! `POST /revoke` (RFC 7009): a client revokes an access token it obtained.

use latchkey_tests::{ADMIN_ID, ADMIN_SECRET, Answer, TestServer, credential_path};
use serde_json::json;

async fn revoke(server: &TestServer, id: &str, secret: &str, token: &str) -> Answer {
    let mut response = server
        .http
        .post(server.url("/revoke"))
        .basic_auth(id, secret)
        .send_form(&[("token", token), ("token_type_hint", "access_token")])
        .await
        .expect("request sent");
    let body = response.body().await.unwrap().to_vec();
    Answer {
        status: response.status(),
        headers: response.headers().clone(),
        body,
    }
}

async fn introspect(server: &TestServer, token: &str) -> serde_json::Value {
    let mut response = server
        .http
        .post(server.url("/introspect"))
        .basic_auth(ADMIN_ID, ADMIN_SECRET)
        .send_form(&[("token", token)])
        .await
        .expect("request sent");
    serde_json::from_slice(&response.body().await.unwrap()).unwrap()
}

#[actix_rt::test]
async fn a_revoked_token_is_refused_at_once_even_after_it_was_used() {
    let server = TestServer::start().await;
    let token = server.admin_token(None).await;
    let path = credential_path("yoigo", "nobody@example.com");
    // Used first, so this instance holds a cached verification of it.
    assert_eq!(server.get(&path, &token).await.code(), 404);

    let answer = revoke(&server, ADMIN_ID, ADMIN_SECRET, &token).await;
    assert_eq!(answer.code(), 200, "{}", answer.text());
    assert_eq!(answer.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(
        server.get(&path, &token).await.expect_error(401),
        "auth.revoked_token"
    );
    assert_eq!(introspect(&server, &token).await, json!({"active": false}));
    // Revoking again, or revoking nonsense, is not an error (RFC 7009 §2.2).
    assert_eq!(
        revoke(&server, ADMIN_ID, ADMIN_SECRET, &token).await.code(),
        200
    );
    assert_eq!(
        revoke(&server, ADMIN_ID, ADMIN_SECRET, "not a token")
            .await
            .code(),
        200
    );

    let fresh = server.admin_token(None).await;
    assert_eq!(
        server.get(&path, &fresh).await.code(),
        404,
        "other tokens still work"
    );
}

#[actix_rt::test]
async fn a_client_cannot_revoke_another_clients_token() {
    let server = TestServer::start().await;
    let (id, secret) = server.create_client(&["credentials:read"], &["*"]).await;
    let admin_token = server.admin_token(None).await;
    let refused = revoke(&server, &id, &secret, &admin_token).await;
    assert_eq!(refused.expect_oauth_error(400), "unauthorized_client");
    assert_eq!(introspect(&server, &admin_token).await["active"], true);
}

#[actix_rt::test]
async fn revocation_needs_client_authentication_and_a_token() {
    let server = TestServer::start().await;
    let token = server.admin_token(None).await;
    let wrong = revoke(&server, ADMIN_ID, "not-the-secret", &token).await;
    assert_eq!(wrong.expect_oauth_error(401), "invalid_client");
    let no_token = server
        .call_raw(
            "POST",
            "/revoke",
            None,
            Some("application/x-www-form-urlencoded"),
            format!("client_id={ADMIN_ID}&client_secret={ADMIN_SECRET}").into_bytes(),
        )
        .await;
    assert_eq!(no_token.expect_oauth_error(400), "invalid_request");
    let get = server.call("GET", "/revoke", None, None).await;
    assert_eq!(get.expect_oauth_error(405), "invalid_request");
    assert_eq!(
        introspect(&server, &token).await["active"],
        true,
        "nothing was revoked"
    );
}
