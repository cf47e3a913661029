//! Tenants: `PUT/GET /v1/orgs/{org}`, `GET /v1/orgs` (scope `tenants:admin`).

use latchkey_tests::TestServer;
use serde_json::json;

#[actix_rt::test]
async fn put_creates_then_updates_keeping_created_at() {
    let server = TestServer::start().await;
    let token = server.admin_token(Some("tenants:admin")).await;
    let created = server
        .call(
            "PUT",
            "/v1/orgs/jazztel",
            Some(&token),
            Some(&json!({"name": "Jazztel"})),
        )
        .await;
    let created = created.expect_json(201);
    let mut keys: Vec<&String> = created.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["created_at", "enabled", "id", "name", "updated_at"]);
    assert_eq!(
        (&created["id"], &created["name"], &created["enabled"]),
        (&json!("jazztel"), &json!("Jazztel"), &json!(true))
    );
    let body = json!({"name": "Jazztel Fibra", "enabled": false});
    let updated = server
        .call("PUT", "/v1/orgs/jazztel", Some(&token), Some(&body))
        .await
        .expect_json(200);
    assert_eq!(updated["name"], "Jazztel Fibra");
    assert_eq!(updated["enabled"], false);
    assert_eq!(updated["created_at"], created["created_at"]);
    let fetched = server
        .get("/v1/orgs/jazztel", &token)
        .await
        .expect_json(200);
    assert_eq!(fetched, updated);
}

#[actix_rt::test]
async fn get_returns_a_provisioned_tenant() {
    let server = TestServer::start().await;
    let token = server.admin_token(Some("tenants:admin")).await;
    let tenant = server
        .get("/v1/orgs/masmovil", &token)
        .await
        .expect_json(200);
    assert_eq!(
        (&tenant["id"], &tenant["name"], &tenant["enabled"]),
        (&json!("masmovil"), &json!("MásMóvil"), &json!(true))
    );
    assert!(tenant["created_at"].as_str().unwrap().ends_with('Z'));
}

#[actix_rt::test]
async fn unknown_tenant_is_404() {
    let server = TestServer::start().await;
    let token = server.admin_token(Some("tenants:admin")).await;
    assert_eq!(
        server
            .get("/v1/orgs/jazztel", &token)
            .await
            .expect_error(404),
        "tenant.not_found"
    );
}

#[actix_rt::test]
async fn list_is_an_array_of_every_tenant() {
    let server = TestServer::start().await;
    let token = server.admin_token(Some("tenants:admin")).await;
    server
        .call(
            "PUT",
            "/v1/orgs/jazztel",
            Some(&token),
            Some(&json!({"name": "J", "enabled": false})),
        )
        .await
        .expect_json(201);
    let list = server.get("/v1/orgs", &token).await.expect_json(200);
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["jazztel", "masmovil", "yoigo"],
        "ordered by id, disabled ones included"
    );
}

#[actix_rt::test]
async fn restricted_client_sees_and_manages_only_its_orgs() {
    let server = TestServer::start().await;
    let token = server.client_token(&["tenants:admin"], &["masmovil"]).await;
    let list = server.get("/v1/orgs", &token).await.expect_json(200);
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["masmovil"]);
    assert_eq!(
        server.get("/v1/orgs/yoigo", &token).await.expect_error(403),
        "auth.org_not_allowed"
    );
    let answer = server
        .call(
            "PUT",
            "/v1/orgs/jazztel",
            Some(&token),
            Some(&json!({"name": "J"})),
        )
        .await;
    assert_eq!(answer.expect_error(403), "auth.org_not_allowed");
}

#[actix_rt::test]
async fn invalid_org_id_is_400() {
    let server = TestServer::start().await;
    let token = server.admin_token(Some("tenants:admin")).await;
    for bad in ["Jazztel", "1jazz", "j", "jazz%20tel", &"j".repeat(41)] {
        let answer = server
            .call(
                "PUT",
                &format!("/v1/orgs/{bad}"),
                Some(&token),
                Some(&json!({"name": "J"})),
            )
            .await;
        assert_eq!(answer.expect_error(400), "request.invalid_org", "{bad}");
    }
    assert_eq!(
        server.get("/v1/orgs/Yoigo", &token).await.expect_error(400),
        "request.invalid_org"
    );
}

#[actix_rt::test]
async fn empty_or_invalid_name_is_400() {
    let server = TestServer::start().await;
    let token = server.admin_token(Some("tenants:admin")).await;
    for name in ["", "   ", "a\u{7}b", &"n".repeat(101)] {
        let answer = server
            .call(
                "PUT",
                "/v1/orgs/jazztel",
                Some(&token),
                Some(&json!({"name": name})),
            )
            .await;
        assert_eq!(answer.expect_error(400), "tenant.invalid_name", "{name:?}");
    }
    let answer = server
        .call(
            "PUT",
            "/v1/orgs/jazztel",
            Some(&token),
            Some(&json!({"enabled": true})),
        )
        .await;
    assert_eq!(answer.expect_error(400), "request.invalid_body");
    assert_eq!(
        server
            .get("/v1/orgs/jazztel", &token)
            .await
            .expect_error(404),
        "tenant.not_found"
    );
}

#[actix_rt::test]
async fn disabled_tenant_hides_its_credentials_and_discover_skips_it() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    server
        .active_credential(
            &admin,
            "masmovil",
            "ana@example.com",
            "correct horse battery",
        )
        .await;
    server
        .active_credential(&admin, "yoigo", "ana@example.com", "correct horse battery")
        .await;
    let body = json!({"name": "MásMóvil", "enabled": false});
    server
        .call("PUT", "/v1/orgs/masmovil", Some(&admin), Some(&body))
        .await
        .expect_json(200);

    let path = "/v1/orgs/masmovil/credentials/ana@example.com";
    assert_eq!(
        server.get(path, &admin).await.expect_error(404),
        "tenant.not_found"
    );
    let create = server
        .call(
            "POST",
            "/v1/orgs/masmovil/credentials/bob@example.com",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(create.expect_error(404), "tenant.not_found");
    let found = server
        .get(
            "/v1/orgs/yoigo/credentials/discover/ana@example.com",
            &admin,
        )
        .await
        .expect_json(200);
    let orgs: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["org"].as_str().unwrap())
        .collect();
    assert_eq!(orgs, ["yoigo"]);

    // Enabling it again shows the data it kept.
    let body = json!({"name": "MásMóvil", "enabled": true});
    server
        .call("PUT", "/v1/orgs/masmovil", Some(&admin), Some(&body))
        .await
        .expect_json(200);
    assert_eq!(
        server.get(path, &admin).await.expect_json(200)["enabled"],
        true
    );
}

#[actix_rt::test]
async fn tenant_management_needs_tenants_admin() {
    let server = TestServer::start().await;
    let token = server
        .admin_token(Some("credentials:admin clients:admin"))
        .await;
    let answer = server
        .call(
            "PUT",
            "/v1/orgs/jazztel",
            Some(&token),
            Some(&json!({"name": "J"})),
        )
        .await;
    assert_eq!(answer.expect_error(403), "auth.insufficient_scope");
    assert_eq!(
        server.get("/v1/orgs", &token).await.expect_error(403),
        "auth.insufficient_scope"
    );
    assert_eq!(
        server
            .get("/v1/orgs/masmovil", &token)
            .await
            .expect_error(403),
        "auth.insufficient_scope"
    );
}
