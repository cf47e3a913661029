//! One subscriber driven through both APIs: created by an operator with
//! `POST /api/v1/subuser/0`, read and patched through the Credentials API (a service token),
//! signed in through the login server (the authorization code flow with PKCE, in a browser
//! that keeps cookies) and through `/suboauth2`. Both tokens are customer tokens that the
//! Credentials API accepts for the subscriber's own credential, and for no other.

use crate::login::{Browser, login_client};
use crate::security_oauth2::expect_code;
use crate::security_suboauth2::{access, assert_web_token, bearer, devices, sign_in, suboauth2};
use crate::security_subusers::{ORG, SUB_PASSWORD, on, subscriber};
use crate::security_users::{root_token, start_with};
use actix_web::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_testkit::smtp_sink::SmtpSink;
use latchkey_tests::{TestServer, credential_path};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const EVA: &str = "eva@both.test";
/// One of the redirect URIs `login_client` registers.
const CALLBACK: &str = "https://app.example/callback";
const VERIFIER: &str = "a-pkce-verifier-of-the-both-apis-test-0123456789";

/// The login server's tokens for `username`, through `/authorize` and the login page, then
/// the code exchanged at `/token` (PKCE S256).
async fn login_server_tokens(server: &TestServer, username: &str, password: &str) -> Value {
    let (client, secret) =
        login_client(server, false, &["authorization_code", "refresh_token"]).await;
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()));
    let params = [
        ("client_id", client.as_str()),
        ("response_type", "code"),
        ("redirect_uri", CALLBACK),
        ("state", "both-apis"),
        ("scope", "openid devices"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let mut browser = Browser::new(server);
    let url = format!(
        "/authorize?{}",
        serde_urlencoded::to_string(params).unwrap()
    );
    let page = browser.get(&url).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let done = browser.sign_in(&page, username, password).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let code = done.redirect_params()["code"].clone();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CALLBACK),
        ("code_verifier", VERIFIER),
    ];
    server
        .token_request(&client, &secret, &form)
        .await
        .expect_json(200)
}

#[actix_rt::test]
async fn one_subscriber_through_the_security_service_and_the_credentials_api() {
    let sink = SmtpSink::start();
    let url = sink.url();
    let server = start_with(move |c| {
        c.security.subscriber_org = Some(latchkey_core::OrgId::parse(ORG).unwrap());
        c.smtp_url = Some(url.into());
    })
    .await;
    let root = root_token(&server).await;
    let admin = server.admin_token(None).await;

    // Created here...
    let created = subscriber(&server, &root, EVA, "Eva").await;
    let id = created["id"].as_str().unwrap().to_owned();
    // ...is a credential there, read and patched with a service token.
    let path = credential_path(ORG, EVA);
    let there = server.get(&path, &admin).await.expect_json(200);
    assert_eq!(there["id"], id.as_str(), "{there}");
    assert_eq!(there["enabled"], true);
    let patch = json!({"enabled": true, "require2fa": true});
    let patched = server
        .call("PATCH", &path, Some(&admin), Some(&patch))
        .await;
    assert_eq!(patched.code(), 204, "{}", patched.text());
    let read = on(
        &server,
        "GET",
        &format!("/api/v1/subuser/{id}"),
        &root,
        ORG,
        None,
    )
    .await;
    let read = read.expect_json(200);
    assert_eq!(
        read["userTypeProprietaryInfo"]["mfa"]["enabled"], true,
        "{read}"
    );
    let patch = json!({"enabled": true, "require2fa": false});
    let patched = server
        .call("PATCH", &path, Some(&admin), Some(&patch))
        .await;
    assert_eq!(patched.code(), 204, "{}", patched.text());

    // Signed in through the login server: its token reaches the own credential.
    let login = login_server_tokens(&server, EVA, SUB_PASSWORD).await;
    let login_token = login["access_token"].as_str().unwrap().to_owned();
    assert_eq!(devices(&server, &login_token, EVA).await.code(), 200);

    // And through /suboauth2: the same kind of token, for the same credential.
    let tokens = sign_in(&server, EVA, SUB_PASSWORD).await;
    assert_web_token(&tokens, EVA);
    let token = access(&tokens);
    let own = devices(&server, &token, EVA).await.expect_json(200);
    assert_eq!(
        own["devices"].as_array().unwrap().len(),
        2,
        "the login server's session and this one: {own}"
    );
    let me = bearer(&server, "GET", "/api/v1/suboauth2?me=true", &token).await;
    assert_eq!(me.expect_json(200)["id"], id.as_str());
    // The login server's token is a subscriber's token here too.
    let me = bearer(&server, "GET", "/api/v1/suboauth2?me=true", &login_token).await;
    assert_eq!(me.expect_json(200)["id"], id.as_str());

    // Another subscriber's credential: refused to both tokens.
    let other = "tom@both.test";
    subscriber(&server, &root, other, "Tom").await;
    for token in [&token, &login_token] {
        let refused = devices(&server, token, other).await;
        assert_eq!(refused.expect_error(403), "auth.not_own_credential");
    }

    // Deleted here: a soft delete there, and the token dies with it.
    let deleted = on(
        &server,
        "DELETE",
        &format!("/api/v1/subuser/{id}"),
        &root,
        ORG,
        None,
    )
    .await;
    assert_eq!(deleted.code(), 200, "{}", deleted.text());
    assert_eq!(server.get(&path, &admin).await.code(), 404);
    assert_eq!(devices(&server, &token, EVA).await.code(), 401);

    // The profile beside the credential counts at sign-in: blacklisted (15), an e-mail
    // address still to prove (4); told only after the right password.
    let tom_id = on(
        &server,
        "GET",
        "/api/v1/subuser/tom@both.test?byEmail=true",
        &root,
        ORG,
        None,
    )
    .await
    .expect_json(200)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let black = json!({"blackListed": true});
    let path = format!("/api/v1/subuser/{tom_id}");
    on(&server, "PUT", &path, &root, ORG, Some(&black))
        .await
        .expect_json(200);
    let body = json!({"userId": other, "password": SUB_PASSWORD});
    expect_code(&suboauth2(&server, "", &body).await, 403, 15);
    let ida = "ida@both.test";
    let new = json!({"email": ida, "currentPassword": SUB_PASSWORD, "name": "Ida"});
    let query = "/api/v1/subuser/0?email_verification=true";
    on(&server, "POST", query, &root, ORG, Some(&new))
        .await
        .expect_json(200);
    let body = json!({"userId": ida, "password": SUB_PASSWORD});
    expect_code(&suboauth2(&server, "", &body).await, 403, 4);
    let wrong = json!({"userId": ida, "password": "Not-the-password-1"});
    expect_code(&suboauth2(&server, "", &wrong).await, 403, 2);
}
