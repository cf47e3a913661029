//! Preferences, `/api/v1/userPreferences`, `/preferences` and `/subpreferences`: each caller's
//! own `{data: [{tag, value}]}` (owsec's CLI's `[tag, value]` pairs read too), replaced whole,
//! with `modified`; bounded; an operator's and a subscriber's kept apart. And subscribers'
//! avatars, `/api/v1/subavatar/{id}`: the subscriber's own (with a customer access token of the
//! login server), or an operator's who may reach that subscriber's org.

use crate::login::{Browser, login_client};
use crate::security_avatars::{GIF, expect_image, fetch, png, upload};
use crate::security_users::{
    bearer, call, expect_code, expect_detail, root_token, signed_in, start,
};
use latchkey_tests::{TestServer, credential_path};
use serde_json::{Value, json};

const ORG: &str = "masmovil";
const PASSWORD: &str = "correct horse battery staple";
const CALLBACK: &str = "https://app.example/callback";
/// RFC 7636 Appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// A subscriber of [`ORG`] (a credential with a password) signed in through the login server:
/// its id and customer access token.
pub async fn subscriber(server: &TestServer, username: &str) -> (String, String) {
    let admin = server.admin_token(None).await;
    server
        .active_credential(&admin, ORG, username, PASSWORD)
        .await;
    let id = server
        .get(&credential_path(ORG, username), &admin)
        .await
        .expect_json(200)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (client, secret) = login_client(server, false, &["authorization_code"]).await;
    let query = serde_urlencoded::to_string([
        ("client_id", client.as_str()),
        ("response_type", "code"),
        ("redirect_uri", CALLBACK),
        ("state", "s"),
        ("scope", "openid email"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ])
    .unwrap();
    let mut browser = Browser::new(server);
    let page = browser.get(&format!("/authorize?{query}")).await;
    let done = browser.sign_in(&page, username, PASSWORD).await;
    let code = done.redirect_params()["code"].clone();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CALLBACK),
        ("code_verifier", VERIFIER),
    ];
    let tokens = server
        .token_request(&client, &secret, &form)
        .await
        .expect_json(200);
    (id, tokens["access_token"].as_str().unwrap().to_owned())
}

fn put(data: Value) -> Value {
    json!({ "data": data })
}

#[actix_rt::test]
async fn an_operator_keeps_its_preferences_under_every_path() {
    let server = start().await;
    let root = root_token(&server).await;
    let never = bearer(&server, "GET", "/api/v1/preferences", &root, None).await;
    assert_eq!(never.expect_json(200), json!({"data": [], "modified": 0}));

    // owsec's CLI: `{"data": [["tag", "value"]]}`, sent without a content type.
    let pairs = put(json!([["theme", "dark"], ["language", "es"]]));
    let saved = bearer(&server, "PUT", "/api/v1/preferences", &root, Some(&pairs)).await;
    let saved = saved.expect_json(200);
    let expected = json!([{"tag": "theme", "value": "dark"}, {"tag": "language", "value": "es"}]);
    assert_eq!(saved["data"], expected);
    let modified = saved["modified"].as_i64().unwrap();
    assert!(modified > 1_700_000_000, "{saved}");
    for path in ["/api/v1/preferences", "/api/v1/userPreferences"] {
        let read = bearer(&server, "GET", path, &root, None)
            .await
            .expect_json(200);
        assert_eq!(read, json!({"data": expected, "modified": modified}));
    }

    // The definition's objects, through POST /userPreferences (the definition's method) and
    // PUT: each replaces the list; a tag given twice keeps its last value.
    let objects = put(json!([
        {"tag": "theme", "value": "light"},
        {"tag": "theme", "value": "contrast"},
        {"tag": "page", "value": ""},
    ]));
    let posted = bearer(
        &server,
        "POST",
        "/api/v1/userPreferences",
        &root,
        Some(&objects),
    )
    .await;
    let kept = json!([{"tag": "theme", "value": "contrast"}, {"tag": "page", "value": ""}]);
    assert_eq!(posted.expect_json(200)["data"], kept);
    let read = bearer(&server, "GET", "/api/v1/preferences", &root, None).await;
    assert_eq!(read.expect_json(200)["data"], kept);
    let cleared = bearer(
        &server,
        "PUT",
        "/api/v1/userPreferences",
        &root,
        Some(&put(json!([]))),
    )
    .await;
    assert_eq!(cleared.expect_json(200)["data"], json!([]));

    // Another operator's are its own.
    let (_, admin) = signed_in(&server, &root, "admin@masmovil.test", "admin", ORG).await;
    let theirs = put(json!([["theme", "admin's"]]));
    bearer(&server, "PUT", "/api/v1/preferences", &admin, Some(&theirs))
        .await
        .expect_json(200);
    let mine = bearer(&server, "GET", "/api/v1/preferences", &root, None).await;
    assert_eq!(mine.expect_json(200)["data"], json!([]));
    // No operator: 403 code 8; /preferences serves GET and PUT only.
    expect_code(
        &call(&server, "GET", "/api/v1/preferences", &[], None).await,
        403,
        8,
    );
    let post = bearer(&server, "POST", "/api/v1/preferences", &root, Some(&theirs)).await;
    expect_code(&post, 405, 405);
}

#[actix_rt::test]
async fn preferences_are_bounded_and_well_formed() {
    let server = start().await;
    let root = root_token(&server).await;
    let path = "/api/v1/preferences";
    let many: Vec<Value> = (0..257).map(|i| json!([format!("t{i}"), "v"])).collect();
    expect_detail(
        &bearer(&server, "PUT", path, &root, Some(&put(json!(many)))).await,
        "1503",
    );
    let fits: Vec<Value> = (0..256).map(|i| json!([format!("t{i}"), "v"])).collect();
    let saved = bearer(&server, "PUT", path, &root, Some(&put(json!(fits)))).await;
    assert_eq!(
        saved.expect_json(200)["data"].as_array().unwrap().len(),
        256
    );
    for (body, detail) in [
        (put(json!([["t".repeat(129), "v"]])), "1504"),
        (put(json!([["", "v"]])), "1504"),
        (put(json!([["t", "v".repeat(4097)]])), "1505"),
        (put(json!([["t", 7]])), "1018"),
        (put(json!([["t"]])), "1018"),
        (put(json!([{"tag": "t"}])), "1018"),
        (put(json!("not a list")), "1018"),
        (json!({"modified": 5}), "1018"),
    ] {
        let refused = bearer(&server, "PUT", path, &root, Some(&body)).await;
        expect_detail(&refused, detail);
    }
    let not_json = crate::security_avatars::send_raw(
        &server,
        "PUT",
        path,
        &[("authorization", &format!("Bearer {root}"))],
        None,
        b"{data: nope".to_vec(),
    )
    .await;
    expect_detail(&not_json, "1003");
    // The refusals changed nothing.
    let read = bearer(&server, "GET", path, &root, None)
        .await
        .expect_json(200);
    assert_eq!(read["data"].as_array().unwrap().len(), 256);
}

#[actix_rt::test]
async fn a_subscriber_keeps_its_own_preferences_apart_from_operators() {
    let server = start().await;
    let root = root_token(&server).await;
    let (_, ana) = subscriber(&server, "ana@example.com").await;
    let (_, bob) = subscriber(&server, "bob@example.com").await;
    let path = "/api/v1/subpreferences";
    let never = bearer(&server, "GET", path, &ana, None).await;
    assert_eq!(never.expect_json(200), json!({"data": [], "modified": 0}));
    let body = put(json!([["theme", "dark"]]));
    let saved = bearer(&server, "PUT", path, &ana, Some(&body))
        .await
        .expect_json(200);
    assert_eq!(saved["data"], json!([{"tag": "theme", "value": "dark"}]));
    let read = bearer(&server, "GET", path, &ana, None)
        .await
        .expect_json(200);
    assert_eq!(read, saved);
    // Bob's and the operators' are their own.
    let bobs = bearer(&server, "GET", path, &bob, None)
        .await
        .expect_json(200);
    assert_eq!(bobs["data"], json!([]));
    let roots = bearer(&server, "GET", "/api/v1/preferences", &root, None).await;
    assert_eq!(roots.expect_json(200)["data"], json!([]));
    // Each plane's token on its own paths only.
    expect_code(&bearer(&server, "GET", path, &root, None).await, 403, 8);
    expect_code(
        &bearer(&server, "GET", "/api/v1/preferences", &ana, None).await,
        403,
        8,
    );
    expect_code(
        &bearer(&server, "PUT", path, &ana, Some(&put(json!([["", ""]])))).await,
        400,
        400,
    );
}

#[actix_rt::test]
async fn a_subscriber_avatar_is_its_own_and_its_orgs_operators() {
    let server = start().await;
    let root = root_token(&server).await;
    let (ana_id, ana) = subscriber(&server, "ana@example.com").await;
    let (_, bob) = subscriber(&server, "bob@example.com").await;
    let (_, admin) = signed_in(&server, &root, "admin@masmovil.test", "admin", ORG).await;
    let (_, csr) = signed_in(&server, &root, "csr@masmovil.test", "csr", ORG).await;
    let (_, other) = signed_in(&server, &root, "admin@yoigo.test", "admin", "yoigo").await;
    let path = format!("/api/v1/subavatar/{ana_id}");
    let png = png();

    let saved = upload(&server, &path, &ana, "data", "image/svg+xml", &png).await;
    let saved = saved.expect_json(200);
    assert_eq!(saved["type"], "image/png");
    assert_eq!(saved["avatarId"], ana_id.as_str());
    expect_image(&fetch(&server, &path, &ana).await, "image/png", &png);
    // Another subscriber reaches none of it.
    expect_code(&fetch(&server, &path, &bob).await, 403, 7);
    expect_code(
        &upload(&server, &path, &bob, "file", "image/gif", GIF).await,
        403,
        7,
    );
    // The org's operators: a csr reads and edits subscribers, an admin too.
    expect_image(&fetch(&server, &path, &csr).await, "image/png", &png);
    upload(&server, &path, &admin, "file", "image/gif", GIF)
        .await
        .expect_json(200);
    expect_image(&fetch(&server, &path, &ana).await, "image/gif", GIF);
    let user = bearer(
        &server,
        "GET",
        &format!("/api/v1/subuser/{ana_id}"),
        &admin,
        None,
    )
    .await;
    let uri = format!("{}{path}", server.config.public_url().trim_end_matches('/'));
    assert_eq!(user.expect_json(200)["avatar"], uri.as_str());
    // Another org's operator addresses its own org, where ana is not.
    expect_code(&fetch(&server, &path, &other).await, 404, 404);
    // A root names the org with X-Latchkey-Org.
    let auth = format!("Bearer {root}");
    let by_root = crate::security_avatars::send_raw(
        &server,
        "GET",
        &path,
        &[("authorization", &auth), ("x-latchkey-org", ORG)],
        None,
        Vec::new(),
    )
    .await;
    expect_image(&by_root, "image/gif", GIF);

    let removed = bearer(&server, "DELETE", &path, &ana, None).await;
    assert_eq!(removed.code(), 200, "{}", removed.text());
    expect_code(&fetch(&server, &path, &admin).await, 404, 404);
    let user = bearer(
        &server,
        "GET",
        &format!("/api/v1/subuser/{ana_id}"),
        &admin,
        None,
    )
    .await;
    assert_eq!(user.expect_json(200)["avatar"], "");
    expect_code(
        &bearer(&server, "DELETE", &path, &ana, None).await,
        404,
        404,
    );
    let unknown = format!("/api/v1/subavatar/{}", uuid::Uuid::new_v4());
    expect_code(&fetch(&server, &unknown, &admin).await, 404, 404);
    expect_code(&fetch(&server, &path, "not-a-token").await, 403, 8);
}

#[actix_rt::test]
async fn a_suboauth2_token_is_a_subscriber_here_too() {
    use crate::security_suboauth2::{PASSWORD as SUE_PASSWORD, SUE, access, sign_in};
    let (server, admin) = crate::security_suboauth2::start(|_| {}).await;
    let token = access(&sign_in(&server, SUE, SUE_PASSWORD).await);
    let id = server
        .get(&credential_path(ORG, SUE), &admin)
        .await
        .expect_json(200)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = "/api/v1/subpreferences";
    let body = put(json!([["theme", "dark"]]));
    let saved = bearer(&server, "PUT", path, &token, Some(&body)).await;
    assert_eq!(saved.expect_json(200)["data"][0]["value"], "dark");
    let avatar = format!("/api/v1/subavatar/{id}");
    upload(&server, &avatar, &token, "file", "image/png", GIF)
        .await
        .expect_json(200);
    expect_image(&fetch(&server, &avatar, &token).await, "image/gif", GIF);
    let me = bearer(&server, "GET", "/api/v1/suboauth2?me=true", &token, None).await;
    let uri = format!(
        "{}{avatar}",
        server.config.public_url().trim_end_matches('/')
    );
    assert_eq!(me.expect_json(200)["avatar"], uri.as_str());
    // Deleted through the Credentials API: its token is dead here at once.
    let deleted = server
        .call("DELETE", &credential_path(ORG, SUE), Some(&admin), None)
        .await;
    assert!(deleted.status.is_success(), "{}", deleted.text());
    expect_code(&bearer(&server, "GET", path, &token, None).await, 403, 8);
    expect_code(&fetch(&server, &avatar, &token).await, 403, 8);
}
