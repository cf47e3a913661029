//! Security hardening of the login pages, as attacks that must now fail: a magic link cannot
//! sign a victim into the attacker's account (login CSRF), one-time codes are bound to their
//! purpose, the second-factor page reveals no contact, confusable usernames are not a second
//! account, and every answer carries the security headers.

use crate::hardening_abuse::{
    ANA, BOB, CALLBACK, ORG, PASSWORD, authorize_url, server_with, sign_in,
};
use crate::login::{Browser, Page, collect, login_client};
use crate::second_factors::code_in;
use actix_web::http::StatusCode;
use latchkey_testkit::smtp_sink::SmtpSink;
use latchkey_tests::{TestServer, credential_path};
use serde_json::json;

/// A magic-link token for `username` (endpoint 15).
async fn magic_token(server: &TestServer, admin: &str, username: &str) -> String {
    let answer = server
        .get(
            &format!("/v1/orgs/{ORG}/magiclinks?username={username}"),
            admin,
        )
        .await
        .expect_json(200);
    answer["token"].as_str().unwrap().to_owned()
}

const CARLA: &str = "carla@example.com";

fn magic_path(token: &str) -> String {
    format!(
        "/magiclink?{}",
        serde_urlencoded::to_string([("token", token)]).unwrap()
    )
}

/// Answers the "continue as ...?" page of a magic link.
async fn continue_as(browser: &mut Browser, page: &Page) -> Page {
    let (token, csrf) = (page.hidden("token"), page.hidden("csrf"));
    browser
        .post("/magiclink", &[("token", &token), ("csrf", &csrf)])
        .await
}

/// Login CSRF: an attacker sends a victim a magic link of the attacker's account. Opening it
/// only asks "continue as b•••@example.com?" (masked), does not use it up and signs no one in;
/// a forged post (no page of this browser asked) is refused; only the page's own form signs in.
#[actix_rt::test]
async fn opening_a_magic_link_only_asks_and_a_forged_post_signs_no_one_in() {
    let (server, admin) = server_with(|_| {}).await;
    let token = magic_token(&server, &admin, BOB).await;
    let mut victim = Browser::new(&server);
    let page = victim.get(&magic_path(&token)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Continue as"), "{}", page.body);
    assert!(page.body.contains("b•••@example.com"), "{}", page.body);
    assert!(!page.body.contains(BOB), "the account is masked");
    assert!(
        !victim
            .cookies
            .keys()
            .any(|k| k.contains("latchkey_session_")),
        "opening the link signs no one in"
    );
    // The same link opens again: the page did not use it (the newest page's form is the one).
    let page = victim.get(&magic_path(&token)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // A post forged by another site: the form's fields, but not this browser's page cookie.
    let mut forger = Browser::new(&server);
    let forged = continue_as(&mut forger, &page).await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST, "{}", forged.body);
    assert!(
        !forger
            .cookies
            .keys()
            .any(|k| k.contains("latchkey_session_"))
    );
    // The page's own form signs in, once.
    let signed = continue_as(&mut victim, &page).await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
    assert!(
        victim
            .cookies
            .contains_key(&format!("latchkey_session_{ORG}"))
    );
    let again = continue_as(&mut victim, &page).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "single use");
}

/// The victim started signing in to an application (as herself: `login_hint`) and the attacker's
/// link is opened in the same browser: it must not finish her authorization as the attacker.
#[actix_rt::test]
async fn a_magic_link_never_finishes_a_login_pending_for_another_customer() {
    let (server, admin) = server_with(|_| {}).await;
    let (client, _) = login_client(&server, false, &["authorization_code"]).await;
    let mut victim = Browser::new(&server);
    let login = victim
        .get(&authorize_url(&client, &[("login_hint", ANA)]))
        .await;
    assert_eq!(login.status, StatusCode::OK);
    let attackers = magic_token(&server, &admin, BOB).await;
    let page = victim.get(&magic_path(&attackers)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    assert!(page.body.contains("another account"), "{}", page.body);
    assert!(page.location.is_none(), "no code for the client");
    // Her own link continues her login.
    let hers = magic_token(&server, &admin, ANA).await;
    let page = victim.get(&magic_path(&hers)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let done = continue_as(&mut victim, &page).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(done.location.as_deref().unwrap().starts_with(CALLBACK));
    // The attacker's link was refused before it was used: it still works elsewhere.
    let mut elsewhere = Browser::new(&server);
    let page = elsewhere.get(&magic_path(&attackers)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
}

/// The browser is signed in as the victim: the attacker's link must not silently replace her
/// session with his; it is refused, and her session goes on.
#[actix_rt::test]
async fn a_magic_link_never_replaces_another_customers_session() {
    let (server, admin) = server_with(|_| {}).await;
    let (client, _) = login_client(&server, false, &["authorization_code"]).await;
    let mut victim = Browser::new(&server);
    let done = sign_in(&mut victim, &client, ANA, PASSWORD).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let attackers = magic_token(&server, &admin, BOB).await;
    let page = victim.get(&magic_path(&attackers)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    let still = victim
        .get(&authorize_url(&client, &[("prompt", "none")]))
        .await;
    assert!(
        still.redirect_params().contains_key("code"),
        "her session lives"
    );
}

/// A require2fa customer (carla) at the second factor, with a contact by e-mail (her username)
/// and one by SMS (her MSISDN).
async fn at_second_factor(server: &TestServer, admin: &str, browser: &mut Browser) -> Page {
    let path = credential_path(ORG, CARLA);
    let created = server
        .call(
            "POST",
            &path,
            Some(admin),
            Some(&json!({"msisdn": "+34600111222"})),
        )
        .await
        .expect_json(201);
    let set = json!({"password": PASSWORD, "token": created["token"]});
    assert_eq!(
        server
            .call("PUT", &path, Some(admin), Some(&set))
            .await
            .code(),
        204
    );
    let patch = json!({"enabled": true, "require2fa": true});
    let answer = server.call("PATCH", &path, Some(admin), Some(&patch)).await;
    assert_eq!(answer.code(), 204, "{}", answer.text());
    let (client, _) = login_client(server, false, &["authorization_code"]).await;
    let page = sign_in(browser, &client, CARLA, PASSWORD).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page
}

/// A password alone must not reveal the customer's e-mail address or phone number: the page
/// shows masked forms and names each contact by an opaque id, and an address is no such id.
#[actix_rt::test]
async fn the_second_factor_page_reveals_no_contact() {
    let sink = SmtpSink::start();
    let url = sink.url();
    let (server, admin) = server_with(move |c| c.smtp_url = Some(url.into())).await;
    let mut browser = Browser::new(&server);
    let page = at_second_factor(&server, &admin, &mut browser).await;
    for secret in [CARLA, "+34600111222", "600111222", "carla@"] {
        assert!(!page.body.contains(secret), "{secret} in {}", page.body);
    }
    assert!(page.body.contains("c•••@example.com"), "{}", page.body);
    assert!(page.body.contains("+34•••••••22"), "{}", page.body);
    let (tx, csrf) = (page.hidden("tx"), page.hidden("csrf"));
    let by_address = browser
        .post(
            "/login/send",
            &[("tx", &tx), ("csrf", &csrf), ("hint", CARLA)],
        )
        .await;
    assert_eq!(
        by_address.status,
        StatusCode::BAD_REQUEST,
        "{}",
        by_address.body
    );
    let by_id = browser
        .post(
            "/login/send",
            &[("tx", &tx), ("csrf", &csrf), ("hint", "c1")],
        )
        .await;
    assert_eq!(by_id.status, StatusCode::OK, "{}", by_id.body);
    assert_eq!(sink.wait_for(1).len(), 1);
}

/// ASVS V6.6.2: a code sent through the Credentials API (`POST .../otp`) does not complete a
/// login's second factor, and a login's code does not pass the API's check.
#[actix_rt::test]
async fn one_time_codes_are_bound_to_their_purpose() {
    let sink = SmtpSink::start();
    let url = sink.url();
    let (server, admin) = server_with(move |c| c.smtp_url = Some(url.into())).await;
    let mut browser = Browser::new(&server);
    let page = at_second_factor(&server, &admin, &mut browser).await;
    let (tx, csrf) = (page.hidden("tx"), page.hidden("csrf"));
    let otp = format!("{}/otp", credential_path(ORG, CARLA));
    let sent = server
        .call("POST", &otp, Some(&admin), Some(&json!({"hint": CARLA})))
        .await;
    assert_eq!(sent.code(), 201, "{}", sent.text());
    let api_code = code_in(&sink.wait_for(1)[0]);
    let factor = |code: String| {
        [
            ("tx", tx.clone()),
            ("csrf", csrf.clone()),
            ("method", "otp".to_owned()),
            ("code", code),
        ]
    };
    let form = factor(api_code.clone());
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = browser.post("/login/factor", &refs).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
    assert!(refused.location.is_none());
    // The login's own code, sent now, does not pass the API's check; it finishes the login.
    let sent = browser
        .post(
            "/login/send",
            &[("tx", &tx), ("csrf", &csrf), ("hint", "c1")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let login_code = code_in(&sink.wait_for(2)[1]);
    if login_code != api_code {
        let check = server
            .call(
                "PUT",
                &otp,
                Some(&admin),
                Some(&json!({"code": login_code})),
            )
            .await;
        assert_eq!(check.code(), 403, "{}", check.text());
    }
    let form = factor(login_code);
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let done = browser.post("/login/factor", &refs).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
}

/// RFC 8265 and UTS #39: a full-width `ｕser@` is `user@` (the same account), and `uѕer@` with a
/// Cyrillic `ѕ` is refused rather than becoming a second account beside `user@`.
#[actix_rt::test]
async fn confusable_usernames_are_not_a_second_account() {
    let (server, admin) = server_with(|_| {}).await;
    server
        .active_credential(&admin, ORG, "user@example.com", PASSWORD)
        .await;
    for (twin, status) in [
        ("ｕser@example.com", 409),
        ("USER@EXAMPLE.COM", 409),
        ("uѕer@example.com", 400),
    ] {
        let answer = server
            .call("POST", &credential_path(ORG, twin), Some(&admin), None)
            .await;
        assert_eq!(answer.code(), status, "{twin}: {}", answer.text());
    }
    let (client, _) = login_client(&server, false, &["authorization_code"]).await;
    let mut browser = Browser::new(&server);
    let done = sign_in(&mut browser, &client, "ｕser@example.com", PASSWORD).await;
    assert_eq!(
        done.status,
        StatusCode::SEE_OTHER,
        "the same account: {}",
        done.body
    );
}

fn header(answer: &latchkey_tests::Answer, name: &str) -> String {
    answer
        .header(name)
        .unwrap_or_else(|| panic!("no {name}: {:?}", answer.headers))
}

/// Every answer: `nosniff`; personal data and tokens never cached; every HTML page (`/docs`
/// too) unframeable and posting only here; served over HTTPS, `__Host-` cookies and HSTS.
#[actix_rt::test]
async fn every_answer_carries_the_security_headers() {
    let server = TestServer::start_with(|c| {
        c.public_url = Some("https://login.example".to_owned());
    })
    .await;
    let admin = server.admin_token(None).await;
    server.active_credential(&admin, ORG, ANA, PASSWORD).await;
    for answer in [
        server.call("GET", "/healthz", None, None).await,
        server.get(&credential_path(ORG, ANA), &admin).await,
        server.call("GET", "/no/such/route", None, None).await,
        server.call("GET", "/docs", None, None).await,
    ] {
        assert_eq!(header(&answer, "x-content-type-options"), "nosniff");
        assert!(header(&answer, "strict-transport-security").contains("max-age="));
        assert!(header(&answer, "content-security-policy").contains("frame-ancestors 'none'"));
    }
    let personal = server.get(&credential_path(ORG, ANA), &admin).await;
    assert_eq!(header(&personal, "cache-control"), "no-store");
    let docs = server.call("GET", "/docs", None, None).await;
    assert!(header(&docs, "content-security-policy").contains("form-action 'self'"));
    let token = server
        .token_request(
            latchkey_tests::ADMIN_ID,
            latchkey_tests::ADMIN_SECRET,
            &[("grant_type", "client_credentials")],
        )
        .await;
    assert_eq!(header(&token, "cache-control"), "no-store");

    let (client, _) = login_client(&server, false, &["authorization_code"]).await;
    let page = collect(
        server
            .http
            .get(server.url(&authorize_url(&client, &[])))
            .send()
            .await,
    )
    .await;
    let csp = header(&page, "content-security-policy");
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("form-action 'self'"),
        "{csp}"
    );
    assert_eq!(header(&page, "cache-control"), "no-store");
    for cookie in page.headers.get_all("set-cookie") {
        let cookie = cookie.to_str().unwrap();
        assert!(cookie.starts_with("__Host-"), "{cookie}");
        assert!(
            cookie.contains("Secure") && cookie.contains("Path=/;") || cookie.ends_with("Path=/"),
            "{cookie}"
        );
    }
    // The prefixed cookies work: a whole login goes through.
    let mut browser = Browser::new(&server);
    let done = sign_in(&mut browser, &client, ANA, PASSWORD).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(
        browser
            .cookies
            .contains_key(&format!("__Host-latchkey_session_{ORG}"))
    );
}
