//! Logout per OpenID Connect RP-Initiated Logout 1.0, attack by attack: a hint that is not
//! ours or of another client, a destination the client did not register for logout, a logout
//! forged from another site, a confirmation replayed; and the tenant's name on the signed-out
//! and CIBA approval pages.

use crate::hardening_protocol::{
    ANA, CALLBACK, ORG, PASSWORD, authorize_url, client, register, server_with_ana,
    server_with_ana_and, tokens,
};
use crate::login::{Browser, Page, collect};
use actix_web::http::StatusCode;
use latchkey_testkit::smtp_sink::SmtpSink;
use latchkey_tests::TestServer;
use serde_json::json;

const BYE: &str = "https://app.example/signed-out";

fn logout_url(params: &[(&str, &str)]) -> String {
    format!("/logout?{}", serde_urlencoded::to_string(params).unwrap())
}

/// Whether the browser's session still signs ana in without a page.
async fn signed_in(browser: &mut Browser, client: &str) -> bool {
    let page = browser
        .get(&authorize_url(client, &[("prompt", "none")]))
        .await;
    page.redirect_params().contains_key("code")
}

/// A login client that registered [`BYE`] for logout, and a browser signed in to it; answers
/// (client, secret, browser, the ID token of the sign-in).
async fn signed_in_client(server: &TestServer, admin: &str) -> (String, String, Browser, String) {
    let (id, secret) = client(server, admin, json!({"post_logout_redirect_uris": [BYE]})).await;
    let mut browser = Browser::new(server);
    let tokens = tokens(server, &mut browser, &id, &secret).await;
    let id_token = tokens["id_token"].as_str().unwrap().to_owned();
    (id, secret, browser, id_token)
}

/// Asserts the confirmation page: a POST form to `/logout/confirm` whose token the cookie
/// carries too; answers the token.
fn confirmation(page: &Page, browser: &Browser) -> String {
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.location.is_none());
    assert!(
        page.body
            .contains("method=\"post\" action=\"/logout/confirm\""),
        "{}",
        page.body
    );
    let token = page.hidden("logout");
    assert_eq!(browser.cookies.get("latchkey_logout"), Some(&token));
    token
}

#[actix_rt::test]
async fn without_a_hint_the_customer_confirms_on_a_page_before_being_signed_out() {
    let (server, admin) = server_with_ana().await;
    let (client, _, mut browser, _) = signed_in_client(&server, &admin).await;
    let url = logout_url(&[
        ("client_id", &client),
        ("post_logout_redirect_uri", BYE),
        ("state", "bye-1"),
    ]);
    let page = browser.get(&url).await;
    let token = confirmation(&page, &browser);
    assert!(page.body.contains("MásMóvil"), "the tenant's name");
    // The confirmation's answer redirects to the client: Chrome checks `form-action` on it.
    let csp = page.csp.clone().unwrap_or_default();
    assert!(
        csp.contains("form-action 'self' https://app.example"),
        "the page's form may lead to the client: {csp}"
    );
    assert!(signed_in(&mut browser, &client).await, "nothing ended yet");

    // A page of another site posts the form: the browser does not send the cookie.
    let mut elsewhere = Browser::new(&server);
    elsewhere.cookies = browser.cookies.clone();
    elsewhere.cookies.remove("latchkey_logout");
    let forged = elsewhere
        .post("/logout/confirm", &[("logout", &token)])
        .await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST, "{}", forged.body);
    assert!(
        signed_in(&mut browser, &client).await,
        "a forged form ends nothing"
    );

    let done = browser.post("/logout/confirm", &[("logout", &token)]).await;
    assert_eq!(done.status, StatusCode::FOUND, "{}", done.body);
    assert_eq!(
        done.location.as_deref(),
        Some(&*format!("{BYE}?state=bye-1"))
    );
    assert!(!signed_in(&mut browser, &client).await, "signed out");
    // The confirmation is single use.
    browser
        .cookies
        .insert("latchkey_logout".to_owned(), token.clone());
    let again = browser.post("/logout/confirm", &[("logout", &token)]).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
}

#[actix_rt::test]
async fn a_valid_hint_signs_out_at_once_even_when_it_has_expired() {
    // ID tokens live as long as access tokens: 3 s here. Tokens carry whole seconds, so one
    // lives at least 2 s: a fresh admin token is ample for the setup, however loaded the host.
    let (server, _) = server_with_ana_and(|c| c.access_token_ttl = 3).await;
    let admin = server.admin_token(None).await;
    let (client, _, mut browser, id_token) = signed_in_client(&server, &admin).await;
    actix_rt::time::sleep(std::time::Duration::from_millis(3100)).await;
    let page = browser
        .get(&logout_url(&[
            ("id_token_hint", &id_token),
            ("post_logout_redirect_uri", BYE),
            ("state", "s-2"),
        ]))
        .await;
    assert_eq!(page.status, StatusCode::FOUND, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some(&*format!("{BYE}?state=s-2")));
    assert!(!signed_in(&mut browser, &client).await);
}

#[actix_rt::test]
async fn a_hint_that_is_not_ours_or_of_another_client_is_refused() {
    let (server, admin) = server_with_ana().await;
    let (client, _, mut browser, id_token) = signed_in_client(&server, &admin).await;
    let (other, _) = client_for_logout(&server, &admin).await;
    // Our token, presented for another client.
    let mismatched = logout_url(&[("id_token_hint", &id_token), ("client_id", &other)]);
    // A changed signature, a changed payload, one signed with a key of our own making, an
    // access token.
    let parts: Vec<&str> = id_token.split('.').collect();
    let mut signature = parts[2].to_owned().into_bytes();
    signature[5] = if signature[5] == b'A' { b'B' } else { b'A' };
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        parts[1],
        String::from_utf8(signature).unwrap()
    );
    let claims = payload(&id_token);
    let forged = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"attacker"),
    )
    .unwrap();
    let access = server.admin_token(None).await;
    for url in [
        mismatched,
        logout_url(&[("id_token_hint", &tampered)]),
        logout_url(&[("id_token_hint", &forged)]),
        logout_url(&[("id_token_hint", &access)]),
        logout_url(&[("id_token_hint", "not-a-token")]),
        logout_url(&[("client_id", "no-such-client")]),
    ] {
        let page = browser.get(&url).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{url}: {}", page.body);
        assert!(page.location.is_none());
        assert!(
            signed_in(&mut browser, &client).await,
            "{url} ended nothing"
        );
    }
    // The same hint with its own client_id: accepted.
    let page = browser
        .get(&logout_url(&[
            ("id_token_hint", &id_token),
            ("client_id", &client),
        ]))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(!signed_in(&mut browser, &client).await);
}

#[actix_rt::test]
async fn only_a_uri_that_very_client_registered_for_logout_is_a_destination() {
    let (server, admin) = server_with_ana().await;
    let (client, _, mut browser, id_token) = signed_in_client(&server, &admin).await;
    let (other, _) = client_for_logout(&server, &admin).await;
    for url in [
        // Its redirect URI is for codes, not for logouts.
        logout_url(&[
            ("id_token_hint", &id_token),
            ("post_logout_redirect_uri", CALLBACK),
        ]),
        // Another client's logout URI.
        logout_url(&[
            ("id_token_hint", &id_token),
            ("post_logout_redirect_uri", "https://other.example/bye"),
        ]),
        logout_url(&[
            ("client_id", &client),
            ("post_logout_redirect_uri", "https://evil.example/"),
        ]),
        // No client to check it against.
        logout_url(&[("post_logout_redirect_uri", BYE)]),
        logout_url(&[("client_id", &other), ("post_logout_redirect_uri", BYE)]),
    ] {
        let page = browser.get(&url).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{url}: {}", page.body);
        assert!(page.location.is_none(), "{url} must not redirect");
        assert!(
            signed_in(&mut browser, &client).await,
            "{url} ended nothing"
        );
    }
}

/// Another client, registered for logout at `https://other.example/bye`.
async fn client_for_logout(server: &TestServer, admin: &str) -> (String, String) {
    client(
        server,
        admin,
        json!({"post_logout_redirect_uris": ["https://other.example/bye"]}),
    )
    .await
}

#[actix_rt::test]
async fn a_hint_of_another_customer_does_not_sign_this_browser_out_unasked() {
    let (server, admin) = server_with_ana().await;
    server
        .active_credential(&admin, ORG, "bob@example.com", PASSWORD)
        .await;
    let (client, secret, mut browser, _) = signed_in_client(&server, &admin).await;
    // Bob signs in on his own browser: his ID token is a valid hint, but not for ana's session.
    let mut bobs = Browser::new(&server);
    let page = bobs.get(&authorize_url(&client, &[])).await;
    let done = bobs.sign_in(&page, "bob@example.com", PASSWORD).await;
    let code = done.redirect_params()["code"].clone();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CALLBACK),
        ("code_verifier", crate::hardening_protocol::VERIFIER),
    ];
    let bob_tokens = crate::hardening_protocol::post_as(&server, "/token", &client, &secret, &form)
        .await
        .expect_json(200);
    let hint = bob_tokens["id_token"].as_str().unwrap();
    let page = browser
        .get(&logout_url(&[
            ("id_token_hint", hint),
            ("post_logout_redirect_uri", BYE),
        ]))
        .await;
    confirmation(&page, &browser);
    assert!(
        signed_in(&mut browser, &client).await,
        "asked, not signed out"
    );
}

#[actix_rt::test]
async fn post_logout_redirect_uris_are_registered_and_kept() {
    let (server, admin) = server_with_ana().await;
    let created = register(&server, &admin, json!({"post_logout_redirect_uris": [BYE]}))
        .await
        .expect_json(201);
    assert_eq!(created["post_logout_redirect_uris"], json!([BYE]));
    let listed = server.get("/v1/clients", &admin).await.expect_json(200);
    let found = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client_id"] == created["client_id"])
        .unwrap();
    assert_eq!(found["post_logout_redirect_uris"], json!([BYE]));
    let refused = register(
        &server,
        &admin,
        json!({"post_logout_redirect_uris": ["http://app.example/bye"]}),
    )
    .await;
    assert_eq!(refused.expect_error(400), "client.invalid_redirect_uri");
}

#[actix_rt::test]
async fn the_signed_out_page_names_the_tenant() {
    let (server, admin) = server_with_ana().await;
    let (_, _, mut browser, id_token) = signed_in_client(&server, &admin).await;
    let page = browser
        .get(&logout_url(&[
            ("id_token_hint", &id_token),
            ("ui_locales", "en"),
        ]))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("You are signed out."), "{}", page.body);
    assert!(page.body.contains("MásMóvil"), "{}", page.body);
}

#[actix_rt::test]
async fn the_ciba_approval_page_names_the_tenant() {
    let sink = SmtpSink::start();
    let url = sink.url();
    let server = TestServer::start_with(move |c| c.smtp_url = Some(url.into())).await;
    let admin = server.admin_token(None).await;
    server.active_credential(&admin, ORG, ANA, PASSWORD).await;
    let (id, secret) = client(
        &server,
        &admin,
        json!({"grant_types": ["ciba"], "redirect_uris": []}),
    )
    .await;
    let response = server
        .http
        .post(server.url("/bc-authorize"))
        .basic_auth(&id, &secret)
        .send_form(&[("login_hint", ANA), ("scope", "openid")])
        .await;
    collect(response).await.expect_json(200);
    let email = mail_parser::MessageParser::default()
        .parse(&sink.wait_for(1)[0])
        .unwrap()
        .body_text(0)
        .unwrap()
        .into_owned();
    let start = email.find("/ciba?").unwrap();
    let path: String = email[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let mut browser = Browser::new(&server);
    let page = browser.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("<p class=\"tenant\">MásMóvil</p>"),
        "{}",
        page.body
    );
}

/// The payload of a JWT, unverified.
fn payload(token: &str) -> serde_json::Value {
    use base64::Engine as _;
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap(),
    )
    .unwrap()
}
