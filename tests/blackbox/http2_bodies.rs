//! Over HTTP/2, an answer given before the request's body was read still reaches the client.
//! owsec's curl CLI sends a JSON body with every request, GET and DELETE included, and many
//! answers come before a body is read (a refused token, an unknown path, a GET that ignores it).
//! Unread, the body's stream was reset and curl failed with exit 92 about half the time
//! (`http::drain` reads the rest after the answer). curl is the client, as in the CLI.

use crate::security_https::{TestPki, https_base};
use std::process::Command;

/// Sends `method url` with a small JSON body over HTTP/2 with curl, trusting `ca`: curl's exit
/// code and the status it read.
fn curl_h2(ca: &std::path::Path, method: &str, url: &str) -> (i32, String) {
    let out = Command::new("curl")
        .args([
            "-sS",
            "--http2",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{http_version}",
        ])
        .arg("--cacert")
        .arg(ca)
        .args(["-X", method, "-H", "Authorization: Bearer not-a-token"])
        .args([
            "-d",
            r#"{ "userId" : "someone@example.com" , "password" : "x" }"#,
        ])
        .arg(url)
        .output()
        .expect("the curl command runs");
    let status = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "curl {method} {url}: exit {:?}, {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), status)
}

#[actix_rt::test]
async fn answers_given_before_the_body_is_read_reach_an_http2_client() {
    let pki = TestPki::create();
    let server = pki.server().await;
    let base = https_base(&server);
    let ca = pki.path("ca.pem");
    actix_web::rt::task::spawn_blocking(move || {
        for _ in 0..15 {
            for (method, path, expected) in [
                ("GET", "/api/v1/users", "403 2"),
                ("POST", "/api/v1/email", "403 2"),
                ("DELETE", "/api/v1/oauth2/abc", "403 2"),
                ("GET", "/api/v1/no-such-path", "404 2"),
            ] {
                let (_, status) = curl_h2(&ca, method, &format!("{base}{path}"));
                assert_eq!(status, expected, "{method} {path}");
            }
        }
    })
    .await
    .unwrap();
}
