//! An SVG avatar carrying a `<script>` (and an `onload` handler), opened in the real browser of
//! the login-page test (headless Chromium through chromedriver), runs none of it: the document
//! renders (its pixels are on the screen) while its title stays its own and nothing reaches the
//! beacon its script calls. The same bytes served without the avatar's headers, from the test's
//! own server, do run in that browser: the check can fail.

use crate::browser::{chromedriver, chromium, line_server};
use crate::security_avatars::upload;
use crate::security_users::{bearer, root_token, start};
use fantoccini::Client;
use serde_json::json;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// The title a script of the SVG would set.
const RAN: &str = "script ran";

/// An SVG whose script and `onload` handler set the title and call the beacon at `beacon`.
fn hostile_svg(beacon: &str) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" onload="document.title='{RAN}'; new Image().src='{beacon}/hit/onload'">
<title>an avatar</title>
<rect width="400" height="400" fill="rgb(0,128,128)"/>
<script>document.title = '{RAN}'; fetch('{beacon}/hit/script'); new Image().src = '{beacon}/hit/image';</script>
</svg>
"#
    )
}

/// The test's own web server: serves `svg` at `/control.svg` with its type and nothing else
/// (no policy, as a careless server would), and reports every request line.
fn beacon(svg: std::sync::Arc<std::sync::Mutex<String>>) -> (String, Receiver<String>) {
    line_server(move |line| {
        let body = if line.starts_with("GET /control.svg") {
            svg.lock().unwrap().clone()
        } else {
            String::new()
        };
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: image/svg+xml\r\nAccess-Control-Allow-Origin: *\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        [head.into_bytes(), body.into_bytes()].concat()
    })
}

/// Sends a Chrome DevTools Protocol command through chromedriver.
async fn cdp(driver_url: &str, session: &str, cmd: &str, params: serde_json::Value) {
    let url = format!("{driver_url}/session/{session}/goog/cdp/execute");
    let mut answer = awc::Client::default()
        .post(url)
        .send_json(&json!({"cmd": cmd, "params": params}))
        .await
        .unwrap();
    let body = answer.body().await.unwrap();
    assert!(
        answer.status().is_success(),
        "{cmd}: {}",
        String::from_utf8_lossy(&body)
    );
}

/// Whether the screen shows the SVG's teal: the document was rendered.
async fn shows_teal(browser: &Client) -> bool {
    let shot = browser.screenshot().await.unwrap();
    let mut decoder = png::Decoder::new(std::io::Cursor::new(shot));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    let step = frame.color_type.samples();
    pixels[..frame.buffer_size()]
        .chunks(step)
        .any(|p| p[0] < 8 && p[1].abs_diff(128) < 8 && p[2].abs_diff(128) < 8)
}

/// The hits the beacon received (request lines under `/hit`) within `wait`.
fn hits(requests: &Receiver<String>, wait: Duration) -> Vec<String> {
    let until = Instant::now() + wait;
    let mut hits = Vec::new();
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        match requests.recv_timeout(left) {
            Ok(line) if line.starts_with("GET /hit") => hits.push(line),
            Ok(_) => {}
            Err(_) => break,
        }
    }
    hits
}

async fn wait_for_title(browser: &Client, title: &str, wait: Duration) -> String {
    let until = Instant::now() + wait;
    loop {
        let now = browser.title().await.unwrap_or_default();
        if now == title || Instant::now() > until {
            return now;
        }
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_rt::test]
async fn an_svg_avatar_with_a_script_runs_nothing_in_a_browser() {
    let server = start().await;
    let root = root_token(&server).await;
    let me = bearer(&server, "GET", "/api/v1/oauth2?me=true", &root, None).await;
    let path = format!(
        "/api/v1/avatar/{}",
        me.expect_json(200)["id"].as_str().unwrap()
    );
    let shared = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let (beacon_url, requests) = beacon(shared.clone());
    let svg = hostile_svg(&beacon_url);
    *shared.lock().unwrap() = svg.clone();
    let saved = upload(&server, &path, &root, "file", "image/png", svg.as_bytes()).await;
    assert_eq!(saved.expect_json(200)["type"], "image/svg+xml");

    let driver = chromedriver().await;
    let profile = std::env::temp_dir().join(format!("latchkey-chromium-{}", uuid::Uuid::new_v4()));
    let browser = chromium(&driver.url, &profile, "--window-size=800,600").await;
    let session = browser.session_id().await.unwrap().unwrap();

    // The control: served bare, the same document runs its script and calls the beacon.
    browser
        .goto(&format!("{beacon_url}/control.svg"))
        .await
        .unwrap();
    let control_title = wait_for_title(&browser, RAN, Duration::from_secs(10)).await;
    let control_hits = hits(&requests, Duration::from_secs(3));
    assert_eq!(control_title, RAN, "the control's script must run");
    assert!(
        !control_hits.is_empty(),
        "the control's script calls the beacon"
    );

    // The avatar, as the server serves it (the browser sends the operator's token).
    cdp(&driver.url, &session, "Network.enable", json!({})).await;
    let auth = format!("Bearer {root}");
    let headers = json!({"headers": {"Authorization": auth}});
    cdp(
        &driver.url,
        &session,
        "Network.setExtraHTTPHeaders",
        headers,
    )
    .await;
    browser.goto(&server.url(&path)).await.unwrap();
    actix_rt::time::sleep(Duration::from_secs(2)).await;
    let rendered = shows_teal(&browser).await;
    let title = browser.title().await.unwrap_or_default();
    let avatar_hits = hits(&requests, Duration::from_secs(3));
    let url = browser.current_url().await.unwrap();
    let _ = browser.close().await;
    let _ = std::fs::remove_dir_all(&profile);
    drop(driver);

    assert_eq!(url.path(), path, "the browser is on the avatar");
    assert!(rendered, "the avatar is rendered");
    assert_ne!(title, RAN, "the avatar's script or onload ran");
    assert!(
        avatar_hits.is_empty(),
        "the avatar reached out: {avatar_hits:?}"
    );
}
