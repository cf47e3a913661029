//! API clients: `POST/GET /v1/clients`, `DELETE /v1/clients/{id}` (scope `clients:admin`); a
//! client never deletes itself, and the bootstrap client is never deleted through the API.

use latchkey_tests::{ADMIN_ID, Answer, TestServer};
use serde_json::{Value, json};

const GRANT: (&str, &str) = ("grant_type", "client_credentials");

async fn create(server: &TestServer, token: &str, scopes: &[&str], orgs: &[&str]) -> Answer {
    let body = json!({"name": "crm-sync", "scopes": scopes, "orgs": orgs});
    server
        .call("POST", "/v1/clients", Some(token), Some(&body))
        .await
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| c["client_id"].as_str().unwrap())
        .collect()
}

#[actix_rt::test]
async fn create_answers_the_client_with_its_secret_once() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let answer = create(
        &server,
        &admin,
        &["credentials:write", "credentials:read"],
        &["yoigo", "masmovil"],
    )
    .await;
    let created = answer.expect_json(201);
    assert_eq!(answer.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(created["name"], "crm-sync");
    assert_eq!(
        created["scopes"],
        json!(["credentials:read", "credentials:write"])
    );
    assert_eq!(created["orgs"], json!(["masmovil", "yoigo"]));
    let id = created["client_id"].as_str().unwrap();
    let secret = created["client_secret"].as_str().unwrap();
    assert!(secret.len() >= 32, "a long random secret: {secret}");
    let token = server
        .token_request(id, secret, &[GRANT])
        .await
        .expect_json(200);
    assert_eq!(token["scope"], "credentials:read credentials:write");
}

#[actix_rt::test]
async fn list_shows_clients_but_never_a_secret() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let (id, _) = server.create_client(&["tokens"], &["masmovil"]).await;
    let list = server.get("/v1/clients", &admin).await.expect_json(200);
    assert!(
        ids(&list).contains(&id.as_str()) && ids(&list).contains(&ADMIN_ID),
        "{list}"
    );
    for client in list.as_array().unwrap() {
        assert!(
            client.get("client_secret").is_none(),
            "a secret is listed: {client}"
        );
        assert!(!client.to_string().contains("secret_hash"), "{client}");
    }
    let mine = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client_id"] == id.as_str())
        .unwrap();
    assert_eq!(
        (&mine["scopes"], &mine["orgs"]),
        (&json!(["tokens"]), &json!(["masmovil"]))
    );
}

#[actix_rt::test]
async fn restricted_client_lists_only_clients_within_its_orgs() {
    let server = TestServer::start().await;
    let (masmovil, _) = server.create_client(&["tokens"], &["masmovil"]).await;
    let (yoigo, _) = server.create_client(&["tokens"], &["yoigo"]).await;
    let token = server.client_token(&["clients:admin"], &["masmovil"]).await;
    let list = server.get("/v1/clients", &token).await.expect_json(200);
    let listed = ids(&list);
    assert!(listed.contains(&masmovil.as_str()), "{list}");
    assert!(
        !listed.contains(&yoigo.as_str()) && !listed.contains(&ADMIN_ID),
        "{list}"
    );
}

#[actix_rt::test]
async fn deleted_client_is_gone() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let (id, _) = server.create_client(&["tokens"], &["masmovil"]).await;
    let path = format!("/v1/clients/{id}");
    assert_eq!(
        server
            .call("DELETE", &path, Some(&admin), None)
            .await
            .code(),
        204
    );
    assert_eq!(
        server
            .call("DELETE", &path, Some(&admin), None)
            .await
            .expect_error(404),
        "client.not_found"
    );
    let list = server.get("/v1/clients", &admin).await.expect_json(200);
    assert!(!ids(&list).contains(&id.as_str()));
}

#[actix_rt::test]
async fn invalid_client_id_is_400() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let answer = server
        .call("DELETE", "/v1/clients/bad%20id", Some(&admin), None)
        .await;
    assert_eq!(answer.expect_error(400), "client.invalid_id");
}

#[actix_rt::test]
async fn unknown_scope_is_400() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let answer = create(
        &server,
        &admin,
        &["credentials:read", "credentials:everything"],
        &["masmovil"],
    )
    .await;
    assert_eq!(answer.expect_error(400), "client.unknown_scope");
}

#[actix_rt::test]
async fn unknown_org_is_400() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let answer = create(&server, &admin, &["tokens"], &["masmovil", "jazztel"]).await;
    assert_eq!(answer.expect_error(400), "client.unknown_org");
}

#[actix_rt::test]
async fn wildcard_must_stand_alone_and_org_ids_must_be_valid() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    for orgs in [&["*", "yoigo"][..], &["Yoigo"][..]] {
        let answer = create(&server, &admin, &["tokens"], orgs).await;
        assert_eq!(answer.expect_error(400), "client.invalid_org", "{orgs:?}");
    }
}

#[actix_rt::test]
async fn client_needs_a_name_a_scope_and_an_org() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    assert_eq!(
        create(&server, &admin, &[], &["masmovil"])
            .await
            .expect_error(400),
        "client.no_scopes"
    );
    assert_eq!(
        create(&server, &admin, &["tokens"], &[])
            .await
            .expect_error(400),
        "client.no_orgs"
    );
    let body = json!({"name": " ", "scopes": ["tokens"], "orgs": ["masmovil"]});
    let answer = server
        .call("POST", "/v1/clients", Some(&admin), Some(&body))
        .await;
    assert_eq!(answer.expect_error(400), "client.invalid_name");
}

#[actix_rt::test]
async fn restricted_client_may_create_clients_within_its_own_grant() {
    let server = TestServer::start().await;
    let token = server
        .client_token(&["clients:admin", "credentials:read"], &["masmovil"])
        .await;
    let created = create(&server, &token, &["credentials:read"], &["masmovil"])
        .await
        .expect_json(201);
    assert_eq!(created["orgs"], json!(["masmovil"]));
}

#[actix_rt::test]
async fn restricted_client_cannot_escalate() {
    let server = TestServer::start().await;
    let token = server
        .client_token(&["clients:admin", "credentials:read"], &["masmovil"])
        .await;
    let all_orgs = create(&server, &token, &["credentials:read"], &["*"]).await;
    assert_eq!(all_orgs.expect_error(403), "auth.escalation");
    let other_org = create(&server, &token, &["credentials:read"], &["yoigo"]).await;
    assert_eq!(other_org.expect_error(403), "auth.escalation");
    let more_scope = create(
        &server,
        &token,
        &["credentials:read", "credentials:admin"],
        &["masmovil"],
    )
    .await;
    assert_eq!(more_scope.expect_error(403), "auth.escalation");
}

#[actix_rt::test]
async fn narrowed_token_cannot_grant_scopes_outside_itself() {
    // The token, not the client behind it, is what the caller holds.
    let server = TestServer::start().await;
    let narrowed = server
        .admin_token(Some("clients:admin credentials:read"))
        .await;
    let answer = create(
        &server,
        &narrowed,
        &["credentials:read", "credentials:write"],
        &["masmovil"],
    )
    .await;
    assert_eq!(answer.expect_error(403), "auth.escalation");
    create(&server, &narrowed, &["credentials:read"], &["masmovil"])
        .await
        .expect_json(201);
}

#[actix_rt::test]
async fn restricted_client_cannot_delete_a_broader_client() {
    let server = TestServer::start().await;
    let token = server.client_token(&["clients:admin"], &["masmovil"]).await;
    let answer = server
        .call(
            "DELETE",
            &format!("/v1/clients/{ADMIN_ID}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(answer.expect_error(403), "auth.escalation");
    let admin = server.admin_token(Some("tokens")).await;
    assert_eq!(
        server
            .get("/v1/orgs/masmovil/tokens/x", &admin)
            .await
            .expect_error(404),
        "token.not_found"
    );
}

#[actix_rt::test]
async fn client_management_needs_clients_admin() {
    let server = TestServer::start().await;
    let token = server
        .admin_token(Some("tenants:admin credentials:admin"))
        .await;
    assert_eq!(
        create(&server, &token, &["tokens"], &["masmovil"])
            .await
            .expect_error(403),
        "auth.insufficient_scope"
    );
    assert_eq!(
        server.get("/v1/clients", &token).await.expect_error(403),
        "auth.insufficient_scope"
    );
    let answer = server
        .call(
            "DELETE",
            &format!("/v1/clients/{ADMIN_ID}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(answer.expect_error(403), "auth.insufficient_scope");
}

#[actix_rt::test]
async fn a_client_cannot_delete_a_client_with_scopes_it_lacks() {
    let server = TestServer::start().await;
    let (strong, _) = server
        .create_client(&["credentials:admin", "clients:admin"], &["masmovil"])
        .await;
    let (weak_id, weak_secret) = server
        .create_client(&["clients:admin"], &["masmovil"])
        .await;
    let weak = server.token_of(&weak_id, &weak_secret, &[GRANT]).await;
    let answer = server
        .call(
            "DELETE",
            &format!("/v1/clients/{strong}"),
            Some(&weak),
            None,
        )
        .await;
    assert_eq!(answer.expect_error(403), "auth.escalation");
}

#[actix_rt::test]
async fn a_client_cannot_delete_itself_and_keeps_working() {
    let server = TestServer::start().await;
    let (id, secret) = server
        .create_client(&["clients:admin"], &["masmovil"])
        .await;
    let token = server.token_of(&id, &secret, &[GRANT]).await;
    let path = format!("/v1/clients/{id}");
    let refused = server.call("DELETE", &path, Some(&token), None).await;
    assert_eq!(refused.expect_error(409), "client.self_delete");
    assert_eq!(server.get("/v1/clients", &token).await.code(), 200);
    assert_eq!(
        server.token_request(&id, &secret, &[GRANT]).await.code(),
        200
    );
    // Another client with its rights may delete it.
    let admin = server.admin_token(None).await;
    let deleted = server.call("DELETE", &path, Some(&admin), None).await;
    assert_eq!(deleted.code(), 204);
}

#[actix_rt::test]
async fn the_bootstrap_client_cannot_be_deleted_and_keeps_working() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let path = format!("/v1/clients/{ADMIN_ID}");
    let by_itself = server.call("DELETE", &path, Some(&admin), None).await;
    assert_eq!(by_itself.expect_error(409), "client.bootstrap");
    // Nor by another client holding every scope on every org.
    let list = server.get("/v1/clients", &admin).await.expect_json(200);
    let bootstrap = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client_id"] == ADMIN_ID)
        .unwrap();
    let body = json!({"name": "second admin", "scopes": bootstrap["scopes"], "orgs": ["*"]});
    let created = server
        .call("POST", "/v1/clients", Some(&admin), Some(&body))
        .await
        .expect_json(201);
    let other = server
        .token_of(
            created["client_id"].as_str().unwrap(),
            created["client_secret"].as_str().unwrap(),
            &[GRANT],
        )
        .await;
    let by_other = server.call("DELETE", &path, Some(&other), None).await;
    assert_eq!(by_other.expect_error(409), "client.bootstrap");
    // Its token and its secret still work.
    assert_eq!(server.get("/v1/clients", &admin).await.code(), 200);
    server.admin_token(None).await;
}
