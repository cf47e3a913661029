//! Credentials API endpoint 15: `GET /magiclinks`.

use latchkey_tests::{TestServer, credential_path, segment};
use serde_json::json;

const ANA: &str = "ana@example.com";

fn path(username: &str) -> String {
    format!(
        "/v1/orgs/masmovil/magiclinks?username={}",
        segment(username)
    )
}

#[actix_rt::test]
async fn a_service_token_gets_a_magic_link_token_and_its_link() {
    let server =
        TestServer::start_with(|c| c.public_url = Some("https://login.example".to_owned())).await;
    let admin = server.admin_token(None).await;
    server
        .active_credential(&admin, "masmovil", ANA, "correct horse battery")
        .await;

    let answer = server.get(&path(ANA), &admin).await;
    let body = answer.expect_json(200);
    assert_eq!(answer.header("cache-control").as_deref(), Some("no-store"));
    let token = body["token"].as_str().unwrap();
    assert!(token.contains("@masmovil@"), "{token}");
    let link = body["link"].as_str().unwrap();
    let query = link
        .strip_prefix("https://login.example/magiclink?")
        .unwrap_or_else(|| panic!("{link}"));
    let parsed: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
    assert_eq!(
        parsed,
        [("token".to_owned(), token.to_owned())],
        "the link carries the token"
    );

    // A magic-link token is not a password token: endpoint 13 does not know it.
    let answer = server
        .get(
            &format!("/v1/orgs/masmovil/tokens/{}", segment(token)),
            &admin,
        )
        .await;
    answer.expect_error(404);
    // Each call issues a new token.
    let again = server.get(&path(ANA), &admin).await.expect_json(200);
    assert_ne!(again["token"], body["token"]);
}

#[actix_rt::test]
async fn magic_links_need_a_live_enabled_credential_named_by_username() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let answer = server.get("/v1/orgs/masmovil/magiclinks", &admin).await;
    assert_eq!(answer.expect_error(400), "request.missing_username");
    let answer = server.get(&path(ANA), &admin).await;
    assert_eq!(answer.expect_error(404), "credential.not_found");
    let answer = server.get(&path("not valid!"), &admin).await;
    answer.expect_error(400);

    server.create_credential(&admin, "masmovil", ANA).await;
    let answer = server.get(&path(ANA), &admin).await;
    assert_eq!(
        answer.expect_error(409),
        "credential.disabled",
        "not activated yet"
    );
    let answer = server
        .call(
            "PATCH",
            &credential_path("masmovil", ANA),
            Some(&admin),
            Some(&json!({"enabled": true})),
        )
        .await;
    assert_eq!(answer.code(), 204, "{}", answer.text());
    server.get(&path(ANA), &admin).await.expect_json(200);
}

#[actix_rt::test]
async fn magic_links_need_the_tokens_scope_on_the_org() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    server
        .active_credential(&admin, "masmovil", ANA, "correct horse battery")
        .await;
    let writer = server
        .client_token(&["credentials:write"], &["masmovil"])
        .await;
    server.get(&path(ANA), &writer).await.expect_error(403);
    let elsewhere = server.client_token(&["tokens"], &["yoigo"]).await;
    server.get(&path(ANA), &elsewhere).await.expect_error(403);
    let allowed = server.client_token(&["tokens"], &["masmovil"]).await;
    server.get(&path(ANA), &allowed).await.expect_json(200);
}
