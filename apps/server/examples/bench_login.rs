//! Load test of the login server, as browsers and applications use it: `just bench-login` runs
//! it.
//!
//! Usage: `bench_login SERVER_BINARY DATABASE_URL REDIS_URL [SECONDS] [CONCURRENCY] [ROUNDS]`.
//! It starts the server binary on PostgreSQL and Redis (an empty URL leaves that storage in the
//! server's memory: what a login costs without its round trips), makes CONCURRENCY customers
//! (default 32) with passwords and a confidential login client, then measures, with CONCURRENCY
//! in flight, ROUNDS rounds (default 3) of SECONDS (default 10) of 1 and 2, then ROUNDS rounds
//! of SECONDS of 3:
//! 1. the argon2id bound: verifications per second of a real password hash (m=19456 KiB, t=2,
//!    p=1) on every core, in this process, with one reused memory buffer per thread: what the
//!    machine can do at most;
//! 2. password logins: `GET /authorize` (login page, anti-forgery token and cookie), then
//!    `POST /login` with username and password, answered 303 to the client with a code;
//! 3. refresh-token grants: each customer's refresh token rotated at `POST /token` over and
//!    over (HTTP Basic client authentication, rotation in the tenant's schema, an ES256 access
//!    token each time).
//!
//! A round's bound and logins are measured in alternating slices (SECONDS / 5 each) and
//! compared: a shared machine's speed drifts by a quarter from one minute to the next, so a
//! bound from another minute would not be the same machine. Every answer must be what a
//! client expects, or the run fails. Prints each round and the medians as Markdown.
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
use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

const SECRET: &str = "bench-secret-0123456789abcdef";
const LISTEN: &str = "127.0.0.1:18084";
const PASSWORD: &str = "correct horse battery staple";
const CALLBACK: &str = "https://app.example/callback";
/// A round's bound and logins alternate in this many slices each.
const SLICES: u32 = 5;

fn url(path: &str) -> String {
    format!("http://{LISTEN}{path}")
}

async fn body(
    response: Result<
        awc::ClientResponse<
            impl futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>>
            + Unpin,
        >,
        awc::error::SendRequestError,
    >,
    status: u16,
) -> (Vec<u8>, awc::http::header::HeaderMap) {
    let mut response = response.expect("request sent");
    let bytes = response.body().limit(1 << 20).await.expect("body").to_vec();
    assert_eq!(
        response.status().as_u16(),
        status,
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    (bytes, response.headers().clone())
}

fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker).unwrap() + marker.len();
    page[start..start + page[start..].find('"').unwrap()].to_owned()
}

/// The `name=value` pairs of every Set-Cookie.
fn cookies(headers: &awc::http::header::HeaderMap) -> String {
    headers
        .get_all("set-cookie")
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The PKCE pair of every login (RFC 7636 Appendix B): S256 is required of every client.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// One password login; answers the authorization code.
async fn login(http: &awc::Client, client_id: &str, username: &str) -> String {
    let query = serde_urlencoded::to_string([
        ("client_id", client_id),
        ("response_type", "code"),
        ("redirect_uri", CALLBACK),
        ("state", "s"),
        ("scope", "openid devices offline_access"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ])
    .unwrap();
    let (page, headers) = body(
        http.get(url(&format!("/authorize?{query}"))).send().await,
        200,
    )
    .await;
    let page = String::from_utf8(page).unwrap();
    let form = [
        ("tx", hidden(&page, "tx")),
        ("csrf", hidden(&page, "csrf")),
        ("username", username.to_owned()),
        ("password", PASSWORD.to_owned()),
    ];
    let (_, headers) = body(
        http.post(url("/login"))
            .insert_header(("cookie", cookies(&headers)))
            .send_form(&form)
            .await,
        303,
    )
    .await;
    let location = headers.get("location").unwrap().to_str().unwrap();
    let query = location.split_once('?').unwrap().1;
    let params: HashMap<String, String> = serde_urlencoded::from_str(query).unwrap();
    params["code"].clone()
}

#[actix_rt::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let binary = args.get(1).expect("SERVER_BINARY");
    let database = args.get(2).expect("DATABASE_URL");
    let redis = args.get(3).expect("REDIS_URL");
    let seconds: u64 = args.get(4).map_or(10, |a| a.parse().unwrap());
    let concurrency: usize = args.get(5).map_or(32, |a| a.parse().unwrap());
    let rounds: usize = args.get(6).map_or(3, |a| a.parse().unwrap());
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());

    let prefix = format!("latchkey-bench:{}:", std::process::id());
    let _server = Process(
        Command::new(binary)
            .env("LATCHKEY_LISTEN", LISTEN)
            .env(
                "LATCHKEY_LOG",
                std::env::var("BENCH_SERVER_LOG").unwrap_or_else(|_| "error".into()),
            )
            .env("LATCHKEY_BOOTSTRAP_CLIENT_SECRET", SECRET)
            // Every simulated browser comes from 127.0.0.1: the per-address limit on
            // `/authorize` (60/1m by default) would measure the limit, not the logins.
            .env("LATCHKEY_LOGIN_RATE_PER_ADDRESS", "1000000/1m")
            // An empty URL leaves that storage in memory.
            .envs(
                [
                    ("LATCHKEY_DATABASE_URL", database.as_str()),
                    ("LATCHKEY_REDIS_URL", redis.as_str()),
                ]
                .into_iter()
                .filter(|(_, url)| !url.is_empty()),
            )
            .env("LATCHKEY_REDIS_PREFIX", &prefix)
            .env(
                "LATCHKEY_DATA_KEY",
                "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
            )
            // Its standard output carries dev mode's printed messages (a new-device notice a
            // login on the in-memory adapters), not the report's; its logs go to stderr.
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("starting the server"),
    );
    let http = http_client();
    let started = Instant::now();
    while http
        .get(url("/readyz"))
        .send()
        .await
        .map_or(true, |r| !r.status().is_success())
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server did not come up"
        );
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
    let (token, _) = body(
        http.post(url("/token"))
            .basic_auth("latchkey-admin", SECRET)
            .send_form(&[("grant_type", "client_credentials")])
            .await,
        200,
    )
    .await;
    let token: serde_json::Value = serde_json::from_slice(&token).unwrap();
    let bearer = token["access_token"].as_str().unwrap().to_owned();

    eprintln!("creating {concurrency} customers and a login client");
    let usernames: Vec<String> = (0..concurrency)
        .map(|i| format!("login-{i}@example.com"))
        .collect();
    for name in &usernames {
        let path = url(&format!(
            "/v1/orgs/masmovil/credentials/{}",
            name.replace('@', "%40")
        ));
        let (created, _) = body(http.post(&path).bearer_auth(&bearer).send().await, 201).await;
        let created: serde_json::Value = serde_json::from_slice(&created).unwrap();
        let set = serde_json::json!({"password": PASSWORD, "token": created["token"]});
        body(
            http.put(&path).bearer_auth(&bearer).send_json(&set).await,
            204,
        )
        .await;
    }
    let client = serde_json::json!({
        "name": "bench app", "orgs": ["masmovil"],
        "scopes": ["openid", "devices", "offline_access"],
        "grant_types": ["authorization_code", "refresh_token"], "redirect_uris": [CALLBACK],
    });
    let (created, _) = body(
        http.post(url("/v1/clients"))
            .bearer_auth(&bearer)
            .send_json(&client)
            .await,
        201,
    )
    .await;
    let created: serde_json::Value = serde_json::from_slice(&created).unwrap();
    let client_id = created["client_id"].as_str().unwrap().to_owned();
    let client_secret = created["client_secret"].as_str().unwrap().to_owned();

    // One refresh token per customer, then each chain rotated as fast as it goes.
    let mut chains = Vec::with_capacity(concurrency);
    for name in &usernames {
        let code = login(&http, &client_id, name).await;
        let (tokens, _) = body(
            http.post(url("/token"))
                .basic_auth(&client_id, &client_secret)
                .send_form(&[
                    ("grant_type", "authorization_code"),
                    ("code", code.as_str()),
                    ("redirect_uri", CALLBACK),
                    ("code_verifier", VERIFIER),
                ])
                .await,
            200,
        )
        .await;
        let tokens: serde_json::Value = serde_json::from_slice(&tokens).unwrap();
        chains.push(std::cell::RefCell::new(
            tokens["refresh_token"].as_str().unwrap().to_owned(),
        ));
    }
    // All login rounds first, then all refresh rounds: the refreshes leave PostgreSQL work
    // behind (pruning, vacuum, checkpoints) that would land in the next round's logins.
    let mut table = Vec::with_capacity(rounds);
    for round in 1..=rounds {
        eprintln!("logins, round {round}/{rounds}");
        // The bound alone on the machine (the server idle), then the logins, in alternating
        // slices: both see the same minutes of the machine.
        let slice = Duration::from_secs(seconds) / SLICES;
        let (mut verified, mut bound_time, mut logged_in, mut login_time) = (0, 0.0, 0, 0.0);
        for _ in 0..SLICES {
            let (n, t) = argon2_bound(PASSWORD, cores, slice);
            (verified, bound_time) = (verified + n, bound_time + t);
            // New connections: the last slice's went idle for as long as the bound ran.
            let http = http_client();
            let (n, t) = sustained("password logins", concurrency, slice, |w| {
                let (http, client_id, name) = (&http, &client_id, &usernames[w]);
                async move {
                    login(http, client_id, name).await;
                }
            })
            .await;
            (logged_in, login_time) = (logged_in + n, login_time + t);
        }
        let bound = verified as f64 / bound_time;
        let logins = logged_in as f64 / login_time;
        table.push((bound, logins, logins / bound, 0.0));
    }
    for (round, row) in table.iter_mut().enumerate() {
        eprintln!("refreshes, round {}/{rounds}", round + 1);
        let http = http_client();
        let span = Duration::from_secs(seconds);
        let (n, t) = sustained("refresh grants", concurrency, span, |w| {
            let (http, client_id, client_secret, chain) =
                (&http, &client_id, &client_secret, &chains[w]);
            async move {
                let current = chain.borrow().clone();
                let (tokens, _) = body(
                    http.post(url("/token"))
                        .basic_auth(client_id, client_secret)
                        .send_form(&[
                            ("grant_type", "refresh_token"),
                            ("refresh_token", current.as_str()),
                        ])
                        .await,
                    200,
                )
                .await;
                let tokens: serde_json::Value = serde_json::from_slice(&tokens).unwrap();
                *chain.borrow_mut() = tokens["refresh_token"].as_str().unwrap().to_owned();
            }
        })
        .await;
        row.3 = n as f64 / t;
    }

    println!(
        "{rounds} rounds of logins, then {rounds} of refreshes; {concurrency} in flight, {cores} cores; a login round: the bound and the logins in {SLICES} alternating slices of {:.1} s each; a refresh round: {seconds} s:",
        seconds as f64 / f64::from(SLICES)
    );
    println!();
    let (rotation, records) = match (database.is_empty(), redis.is_empty()) {
        (false, false) => ("on PostgreSQL", "Redis"),
        (false, true) => ("on PostgreSQL", "memory"),
        (true, false) => ("in memory", "Redis"),
        (true, true) => ("in memory", "memory"),
    };
    println!(
        "| round | argon2id bound (verifications/s, {cores} threads, m=19456 KiB, t=2, reused memory) | password logins/s (`GET /authorize` + `POST /login`, records in {records}) | logins / bound | refresh-token grants/s (rotation {rotation}) |"
    );
    println!("|---:|---:|---:|---:|---:|");
    for (i, (bound, logins, share, refreshes)) in table.iter().enumerate() {
        println!(
            "| {} | {bound:.1} | {logins:.1} | {:.0}% | {refreshes:.0} |",
            i + 1,
            100.0 * share
        );
    }
    let column = |pick: fn(&(f64, f64, f64, f64)) -> f64| {
        let mut values: Vec<f64> = table.iter().map(pick).collect();
        values.sort_by(f64::total_cmp);
        let median = values[values.len() / 2];
        (median, values[0], values[values.len() - 1])
    };
    let (share, share_min, share_max) = column(|r| r.2);
    let (refresh, refresh_min, refresh_max) = column(|r| r.3);
    println!();
    println!(
        "Median logins / bound: {:.0}% ({:.0}%-{:.0}%); median refresh grants: {refresh:.0}/s ({refresh_min:.0}-{refresh_max:.0})",
        100.0 * share,
        100.0 * share_min,
        100.0 * share_max
    );
}
