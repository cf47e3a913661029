//! Load test of the second factors on Redis, as clients use them: `just bench-redis` runs it.
//!
//! Usage: `bench_second_factors SERVER_BINARY REDIS_URL [CREDENTIALS] [CONCURRENCY]`.
//! It starts a recording SMS gateway (the codes arrive there, as on a phone), starts the server
//! binary on in-memory storage with Redis for codes, replay markers and rate limits, creates
//! CREDENTIALS enabled credentials (default 10,000), and measures, with CONCURRENCY requests in
//! flight (default 32):
//! 1. OTP issue: `POST .../otp` for every credential (code generated, hashed, stored in Redis,
//!    SMS sent to the gateway);
//! 2. OTP validate: `PUT .../otp` with the code each SMS carried (Redis script: compare, use up);
//! 3. TOTP validate: every credential enrolled, its current code read from
//!    `POST .../totp/passcode`, then `PUT .../totp` with it (secret decrypted, HMAC-SHA-1 over 3
//!    steps, Redis replay script). Every answer must be 201/204, or the run fails.
//!
//! Prints a Markdown table of requests per second for each phase.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    reason = "a benchmark tool fails loudly and prints its report"
)]

use futures_util::StreamExt as _;
use latchkey_testkit::http_recorder::HttpRecorder;
use std::collections::HashMap;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

const SECRET: &str = "bench-secret-0123456789abcdef";
const LISTEN: &str = "127.0.0.1:18083";

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn username(i: usize) -> String {
    format!("bench-{i}@example.com")
}

fn path(i: usize, tail: &str) -> String {
    format!("http://{LISTEN}/v1/orgs/yoigo/credentials/bench-{i}%40example.com{tail}")
}

/// Runs `call(i)` for every i with `concurrency` in flight; answers the rate.
async fn phase<F, Fut>(name: &str, n: usize, concurrency: usize, call: F) -> f64
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let started = Instant::now();
    futures_util::stream::iter(0..n)
        .for_each_concurrent(concurrency, &call)
        .await;
    let rate = n as f64 / started.elapsed().as_secs_f64();
    eprintln!("{name}: {n} in {:?} ({rate:.0}/s)", started.elapsed());
    rate
}

async fn expect(
    request: awc::ClientRequest,
    body: Option<serde_json::Value>,
    status: u16,
) -> Vec<u8> {
    let mut response = match body {
        Some(body) => request.send_json(&body).await,
        None => request.send().await,
    }
    .expect("request sent");
    let bytes = response.body().limit(1 << 20).await.expect("body").to_vec();
    assert_eq!(
        response.status().as_u16(),
        status,
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    bytes
}

#[actix_rt::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let binary = args.get(1).expect("SERVER_BINARY");
    let redis = args.get(2).expect("REDIS_URL");
    let n: usize = args.get(3).map_or(10_000, |a| a.parse().unwrap());
    let concurrency: usize = args.get(4).map_or(32, |a| a.parse().unwrap());

    let gateway = HttpRecorder::start(&[]);
    let prefix = format!("latchkey-bench:{}:", std::process::id());
    let _server = Server(
        Command::new(binary)
            .env("LATCHKEY_LISTEN", LISTEN)
            .env("LATCHKEY_LOG", "warn")
            .env("LATCHKEY_BOOTSTRAP_CLIENT_SECRET", SECRET)
            .env("LATCHKEY_REDIS_URL", redis)
            .env("LATCHKEY_REDIS_PREFIX", &prefix)
            .env("LATCHKEY_SMS_URL", &gateway.url)
            .env("LATCHKEY_FLOW_RATE_PER_CREDENTIAL", "1000/1s")
            .env("LATCHKEY_FLOW_RATE_PER_TENANT", "1000000/1s")
            .spawn()
            .expect("starting the server"),
    );
    let http = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish();
    let started = Instant::now();
    while http
        .get(format!("http://{LISTEN}/healthz"))
        .send()
        .await
        .is_err()
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the server did not come up"
        );
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
    let token: serde_json::Value = {
        let mut response = http
            .post(format!("http://{LISTEN}/token"))
            .basic_auth("latchkey-admin", SECRET)
            .send_form(&[("grant_type", "client_credentials")])
            .await
            .unwrap();
        serde_json::from_slice(&response.body().await.unwrap()).unwrap()
    };
    let bearer = token["access_token"].as_str().unwrap().to_owned();
    let auth = |r: awc::ClientRequest| r.bearer_auth(&bearer);

    eprintln!("creating {n} credentials");
    phase("setup", n, concurrency, |i| {
        let (http, auth) = (&http, &auth);
        async move {
            let body = serde_json::json!({"username": username(i), "customer_id": format!("C-{i}"), "msisdn": format!("+3460{i:07}")});
            expect(
                auth(http.post(format!("http://{LISTEN}/v1/orgs/yoigo/flows/create_username"))),
                Some(body),
                201,
            )
            .await;
            expect(
                auth(http.patch(path(i, ""))),
                Some(serde_json::json!({"enabled": true})),
                204,
            )
            .await;
        }
    })
    .await;

    let issue = phase("OTP issue", n, concurrency, |i| {
        let (http, auth) = (&http, &auth);
        async move {
            expect(
                auth(http.post(path(i, "/otp"))),
                Some(serde_json::json!({"hint": format!("+3460{i:07}")})),
                201,
            )
            .await;
        }
    })
    .await;
    let codes: HashMap<String, String> = gateway
        .recorded()
        .into_iter()
        .map(|sms| {
            let body = sms.json();
            let text = body["text"].as_str().unwrap();
            let code = text
                .split(|c: char| !c.is_ascii_digit())
                .find(|w| w.len() == 6)
                .unwrap()
                .to_owned();
            (body["to"].as_str().unwrap().to_owned(), code)
        })
        .collect();
    assert_eq!(codes.len(), n, "every SMS arrived");
    let validate = phase("OTP validate", n, concurrency, |i| {
        let (http, auth, codes) = (&http, &auth, &codes);
        async move {
            let code = &codes[&format!("+3460{i:07}")];
            expect(
                auth(http.put(path(i, "/otp"))),
                Some(serde_json::json!({"code": code})),
                204,
            )
            .await;
        }
    })
    .await;

    phase("TOTP enroll", n, concurrency, |i| {
        let (http, auth) = (&http, &auth);
        async move {
            expect(auth(http.post(path(i, "/totp"))), None, 201).await;
        }
    })
    .await;
    // Passcodes are valid for the step they were read in and the next: read them, then validate
    // at once (each in its own step window; a run over 10,000 takes a few seconds).
    let passcodes = std::sync::Mutex::new(vec![String::new(); n]);
    phase("TOTP passcode", n, concurrency, |i| {
        let (http, auth, passcodes) = (&http, &auth, &passcodes);
        async move {
            let body = expect(auth(http.post(path(i, "/totp/passcode"))), None, 201).await;
            let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
            passcodes.lock().unwrap()[i] = json["passcode"].as_str().unwrap().to_owned();
        }
    })
    .await;
    let passcodes = passcodes.into_inner().unwrap();
    let totp = phase("TOTP validate", n, concurrency, |i| {
        let (http, auth, passcodes) = (&http, &auth, &passcodes);
        async move {
            expect(
                auth(http.put(path(i, "/totp"))),
                Some(serde_json::json!({"code": passcodes[i]})),
                204,
            )
            .await;
        }
    })
    .await;

    println!("{n} credentials, {concurrency} requests in flight, every answer 201/204:");
    println!();
    println!("| what (codes on Redis) | req/s |");
    println!("|---|---:|");
    println!("| OTP issue (`POST .../otp`, SMS to the gateway) | {issue:.0} |");
    println!("| OTP validate (`PUT .../otp`, right code) | {validate:.0} |");
    println!(
        "| OTP issue + validate (pairs per second) | {:.0} |",
        1.0 / (1.0 / issue + 1.0 / validate)
    );
    println!("| TOTP validate (`PUT .../totp`, right code) | {totp:.0} |");
}
