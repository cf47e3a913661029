//! The operators directory of the security service: `GET /api/v1/users`, `GET/POST/PUT/DELETE
//! /api/v1/user/{id}` with their flags and error codes, and `GET /api/v1/securityProfiles`. The
//! first root comes from configuration and must change its password at its first sign-in; every
//! other operator is created through the API. The permission table is `security_permissions`.

use latchkey_tests::{Answer, TestServer};
use serde_json::{Value, json};

pub const ROOT_EMAIL: &str = "root@latchkey.test";
const ROOT_INITIAL: &str = "initial-Root-pass-1";
pub const ROOT_PASSWORD: &str = "Root-pass-after-change-2";
/// The password of every operator the tests create.
pub const PASSWORD: &str = "Operator-pass-3x";

/// A server whose first root is [`ROOT_EMAIL`].
pub async fn start() -> TestServer {
    start_with(|_| {}).await
}

pub async fn start_with(
    adjust: impl FnOnce(&mut latchkey_server::config::ServerConfig),
) -> TestServer {
    TestServer::start_with(|c| {
        c.security.root_email = Some(ROOT_EMAIL.to_owned());
        c.security.root_password = Some(ROOT_INITIAL.into());
        adjust(c);
    })
    .await
}

/// `POST /api/v1/oauth2` as the consoles send it (an empty bearer token).
pub async fn oauth2(server: &TestServer, body: &Value) -> Answer {
    call(
        server,
        "POST",
        "/api/v1/oauth2",
        &[("authorization", "Bearer ")],
        Some(body),
    )
    .await
}

/// Signs `email` in with `password`; the access token.
pub async fn sign_in(server: &TestServer, email: &str, password: &str) -> String {
    let answer = oauth2(server, &json!({"userId": email, "password": password})).await;
    let token = answer.expect_json(200);
    token["access_token"].as_str().unwrap().to_owned()
}

/// The root's access token: its first sign-in sets [`ROOT_PASSWORD`].
pub async fn root_token(server: &TestServer) -> String {
    let body =
        json!({"userId": ROOT_EMAIL, "password": ROOT_INITIAL, "newPassword": ROOT_PASSWORD});
    let answer = oauth2(server, &body).await.expect_json(200);
    answer["access_token"].as_str().unwrap().to_owned()
}

/// Sends a request with these headers (and `body` as JSON, without a content type as owsec's
/// CLI sends it).
pub use crate::security_oauth2::send as call;

/// A request with a bearer token.
pub async fn bearer(
    server: &TestServer,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> Answer {
    let auth = format!("Bearer {token}");
    call(server, method, path, &[("authorization", &auth)], body).await
}

/// Asserts the plane's error body (exactly `ErrorCode`, `ErrorDetails`, `ErrorDescription`)
/// with this status and code; the description.
pub use crate::security_oauth2::expect_code;

/// Asserts a 400 whose description starts with `detail` (e.g. `1038`).
pub fn expect_detail(answer: &Answer, detail: &str) {
    let description = expect_code(answer, 400, 400);
    assert!(
        description.starts_with(&format!("{detail}: ")),
        "{description}"
    );
}

/// Creates an operator as `token`; the answer.
pub async fn create(server: &TestServer, token: &str, body: &Value, query: &str) -> Answer {
    bearer(
        server,
        "POST",
        &format!("/api/v1/user/0{query}"),
        token,
        Some(body),
    )
    .await
}

/// Creates an operator with [`PASSWORD`] as `token` (a root or an admin); its `UserInfo`.
pub async fn operator(
    server: &TestServer,
    token: &str,
    email: &str,
    role: &str,
    owner: &str,
) -> Value {
    let body = json!({"email": email, "currentPassword": PASSWORD, "userRole": role});
    let query = if owner.is_empty() {
        String::new()
    } else {
        format!("?entity={owner}")
    };
    create(server, token, &body, &query).await.expect_json(200)
}

/// Creates an operator and signs it in: its id and access token.
pub async fn signed_in(
    server: &TestServer,
    root: &str,
    email: &str,
    role: &str,
    owner: &str,
) -> (String, String) {
    let user = operator(server, root, email, role, owner).await;
    let token = sign_in(server, email, PASSWORD).await;
    (user["id"].as_str().unwrap().to_owned(), token)
}

/// No `UserInfo` carries a password, a hash or a secret.
fn assert_no_secret(user: &Value) {
    for field in [
        "currentPassword",
        "lastPasswords",
        "password",
        "authenticatorSecret",
    ] {
        let value = &user[field];
        let empty = value.is_null()
            || value.as_str() == Some("")
            || value.as_array().is_some_and(Vec::is_empty);
        assert!(empty, "{field} leaked: {user}");
    }
    let secret = &user["userTypeProprietaryInfo"]["authenticatorSecret"];
    assert!(secret.is_null() || secret == "", "{user}");
    assert!(!user.to_string().contains("$argon2"), "{user}");
}

fn ids(answer: &Value) -> Vec<String> {
    let users = answer["users"].as_array().unwrap();
    users
        .iter()
        .map(|u| u.as_str().or(u["id"].as_str()).unwrap().to_owned())
        .collect()
}

#[actix_rt::test]
async fn the_cli_creates_gets_lists_and_deletes_an_operator() {
    let server = start().await;
    let root = root_token(&server).await;
    // owsec's `createuser`: `curl -d` without a content type, no role.
    let body = json!({"id": "0", "email": "Ana@Example.com", "currentPassword": PASSWORD, "changePassword": true});
    let created = create(&server, &root, &body, "").await.expect_json(200);
    assert_no_secret(&created);
    let id = created["id"].as_str().unwrap().to_owned();
    assert_ne!(id, "0");
    assert_eq!(created["email"], "ana@example.com");
    assert_eq!(created["changePassword"], true);
    let fetched = bearer(&server, "GET", &format!("/api/v1/user/{id}"), &root, None).await;
    let fetched = fetched.expect_json(200);
    assert_eq!(fetched["id"], id.as_str());
    assert_no_secret(&fetched);
    let by_email = bearer(
        &server,
        "GET",
        "/api/v1/user/ANA@example.com?byEmail=true",
        &root,
        None,
    )
    .await;
    assert_eq!(by_email.expect_json(200)["id"], id.as_str());
    let list = bearer(&server, "GET", "/api/v1/users", &root, None)
        .await
        .expect_json(200);
    for user in list["users"].as_array().unwrap() {
        assert_no_secret(user);
    }
    assert!(ids(&list).contains(&id), "{list}");
    let deleted = bearer(
        &server,
        "DELETE",
        &format!("/api/v1/user/{id}"),
        &root,
        None,
    )
    .await;
    assert_eq!(deleted.code(), 200, "{}", deleted.text());
    assert!(deleted.body.is_empty(), "{}", deleted.text());
    let gone = bearer(&server, "GET", &format!("/api/v1/user/{id}"), &root, None).await;
    expect_code(&gone, 404, 404);
    let again = bearer(
        &server,
        "DELETE",
        &format!("/api/v1/user/{id}"),
        &root,
        None,
    )
    .await;
    expect_code(&again, 404, 404);
}

#[actix_rt::test]
async fn creation_refusals_have_their_detail_codes() {
    let server = start().await;
    let root = root_token(&server).await;
    let good = json!({"email": "bo@example.com", "currentPassword": PASSWORD, "userRole": "csr"});
    let not_zero = bearer(&server, "POST", "/api/v1/user/1", &root, Some(&good)).await;
    expect_detail(&not_zero, "1038");
    let role = json!({"email": "bo@example.com", "userRole": "superuser"});
    expect_detail(&create(&server, &root, &role, "").await, "1039");
    let email = json!({"email": "not an address", "userRole": "csr"});
    expect_detail(&create(&server, &root, &email, "").await, "1040");
    create(&server, &root, &good, "").await.expect_json(200);
    let taken = json!({"email": "BO@example.com", "userRole": "noc"});
    expect_detail(&create(&server, &root, &taken, "").await, "1061");
    let raw = call(
        &server,
        "POST",
        "/api/v1/user/0",
        &[("authorization", &format!("Bearer {root}"))],
        None,
    )
    .await;
    expect_detail(&raw, "1003");
    let unknown = bearer(&server, "GET", "/api/v1/user/not-a-uuid", &root, None).await;
    expect_code(&unknown, 404, 404);
    let nobody = bearer(
        &server,
        "GET",
        "/api/v1/user/nobody@example.com?byEmail=true",
        &root,
        None,
    )
    .await;
    expect_code(&nobody, 404, 404);
}

#[actix_rt::test]
async fn without_a_token_nothing_is_answered_but_403() {
    let server = start().await;
    for (method, path) in [
        ("GET", "/api/v1/users"),
        ("GET", "/api/v1/user/0"),
        ("POST", "/api/v1/user/0"),
        ("DELETE", "/api/v1/user/0"),
        ("GET", "/api/v1/securityProfiles"),
    ] {
        let answer = call(&server, method, path, &[], Some(&json!({}))).await;
        assert_eq!(answer.code(), 403, "{method} {path}: {}", answer.text());
        let forged = call(
            &server,
            method,
            path,
            &[("authorization", "Bearer forged")],
            None,
        )
        .await;
        expect_code(&forged, 403, 8);
    }
}

#[actix_rt::test]
async fn users_answers_every_query_parameter_of_the_definition() {
    let server = start().await;
    let root = root_token(&server).await;
    let mut created = Vec::new();
    for (email, name) in [
        ("carla@example.com", "Carla"),
        ("dani@example.com", "Dani"),
        ("eva@other.test", "Eva"),
    ] {
        let body = json!({"email": email, "name": name, "userRole": "noc"});
        let user = create(&server, &root, &body, "?entity=masmovil")
            .await
            .expect_json(200);
        created.push(user["id"].as_str().unwrap().to_owned());
    }
    let get = |query: String| {
        let server = &server;
        let root = &root;
        async move { bearer(server, "GET", &format!("/api/v1/users{query}"), root, None).await }
    };
    let all = get(String::new()).await.expect_json(200);
    let everyone = ids(&all);
    assert_eq!(everyone.len(), 4, "the root and three: {all}");
    assert_eq!(&everyone[1..], &created[..], "oldest first");
    let newest = ids(&get("?newest=true".into()).await.expect_json(200));
    assert_eq!(newest.first(), created.last(), "newest first");
    let id_only = get("?idOnly=TRUE".into()).await.expect_json(200);
    assert!(
        id_only["users"]
            .as_array()
            .unwrap()
            .iter()
            .all(Value::is_string),
        "{id_only}"
    );
    assert_eq!(ids(&id_only), everyone);
    let select = format!("?select={},{},not-a-uuid", created[2], created[0]);
    let mut selected = ids(&get(select).await.expect_json(200));
    selected.sort();
    let mut expected = vec![created[0].clone(), created[2].clone()];
    expected.sort();
    assert_eq!(selected, expected);
    let empty_select = ids(&get("?select=".into()).await.expect_json(200));
    assert_eq!(empty_select, everyone, "an empty select is no selection");
    let named = ids(&get("?nameSearch=dan".into()).await.expect_json(200));
    assert_eq!(named, vec![created[1].clone()]);
    let mailed = ids(&get("?emailSearch=OTHER.test".into()).await.expect_json(200));
    assert_eq!(mailed, vec![created[2].clone()]);
    let page = ids(&get("?offset=1&limit=2".into()).await.expect_json(200));
    assert_eq!(page, everyone[1..3].to_vec());
    let count = get("?countOnly=true&limit=1&offset=3".into())
        .await
        .expect_json(200);
    assert_eq!(count, json!({"count": 4}), "paging aside");
    let count_named = get("?countOnly=1&emailSearch=example.com".into())
        .await
        .expect_json(200);
    assert_eq!(count_named, json!({"count": 2}));
    let extended = get("?withExtendedInfo=true".into()).await.expect_json(200);
    assert_eq!(ids(&extended), everyone);
    expect_detail(&get("?idOnly=maybe".into()).await, "1018");
    expect_detail(&get("?limit=many".into()).await, "1018");
    expect_detail(&get("?offset=-1".into()).await, "1018");
    expect_detail(&get("?limit=9223372036854775808".into()).await, "1018");
}

#[actix_rt::test]
async fn a_forced_password_change_and_a_suspension_hold_at_sign_in() {
    let server = start().await;
    let root = root_token(&server).await;
    let body = json!({"email": "fer@example.com", "currentPassword": PASSWORD, "changePassword": true, "userRole": "csr"});
    let fer = create(&server, &root, &body, "").await.expect_json(200);
    let first = oauth2(
        &server,
        &json!({"userId": "fer@example.com", "password": PASSWORD}),
    )
    .await;
    expect_code(&first, 403, 1);
    let changed = json!({"userId": "fer@example.com", "password": PASSWORD, "newPassword": "Fer-new-pass-77"});
    oauth2(&server, &changed).await.expect_json(200);
    let path = format!("/api/v1/user/{}", fer["id"].as_str().unwrap());
    let suspended = bearer(
        &server,
        "PUT",
        &path,
        &root,
        Some(&json!({"suspended": true})),
    )
    .await;
    assert_eq!(suspended.expect_json(200)["suspended"], true);
    let refused = oauth2(
        &server,
        &json!({"userId": "fer@example.com", "password": "Fer-new-pass-77"}),
    )
    .await;
    expect_code(&refused, 403, 15);
}

#[actix_rt::test]
async fn put_changes_only_what_differs_and_appends_notes() {
    let server = start().await;
    let root = root_token(&server).await;
    let (id, token) = signed_in(&server, &root, "gil@example.com", "csr", "masmovil").await;
    let path = format!("/api/v1/user/{id}");
    let body =
        json!({"name": "Gil", "description": "night shift", "notes": [{"note": "first week"}]});
    let updated = bearer(&server, "PUT", &path, &root, Some(&body))
        .await
        .expect_json(200);
    assert_eq!(
        (&updated["name"], &updated["description"]),
        (&json!("Gil"), &json!("night shift"))
    );
    let notes = updated["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{updated}");
    assert_eq!(notes[0]["note"], "first week");
    assert_eq!(notes[0]["createdBy"], ROOT_EMAIL);
    // The operator PUTs back everything it read, its role and notes unchanged, with a new name.
    let mut mine = bearer(&server, "GET", &path, &token, None)
        .await
        .expect_json(200);
    mine["name"] = json!("Gil G.");
    let own = bearer(&server, "PUT", &path, &token, Some(&mine))
        .await
        .expect_json(200);
    assert_eq!(own["name"], "Gil G.");
    assert_eq!(
        own["notes"].as_array().unwrap().len(),
        1,
        "a read-back note is no new note"
    );
    for change in [
        json!({"userRole": "admin"}),
        json!({"suspended": true}),
        json!({"notes": [{"note": "I am great"}]}),
        json!({"owner": "yoigo"}),
    ] {
        let refused = bearer(&server, "PUT", &path, &token, Some(&change)).await;
        expect_code(&refused, 403, 7);
    }
    expect_detail(
        &bearer(
            &server,
            "PUT",
            &path,
            &root,
            Some(&json!({"userRole": "boss"})),
        )
        .await,
        "1039",
    );
    let bad_mfa =
        json!({"userTypeProprietaryInfo": {"mfa": {"enabled": true, "method": "carrier-pigeon"}}});
    expect_detail(
        &bearer(&server, "PUT", &path, &token, Some(&bad_mfa)).await,
        "1045",
    );
    let nobody = bearer(
        &server,
        "PUT",
        "/api/v1/user/00000000-0000-0000-0000-000000000001",
        &root,
        Some(&json!({"name": "x"})),
    )
    .await;
    expect_code(&nobody, 404, 404);
}

#[actix_rt::test]
async fn reset_mfa_turns_the_second_factor_off() {
    let server = start().await;
    let root = root_token(&server).await;
    let (id, token) = signed_in(&server, &root, "hugo@example.com", "csr", "masmovil").await;
    let path = format!("/api/v1/user/{id}");
    let email_mfa =
        json!({"userTypeProprietaryInfo": {"mfa": {"enabled": true, "method": "email"}}});
    let on = bearer(&server, "PUT", &path, &token, Some(&email_mfa))
        .await
        .expect_json(200);
    assert_eq!(
        on["userTypeProprietaryInfo"]["mfa"]["enabled"], true,
        "{on}"
    );
    assert_eq!(
        on["userTypeProprietaryInfo"]["mfa"]["method"], "email",
        "{on}"
    );
    let off = bearer(
        &server,
        "PUT",
        &format!("{path}?resetMFA=true"),
        &root,
        None,
    )
    .await
    .expect_json(200);
    assert_eq!(
        off["userTypeProprietaryInfo"]["mfa"]["enabled"], false,
        "{off}"
    );
    let signed = oauth2(
        &server,
        &json!({"userId": "hugo@example.com", "password": PASSWORD}),
    )
    .await;
    assert!(
        signed.expect_json(200)["access_token"].is_string(),
        "no challenge any more"
    );
}

#[actix_rt::test]
async fn deleting_an_operator_ends_its_sessions() {
    let server = start().await;
    let root = root_token(&server).await;
    let (id, token) = signed_in(&server, &root, "ines@example.com", "csr", "masmovil").await;
    let path = format!("/api/v1/user/{id}");
    bearer(&server, "GET", &path, &token, None)
        .await
        .expect_json(200);
    let deleted = bearer(&server, "DELETE", &path, &root, None).await;
    assert_eq!(deleted.code(), 200, "{}", deleted.text());
    let after = bearer(&server, "GET", "/api/v1/users", &token, None).await;
    assert_eq!(after.code(), 403, "{}", after.text());
    let code = after.json()["ErrorCode"].as_u64().unwrap();
    assert!(code == 8 || code == 9, "signed out: {}", after.text());
}

#[actix_rt::test]
async fn the_last_root_cannot_be_deleted_or_demoted() {
    let server = start().await;
    let root = root_token(&server).await;
    let me = oauth2_me(&server, &root).await;
    let path = format!("/api/v1/user/{}", me["id"].as_str().unwrap());
    expect_code(&bearer(&server, "DELETE", &path, &root, None).await, 403, 7);
    let demote = bearer(
        &server,
        "PUT",
        &path,
        &root,
        Some(&json!({"userRole": "admin"})),
    )
    .await;
    expect_code(&demote, 403, 7);
    bearer(&server, "GET", &path, &root, None)
        .await
        .expect_json(200);
}

/// `GET /api/v1/oauth2?me=true`.
pub async fn oauth2_me(server: &TestServer, token: &str) -> Value {
    bearer(server, "GET", "/api/v1/oauth2?me=true", token, None)
        .await
        .expect_json(200)
}

#[actix_rt::test]
async fn security_profiles_publish_every_role_with_its_scopes() {
    let server = start().await;
    let root = root_token(&server).await;
    let all = bearer(&server, "GET", "/api/v1/securityProfiles", &root, None)
        .await
        .expect_json(200);
    let profiles = all["profiles"].as_array().unwrap();
    let mut roles: Vec<&str> = profiles
        .iter()
        .map(|p| p["role"].as_str().unwrap())
        .collect();
    roles.sort_unstable();
    let mut every = vec![
        "root",
        "admin",
        "subscriber",
        "csr",
        "system",
        "installer",
        "noc",
        "accounting",
        "partner",
    ];
    every.sort_unstable();
    assert_eq!(roles, every);
    let root_profile = profiles.iter().find(|p| p["role"] == "root").unwrap();
    assert!(
        !root_profile["scopes"].as_array().unwrap().is_empty(),
        "{root_profile}"
    );
    for profile in profiles {
        for action in profile["policy"].as_array().unwrap() {
            let access = action["access"].as_str().unwrap();
            assert!(
                ["NONE", "READ", "MODIFY", "DELETE", "CREATE", "TEST", "MOVE"].contains(&access),
                "{action}"
            );
        }
    }
    let page = bearer(
        &server,
        "GET",
        "/api/v1/securityProfiles?offset=2&limit=3",
        &root,
        None,
    )
    .await
    .expect_json(200);
    let page = page["profiles"].as_array().unwrap();
    assert_eq!(page.as_slice(), &profiles[1..4], "offset counts from 1");
    let filtered = bearer(
        &server,
        "GET",
        "/api/v1/securityProfiles?filter=ADMIN",
        &root,
        None,
    )
    .await
    .expect_json(200);
    assert!(
        filtered["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["role"] == "admin"),
        "{filtered}"
    );
    assert!(
        filtered["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["role"] != "noc"),
        "{filtered}"
    );
    expect_detail(
        &bearer(
            &server,
            "GET",
            "/api/v1/securityProfiles?limit=x",
            &root,
            None,
        )
        .await,
        "1018",
    );
}

#[actix_rt::test]
async fn put_flags_send_a_reset_link_or_a_verification_link() {
    let sink = latchkey_testkit::smtp_sink::SmtpSink::start();
    let url = sink.url();
    let server = start_with(move |c| c.smtp_url = Some(url.into())).await;
    let root = root_token(&server).await;
    let (id, token) = signed_in(&server, &root, "jon@example.com", "csr", "masmovil").await;
    let (peer, _) = signed_in(&server, &root, "kai@example.com", "csr", "masmovil").await;
    let path = format!("/api/v1/user/{id}");
    let forgot = bearer(
        &server,
        "PUT",
        &format!("{path}?forgotPassword=true"),
        &root,
        None,
    )
    .await;
    assert_eq!(
        forgot.expect_json(200),
        json!({"Code": 0, "Operation": "PUT", "Details": "Command completed."})
    );
    let mails = crate::security_oauth2::mails(&sink, 1);
    assert!(
        mails[0].contains("/api/v1/actionLink?action=password_reset&id="),
        "{}",
        mails[0]
    );
    // A csr may ask for its own link, not for another's.
    let others = format!("/api/v1/user/{peer}?forgotPassword=true");
    expect_code(&bearer(&server, "PUT", &others, &token, None).await, 403, 7);
    let own = format!("{path}?forgotPassword=true");
    assert_eq!(bearer(&server, "PUT", &own, &token, None).await.code(), 200);
    let verify = bearer(
        &server,
        "PUT",
        &format!("{path}?email_verification=true"),
        &root,
        None,
    )
    .await;
    assert_eq!(verify.expect_json(200)["id"], id.as_str());
    let mails = crate::security_oauth2::mails(&sink, 2);
    assert!(
        mails
            .iter()
            .any(|m| m.contains("action=email_verification&id=")),
        "{mails:?}"
    );
    expect_detail(
        &bearer(
            &server,
            "PUT",
            &format!("{path}?resetMFA=perhaps"),
            &root,
            None,
        )
        .await,
        "1018",
    );
}
