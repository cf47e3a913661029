//! Credentials API endpoints 1, 2, 4 and 5: get, create, patch, delete.

use latchkey_tests::{TestServer, credential_path};
use serde_json::json;

const ANA: &str = "ana@example.com";
const PASSWORD: &str = "correct horse battery";

fn is_rfc3339_utc(value: &serde_json::Value) -> bool {
    value
        .as_str()
        .is_some_and(|s| s.len() == 20 && s.ends_with('Z') && s.as_bytes()[10] == b'T')
}

#[actix_rt::test]
async fn create_answers_a_set_password_token_of_the_documented_shape() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let answer = server
        .call(
            "POST",
            &credential_path("masmovil", ANA),
            Some(&admin),
            None,
        )
        .await;
    let body = answer.expect_json(201);
    assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
    let token = body["token"].as_str().unwrap();
    let parts: Vec<&str> = token.splitn(3, '@').collect();
    assert!(uuid::Uuid::try_parse(parts[0]).is_ok(), "{token}");
    assert_eq!(parts[1], "masmovil");
    assert!(parts[2].len() >= 43, "at least 32 random bytes: {token}");
    assert!(
        parts[2]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_=".contains(&b)),
        "URL-safe: {token}"
    );
}

#[actix_rt::test]
async fn new_credential_is_disabled_and_shown_exactly_as_the_spec_says() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    server.create_credential(&admin, "masmovil", ANA).await;
    let credential = server
        .get(&credential_path("masmovil", ANA), &admin)
        .await
        .expect_json(200);
    let mut keys: Vec<&String> = credential.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "created_at",
            "crm",
            "deleted_at",
            "enabled",
            "id",
            "last_login_at",
            "require2fa",
            "updated_at",
            "username"
        ]
    );
    assert!(uuid::Uuid::try_parse(credential["id"].as_str().unwrap()).is_ok());
    assert_eq!(credential["username"], ANA);
    assert_eq!(credential["enabled"], false);
    assert_eq!(credential["require2fa"], false);
    assert_eq!(credential["crm"], "");
    assert!(
        is_rfc3339_utc(&credential["created_at"]) && is_rfc3339_utc(&credential["updated_at"]),
        "{credential}"
    );
    assert_eq!(credential["last_login_at"], json!(null));
    assert_eq!(
        credential["deleted_at"],
        json!({"Time": "0001-01-01T00:00:00Z", "Valid": false})
    );
    assert!(
        !credential.to_string().to_lowercase().contains("password"),
        "{credential}"
    );
}

#[actix_rt::test]
async fn active_credential_never_shows_its_password() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    server
        .active_credential(&admin, "masmovil", ANA, PASSWORD)
        .await;
    let answer = server.get(&credential_path("masmovil", ANA), &admin).await;
    let text = answer.text();
    assert_eq!(answer.json()["enabled"], true);
    assert!(
        !text.contains(PASSWORD) && !text.contains("argon2") && !text.contains("password"),
        "{text}"
    );
}

#[actix_rt::test]
async fn create_accepts_optional_attributes() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let body = json!({"crm": "qvantel", "customer_id": "C-42", "msisdn": "+34600111222"});
    let answer = server
        .call(
            "POST",
            &credential_path("masmovil", ANA),
            Some(&admin),
            Some(&body),
        )
        .await;
    answer.expect_json(201);
    let credential = server
        .get(&credential_path("masmovil", ANA), &admin)
        .await
        .expect_json(200);
    assert_eq!(credential["crm"], "qvantel");
}

#[actix_rt::test]
async fn create_with_an_invalid_msisdn_is_400() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    for msisdn in ["600111222", "+0600111222", "+34 600", "+3460011122233344"] {
        let body = json!({"msisdn": msisdn});
        let answer = server
            .call(
                "POST",
                &credential_path("masmovil", ANA),
                Some(&admin),
                Some(&body),
            )
            .await;
        assert_eq!(
            answer.expect_error(400),
            "credential.invalid_msisdn",
            "{msisdn}"
        );
    }
    let body = json!({"crm": "x".repeat(65)});
    let answer = server
        .call(
            "POST",
            &credential_path("masmovil", ANA),
            Some(&admin),
            Some(&body),
        )
        .await;
    assert_eq!(answer.expect_error(400), "request.invalid_field");
    assert_eq!(
        server
            .get(&credential_path("masmovil", ANA), &admin)
            .await
            .expect_error(404),
        "credential.not_found"
    );
}

#[actix_rt::test]
async fn create_of_an_existing_username_is_409() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    server.create_credential(&admin, "masmovil", ANA).await;
    let answer = server
        .call(
            "POST",
            &credential_path("masmovil", ANA),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(answer.expect_error(409), "credential.already_exists");
    // Another org is another namespace.
    server.create_credential(&admin, "yoigo", ANA).await;
}

#[actix_rt::test]
async fn unknown_credential_or_tenant_is_404() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    assert_eq!(
        server
            .get(&credential_path("masmovil", ANA), &admin)
            .await
            .expect_error(404),
        "credential.not_found"
    );
    assert_eq!(
        server
            .get(&credential_path("jazztel", ANA), &admin)
            .await
            .expect_error(404),
        "tenant.not_found"
    );
    let create = server
        .call("POST", &credential_path("jazztel", ANA), Some(&admin), None)
        .await;
    assert_eq!(create.expect_error(404), "tenant.not_found");
    assert_eq!(
        server
            .get(&credential_path("Bad", ANA), &admin)
            .await
            .expect_error(400),
        "request.invalid_org"
    );
}

#[actix_rt::test]
async fn patch_enables_disables_and_keeps_require2fa_when_absent() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    server.create_credential(&admin, "masmovil", ANA).await;
    let path = credential_path("masmovil", ANA);
    let patch = async |body: serde_json::Value| {
        server.call("PATCH", &path, Some(&admin), Some(&body)).await
    };
    assert_eq!(
        patch(json!({"enabled": true, "require2fa": true}))
            .await
            .code(),
        204
    );
    let credential = server.get(&path, &admin).await.expect_json(200);
    assert_eq!(
        (&credential["enabled"], &credential["require2fa"]),
        (&json!(true), &json!(true))
    );
    assert_eq!(patch(json!({"enabled": false})).await.code(), 204);
    let credential = server.get(&path, &admin).await.expect_json(200);
    assert_eq!(
        (&credential["enabled"], &credential["require2fa"]),
        (&json!(false), &json!(true))
    );
    assert_eq!(
        patch(json!({"enabled": true, "require2fa": false}))
            .await
            .code(),
        204
    );
    let credential = server.get(&path, &admin).await.expect_json(200);
    assert_eq!(
        (&credential["enabled"], &credential["require2fa"]),
        (&json!(true), &json!(false))
    );
}

#[actix_rt::test]
async fn patch_without_enabled_or_with_a_wrong_type_is_400() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    server.create_credential(&admin, "masmovil", ANA).await;
    let path = credential_path("masmovil", ANA);
    for body in [
        json!({"require2fa": true}),
        json!({"enabled": "yes"}),
        json!({"enabled": true, "require2fa": 1}),
        json!([true]),
    ] {
        let answer = server.call("PATCH", &path, Some(&admin), Some(&body)).await;
        assert_eq!(answer.expect_error(400), "request.invalid_body", "{body}");
    }
    let empty = server
        .call_raw(
            "PATCH",
            &path,
            Some(&admin),
            Some("application/json"),
            Vec::new(),
        )
        .await;
    assert_eq!(empty.expect_error(400), "request.missing_body");
    assert_eq!(
        server.get(&path, &admin).await.expect_json(200)["enabled"],
        false,
        "nothing changed"
    );
}

#[actix_rt::test]
async fn patch_of_an_unknown_credential_is_404() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let answer = server
        .call(
            "PATCH",
            &credential_path("masmovil", ANA),
            Some(&admin),
            Some(&json!({"enabled": true})),
        )
        .await;
    assert_eq!(answer.expect_error(404), "credential.not_found");
}

#[actix_rt::test]
async fn delete_removes_the_credential_and_its_tokens() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let path = credential_path("masmovil", ANA);
    let first_token = server.create_credential(&admin, "masmovil", ANA).await;
    let first_id = server.get(&path, &admin).await.expect_json(200)["id"].clone();
    assert_eq!(
        server
            .call("DELETE", &path, Some(&admin), None)
            .await
            .code(),
        204
    );
    assert_eq!(
        server.get(&path, &admin).await.expect_error(404),
        "credential.not_found"
    );
    assert_eq!(
        server
            .call("DELETE", &path, Some(&admin), None)
            .await
            .expect_error(404),
        "credential.not_found"
    );
    let token_path = format!("/v1/orgs/masmovil/tokens/{first_token}");
    assert_eq!(
        server.get(&token_path, &admin).await.expect_error(404),
        "token.not_found"
    );

    // The username is free again, for a fresh credential that the old token cannot touch.
    server.create_credential(&admin, "masmovil", ANA).await;
    let fresh = server.get(&path, &admin).await.expect_json(200);
    assert_ne!(fresh["id"], first_id);
    assert_eq!(fresh["enabled"], false);
    let body = json!({"password": PASSWORD, "token": first_token});
    let answer = server.call("PUT", &path, Some(&admin), Some(&body)).await;
    assert_eq!(answer.expect_error(400), "token.invalid");
}

#[actix_rt::test]
async fn delete_of_an_active_credential_erases_its_password() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    server
        .active_credential(&admin, "masmovil", ANA, PASSWORD)
        .await;
    let path = credential_path("masmovil", ANA);
    assert_eq!(
        server
            .call("DELETE", &path, Some(&admin), None)
            .await
            .code(),
        204
    );
    server.create_credential(&admin, "masmovil", ANA).await;
    let change = server
        .call(
            "POST",
            &format!("{path}/change_password"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(change.code(), 201, "{}", change.text());
    let token = change.json()["token"].as_str().unwrap().to_owned();
    // The new credential starts without a password: the token is a set-password token, and the
    // old password does not come back.
    let body = serde_json::json!({"password": "a different passphrase", "token": token});
    let set = server.call("PUT", &path, Some(&admin), Some(&body)).await;
    assert_eq!(set.code(), 204, "{}", set.text());
}

#[actix_rt::test]
async fn delete_needs_credentials_admin() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    server.create_credential(&admin, "masmovil", ANA).await;
    let writer = server
        .admin_token(Some("credentials:read credentials:write"))
        .await;
    let path = credential_path("masmovil", ANA);
    assert_eq!(
        server
            .call("DELETE", &path, Some(&writer), None)
            .await
            .expect_error(403),
        "auth.insufficient_scope"
    );
    server.get(&path, &admin).await.expect_json(200);
}
