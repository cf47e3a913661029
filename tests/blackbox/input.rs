//! Input hardening: username normalisation and validation, bodies, media types, sizes, unknown
//! routes and methods. None of these may ever be a 5xx.

use latchkey_tests::{TestServer, credential_path};
use serde_json::json;

#[actix_rt::test]
async fn email_usernames_are_trimmed_and_lower_cased() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let answer = server
        .call(
            "POST",
            &credential_path("masmovil", "  Ana@Example.COM "),
            Some(&admin),
            None,
        )
        .await;
    answer.expect_json(201);
    let credential = server
        .get(&credential_path("masmovil", "ana@example.com"), &admin)
        .await
        .expect_json(200);
    assert_eq!(credential["username"], "ana@example.com");
    let same = server
        .get(&credential_path("masmovil", "ANA@example.com"), &admin)
        .await
        .expect_json(200);
    assert_eq!(same["id"], credential["id"]);
    let duplicate = server
        .call(
            "POST",
            &credential_path("masmovil", "ana@EXAMPLE.com"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(duplicate.expect_error(409), "credential.already_exists");
}

#[actix_rt::test]
async fn e164_username_works_when_the_plus_is_encoded() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let token = server
        .create_credential(&admin, "masmovil", "+34600111222")
        .await;
    let path = "/v1/orgs/masmovil/credentials/%2B34600111222";
    assert_eq!(
        server.get(path, &admin).await.expect_json(200)["username"],
        "+34600111222"
    );
    let body = json!({"password": "correct horse battery", "token": token});
    assert_eq!(
        server
            .call("PUT", path, Some(&admin), Some(&body))
            .await
            .code(),
        204
    );
    let owner = server
        .get(
            "/v1/orgs/masmovil/credentials/discover/%2B34600111222",
            &admin,
        )
        .await;
    assert_eq!(owner.expect_json(200)[0]["username"], "+34600111222");
}

#[actix_rt::test]
async fn plain_identifier_username_keeps_its_case() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    server
        .create_credential(&admin, "masmovil", "Customer_42")
        .await;
    let credential = server
        .get(&credential_path("masmovil", "Customer_42"), &admin)
        .await
        .expect_json(200);
    assert_eq!(credential["username"], "Customer_42");
    let other = server
        .get(&credential_path("masmovil", "customer_42"), &admin)
        .await;
    assert_eq!(other.expect_error(404), "credential.not_found");
}

#[actix_rt::test]
async fn unsafe_or_malformed_usernames_are_400() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let long = "a".repeat(65);
    for username in [
        "a b",
        "<x>",
        "x;drop",
        "a'b",
        long.as_str(),
        "   ",
        "ana@example",
        "+0123",
    ] {
        let answer = server
            .call(
                "POST",
                &credential_path("masmovil", username),
                Some(&admin),
                None,
            )
            .await;
        let id = answer.expect_error(400);
        assert!(id.starts_with("credential.invalid_"), "{username:?}: {id}");
        let get = server
            .get(&credential_path("masmovil", username), &admin)
            .await;
        assert_eq!(get.code(), 400, "{username:?}: {}", get.text());
    }
    server
        .create_credential(&admin, "masmovil", &"a".repeat(64))
        .await;
}

#[actix_rt::test]
async fn each_kind_of_invalid_username_has_its_own_error_id() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let cases = [
        ("a b", "credential.invalid_username"),
        ("ana@", "credential.invalid_email"),
        ("+12ab", "credential.invalid_msisdn"),
    ];
    for (username, id) in cases {
        let answer = server
            .call(
                "POST",
                &credential_path("masmovil", username),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(answer.expect_error(400), id, "{username:?}");
    }
}

#[actix_rt::test]
async fn malformed_json_is_400() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    for raw in ["{", "{\"name\": }", "not json", "\u{0}"] {
        let answer = server
            .call_raw(
                "PUT",
                "/v1/orgs/jazztel",
                Some(&admin),
                Some("application/json"),
                raw.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(answer.expect_error(400), "request.invalid_body", "{raw:?}");
    }
    let answer = server
        .call_raw(
            "POST",
            &credential_path("masmovil", "ana@example.com"),
            Some(&admin),
            Some("application/json"),
            b"{".to_vec(),
        )
        .await;
    assert_eq!(answer.expect_error(400), "request.invalid_body");
}

#[actix_rt::test]
async fn wrongly_typed_fields_are_400() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let tenant = server
        .call(
            "PUT",
            "/v1/orgs/jazztel",
            Some(&admin),
            Some(&json!({"name": 42})),
        )
        .await;
    assert_eq!(tenant.expect_error(400), "request.invalid_body");
    let client = json!({"name": "x", "scopes": "tokens", "orgs": ["masmovil"]});
    let client = server
        .call("POST", "/v1/clients", Some(&admin), Some(&client))
        .await;
    assert_eq!(client.expect_error(400), "request.invalid_body");
    let create = server
        .call(
            "POST",
            &credential_path("masmovil", "ana@example.com"),
            Some(&admin),
            Some(&json!({"crm": 7})),
        )
        .await;
    assert_eq!(create.expect_error(400), "request.invalid_body");
}

#[actix_rt::test]
async fn non_json_content_type_is_415() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let body = br#"{"name": "Jazztel"}"#.to_vec();
    let answer = server
        .call_raw(
            "PUT",
            "/v1/orgs/jazztel",
            Some(&admin),
            Some("text/plain"),
            body.clone(),
        )
        .await;
    assert_eq!(answer.expect_error(415), "request.unsupported_media_type");
    let answer = server
        .call_raw("PUT", "/v1/orgs/jazztel", Some(&admin), None, body)
        .await;
    assert_eq!(answer.expect_error(415), "request.unsupported_media_type");
    assert_eq!(
        server
            .get("/v1/orgs/jazztel", &admin)
            .await
            .expect_error(404),
        "tenant.not_found"
    );
}

#[actix_rt::test]
async fn json_with_a_charset_or_a_suffix_type_is_accepted() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let body = br#"{"name": "Jazztel"}"#.to_vec();
    let answer = server
        .call_raw(
            "PUT",
            "/v1/orgs/jazztel",
            Some(&admin),
            Some("application/json; charset=utf-8"),
            body.clone(),
        )
        .await;
    answer.expect_json(201);
    let answer = server
        .call_raw(
            "PUT",
            "/v1/orgs/jazztel",
            Some(&admin),
            Some("application/merge-patch+json"),
            body,
        )
        .await;
    answer.expect_json(200);
}

#[actix_rt::test]
async fn body_over_64_kib_is_413() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(70 * 1024)).into_bytes();
    let answer = server
        .call_raw(
            "PUT",
            "/v1/orgs/jazztel",
            Some(&admin),
            Some("application/json"),
            big,
        )
        .await;
    assert_eq!(answer.expect_error(413), "request.too_large");
    // Just under the limit is read (and refused for what it says, not for its size).
    let fits = format!("{{\"name\": \"{}\"}}", "x".repeat(60 * 1024)).into_bytes();
    let answer = server
        .call_raw(
            "PUT",
            "/v1/orgs/jazztel",
            Some(&admin),
            Some("application/json"),
            fits,
        )
        .await;
    assert_eq!(answer.expect_error(400), "tenant.invalid_name");
}

#[actix_rt::test]
async fn unknown_route_is_404_with_the_error_body() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    for path in [
        "/nope",
        "/v1/orgs/masmovil/widgets",
        "/v2/orgs",
        "/v1/orgs/masmovil/credentials",
    ] {
        let answer = server.get(path, &admin).await;
        assert_eq!(answer.expect_error(404), "route.not_found", "{path}");
    }
    let anonymous = server.call("GET", "/nope", None, None).await;
    assert_eq!(anonymous.expect_error(404), "route.not_found");
}

#[actix_rt::test]
async fn wrong_method_is_405_with_the_error_body() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let cases = [
        ("DELETE", "/v1/orgs"),
        ("POST", "/v1/orgs/masmovil"),
        (
            "PUT",
            "/v1/orgs/masmovil/credentials/discover/ana@example.com",
        ),
        ("GET", "/v1/orgs/masmovil/credentials/move/ana@example.com"),
        (
            "GET",
            "/v1/orgs/masmovil/credentials/ana@example.com/change_password",
        ),
        ("PUT", "/v1/keys"),
        ("POST", "/healthz"),
    ];
    for (method, path) in cases {
        let answer = server.call(method, path, Some(&admin), None).await;
        assert_eq!(
            answer.expect_error(405),
            "request.method_not_allowed",
            "{method} {path}"
        );
    }
}

#[actix_rt::test]
async fn hostile_input_never_causes_a_server_error() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let paths = [
        "/v1/orgs/masmovil/credentials/%00",
        "/v1/orgs/masmovil/credentials/%FF%FE",
        "/v1/orgs/masmovil/credentials/..%2F..%2Fetc%2Fpasswd",
        "/v1/orgs/%2E%2E/credentials/x",
        "/v1/orgs/masmovil/tokens/%00%00",
        "/v1/orgs/masmovil/credentials/discover/%F0%9F%98%80",
    ];
    for path in paths {
        for method in ["GET", "POST", "DELETE"] {
            let answer = server.call(method, path, Some(&admin), None).await;
            assert!(
                answer.status.is_client_error(),
                "{method} {path}: {} {}",
                answer.code(),
                answer.text()
            );
            answer.expect_error(answer.code());
        }
    }
    let path = credential_path("masmovil", "ana@example.com");
    let odd = [json!(null), json!([]), json!("x"), json!(1.5)];
    let cases = [
        ("PUT", json!({"password": null, "token": 1})),
        ("PATCH", json!({"enabled": null})),
        ("POST", json!({"crm": ["x"]})),
        ("POST", json!({"msisdn": {"+34": 1}})),
    ];
    let all = ["PUT", "PATCH", "POST"]
        .into_iter()
        .flat_map(|m| odd.iter().map(move |b| (m, b.clone())));
    for (method, body) in all.chain(cases) {
        let answer = server.call(method, &path, Some(&admin), Some(&body)).await;
        assert_eq!(
            answer.expect_error(400),
            "request.invalid_body",
            "{method} {body}"
        );
    }
}

#[actix_rt::test]
async fn usernames_that_name_endpoints_are_refused() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    for reserved in ["move", "copy", "discover", "Discover"] {
        let answer = server
            .call(
                "POST",
                &credential_path("masmovil", reserved),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(
            answer.expect_error(400),
            "credential.invalid_username",
            "{reserved}"
        );
    }
}
