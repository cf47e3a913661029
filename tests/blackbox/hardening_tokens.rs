//! Hardening: one customer access token must not become the account (ASVS 5.0 V7.5.1, V6.3.4;
//! RFC 9700 §2.3; RFC 9068; RFC 9470). Each test performs an attack of the takeover chain (read
//! the TOTP seed, replace the authenticator, mint a magic link) or on the token itself (its
//! type, its malleable signature) and checks that it fails. The helpers serve the other
//! `hardening_tokens_*` modules too.

use crate::login::{Browser, collect};
use crate::second_factors::{decode_qr, now, secret_of, totp};
use actix_web::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_tests::{Answer, TestServer, credential_path};
use serde_json::{Value, json};

pub(crate) const ORG: &str = "masmovil";
pub(crate) const ANA: &str = "ana@example.com";
pub(crate) const PASSWORD: &str = "correct horse battery staple";
pub(crate) const CALLBACK: &str = "https://app.example/callback";
/// RFC 7636 Appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// Every scope a customer's token may carry: the application may ask for any of them.
const CUSTOMER_SCOPES: [&str; 9] = [
    "openid",
    "profile",
    "email",
    "phone",
    "offline_access",
    "devices",
    "otp",
    "totp",
    "tokens",
];

/// A confidential login client of [`ORG`] allowed every customer scope.
pub(crate) struct App {
    pub id: String,
    pub secret: String,
}

pub(crate) async fn app(server: &TestServer, admin: &str) -> App {
    let body = json!({
        "name": "masmovil app", "scopes": CUSTOMER_SCOPES, "orgs": [ORG],
        "grant_types": ["authorization_code", "refresh_token"], "redirect_uris": [CALLBACK],
    });
    let created = server
        .call("POST", "/v1/clients", Some(admin), Some(&body))
        .await
        .expect_json(201);
    App {
        id: created["client_id"].as_str().unwrap().to_owned(),
        secret: created["client_secret"].as_str().unwrap().to_owned(),
    }
}

/// `/authorize` of `app` with PKCE; `scope` left out when `None`.
pub(crate) fn authorize_url(app: &App, scope: Option<&str>, extra: &[(&str, &str)]) -> String {
    let mut params = vec![
        ("client_id", app.id.as_str()),
        ("response_type", "code"),
        ("redirect_uri", CALLBACK),
        ("state", "st"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    if let Some(scope) = scope {
        params.push(("scope", scope));
    }
    params.extend_from_slice(extra);
    format!(
        "/authorize?{}",
        serde_urlencoded::to_string(&params).unwrap()
    )
}

/// The code of the redirect `page` to the app, exchanged for tokens (200).
pub(crate) async fn tokens_of(server: &TestServer, app: &App, page: &crate::login::Page) -> Value {
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let code = page.redirect_params()["code"].clone();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CALLBACK),
        ("code_verifier", VERIFIER),
    ];
    server
        .token_request(&app.id, &app.secret, &form)
        .await
        .expect_json(200)
}

/// Ana signs in on `browser` (password; with a live session, none) for `scope`: the tokens.
pub(crate) async fn sign_in(
    server: &TestServer,
    browser: &mut Browser,
    app: &App,
    scope: Option<&str>,
) -> Value {
    let page = browser.get(&authorize_url(app, scope, &[])).await;
    let done = if page.status == StatusCode::SEE_OTHER {
        page
    } else {
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        browser.sign_in(&page, ANA, PASSWORD).await
    };
    tokens_of(server, app, &done).await
}

/// The refresh grant of `app`.
pub(crate) async fn refresh(server: &TestServer, app: &App, token: &str) -> Answer {
    let form = [("grant_type", "refresh_token"), ("refresh_token", token)];
    server.token_request(&app.id, &app.secret, &form).await
}

/// The claims (payload) of a JWT, unverified.
pub(crate) fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

pub(crate) fn access(tokens: &Value) -> String {
    tokens["access_token"].as_str().unwrap().to_owned()
}

/// `POST /introspect` as the bootstrap client.
pub(crate) async fn introspect(server: &TestServer, token: &str) -> Value {
    let response = server
        .http
        .post(server.url("/introspect"))
        .basic_auth(latchkey_tests::ADMIN_ID, latchkey_tests::ADMIN_SECRET)
        .send_form(&[("token", token)])
        .await;
    collect(response).await.json()
}

/// Endpoint 15 for ana (a customer's token names its own username too).
pub(crate) fn magic_links() -> String {
    format!("/v1/orgs/{ORG}/magiclinks?username={ANA}")
}

pub(crate) fn totp_path() -> String {
    format!("{}/totp", credential_path(ORG, ANA))
}

/// An active authenticator for ana, enrolled by a service: its secret.
pub(crate) async fn enroll(server: &TestServer, admin: &str) -> Vec<u8> {
    let enrolled = server.call("POST", &totp_path(), Some(admin), None).await;
    assert_eq!(enrolled.code(), 201, "{}", enrolled.text());
    let secret = secret_of(&decode_qr(&enrolled.body));
    let first = json!({"code": totp(&secret, now())});
    let activated = server
        .call("PUT", &totp_path(), Some(admin), Some(&first))
        .await;
    assert_eq!(activated.code(), 204, "{}", activated.text());
    secret
}

pub(crate) async fn server_with_ana() -> (TestServer, String) {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    server.active_credential(&admin, ORG, ANA, PASSWORD).await;
    (server, admin)
}

/// A 401 asking the customer to sign in again (RFC 9470 §3).
pub(crate) fn assert_reauthentication(answer: &Answer) {
    assert_eq!(answer.expect_error(401), "auth.reauthentication_required");
    let challenge = answer.header("www-authenticate").unwrap();
    assert!(
        challenge.contains("error=\"insufficient_user_authentication\"")
            && challenge.contains("max_age=\"300\""),
        "{challenge}"
    );
}

/// Attack 1: the application asked for no scope; the token must not reach second factors,
/// devices or magic links.
#[actix_rt::test]
async fn a_token_issued_without_scope_carries_only_the_openid_scopes() {
    let (server, admin) = server_with_ana().await;
    enroll(&server, &admin).await;
    let app = app(&server, &admin).await;
    let mut browser = Browser::new(&server);
    let tokens = sign_in(&server, &mut browser, &app, None).await;
    assert_eq!(tokens["scope"], "openid profile email phone");
    assert!(tokens.get("refresh_token").is_none());
    let token = access(&tokens);
    assert_eq!(claims(&token)["scope"], "openid profile email phone");
    for path in [
        totp_path(),
        format!("{}/devices", credential_path(ORG, ANA)),
        magic_links(),
    ] {
        let refused = server.get(&path, &token).await;
        assert_eq!(
            refused.expect_error(403),
            "auth.insufficient_scope",
            "{path}"
        );
    }
    // Asked for, a scope the client may give is given.
    let mut other = Browser::new(&server);
    let asked = sign_in(&server, &mut other, &app, Some("openid devices")).await;
    assert_eq!(asked["scope"], "devices openid");
}

/// Attack 2: a customer's token reads the active TOTP seed (endpoint 18). A sibling service
/// holding `totp` still can.
#[actix_rt::test]
async fn a_customer_token_never_reads_the_active_totp_seed() {
    let (server, admin) = server_with_ana().await;
    let secret = enroll(&server, &admin).await;
    let app = app(&server, &admin).await;
    let mut browser = Browser::new(&server);
    let token = access(&sign_in(&server, &mut browser, &app, Some("openid totp")).await);
    let refused = server.get(&totp_path(), &token).await;
    assert_eq!(refused.expect_error(409), "totp.not_pending");
    assert!(!refused.text().contains("otpauth"));
    let service = server.get(&totp_path(), &admin).await;
    assert_eq!(service.code(), 201);
    assert_eq!(secret_of(&decode_qr(&service.body)), secret);
}

/// Attack 3: a customer's token replaces the authenticator (POST, then PUT with the new seed's
/// code) and mints a magic link. Fresh after a password, it needs a code of the authenticator
/// it replaces; the magic link is then allowed (a recent full sign-in).
#[actix_rt::test]
async fn replacing_the_authenticator_with_a_fresh_token_needs_a_code_from_it() {
    let (server, admin) = server_with_ana().await;
    let old = enroll(&server, &admin).await;
    let app = app(&server, &admin).await;
    let mut browser = Browser::new(&server);
    let token = access(&sign_in(&server, &mut browser, &app, Some("openid totp tokens")).await);
    let sign_in_claims = claims(&token);
    assert_eq!(sign_in_claims["amr"], json!(["pwd"]));
    assert!(
        sign_in_claims["auth_time"].as_i64().unwrap() <= sign_in_claims["iat"].as_i64().unwrap()
    );
    assert!(sign_in_claims["sid"].is_string());

    let bare = server.call("POST", &totp_path(), Some(&token), None).await;
    assert_eq!(bare.expect_error(403), "totp.code_required");
    let wrong = json!({"code": "000000"});
    let refused = server
        .call("POST", &totp_path(), Some(&token), Some(&wrong))
        .await;
    assert_eq!(refused.expect_error(403), "totp.mismatch");
    // The code of the next step: enrolling used this one.
    let proof = json!({"code": totp(&old, now() + 30)});
    let enrolled = server
        .call("POST", &totp_path(), Some(&token), Some(&proof))
        .await;
    assert_eq!(enrolled.code(), 201, "{}", enrolled.text());
    let new = secret_of(&decode_qr(&enrolled.body));
    let shown = server.get(&totp_path(), &token).await;
    assert_eq!(secret_of(&decode_qr(&shown.body)), new, "the pending one");
    let activate = json!({"code": totp(&new, now())});
    let activated = server
        .call("PUT", &totp_path(), Some(&token), Some(&activate))
        .await;
    assert_eq!(activated.code(), 204, "{}", activated.text());
    let magic = server.get(&magic_links(), &token).await;
    assert_eq!(magic.code(), 200, "{}", magic.text());
}

/// Endpoint 15 (spec: "for a customer's own access token the subject is the caller"): a
/// customer's fresh token may leave `username` out and gets its own credential's link; a
/// service token must name one.
#[actix_rt::test]
async fn a_customer_token_gets_its_own_magic_link_without_naming_it() {
    let (server, admin) = server_with_ana().await;
    let app = app(&server, &admin).await;
    let mut browser = Browser::new(&server);
    let token = access(&sign_in(&server, &mut browser, &app, Some("openid tokens")).await);
    let unnamed = format!("/v1/orgs/{ORG}/magiclinks");
    let own = server.get(&unnamed, &token).await.expect_json(200);
    let link = own["link"].as_str().unwrap();
    let path = &link[link.find("/magiclink").unwrap()..];
    let page = Browser::new(&server).get(path).await;
    assert_eq!(page.status.as_u16(), 200, "{}", page.body);
    assert!(page.body.contains("a•••@example.com"), "{}", page.body);
    let service = server.get(&unnamed, &admin).await;
    assert_eq!(service.expect_error(400), "request.missing_username");
}

/// Attack 4: a token of a session signed in long ago (a refresh repeats its `auth_time`)
/// replaces the authenticator, reads a pending seed or mints a magic link: 401, sign in again.
/// The database is the only way to age a session without waiting five minutes.
#[actix_rt::test]
async fn a_token_of_an_old_sign_in_must_reauthenticate_to_change_factors() {
    let database = latchkey_tests::scratch_database().await;
    let server = TestServer::start_on(database.url(), |_| {}).await;
    let admin = server.admin_token(None).await;
    server.active_credential(&admin, ORG, ANA, PASSWORD).await;
    let app = app(&server, &admin).await;
    let mut browser = Browser::new(&server);
    let scope = Some("openid offline_access totp tokens");
    let tokens = sign_in(&server, &mut browser, &app, scope).await;
    latchkey_postgres::testing::execute(
        database.url(),
        &format!("UPDATE \"tenant_{ORG}\".devices SET auth_time = now() - interval '10 minutes'"),
    )
    .await
    .unwrap();
    let refreshed = refresh(&server, &app, tokens["refresh_token"].as_str().unwrap())
        .await
        .expect_json(200);
    let stale = access(&refreshed);
    let old = claims(&stale);
    assert!(now() as i64 - old["auth_time"].as_i64().unwrap() >= 600);

    assert_reauthentication(&server.call("POST", &totp_path(), Some(&stale), None).await);
    assert_reauthentication(&server.get(&magic_links(), &stale).await);
    // A pending enrollment (a sibling service's) is neither shown nor activated.
    let pending = server.call("POST", &totp_path(), Some(&admin), None).await;
    let secret = secret_of(&decode_qr(&pending.body));
    assert_reauthentication(&server.get(&totp_path(), &stale).await);
    let activate = json!({"code": totp(&secret, now())});
    assert_reauthentication(
        &server
            .call("PUT", &totp_path(), Some(&stale), Some(&activate))
            .await,
    );
    // `prompt=login` is how the application gets a fresh one.
    let page = browser
        .get(&authorize_url(&app, scope, &[("prompt", "login")]))
        .await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "the login page, despite the session"
    );
    let fresh =
        access(&tokens_of(&server, &app, &browser.sign_in(&page, ANA, PASSWORD).await).await);
    let magic = server.get(&magic_links(), &fresh).await;
    assert_eq!(magic.code(), 200, "{}", magic.text());
}

/// Attack 5: with `require2fa`, a fresh token whose sign-in had no second factor (the flag was
/// turned on after it) mints a magic link.
#[actix_rt::test]
async fn with_require2fa_a_sign_in_without_the_second_factor_mints_no_magic_link() {
    let (server, admin) = server_with_ana().await;
    let app = app(&server, &admin).await;
    let mut browser = Browser::new(&server);
    let token = access(&sign_in(&server, &mut browser, &app, Some("openid tokens")).await);
    let patch = json!({"enabled": true, "require2fa": true});
    let patched = server
        .call(
            "PATCH",
            &credential_path(ORG, ANA),
            Some(&admin),
            Some(&patch),
        )
        .await;
    assert_eq!(patched.code(), 204);
    assert_reauthentication(&server.get(&magic_links(), &token).await);
}

/// P-256's group order, big-endian.
const ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// Attack 6: a second text of the same token (the signature's malleable twin, `n - s`), and a
/// JWT signed by the server's keys that is not typed as an access token.
#[actix_rt::test]
async fn access_tokens_are_typed_and_their_malleable_twin_is_refused() {
    let server = TestServer::start().await;
    let token = server.admin_token(None).await;
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    let path = credential_path(ORG, "nobody@example.com");
    assert_eq!(server.get(&path, &token).await.code(), 404);

    let (signed, signature) = token.rsplit_once('.').unwrap();
    let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
    let mut twin = signature.clone();
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut digit = i16::from(ORDER[i]) - i16::from(signature[32 + i]) - borrow;
        borrow = i16::from(digit < 0);
        if digit < 0 {
            digit += 256;
        }
        twin[32 + i] = u8::try_from(digit).unwrap();
    }
    let twin = format!("{signed}.{}", URL_SAFE_NO_PAD.encode(&twin));
    assert_eq!(
        server.get(&path, &twin).await.expect_error(401),
        "auth.invalid_token"
    );
    assert_eq!(introspect(&server, &twin).await, json!({"active": false}));

    let (head, rest) = token.split_once('.').unwrap();
    let mut retyped: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(head).unwrap()).unwrap();
    retyped["typ"] = json!("JWT");
    let retyped = format!("{}.{rest}", URL_SAFE_NO_PAD.encode(retyped.to_string()));
    assert_eq!(
        server.get(&path, &retyped).await.expect_error(401),
        "auth.invalid_token"
    );
}
