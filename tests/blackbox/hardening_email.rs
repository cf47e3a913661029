//! `email_verified` (OpenID Connect Core §5.1) is true only once the address was proven: a link
//! sent to it was used. A credential created (and its password set) through the API proves
//! nothing about the address, however long it has existed.

use crate::login::{Browser, login_client};
use actix_web::http::StatusCode;
use latchkey_testkit::smtp_sink::SmtpSink;
use latchkey_tests::{TestServer, credential_path};
use mail_parser::MessageParser;
use serde_json::{Value, json};

const ORG: &str = "masmovil";
const ANA: &str = "ana@example.com";
const PASSWORD: &str = "correct horse battery staple";
const NEW_PASSWORD: &str = "a brand new passphrase";
const CALLBACK: &str = "https://app.example/callback";
/// RFC 7636 Appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// Signs ana in through the pages with `password` and answers `/userinfo` for her token.
async fn userinfo_after_sign_in(
    server: &TestServer,
    client: &str,
    secret: &str,
    password: &str,
) -> Value {
    let query = serde_urlencoded::to_string([
        ("client_id", client),
        ("response_type", "code"),
        ("redirect_uri", CALLBACK),
        ("state", "s-1"),
        ("scope", "openid email"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ])
    .unwrap();
    let mut browser = Browser::new(server);
    let page = browser.get(&format!("/authorize?{query}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let done = browser.sign_in(&page, ANA, password).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let code = done.redirect_params()["code"].clone();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CALLBACK),
        ("code_verifier", VERIFIER),
    ];
    let tokens = server
        .token_request(client, secret, &form)
        .await
        .expect_json(200);
    let access = tokens["access_token"].as_str().unwrap();
    server.get("/userinfo", access).await.expect_json(200)
}

/// The `token` of the link of the last of `messages` that carries one.
fn link_token(messages: &[Vec<u8>]) -> String {
    let link = messages
        .iter()
        .rev()
        .find_map(|raw| {
            let email = MessageParser::default().parse(raw).expect("a MIME message");
            let text = email.body_text(0).unwrap_or_default().into_owned();
            text.split_whitespace()
                .find(|w| w.starts_with("http") && w.contains("?token="))
                .map(str::to_owned)
        })
        .expect("an e-mail with a link");
    let query = link.split_once('?').unwrap().1;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
    pairs.into_iter().find(|(k, _)| k == "token").unwrap().1
}

#[actix_rt::test]
async fn email_verified_needs_a_link_sent_to_the_address_not_an_api_call() {
    let sink = SmtpSink::start();
    let url = sink.url();
    let server = TestServer::start_with(move |c| c.smtp_url = Some(url.into())).await;
    let admin = server.admin_token(None).await;
    // Created and activated through the API: the address was never proven.
    server.active_credential(&admin, ORG, ANA, PASSWORD).await;
    let (client, secret) = login_client(&server, false, &["authorization_code"]).await;
    let info = userinfo_after_sign_in(&server, &client, &secret, PASSWORD).await;
    assert_eq!(info["email"], ANA);
    assert_eq!(info["email_verified"], false, "{info}");

    // A reset link sent to the address, and used: now it is proven.
    let reset = server
        .call(
            "POST",
            &format!("/v1/orgs/{ORG}/flows/reset_password"),
            Some(&admin),
            Some(&json!({"username": ANA})),
        )
        .await;
    assert_eq!(reset.code(), 204, "{}", reset.text());
    // The first e-mail announced the new device; the second carries the link.
    let token = link_token(&sink.wait_for(2));
    let set = server
        .call(
            "PUT",
            &credential_path(ORG, ANA),
            Some(&admin),
            Some(&json!({"password": NEW_PASSWORD, "token": token})),
        )
        .await;
    assert_eq!(set.code(), 204, "{}", set.text());
    let info = userinfo_after_sign_in(&server, &client, &secret, NEW_PASSWORD).await;
    assert_eq!(info["email_verified"], true, "{info}");
}
