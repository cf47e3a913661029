//! Credentials API endpoints 13 and 14: security-token lookup and revocation.

use latchkey_tests::{TestServer, credential_path, segment};
use serde_json::json;

const ANA: &str = "ana@example.com";
const PASSWORD: &str = "correct horse battery";

fn token_path(org: &str, token: &str) -> String {
    format!("/v1/orgs/{org}/tokens/{}", segment(token))
}

#[actix_rt::test]
async fn lookup_answers_the_tokens_username() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let token = server.create_credential(&admin, "masmovil", ANA).await;
    let tokens = server.admin_token(Some("tokens")).await;
    assert_eq!(
        server
            .get(&token_path("masmovil", &token), &tokens)
            .await
            .expect_json(200),
        json!({"username": ANA})
    );
    // Unencoded, as a client would most likely send it, it works too.
    let raw = format!("/v1/orgs/masmovil/tokens/{token}");
    assert_eq!(
        server.get(&raw, &tokens).await.expect_json(200)["username"],
        ANA
    );
}

#[actix_rt::test]
async fn lookup_of_a_change_password_token_works_too() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    server
        .active_credential(&admin, "masmovil", ANA, PASSWORD)
        .await;
    let path = format!("{}/change_password", credential_path("masmovil", ANA));
    let token = server
        .call("POST", &path, Some(&admin), None)
        .await
        .expect_json(201)["token"]
        .clone();
    let answer = server
        .get(&token_path("masmovil", token.as_str().unwrap()), &admin)
        .await;
    assert_eq!(answer.expect_json(200)["username"], ANA);
}

#[actix_rt::test]
async fn unknown_used_or_malformed_token_is_404() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let token = server.create_credential(&admin, "masmovil", ANA).await;
    let secret = token.rsplit_once('@').unwrap().1;
    let unknown = format!("{}@masmovil@{secret}", uuid::Uuid::new_v4());
    for bad in [unknown.as_str(), "garbage", "not-a-uuid@masmovil@secret"] {
        assert_eq!(
            server
                .get(&token_path("masmovil", bad), &admin)
                .await
                .expect_error(404),
            "token.not_found",
            "{bad}"
        );
    }
    let body = json!({"password": PASSWORD, "token": token});
    assert_eq!(
        server
            .call(
                "PUT",
                &credential_path("masmovil", ANA),
                Some(&admin),
                Some(&body)
            )
            .await
            .code(),
        204
    );
    assert_eq!(
        server
            .get(&token_path("masmovil", &token), &admin)
            .await
            .expect_error(404),
        "token.not_found"
    );
}

#[actix_rt::test]
async fn token_of_another_org_is_404() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let token = server.create_credential(&admin, "masmovil", ANA).await;
    assert_eq!(
        server
            .get(&token_path("yoigo", &token), &admin)
            .await
            .expect_error(404),
        "token.not_found"
    );
    let answer = server
        .call("DELETE", &token_path("yoigo", &token), Some(&admin), None)
        .await;
    assert_eq!(answer.expect_error(404), "token.not_found");
    server
        .get(&token_path("masmovil", &token), &admin)
        .await
        .expect_json(200);
}

#[actix_rt::test]
async fn revoked_token_no_longer_sets_a_password() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let token = server.create_credential(&admin, "masmovil", ANA).await;
    let tokens = server.admin_token(Some("tokens")).await;
    let answer = server
        .call(
            "DELETE",
            &token_path("masmovil", &token),
            Some(&tokens),
            None,
        )
        .await;
    assert_eq!(answer.code(), 204, "{}", answer.text());
    assert_eq!(
        server
            .get(&token_path("masmovil", &token), &tokens)
            .await
            .expect_error(404),
        "token.not_found"
    );
    let again = server
        .call(
            "DELETE",
            &token_path("masmovil", &token),
            Some(&tokens),
            None,
        )
        .await;
    assert_eq!(again.expect_error(404), "token.not_found");
    let body = json!({"password": PASSWORD, "token": token});
    let answer = server
        .call(
            "PUT",
            &credential_path("masmovil", ANA),
            Some(&admin),
            Some(&body),
        )
        .await;
    assert_eq!(answer.expect_error(400), "token.invalid");
}

#[actix_rt::test]
async fn token_endpoints_need_the_tokens_scope_on_the_org() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let token = server.create_credential(&admin, "masmovil", ANA).await;
    let no_scope = server
        .admin_token(Some("credentials:read credentials:write credentials:admin"))
        .await;
    assert_eq!(
        server
            .get(&token_path("masmovil", &token), &no_scope)
            .await
            .expect_error(403),
        "auth.insufficient_scope"
    );
    let answer = server
        .call(
            "DELETE",
            &token_path("masmovil", &token),
            Some(&no_scope),
            None,
        )
        .await;
    assert_eq!(answer.expect_error(403), "auth.insufficient_scope");
    let other_org = server.client_token(&["tokens"], &["yoigo"]).await;
    assert_eq!(
        server
            .get(&token_path("masmovil", &token), &other_org)
            .await
            .expect_error(403),
        "auth.org_not_allowed"
    );
    server
        .get(&token_path("masmovil", &token), &admin)
        .await
        .expect_json(200);
}

#[actix_rt::test]
async fn token_lookup_in_an_unknown_tenant_is_404() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let answer = server.get("/v1/orgs/jazztel/tokens/whatever", &admin).await;
    assert_eq!(answer.expect_error(404), "tenant.not_found");
    assert_eq!(
        server
            .get("/v1/orgs/Bad/tokens/whatever", &admin)
            .await
            .expect_error(400),
        "request.invalid_org"
    );
}
