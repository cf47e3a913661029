//! The subscribers directory of the security service: `GET /api/v1/subusers`, `GET/POST/PUT/
//! DELETE /api/v1/subuser/{id}`. Subscribers are the tenant's credentials: what is created here
//! is read through the Credentials API and the reverse; a delete here is its soft delete; a
//! suspension ends the device sessions. Operators reach their own org's subscribers only, as
//! their security profile allows; a root names the tenant with `X-Latchkey-Org` (or the
//! server's `LATCHKEY_SUBSCRIBER_ORG`).

use crate::security_users::{bearer, expect_code, expect_detail, root_token};
use crate::security_users::{call, start_with};
use latchkey_tests::{Answer, TestServer, credential_path};
use serde_json::{Value, json};

pub(crate) const ORG: &str = "masmovil";
/// A password the Credentials API's policy accepts.
pub(crate) const SUB_PASSWORD: &str = "correct horse battery staple";

/// A request as `token` on the tenant `org` (`X-Latchkey-Org`).
pub(crate) async fn on(
    server: &TestServer,
    method: &str,
    path: &str,
    token: &str,
    org: &str,
    body: Option<&Value>,
) -> Answer {
    let auth = format!("Bearer {token}");
    let headers = [("authorization", auth.as_str()), ("x-latchkey-org", org)];
    call(server, method, path, &headers, body).await
}

/// Creates a subscriber of [`ORG`] as the root; its `UserInfo`.
pub(crate) async fn subscriber(server: &TestServer, root: &str, email: &str, name: &str) -> Value {
    let body = json!({"email": email, "currentPassword": SUB_PASSWORD, "name": name});
    on(server, "POST", "/api/v1/subuser/0", root, ORG, Some(&body))
        .await
        .expect_json(200)
}

/// The credential of `username` through the Credentials API (a service token).
pub(crate) async fn credential(server: &TestServer, username: &str) -> Answer {
    let admin = server.admin_token(None).await;
    server.get(&credential_path(ORG, username), &admin).await
}

pub(crate) fn ids(answer: &Value) -> Vec<String> {
    answer["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            u.as_str()
                .unwrap_or_else(|| u["id"].as_str().unwrap())
                .to_owned()
        })
        .collect()
}

#[actix_rt::test]
async fn a_subscriber_created_here_is_a_credential_there_and_the_reverse() {
    let server = start_with(|_| {}).await;
    let root = root_token(&server).await;
    let body = json!({
        "id": "0", "email": "Eva@Example.com", "currentPassword": SUB_PASSWORD,
        "userRole": "subscriber", "name": "Eva", "locale": "es", "location": "Madrid",
        "notes": [{"note": "signed at the shop"}], "owner": "yoigo",
    });
    let created = on(
        &server,
        "POST",
        "/api/v1/subuser/0",
        &root,
        ORG,
        Some(&body),
    )
    .await
    .expect_json(200);
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["email"], "eva@example.com");
    assert_eq!(created["userRole"], "subscriber");
    assert_eq!(created["owner"], ORG, "the org is the server's to decide");
    assert_eq!(created["suspended"], false);
    assert_eq!(created["notes"][0]["note"], "signed at the shop");
    assert_eq!(created["notes"][0]["createdBy"], "root@latchkey.test");
    assert_eq!(created["currentPassword"], "");
    let there = credential(&server, "eva@example.com")
        .await
        .expect_json(200);
    assert_eq!(there["id"], id.as_str());
    assert_eq!(there["enabled"], true, "the password was set: {there}");
    // A credential created through the Credentials API is a subscriber here.
    let admin = server.admin_token(None).await;
    server
        .active_credential(&admin, ORG, "leo@example.com", SUB_PASSWORD)
        .await;
    let leo = on(
        &server,
        "GET",
        "/api/v1/subuser/leo@example.com?byEmail=true",
        &root,
        ORG,
        None,
    )
    .await
    .expect_json(200);
    assert_eq!(leo["name"], "leo@example.com", "no profile: the username");
    assert_eq!(leo["owner"], ORG);
    let listed = on(&server, "GET", "/api/v1/subusers", &root, ORG, None)
        .await
        .expect_json(200);
    let listed = ids(&listed);
    assert!(listed.contains(&id) && listed.contains(&leo["id"].as_str().unwrap().to_owned()));
    // The other tenant has neither.
    let yoigo = on(
        &server,
        "GET",
        "/api/v1/subusers?countOnly=true",
        &root,
        "yoigo",
        None,
    )
    .await
    .expect_json(200);
    assert_eq!(yoigo, json!({"count": 0}));
    let elsewhere = on(
        &server,
        "GET",
        &format!("/api/v1/subuser/{id}"),
        &root,
        "yoigo",
        None,
    )
    .await;
    expect_code(&elsewhere, 404, 404);
}

#[actix_rt::test]
async fn listing_answers_every_parameter_as_users_does() {
    let server = start_with(|c| {
        c.security.subscriber_org = Some(latchkey_core::OrgId::parse(ORG).unwrap());
    })
    .await;
    let root = root_token(&server).await;
    let mut made = Vec::new();
    for (email, name) in [
        ("ana@example.com", "Ana Alba"),
        ("bea@example.org", "Bea Blanco"),
        ("cai@example.com", "Cai Alba"),
    ] {
        made.push(
            subscriber(&server, &root, email, name).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    // No header: the server's default org.
    let get = |q: &str| {
        let path = format!("/api/v1/subusers{q}");
        let root = root.clone();
        let server = &server;
        async move { bearer(server, "GET", &path, &root, None).await }
    };
    let all = get("").await.expect_json(200);
    assert_eq!(ids(&all), made, "oldest first");
    assert_eq!(all["users"][0]["name"], "Ana Alba");
    let newest = get("?newest=true&limit=2").await.expect_json(200);
    assert_eq!(ids(&newest), vec![made[2].clone(), made[1].clone()]);
    let page = get("?offset=1&limit=1&idOnly=true").await.expect_json(200);
    assert_eq!(page, json!({"users": [made[1]]}));
    let count = get("?countOnly=true&nameSearch=alba")
        .await
        .expect_json(200);
    assert_eq!(count, json!({"count": 2}));
    let names = get("?nameSearch=ALBA&idOnly=true").await.expect_json(200);
    assert_eq!(ids(&names), vec![made[0].clone(), made[2].clone()]);
    let emails = get("?emailSearch=example.org&idOnly=1")
        .await
        .expect_json(200);
    assert_eq!(ids(&emails), vec![made[1].clone()]);
    let select = format!(
        "?select={},not-a-uuid,{}&withExtendedInfo=true",
        made[2], made[0]
    );
    let selected = get(&select).await.expect_json(200);
    assert_eq!(ids(&selected), vec![made[0].clone(), made[2].clone()]);
    assert_eq!(
        get("?filter=anything&limit=0").await.expect_json(200),
        json!({"users": []})
    );
    for bad in [
        "?limit=x",
        "?offset=-1",
        "?idOnly=perhaps",
        "?countOnly=2",
        "?newest=y",
    ] {
        expect_detail(&get(bad).await, "1018");
    }
}

#[actix_rt::test]
async fn get_and_create_refuse_what_the_definition_refuses() {
    let server = start_with(|_| {}).await;
    let root = root_token(&server).await;
    let eva = subscriber(&server, &root, "eva@example.com", "Eva").await;
    let id = eva["id"].as_str().unwrap();
    let read = on(
        &server,
        "GET",
        &format!("/api/v1/subuser/{id}"),
        &root,
        ORG,
        None,
    )
    .await
    .expect_json(200);
    assert_eq!(read, eva);
    let by_email = "/api/v1/subuser/EVA@example.com?byEmail=true";
    assert_eq!(
        on(&server, "GET", by_email, &root, ORG, None)
            .await
            .expect_json(200)["id"],
        id
    );
    for missing in [
        "/api/v1/subuser/00000000-0000-0000-0000-000000000001",
        "/api/v1/subuser/not-a-uuid",
        "/api/v1/subuser/nobody@example.com?byEmail=true",
        "/api/v1/subuser/not%20an%20address?byEmail=true",
    ] {
        expect_code(
            &on(&server, "GET", missing, &root, ORG, None).await,
            404,
            404,
        );
    }
    expect_detail(
        &on(
            &server,
            "GET",
            &format!("/api/v1/subuser/{id}?byEmail=x"),
            &root,
            ORG,
            None,
        )
        .await,
        "1018",
    );
    // No tenant named: a root has no org of its own and the server no default.
    let bare = bearer(&server, "GET", "/api/v1/subusers", &root, None).await;
    expect_detail(&bare, "1018");
    expect_detail(
        &on(
            &server,
            "GET",
            "/api/v1/subusers",
            &root,
            "Not An Org",
            None,
        )
        .await,
        "1018",
    );
    expect_code(
        &on(&server, "GET", "/api/v1/subusers", &root, "nowhere", None).await,
        404,
        404,
    );
    let post = |path: &'static str, body: Value| {
        let (server, root) = (&server, root.clone());
        async move { on(server, "POST", path, &root, ORG, Some(&body)).await }
    };
    let ok = json!({"email": "new@example.com"});
    expect_detail(&post("/api/v1/subuser/1", ok.clone()).await, "1038");
    expect_detail(
        &post(
            "/api/v1/subuser/0",
            json!({"email": "a@example.com", "userRole": "admin"}),
        )
        .await,
        "1039",
    );
    expect_detail(
        &post("/api/v1/subuser/0", json!({"email": "not an address"})).await,
        "1040",
    );
    expect_detail(
        &post("/api/v1/subuser/0", json!({"email": "+34600000001"})).await,
        "1040",
    );
    expect_detail(&post("/api/v1/subuser/0", json!({})).await, "1040");
    expect_detail(
        &post("/api/v1/subuser/0", json!({"email": "EVA@example.com"})).await,
        "1061",
    );
    let weak = json!({"email": "weak@example.com", "currentPassword": "short"});
    expect_detail(&post("/api/v1/subuser/0", weak).await, "1047");
    // The refused password created nothing.
    assert_eq!(credential(&server, "weak@example.com").await.code(), 404);
    let long = json!({"email": "long@example.com", "name": "n".repeat(129)});
    expect_detail(&post("/api/v1/subuser/0", long).await, "1018");
    let raw = call(
        &server,
        "POST",
        "/api/v1/subuser/0",
        &[
            ("authorization", &format!("Bearer {root}")),
            ("x-latchkey-org", ORG),
        ],
        None,
    )
    .await;
    expect_detail(&raw, "1003");
    // Without a password the credential waits, disabled, for one.
    let waiting = post("/api/v1/subuser/0", ok).await.expect_json(200);
    assert_eq!(waiting["suspended"], true);
    assert_eq!(
        credential(&server, "new@example.com")
            .await
            .expect_json(200)["enabled"],
        false
    );
    expect_code(
        &bearer(&server, "GET", "/api/v1/subusers", "nonsense", None).await,
        403,
        8,
    );
}
