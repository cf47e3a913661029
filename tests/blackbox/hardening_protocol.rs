//! Hardening of the OAuth protocol (RFC 9700, OAuth 2.1, OpenID Connect), attack by attack:
//! PKCE downgrades, the implicit grant, token scanning at `/introspect`, revocation by public
//! clients, a refresh that would burn its session, redirect URIs a browser reads differently,
//! and the metadata documents. Logout is `hardening_protocol_logout`.

use crate::login::{Browser, Page, collect};
use actix_web::http::StatusCode;
use latchkey_tests::{ADMIN_ID, ADMIN_SECRET, Answer, TestServer, credential_path};
use serde_json::{Value, json};

pub(crate) const ORG: &str = "masmovil";
pub(crate) const ANA: &str = "ana@example.com";
pub(crate) const PASSWORD: &str = "correct horse battery staple";
pub(crate) const CALLBACK: &str = "https://app.example/callback";
/// RFC 7636 Appendix B.
pub(crate) const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub(crate) const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// A server with ana active; answers it and an admin token.
pub(crate) async fn server_with_ana() -> (TestServer, String) {
    server_with_ana_and(|_| {}).await
}

pub(crate) async fn server_with_ana_and(
    adjust: impl FnOnce(&mut latchkey_server::config::ServerConfig),
) -> (TestServer, String) {
    let server = TestServer::start_with(adjust).await;
    let admin = server.admin_token(None).await;
    server.active_credential(&admin, ORG, ANA, PASSWORD).await;
    (server, admin)
}

/// Registers a client of masmovil with the customer scopes, `extra` added to the body;
/// answers the registration.
pub(crate) async fn register(server: &TestServer, admin: &str, extra: Value) -> Answer {
    let mut body = json!({
        "name": "web shop", "orgs": [ORG],
        "scopes": ["openid", "profile", "email", "offline_access", "devices", "otp"],
        "grant_types": ["authorization_code", "refresh_token"], "redirect_uris": [CALLBACK],
    });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    server
        .call("POST", "/v1/clients", Some(admin), Some(&body))
        .await
}

/// A registered client: (client_id, client_secret or "").
pub(crate) async fn client(server: &TestServer, admin: &str, extra: Value) -> (String, String) {
    let created = register(server, admin, extra).await.expect_json(201);
    (
        created["client_id"].as_str().unwrap().to_owned(),
        created["client_secret"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

/// `/authorize` for `client` with PKCE S256; `extra` replaces parameters (an empty value
/// removes one).
pub(crate) fn authorize_url(client: &str, extra: &[(&str, &str)]) -> String {
    let mut params = vec![
        ("client_id", client),
        ("response_type", "code"),
        ("redirect_uri", CALLBACK),
        ("state", "xyz-state"),
        ("scope", "openid profile offline_access devices"),
        ("nonce", "n-1"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    for (k, v) in extra {
        params.retain(|(key, _)| key != k);
        if !v.is_empty() {
            params.push((k, v));
        }
    }
    format!(
        "/authorize?{}",
        serde_urlencoded::to_string(&params).unwrap()
    )
}

/// `POST` of `form` to `path`, as `id` with HTTP Basic (or, without a secret, naming itself in
/// the form).
pub(crate) async fn post_as(
    server: &TestServer,
    path: &str,
    id: &str,
    secret: &str,
    form: &[(&str, &str)],
) -> Answer {
    let request = server.http.post(server.url(path));
    if secret.is_empty() {
        let mut form = form.to_vec();
        form.push(("client_id", id));
        return collect(request.send_form(&form).await).await;
    }
    collect(request.basic_auth(id, secret).send_form(&form).await).await
}

/// Signs ana in (or resumes her session) for `client`; answers the tokens of the code.
pub(crate) async fn tokens(
    server: &TestServer,
    browser: &mut Browser,
    client: &str,
    secret: &str,
) -> Value {
    let page = browser.get(&authorize_url(client, &[])).await;
    let done = if page.status == StatusCode::SEE_OTHER {
        page
    } else {
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        browser.sign_in(&page, ANA, PASSWORD).await
    };
    let code = done.redirect_params()["code"].clone();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CALLBACK),
        ("code_verifier", VERIFIER),
    ];
    post_as(server, "/token", client, secret, &form)
        .await
        .expect_json(200)
}

/// The error a redirect back to the client carries, after checking it goes to `CALLBACK`.
fn sent_back(page: &Page) -> String {
    assert_eq!(page.status, StatusCode::FOUND, "{}", page.body);
    assert!(page.location.as_deref().unwrap().starts_with(CALLBACK));
    page.redirect_params()["error"].clone()
}

#[actix_rt::test]
async fn the_code_flow_without_pkce_s256_is_refused_for_confidential_clients_too() {
    let (server, admin) = server_with_ana().await;
    let (confidential, _) = client(&server, &admin, json!({})).await;
    let mut browser = Browser::new(&server);
    for extra in [
        [("code_challenge", ""), ("code_challenge_method", "")],
        [("code_challenge", CHALLENGE), ("code_challenge_method", "")],
        [
            ("code_challenge", VERIFIER),
            ("code_challenge_method", "plain"),
        ],
        [
            ("code_challenge", "too-short"),
            ("code_challenge_method", "S256"),
        ],
    ] {
        let page = browser.get(&authorize_url(&confidential, &extra)).await;
        assert_eq!(sent_back(&page), "invalid_request", "{extra:?}");
    }
    assert!(
        browser.cookies.keys().all(|k| !k.contains("login_")),
        "no login started"
    );
    let page = browser.get(&authorize_url(&confidential, &[])).await;
    assert_eq!(page.status, StatusCode::OK, "S256 signs in: {}", page.body);
}

#[actix_rt::test]
async fn the_metadata_offers_s256_only_at_both_well_known_addresses() {
    let server = TestServer::start().await;
    let oidc = server
        .call("GET", "/.well-known/openid-configuration", None, None)
        .await
        .expect_json(200);
    let rfc8414 = server
        .call("GET", "/.well-known/oauth-authorization-server", None, None)
        .await;
    assert_eq!(
        rfc8414.header("cache-control").as_deref(),
        Some("public, max-age=300")
    );
    let rfc8414 = rfc8414.expect_json(200);
    assert_eq!(oidc, rfc8414, "one document, two addresses");
    assert_eq!(rfc8414["issuer"], server.base, "RFC 8414 §3.3");
    assert_eq!(oidc["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(oidc["end_session_endpoint"], server.url("/logout"));
    assert!(
        oidc["revocation_endpoint_auth_methods_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("none")),
        "public clients revoke by client_id"
    );
    let openapi = server
        .call("GET", "/openapi.json", None, None)
        .await
        .expect_json(200);
    for (path, method) in [
        ("/.well-known/oauth-authorization-server", "get"),
        ("/logout", "post"),
        ("/logout/confirm", "post"),
    ] {
        assert!(
            openapi["paths"][path][method].is_object(),
            "{method} {path} is documented"
        );
    }
}

#[actix_rt::test]
async fn a_public_client_is_never_registered_for_the_implicit_grant() {
    let (server, admin) = server_with_ana().await;
    let refused = register(
        &server,
        &admin,
        json!({"public": true, "grant_types": ["authorization_code", "implicit"]}),
    )
    .await;
    assert_eq!(refused.expect_error(400), "client.invalid_grants");
    let refused = register(
        &server,
        &admin,
        json!({"public": true, "grant_types": ["implicit"]}),
    )
    .await;
    assert_eq!(refused.expect_error(400), "client.invalid_grants");
    // A public client of the code flow asking for a token in the fragment.
    let (public, _) = client(&server, &admin, json!({"public": true})).await;
    let mut browser = Browser::new(&server);
    let page = browser
        .get(&authorize_url(&public, &[("response_type", "token")]))
        .await;
    assert_eq!(sent_back(&page), "unauthorized_client");
}

#[actix_rt::test]
async fn an_implicit_token_carries_openid_connect_scopes_only_and_no_refresh_token() {
    let (server, admin) = server_with_ana().await;
    let grants = json!({"grant_types": ["authorization_code", "refresh_token", "implicit"]});
    let (legacy, _) = client(&server, &admin, grants).await;
    let mut browser = Browser::new(&server);
    for scope in ["devices", "profile otp", "openid offline_access"] {
        let page = browser
            .get(&authorize_url(
                &legacy,
                &[("response_type", "token"), ("scope", scope)],
            ))
            .await;
        assert_eq!(sent_back(&page), "invalid_scope", "{scope}");
    }
    let page = browser
        .get(&authorize_url(
            &legacy,
            &[
                ("response_type", "token"),
                ("scope", "profile email"),
                ("access_type", "offline"),
            ],
        ))
        .await;
    let done = browser.sign_in(&page, ANA, PASSWORD).await;
    let location = done.location.clone().unwrap();
    assert!(location.starts_with(&format!("{CALLBACK}#")), "{location}");
    let params = done.redirect_params();
    assert_eq!(params["scope"], "profile email");
    assert!(!params.contains_key("refresh_token"), "{params:?}");
    let devices = format!("{}/devices", credential_path(ORG, ANA));
    assert_eq!(
        server
            .get(&devices, &params["access_token"])
            .await
            .expect_error(403),
        "auth.insufficient_scope",
        "the fragment's token does nothing on the Credentials API"
    );
    // Without a scope: the client's OpenID Connect scopes, still no offline access.
    let page = browser
        .get(&authorize_url(
            &legacy,
            &[("response_type", "token"), ("scope", "")],
        ))
        .await;
    let params = page.redirect_params();
    let granted: Vec<&str> = params["scope"].split(' ').collect();
    assert!(
        granted
            .iter()
            .all(|s| ["profile", "email", "phone"].contains(s)),
        "{granted:?}"
    );
}

#[actix_rt::test]
async fn introspection_answers_only_about_tokens_the_caller_may_use() {
    let (server, admin) = server_with_ana().await;
    let (shop, shop_secret) = client(&server, &admin, json!({})).await;
    let (other, other_secret) = client(&server, &admin, json!({})).await;
    let mut browser = Browser::new(&server);
    let access = tokens(&server, &mut browser, &shop, &shop_secret).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (masmovil_api, masmovil_secret) = server.create_client(&["credentials:read"], &[ORG]).await;
    let (yoigo_api, yoigo_secret) = server
        .create_client(&["credentials:read"], &["yoigo"])
        .await;
    let ask = async |id: &str, secret: &str, token: &str| {
        post_as(&server, "/introspect", id, secret, &[("token", token)])
            .await
            .expect_json(200)
    };
    // Token scanning by another login client of the same org, or a service of another org.
    assert_eq!(
        ask(&other, &other_secret, &access).await,
        json!({"active": false})
    );
    assert_eq!(
        ask(&yoigo_api, &yoigo_secret, &access).await,
        json!({"active": false})
    );
    // Its own client, a service of its org, and a service of every org see it.
    for (id, secret) in [
        (shop.as_str(), shop_secret.as_str()),
        (masmovil_api.as_str(), masmovil_secret.as_str()),
        (ADMIN_ID, ADMIN_SECRET),
    ] {
        let seen = ask(id, secret, &access).await;
        assert_eq!(seen["active"], true, "{id}: {seen}");
        assert_eq!(seen["client_id"], shop.as_str());
    }
    // A service token of every org is not for a masmovil service to look at.
    let everywhere = server.admin_token(None).await;
    assert_eq!(
        ask(&masmovil_api, &masmovil_secret, &everywhere).await,
        json!({"active": false})
    );
    assert_eq!(
        ask(&shop, &shop_secret, &everywhere).await,
        json!({"active": false})
    );
}

#[actix_rt::test]
async fn a_public_client_revokes_its_own_tokens_by_client_id_and_nothing_else() {
    let (server, admin) = server_with_ana().await;
    let (public, _) = client(&server, &admin, json!({"public": true})).await;
    let (shop, shop_secret) = client(&server, &admin, json!({})).await;
    let mut browser = Browser::new(&server);
    let mine = tokens(&server, &mut browser, &public, "").await;
    let theirs = tokens(&server, &mut browser, &shop, &shop_secret).await;
    let refresh = mine["refresh_token"].as_str().unwrap();
    let their_access = theirs["access_token"].as_str().unwrap();
    // Another client's live token: refused, and it stays live.
    let refused = post_as(&server, "/revoke", &public, "", &[("token", their_access)]).await;
    assert_eq!(refused.expect_oauth_error(400), "unauthorized_client");
    let seen = post_as(
        &server,
        "/introspect",
        &shop,
        &shop_secret,
        &[("token", their_access)],
    )
    .await
    .expect_json(200);
    assert_eq!(seen["active"], true, "{seen}");
    // A confidential client may not name itself without its secret.
    let bare = post_as(&server, "/revoke", &shop, "", &[("token", their_access)]).await;
    assert_eq!(bare.expect_oauth_error(401), "invalid_client");
    // Its own refresh and access tokens.
    let revoked = post_as(&server, "/revoke", &public, "", &[("token", refresh)]).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text());
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh)];
    assert_eq!(
        post_as(&server, "/token", &public, "", &form)
            .await
            .expect_oauth_error(400),
        "invalid_grant"
    );
    let access = mine["access_token"].as_str().unwrap();
    let revoked = post_as(&server, "/revoke", &public, "", &[("token", access)]).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text());
    let devices = format!("{}/devices", credential_path(ORG, ANA));
    assert_eq!(
        server.get(&devices, access).await.expect_error(401),
        "auth.revoked_token"
    );
}

#[actix_rt::test]
async fn a_refresh_asking_a_wider_scope_fails_before_the_rotation() {
    let (server, admin) = server_with_ana().await;
    let (shop, secret) = client(&server, &admin, json!({})).await;
    let mut browser = Browser::new(&server);
    let refresh = tokens(&server, &mut browser, &shop, &secret).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    for scope in ["otp", "devices credentials:admin", "no-such-scope"] {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.as_str()),
            ("scope", scope),
        ];
        let answer = post_as(&server, "/token", &shop, &secret, &form).await;
        assert_eq!(answer.expect_oauth_error(400), "invalid_scope", "{scope}");
    }
    // The token was not spent: it still refreshes, and the session lives on.
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
        ("scope", "devices"),
    ];
    let refreshed = post_as(&server, "/token", &shop, &secret, &form)
        .await
        .expect_json(200);
    assert_eq!(refreshed["scope"], "devices");
    let next = refreshed["refresh_token"].as_str().unwrap();
    let form = [("grant_type", "refresh_token"), ("refresh_token", next)];
    post_as(&server, "/token", &shop, &secret, &form)
        .await
        .expect_json(200);
    let page = browser
        .get(&authorize_url(&shop, &[("prompt", "none")]))
        .await;
    assert!(
        page.redirect_params().contains_key("code"),
        "{:?}",
        page.location
    );
}

#[actix_rt::test]
async fn a_redirect_uri_a_browser_reads_as_another_host_is_refused_everywhere() {
    let (server, admin) = server_with_ana().await;
    for uri in [
        "http://evil.example\\@127.0.0.1/cb",
        "https://evil.example\\@app.example/cb",
        "http://127.0.0.1@evil.example/cb",
        "https://App.Example/callback",
        "http://127.1/cb",
        "https://app.example/a/../callback",
    ] {
        let refused = register(&server, &admin, json!({"redirect_uris": [uri]})).await;
        assert_eq!(
            refused.expect_error(400),
            "client.invalid_redirect_uri",
            "{uri}"
        );
        let refused = register(&server, &admin, json!({"post_logout_redirect_uris": [uri]})).await;
        assert_eq!(
            refused.expect_error(400),
            "client.invalid_redirect_uri",
            "post-logout {uri}"
        );
    }
    // /authorize agrees: only the exact registered string, never a spelling of it.
    let (shop, _) = client(
        &server,
        &admin,
        json!({"redirect_uris": ["http://127.0.0.1/cb", CALLBACK]}),
    )
    .await;
    let mut browser = Browser::new(&server);
    for uri in [
        "http://evil.example\\@127.0.0.1/cb",
        "http://127.0.0.1\\cb",
        "http://127.0.0.1/cb/",
        "https://app.example/callback?x=1",
        "HTTPS://app.example/callback",
    ] {
        let page = browser
            .get(&authorize_url(&shop, &[("redirect_uri", uri)]))
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(page.location.is_none(), "{uri} must not redirect");
    }
    let page = browser
        .get(&authorize_url(
            &shop,
            &[("redirect_uri", "http://127.0.0.1/cb")],
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
}
