//! One real browser: headless Chromium, driven through chromedriver (WebDriver, with the
//! fantoccini client), signs a customer in with authorization code + PKCE and a TOTP second
//! factor; the test then exchanges the code and calls the Credentials API with the customer's
//! token. Chromium and chromedriver are Debian's (`.ci/chromium` installs them).

use crate::login::{collect, login_client};
use crate::second_factors::{decode_qr, now, secret_of, totp};
use fantoccini::{Client, ClientBuilder, Locator};
use latchkey_tests::{TestServer, credential_path};
use serde_json::json;
use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const ORG: &str = "masmovil";
const ANA: &str = "ana@example.com";
const PASSWORD: &str = "correct horse battery staple";
/// RFC 7636 Appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// chromedriver on a free port, stopped when dropped.
pub(crate) struct Driver {
    child: Child,
    pub(crate) url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Headless Chromium (`$CHROMIUM`, else `/usr/bin/chromium`) driven through `driver_url`,
/// with a fresh `profile` and one `extra` switch (a language, a window size).
pub(crate) async fn chromium(driver_url: &str, profile: &std::path::Path, extra: &str) -> Client {
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", extra,
                format!("--user-data-dir={}", profile.display()),
            ],
        },
    });
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(capabilities.as_object().unwrap().clone())
        .connect(driver_url)
        .await
        .expect("a WebDriver session with Chromium")
}

pub(crate) async fn chromedriver() -> Driver {
    let binary = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    let port = free_port();
    let child = Command::new(&binary)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "{binary} does not start ({e}): install chromium and chromium-driver (.ci/chromium)"
            )
        });
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let http = awc::Client::default();
    for _ in 0..100 {
        if let Ok(r) = http.get(format!("{}/status", driver.url)).send().await
            && r.status().is_success()
        {
            return driver;
        }
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not answer on {}", driver.url);
}

/// A web server of the test's own on a free local port: answers every request with the bytes
/// `answer` makes of its request line, and reports each request line. Its base URL.
pub(crate) fn line_server(
    answer: impl Fn(&str) -> Vec<u8> + Send + 'static,
) -> (String, std::sync::mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut line = String::new();
            let _ = BufReader::new(&stream).read_line(&mut line);
            let response = answer(&line);
            let _ = tx.send(line);
            let _ = stream.write_all(&response);
        }
    });
    (url, rx)
}

/// The client application's callback: answers every request with a page and reports the
/// request line of the first one.
fn callback_server() -> (String, std::sync::mpsc::Receiver<String>) {
    let (base, rx) = line_server(|_| {
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 19\r\nConnection: close\r\n\r\n<p>Back in app.</p>".to_vec()
    });
    (format!("{base}/cb"), rx)
}

#[actix_rt::test]
async fn chromium_signs_in_with_pkce_and_totp_then_the_token_works_on_the_api() {
    let server = TestServer::start().await;
    let admin = server.admin_token(None).await;
    server.active_credential(&admin, ORG, ANA, PASSWORD).await;
    let path = credential_path(ORG, ANA);
    let enrolled = server
        .call("POST", &format!("{path}/totp"), Some(&admin), None)
        .await;
    assert_eq!(enrolled.code(), 201);
    let secret = secret_of(&decode_qr(&enrolled.body));
    let first = json!({"code": totp(&secret, now())});
    let activated = server
        .call("PUT", &format!("{path}/totp"), Some(&admin), Some(&first))
        .await;
    assert_eq!(activated.code(), 204);
    let patch = json!({"enabled": true, "require2fa": true});
    assert_eq!(
        server
            .call("PATCH", &path, Some(&admin), Some(&patch))
            .await
            .code(),
        204
    );

    let (callback, requests) = callback_server();
    let body = json!({
        "name": "shop (browser)", "scopes": ["openid", "email", "devices"], "orgs": [ORG],
        "grant_types": ["authorization_code"], "redirect_uris": [callback], "public": true,
    });
    let created = server
        .call("POST", "/v1/clients", Some(&admin), Some(&body))
        .await
        .expect_json(201);
    let client = created["client_id"].as_str().unwrap().to_owned();
    let _ = login_client; // (the other login tests' helper registers confidential clients)

    let driver = chromedriver().await;
    let profile = std::env::temp_dir().join(format!("latchkey-chromium-{}", uuid::Uuid::new_v4()));
    let browser = chromium(&driver.url, &profile, "--lang=en-GB").await;

    let query = serde_urlencoded::to_string([
        ("client_id", client.as_str()),
        ("response_type", "code"),
        ("redirect_uri", callback.as_str()),
        ("state", "browser-state"),
        ("scope", "openid email devices"),
        ("nonce", "browser-nonce"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
        ("ui_locales", "en"),
    ])
    .unwrap();
    browser
        .goto(&format!("{}/authorize?{query}", server.base))
        .await
        .unwrap();
    let username = browser
        .wait()
        .for_element(Locator::Id("username"))
        .await
        .unwrap();
    // The label names the field (accessible name), and the page speaks English.
    let source = browser.source().await.unwrap();
    assert!(source.contains("<label for=\"username\">"), "{source}");
    username.send_keys(ANA).await.unwrap();
    browser
        .find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    browser
        .find(Locator::Id("sign-in"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    let code_field = browser
        .wait()
        .for_element(Locator::Id("totp-code"))
        .await
        .unwrap();
    // The activation used this step's code: the next step's is the one a phone shows soon.
    code_field
        .send_keys(&totp(&secret, now() + 30))
        .await
        .unwrap();
    browser
        .find(Locator::Id("verify-totp"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    let line =
        actix_rt::task::spawn_blocking(move || requests.recv_timeout(Duration::from_secs(20)))
            .await
            .unwrap()
            .expect("the browser comes back to the client's callback");
    let _ = browser.close().await;
    let _ = std::fs::remove_dir_all(&profile);
    drop(driver);

    // "GET /cb?code=...&state=...&iss=... HTTP/1.1"
    let target = line.split(' ').nth(1).unwrap();
    let params: std::collections::HashMap<String, String> =
        serde_urlencoded::from_str(target.split_once('?').unwrap().1).unwrap();
    assert_eq!(params["state"], "browser-state");
    let form = [
        ("grant_type", "authorization_code"),
        ("code", params["code"].as_str()),
        ("redirect_uri", callback.as_str()),
        ("code_verifier", VERIFIER),
        ("client_id", client.as_str()),
    ];
    let response = server
        .http
        .post(server.url("/token"))
        .send_form(&form)
        .await;
    let tokens = collect(response).await.expect_json(200);
    let access = tokens["access_token"].as_str().unwrap();
    let devices = server
        .get(&format!("{path}/devices"), access)
        .await
        .expect_json(200);
    let device = &devices["devices"][0];
    assert!(
        device["user_agent"].as_str().unwrap().contains("Chrome"),
        "the device is the browser: {devices}"
    );
    assert_eq!(device["user_agent_alias"], "Chrome on Linux");
}
