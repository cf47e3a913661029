//! Credentials API flows: endpoint 11, `POST /flows/create_username`.

use latchkey_tests::{TestServer, credential_path};
use serde_json::json;

const PATH: &str = "/v1/orgs/masmovil/flows/create_username";
const ANA: &str = "ana@example.com";

#[actix_rt::test]
async fn create_username_answers_a_set_password_token_for_a_disabled_credential() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let body =
        json!({"username": "Ana@Example.com", "customer_id": "C-42", "msisdn": "+34600111222"});
    let answer = server.call("POST", PATH, Some(&admin), Some(&body)).await;
    let token = answer.expect_json(201)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(answer.header("cache-control").as_deref(), Some("no-store"));
    assert!(token.contains("@masmovil@"), "{token}");

    let credential = server
        .get(&credential_path("masmovil", ANA), &admin)
        .await
        .expect_json(200);
    assert_eq!(credential["username"], ANA, "the e-mail is normalised");
    assert_eq!(credential["enabled"], false);

    // The token sets the password (endpoint 3) and enables the credential.
    let answer = server
        .call(
            "PUT",
            &credential_path("masmovil", ANA),
            Some(&admin),
            Some(&json!({"password": "correct horse battery", "token": token})),
        )
        .await;
    assert_eq!(answer.code(), 204, "{}", answer.text());
    let credential = server
        .get(&credential_path("masmovil", ANA), &admin)
        .await
        .expect_json(200);
    assert_eq!(credential["enabled"], true);
}

#[actix_rt::test]
async fn create_username_of_an_existing_username_is_409() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    server.create_credential(&admin, "masmovil", ANA).await;
    let body = json!({"username": ANA, "customer_id": "C-42", "msisdn": "+34600111222"});
    let answer = server.call("POST", PATH, Some(&admin), Some(&body)).await;
    assert_eq!(answer.expect_error(409), "credential.already_exists");
}

#[actix_rt::test]
async fn create_username_needs_every_field_valid() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    for (body, id) in [
        (
            json!({"username": ANA, "customer_id": "C-42", "msisdn": "600111222"}),
            "credential.invalid_msisdn",
        ),
        (
            json!({"username": ANA, "customer_id": "  ", "msisdn": "+34600111222"}),
            "request.invalid_field",
        ),
        (
            json!({"username": "no spaces allowed", "customer_id": "C-42", "msisdn": "+34600111222"}),
            "credential.invalid_username",
        ),
        (
            json!({"username": ANA, "msisdn": "+34600111222"}),
            "request.invalid_body",
        ),
        (
            json!({"username": ANA, "customer_id": "C-42"}),
            "request.invalid_body",
        ),
    ] {
        let answer = server.call("POST", PATH, Some(&admin), Some(&body)).await;
        assert_eq!(answer.expect_error(400), id, "{body}");
    }
    // Nothing was created by the refused requests.
    server
        .get(&credential_path("masmovil", ANA), &admin)
        .await
        .expect_error(404);
}

#[actix_rt::test]
async fn create_username_needs_credentials_write_on_an_enabled_org() {
    let server = TestServer::start().await;
    let body = json!({"username": ANA, "customer_id": "C-42", "msisdn": "+34600111222"});
    let reader = server
        .client_token(&["credentials:read"], &["masmovil"])
        .await;
    let answer = server.call("POST", PATH, Some(&reader), Some(&body)).await;
    answer.expect_error(403);
    let other_org = server
        .client_token(&["credentials:write"], &["yoigo"])
        .await;
    let answer = server
        .call("POST", PATH, Some(&other_org), Some(&body))
        .await;
    answer.expect_error(403);
    let answer = server.call("POST", PATH, None, Some(&body)).await;
    answer.expect_error(401);
    let admin = server.admin_token(None).await;
    let answer = server
        .call(
            "POST",
            "/v1/orgs/lebara/flows/create_username",
            Some(&admin),
            Some(&body),
        )
        .await;
    answer.expect_error(404);
}
