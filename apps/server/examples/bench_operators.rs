//! Load test of the security service's operator plane: `just bench-operators` runs it.
//!
//! Usage: `bench_operators SERVER_BINARY HELLO_BINARY DATABASE_URL REDIS_URL [SECONDS]
//! [CONCURRENCY] [ROUNDS]`. It starts the server (an empty URL leaves that storage in memory)
//! with a first root from configuration and one configured sibling service, changes the root's
//! initial password, creates CONCURRENCY operators through `POST /api/v1/user/0`, then measures
//! ROUNDS rounds (default 3) of:
//! 1. the argon2id bound: verifications per second of a real password hash (m=19456 KiB, t=2,
//!    p=1) on every core, in this process, through the server's own verification routine;
//! 2. operator sign-ins: `POST /api/v1/oauth2` with `{userId, password}` as owsec's clients send
//!    it, answered with a `WebTokenResult`, CONCURRENCY in flight;
//!
//! in alternating slices (SECONDS / 5 each), as `bench_login` does; then ROUNDS rounds of
//! SECONDS of `wrk -t2 -c32` (Debian's package) against the bare actix-web "hello" (the ceiling
//! of this machine, measured in the same run) and against `GET /api/v1/validateToken?token=`
//! as a sibling service calls it (`X-API-KEY` + `X-INTERNAL-NAME`), with a live operator token.
//! Every answer must be what a client expects, or the run fails. Prints Markdown.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    reason = "a benchmark tool fails loudly and prints its report"
)]

#[path = "bench_common/mod.rs"]
mod bench_common;

use bench_common::{Process, argon2_bound, http_client, sustained};
use std::process::Command;
use std::time::{Duration, Instant};

const LISTEN: &str = "127.0.0.1:18086";
const HELLO: &str = "127.0.0.1:18087";
const ROOT: &str = "root@bench.example";
const INITIAL: &str = "an initial bench passphrase";
const PASSWORD: &str = "correct horse battery staple";
const SERVICE_NAME: &str = "owgw";
const SERVICE_KEY: &str = "bench-service-key-0123456789abcdef";
const SLICES: u32 = 5;

fn url(path: &str) -> String {
    format!("http://{LISTEN}{path}")
}

/// Posts JSON as owsec's curl CLI does (no Content-Type); answers the JSON of the answer,
/// which must have `status`.
async fn post(
    http: &awc::Client,
    path: &str,
    body: &serde_json::Value,
    bearer: Option<&str>,
    status: u16,
) -> serde_json::Value {
    let mut request = http.post(url(path));
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let mut response = request
        .send_body(body.to_string())
        .await
        .expect("request sent");
    let bytes = response.body().limit(1 << 20).await.expect("body");
    assert_eq!(
        response.status().as_u16(),
        status,
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    serde_json::from_slice(&bytes).expect("a JSON answer")
}

async fn sign_in(http: &awc::Client, email: &str) -> String {
    let answer = post(
        http,
        "/api/v1/oauth2",
        &serde_json::json!({"userId": email, "password": PASSWORD}),
        None,
        200,
    )
    .await;
    answer["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned()
}

/// One `wrk -t2 -c32` run; answers its requests per second, after checking that it saw no
/// error answer.
fn wrk(seconds: u64, target: &str, headers: &[(&str, &str)]) -> f64 {
    let mut command = Command::new("wrk");
    command.args(["-t2", "-c32", &format!("-d{seconds}s")]);
    for (name, value) in headers {
        command.args(["-H", &format!("{name}: {value}")]);
    }
    let out = command
        .arg(target)
        .output()
        .expect("wrk (Debian package 'wrk') runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains("Non-2xx"),
        "error answers under load:\n{text}"
    );
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no rate in wrk's output:\n{text}"))
}

fn median(values: &[f64]) -> (f64, f64, f64) {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn start_server(binary: &str, database: &str, redis: &str) -> Process {
    let services = serde_json::json!([{
        "type": SERVICE_NAME, "id": 1, "vendor": "OpenWiFi",
        "uri": "https://gw.bench.example:16002", "privateUri": "https://gw.bench.example:17002",
        "authenticationType": "internal", "key": SERVICE_KEY,
    }]);
    Process(
        Command::new(binary)
            .env("LATCHKEY_LISTEN", LISTEN)
            .env(
                "LATCHKEY_LOG",
                std::env::var("BENCH_SERVER_LOG").unwrap_or_else(|_| "error".into()),
            )
            .env("LATCHKEY_ROOT_EMAIL", ROOT)
            .env("LATCHKEY_ROOT_PASSWORD", INITIAL)
            .env("LATCHKEY_SYSTEM_SERVICES", services.to_string())
            .envs(
                [
                    ("LATCHKEY_DATABASE_URL", database),
                    ("LATCHKEY_REDIS_URL", redis),
                ]
                .into_iter()
                .filter(|(_, url)| !url.is_empty()),
            )
            .env(
                "LATCHKEY_REDIS_PREFIX",
                format!("latchkey-bench:{}:", std::process::id()),
            )
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("starting the server"),
    )
}

async fn wait_up(http: &awc::Client, target: &str) {
    let started = Instant::now();
    while http
        .get(target)
        .send()
        .await
        .map_or(true, |r| r.status().is_server_error())
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{target} did not come up"
        );
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The root's first sign-in changes its initial password; then `count` operators.
async fn operators(http: &awc::Client, count: usize) -> Vec<String> {
    let first = serde_json::json!({"userId": ROOT, "password": INITIAL});
    let refused = post(http, "/api/v1/oauth2", &first, None, 403).await;
    assert_eq!(
        refused["ErrorCode"], 1,
        "the first sign-in must change the password"
    );
    let change = serde_json::json!({"userId": ROOT, "password": INITIAL, "newPassword": PASSWORD});
    let root = post(http, "/api/v1/oauth2", &change, None, 200).await;
    let bearer = root["access_token"].as_str().unwrap().to_owned();
    let mut emails = Vec::with_capacity(count);
    for i in 0..count {
        let email = format!("operator-{i}@bench.example");
        let user = serde_json::json!({"id": "0", "email": email, "currentPassword": PASSWORD,
            "userRole": "admin", "owner": "masmovil", "changePassword": false});
        post(http, "/api/v1/user/0", &user, Some(&bearer), 200).await;
        emails.push(email);
    }
    emails
}

#[actix_rt::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (binary, hello) = (&args[1], &args[2]);
    let (database, redis) = (args[3].as_str(), args[4].as_str());
    let seconds: u64 = args.get(5).map_or(10, |a| a.parse().unwrap());
    let concurrency: usize = args.get(6).map_or(32, |a| a.parse().unwrap());
    let rounds: usize = args.get(7).map_or(3, |a| a.parse().unwrap());
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());

    let _server = start_server(binary, database, redis);
    let _hello = Process(
        Command::new(hello)
            .arg(HELLO)
            .spawn()
            .expect("starting hello"),
    );
    let http = http_client();
    wait_up(&http, &url("/readyz")).await;
    wait_up(&http, &format!("http://{HELLO}/")).await;
    eprintln!("creating {concurrency} operators");
    let emails = operators(&http, concurrency).await;

    let mut sign_ins = Vec::with_capacity(rounds);
    for round in 1..=rounds {
        eprintln!("sign-ins, round {round}/{rounds}");
        let slice = Duration::from_secs(seconds) / SLICES;
        let (mut verified, mut bound_time, mut signed, mut sign_time) = (0, 0.0, 0, 0.0);
        for _ in 0..SLICES {
            let (n, t) = argon2_bound(PASSWORD, cores, slice);
            (verified, bound_time) = (verified + n, bound_time + t);
            let http = http_client();
            let (n, t) = sustained("operator sign-ins", concurrency, slice, |w| {
                let (http, email) = (&http, &emails[w]);
                async move {
                    sign_in(http, email).await;
                }
            })
            .await;
            (signed, sign_time) = (signed + n, sign_time + t);
        }
        let bound = verified as f64 / bound_time;
        let rate = signed as f64 / sign_time;
        eprintln!("bound {bound:.1}/s, sign-ins {rate:.1}/s");
        sign_ins.push((bound, rate, rate / bound));
    }

    let token = sign_in(&http, &emails[0]).await;
    let validate = url(&format!("/api/v1/validateToken?token={token}"));
    let mut check = http
        .get(&validate)
        .insert_header(("X-API-KEY", SERVICE_KEY))
        .insert_header(("X-INTERNAL-NAME", SERVICE_NAME))
        .send()
        .await
        .expect("validateToken");
    let answer: serde_json::Value = check.json().await.expect("a TokenValidationResult");
    assert_eq!(answer["userInfo"]["email"], emails[0].as_str(), "{answer}");
    let headers = [
        ("X-API-KEY", SERVICE_KEY),
        ("X-INTERNAL-NAME", SERVICE_NAME),
    ];
    let (mut hellos, mut validations) = (Vec::new(), Vec::new());
    for round in 1..=rounds {
        eprintln!("validations, round {round}/{rounds}");
        hellos.push(wrk(seconds, &format!("http://{HELLO}/"), &[]));
        validations.push(wrk(seconds, &validate, &headers));
    }

    println!(
        "{rounds} rounds; {concurrency} sign-ins in flight, {cores} cores; wrk -t2 -c32 for {seconds} s:"
    );
    println!();
    println!(
        "| round | argon2id bound (verifications/s) | operator sign-ins/s (`POST /api/v1/oauth2`) | sign-ins / bound | hello req/s | `GET /api/v1/validateToken` req/s |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    for (i, (bound, rate, share)) in sign_ins.iter().enumerate() {
        println!(
            "| {} | {bound:.1} | {rate:.1} | {:.0}% | {:.0} | {:.0} |",
            i + 1,
            100.0 * share,
            hellos[i],
            validations[i]
        );
    }
    let shares: Vec<f64> = sign_ins.iter().map(|r| r.2).collect();
    let (share, low, high) = median(&shares);
    let (v, vlow, vhigh) = median(&validations);
    println!();
    println!(
        "Median sign-ins / bound: {:.0}% ({:.0}%-{:.0}%); median validations: {v:.0}/s ({vlow:.0}-{vhigh:.0})",
        100.0 * share,
        100.0 * low,
        100.0 * high
    );
}
