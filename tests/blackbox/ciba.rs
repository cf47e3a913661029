//! CIBA poll mode (OpenID CIBA Core 1.0) as a client and a customer use it: `/bc-authorize`,
//! the message with the binding message and the approval link (read from a real SMTP server),
//! the approval page in a browser, and the polls of `/token`.

use crate::login::{Browser, collect, login_client};
use actix_web::http::StatusCode;
use latchkey_testkit::smtp_sink::SmtpSink;
use latchkey_tests::{Answer, TestServer};
use mail_parser::MessageParser;

const ORG: &str = "masmovil";
const ANA: &str = "ana@example.com";
const BOB: &str = "bob@example.com";
const PASSWORD: &str = "correct horse battery staple";
const CIBA: &str = "urn:openid:params:grant-type:ciba";

async fn setup(sink: &SmtpSink) -> (TestServer, String, String) {
    let url = sink.url();
    let server = TestServer::start_with(move |c| c.smtp_url = Some(url.into())).await;
    let admin = server.admin_token(None).await;
    server.active_credential(&admin, ORG, ANA, PASSWORD).await;
    server.active_credential(&admin, ORG, BOB, PASSWORD).await;
    let (id, secret) = login_client(&server, false, &["ciba", "refresh_token"]).await;
    (server, id, secret)
}

async fn bc_authorize(
    server: &TestServer,
    id: &str,
    secret: &str,
    form: &[(&str, &str)],
) -> Answer {
    let response = server
        .http
        .post(server.url("/bc-authorize"))
        .basic_auth(id, secret)
        .send_form(&form)
        .await;
    collect(response).await
}

async fn poll(server: &TestServer, id: &str, secret: &str, auth_req_id: &str) -> Answer {
    server
        .token_request(
            id,
            secret,
            &[("grant_type", CIBA), ("auth_req_id", auth_req_id)],
        )
        .await
}

/// The approval link's path and query, and the text of the message.
fn approval_link(raw: &[u8]) -> (String, String) {
    let email = MessageParser::default().parse(raw).unwrap();
    let text = email.body_text(0).unwrap().into_owned();
    let start = text
        .find("http")
        .unwrap_or_else(|| panic!("no link in: {text}"));
    let link: String = text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let path = link.find("/ciba?").map(|i| link[i..].to_owned()).unwrap();
    (path, text)
}

/// Signs in on the approval page; answers the approve-or-deny page.
async fn sign_in_to_approve(
    browser: &mut Browser,
    path: &str,
    username: &str,
) -> crate::login::Page {
    let page = browser.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    browser.sign_in(&page, username, PASSWORD).await
}

#[actix_rt::test]
async fn an_approved_request_gives_tokens_exactly_once() {
    let sink = SmtpSink::start();
    let (server, id, secret) = setup(&sink).await;
    let started = bc_authorize(
        &server,
        &id,
        &secret,
        &[
            ("login_hint", ANA),
            ("binding_message", "BX-42"),
            ("scope", "openid devices offline_access"),
        ],
    )
    .await
    .expect_json(200);
    assert_eq!(started["expires_in"], 120);
    assert_eq!(started["interval"], 5);
    let req_id = started["auth_req_id"].as_str().unwrap().to_owned();
    assert_eq!(
        poll(&server, &id, &secret, &req_id)
            .await
            .expect_oauth_error(400),
        "authorization_pending"
    );
    assert_eq!(
        poll(&server, &id, &secret, &req_id)
            .await
            .expect_oauth_error(400),
        "slow_down"
    );

    let (path, text) = approval_link(&sink.wait_for(1)[0]);
    assert!(
        text.contains("BX-42"),
        "the binding message is in the message: {text}"
    );
    let mut browser = Browser::new(&server);
    let page = browser.get(&path).await;
    assert!(page.body.contains("BX-42"), "and on the approval page");
    let decision = browser.sign_in(&page, ANA, PASSWORD).await;
    assert_eq!(decision.status, StatusCode::OK, "{}", decision.body);
    let consent = decision.hidden("consent");
    let approved = browser
        .post(
            "/ciba/decide",
            &[("consent", &consent), ("decision", "approve")],
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    let again = browser
        .post(
            "/ciba/decide",
            &[("consent", &consent), ("decision", "deny")],
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::BAD_REQUEST,
        "a decision is taken once"
    );

    let tokens = poll(&server, &id, &secret, &req_id).await.expect_json(200);
    assert!(
        tokens["access_token"].is_string() && tokens["id_token"].is_string(),
        "{tokens}"
    );
    assert!(
        tokens["refresh_token"].is_string(),
        "offline_access: {tokens}"
    );
    assert_eq!(
        poll(&server, &id, &secret, &req_id)
            .await
            .expect_oauth_error(400),
        "invalid_grant"
    );
}

#[actix_rt::test]
async fn a_denied_request_answers_access_denied_and_another_account_cannot_approve() {
    let sink = SmtpSink::start();
    let (server, id, secret) = setup(&sink).await;
    let started = bc_authorize(&server, &id, &secret, &[("login_hint", ANA)])
        .await
        .expect_json(200);
    let req_id = started["auth_req_id"].as_str().unwrap().to_owned();
    let (path, _) = approval_link(&sink.wait_for(1)[0]);
    let mut mallory = Browser::new(&server);
    let wrong = sign_in_to_approve(&mut mallory, &path, BOB).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN, "{}", wrong.body);
    let mut browser = Browser::new(&server);
    let decision = sign_in_to_approve(&mut browser, &path, ANA).await;
    let consent = decision.hidden("consent");
    let denied = browser
        .post(
            "/ciba/decide",
            &[("consent", &consent), ("decision", "deny")],
        )
        .await;
    assert_eq!(denied.status, StatusCode::OK);
    assert_eq!(
        poll(&server, &id, &secret, &req_id)
            .await
            .expect_oauth_error(400),
        "access_denied"
    );
    let gone = browser.get(&path).await;
    assert_eq!(gone.status, StatusCode::BAD_REQUEST, "no longer pending");
}

#[actix_rt::test]
async fn bc_authorize_errors_follow_ciba_core() {
    let sink = SmtpSink::start();
    let (server, id, secret) = setup(&sink).await;
    let cases: [(&[(&str, &str)], &str); 4] = [
        (&[], "invalid_request"),
        (&[("login_hint", "nobody@example.com")], "unknown_user_id"),
        (
            &[("login_hint", ANA), ("binding_message", &"x".repeat(101))],
            "invalid_binding_message",
        ),
        (
            &[("login_hint", ANA), ("scope", "openid credentials:admin")],
            "invalid_scope",
        ),
    ];
    for (form, error) in cases {
        let answer = bc_authorize(&server, &id, &secret, form).await;
        assert_eq!(answer.expect_oauth_error(400), error, "{form:?}");
    }
    let answer = bc_authorize(&server, &id, "wrong", &[("login_hint", ANA)]).await;
    assert_eq!(answer.expect_oauth_error(401), "invalid_client");
    let (code_only, code_secret) = login_client(&server, false, &["authorization_code"]).await;
    let answer = bc_authorize(&server, &code_only, &code_secret, &[("login_hint", ANA)]).await;
    assert_eq!(answer.expect_oauth_error(400), "unauthorized_client");
    assert_eq!(
        poll(&server, &id, &secret, "no-such-request")
            .await
            .expect_oauth_error(400),
        "invalid_grant"
    );
    let discovery = server
        .call("GET", "/.well-known/openid-configuration", None, None)
        .await
        .expect_json(200);
    assert_eq!(
        discovery["backchannel_token_delivery_modes_supported"],
        serde_json::json!(["poll"])
    );
    assert_eq!(
        discovery["backchannel_authentication_endpoint"],
        format!("{}/bc-authorize", server.base)
    );
}
