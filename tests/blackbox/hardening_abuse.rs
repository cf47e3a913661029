//! Security hardening, as attacks that must now fail: nobody can lock a customer out of signing
//! in (NIST SP 800-63B §5.2.2), failed client authentication and message bombing are rate
//! limited (per client id, per address, per customer), and what an anonymous caller can make
//! the server store is bounded (logins started per address, the length of usernames).

use crate::login::{Browser, Page, collect, login_client};
use actix_web::http::StatusCode;
use latchkey_server::config::ServerConfig;
use latchkey_testkit::smtp_sink::SmtpSink;
use latchkey_tests::{Answer, TestServer};

pub(crate) const ORG: &str = "masmovil";
pub(crate) const ANA: &str = "ana@example.com";
pub(crate) const BOB: &str = "bob@example.com";
pub(crate) const PASSWORD: &str = "correct horse battery staple";
pub(crate) const CALLBACK: &str = "https://app.example/callback";

/// A server (after `adjust`) with ana and bob active; answers it and an admin token.
pub(crate) async fn server_with(adjust: impl FnOnce(&mut ServerConfig)) -> (TestServer, String) {
    let server = TestServer::start_with(adjust).await;
    let admin = server.admin_token(None).await;
    server.active_credential(&admin, ORG, ANA, PASSWORD).await;
    server.active_credential(&admin, ORG, BOB, PASSWORD).await;
    (server, admin)
}

/// `/authorize` for `client` with the usual parameters and `extra` ones.
pub(crate) fn authorize_url(client: &str, extra: &[(&str, &str)]) -> String {
    let mut params = vec![
        ("client_id", client),
        ("response_type", "code"),
        ("redirect_uri", CALLBACK),
        ("state", "xyz-state"),
        ("scope", "openid"),
        (
            "code_challenge",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        ),
        ("code_challenge_method", "S256"),
    ];
    params.extend_from_slice(extra);
    format!(
        "/authorize?{}",
        serde_urlencoded::to_string(&params).unwrap()
    )
}

/// Signs `username` in on `browser` through the login page; answers the last page.
pub(crate) async fn sign_in(
    browser: &mut Browser,
    client: &str,
    username: &str,
    password: &str,
) -> Page {
    let page = browser
        .get(&authorize_url(client, &[("prompt", "login")]))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    browser.sign_in(&page, username, password).await
}

/// Username and password posted from a fresh browser, as raw HTTP (headers kept).
async fn raw_sign_in(server: &TestServer, client: &str, username: &str, password: &str) -> Answer {
    let mut browser = Browser::new(server);
    let page = browser
        .get(&authorize_url(client, &[("prompt", "login")]))
        .await;
    let (tx, csrf) = (page.hidden("tx"), page.hidden("csrf"));
    let cookie = browser
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let form = [
        ("tx", tx.as_str()),
        ("csrf", csrf.as_str()),
        ("username", username),
        ("password", password),
    ];
    collect(
        server
            .http
            .post(server.url("/login"))
            .insert_header(("cookie", cookie))
            .send_form(&form)
            .await,
    )
    .await
}

/// The attack of the issue: three failures from anywhere made even the right password wait up
/// to 15 minutes, and one failure every 15 minutes kept it so. Now a browser that signed in as
/// the customer before is never refused for others' failures, even once its session is gone;
/// a new browser still waits, at most 30 s.
#[actix_rt::test]
async fn failures_made_elsewhere_never_lock_out_a_browser_that_signed_in_before() {
    let (server, _) = server_with(|_| {}).await;
    let (client, _) = login_client(&server, false, &["authorization_code"]).await;
    let mut ana = Browser::new(&server);
    let done = sign_in(&mut ana, &client, ANA, PASSWORD).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(
        ana.cookies.contains_key(&format!("latchkey_device_{ORG}")),
        "a known-device marker: {:?}",
        ana.cookies.keys()
    );
    // Her session is gone from the browser (expired): the marker stays.
    ana.cookies.remove(&format!("latchkey_session_{ORG}"));

    // Someone fails with her username, waiting out each wait: 1 s, 2 s, 4 s, then 8 s.
    for pause in [0, 0, 0, 1_100, 2_100, 4_100] {
        actix_rt::time::sleep(std::time::Duration::from_millis(pause)).await;
        let tried = raw_sign_in(&server, &client, ANA, "not the password").await;
        assert_eq!(tried.code(), 401, "{}", tried.text());
    }
    let slowed = raw_sign_in(&server, &client, ANA, "not the password").await;
    assert_eq!(slowed.code(), 429, "the guesser waits");
    // A browser that never signed in as ana waits too, but at most 30 s.
    let stranger = raw_sign_in(&server, &client, ANA, PASSWORD).await;
    assert_eq!(stranger.code(), 429, "{}", stranger.text());
    let retry_after: i64 = stranger.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry_after), "{retry_after}");
    // Ana's browser is not refused: her right password signs her in at once.
    let back = sign_in(&mut ana, &client, ANA, PASSWORD).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    assert!(back.redirect_params().contains_key("code"));
}

/// A username longer than any username can be is refused like a wrong password, without a
/// check, and the page is not slowed for the real customer it resembles.
#[actix_rt::test]
async fn an_over_long_username_is_refused_and_makes_no_one_wait() {
    let (server, _) = server_with(|_| {}).await;
    let (client, _) = login_client(&server, false, &["authorization_code"]).await;
    let mut browser = Browser::new(&server);
    let page = browser
        .get(&authorize_url(&client, &[("prompt", "login")]))
        .await;
    let huge = format!("{}{ANA}", "a".repeat(5_000));
    for _ in 0..5 {
        let tried = browser.sign_in(&page, &huge, PASSWORD).await;
        assert_eq!(tried.status, StatusCode::UNAUTHORIZED, "{}", tried.body);
    }
    let done = browser.sign_in(&page, ANA, PASSWORD).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
}

async fn token_with(server: &TestServer, id: &str, secret: &str) -> Answer {
    server
        .token_request(id, secret, &[("grant_type", "client_credentials")])
        .await
}

fn assert_limited(answer: &Answer) {
    assert_eq!(answer.expect_oauth_error(429), "temporarily_unavailable");
    let retry_after: i64 = answer.header("retry-after").unwrap().parse().unwrap();
    assert!(retry_after >= 1, "{retry_after}");
    assert_eq!(answer.header("cache-control").as_deref(), Some("no-store"));
}

/// Guessing a client's secret at speed: past the failures a client id may have, its requests
/// are refused unchecked (429 with Retry-After), even with the right secret, at every endpoint
/// that authenticates clients.
#[actix_rt::test]
async fn failed_client_authentication_is_limited_per_client_id() {
    let (server, _) = server_with(|c| {
        c.client_auth_failures_per_client = "3/1h".parse().unwrap();
    })
    .await;
    let (id, secret) = server.create_client(&["credentials:read"], &[ORG]).await;
    for _ in 0..3 {
        let wrong = token_with(&server, &id, "not-the-secret-0123456789").await;
        assert_eq!(wrong.expect_oauth_error(401), "invalid_client");
    }
    assert_limited(&token_with(&server, &id, "not-the-secret-0123456789").await);
    assert_limited(&token_with(&server, &id, &secret).await);
    for path in ["/introspect", "/revoke", "/bc-authorize"] {
        let answer = collect(
            server
                .http
                .post(server.url(path))
                .basic_auth(&id, &secret)
                .send_form(&[("token", "x"), ("login_hint", ANA)])
                .await,
        )
        .await;
        assert_limited(&answer);
    }
    // Another client is not held back by this one's failures.
    assert!(!server.admin_token(None).await.is_empty());
}

/// Many client ids from one address: the address's failures run out too.
#[actix_rt::test]
async fn failed_client_authentication_is_limited_per_address() {
    let (server, _) = server_with(|c| {
        c.client_auth_failures_per_address = "5/1h".parse().unwrap();
    })
    .await;
    for n in 0..5 {
        let answer = token_with(&server, &format!("made-up-{n}"), "guess-0123456789").await;
        assert_eq!(answer.expect_oauth_error(401), "invalid_client");
    }
    assert_limited(&token_with(&server, "made-up-6", "guess-0123456789").await);
    let form_secret = collect(
        server
            .http
            .post(server.url("/token"))
            .send_form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "made-up-7"),
                ("client_secret", "guess-0123456789"),
            ])
            .await,
    )
    .await;
    assert_limited(&form_secret);
}

/// Message bombing: forty backchannel requests for one customer in a second sent forty
/// messages. Now a few go, the rest are refused (429) and send nothing.
#[actix_rt::test]
async fn backchannel_requests_for_one_customer_are_limited_before_sending() {
    let sink = SmtpSink::start();
    let url = sink.url();
    let (server, _) = server_with(move |c| c.smtp_url = Some(url.into())).await;
    let (id, secret) = login_client(&server, false, &["ciba"]).await;
    let requests = (0..40).map(|n| {
        let (server, id, secret) = (&server, id.clone(), secret.clone());
        async move {
            let message = format!("BX-{n}");
            let response = server
                .http
                .post(server.url("/bc-authorize"))
                .basic_auth(&id, &secret)
                .send_form(&[("login_hint", ANA), ("binding_message", message.as_str())])
                .await;
            collect(response).await
        }
    });
    let answers = futures_util::future::join_all(requests).await;
    let accepted = answers.iter().filter(|a| a.code() == 200).count();
    let limited: Vec<&Answer> = answers.iter().filter(|a| a.code() == 429).collect();
    assert_eq!(accepted, 3, "the default allows a burst of 3 per customer");
    assert_eq!(limited.len(), 37);
    assert_limited(limited[0]);
    actix_rt::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        sink.delivered().len(),
        3,
        "nothing sent for a refused request"
    );
    // Another customer is not held back.
    let bob = collect(
        server
            .http
            .post(server.url("/bc-authorize"))
            .basic_auth(&id, &secret)
            .send_form(&[("login_hint", BOB)])
            .await,
    )
    .await;
    assert_eq!(bob.code(), 200, "{}", bob.text());
}

/// Each login started stores a record for 15 minutes: one address can start only so many.
#[actix_rt::test]
async fn logins_started_per_address_are_limited() {
    let (server, _) = server_with(|c| {
        c.login_rate_per_address = "5/1h".parse().unwrap();
    })
    .await;
    let (client, _) = login_client(&server, false, &["authorization_code"]).await;
    for _ in 0..5 {
        let page = collect(
            server
                .http
                .get(server.url(&authorize_url(&client, &[])))
                .send()
                .await,
        )
        .await;
        assert_eq!(page.code(), 200, "{}", page.text());
    }
    let refused = collect(
        server
            .http
            .get(server.url(&authorize_url(&client, &[])))
            .send()
            .await,
    )
    .await;
    assert_eq!(refused.code(), 429, "{}", refused.text());
    assert!(refused.header("retry-after").is_some());
    assert!(refused.text().contains("<html"), "a page, not JSON");
}
