//! Operability: health, readiness, request ids, the OpenAPI document and the docs page.

use latchkey_tests::TestServer;
use serde_json::json;

/// Every path `docs.rs` documents, with its methods.
const DOCUMENTED: [(&str, &[&str]); 34] = [
    ("/token", &["post"]),
    ("/introspect", &["post"]),
    ("/revoke", &["post"]),
    ("/jwks.json", &["get"]),
    ("/v1/orgs", &["get"]),
    ("/v1/orgs/{org}", &["get", "put"]),
    ("/v1/clients", &["get", "post"]),
    ("/v1/clients/{id}", &["delete"]),
    ("/v1/keys", &["get", "post"]),
    ("/v1/keys/{kid}", &["delete"]),
    (
        "/v1/orgs/{org}/credentials/{username}",
        &["get", "post", "put", "patch", "delete"],
    ),
    ("/v1/orgs/{org}/credentials/move/{username}", &["post"]),
    ("/v1/orgs/{org}/credentials/copy/{username}", &["post"]),
    ("/v1/orgs/{org}/credentials/discover/{username}", &["get"]),
    (
        "/v1/orgs/{org}/credentials/{username}/change_password",
        &["post"],
    ),
    ("/v1/orgs/{org}/flows/change_password", &["post"]),
    ("/v1/orgs/{org}/flows/create_username", &["post"]),
    ("/v1/orgs/{org}/flows/reset_password", &["post"]),
    ("/v1/orgs/{org}/tokens/{token}", &["get", "delete"]),
    ("/v1/orgs/{org}/magiclinks", &["get"]),
    (
        "/v1/orgs/{org}/credentials/{username}/otp",
        &["post", "put"],
    ),
    (
        "/v1/orgs/{org}/credentials/{username}/totp",
        &["get", "post", "put"],
    ),
    (
        "/v1/orgs/{org}/credentials/{username}/totp/passcode",
        &["post"],
    ),
    (
        "/v1/orgs/{org}/credentials/{username}/devices",
        &["get", "delete"],
    ),
    (
        "/v1/orgs/{org}/credentials/{username}/devices/{device_id}",
        &["delete"],
    ),
    ("/authorize", &["get"]),
    ("/magiclink", &["get"]),
    ("/bc-authorize", &["post"]),
    ("/.well-known/openid-configuration", &["get"]),
    ("/userinfo", &["get"]),
    ("/logout", &["get"]),
    ("/healthz", &["get"]),
    ("/readyz", &["get"]),
    ("/openapi.json", &["get"]),
];

#[actix_rt::test]
async fn healthz_and_readyz_answer_200() {
    let server = TestServer::start().await;
    assert_eq!(
        server
            .call("GET", "/healthz", None, None)
            .await
            .expect_json(200),
        json!({"status": "ok"})
    );
    assert_eq!(
        server
            .call("GET", "/readyz", None, None)
            .await
            .expect_json(200),
        json!({"status": "ready"})
    );
}

#[actix_rt::test]
async fn every_response_carries_a_fresh_request_id() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let answers = [
        server.call("GET", "/healthz", None, None).await,
        server.call("GET", "/readyz", None, None).await,
        server.call("GET", "/jwks.json", None, None).await,
        server.call("GET", "/openapi.json", None, None).await,
        server.call("GET", "/docs", None, None).await,
        server.call("GET", "/nope", None, None).await,
        server.call("GET", "/token", None, None).await,
        server
            .token_request("x", "y", &[("grant_type", "client_credentials")])
            .await,
        server
            .token_request(
                latchkey_tests::ADMIN_ID,
                latchkey_tests::ADMIN_SECRET,
                &[("grant_type", "client_credentials")],
            )
            .await,
        server.call("GET", "/v1/orgs", None, None).await,
        server.get("/v1/orgs", &admin).await,
        server.call("DELETE", "/v1/orgs", Some(&admin), None).await,
        server
            .call(
                "POST",
                "/v1/orgs/masmovil/credentials/ana@example.com",
                Some(&admin),
                None,
            )
            .await,
    ];
    let mut seen = std::collections::HashSet::new();
    for answer in &answers {
        let id = answer
            .header("x-request-id")
            .unwrap_or_else(|| panic!("no X-Request-Id: {answer:?}"));
        assert!(uuid::Uuid::try_parse(&id).is_ok(), "{id}");
        assert!(seen.insert(id), "request ids repeat");
    }
}

#[actix_rt::test]
async fn openapi_document_is_3_1_and_lists_every_route() {
    let server = TestServer::start().await;
    let answer = server.call("GET", "/openapi.json", None, None).await;
    assert!(
        answer
            .header("content-type")
            .unwrap_or_default()
            .starts_with("application/json")
    );
    let doc = answer.expect_json(200);
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        doc["openapi"]
    );
    for (path, methods) in DOCUMENTED {
        let item = &doc["paths"][path];
        assert!(item.is_object(), "{path} is not documented");
        for method in methods {
            assert!(
                item[method].is_object(),
                "{method} {path} is not documented"
            );
        }
    }
    assert!(doc["paths"]["/docs"]["get"].is_object());
    for schema in [
        "ErrorBody",
        "CredentialDto",
        "OAuthErrorBody",
        "TokenResponse",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "no schema {schema}"
        );
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert!(
        schemes["bearerAuth"].is_object() && schemes["clientBasic"].is_object(),
        "{schemes}"
    );
}

#[actix_rt::test]
async fn openapi_documents_the_error_statuses_of_the_credential_endpoints() {
    let server = TestServer::start().await;
    let doc = server
        .call("GET", "/openapi.json", None, None)
        .await
        .expect_json(200);
    let item = &doc["paths"]["/v1/orgs/{org}/credentials/{username}"];
    for (method, statuses) in [
        ("get", &["200", "400", "401", "403", "404"][..]),
        ("post", &["201", "400", "401", "403", "404", "409"][..]),
        ("put", &["204", "400", "401", "403", "404"][..]),
        ("patch", &["204", "400", "401", "403", "404"][..]),
        ("delete", &["204", "400", "401", "403", "404"][..]),
    ] {
        for status in statuses {
            assert!(
                item[method]["responses"][status].is_object(),
                "{method} lacks {status}"
            );
        }
    }
}

#[actix_rt::test]
async fn docs_page_is_html_naming_the_credential_paths() {
    let server = TestServer::start().await;
    let answer = server.call("GET", "/docs", None, None).await;
    assert_eq!(answer.code(), 200);
    assert!(
        answer
            .header("content-type")
            .unwrap_or_default()
            .starts_with("text/html"),
        "{:?}",
        answer.headers
    );
    let html = answer.text();
    for path in [
        "/v1/orgs/{org}/credentials/{username}",
        "/v1/orgs/{org}/credentials/move/{username}",
        "/v1/orgs/{org}/credentials/discover/{username}",
        "/v1/orgs/{org}/tokens/{token}",
        "/token",
    ] {
        assert!(html.contains(path), "the page does not mention {path}");
    }
    assert!(!html.contains("<script"), "plain HTML, nothing executed");
}

#[actix_rt::test]
async fn error_answers_must_not_be_cached() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let answers = [
        server.call("GET", "/v1/orgs", None, None).await,
        server
            .get("/v1/orgs/masmovil/credentials/nobody", &admin)
            .await,
        server.call("GET", "/nope", None, None).await,
    ];
    for answer in answers {
        answer.expect_error(answer.code());
        assert_eq!(
            answer.header("cache-control").as_deref(),
            Some("no-store"),
            "{answer:?}"
        );
    }
}

#[actix_rt::test]
async fn responses_that_carry_secrets_are_not_cached() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let token = server
        .token_request(
            latchkey_tests::ADMIN_ID,
            latchkey_tests::ADMIN_SECRET,
            &[("grant_type", "client_credentials")],
        )
        .await;
    let created = server
        .call(
            "POST",
            "/v1/orgs/masmovil/credentials/ana@example.com",
            Some(&admin),
            None,
        )
        .await;
    let body =
        serde_json::json!({"password": "correct horse battery", "token": created.json()["token"]});
    server
        .call(
            "PUT",
            "/v1/orgs/masmovil/credentials/ana@example.com",
            Some(&admin),
            Some(&body),
        )
        .await;
    let change = server
        .call(
            "POST",
            "/v1/orgs/masmovil/credentials/ana@example.com/change_password",
            Some(&admin),
            None,
        )
        .await;
    let client_body = serde_json::json!({"name": "x", "scopes": ["tokens"], "orgs": ["masmovil"]});
    let client = server
        .call("POST", "/v1/clients", Some(&admin), Some(&client_body))
        .await;
    for (what, answer) in [
        ("token", &token),
        ("create", &created),
        ("change_password", &change),
        ("client", &client),
    ] {
        assert!(answer.status.is_success(), "{what}: {}", answer.text());
        let cache = answer.header("cache-control").unwrap_or_default();
        assert!(
            cache.contains("no-store"),
            "{what}: Cache-Control is {cache:?}"
        );
    }
}
