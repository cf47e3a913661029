//! An operator's API keys: `GET/POST/PUT/DELETE /api/v1/apiKey/{userId}` and `GET
//! /api/v1/validateApiKey`. A key is shown once; `X-API-KEY: <key>` then acts as its operator.

use crate::security_users::{
    PASSWORD, bearer, call, expect_code, expect_detail, operator, root_token, sign_in, start_with,
};
use latchkey_tests::{Answer, TestServer};
use serde_json::{Value, json};

const SERVICE_KEY: &str = "owgw-service-key-0123456789";

async fn start() -> TestServer {
    start_with(|c| {
        let services = format!(
            r#"[{{"type": "owgw", "uri": "https://gw.example.com:16002", "key": "{SERVICE_KEY}"}}]"#
        );
        c.security.system_services = Some(services.into());
    })
    .await
}

fn in_a_day() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    i64::try_from(now.as_secs()).unwrap() + 86_400
}

fn key_body(name: &str) -> Value {
    json!({"name": name, "description": "for the gateway", "expiresOn": in_a_day(),
           "rights": {"acls": [{"service": "owgw", "access": "read"}]}})
}

/// An operator (csr of masmovil) signed in: its id and token.
async fn csr(server: &TestServer, root: &str, email: &str) -> (String, String) {
    let user = operator(server, root, email, "csr", "masmovil").await;
    let token = sign_in(server, email, PASSWORD).await;
    (user["id"].as_str().unwrap().to_owned(), token)
}

async fn with_key(server: &TestServer, method: &str, path: &str, key: &str) -> Answer {
    call(server, method, path, &[("x-api-key", key)], None).await
}

#[actix_rt::test]
async fn a_key_is_shown_once_and_then_acts_as_its_operator() {
    let server = start().await;
    let root = root_token(&server).await;
    let (id, token) = csr(&server, &root, "kim@example.com").await;
    let path = format!("/api/v1/apiKey/{id}");
    let created = bearer(&server, "POST", &path, &token, Some(&key_body("gateway"))).await;
    let created = created.expect_json(200);
    let key = created["apiKey"].as_str().unwrap().to_owned();
    assert!(key.len() >= 32, "{created}");
    assert_eq!(created["UUID"], created["id"]);
    assert_eq!(created["userUuid"], id.as_str());
    assert_eq!(created["rights"]["acls"][0]["access"], "read");
    let listed = bearer(&server, "GET", &path, &token, None)
        .await
        .expect_json(200);
    let keys = listed["apiKeys"].as_array().unwrap();
    assert_eq!(keys.len(), 1, "{listed}");
    assert_eq!(keys[0]["name"], "gateway");
    assert!(
        !listed.to_string().contains(&key),
        "the key is shown once: {listed}"
    );
    // The key acts as its operator.
    let me = with_key(&server, "GET", "/api/v1/oauth2?me=true", &key)
        .await
        .expect_json(200);
    assert_eq!(me["id"], id.as_str());
    let users = with_key(&server, "GET", "/api/v1/users", &key)
        .await
        .expect_json(200);
    assert!(!users["users"].as_array().unwrap().is_empty(), "{users}");
    let used = bearer(&server, "GET", &path, &token, None)
        .await
        .expect_json(200);
    assert!(
        used["apiKeys"][0]["lastUse"].as_i64().unwrap() > 0,
        "{used}"
    );
    // Deleted: refused at once.
    let key_id = created["id"].as_str().unwrap();
    let deleted = bearer(
        &server,
        "DELETE",
        &format!("{path}?keyUuid={key_id}"),
        &token,
        None,
    )
    .await;
    assert_eq!(deleted.code(), 200, "{}", deleted.text());
    assert!(deleted.body.is_empty(), "{}", deleted.text());
    let refused = with_key(&server, "GET", "/api/v1/users", &key).await;
    assert_eq!(refused.code(), 403, "{}", refused.text());
    let listed = bearer(&server, "GET", &path, &token, None)
        .await
        .expect_json(200);
    assert_eq!(listed["apiKeys"], json!([]));
}

#[actix_rt::test]
async fn key_refusals_have_their_codes() {
    let server = start().await;
    let root = root_token(&server).await;
    let (id, token) = csr(&server, &root, "lia@example.com").await;
    let (other, _) = csr(&server, &root, "max@example.com").await;
    let path = format!("/api/v1/apiKey/{id}");
    expect_detail(
        &bearer(
            &server,
            "POST",
            &path,
            &token,
            Some(&json!({"expiresOn": in_a_day()})),
        )
        .await,
        "1018",
    );
    let past = json!({"name": "old", "expiresOn": 1_000});
    expect_detail(
        &bearer(&server, "POST", &path, &token, Some(&past)).await,
        "1018",
    );
    expect_detail(
        &bearer(&server, "POST", &path, &token, Some(&key_body("not-alnum"))).await,
        "1018",
    );
    let mut bad_access = key_body("odd");
    bad_access["rights"]["acls"][0]["access"] = json!("everything");
    expect_detail(
        &bearer(&server, "POST", &path, &token, Some(&bad_access)).await,
        "1018",
    );
    bearer(&server, "POST", &path, &token, Some(&key_body("one")))
        .await
        .expect_json(200);
    expect_detail(
        &bearer(&server, "POST", &path, &token, Some(&key_body("one"))).await,
        "1147",
    );
    // Another operator's keys: a csr may not; the root may.
    let theirs = format!("/api/v1/apiKey/{other}");
    expect_code(&bearer(&server, "GET", &theirs, &token, None).await, 403, 7);
    expect_code(
        &bearer(&server, "POST", &theirs, &token, Some(&key_body("x"))).await,
        403,
        7,
    );
    bearer(&server, "POST", &theirs, &root, Some(&key_body("byroot")))
        .await
        .expect_json(200);
    let listed = bearer(&server, "GET", &theirs, &root, None)
        .await
        .expect_json(200);
    assert_eq!(listed["apiKeys"].as_array().unwrap().len(), 1, "{listed}");
    let nobody = "/api/v1/apiKey/00000000-0000-0000-0000-000000000001";
    expect_code(&bearer(&server, "GET", nobody, &root, None).await, 404, 404);
    expect_detail(
        &bearer(&server, "DELETE", &path, &token, None).await,
        "1018",
    );
    let unknown = format!("{path}?keyUuid=00000000-0000-0000-0000-000000000002");
    expect_code(
        &bearer(&server, "DELETE", &unknown, &token, None).await,
        404,
        404,
    );
}

#[actix_rt::test]
async fn put_changes_a_keys_description() {
    let server = start().await;
    let root = root_token(&server).await;
    let (id, token) = csr(&server, &root, "noa@example.com").await;
    let path = format!("/api/v1/apiKey/{id}");
    let created = bearer(&server, "POST", &path, &token, Some(&key_body("desc")))
        .await
        .expect_json(200);
    let body = json!({"id": created["id"], "description": "now for the provisioning service"});
    let changed = bearer(&server, "PUT", &path, &token, Some(&body))
        .await
        .expect_json(200);
    assert_eq!(changed["description"], "now for the provisioning service");
    assert_eq!(changed["name"], "desc");
    assert!(changed.get("apiKey").is_none(), "{changed}");
    let by_name = bearer(
        &server,
        "PUT",
        &format!("{path}?name=desc"),
        &token,
        Some(&json!({"description": "again"})),
    )
    .await;
    assert_eq!(by_name.expect_json(200)["description"], "again");
    let missing = json!({"id": "00000000-0000-0000-0000-000000000003", "description": "x"});
    expect_detail(
        &bearer(&server, "PUT", &path, &token, Some(&missing)).await,
        "1150",
    );
    let key = created["apiKey"].as_str().unwrap();
    with_key(&server, "GET", "/api/v1/oauth2?me=true", key)
        .await
        .expect_json(200);
}

#[actix_rt::test]
async fn validate_api_key_answers_a_sibling_service_with_the_operator() {
    let server = start().await;
    let root = root_token(&server).await;
    let (id, token) = csr(&server, &root, "ora@example.com").await;
    let path = format!("/api/v1/apiKey/{id}");
    let created = bearer(&server, "POST", &path, &token, Some(&key_body("svc")))
        .await
        .expect_json(200);
    let key = created["apiKey"].as_str().unwrap();
    let service = [("x-api-key", SERVICE_KEY), ("x-internal-name", "owgw")];
    let valid = call(
        &server,
        "GET",
        &format!("/api/v1/validateApiKey?apikey={key}"),
        &service,
        None,
    )
    .await;
    let valid = valid.expect_json(200);
    assert_eq!(valid["userInfo"]["id"], id.as_str(), "{valid}");
    assert_eq!(valid["expiresOn"], created["expiresOn"], "{valid}");
    assert!(
        valid["tokenInfo"]["expires_in"].as_i64().unwrap() > 0,
        "{valid}"
    );
    assert!(
        !valid.to_string().contains(key),
        "the key is not echoed: {valid}"
    );
    let by_token = call(
        &server,
        "GET",
        &format!("/api/v1/validateApiKey?token={key}"),
        &service,
        None,
    )
    .await;
    assert_eq!(by_token.expect_json(200)["userInfo"]["id"], id.as_str());
    let unknown = call(
        &server,
        "GET",
        "/api/v1/validateApiKey?apikey=nope",
        &service,
        None,
    )
    .await;
    expect_code(&unknown, 403, 7);
    let missing = call(&server, "GET", "/api/v1/validateApiKey", &service, None).await;
    expect_code(&missing, 404, 404);
    let empty = call(
        &server,
        "GET",
        "/api/v1/validateApiKey?apikey=",
        &service,
        None,
    )
    .await;
    expect_code(&empty, 403, 7);
    // Only a sibling service asks.
    let as_operator = bearer(
        &server,
        "GET",
        &format!("/api/v1/validateApiKey?apikey={key}"),
        &token,
        None,
    )
    .await;
    assert_eq!(as_operator.code(), 403, "{}", as_operator.text());
    let wrong_service = [("x-api-key", "wrong"), ("x-internal-name", "owgw")];
    let refused = call(
        &server,
        "GET",
        &format!("/api/v1/validateApiKey?apikey={key}"),
        &wrong_service,
        None,
    )
    .await;
    assert_eq!(refused.code(), 403, "{}", refused.text());
}

#[actix_rt::test]
async fn an_operator_holds_ten_keys_and_a_suspended_ones_keys_act_no_more() {
    let server = start().await;
    let root = root_token(&server).await;
    let (id, token) = csr(&server, &root, "pia@example.com").await;
    let path = format!("/api/v1/apiKey/{id}");
    let mut keys = Vec::new();
    for n in 0..10 {
        let body = key_body(&format!("key{n}"));
        let created = bearer(&server, "POST", &path, &token, Some(&body)).await;
        keys.push(
            created.expect_json(200)["apiKey"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let eleventh = bearer(&server, "POST", &path, &token, Some(&key_body("key10"))).await;
    expect_detail(&eleventh, "1148");
    with_key(&server, "GET", "/api/v1/oauth2?me=true", &keys[3])
        .await
        .expect_json(200);
    let user = format!("/api/v1/user/{id}");
    let suspend = json!({"suspended": true});
    bearer(&server, "PUT", &user, &root, Some(&suspend))
        .await
        .expect_json(200);
    let refused = with_key(&server, "GET", "/api/v1/oauth2?me=true", &keys[3]).await;
    expect_code(&refused, 403, 8);
}
