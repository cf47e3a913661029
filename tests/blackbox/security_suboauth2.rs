//! The subscribers' sign-in over HTTP (`/api/v1/suboauth2`, `/api/v1/suboauth2/{token}`,
//! `/api/v1/validateSubToken`): every flag and error code, with requests sent as owsec's CLI
//! sends them (JSON without a content type, `Authorization: Bearer ` empty on sign-in). The
//! subscribers are credentials made through the Credentials API; the tokens are checked there
//! too. Second factors are `security_suboauth2_mfa`; one subscriber through both APIs is
//! `security_suboauth2_both`.

use crate::security_oauth2::{expect_code, expect_detail, mails, send};
use crate::security_sign_in::expect_guessing_slowed;
use latchkey_testkit::smtp_sink::SmtpSink;
use latchkey_tests::{Answer, TestServer, credential_path};
use serde_json::{Value, json};

pub const ORG: &str = "masmovil";
pub const SUE: &str = "sue@suboauth2.test";
pub const PASSWORD: &str = "Subscriber-pass-1x";

/// A server whose default subscriber org is [`ORG`], adjusted by `adjust`, with [`SUE`]
/// active; answers it and an admin token.
pub async fn start(
    adjust: impl FnOnce(&mut latchkey_server::config::ServerConfig),
) -> (TestServer, String) {
    let server = TestServer::start_with(|c| {
        c.security.subscriber_org = Some(latchkey_core::OrgId::parse(ORG).unwrap());
        adjust(c);
    })
    .await;
    let admin = server.admin_token(None).await;
    server.active_credential(&admin, ORG, SUE, PASSWORD).await;
    (server, admin)
}

/// `POST /api/v1/suboauth2{query}` as the CLI sends it: an empty bearer token.
pub async fn suboauth2(server: &TestServer, query: &str, body: &Value) -> Answer {
    let path = format!("/api/v1/suboauth2{query}");
    send(
        server,
        "POST",
        &path,
        &[("authorization", "Bearer ")],
        Some(body),
    )
    .await
}

/// Signs `user` in; the answer's JSON (tokens or a challenge).
pub async fn sign_in(server: &TestServer, user: &str, password: &str) -> Value {
    let body = json!({"userId": user, "password": password});
    suboauth2(server, "", &body).await.expect_json(200)
}

pub fn access(tokens: &Value) -> String {
    tokens["access_token"].as_str().unwrap().to_owned()
}

/// `method path` with `token` as the bearer.
pub async fn bearer(server: &TestServer, method: &str, path: &str, token: &str) -> Answer {
    let auth = format!("Bearer {token}");
    send(server, method, path, &[("authorization", &auth)], None).await
}

/// Asserts a `WebTokenResult` of `username`.
pub fn assert_web_token(tokens: &Value, username: &str) {
    for field in ["access_token", "refresh_token"] {
        assert!(!tokens[field].as_str().unwrap().is_empty(), "{tokens}");
    }
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["username"], username);
    assert_eq!(tokens["errorCode"], 0);
    assert_eq!(tokens["userMustChangePassword"], false);
    assert!(tokens["expires_in"].as_i64().unwrap() > 0, "{tokens}");
    assert!(tokens["idle_timeout"].as_i64().unwrap() > 0, "{tokens}");
    assert!(
        tokens["created"].as_i64().unwrap() > 1_700_000_000,
        "{tokens}"
    );
    assert!(tokens["aclTemplate"].is_object(), "{tokens}");
}

/// The devices of `username` read through the Credentials API with `token`.
pub async fn devices(server: &TestServer, token: &str, username: &str) -> Answer {
    let path = format!("{}/devices", credential_path(ORG, username));
    server.get(&path, token).await
}

#[actix_rt::test]
async fn a_password_sign_in_gives_a_customer_token_for_the_own_credential_only() {
    let (server, admin) = start(|_| {}).await;
    server
        .active_credential(&admin, ORG, "tom@suboauth2.test", PASSWORD)
        .await;
    let tokens = sign_in(&server, "SUE@suboauth2.test", PASSWORD).await;
    assert_web_token(&tokens, SUE);
    let token = access(&tokens);

    // The Credentials API takes it for sue's own devices: the sign-in is one of them.
    let own = devices(&server, &token, SUE).await.expect_json(200);
    assert_eq!(own["devices"].as_array().unwrap().len(), 1, "{own}");
    let other = devices(&server, &token, "tom@suboauth2.test").await;
    assert_eq!(other.expect_error(403), "auth.not_own_credential");
    // And nothing tenant-wide, nor what a customer's token cannot hold.
    let read = server.get(&credential_path(ORG, SUE), &token).await;
    assert_eq!(read.expect_error(403), "auth.insufficient_scope");

    let me = bearer(&server, "GET", "/api/v1/suboauth2?me=true", &token).await;
    let me = me.expect_json(200);
    assert_eq!(me["email"], SUE);
    assert_eq!(me["userRole"], "subscriber");
    assert_eq!(me["owner"], ORG);
    assert!(me.get("currentPassword").is_none_or(|p| p == ""), "{me}");
    let no_flag = bearer(&server, "GET", "/api/v1/suboauth2", &token).await;
    expect_detail(&no_flag, 1018);
}

#[actix_rt::test]
async fn wrong_credentials_bad_bodies_and_tenants_have_their_codes() {
    let (server, _) = start(|_| {}).await;
    let wrong = json!({"userId": SUE, "password": "Not-the-password-1"});
    expect_code(&suboauth2(&server, "", &wrong).await, 403, 2);
    let unknown = json!({"userId": "nobody@suboauth2.test", "password": PASSWORD});
    expect_code(&suboauth2(&server, "", &unknown).await, 403, 2);
    expect_detail(&suboauth2(&server, "", &json!({"userId": SUE})).await, 1018);
    let raw = server
        .http
        .post(server.url("/api/v1/suboauth2"))
        .send_body("{not json")
        .await;
    expect_detail(&latchkey_tests::http::read_answer(raw).await.unwrap(), 1003);
    let flag = suboauth2(&server, "?completeMFAChallenge=maybe", &json!({})).await;
    expect_detail(&flag, 1018);

    // The tenant is the header's when there is one: yoigo has no sue, an unknown org is 404.
    let body = json!({"userId": SUE, "password": PASSWORD});
    let path = "/api/v1/suboauth2";
    let yoigo = send(
        &server,
        "POST",
        path,
        &[("x-latchkey-org", "yoigo")],
        Some(&body),
    )
    .await;
    expect_code(&yoigo, 403, 2);
    let nowhere = send(
        &server,
        "POST",
        path,
        &[("x-latchkey-org", "nowhere")],
        Some(&body),
    )
    .await;
    expect_code(&nowhere, 404, 404);
    let invalid = send(
        &server,
        "POST",
        path,
        &[("x-latchkey-org", "No Org")],
        Some(&body),
    )
    .await;
    expect_detail(&invalid, 1018);

    let requirements = suboauth2(&server, "?requirements=true", &json!({})).await;
    let requirements = requirements.expect_json(200);
    assert!(
        requirements["passwordPattern"].is_string(),
        "{requirements}"
    );
}

#[actix_rt::test]
async fn without_a_default_org_a_sign_in_must_name_its_tenant() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    server.active_credential(&admin, ORG, SUE, PASSWORD).await;
    let body = json!({"userId": SUE, "password": PASSWORD});
    expect_detail(&suboauth2(&server, "", &body).await, 1018);
    let path = "/api/v1/suboauth2";
    let named = send(
        &server,
        "POST",
        path,
        &[("x-latchkey-org", ORG)],
        Some(&body),
    )
    .await;
    assert_web_token(&named.expect_json(200), SUE);
}

#[actix_rt::test]
async fn a_refresh_rotates_and_a_reused_refresh_token_ends_the_session_with_14() {
    let (server, _) = start(|_| {}).await;
    let tokens = sign_in(&server, SUE, PASSWORD).await;
    let first = tokens["refresh_token"].as_str().unwrap().to_owned();
    let refresh = |token: &str| json!({"refreshToken": token});
    let query = "?grant_type=refresh_token";
    let renewed = suboauth2(&server, query, &refresh(&first)).await;
    let renewed = renewed.expect_json(200);
    assert_web_token(&renewed, SUE);
    let second = renewed["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    assert_eq!(renewed["created"], tokens["created"], "the same session");
    let token = access(&renewed);
    assert_eq!(devices(&server, &token, SUE).await.code(), 200);

    // The used one again: refused, and the whole session ends with it.
    expect_code(&suboauth2(&server, query, &refresh(&first)).await, 403, 14);
    expect_code(&suboauth2(&server, query, &refresh(&second)).await, 403, 14);
    for made_up in [
        "",
        "nonsense",
        "00000000-0000-0000-0000-000000000000@masmovil@x",
    ] {
        let answer = suboauth2(&server, query, &refresh(made_up)).await;
        if made_up.is_empty() {
            expect_detail(&answer, 1018);
        } else {
            expect_code(&answer, 403, 14);
        }
    }
    expect_detail(
        &suboauth2(&server, "?grant_type=password", &refresh(&second)).await,
        1018,
    );
}

#[actix_rt::test]
async fn sign_out_needs_the_token_itself_and_ends_its_session_everywhere() {
    let (server, admin) = start(|_| {}).await;
    let tokens = sign_in(&server, SUE, PASSWORD).await;
    let token = access(&tokens);
    let other = access(&sign_in(&server, SUE, PASSWORD).await);
    let path = format!("/api/v1/suboauth2/{other}");
    expect_code(&bearer(&server, "DELETE", &path, &token).await, 403, 7);

    let path = format!("/api/v1/suboauth2/{token}");
    let out = bearer(&server, "DELETE", &path, &token).await;
    assert_eq!(out.code(), 204, "{}", out.text());
    expect_code(
        &bearer(&server, "GET", "/api/v1/suboauth2?me=true", &token).await,
        403,
        8,
    );
    // The Credentials API refuses it too, and its session's refresh token is dead.
    assert_eq!(devices(&server, &token, SUE).await.code(), 401);
    let refresh = json!({"refreshToken": tokens["refresh_token"]});
    let again = suboauth2(&server, "?grant_type=refresh_token", &refresh).await;
    expect_code(&again, 403, 14);
    // The other session lives on, and sees one device left.
    let left = devices(&server, &other, SUE).await.expect_json(200);
    assert_eq!(left["devices"].as_array().unwrap().len(), 1, "{left}");
    let listed = devices(&server, &admin, SUE).await.expect_json(200);
    assert_eq!(listed, left);
    expect_code(
        &bearer(&server, "GET", "/api/v1/suboauth2?me=true", "not-a-token").await,
        403,
        8,
    );
    expect_code(
        &send(&server, "GET", "/api/v1/suboauth2?me=true", &[], None).await,
        403,
        8,
    );
}

#[actix_rt::test]
async fn a_suspended_subscriber_is_refused_with_15_and_loses_its_tokens() {
    let (server, admin) = start(|_| {}).await;
    let tokens = sign_in(&server, SUE, PASSWORD).await;
    let token = access(&tokens);
    let patch = server
        .call(
            "PATCH",
            &credential_path(ORG, SUE),
            Some(&admin),
            Some(&json!({"enabled": false})),
        )
        .await;
    assert_eq!(patch.code(), 204, "{}", patch.text());
    let body = json!({"userId": SUE, "password": PASSWORD});
    expect_code(&suboauth2(&server, "", &body).await, 403, 15);
    // The wrong password still says nothing about the account.
    let wrong = json!({"userId": SUE, "password": "Not-the-password-1"});
    expect_code(&suboauth2(&server, "", &wrong).await, 403, 2);
    expect_code(
        &bearer(&server, "GET", "/api/v1/suboauth2?me=true", &token).await,
        403,
        8,
    );
    let refresh = json!({"refreshToken": tokens["refresh_token"]});
    let again = suboauth2(&server, "?grant_type=refresh_token", &refresh).await;
    expect_code(&again, 403, 14);
}

#[actix_rt::test]
async fn a_new_password_follows_the_policy_and_replaces_the_old_one() {
    let (server, _) = start(|_| {}).await;
    let change = |new: &str| json!({"userId": SUE, "password": PASSWORD, "newPassword": new});
    expect_code(&suboauth2(&server, "", &change("short")).await, 403, 5);
    expect_code(&suboauth2(&server, "", &change(PASSWORD)).await, 403, 3);
    let new = "Subscriber-pass-2y";
    let tokens = suboauth2(&server, "", &change(new)).await.expect_json(200);
    assert_web_token(&tokens, SUE);
    let old = json!({"userId": SUE, "password": PASSWORD});
    expect_code(&suboauth2(&server, "", &old).await, 403, 2);
    // Also given in the query, as the definition has it.
    let query = "?newPassword=Subscriber-pass-3z";
    let body = json!({"userId": SUE, "password": new});
    assert_web_token(
        &suboauth2(&server, query, &body).await.expect_json(200),
        SUE,
    );
    assert_web_token(&sign_in(&server, SUE, "Subscriber-pass-3z").await, SUE);
}

#[actix_rt::test]
async fn forgot_password_answers_the_same_for_unknown_users_and_mails_the_known() {
    let sink = SmtpSink::start();
    let url = sink.url();
    let (server, _) = start(move |c| c.smtp_url = Some(url.into())).await;
    let query = "?forgotPassword=true";
    let known = suboauth2(&server, query, &json!({"userId": SUE})).await;
    let unknown = suboauth2(&server, query, &json!({"userId": "nobody@suboauth2.test"})).await;
    assert_eq!(known.code(), 200, "{}", known.text());
    assert_eq!(known.json(), unknown.json());
    assert_eq!(
        known.json(),
        json!({"Code": 0, "Operation": "POST", "Details": "Command completed."})
    );
    let delivered = mails(&sink, 1);
    assert_eq!(
        delivered.len(),
        1,
        "only the known subscriber gets a message"
    );
    assert!(
        delivered[0].contains("/password/set?token="),
        "{}",
        delivered[0]
    );
    expect_detail(&suboauth2(&server, query, &json!({})).await, 1018);
}

#[actix_rt::test]
async fn validate_sub_token_answers_sibling_services_only() {
    let (server, _) = start(|_| {}).await;
    let token = access(&sign_in(&server, SUE, PASSWORD).await);
    let service = server.client_token(&["tokens:validate"], &[ORG]).await;
    let path = format!("/api/v1/validateSubToken?token={token}");
    let valid = bearer(&server, "GET", &path, &service)
        .await
        .expect_json(200);
    assert_eq!(valid["userInfo"]["email"], SUE);
    assert_eq!(valid["userInfo"]["userRole"], "subscriber");
    assert_eq!(valid["tokenInfo"]["access_token"], token.as_str());
    assert_eq!(valid["tokenInfo"]["refresh_token"], "");
    assert!(valid["tokenInfo"]["expires_in"].as_i64().unwrap() > 0);

    // Not a sibling service: the subscriber's own token, a service token without the scope
    // (7, as `/validateToken` answers them); no credential at all (8).
    expect_code(&bearer(&server, "GET", &path, &token).await, 403, 7);
    let other = server.client_token(&["devices"], &[ORG]).await;
    expect_code(&bearer(&server, "GET", &path, &other).await, 403, 7);
    expect_code(&send(&server, "GET", &path, &[], None).await, 403, 8);
    // Not a subscriber's token: a service token, garbage; none at all.
    let path = format!("/api/v1/validateSubToken?token={other}");
    expect_code(&bearer(&server, "GET", &path, &service).await, 403, 8);
    let path = "/api/v1/validateSubToken?token=garbage";
    expect_code(&bearer(&server, "GET", path, &service).await, 403, 8);
    let path = "/api/v1/validateSubToken";
    expect_detail(&bearer(&server, "GET", path, &service).await, 1018);
    // Signed out: 8.
    let out = bearer(
        &server,
        "DELETE",
        &format!("/api/v1/suboauth2/{token}"),
        &token,
    )
    .await;
    assert_eq!(out.code(), 204);
    let path = format!("/api/v1/validateSubToken?token={token}");
    expect_code(&bearer(&server, "GET", &path, &service).await, 403, 8);
}

#[actix_rt::test]
async fn sign_in_ignores_any_authorization_and_slows_guessing_with_10() {
    let (server, _) = start(|_| {}).await;
    // The username waits after three wrong passwords.
    let user = (SUE, PASSWORD, "Not-the-password-1");
    expect_guessing_slowed(&server, "/api/v1/suboauth2", user, assert_web_token).await;
}

#[actix_rt::test]
async fn an_expired_token_is_code_9_everywhere_and_its_refresh_token_still_works() {
    let key = "owgw-service-key-0123456789abcdef";
    let services =
        json!([{"type": "owgw", "id": 1, "uri": "https://gw.example.com:16002", "key": key}]);
    let (server, _) = start(|c| {
        c.access_token_ttl = 1;
        c.security.system_services = Some(services.to_string().into());
    })
    .await;
    let tokens = sign_in(&server, SUE, PASSWORD).await;
    assert_eq!(tokens["expires_in"], 1);
    let token = access(&tokens);
    actix_rt::time::sleep(std::time::Duration::from_millis(2_100)).await;
    expect_code(
        &bearer(&server, "GET", "/api/v1/suboauth2?me=true", &token).await,
        403,
        9,
    );
    // A sibling service (its configured key: no token of its own to expire) is told 9 too.
    let path = format!("/api/v1/validateSubToken?token={token}");
    let service = [("x-api-key", key), ("x-internal-name", "owgw")];
    expect_code(&send(&server, "GET", &path, &service, None).await, 403, 9);
    let out = format!("/api/v1/suboauth2/{token}");
    expect_code(&bearer(&server, "DELETE", &out, &token).await, 403, 9);
    let refresh = json!({"refreshToken": tokens["refresh_token"]});
    let renewed = suboauth2(&server, "?grant_type=refresh_token", &refresh).await;
    let renewed = renewed.expect_json(200);
    assert_eq!(
        devices(&server, &access(&renewed), SUE).await.code(),
        200,
        "a fresh access token"
    );
}

#[actix_rt::test]
async fn sign_ins_from_one_address_are_limited_with_the_login_servers() {
    let (server, _) = start(|c| c.login_rate_per_address = "2/1m".parse().unwrap()).await;
    let body = json!({"userId": SUE, "password": PASSWORD});
    // /authorize and /suboauth2 start logins from one budget per address.
    let authorize = server.call("GET", "/authorize", None, None).await;
    assert_ne!(authorize.code(), 429, "{}", authorize.text());
    assert_web_token(&suboauth2(&server, "", &body).await.expect_json(200), SUE);
    let limited = suboauth2(&server, "", &body).await;
    expect_code(&limited, 429, 10);
    assert!(limited.header("retry-after").is_some());
    // What is no password sign-in is not counted.
    let requirements = suboauth2(&server, "?requirements=true", &json!({})).await;
    requirements.expect_json(200);
}
