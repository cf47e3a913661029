//! The security service's sign-in over HTTP (`/api/v1/oauth2`, `/api/v1/oauth2/{token}`,
//! `/api/v1/validateToken`), every flag and error code, with requests sent the way owsec's curl
//! CLI sends them: JSON without a content type, `Authorization: Bearer ` empty on sign-in, a body
//! on GET and DELETE. MFA codes and links are read from what was delivered (the SMTP sink, the
//! SMS gateway's recorder). The links' pages are `security_action_link`; two instances sharing a
//! challenge and a session are `security_oauth2_fleet`.

use crate::security_sign_in::{expect_guessing_slowed, resent_or_throttled};
use latchkey_testkit::http_recorder::HttpRecorder;
use latchkey_testkit::smtp_sink::SmtpSink;
use latchkey_tests::{Answer, TestServer};
use mail_parser::MessageParser;
use serde_json::{Value, json};

pub const ROOT: &str = "root@oauth2.test";
pub const ROOT_INITIAL: &str = "Initial-root-pass-1";
pub const ROOT_PASSWORD: &str = "Changed-root-pass-2";
pub const PASSWORD: &str = "Operator-pass-3x";

/// Sets the first root ([`ROOT`], which must change [`ROOT_INITIAL`]) on `c`.
pub fn with_root(c: &mut latchkey_server::config::ServerConfig) {
    c.security.root_email = Some(ROOT.to_owned());
    c.security.root_password = Some(ROOT_INITIAL.into());
}

/// A server with the first root, adjusted by `adjust`.
pub async fn start(adjust: impl FnOnce(&mut latchkey_server::config::ServerConfig)) -> TestServer {
    TestServer::start_with(|c| {
        with_root(c);
        adjust(c);
    })
    .await
}

/// Sends `method path` with `headers`, and `body` as JSON without a content type (`curl -d`).
pub async fn send(
    server: &TestServer,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Answer {
    let mut request = server
        .http
        .request(method.parse().unwrap(), server.url(path));
    for (name, value) in headers {
        request = request.insert_header((*name, *value));
    }
    let response = match body {
        Some(body) => request.send_body(body.to_string()).await,
        None => request.send().await,
    };
    latchkey_tests::http::read_answer(response).await.unwrap()
}

/// `POST /api/v1/oauth2{query}` as the CLI sends it: an empty bearer token.
pub async fn oauth2(server: &TestServer, query: &str, body: &Value) -> Answer {
    let path = format!("/api/v1/oauth2{query}");
    send(
        server,
        "POST",
        &path,
        &[("authorization", "Bearer ")],
        Some(body),
    )
    .await
}

/// `method path` with `token` as the bearer, and a body the server must ignore.
pub async fn with_token(server: &TestServer, method: &str, path: &str, token: &str) -> Answer {
    let auth = format!("Bearer {token}");
    let ignored = json!({"ignored": true});
    send(
        server,
        method,
        path,
        &[("authorization", &auth)],
        Some(&ignored),
    )
    .await
}

/// Asserts the plane's error body with `status` and `code`; its description.
pub fn expect_code(answer: &Answer, status: u16, code: u16) -> String {
    let body = answer.expect_json(status);
    assert_eq!(body["ErrorCode"], code, "{body}");
    assert!(body["ErrorDetails"].is_string(), "{body}");
    assert_eq!(body.as_object().unwrap().len(), 3, "{body}");
    let description = body["ErrorDescription"].as_str().unwrap().to_owned();
    if status == 403 || status == 429 || status == 503 {
        assert!(description.starts_with(&format!("{code}: ")), "{body}");
    }
    description
}

/// Asserts a 400 with the detail code `detail`.
pub fn expect_detail(answer: &Answer, detail: u16) {
    let description = expect_code(answer, 400, 400);
    assert!(
        description.starts_with(&format!("{detail}: ")),
        "{description}"
    );
}

/// The root's first sign-in, which sets [`ROOT_PASSWORD`]: its tokens.
pub async fn root_tokens(server: &TestServer) -> Value {
    let body = json!({"userId": ROOT, "password": ROOT_INITIAL, "newPassword": ROOT_PASSWORD});
    oauth2(server, "", &body).await.expect_json(200)
}

/// Signs in; the answer's JSON (tokens or a challenge).
pub async fn sign_in(server: &TestServer, email: &str, password: &str) -> Value {
    let body = json!({"userId": email, "password": password});
    oauth2(server, "", &body).await.expect_json(200)
}

pub fn access(tokens: &Value) -> String {
    tokens["access_token"].as_str().unwrap().to_owned()
}

/// Creates an operator with [`PASSWORD`] as `root`; its id.
pub async fn create_operator(server: &TestServer, root: &str, email: &str) -> String {
    let auth = format!("Bearer {root}");
    let body = json!({"id": "0", "email": email, "currentPassword": PASSWORD, "userRole": "admin", "locale": "en"});
    let answer = send(
        server,
        "POST",
        "/api/v1/user/0",
        &[("authorization", &auth)],
        Some(&body),
    )
    .await;
    answer.expect_json(200)["id"].as_str().unwrap().to_owned()
}

/// Turns MFA on for operator `id` (`email`, or `sms` to `mobile`).
pub async fn set_mfa(
    server: &TestServer,
    root: &str,
    id: &str,
    method: &str,
    mobile: Option<&str>,
) {
    let auth = format!("Bearer {root}");
    let mut info = json!({"mfa": {"enabled": true, "method": method}});
    if let Some(number) = mobile {
        info["mobiles"] = json!([{"number": number, "verified": true, "primary": true}]);
    }
    let body = json!({"userTypeProprietaryInfo": info});
    let path = format!("/api/v1/user/{id}");
    let answer = send(
        server,
        "PUT",
        &path,
        &[("authorization", &auth)],
        Some(&body),
    )
    .await;
    answer.expect_json(200);
}

/// The text of each e-mail delivered to `sink` so far (`count` of them, waited for).
pub fn mails(sink: &SmtpSink, count: usize) -> Vec<String> {
    sink.wait_for(count)
        .iter()
        .map(|raw| {
            let mail = MessageParser::default().parse(raw).unwrap();
            mail.body_text(0).unwrap_or_default().into_owned()
        })
        .collect()
}

/// The one-time code in a message: its first word of six digits.
pub fn code_in(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap_or_else(|| panic!("no code in: {text}"))
        .to_owned()
}

fn assert_web_token(tokens: &Value, email: &str) {
    for field in ["access_token", "refresh_token"] {
        assert!(!tokens[field].as_str().unwrap().is_empty(), "{tokens}");
    }
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["username"], email);
    assert_eq!(tokens["errorCode"], 0);
    assert!(tokens["expires_in"].as_i64().unwrap() > 0, "{tokens}");
    assert!(tokens["idle_timeout"].as_i64().unwrap() > 0, "{tokens}");
    assert!(
        tokens["created"].as_i64().unwrap() > 1_700_000_000,
        "{tokens}"
    );
    assert!(tokens["lastRefresh"].is_i64(), "{tokens}");
    assert!(tokens["aclTemplate"].is_object(), "{tokens}");
}

#[actix_rt::test]
async fn the_first_root_must_change_its_password_then_signs_in() {
    let server = start(|_| {}).await;
    let plain = json!({"userId": "ROOT@oauth2.test", "password": ROOT_INITIAL});
    expect_code(&oauth2(&server, "", &plain).await, 403, 1);
    let reused = json!({"userId": ROOT, "password": ROOT_INITIAL, "newPassword": ROOT_INITIAL});
    expect_code(&oauth2(&server, "", &reused).await, 403, 3);
    let weak = json!({"userId": ROOT, "password": ROOT_INITIAL, "newPassword": "short"});
    expect_code(&oauth2(&server, "", &weak).await, 403, 5);
    let wrong =
        json!({"userId": ROOT, "password": "not-the-password", "newPassword": ROOT_PASSWORD});
    expect_code(&oauth2(&server, "", &wrong).await, 403, 2);

    let tokens = root_tokens(&server).await;
    assert_web_token(&tokens, ROOT);
    assert_eq!(tokens["userMustChangePassword"], false);
    // From now on the new password signs in, the initial one does not.
    assert_web_token(&sign_in(&server, ROOT, ROOT_PASSWORD).await, ROOT);
    let old = json!({"userId": ROOT, "password": ROOT_INITIAL});
    expect_code(&oauth2(&server, "", &old).await, 403, 2);
}

#[actix_rt::test]
async fn unknown_users_and_bad_bodies_have_their_codes() {
    let server = start(|_| {}).await;
    let unknown = json!({"userId": "nobody@oauth2.test", "password": "whatever-it-is"});
    expect_code(&oauth2(&server, "", &unknown).await, 403, 2);
    let no_password = json!({"userId": ROOT});
    expect_detail(&oauth2(&server, "", &no_password).await, 1018);
    let path = "/api/v1/oauth2";
    let garbage = send(&server, "POST", path, &[], None).await;
    expect_detail(&garbage, 1003);
    let not_json = server
        .http
        .post(server.url(path))
        .send_body("userId=root&password=x")
        .await;
    let not_json = latchkey_tests::http::read_answer(not_json).await.unwrap();
    expect_detail(&not_json, 1003);
    let flag = oauth2(&server, "?requirements=maybe", &json!({})).await;
    expect_detail(&flag, 1018);
    let grant = oauth2(&server, "?grant_type=password", &json!({})).await;
    expect_detail(&grant, 1018);
    // Any other method: 405 with Allow, in this plane's body; any other path: 404.
    let put = send(&server, "PUT", path, &[], None).await;
    expect_code(&put, 405, 405);
    assert_eq!(put.header("allow").as_deref(), Some("POST, GET"));
    let missing = send(&server, "GET", "/api/v1/no-such-thing", &[], None).await;
    expect_code(&missing, 404, 404);
}

#[actix_rt::test]
async fn requirements_need_no_token() {
    let server = start(|_| {}).await;
    let answer = oauth2(&server, "?requirements=TRUE", &json!({})).await;
    let body = answer.expect_json(200);
    assert_eq!(body["passwordPattern"], "^[\\s\\S]{8,128}$");
    assert!(body["accessPolicy"].is_string() && body["passwordPolicy"].is_string());
}

#[actix_rt::test]
async fn me_answers_the_caller_without_secrets_and_refuses_bad_tokens_with_8() {
    let server = start(|_| {}).await;
    let token = access(&root_tokens(&server).await);
    let me = with_token(&server, "GET", "/api/v1/oauth2?me=true", &token).await;
    let me = me.expect_json(200);
    assert_eq!(me["email"], ROOT);
    assert_eq!(me["userRole"], "root");
    assert_eq!(me["currentPassword"], "");
    assert_eq!(me["lastPasswords"], json!([]));
    assert!(!me.to_string().contains("argon2"), "{me}");
    // The definition's spelling of every field, acronyms included.
    for field in [
        "validationURI",
        "currentLoginURI",
        "signupUUID",
        "blackListed",
    ] {
        assert!(me.get(field).is_some(), "{field} missing: {me}");
    }
    let flagless = with_token(&server, "GET", "/api/v1/oauth2", &token).await;
    expect_detail(&flagless, 1018);

    let none = send(&server, "GET", "/api/v1/oauth2?me=1", &[], None).await;
    expect_code(&none, 403, 8);
    let garbage = with_token(&server, "GET", "/api/v1/oauth2?me=1", "not.a.token").await;
    expect_code(&garbage, 403, 8);
    // A Credentials API service token is no operator's.
    let service = server.admin_token(None).await;
    let foreign = with_token(&server, "GET", "/api/v1/oauth2?me=1", &service).await;
    expect_code(&foreign, 403, 8);
}

#[actix_rt::test]
async fn a_refresh_rotates_and_the_old_refresh_token_is_refused_with_14() {
    let server = start(|_| {}).await;
    let first = root_tokens(&server).await;
    let refresh = first["refresh_token"].as_str().unwrap();
    let body = json!({"userId": ROOT, "refreshToken": refresh});
    let second = oauth2(&server, "?grant_type=refresh_token", &body).await;
    let second = second.expect_json(200);
    assert_web_token(&second, ROOT);
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    // The rotated token is spent.
    let again = oauth2(&server, "?grant_type=refresh_token", &body).await;
    expect_code(&again, 403, 14);
    // owsec's spelling of the field is read too.
    let spelled = json!({"refresh_token": second["refresh_token"]});
    let third = oauth2(&server, "?grant_type=refresh_token", &spelled).await;
    assert_web_token(&third.expect_json(200), ROOT);
    let unknown = json!({"refreshToken": "no-such-refresh-token"});
    expect_code(
        &oauth2(&server, "?grant_type=refresh_token", &unknown).await,
        403,
        14,
    );
}

#[actix_rt::test]
async fn sign_out_needs_the_token_itself_and_kills_it() {
    let server = start(|_| {}).await;
    let mine = access(&root_tokens(&server).await);
    let other = access(&sign_in(&server, ROOT, ROOT_PASSWORD).await);
    let path = format!("/api/v1/oauth2/{other}");
    let refused = with_token(&server, "DELETE", &path, &mine).await;
    expect_code(&refused, 403, 7);
    let signed_out = with_token(&server, "DELETE", &path, &other).await;
    assert_eq!(signed_out.code(), 204, "{}", signed_out.text());
    let dead = with_token(&server, "GET", "/api/v1/oauth2?me=true", &other).await;
    expect_code(&dead, 403, 8);
    let again = with_token(&server, "DELETE", &path, &other).await;
    expect_code(&again, 403, 8);
    // The other session lives on.
    with_token(&server, "GET", "/api/v1/oauth2?me=true", &mine)
        .await
        .expect_json(200);
}

#[actix_rt::test]
async fn forgot_password_answers_the_same_for_unknown_users() {
    let sink = SmtpSink::start();
    let url = sink.url();
    let server = start(move |c| c.smtp_url = Some(url.into())).await;
    let known = oauth2(&server, "?forgotPassword=true", &json!({"userId": ROOT})).await;
    let unknown = oauth2(
        &server,
        "?forgotPassword=true",
        &json!({"userId": "nobody@x.test"}),
    )
    .await;
    assert_eq!(known.code(), 200, "{}", known.text());
    assert_eq!(known.json(), unknown.json());
    assert_eq!(
        known.json(),
        json!({"Code": 0, "Operation": "POST", "Details": "Command completed."})
    );
    let delivered = mails(&sink, 1);
    assert_eq!(delivered.len(), 1, "only the known user gets a link");
    assert!(
        delivered[0].contains("/api/v1/actionLink?action=password_reset&id="),
        "{}",
        delivered[0]
    );
}

#[actix_rt::test]
async fn mfa_by_email_challenges_then_completes_once() {
    let sink = SmtpSink::start();
    let url = sink.url();
    let server = start(move |c| c.smtp_url = Some(url.into())).await;
    let root = access(&root_tokens(&server).await);
    let id = create_operator(&server, &root, "ana@oauth2.test").await;
    set_mfa(&server, &root, &id, "email", None).await;

    let challenge = sign_in(&server, "ana@oauth2.test", PASSWORD).await;
    assert_eq!(challenge["question"], "mfa challenge");
    assert_eq!(challenge["method"], "email");
    assert!(challenge["created"].as_i64().unwrap() > 1_700_000_000);
    let uuid = challenge["uuid"].as_str().unwrap().to_owned();
    assert!(challenge.get("access_token").is_none(), "{challenge}");
    let code = code_in(&mails(&sink, 1)[0]);

    let complete = "?completeMFAChallenge=true";
    let wrong = if code == "000000" { "111111" } else { "000000" };
    expect_code(
        &oauth2(&server, complete, &json!({"uuid": uuid, "answer": wrong})).await,
        403,
        12,
    );
    let unknown = json!({"uuid": uuid::Uuid::new_v4().to_string(), "answer": code});
    expect_code(&oauth2(&server, complete, &unknown).await, 403, 11);
    let tokens = oauth2(&server, complete, &json!({"uuid": uuid, "answer": code})).await;
    assert_web_token(&tokens.expect_json(200), "ana@oauth2.test");
    // Single use.
    expect_code(
        &oauth2(&server, complete, &json!({"uuid": uuid, "answer": code})).await,
        403,
        11,
    );
}

#[actix_rt::test]
async fn mfa_by_sms_goes_through_the_gateway_and_can_be_resent() {
    let gateway = HttpRecorder::start(&[]);
    let url = gateway.url.clone();
    let server = start(move |c| {
        c.sms_url = Some(url);
        c.sms_token = Some("gateway-token".into());
    })
    .await;
    let root = access(&root_tokens(&server).await);
    let id = create_operator(&server, &root, "bea@oauth2.test").await;
    set_mfa(&server, &root, &id, "sms", Some("+34600123456")).await;

    let challenge = sign_in(&server, "bea@oauth2.test", PASSWORD).await;
    assert_eq!(challenge["method"], "sms");
    let uuid = challenge["uuid"].as_str().unwrap().to_owned();
    let first = gateway.recorded();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].json()["to"], "+34600123456");
    let resent = oauth2(&server, "?resendMFACode=true", &json!({"uuid": uuid})).await;
    // A resend too soon after the first code is throttled.
    let resent = resent_or_throttled(resent, &challenge);
    assert_eq!(resent["uuid"], uuid.as_str());
    let last = gateway.recorded();
    let code = code_in(last.last().unwrap().json()["text"].as_str().unwrap());
    let answer = json!({"uuid": uuid, "answer": code});
    let tokens = oauth2(&server, "?completeMFAChallenge=true", &answer).await;
    assert_web_token(&tokens.expect_json(200), "bea@oauth2.test");
    let gone = oauth2(&server, "?resendMFACode=true", &json!({"uuid": uuid})).await;
    expect_code(&gone, 403, 11);
}

#[actix_rt::test]
async fn a_suspended_operator_is_refused_with_15() {
    let server = start(|_| {}).await;
    let root = access(&root_tokens(&server).await);
    let id = create_operator(&server, &root, "cid@oauth2.test").await;
    let token = access(&sign_in(&server, "cid@oauth2.test", PASSWORD).await);
    let auth = format!("Bearer {root}");
    let path = format!("/api/v1/user/{id}");
    let body = json!({"suspended": true});
    send(
        &server,
        "PUT",
        &path,
        &[("authorization", &auth)],
        Some(&body),
    )
    .await
    .expect_json(200);
    let refused = oauth2(
        &server,
        "",
        &json!({"userId": "cid@oauth2.test", "password": PASSWORD}),
    )
    .await;
    expect_code(&refused, 403, 15);
    // Its live token died with the suspension.
    let me = with_token(&server, "GET", "/api/v1/oauth2?me=true", &token).await;
    expect_code(&me, 403, 8);
}

#[actix_rt::test]
async fn sign_in_ignores_any_authorization_and_slows_guessing_with_10() {
    let server = start(|_| {}).await;
    root_tokens(&server).await;
    // The account waits after three wrong passwords.
    let user = (ROOT, ROOT_PASSWORD, "a-wrong-password");
    expect_guessing_slowed(&server, "/api/v1/oauth2", user, assert_web_token).await;
}

#[actix_rt::test]
async fn an_empty_bearer_beside_an_api_key_is_no_credential() {
    let server = start(|_| {}).await;
    let root = access(&root_tokens(&server).await);
    let id = create_operator(&server, &root, "gil@oauth2.test").await;
    let token = access(&sign_in(&server, "gil@oauth2.test", PASSWORD).await);
    let expires = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 86_400;
    let body = json!({"name": "console", "expiresOn": expires,
        "rights": {"acls": [{"service": "owsec", "access": "read"}]}});
    let auth = format!("Bearer {token}");
    let path = format!("/api/v1/apiKey/{id}");
    let created = send(
        &server,
        "POST",
        &path,
        &[("authorization", &auth)],
        Some(&body),
    )
    .await;
    let key = created.expect_json(200)["apiKey"]
        .as_str()
        .unwrap()
        .to_owned();
    for authorization in ["Bearer ", "Basic Z2lsOng="] {
        let headers = [
            ("authorization", authorization),
            ("x-api-key", key.as_str()),
        ];
        let me = send(&server, "GET", "/api/v1/oauth2?me=true", &headers, None).await;
        assert_eq!(me.expect_json(200)["email"], "gil@oauth2.test");
        let alone = [("authorization", authorization)];
        let refused = send(&server, "GET", "/api/v1/oauth2?me=true", &alone, None).await;
        expect_code(&refused, 403, 8);
    }
    let wrong = [("x-api-key", "lkop_not-a-key-of-anyone")];
    let refused = send(&server, "GET", "/api/v1/oauth2?me=true", &wrong, None).await;
    expect_code(&refused, 403, 8);
}

#[actix_rt::test]
async fn an_unreachable_smtp_server_is_503_code_13_without_its_address() {
    let port = latchkey_testkit::smtp_sink::free_port();
    let server = start(move |c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}").into());
        c.notify_attempts = 2;
        c.notify_timeout_ms = 500;
    })
    .await;
    let root = access(&root_tokens(&server).await);
    let id = create_operator(&server, &root, "hal@oauth2.test").await;
    set_mfa(&server, &root, &id, "email", None).await;
    let body = json!({"userId": "hal@oauth2.test", "password": PASSWORD});
    let answer = oauth2(&server, "", &body).await;
    expect_code(&answer, 503, 13);
    assert!(!answer.text().contains("127.0.0.1"), "{}", answer.text());
}

#[actix_rt::test]
async fn every_flag_is_read_and_a_null_body_is_no_body() {
    let server = start(|_| {}).await;
    let path = "/api/v1/oauth2?requirements=true";
    let null = server.http.post(server.url(path)).send_body("null").await;
    let null = latchkey_tests::http::read_answer(null).await.unwrap();
    assert!(null.expect_json(200)["passwordPattern"].is_string());
    // A malformed flag is refused even when another flag decides.
    let malformed = oauth2(
        &server,
        "?requirements=true&completeMFAChallenge=maybe",
        &json!({}),
    )
    .await;
    expect_detail(&malformed, 1018);
}
