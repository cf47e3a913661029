//! The login server as a client application and a browser use it: `/authorize`, the login
//! pages, `/token` with the authorization code (PKCE, RFC 7636 — including its Appendix B
//! vector) and refresh token grants, ID tokens checked with the published keys, `/userinfo`,
//! the customer's token on the Credentials API, device sessions, and the errors RFC 6749
//! §4.1.2.1 and §5.2 name.

use crate::second_factors::{code_in, decode_qr, now, secret_of, totp};
use actix_web::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use latchkey_testkit::smtp_sink::SmtpSink;
use latchkey_tests::{Answer, TestServer, credential_path};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::Duration;

const ORG: &str = "masmovil";
const ANA: &str = "ana@example.com";
const PASSWORD: &str = "correct horse battery staple";
const CALLBACK: &str = "https://app.example/callback";
/// RFC 7636 Appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const CUSTOMER_SCOPES: [&str; 7] = [
    "openid",
    "profile",
    "email",
    "offline_access",
    "devices",
    "totp",
    "otp",
];

/// A browser: no redirects followed, cookies kept (by name) and sent back.
pub(crate) struct Browser {
    http: awc::Client,
    base: String,
    pub cookies: HashMap<String, String>,
    pub user_agent: String,
}

/// What a page answered.
pub(crate) struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
    /// The `Content-Security-Policy` header, if any.
    pub csp: Option<String>,
}

impl Page {
    /// The value of the hidden input `name`.
    pub fn hidden(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("no input {name} in: {}", self.body))
            + marker.len();
        let end = self.body[start..].find('"').unwrap() + start;
        self.body[start..end].to_owned()
    }

    /// The query (or fragment) parameters of the redirect.
    pub fn redirect_params(&self) -> HashMap<String, String> {
        let location = self
            .location
            .as_deref()
            .unwrap_or_else(|| panic!("no redirect ({}): {}", self.status, self.body));
        let query = location.split_once(['?', '#']).map_or("", |(_, q)| q);
        serde_urlencoded::from_str::<Vec<(String, String)>>(query)
            .unwrap()
            .into_iter()
            .collect()
    }
}

impl Browser {
    pub fn new(server: &TestServer) -> Self {
        Self {
            http: awc::Client::builder()
                .disable_redirects()
                .timeout(Duration::from_secs(30))
                .finish(),
            base: server.base.clone(),
            cookies: HashMap::new(),
            user_agent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 \
                         (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
                .to_owned(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn finish(
        &mut self,
        response: Result<
            awc::ClientResponse<
                impl futures_util::Stream<
                    Item = Result<actix_web::web::Bytes, awc::error::PayloadError>,
                > + Unpin,
            >,
            awc::error::SendRequestError,
        >,
    ) -> Page {
        let mut response = response.expect("request sent");
        for value in response.headers().get_all("set-cookie") {
            let raw = value.to_str().unwrap();
            let pair = raw.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            let removed = raw.to_ascii_lowercase().contains("max-age=0");
            if removed || value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let body = response.body().limit(1 << 20).await.unwrap().to_vec();
        Page {
            status: response.status(),
            location: response
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_owned()),
            body: String::from_utf8(body).unwrap(),
            csp: response
                .headers()
                .get("content-security-policy")
                .map(|v| v.to_str().unwrap().to_owned()),
        }
    }

    pub async fn get(&mut self, path_and_query: &str) -> Page {
        let response = self
            .http
            .get(format!("{}{path_and_query}", self.base))
            .insert_header(("cookie", self.cookie_header()))
            .insert_header(("user-agent", self.user_agent.clone()))
            .insert_header(("accept-language", "en-GB,en;q=0.9"))
            .send()
            .await;
        self.finish(response).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .insert_header(("cookie", self.cookie_header()))
            .insert_header(("user-agent", self.user_agent.clone()))
            .insert_header(("accept-language", "en-GB,en;q=0.9"))
            .send_form(&form)
            .await;
        self.finish(response).await
    }

    /// Username and password on the login page `page`.
    pub async fn sign_in(&mut self, page: &Page, username: &str, password: &str) -> Page {
        let (tx, csrf) = (page.hidden("tx"), page.hidden("csrf"));
        self.post(
            "/login",
            &[
                ("tx", &tx),
                ("csrf", &csrf),
                ("username", username),
                ("password", password),
            ],
        )
        .await
    }
}

/// A login client of masmovil; answers (client_id, client_secret or "").
pub(crate) async fn login_client(
    server: &TestServer,
    public: bool,
    grants: &[&str],
) -> (String, String) {
    let admin = server.admin_token(None).await;
    let body = json!({
        "name": "web shop", "scopes": CUSTOMER_SCOPES, "orgs": [ORG],
        "grant_types": grants, "redirect_uris": [CALLBACK, "http://127.0.0.1:9/cb"], "public": public,
    });
    let created = server
        .call("POST", "/v1/clients", Some(&admin), Some(&body))
        .await
        .expect_json(201);
    (
        created["client_id"].as_str().unwrap().to_owned(),
        created["client_secret"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

fn authorize_url(client: &str, extra: &[(&str, &str)]) -> String {
    let mut params = vec![
        ("client_id", client),
        ("response_type", "code"),
        ("redirect_uri", CALLBACK),
        ("state", "xyz-state"),
        ("scope", "openid profile email offline_access devices"),
        ("nonce", "n-0S6_WzA2Mj"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    for (k, v) in extra {
        params.retain(|(key, _)| key != k);
        if !v.is_empty() {
            params.push((k, v));
        }
    }
    format!(
        "/authorize?{}",
        serde_urlencoded::to_string(&params).unwrap()
    )
}

async fn exchange(server: &TestServer, id: &str, secret: &str, form: &[(&str, &str)]) -> Answer {
    let mut form: Vec<(&str, &str)> = form.to_vec();
    if secret.is_empty() {
        form.push(("client_id", id));
        let response = server
            .http
            .post(server.url("/token"))
            .send_form(&form)
            .await;
        return collect(response).await;
    }
    server.token_request(id, secret, &form).await
}

/// The authorization code grant with the RFC 7636 Appendix B verifier and the usual callback.
async fn redeem(server: &TestServer, client: &str, secret: &str, code: &str) -> Answer {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", CALLBACK),
        ("code_verifier", VERIFIER),
    ];
    exchange(server, client, secret, &form).await
}

pub(crate) async fn collect(
    response: Result<
        awc::ClientResponse<
            impl futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>>
            + Unpin,
        >,
        awc::error::SendRequestError,
    >,
) -> Answer {
    let mut response = response.unwrap();
    let body = response.body().await.unwrap().to_vec();
    Answer {
        status: response.status(),
        headers: response.headers().clone(),
        body,
    }
}

/// A server with ana active; answers it and an admin token.
async fn server_with_ana() -> (TestServer, String) {
    server_with_ana_on(None).await
}

async fn server_with_ana_on(sink: Option<&SmtpSink>) -> (TestServer, String) {
    let url = sink.map(SmtpSink::url);
    let server = TestServer::start_with(move |c| {
        if let Some(url) = url {
            c.smtp_url = Some(url.into());
        }
    })
    .await;
    let admin = server.admin_token(None).await;
    server.active_credential(&admin, ORG, ANA, PASSWORD).await;
    (server, admin)
}

/// Signs ana in through the pages; answers the code.
async fn code_for(server: &TestServer, browser: &mut Browser, client: &str) -> String {
    let page = browser.get(&authorize_url(client, &[])).await;
    // A browser with a live session comes straight back.
    let done = if page.status == StatusCode::SEE_OTHER {
        page
    } else {
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        browser.sign_in(&page, ANA, PASSWORD).await
    };
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let params = done.redirect_params();
    assert!(done.location.as_deref().unwrap().starts_with(CALLBACK));
    assert_eq!(params["state"], "xyz-state");
    assert_eq!(params["iss"], server.base);
    params["code"].clone()
}

/// Verifies an ID token with the published keys, as a relying party does.
async fn verify_id_token(server: &TestServer, id_token: &str, client: &str) -> Value {
    let header = jsonwebtoken::decode_header(id_token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256, "RS256 by default");
    let jwks = server.jwks().await;
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"].as_str() == header.kid.as_deref())
        .expect("the ID token's kid is published");
    assert_eq!(jwk["kty"], "RSA");
    let key =
        DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap())
            .unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[client]);
    validation.set_issuer(&[&server.base]);
    jsonwebtoken::decode::<Value>(id_token, &key, &validation)
        .expect("a valid ID token")
        .claims
}

#[actix_rt::test]
async fn authorization_code_with_pkce_appendix_b_gives_tokens_a_relying_party_accepts() {
    let (server, _) = server_with_ana().await;
    let (client, secret) =
        login_client(&server, false, &["authorization_code", "refresh_token"]).await;
    let mut browser = Browser::new(&server);
    let page = browser.get(&authorize_url(&client, &[])).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("<label for=\"username\">"),
        "labelled inputs"
    );
    assert!(
        page.body.contains("lang=\"en\""),
        "English from Accept-Language"
    );
    let done = browser.sign_in(&page, ANA, PASSWORD).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let session = browser
        .cookies
        .keys()
        .find(|k| k.starts_with("latchkey_session_"))
        .cloned()
        .expect("a device-session cookie");
    assert_eq!(session, format!("latchkey_session_{ORG}"));
    let code = done.redirect_params()["code"].clone();

    let answer = redeem(&server, &client, &secret, &code).await;
    assert_eq!(answer.header("cache-control").as_deref(), Some("no-store"));
    let tokens = answer.expect_json(200);
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(
        tokens["scope"],
        "devices openid profile email offline_access"
    );
    let access = tokens["access_token"].as_str().unwrap();
    assert!(
        tokens["refresh_token"].is_string(),
        "offline access: {tokens}"
    );
    let claims = verify_id_token(&server, tokens["id_token"].as_str().unwrap(), &client).await;
    assert_eq!(claims["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(claims["amr"], json!(["pwd"]));
    assert!(claims["auth_time"].as_i64().unwrap() <= claims["iat"].as_i64().unwrap());
    let digest = Sha256::digest(access.as_bytes());
    assert_eq!(claims["at_hash"], URL_SAFE_NO_PAD.encode(&digest[..16]));
    let sub = claims["sub"].as_str().unwrap().to_owned();

    let info = server.get("/userinfo", access).await.expect_json(200);
    assert_eq!(info["sub"], sub.as_str());
    assert_eq!(info["email"], ANA);
    assert_eq!(info["preferred_username"], ANA);

    // The customer's token works on its own credential's devices, not on anyone else's.
    let devices = format!("{}/devices", credential_path(ORG, ANA));
    let list = server.get(&devices, access).await.expect_json(200);
    let list = list["devices"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["user_agent_alias"], "Chrome on macOS");
    assert!(list[0]["created_at"].is_i64() && list[0]["expires_at"].is_i64());
    let admin = server.admin_token(None).await;
    server
        .active_credential(&admin, ORG, "bob@example.com", PASSWORD)
        .await;
    let bobs = format!("{}/devices", credential_path(ORG, "bob@example.com"));
    assert_eq!(
        server.get(&bobs, access).await.expect_error(403),
        "auth.not_own_credential"
    );
    let profile = server.get(&credential_path(ORG, ANA), access).await;
    assert_eq!(profile.expect_error(403), "auth.insufficient_scope");
    // last_login_at is stamped.
    let credential = server
        .get(&credential_path(ORG, ANA), &admin)
        .await
        .expect_json(200);
    assert!(!credential["last_login_at"].is_null(), "{credential}");
}

#[actix_rt::test]
async fn token_endpoint_errors_follow_rfc_6749_and_7636() {
    let (server, _) = server_with_ana().await;
    let (client, secret) =
        login_client(&server, false, &["authorization_code", "refresh_token"]).await;
    let (other, other_secret) = login_client(&server, false, &["authorization_code"]).await;
    let mut browser = Browser::new(&server);
    let grant = |code: &str, verifier: &str| {
        let mut form = vec![
            ("grant_type".to_owned(), "authorization_code".to_owned()),
            ("code".to_owned(), code.to_owned()),
            ("redirect_uri".to_owned(), CALLBACK.to_owned()),
        ];
        if !verifier.is_empty() {
            form.push(("code_verifier".to_owned(), verifier.to_owned()));
        }
        form
    };
    let send = async |id: &str, secret: &str, form: Vec<(String, String)>| {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        exchange(&server, id, secret, &form).await
    };
    // A wrong verifier: invalid_grant, and the code is spent.
    let code = code_for(&server, &mut browser, &client).await;
    let wrong = &format!("{}x", &VERIFIER[..42]);
    assert_eq!(
        send(&client, &secret, grant(&code, wrong))
            .await
            .expect_oauth_error(400),
        "invalid_grant"
    );
    assert_eq!(
        send(&client, &secret, grant(&code, VERIFIER))
            .await
            .expect_oauth_error(400),
        "invalid_grant"
    );
    // No verifier for a code with a challenge.
    let code = code_for(&server, &mut browser, &client).await;
    assert_eq!(
        send(&client, &secret, grant(&code, ""))
            .await
            .expect_oauth_error(400),
        "invalid_request"
    );
    // Another client's code.
    let code = code_for(&server, &mut browser, &client).await;
    assert_eq!(
        send(&other, &other_secret, grant(&code, VERIFIER))
            .await
            .expect_oauth_error(400),
        "invalid_grant"
    );
    // Another redirect URI.
    let code = code_for(&server, &mut browser, &client).await;
    let mut form = grant(&code, VERIFIER);
    form[2].1 = "http://127.0.0.1:9/cb".to_owned();
    assert_eq!(
        send(&client, &secret, form).await.expect_oauth_error(400),
        "invalid_grant"
    );
    // A request without a challenge (a PKCE downgrade) gets no code at all: PKCE with S256 is
    // required of every client (the browser's session would have signed in at once).
    let done = browser
        .get(&authorize_url(
            &client,
            &[("code_challenge", ""), ("code_challenge_method", "")],
        ))
        .await;
    assert_eq!(done.redirect_params()["error"], "invalid_request");
    // Wrong secret, unknown grant, missing code, a grant the client lacks.
    assert_eq!(
        send(&client, "nope", grant("x", VERIFIER))
            .await
            .expect_oauth_error(401),
        "invalid_client"
    );
    let answer = send(
        &client,
        &secret,
        vec![("grant_type".into(), "password".into())],
    )
    .await;
    assert_eq!(answer.expect_oauth_error(400), "unsupported_grant_type");
    let answer = send(
        &client,
        &secret,
        vec![("grant_type".into(), "authorization_code".into())],
    )
    .await;
    assert_eq!(answer.expect_oauth_error(400), "invalid_request");
    let answer = send(
        &other,
        &other_secret,
        vec![
            ("grant_type".into(), "refresh_token".into()),
            ("refresh_token".into(), "x".into()),
        ],
    )
    .await;
    assert_eq!(answer.expect_oauth_error(400), "unauthorized_client");
    let answer = send(
        &client,
        &secret,
        vec![("grant_type".into(), "client_credentials".into())],
    )
    .await;
    assert_eq!(
        answer.expect_oauth_error(400),
        "unauthorized_client",
        "a login client gets no service token"
    );
}

#[actix_rt::test]
async fn a_replayed_code_is_refused_and_revokes_what_it_issued() {
    let (server, _) = server_with_ana().await;
    let (client, secret) =
        login_client(&server, false, &["authorization_code", "refresh_token"]).await;
    let mut browser = Browser::new(&server);
    let code = code_for(&server, &mut browser, &client).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CALLBACK),
        ("code_verifier", VERIFIER),
    ];
    let tokens = exchange(&server, &client, &secret, &form)
        .await
        .expect_json(200);
    let access = tokens["access_token"].as_str().unwrap();
    let devices = format!("{}/devices", credential_path(ORG, ANA));
    assert_eq!(server.get(&devices, access).await.code(), 200);
    assert_eq!(
        exchange(&server, &client, &secret, &form)
            .await
            .expect_oauth_error(400),
        "invalid_grant"
    );
    assert_eq!(
        server.get(&devices, access).await.expect_error(401),
        "auth.revoked_token"
    );
    let refresh = [
        ("grant_type", "refresh_token"),
        ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
    ];
    assert_eq!(
        exchange(&server, &client, &secret, &refresh)
            .await
            .expect_oauth_error(400),
        "invalid_grant"
    );
}

#[actix_rt::test]
async fn refresh_tokens_rotate_and_a_reused_one_ends_the_session() {
    let (server, _) = server_with_ana().await;
    let (client, secret) =
        login_client(&server, true, &["authorization_code", "refresh_token"]).await;
    assert!(secret.is_empty(), "a public client has no secret");
    let mut browser = Browser::new(&server);
    let code = code_for(&server, &mut browser, &client).await;
    let tokens = redeem(&server, &client, "", &code).await.expect_json(200);
    let first = tokens["refresh_token"].as_str().unwrap().to_owned();
    let refreshed = exchange(
        &server,
        &client,
        "",
        &[("grant_type", "refresh_token"), ("refresh_token", &first)],
    )
    .await
    .expect_json(200);
    let second = refreshed["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second, "rotated");
    assert!(refreshed["access_token"].is_string());
    // Narrowing is allowed, widening is not.
    let narrowed = exchange(
        &server,
        &client,
        "",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &second),
            ("scope", "devices"),
        ],
    )
    .await
    .expect_json(200);
    assert_eq!(narrowed["scope"], "devices");
    let third = narrowed["refresh_token"].as_str().unwrap().to_owned();
    let wide = exchange(
        &server,
        &client,
        "",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &third),
            ("scope", "devices totp:passcode"),
        ],
    )
    .await;
    assert_eq!(wide.expect_oauth_error(400), "invalid_scope");
    // Reusing a rotated token ends the session: the newest token dies too.
    let reuse = exchange(
        &server,
        &client,
        "",
        &[("grant_type", "refresh_token"), ("refresh_token", &first)],
    )
    .await;
    assert_eq!(reuse.expect_oauth_error(400), "invalid_grant");
    let after = exchange(
        &server,
        &client,
        "",
        &[("grant_type", "refresh_token"), ("refresh_token", &third)],
    )
    .await;
    assert_eq!(after.expect_oauth_error(400), "invalid_grant");
}

#[actix_rt::test]
async fn authorize_never_redirects_to_an_untrusted_uri() {
    let (server, _) = server_with_ana().await;
    let (client, _) = login_client(&server, false, &["authorization_code"]).await;
    let mut browser = Browser::new(&server);
    for url in [
        authorize_url("no-such-client", &[]),
        authorize_url(&client, &[("redirect_uri", "https://evil.example/cb")]),
        authorize_url(&client, &[("redirect_uri", "")]),
        format!("{}&state=again", authorize_url(&client, &[])),
    ] {
        let page = browser.get(&url).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{url}");
        assert!(page.location.is_none(), "{url} must not redirect");
        assert!(page.body.contains("<html"), "an error page: {url}");
    }
}

#[actix_rt::test]
async fn authorize_sends_other_errors_back_to_the_client() {
    let (server, _) = server_with_ana().await;
    let (client, _) = login_client(&server, false, &["authorization_code"]).await;
    let (public, _) = login_client(&server, true, &["authorization_code"]).await;
    let mut browser = Browser::new(&server);
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let cases: [Case; 6] = [
        (&client, vec![("response_type", "")], "invalid_request"),
        (
            &client,
            vec![("response_type", "id_token")],
            "unsupported_response_type",
        ),
        (
            &client,
            vec![("response_type", "token")],
            "unauthorized_client",
        ),
        (
            &client,
            vec![("scope", "openid credentials:admin")],
            "invalid_scope",
        ),
        (
            &public,
            vec![
                ("code_challenge_method", "plain"),
                ("code_challenge", VERIFIER),
            ],
            "invalid_request",
        ),
        (&client, vec![("prompt", "none")], "login_required"),
    ];
    for (id, extra, error) in cases {
        let page = browser.get(&authorize_url(id, &extra)).await;
        assert_eq!(page.status, StatusCode::FOUND, "{extra:?}: {}", page.body);
        assert!(page.location.as_deref().unwrap().starts_with(CALLBACK));
        let params = page.redirect_params();
        assert_eq!(params["error"], error, "{extra:?}");
        assert_eq!(params["state"], "xyz-state");
    }
    // Without a state the request is still an error that goes back.
    let page = browser.get(&authorize_url(&client, &[("state", "")])).await;
    assert_eq!(page.redirect_params()["error"], "invalid_request");
}

#[actix_rt::test]
async fn wrong_passwords_are_told_apart_from_nothing_and_slowed_down() {
    let (server, _) = server_with_ana().await;
    let (client, _) = login_client(&server, false, &["authorization_code"]).await;
    let mut browser = Browser::new(&server);
    let page = browser
        .get(&authorize_url(&client, &[("ui_locales", "es")]))
        .await;
    assert!(page.body.contains("lang=\"es\""), "ui_locales wins");
    let unknown = browser.sign_in(&page, "nobody@example.com", PASSWORD).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(
        unknown.body.contains("role=\"alert\""),
        "the error is announced"
    );
    assert!(unknown.body.contains("Usuario o contraseña incorrectos."));
    let wrong = browser.sign_in(&page, ANA, "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    for _ in 0..2 {
        browser.sign_in(&page, ANA, "not the password").await;
    }
    let slowed = browser.sign_in(&page, ANA, PASSWORD).await;
    assert_eq!(
        slowed.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        slowed.body
    );
    // A forged form (no anti-forgery cookie) is refused.
    let mut stranger = Browser::new(&server);
    let forged = stranger.sign_in(&page, ANA, PASSWORD).await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);
    assert!(forged.location.is_none());
}

#[actix_rt::test]
async fn a_live_session_signs_in_without_asking_and_logout_ends_it() {
    let (server, _) = server_with_ana().await;
    let (client, _) = login_client(&server, false, &["authorization_code"]).await;
    let mut browser = Browser::new(&server);
    let page = browser.get(&authorize_url(&client, &[])).await;
    let done = browser.sign_in(&page, ANA, PASSWORD).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    // The same form submitted again finds its login finished.
    let twice = browser.sign_in(&page, ANA, PASSWORD).await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST, "{}", twice.body);
    assert!(twice.location.is_none(), "no second code");
    let again = browser
        .get(&authorize_url(&client, &[("prompt", "none")]))
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    assert!(again.redirect_params().contains_key("code"));
    let fresh = browser
        .get(&authorize_url(&client, &[("prompt", "login")]))
        .await;
    assert_eq!(fresh.status, StatusCode::OK, "prompt=login shows the page");
    // Without an id_token_hint the customer confirms on a page (RP-Initiated Logout 1.0), and
    // only a URI the client registered for logout is a destination.
    let admin = server.admin_token(None).await;
    let created = server
        .call(
            "POST",
            "/v1/clients",
            Some(&admin),
            Some(&json!({
                "name": "web shop", "scopes": ["openid"], "orgs": [ORG],
                "grant_types": ["authorization_code"], "redirect_uris": [CALLBACK],
                "post_logout_redirect_uris": [CALLBACK],
            })),
        )
        .await
        .expect_json(201);
    let shop = created["client_id"].as_str().unwrap();
    let confirm = browser
        .get(&format!(
            "/logout?client_id={shop}&post_logout_redirect_uri={}&state=bye",
            CALLBACK
        ))
        .await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.body);
    let out = browser
        .post("/logout/confirm", &[("logout", &confirm.hidden("logout"))])
        .await;
    assert_eq!(out.status, StatusCode::FOUND);
    assert_eq!(
        out.location.as_deref(),
        Some(&*format!("{CALLBACK}?state=bye"))
    );
    let after = browser
        .get(&authorize_url(&client, &[("prompt", "none")]))
        .await;
    assert_eq!(after.redirect_params()["error"], "login_required");
}

#[actix_rt::test]
async fn require2fa_asks_for_a_totp_code() {
    let (server, admin) = server_with_ana().await;
    let path = credential_path(ORG, ANA);
    let enrolled = server
        .call("POST", &format!("{path}/totp"), Some(&admin), None)
        .await;
    assert_eq!(enrolled.code(), 201);
    let secret = secret_of(&decode_qr(&enrolled.body));
    let first = json!({"code": totp(&secret, now())});
    assert_eq!(
        server
            .call("PUT", &format!("{path}/totp"), Some(&admin), Some(&first))
            .await
            .code(),
        204
    );
    let patch = json!({"enabled": true, "require2fa": true});
    assert_eq!(
        server
            .call("PATCH", &path, Some(&admin), Some(&patch))
            .await
            .code(),
        204
    );

    let (client, secret_of_client) = login_client(&server, false, &["authorization_code"]).await;
    let mut browser = Browser::new(&server);
    let page = browser.get(&authorize_url(&client, &[])).await;
    let factor = browser.sign_in(&page, ANA, PASSWORD).await;
    assert_eq!(factor.status, StatusCode::OK, "{}", factor.body);
    assert!(factor.body.contains("autocomplete=\"one-time-code\""));
    let (tx, csrf) = (factor.hidden("tx"), factor.hidden("csrf"));
    let wrong = browser
        .post(
            "/login/factor",
            &[
                ("tx", &tx),
                ("csrf", &csrf),
                ("method", "totp"),
                ("code", "000000"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    // The code of the next step: the enrollment's first code used this one.
    let code = totp(&secret, now() + 30);
    let done = browser
        .post(
            "/login/factor",
            &[
                ("tx", &tx),
                ("csrf", &csrf),
                ("method", "totp"),
                ("code", &code),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let code = done.redirect_params()["code"].clone();
    let tokens = redeem(&server, &client, &secret_of_client, &code)
        .await
        .expect_json(200);
    let claims = verify_id_token(&server, tokens["id_token"].as_str().unwrap(), &client).await;
    assert_eq!(claims["amr"], json!(["pwd", "otp", "mfa"]));
}

#[actix_rt::test]
async fn require2fa_can_use_a_code_sent_by_e_mail_and_a_new_device_is_announced() {
    let sink = SmtpSink::start();
    let (server, admin) = server_with_ana_on(Some(&sink)).await;
    let patch = json!({"enabled": true, "require2fa": true});
    assert_eq!(
        server
            .call(
                "PATCH",
                &credential_path(ORG, ANA),
                Some(&admin),
                Some(&patch)
            )
            .await
            .code(),
        204
    );
    let (client, _) = login_client(&server, false, &["authorization_code"]).await;
    let mut browser = Browser::new(&server);
    let page = browser.get(&authorize_url(&client, &[])).await;
    let factor = browser.sign_in(&page, ANA, PASSWORD).await;
    assert_eq!(factor.status, StatusCode::OK);
    assert!(
        factor.body.contains("a•••@example.com"),
        "the contact is masked"
    );
    let (tx, csrf) = (factor.hidden("tx"), factor.hidden("csrf"));
    let sent = browser
        .post(
            "/login/send",
            &[("tx", &tx), ("csrf", &csrf), ("hint", "c1")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert!(sent.body.contains("role=\"status\""));
    let code = code_in(&sink.wait_for(1)[0]);
    let done = browser
        .post(
            "/login/factor",
            &[
                ("tx", &tx),
                ("csrf", &csrf),
                ("method", "otp"),
                ("code", &code),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let mails = sink.wait_for(2);
    let notice = String::from_utf8_lossy(&mails[1]);
    assert!(
        notice.contains("Chrome on macOS"),
        "new-device notice: {notice}"
    );
}

#[actix_rt::test]
async fn unlinking_a_device_kills_its_refresh_tokens_at_once() {
    let (server, admin) = server_with_ana().await;
    let (client, secret) =
        login_client(&server, false, &["authorization_code", "refresh_token"]).await;
    let mut browser = Browser::new(&server);
    let code = code_for(&server, &mut browser, &client).await;
    let tokens = redeem(&server, &client, &secret, &code)
        .await
        .expect_json(200);
    let devices = format!("{}/devices", credential_path(ORG, ANA));
    let list = server.get(&devices, &admin).await.expect_json(200);
    let id = list["devices"][0]["device_id"].as_str().unwrap().to_owned();
    let unlink = server
        .call("DELETE", &format!("{devices}/{id}"), Some(&admin), None)
        .await;
    assert_eq!(unlink.code(), 204);
    let again = server
        .call("DELETE", &format!("{devices}/{id}"), Some(&admin), None)
        .await;
    assert_eq!(again.expect_error(404), "device.not_found");
    let refresh = [
        ("grant_type", "refresh_token"),
        ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
    ];
    assert_eq!(
        exchange(&server, &client, &secret, &refresh)
            .await
            .expect_oauth_error(400),
        "invalid_grant"
    );
    let all = server.call("DELETE", &devices, Some(&admin), None).await;
    assert_eq!(all.expect_error(400), "device.scope_required");
    let all = server
        .call(
            "DELETE",
            &format!("{devices}?scope=all"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(all.code(), 204);
    assert_eq!(
        server.get(&devices, &admin).await.expect_json(200)["devices"],
        json!([])
    );
}

#[actix_rt::test]
async fn discovery_describes_the_provider() {
    let server = TestServer::start().await;
    let doc = server
        .call("GET", "/.well-known/openid-configuration", None, None)
        .await
        .expect_json(200);
    assert_eq!(doc["issuer"], server.base);
    for (field, path) in [
        ("authorization_endpoint", "/authorize"),
        ("token_endpoint", "/token"),
        ("userinfo_endpoint", "/userinfo"),
        ("jwks_uri", "/jwks.json"),
        ("revocation_endpoint", "/revoke"),
        ("introspection_endpoint", "/introspect"),
    ] {
        assert_eq!(doc[field], format!("{}{path}", server.base));
    }
    assert!(
        doc["id_token_signing_alg_values_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("RS256"))
    );
    assert!(
        doc["code_challenge_methods_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("S256"))
    );
    let jwks = server.jwks().await;
    let algs: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["alg"].as_str().unwrap())
        .collect();
    assert!(
        algs.contains(&"RS256") && algs.contains(&"ES256"),
        "{algs:?}"
    );
    let unauthenticated = server.call("GET", "/userinfo", None, None).await;
    assert_eq!(unauthenticated.code(), 401);
    assert!(
        unauthenticated
            .header("www-authenticate")
            .unwrap()
            .starts_with("Bearer")
    );
}

#[actix_rt::test]
async fn login_clients_are_registered_with_their_rules() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    let create = async |body: Value| {
        server
            .call("POST", "/v1/clients", Some(&admin), Some(&body))
            .await
    };
    let base = json!({"name": "app", "scopes": ["openid"], "orgs": [ORG]});
    let with = |extra: Value| {
        let mut b = base.clone();
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        b
    };
    for (extra, error) in [
        (
            json!({"grant_types": ["authorization_code"]}),
            "client.invalid_redirect_uri",
        ),
        (
            json!({"grant_types": ["authorization_code"], "redirect_uris": ["http://app.example/cb"]}),
            "client.invalid_redirect_uri",
        ),
        (
            json!({"grant_types": ["authorization_code"], "redirect_uris": ["https://a.example/cb#x"]}),
            "client.invalid_redirect_uri",
        ),
        (json!({"grant_types": ["password"]}), "client.unknown_grant"),
        (
            json!({"grant_types": ["refresh_token"]}),
            "client.invalid_grants",
        ),
        (
            json!({"grant_types": ["ciba"], "public": true}),
            "client.invalid_grants",
        ),
        (
            json!({"grant_types": ["authorization_code"], "redirect_uris": [CALLBACK], "orgs": ["*"]}),
            "client.invalid_grants",
        ),
    ] {
        assert_eq!(
            create(with(extra.clone())).await.expect_error(400),
            error,
            "{extra}"
        );
    }
    let created = create(with(json!({"grant_types": ["authorization_code"], "redirect_uris": [CALLBACK, "com.example.app:/cb"], "public": true})))
        .await
        .expect_json(201);
    assert!(created.get("client_secret").is_none(), "{created}");
    assert_eq!(created["public"], true);
    assert_eq!(created["grant_types"], json!(["authorization_code"]));
    assert_eq!(created["id_token_signed_response_alg"], "RS256");
}

/// A magic-link token for ana (endpoint 15).
async fn magic_token(server: &TestServer, admin: &str) -> String {
    let answer = server
        .get(&format!("/v1/orgs/{ORG}/magiclinks?username={ANA}"), admin)
        .await
        .expect_json(200);
    answer["token"].as_str().unwrap().to_owned()
}

fn magic_path(token: &str) -> String {
    format!(
        "/magiclink?{}",
        serde_urlencoded::to_string([("token", token)]).unwrap()
    )
}

/// Opens a magic link and answers its "continue as ...?" page, as the customer does.
async fn open_magic(browser: &mut Browser, token: &str) -> Page {
    let page = browser.get(&magic_path(token)).await;
    if page.status != StatusCode::OK {
        return page;
    }
    let (token, csrf) = (page.hidden("token"), page.hidden("csrf"));
    browser
        .post("/magiclink", &[("token", &token), ("csrf", &csrf)])
        .await
}

#[actix_rt::test]
async fn a_magic_link_continues_the_login_pending_in_the_browser() {
    let (server, admin) = server_with_ana().await;
    let (client, secret) = login_client(&server, false, &["authorization_code"]).await;
    let mut browser = Browser::new(&server);
    let page = browser.get(&authorize_url(&client, &[])).await;
    assert_eq!(page.status, StatusCode::OK);
    let token = magic_token(&server, &admin).await;
    let done = open_magic(&mut browser, &token).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let params = done.redirect_params();
    assert_eq!(params["state"], "xyz-state");
    let tokens = redeem(&server, &client, &secret, &params["code"])
        .await
        .expect_json(200);
    let claims = verify_id_token(&server, tokens["id_token"].as_str().unwrap(), &client).await;
    assert_eq!(claims["amr"], json!(["email"]));
    // Single use.
    let again = open_magic(&mut browser, &token).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
}

#[actix_rt::test]
async fn a_magic_link_alone_signs_in_and_goes_to_the_landing_url() {
    let server = TestServer::start_with(|c| {
        c.landing_urls = format!("{ORG}=https://shop.example/account");
    })
    .await;
    let admin = server.admin_token(None).await;
    server.active_credential(&admin, ORG, ANA, PASSWORD).await;
    let (client, _) = login_client(&server, false, &["authorization_code"]).await;
    let mut browser = Browser::new(&server);
    let token = magic_token(&server, &admin).await;
    let landed = open_magic(&mut browser, &token).await;
    assert_eq!(landed.status, StatusCode::SEE_OTHER, "{}", landed.body);
    assert_eq!(
        landed.location.as_deref(),
        Some("https://shop.example/account")
    );
    // The device session it started signs the next authorization in without a page.
    let next = browser
        .get(&authorize_url(&client, &[("prompt", "none")]))
        .await;
    assert!(
        next.redirect_params().contains_key("code"),
        "{:?}",
        next.location
    );
    let list = server
        .get(&format!("{}/devices", credential_path(ORG, ANA)), &admin)
        .await
        .expect_json(200);
    assert_eq!(list["devices"].as_array().unwrap().len(), 1);
    let bogus = browser.get("/magiclink?token=not-a-token").await;
    assert_eq!(bogus.status, StatusCode::BAD_REQUEST);
}

/// A disabled tenant is one the login pages cannot serve: `/authorize` and a magic link of it
/// show the "service not available" page (400), never a 503 with an error in the log.
#[actix_rt::test]
async fn a_disabled_tenant_shows_the_tenant_unavailable_page() {
    let (server, admin) = server_with_ana().await;
    let (client, _) = login_client(&server, false, &["authorization_code"]).await;
    let token = magic_token(&server, &admin).await;
    let disable = json!({"name": "MásMóvil", "enabled": false});
    server
        .call(
            "PUT",
            &format!("/v1/orgs/{ORG}"),
            Some(&admin),
            Some(&disable),
        )
        .await
        .expect_json(200);
    let mut browser = Browser::new(&server);
    let unavailable = "This service is not available.";
    let page = browser.get(&authorize_url(&client, &[])).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert!(page.body.contains(unavailable), "{}", page.body);
    let link = browser.get(&magic_path(&token)).await;
    assert_eq!(link.status, StatusCode::BAD_REQUEST, "{}", link.body);
    assert!(link.body.contains(unavailable), "{}", link.body);
}

#[actix_rt::test]
async fn access_type_offline_yields_a_refresh_token_and_implicit_needs_its_grant() {
    let (server, _) = server_with_ana().await;
    let (client, secret) = login_client(
        &server,
        false,
        &["authorization_code", "refresh_token", "implicit"],
    )
    .await;
    let mut browser = Browser::new(&server);
    // No offline_access scope, but access_type=offline: a refresh token all the same.
    let page = browser
        .get(&authorize_url(
            &client,
            &[("scope", "openid devices"), ("access_type", "offline")],
        ))
        .await;
    let done = browser.sign_in(&page, ANA, PASSWORD).await;
    let code = done.redirect_params()["code"].clone();
    let tokens = redeem(&server, &client, &secret, &code)
        .await
        .expect_json(200);
    assert!(tokens["refresh_token"].is_string(), "{tokens}");
    // Online (the default): none.
    let done = browser
        .get(&authorize_url(&client, &[("scope", "openid devices")]))
        .await;
    let code = done.redirect_params()["code"].clone();
    let tokens = redeem(&server, &client, &secret, &code)
        .await
        .expect_json(200);
    assert!(tokens.get("refresh_token").is_none(), "{tokens}");
    // Implicit, for a confidential client allowed it: the token in the fragment, with OpenID
    // Connect scopes only (RFC 9700 §2.1.2): it acts on nothing of the Credentials API.
    let done = browser
        .get(&authorize_url(
            &client,
            &[("response_type", "token"), ("scope", "profile email")],
        ))
        .await;
    let location = done.location.clone().unwrap();
    assert!(location.starts_with(&format!("{CALLBACK}#")), "{location}");
    let params = done.redirect_params();
    assert_eq!(params["token_type"], "Bearer");
    assert_eq!(params["state"], "xyz-state");
    assert_eq!(params["scope"], "profile email");
    let devices = format!("{}/devices", credential_path(ORG, ANA));
    assert_eq!(
        server.get(&devices, &params["access_token"]).await.code(),
        403
    );
}

/// POSTs `token` to `path` (`/introspect` or `/revoke`) as the client `id`.
async fn as_client(server: &TestServer, path: &str, id: &str, secret: &str, token: &str) -> Answer {
    let response = server
        .http
        .post(server.url(path))
        .basic_auth(id, secret)
        .send_form(&[("token", token)])
        .await;
    collect(response).await
}

#[actix_rt::test]
async fn refresh_tokens_are_introspected_and_revoked_by_their_client() {
    let (server, _) = server_with_ana().await;
    let grants = ["authorization_code", "refresh_token"];
    let (client, secret) = login_client(&server, false, &grants).await;
    let (other, other_secret) = login_client(&server, false, &grants).await;
    let mut browser = Browser::new(&server);
    let code = code_for(&server, &mut browser, &client).await;
    let tokens = redeem(&server, &client, &secret, &code)
        .await
        .expect_json(200);
    let first = tokens["refresh_token"].as_str().unwrap().to_owned();
    let claims = verify_id_token(&server, tokens["id_token"].as_str().unwrap(), &client).await;

    // RFC 7662: active for the client it was issued to, with its scope and subject.
    let seen = as_client(&server, "/introspect", &client, &secret, &first)
        .await
        .expect_json(200);
    assert_eq!(seen["active"], true, "{seen}");
    assert_eq!(seen["token_type"], "refresh_token");
    assert_eq!(seen["client_id"], client.as_str());
    assert_eq!(seen["scope"], tokens["scope"]);
    assert_eq!(seen["sub"], claims["sub"]);
    assert_eq!(seen["orgs"], json!([ORG]));
    assert!(seen["exp"].as_i64().unwrap() > seen["iat"].as_i64().unwrap());
    assert!(
        seen.get("jti").is_none(),
        "the token's id is part of its secret"
    );
    let theirs = as_client(&server, "/introspect", &other, &other_secret, &first)
        .await
        .expect_json(200);
    assert_eq!(theirs, json!({"active": false}), "another client's token");

    // Rotation: the old token is inactive (looking at it ends nothing), the new one active.
    let refresh = |token: String| {
        let (server, client, secret) = (&server, &client, &secret);
        async move {
            let form = [("grant_type", "refresh_token"), ("refresh_token", &token)];
            exchange(server, client, secret, &form).await
        }
    };
    let second = refresh(first.clone()).await.expect_json(200)["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let old = as_client(&server, "/introspect", &client, &secret, &first)
        .await
        .expect_json(200);
    assert_eq!(old, json!({"active": false}), "a rotated token");
    let new = as_client(&server, "/introspect", &client, &secret, &second)
        .await
        .expect_json(200);
    assert_eq!(new["active"], true, "{new}");

    // RFC 7009: only its client revokes it; then the refresh grant refuses it.
    let refused = as_client(&server, "/revoke", &other, &other_secret, &second).await;
    assert_eq!(refused.expect_oauth_error(400), "unauthorized_client");
    let revoked = as_client(&server, "/revoke", &client, &secret, &second).await;
    assert_eq!(revoked.status, StatusCode::OK);
    assert_eq!(
        refresh(second.clone()).await.expect_oauth_error(400),
        "invalid_grant"
    );
    let gone = as_client(&server, "/introspect", &client, &secret, &second)
        .await
        .expect_json(200);
    assert_eq!(gone, json!({"active": false}));
    let again = as_client(&server, "/revoke", &client, &secret, &second).await;
    assert_eq!(again.status, StatusCode::OK, "revoking twice is no error");
    // The device session stays: the browser signs in again without a password.
    let page = browser.get(&authorize_url(&client, &[])).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}

#[actix_rt::test]
async fn forged_refresh_tokens_are_refused_and_a_wrong_secret_ends_the_session() {
    let (server, _) = server_with_ana().await;
    let grants = ["authorization_code", "refresh_token"];
    let (client, secret) = login_client(&server, false, &grants).await;
    let mut browser = Browser::new(&server);
    let code = code_for(&server, &mut browser, &client).await;
    let tokens = redeem(&server, &client, &secret, &code)
        .await
        .expect_json(200);
    let live = tokens["refresh_token"].as_str().unwrap().to_owned();
    let refresh = |token: String| {
        let (server, client, secret) = (&server, &client, &secret);
        async move {
            let form = [("grant_type", "refresh_token"), ("refresh_token", &token)];
            exchange(server, client, secret, &form).await
        }
    };
    let (id, rest) = live.split_once('@').unwrap();
    let (org, _) = rest.split_once('@').unwrap();
    // Made-up orgs and ids are no tokens: 400, never a storage failure.
    for forged in [
        format!("{id}@nosuchorg@x"),
        format!("{id}@{}@x", "a".repeat(80)),
        format!("00000000-0000-4000-8000-000000000000@{org}@x"),
        "not-a-uuid@masmovil@x".to_owned(),
    ] {
        assert_eq!(
            refresh(forged.clone()).await.expect_oauth_error(400),
            "invalid_grant",
            "{forged}"
        );
        let seen = as_client(&server, "/introspect", &client, &secret, &forged)
            .await
            .expect_json(200);
        assert_eq!(seen, json!({"active": false}), "{forged}");
        let revoked = as_client(&server, "/revoke", &client, &secret, &forged).await;
        assert_eq!(revoked.status, StatusCode::OK, "{forged}");
    }
    assert_eq!(
        refresh(live.clone()).await.status,
        StatusCode::OK,
        "untouched"
    );
    // Its id with another secret: someone holds a token of this session; it ends.
    let rotated = as_client(&server, "/introspect", &client, &secret, &live).await;
    assert_eq!(
        rotated.expect_json(200)["active"],
        false,
        "rotated just now"
    );
    assert_eq!(
        refresh(format!("{id}@{org}@guessed"))
            .await
            .expect_oauth_error(400),
        "invalid_grant"
    );
    let page = browser.get(&authorize_url(&client, &[])).await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "the session ended: the login page again"
    );
}
