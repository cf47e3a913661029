//! The running server as the security service's clients see it: `GET /api/v1/system?command=info`,
//! every `POST /api/v1/system` command (log levels that change what the server logs at once,
//! `reload`), `GET /api/v1/systemEndpoints` and `GET /api/v1/systemServices` (a sibling service's
//! `X-API-KEY` + `X-INTERNAL-NAME`), and the first root made at start.

use latchkey_tests::{Answer, TestServer};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

const ROOT: &str = "root@system.test";
const ROOT_INITIAL: &str = "Initial-system-root-1";
const ROOT_PASSWORD: &str = "Changed-system-root-2";
const PASSWORD: &str = "Operator-system-pass-3";
const GATEWAY_KEY: &str = "gateway-key-0123456789";
const SERVICES: &str = r#"[
    {"type": "owgw", "id": 3, "uri": "https://gw.example.com:16002",
     "privateUri": "https://owgw.internal:17002", "key": "gateway-key-0123456789"},
    {"type": "owprov", "vendor": "Acme", "uri": "https://prov.example.com",
     "authenticationType": "owsec", "key": "provisioning-key-0123456789"}
]"#;

async fn start() -> TestServer {
    TestServer::start_with(|c| {
        c.security.root_email = Some(ROOT.to_owned());
        c.security.root_password = Some(ROOT_INITIAL.into());
        c.security.system_services = Some(SERVICES.into());
    })
    .await
}

/// `method path` with `headers`, `body` as JSON without a content type (as owsec's CLI posts).
async fn send(
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

async fn bearer(
    server: &TestServer,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> Answer {
    let auth = format!("Bearer {token}");
    send(server, method, path, &[("authorization", &auth)], body).await
}

async fn command(server: &TestServer, token: &str, body: Value) -> Answer {
    bearer(server, "POST", "/api/v1/system", token, Some(&body)).await
}

async fn sign_in(server: &TestServer, body: Value) -> String {
    let answer = send(
        server,
        "POST",
        "/api/v1/oauth2",
        &[("authorization", "Bearer ")],
        Some(&body),
    )
    .await;
    answer.expect_json(200)["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The first root's token (its first sign-in changes its password).
async fn root_token(server: &TestServer) -> String {
    let body = json!({"userId": ROOT, "password": ROOT_INITIAL, "newPassword": ROOT_PASSWORD});
    sign_in(server, body).await
}

/// Creates an operator of `role` in `owner` as `root`, and signs it in: its token.
async fn operator_token(server: &TestServer, root: &str, email: &str, role: &str) -> String {
    let body = json!({"email": email, "currentPassword": PASSWORD, "userRole": role});
    bearer(
        server,
        "POST",
        "/api/v1/user/0?entity=masmovil",
        root,
        Some(&body),
    )
    .await
    .expect_json(200);
    sign_in(server, json!({"userId": email, "password": PASSWORD})).await
}

/// Asserts the plane's error body with `status` and `code`; its description.
fn expect_code(answer: &Answer, status: u16, code: u16) -> String {
    let body = answer.expect_json(status);
    assert_eq!(body["ErrorCode"], code, "{body}");
    assert_eq!(body.as_object().unwrap().len(), 3, "{body}");
    body["ErrorDescription"].as_str().unwrap().to_owned()
}

fn expect_detail(answer: &Answer, detail: &str) {
    let description = expect_code(answer, 400, 400);
    assert!(
        description.starts_with(&format!("{detail}: ")),
        "{description}"
    );
}

#[actix_rt::test]
async fn system_info_describes_the_running_server() {
    let server = start().await;
    let root = root_token(&server).await;
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let info = bearer(&server, "GET", "/api/v1/system?command=info", &root, None)
        .await
        .expect_json(200);
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    let start = info["start"].as_u64().unwrap();
    assert!(start <= before && before - start < 120, "{info}");
    assert!(info["uptime"].as_u64().unwrap() < 120, "{info}");
    assert!(info["processors"].as_u64().unwrap() >= 1, "{info}");
    assert!(!info["os"].as_str().unwrap().is_empty(), "{info}");
    assert!(!info["hostname"].as_str().unwrap().is_empty(), "{info}");
    assert_eq!(info["certificates"], json!([]), "no certificate over HTTP");
    let other = bearer(
        &server,
        "GET",
        "/api/v1/system?command=resources",
        &root,
        None,
    )
    .await;
    expect_detail(&other, "1031");
    let none = bearer(&server, "GET", "/api/v1/system", &root, None).await;
    expect_detail(&none, "1031");
}

#[actix_rt::test]
async fn system_info_over_https_names_the_certificate_and_its_expiry() {
    let pki = crate::security_https::TestPki::create();
    let (cert, key) = (pki.path("leaf.pem"), pki.path("leaf.key"));
    let server = TestServer::start_with(move |c| {
        c.security.root_email = Some(ROOT.to_owned());
        c.security.root_password = Some(ROOT_INITIAL.into());
        c.security.tls_cert = Some(cert);
        c.security.tls_key = Some(key);
    })
    .await;
    let base = crate::security_https::https_base(&server);
    let client = pki.client();
    let body = json!({"userId": ROOT, "password": ROOT_INITIAL, "newPassword": ROOT_PASSWORD});
    let tokens: Value = client
        .post(format!("{base}/api/v1/oauth2"))
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let root = tokens["access_token"].as_str().unwrap();
    let info: Value = client
        .get(format!("{base}/api/v1/system?command=info"))
        .bearer_auth(root)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let expires = pki.leaf_expiry();
    let filename = pki.path("leaf.pem").display().to_string();
    assert_eq!(
        info["certificates"],
        json!([{"filename": filename, "expires": expires, "expiresOn": expires}]),
        "{info}"
    );
}

#[actix_rt::test]
async fn log_level_commands_answer_the_shapes_clients_read() {
    let server = start().await;
    let root = root_token(&server).await;
    let names = command(&server, &root, json!({"command": "getloglevelnames"}))
        .await
        .expect_json(200);
    assert_eq!(
        names,
        json!({"list": ["none", "fatal", "critical", "error", "warning", "notice", "information", "debug", "trace"]})
    );
    let subsystems = command(&server, &root, json!({"command": "getSubSystemNames"}))
        .await
        .expect_json(200);
    let list: Vec<&str> = subsystems["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    for tag in [
        "security",
        "oauth2",
        "login",
        "credentials",
        "storage",
        "notify",
        "http",
    ] {
        assert!(list.contains(&tag), "{tag} missing: {subsystems}");
    }
    let levels = command(&server, &root, json!({"command": "getloglevels"}))
        .await
        .expect_json(200);
    let taglist = levels["taglist"].as_array().unwrap();
    assert_eq!(taglist.len(), list.len(), "{levels}");
    assert_eq!(subsystems["taglist"].as_array().unwrap().len(), list.len());
    for (entry, tag) in taglist.iter().zip(&list) {
        assert_eq!(entry["tag"], *tag, "{levels}");
        assert!(
            names["list"].as_array().unwrap().contains(&entry["value"]),
            "{levels}"
        );
    }
    let unknown = command(&server, &root, json!({"command": "stats"})).await;
    expect_detail(&unknown, "1031");
    let missing = command(&server, &root, json!({"subsystems": []})).await;
    expect_detail(&missing, "1018");
}

fn level_of(levels: &Value, tag: &str) -> String {
    levels["taglist"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["tag"] == tag)
        .unwrap_or_else(|| panic!("{tag} not in {levels}"))["value"]
        .as_str()
        .unwrap()
        .to_owned()
}

// Subsystems `notify`, `storage` and `login` here; the test of what is logged changes `http` and
// `security`: a process may run both with one subscriber.
#[actix_rt::test]
async fn setloglevel_sets_the_named_levels_and_refuses_an_unknown_one_whole() {
    let server = start().await;
    let root = root_token(&server).await;
    let set = json!({"command": "setloglevel", "subsystems": [
        {"tag": "notify", "value": "notice"}, {"tag": "STORAGE", "value": "trace"}]});
    let done = command(&server, &root, set).await.expect_json(200);
    assert_eq!(
        done,
        json!({"Code": 0, "Operation": "POST", "Details": "Command completed."})
    );
    let levels = command(&server, &root, json!({"command": "getloglevels"}))
        .await
        .expect_json(200);
    assert_eq!(level_of(&levels, "notify"), "notice");
    assert_eq!(level_of(&levels, "storage"), "trace");
    let login = level_of(&levels, "login");
    for refused in [
        json!([{"tag": "login", "value": "debug"}, {"tag": "nope", "value": "debug"}]),
        json!([{"tag": "login", "value": "loud"}]),
        json!([{"tag": "login"}]),
        json!("login"),
    ] {
        let body = json!({"command": "setloglevel", "subsystems": refused});
        expect_detail(&command(&server, &root, body).await, "1018");
    }
    let missing = command(&server, &root, json!({"command": "setloglevel"})).await;
    expect_detail(&missing, "1018");
    let after = command(&server, &root, json!({"command": "getloglevels"}))
        .await
        .expect_json(200);
    assert_eq!(
        level_of(&after, "login"),
        login,
        "nothing of a refused command applies"
    );
}

/// The log lines of this process, written to memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

async fn set_level(server: &TestServer, root: &str, tag: &str, value: &str) {
    let body = json!({"command": "setloglevel", "subsystems": [{"tag": tag, "value": value}]});
    command(server, root, body).await.expect_json(200);
}

/// A request whose path no other test uses: its access-log line names it.
async fn marked_request(server: &TestServer) -> String {
    let marker = format!("/api/v1/marker-{}", uuid::Uuid::new_v4());
    send(server, "GET", &marker, &[], None).await;
    marker
}

#[actix_rt::test]
async fn setloglevel_changes_what_the_running_server_logs_at_once() {
    let captured = Captured::default();
    latchkey_server::logging::install(
        "warn",
        latchkey_server::config::LogFormat::Text,
        false,
        captured.clone(),
    )
    .expect("this test is the process's only subscriber");
    let server = start().await;
    let root = root_token(&server).await;

    // `http` at warning: the access log (information) is not written.
    set_level(&server, &root, "http", "warning").await;
    let quiet = marked_request(&server).await;
    // `http` at debug: it is, from the next request on.
    set_level(&server, &root, "http", "debug").await;
    let loud = marked_request(&server).await;
    set_level(&server, &root, "http", "error").await;
    let quiet_again = marked_request(&server).await;
    let log = captured.text();
    assert!(!log.contains(&quiet), "{quiet} logged at warning:\n{log}");
    assert!(log.contains(&loud), "{loud} not logged at debug:\n{log}");
    assert!(
        !log.contains(&quiet_again),
        "{quiet_again} logged at error:\n{log}"
    );

    // A debug line of `security`: absent at notice, present at debug.
    set_level(&server, &root, "security", "notice").await;
    command(&server, &root, json!({"command": "getloglevelnames"})).await;
    assert!(
        !captured.text().contains("system command"),
        "{}",
        captured.text()
    );
    set_level(&server, &root, "security", "debug").await;
    command(&server, &root, json!({"command": "getloglevelnames"})).await;
    let log = captured.text();
    assert!(
        log.contains("DEBUG") && log.contains("system command"),
        "{log}"
    );
}

#[actix_rt::test]
async fn reload_reloads_known_subsystems_and_refuses_unknown_ones() {
    let server = start().await;
    let root = root_token(&server).await;
    for names in [
        json!(["keys"]),
        json!(["tenancy", "daemon"]),
        json!(["notify"]),
    ] {
        let body = json!({"command": "reload", "subsystems": names});
        command(&server, &root, body).await.expect_json(200);
    }
    // The keys read again are the same keys: tokens still verify.
    bearer(&server, "GET", "/api/v1/oauth2?me=true", &root, None)
        .await
        .expect_json(200);
    for refused in [json!(["keys", "nope"]), json!([1]), json!("keys")] {
        let body = json!({"command": "reload", "subsystems": refused});
        expect_detail(&command(&server, &root, body).await, "1018");
    }
}

#[actix_rt::test]
async fn system_follows_the_callers_profile() {
    let server = start().await;
    let root = root_token(&server).await;
    let admin = operator_token(&server, &root, "admin@system.test", "admin").await;
    let csr = operator_token(&server, &root, "csr@system.test", "csr").await;
    // An admin reads the system's state, changes nothing.
    bearer(&server, "GET", "/api/v1/system?command=info", &admin, None)
        .await
        .expect_json(200);
    command(&server, &admin, json!({"command": "getloglevels"}))
        .await
        .expect_json(200);
    let set =
        json!({"command": "setloglevel", "subsystems": [{"tag": "notify", "value": "trace"}]});
    expect_code(&command(&server, &admin, set).await, 403, 7);
    let reload = json!({"command": "reload", "subsystems": ["keys"]});
    expect_code(&command(&server, &admin, reload).await, 403, 7);
    // A csr does not see it at all.
    let info = bearer(&server, "GET", "/api/v1/system?command=info", &csr, None).await;
    expect_code(&info, 403, 7);
    let levels = command(&server, &csr, json!({"command": "getloglevels"})).await;
    expect_code(&levels, 403, 7);
    // Nobody signed in: 403 code 8.
    let anonymous = send(&server, "GET", "/api/v1/system?command=info", &[], None).await;
    expect_code(&anonymous, 403, 8);
}

#[actix_rt::test]
async fn system_endpoints_publish_the_configured_services_without_their_secrets() {
    let server = start().await;
    let root = root_token(&server).await;
    let csr = operator_token(&server, &root, "csr@system.test", "csr").await;
    let answer = bearer(&server, "GET", "/api/v1/systemEndpoints", &csr, None)
        .await
        .expect_json(200);
    assert_eq!(
        answer,
        json!({"endpoints": [
            {"type": "owgw", "id": 3, "vendor": "OpenWiFi", "uri": "https://gw.example.com:16002",
             "authenticationType": "internal_v1"},
            {"type": "owprov", "id": 0, "vendor": "Acme", "uri": "https://prov.example.com",
             "authenticationType": "owsec"}
        ]})
    );
    let anonymous = send(&server, "GET", "/api/v1/systemEndpoints", &[], None).await;
    expect_code(&anonymous, 403, 8);
    // No service configured: an empty list.
    let bare = TestServer::start_with(|c| {
        c.security.root_email = Some(ROOT.to_owned());
        c.security.root_password = Some(ROOT_INITIAL.into());
    })
    .await;
    let root = root_token(&bare).await;
    let answer = bearer(&bare, "GET", "/api/v1/systemEndpoints", &root, None).await;
    assert_eq!(answer.expect_json(200), json!({"endpoints": []}));
}

#[actix_rt::test]
async fn system_services_answer_a_configured_service_only() {
    let server = start().await;
    let good = [("x-internal-name", "owgw"), ("x-api-key", GATEWAY_KEY)];
    let answer = send(&server, "GET", "/api/v1/systemServices", &good, None)
        .await
        .expect_json(200);
    assert_eq!(answer["services"].as_array().unwrap().len(), 2, "{answer}");
    assert_eq!(
        answer["services"][0],
        json!({"privateURI": "https://owgw.internal:17002",
               "publicURI": "https://gw.example.com:16002", "token": GATEWAY_KEY})
    );
    // By its private URI too.
    let by_uri = [
        ("x-internal-name", "https://owgw.internal:17002"),
        ("x-api-key", GATEWAY_KEY),
    ];
    send(&server, "GET", "/api/v1/systemServices", &by_uri, None)
        .await
        .expect_json(200);
    for refused in [
        vec![
            ("x-internal-name", "owgw"),
            ("x-api-key", "provisioning-key-0123456789"),
        ],
        vec![
            ("x-internal-name", "owgw"),
            ("x-api-key", "gateway-key-0123456788"),
        ],
        vec![("x-internal-name", "owfms"), ("x-api-key", GATEWAY_KEY)],
        vec![("x-api-key", GATEWAY_KEY)],
        vec![],
    ] {
        let answer = send(&server, "GET", "/api/v1/systemServices", &refused, None).await;
        expect_code(&answer, 403, 8);
    }
    // A Latchkey service token with `tokens:validate` is a service, but is told no key.
    let validator = server.admin_token(Some("tokens:validate")).await;
    let answer = bearer(&server, "GET", "/api/v1/systemServices", &validator, None)
        .await
        .expect_json(200);
    assert_eq!(
        answer["services"][0],
        json!({"privateURI": "https://owgw.internal:17002",
               "publicURI": "https://gw.example.com:16002", "token": ""})
    );
    let other = server.admin_token(Some("credentials:read")).await;
    let answer = bearer(&server, "GET", "/api/v1/systemServices", &other, None).await;
    expect_code(&answer, 403, 7);
    // An operator is not a service.
    let root = root_token(&server).await;
    let answer = bearer(&server, "GET", "/api/v1/systemServices", &root, None).await;
    expect_code(&answer, 403, 8);
}

#[actix_rt::test]
async fn the_first_root_gets_a_generated_password_shown_once_and_must_change_it() {
    let mut config = latchkey_tests::test_config();
    config.security.root_email = Some("first@system.test".to_owned());
    let started = latchkey_server::start(&config).await.unwrap();
    let password = started
        .generated_root_password
        .as_ref()
        .map(|p| latchkey_core::ExposeSecret::expose_secret(p).to_owned())
        .expect("a generated password");
    let base = format!("http://{}", started.addr);
    let handle = started.server.handle();
    actix_rt::spawn(started.run());
    let http = awc::Client::default();
    let post = |body: Value| {
        let request = http.post(format!("{base}/api/v1/oauth2"));
        async move {
            let response = request.send_body(body.to_string()).await;
            latchkey_tests::http::read_answer(response).await.unwrap()
        }
    };
    let first = post(json!({"userId": "first@system.test", "password": password})).await;
    expect_code(&first, 403, 1);
    let changed = post(json!({"userId": "first@system.test", "password": password,
        "newPassword": "Chosen-root-pass-4"}))
    .await;
    assert!(changed.expect_json(200)["access_token"].is_string());
    handle.stop(true).await;
}

#[actix_rt::test]
async fn unusable_operator_settings_stop_the_start_with_a_clear_message() {
    let start_error = |adjust: fn(&mut latchkey_server::config::ServerConfig)| async move {
        let mut config = latchkey_tests::test_config();
        adjust(&mut config);
        match latchkey_server::start(&config).await {
            Ok(_) => panic!("the server started"),
            Err(e) => format!("{e:#}"),
        }
    };
    let weak = start_error(|c| {
        c.security.root_email = Some(ROOT.to_owned());
        c.security.root_password = Some("short".into());
    })
    .await;
    assert!(
        weak.contains("LATCHKEY_ROOT_PASSWORD") && weak.contains("refused"),
        "{weak}"
    );
    let address = start_error(|c| c.security.root_email = Some("not an address".to_owned())).await;
    assert!(address.contains("LATCHKEY_ROOT_EMAIL"), "{address}");
    let services = start_error(|c| {
        c.security.system_services =
            Some(r#"[{"type": "owgw", "uri": "https://gw", "key": "k"}]"#.into());
    })
    .await;
    assert!(
        services.contains("LATCHKEY_SYSTEM_SERVICES[0]") && services.contains("`key`"),
        "{services}"
    );
}

#[actix_rt::test]
async fn reload_http_serves_a_renewed_certificate_and_keeps_the_old_one_on_a_broken_file() {
    let pki = crate::security_https::TestPki::create();
    let (cert, key) = (pki.path("leaf.pem"), pki.path("leaf.key"));
    let server = TestServer::start_with(move |c| {
        c.security.root_email = Some(ROOT.to_owned());
        c.security.root_password = Some(ROOT_INITIAL.into());
        c.security.tls_cert = Some(cert);
        c.security.tls_key = Some(key);
    })
    .await;
    let base = crate::security_https::https_base(&server);
    let client = pki.client();
    let body = json!({"userId": ROOT, "password": ROOT_INITIAL, "newPassword": ROOT_PASSWORD});
    let tokens: Value = client
        .post(format!("{base}/api/v1/oauth2"))
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let root = tokens["access_token"].as_str().unwrap().to_owned();
    let info = || async {
        // A fresh client: a new connection, a new handshake.
        let info: Value = pki
            .client()
            .get(format!("{base}/api/v1/system?command=info"))
            .bearer_auth(&root)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        info["certificates"][0]["expires"].as_i64().unwrap()
    };
    let reload = |subsystems: Value| {
        let request = client
            .post(format!("{base}/api/v1/system"))
            .bearer_auth(&root)
            .body(json!({"command": "reload", "subsystems": subsystems}).to_string());
        async move { request.send().await.unwrap() }
    };
    let first = info().await;
    assert_eq!(first, pki.leaf_expiry());

    // Renewed in place (a new key, a later expiry): served once reloaded.
    pki.renew_leaf(60);
    assert_eq!(info().await, first, "nothing changes before the reload");
    assert_eq!(reload(json!(["http"])).await.status().as_u16(), 200);
    let renewed = pki.leaf_expiry();
    assert!(renewed > first);
    assert_eq!(info().await, renewed);

    // A key that is not the certificate's: the reload fails, the certificate served stays.
    std::fs::copy(pki.path("other.key"), pki.path("leaf.key")).unwrap();
    let refused = reload(json!(["daemon"])).await;
    assert_eq!(refused.status().as_u16(), 500);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["ErrorCode"], 6, "{body}");
    assert_eq!(
        info().await,
        renewed,
        "still served, and still verified by its CA"
    );
}
