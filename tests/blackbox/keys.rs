//! Signing-key rotation: `GET/POST /v1/keys`, `DELETE /v1/keys/{kid}` and the JWKS.

use latchkey_tests::TestServer;

const PROBE: &str = "/v1/orgs/masmovil/credentials/ana@example.com";

fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

/// The kids of the published access-token (ES256) keys.
async fn published_kids(server: &TestServer) -> Vec<String> {
    let jwks = server.jwks().await;
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["alg"] == "ES256")
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

async fn rotate(server: &TestServer, token: &str) -> String {
    let answer = server.call("POST", "/v1/keys", Some(token), None).await;
    let key = answer.expect_json(201);
    assert_eq!(key["active"], true);
    assert_eq!(key["alg"], "ES256");
    key["kid"].as_str().unwrap().to_owned()
}

#[actix_rt::test]
async fn jwks_publishes_the_signing_key_and_may_be_cached() {
    let server = TestServer::start().await;
    let answer = server.call("GET", "/jwks.json", None, None).await;
    let jwks = answer.expect_json(200);
    let keys = jwks["keys"].as_array().unwrap();
    // One key signs access tokens (ES256), one signs ID tokens for RS256 clients.
    assert_eq!(keys.len(), 2);
    let algs: Vec<&str> = keys.iter().map(|k| k["alg"].as_str().unwrap()).collect();
    assert_eq!(algs, ["ES256", "RS256"]);
    for key in keys {
        assert_eq!(key["use"], "sig");
        for private in ["d", "p", "q", "dp", "dq", "qi"] {
            assert!(
                key.get(private).is_none(),
                "the private part is never published: {jwks}"
            );
        }
    }
    assert!(
        answer
            .header("cache-control")
            .unwrap_or_default()
            .contains("max-age")
    );
    assert_eq!(
        kid_of(&server.admin_token(None).await),
        keys[0]["kid"].as_str().unwrap()
    );
}

#[actix_rt::test]
async fn key_list_is_oldest_first_with_the_last_active() {
    let server = TestServer::start().await;
    let token = server.admin_token(Some("keys:admin")).await;
    let first = kid_of(&token);
    let second = rotate(&server, &token).await;
    let list = server.get("/v1/keys", &token).await.expect_json(200);
    let list: Vec<&serde_json::Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["alg"] == "ES256")
        .collect();
    assert_eq!(list.len(), 2);
    assert_eq!(
        (list[0]["kid"].as_str().unwrap(), &list[0]["active"]),
        (first.as_str(), &false.into())
    );
    assert_eq!(
        (list[1]["kid"].as_str().unwrap(), &list[1]["active"]),
        (second.as_str(), &true.into())
    );
}

#[actix_rt::test]
async fn rotation_publishes_a_new_kid_and_old_tokens_keep_working() {
    let server = TestServer::start().await;
    let old = server.admin_token(None).await;
    let old_kid = kid_of(&old);
    let new_kid = rotate(&server, &old).await;
    assert_ne!(new_kid, old_kid);
    let kids = published_kids(&server).await;
    assert!(
        kids.contains(&old_kid) && kids.contains(&new_kid),
        "{kids:?}"
    );
    assert_eq!(
        server.get(PROBE, &old).await.expect_error(404),
        "credential.not_found"
    );
    let fresh = server.admin_token(None).await;
    assert_eq!(
        kid_of(&fresh),
        new_kid,
        "new tokens are signed by the new key"
    );
    assert_eq!(
        server.get(PROBE, &fresh).await.expect_error(404),
        "credential.not_found"
    );
}

#[actix_rt::test]
async fn removing_the_old_key_retires_its_tokens() {
    let server = TestServer::start().await;
    let old = server.admin_token(None).await;
    let old_kid = kid_of(&old);
    // Used before removal, so it sits in the verification cache too.
    assert_eq!(
        server.get(PROBE, &old).await.expect_error(404),
        "credential.not_found"
    );
    rotate(&server, &old).await;
    let fresh = server.admin_token(None).await;
    let answer = server
        .call("DELETE", &format!("/v1/keys/{old_kid}"), Some(&fresh), None)
        .await;
    assert_eq!(answer.code(), 204, "{}", answer.text());
    assert!(!published_kids(&server).await.contains(&old_kid));
    assert_eq!(
        server.get(PROBE, &old).await.expect_error(401),
        "auth.invalid_token"
    );
    assert_eq!(
        server.get(PROBE, &fresh).await.expect_error(404),
        "credential.not_found"
    );
}

#[actix_rt::test]
async fn active_key_cannot_be_removed() {
    let server = TestServer::start().await;
    let token = server.admin_token(Some("keys:admin")).await;
    let answer = server
        .call(
            "DELETE",
            &format!("/v1/keys/{}", kid_of(&token)),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(answer.expect_error(409), "key.active");
    assert_eq!(published_kids(&server).await, vec![kid_of(&token)]);
}

#[actix_rt::test]
async fn unknown_kid_is_404() {
    let server = TestServer::start().await;
    let token = server.admin_token(Some("keys:admin")).await;
    let answer = server
        .call("DELETE", "/v1/keys/no-such-kid", Some(&token), None)
        .await;
    assert_eq!(answer.expect_error(404), "key.not_found");
}

#[actix_rt::test]
async fn key_management_needs_keys_admin() {
    let server = TestServer::start().await;
    let token = server
        .admin_token(Some("credentials:admin tenants:admin clients:admin"))
        .await;
    assert_eq!(
        server.get("/v1/keys", &token).await.expect_error(403),
        "auth.insufficient_scope"
    );
    let answer = server.call("POST", "/v1/keys", Some(&token), None).await;
    assert_eq!(answer.expect_error(403), "auth.insufficient_scope");
    assert_eq!(published_kids(&server).await.len(), 1, "no key was added");
}

#[actix_rt::test]
async fn key_management_needs_a_token_that_covers_every_org() {
    let server = TestServer::start().await;
    let (id, secret) = server.create_client(&["keys:admin"], &["masmovil"]).await;
    let token = server
        .token_of(&id, &secret, &[("grant_type", "client_credentials")])
        .await;
    for (method, path) in [("GET", "/v1/keys"), ("POST", "/v1/keys")] {
        let answer = server.call(method, path, Some(&token), None).await;
        assert_eq!(
            answer.expect_error(403),
            "auth.all_orgs_required",
            "{method} {path}"
        );
    }
}

#[actix_rt::test]
async fn the_rs256_key_rotates_on_its_own() {
    let server = TestServer::start().await;
    let token = server.admin_token(Some("keys:admin")).await;
    let answer = server
        .call("POST", "/v1/keys?alg=RS256", Some(&token), None)
        .await;
    let key = answer.expect_json(201);
    assert_eq!(
        (&key["alg"], &key["active"]),
        (&"RS256".into(), &true.into())
    );
    let list = server.get("/v1/keys", &token).await.expect_json(200);
    let active: Vec<(&str, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["active"] == true)
        .map(|k| (k["alg"].as_str().unwrap(), k["kid"].as_str().unwrap()))
        .collect();
    assert_eq!(active.len(), 2, "one active key per algorithm: {list}");
    assert!(active.contains(&("RS256", key["kid"].as_str().unwrap())));
    assert!(active.contains(&("ES256", kid_of(&token).as_str())));
    let bad = server
        .call("POST", "/v1/keys?alg=HS256", Some(&token), None)
        .await;
    assert_eq!(bad.expect_error(400), "key.unknown_alg");
}
