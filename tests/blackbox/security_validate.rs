//! The security service for sibling services and for the links it e-mails:
//! `GET /api/v1/validateToken` (a `tokens:validate` service token, or `X-API-KEY` +
//! `X-INTERNAL-NAME` of a configured service; 403 code 8 or 9 for a token not live), and the
//! `/api/v1/actionLink` pages (e-mail verification, password reset), their links read from the
//! SMTP sink.

use crate::security_oauth2::{
    PASSWORD, ROOT, access, create_operator, expect_code, expect_detail, mails, oauth2,
    root_tokens, send, sign_in, start, with_token,
};
use latchkey_testkit::smtp_sink::SmtpSink;
use latchkey_tests::{Answer, TestServer};
use serde_json::{Value, json};
use std::time::Duration;

const SERVICE_KEY: &str = "owgw-service-key-0123456789abcdef";

fn services() -> String {
    json!([{
        "type": "owgw", "id": 1, "uri": "https://gw.example.com:16002",
        "privateUri": "https://owgw.internal:17002", "key": SERVICE_KEY
    }])
    .to_string()
}

async fn validate(server: &TestServer, token: &str, headers: &[(&str, &str)]) -> Answer {
    let path = format!("/api/v1/validateToken?token={token}");
    send(server, "GET", &path, headers, Some(&json!({"ignored": 1}))).await
}

#[actix_rt::test]
async fn validate_token_answers_a_live_token_to_services_only() {
    let server = start(|c| c.security.system_services = Some(services().into())).await;
    let token = access(&root_tokens(&server).await);
    let service = server
        .client_token(&["tokens:validate"], &["masmovil"])
        .await;
    let bearer = format!("Bearer {service}");

    let answer = validate(&server, &token, &[("authorization", &bearer)]).await;
    let body = answer.expect_json(200);
    assert_eq!(body["userInfo"]["email"], ROOT);
    assert_eq!(body["userInfo"]["userRole"], "root");
    assert_eq!(body["userInfo"]["currentPassword"], "");
    assert_eq!(body["tokenInfo"]["access_token"], token.as_str());
    assert_eq!(body["tokenInfo"]["refresh_token"], "");
    assert_eq!(body["tokenInfo"]["username"], ROOT);
    assert!(body["tokenInfo"]["expires_in"].as_i64().unwrap() > 0);

    // The configured service, by any of its names, with its key.
    for name in ["owgw", "https://owgw.internal:17002"] {
        let headers = [("x-api-key", SERVICE_KEY), ("x-internal-name", name)];
        validate(&server, &token, &headers).await.expect_json(200);
    }
    let wrong_key = [
        ("x-api-key", "not-the-key-of-it-at-all"),
        ("x-internal-name", "owgw"),
    ];
    expect_code(&validate(&server, &token, &wrong_key).await, 403, 8);
    expect_code(&validate(&server, &token, &[]).await, 403, 8);
    // Neither an operator nor a service without the scope may ask.
    let operator = format!("Bearer {token}");
    expect_code(
        &validate(&server, &token, &[("authorization", &operator)]).await,
        403,
        8,
    );
    let scopeless = server.client_token(&["tokens"], &["masmovil"]).await;
    let scopeless = format!("Bearer {scopeless}");
    expect_code(
        &validate(&server, &token, &[("authorization", &scopeless)]).await,
        403,
        7,
    );

    let missing = send(
        &server,
        "GET",
        "/api/v1/validateToken",
        &[("authorization", &bearer)],
        None,
    )
    .await;
    expect_detail(&missing, 1018);
    expect_code(
        &validate(&server, "garbage", &[("authorization", &bearer)]).await,
        403,
        8,
    );
    // An empty token is a token that is not live.
    let empty = validate(&server, "", &[("authorization", &bearer)]).await;
    expect_code(&empty, 403, 8);
    // A signed-out token is dead for the services at once.
    let path = format!("/api/v1/oauth2/{token}");
    assert_eq!(
        with_token(&server, "DELETE", &path, &token).await.code(),
        204
    );
    expect_code(
        &validate(&server, &token, &[("authorization", &bearer)]).await,
        403,
        8,
    );
}

#[actix_rt::test]
async fn an_expired_token_is_refused_with_9() {
    let server = start(|c| c.security.operator_token_ttl = 1).await;
    let token = access(&root_tokens(&server).await);
    let service = server
        .client_token(&["tokens:validate"], &["masmovil"])
        .await;
    let bearer = format!("Bearer {service}");
    validate(&server, &token, &[("authorization", &bearer)])
        .await
        .expect_json(200);
    actix_rt::time::sleep(Duration::from_millis(2100)).await;
    expect_code(
        &validate(&server, &token, &[("authorization", &bearer)]).await,
        403,
        9,
    );
    let me = with_token(&server, "GET", "/api/v1/oauth2?me=true", &token).await;
    expect_code(&me, 403, 9);
}

/// The path (and query) of the first `/api/v1/actionLink` link in `text`.
fn action_path(text: &str) -> String {
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/api/v1/actionLink?"))
        .unwrap_or_else(|| panic!("no link in: {text}"));
    format!("/api/v1/{}", link.split_once("/api/v1/").unwrap().1)
}

fn link_id(path: &str) -> String {
    let query = path.split_once('?').unwrap().1;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
    pairs.into_iter().find(|(k, _)| k == "id").unwrap().1
}

async fn post_form(server: &TestServer, form: &[(&str, &str)]) -> Answer {
    let response = server
        .http
        .post(server.url("/api/v1/actionLink"))
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .send_body(serde_urlencoded::to_string(form).unwrap())
        .await;
    latchkey_tests::http::read_answer(response).await.unwrap()
}

fn page(answer: &Answer, status: u16) -> String {
    assert_eq!(answer.code(), status, "{}", answer.text());
    let kind = answer.header("content-type").unwrap_or_default();
    assert!(kind.starts_with("text/html"), "{kind}");
    answer.text()
}

#[actix_rt::test]
async fn a_reset_link_shows_a_form_that_sets_the_password_once() {
    let sink = SmtpSink::start();
    let url = sink.url();
    let server = start(move |c| c.smtp_url = Some(url.into())).await;
    let root = access(&root_tokens(&server).await);
    create_operator(&server, &root, "dan@oauth2.test").await;
    let token = access(&sign_in(&server, "dan@oauth2.test", PASSWORD).await);
    let body = json!({"userId": "dan@oauth2.test"});
    oauth2(&server, "?forgotPassword=true", &body)
        .await
        .expect_json(200);
    let path = action_path(&mails(&sink, 1)[0]);
    let id = link_id(&path);

    let form = page(&send(&server, "GET", &path, &[], None).await, 200);
    assert!(form.contains("name=\"password\""), "{form}");
    let new = "Brand-new-pass-44";
    let reset = |password: &'static str, confirm: &'static str| {
        let id = id.clone();
        let server = &server;
        async move {
            let form = [
                ("action", "password_reset"),
                ("id", id.as_str()),
                ("password", password),
                ("confirm", confirm),
            ];
            post_form(server, &form).await
        }
    };
    page(&reset(new, "something-else-1").await, 400);
    page(&reset("short", "short").await, 400);
    page(&reset(PASSWORD, PASSWORD).await, 400);
    page(&reset(new, new).await, 200);
    // The new password signs in, the old one does not, and the old session is over.
    sign_in(&server, "dan@oauth2.test", new).await;
    let old = json!({"userId": "dan@oauth2.test", "password": PASSWORD});
    expect_code(&oauth2(&server, "", &old).await, 403, 2);
    let me = with_token(&server, "GET", "/api/v1/oauth2?me=true", &token).await;
    expect_code(&me, 403, 8);
    // The link worked once.
    page(&reset("Another-pass-55", "Another-pass-55").await, 400);
}

#[actix_rt::test]
async fn a_verification_link_proves_the_address_once() {
    let sink = SmtpSink::start();
    let url = sink.url();
    let server = start(move |c| c.smtp_url = Some(url.into())).await;
    let root = access(&root_tokens(&server).await);
    let auth = format!("Bearer {root}");
    let body = json!({"id": "0", "email": "eva@oauth2.test", "currentPassword": PASSWORD, "userRole": "admin"});
    let created = send(
        &server,
        "POST",
        "/api/v1/user/0?email_verification=true",
        &[("authorization", &auth)],
        Some(&body),
    )
    .await;
    let created: Value = created.expect_json(200);
    let id = created["id"].as_str().unwrap().to_owned();
    // Pending verification: sign-in is refused with 4.
    let pending = json!({"userId": "eva@oauth2.test", "password": PASSWORD});
    expect_code(&oauth2(&server, "", &pending).await, 403, 4);

    let path = action_path(&mails(&sink, 1)[0]);
    assert!(path.contains("action=email_verification"), "{path}");
    page(&send(&server, "GET", &path, &[], None).await, 200);
    let user = send(
        &server,
        "GET",
        &format!("/api/v1/user/{id}"),
        &[("authorization", &auth)],
        None,
    )
    .await;
    let user = user.expect_json(200);
    assert_eq!(user["validated"], true, "{user}");
    assert_eq!(user["waitingForEmailCheck"], false, "{user}");
    sign_in(&server, "eva@oauth2.test", PASSWORD).await;
    // Used once.
    page(&send(&server, "GET", &path, &[], None).await, 400);
}

#[actix_rt::test]
async fn bad_links_answer_pages() {
    let server = start(|_| {}).await;
    let unknown = "/api/v1/actionLink?action=email_verification&id=nothing-like-a-link";
    page(&send(&server, "GET", unknown, &[], None).await, 400);
    let action = "/api/v1/actionLink?action=sign_up&id=x";
    page(&send(&server, "GET", action, &[], None).await, 400);
    page(
        &send(&server, "GET", "/api/v1/actionLink", &[], None).await,
        400,
    );
    let put = send(&server, "PUT", "/api/v1/actionLink", &[], None).await;
    page(&put, 405);
    assert_eq!(put.header("allow").as_deref(), Some("GET, POST"));
}
