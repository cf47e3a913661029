//! Credentials API endpoints 3 and 9: setting a password with a security token, the password
//! policy, and change-password tokens.

use latchkey_tests::{Answer, TestServer, credential_path};
use serde_json::json;

const ANA: &str = "ana@example.com";
const PASSWORD: &str = "correct horse battery";

async fn set_password(
    server: &TestServer,
    admin: &str,
    username: &str,
    password: &str,
    token: &str,
) -> Answer {
    let body = json!({"password": password, "token": token});
    server
        .call(
            "PUT",
            &credential_path("masmovil", username),
            Some(admin),
            Some(&body),
        )
        .await
}

async fn change_password_token(server: &TestServer, admin: &str, username: &str) -> Answer {
    let path = format!("{}/change_password", credential_path("masmovil", username));
    server.call("POST", &path, Some(admin), None).await
}

#[actix_rt::test]
async fn setting_the_password_enables_the_credential() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let token = server.create_credential(&admin, "masmovil", ANA).await;
    let before = server
        .get(&credential_path("masmovil", ANA), &admin)
        .await
        .expect_json(200);
    let answer = set_password(&server, &admin, ANA, PASSWORD, &token).await;
    assert_eq!(answer.code(), 204, "{}", answer.text());
    assert!(answer.body.is_empty());
    let after = server
        .get(&credential_path("masmovil", ANA), &admin)
        .await
        .expect_json(200);
    assert_eq!(after["enabled"], true);
    assert_eq!(after["id"], before["id"]);
}

#[actix_rt::test]
async fn set_password_token_is_single_use() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let token = server.create_credential(&admin, "masmovil", ANA).await;
    assert_eq!(
        set_password(&server, &admin, ANA, PASSWORD, &token)
            .await
            .code(),
        204
    );
    let again = set_password(&server, &admin, ANA, "another fine passphrase", &token).await;
    assert_eq!(again.expect_error(400), "token.invalid");
}

#[actix_rt::test]
async fn token_issued_for_another_username_is_refused() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let bobs = server
        .create_credential(&admin, "masmovil", "bob@example.com")
        .await;
    server.create_credential(&admin, "masmovil", ANA).await;
    let answer = set_password(&server, &admin, ANA, PASSWORD, &bobs).await;
    assert_eq!(answer.expect_error(400), "token.invalid");
    // Bob's token was not spent by the refusal.
    assert_eq!(
        set_password(&server, &admin, "bob@example.com", PASSWORD, &bobs)
            .await
            .code(),
        204
    );
}

#[actix_rt::test]
async fn malformed_or_forged_token_is_refused() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let token = server.create_credential(&admin, "masmovil", ANA).await;
    for bad in [
        "",
        "garbage",
        "not-a-uuid@masmovil@secret",
        &format!("{token} x"),
    ] {
        let answer = set_password(&server, &admin, ANA, PASSWORD, bad).await;
        assert_eq!(answer.expect_error(400), "token.malformed", "{bad:?}");
    }
    let (id_and_org, _) = token.rsplit_once('@').unwrap();
    let forged = format!("{id_and_org}@AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    assert_eq!(
        set_password(&server, &admin, ANA, PASSWORD, &forged)
            .await
            .expect_error(400),
        "token.invalid"
    );
    let unknown = format!(
        "{}@masmovil@{}",
        uuid::Uuid::new_v4(),
        token.rsplit_once('@').unwrap().1
    );
    assert_eq!(
        set_password(&server, &admin, ANA, PASSWORD, &unknown)
            .await
            .expect_error(400),
        "token.invalid"
    );
    assert_eq!(
        set_password(&server, &admin, ANA, PASSWORD, &token)
            .await
            .code(),
        204,
        "the real token still works"
    );
}

#[actix_rt::test]
async fn token_of_another_org_is_refused() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let yoigo = server.create_credential(&admin, "yoigo", ANA).await;
    server.create_credential(&admin, "masmovil", ANA).await;
    let answer = set_password(&server, &admin, ANA, PASSWORD, &yoigo).await;
    assert_eq!(answer.expect_error(400), "token.invalid");
}

#[actix_rt::test]
async fn set_password_for_an_unknown_credential_is_404() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let token = server.create_credential(&admin, "masmovil", ANA).await;
    let answer = set_password(&server, &admin, "bob@example.com", PASSWORD, &token).await;
    assert_eq!(answer.expect_error(404), "credential.not_found");
}

#[actix_rt::test]
async fn password_policy_is_enforced_and_the_token_survives_a_refusal() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let token = server.create_credential(&admin, "masmovil", ANA).await;
    let long = "x".repeat(129);
    let cases = [
        ("short1!", "password.too_short"),
        (long.as_str(), "password.too_long"),
        ("password123", "password.too_common"),
        ("iloveyou1", "password.too_common"),
        ("Ana@Example.com", "password.same_as_username"),
        ("ANA", "password.too_short"),
    ];
    for (password, id) in cases {
        let answer = set_password(&server, &admin, ANA, password, &token).await;
        assert_eq!(answer.expect_error(400), id, "{password:?}");
    }
    assert_eq!(
        server
            .get(&credential_path("masmovil", ANA), &admin)
            .await
            .expect_json(200)["enabled"],
        false
    );
    assert_eq!(
        set_password(&server, &admin, ANA, &"x".repeat(128), &token)
            .await
            .code(),
        204
    );
}

#[actix_rt::test]
async fn password_equal_to_a_plain_username_is_refused() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let token = server
        .create_credential(&admin, "masmovil", "customer_4242")
        .await;
    let answer = set_password(&server, &admin, "customer_4242", "Customer_4242", &token).await;
    assert_eq!(answer.expect_error(400), "password.same_as_username");
}

#[actix_rt::test]
async fn set_password_without_a_body_or_with_a_wrong_one_is_400() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    server.create_credential(&admin, "masmovil", ANA).await;
    let path = credential_path("masmovil", ANA);
    let answer = server.call("PUT", &path, Some(&admin), None).await;
    assert_eq!(answer.expect_error(400), "request.missing_body");
    let answer = server
        .call(
            "PUT",
            &path,
            Some(&admin),
            Some(&json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(answer.expect_error(400), "request.invalid_body");
}

#[actix_rt::test]
async fn expired_set_password_token_is_refused() {
    let server = TestServer::start_with(|config| config.security_token_ttl = 1).await;
    let admin = server.admin_token(None).await;
    let token = server.create_credential(&admin, "masmovil", ANA).await;
    actix_rt::time::sleep(std::time::Duration::from_millis(2100)).await;
    let answer = set_password(&server, &admin, ANA, PASSWORD, &token).await;
    assert_eq!(answer.expect_error(400), "token.expired");
    let lookup = server
        .get(&format!("/v1/orgs/masmovil/tokens/{token}"), &admin)
        .await;
    assert_eq!(lookup.expect_error(404), "token.not_found");
}

#[actix_rt::test]
async fn change_password_token_sets_a_new_password() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    server
        .active_credential(&admin, "masmovil", ANA, PASSWORD)
        .await;
    let body = change_password_token(&server, &admin, ANA)
        .await
        .expect_json(201);
    let token = body["token"].as_str().unwrap();
    assert!(token.contains("@masmovil@"), "{token}");
    assert_eq!(
        set_password(&server, &admin, ANA, "a brand new passphrase", token)
            .await
            .code(),
        204
    );
    let reuse = set_password(&server, &admin, ANA, "yet another passphrase", token).await;
    assert_eq!(reuse.expect_error(400), "token.invalid");
}

#[actix_rt::test]
async fn using_one_password_token_revokes_the_others() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    server
        .active_credential(&admin, "masmovil", ANA, PASSWORD)
        .await;
    let first = change_password_token(&server, &admin, ANA)
        .await
        .expect_json(201)["token"]
        .clone();
    let second = change_password_token(&server, &admin, ANA)
        .await
        .expect_json(201)["token"]
        .clone();
    assert_ne!(first, second);
    assert_eq!(
        set_password(
            &server,
            &admin,
            ANA,
            "a brand new passphrase",
            first.as_str().unwrap()
        )
        .await
        .code(),
        204
    );
    let answer = set_password(
        &server,
        &admin,
        ANA,
        "yet another passphrase",
        second.as_str().unwrap(),
    )
    .await;
    assert_eq!(answer.expect_error(400), "token.invalid");
}

#[actix_rt::test]
async fn change_password_on_a_never_activated_credential_issues_a_set_password_token() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    server.create_credential(&admin, "masmovil", ANA).await;
    let answer = change_password_token(&server, &admin, ANA).await;
    assert_eq!(answer.code(), 201, "{}", answer.text());
    let token = answer.json()["token"].as_str().unwrap().to_owned();
    let set = set_password(&server, &admin, ANA, PASSWORD, &token).await;
    assert_eq!(set.code(), 204, "{}", set.text());
    let read = server.get(&credential_path("masmovil", ANA), &admin).await;
    assert_eq!(
        read.json()["enabled"],
        true,
        "the token activated the credential"
    );
}

#[actix_rt::test]
async fn change_password_of_an_unknown_credential_is_404() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    assert_eq!(
        change_password_token(&server, &admin, ANA)
            .await
            .expect_error(404),
        "credential.not_found"
    );
}

#[actix_rt::test]
async fn change_password_needs_credentials_write() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    server
        .active_credential(&admin, "masmovil", ANA, PASSWORD)
        .await;
    let reader = server
        .admin_token(Some("credentials:read credentials:admin"))
        .await;
    assert_eq!(
        change_password_token(&server, &reader, ANA)
            .await
            .expect_error(403),
        "auth.insufficient_scope"
    );
}
