//! The server on PostgreSQL, whatever `LATCHKEY_TEST_BACKEND` says: what it writes survives a
//! restart, and a database that stops or hangs makes requests fail fast with 503 (never hang),
//! and service comes back by itself when the database does.

use futures_util::future::join_all;
use latchkey_postgres::testing::admin_url;
use latchkey_tests::proxy::{Mode, Proxy, Upstream};
use latchkey_tests::{Answer, TestServer, credential_path, scratch_database};
use serde_json::{Value, json};
use std::future::Future;
use std::time::{Duration, Instant};

const ANA: &str = "ana@example.com";
const BOB: &str = "bob@example.com";
const PASSWORD: &str = "correct horse battery";
const GRANT: (&str, &str) = ("grant_type", "client_credentials");

/// The deadline of one database operation in the outage tests.
const DB_TIMEOUT: Duration = Duration::from_millis(1000);
/// How much longer than [`DB_TIMEOUT`] an answer may take (scheduling, the HTTP round trip).
const SLACK: Duration = Duration::from_secs(2);
/// How soon after the database is back a request must succeed again.
const RECOVERY: Duration = Duration::from_secs(10);

fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

/// Runs a request and measures it; a request that takes far longer than any bound is a hang.
async fn timed<F: Future<Output = Answer>>(what: &str, request: F) -> (Answer, Duration) {
    let started = Instant::now();
    match tokio::time::timeout(Duration::from_secs(20), request).await {
        Ok(answer) => (answer, started.elapsed()),
        Err(_) => panic!("{what} hung: no answer within 20 s"),
    }
}

#[actix_rt::test]
async fn everything_written_survives_a_restart_on_the_same_database() {
    let database = scratch_database().await;
    // A fixed public URL: the issuer of the tokens does not change with the port.
    let config = |c: &mut latchkey_server::config::ServerConfig| {
        c.public_url = Some("http://latchkey.test".to_owned());
    };
    let first = TestServer::start_on(database.url(), config).await;
    let admin = first.admin_token(None).await;
    let org = first
        .call(
            "PUT",
            "/v1/orgs/jazztel",
            Some(&admin),
            Some(&json!({"name": "Jazztel Fibra"})),
        )
        .await
        .expect_json(201);
    // A credential with attributes, activated, then patched.
    let attributes = json!({"crm": "qvantel", "customer_id": "C-42", "msisdn": "+34600111222"});
    let set = first
        .call(
            "POST",
            &credential_path("jazztel", ANA),
            Some(&admin),
            Some(&attributes),
        )
        .await
        .expect_json(201)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let answer = first
        .call(
            "PUT",
            &credential_path("jazztel", ANA),
            Some(&admin),
            Some(&json!({"password": PASSWORD, "token": set})),
        )
        .await;
    assert_eq!(answer.code(), 204, "{}", answer.text());
    let answer = first
        .call(
            "PATCH",
            &credential_path("jazztel", ANA),
            Some(&admin),
            Some(&json!({"enabled": true, "require2fa": true})),
        )
        .await;
    assert_eq!(answer.code(), 204, "{}", answer.text());
    let credential = first
        .get(&credential_path("jazztel", ANA), &admin)
        .await
        .expect_json(200);
    assert_eq!(
        (&credential["require2fa"], &credential["crm"]),
        (&json!(true), &json!("qvantel"))
    );
    // A credential left waiting for its password: its set-password token must survive too.
    let bob_set = first.create_credential(&admin, "jazztel", BOB).await;
    // An API client, and a token of it issued by the first server.
    let (client_id, client_secret) = first
        .create_client(&["credentials:read"], &["jazztel"])
        .await;
    let client_token = first.token_of(&client_id, &client_secret, &[GRANT]).await;
    // A rotated signing key: tokens of the old key and of the new one.
    let old_kid = kid_of(&admin);
    let rotated = first
        .call("POST", "/v1/keys", Some(&admin), None)
        .await
        .expect_json(201);
    let new_kid = rotated["kid"].as_str().unwrap().to_owned();
    assert_ne!(new_kid, old_kid);
    let fresh = first.admin_token(None).await;
    assert_eq!(kid_of(&fresh), new_kid);
    let keys = first.get("/v1/keys", &admin).await.expect_json(200);
    let orgs = first.get("/v1/orgs", &admin).await.expect_json(200);
    let clients = first.get("/v1/clients", &admin).await.expect_json(200);
    first.stop().await;

    let second = TestServer::start_on(database.url(), config).await;
    // Tokens of the first server verify on the second: its keys were persisted.
    for (what, token) in [("old key", &admin), ("new key", &fresh)] {
        let read = second.get(&credential_path("jazztel", ANA), token).await;
        assert_eq!(read.expect_json(200), credential, "read with the {what}");
    }
    let read = second
        .get(&credential_path("jazztel", ANA), &client_token)
        .await;
    assert_eq!(read.expect_json(200), credential, "read by the client");
    assert_eq!(
        second
            .get("/v1/orgs/jazztel", &admin)
            .await
            .expect_json(200),
        org
    );
    assert_eq!(second.get("/v1/orgs", &admin).await.expect_json(200), orgs);
    assert_eq!(second.get("/v1/keys", &admin).await.expect_json(200), keys);
    assert_eq!(
        second.get("/v1/clients", &admin).await.expect_json(200),
        clients
    );
    let kids: Vec<Value> = second.jwks().await["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].clone())
        .collect();
    assert!(
        kids.contains(&json!(old_kid)) && kids.contains(&json!(new_kid)),
        "{kids:?}"
    );
    // The client still authenticates, and the rotated key is still the one that signs.
    let again = second.token_of(&client_id, &client_secret, &[GRANT]).await;
    assert_eq!(kid_of(&again), new_kid);
    assert_eq!(
        second
            .get(&credential_path("jazztel", ANA), &again)
            .await
            .expect_json(200),
        credential
    );
    assert_eq!(kid_of(&second.admin_token(None).await), new_kid);
    // The set-password token issued by the first server works once on the second.
    let activate = json!({"password": PASSWORD, "token": bob_set});
    let answer = second
        .call(
            "PUT",
            &credential_path("jazztel", BOB),
            Some(&admin),
            Some(&activate),
        )
        .await;
    assert_eq!(answer.code(), 204, "{}", answer.text());
    assert_eq!(
        second
            .get(&credential_path("jazztel", BOB), &admin)
            .await
            .expect_json(200)["enabled"],
        true
    );
    second.stop().await;
}

/// A server on a scratch database reached through a proxy, with short database deadlines, and
/// an active credential.
struct Outage {
    // Dropped in this order: the server, then the proxy, then the database.
    server: TestServer,
    proxy: Proxy,
    _database: latchkey_postgres::testing::ScratchDatabase,
    admin: String,
    path: String,
}

impl Outage {
    async fn start() -> Self {
        let database = scratch_database().await;
        let proxy = Proxy::start(Upstream::of_url(&admin_url()));
        let millis = u64::try_from(DB_TIMEOUT.as_millis()).unwrap();
        let server = TestServer::start_on(&proxy.url_through(database.url()), |c| {
            c.database_statement_timeout_ms = millis;
            c.database_connect_timeout_ms = millis;
        })
        .await;
        let admin = server.admin_token(None).await;
        server
            .active_credential(&admin, "masmovil", ANA, PASSWORD)
            .await;
        let path = credential_path("masmovil", ANA);
        Self {
            server,
            proxy,
            _database: database,
            admin,
            path,
        }
    }

    /// Everything works: reads, writes, tokens, readiness.
    async fn assert_serving(&self) {
        let server = &self.server;
        assert_eq!(
            server.get(&self.path, &self.admin).await.expect_json(200)["enabled"],
            true
        );
        let answer = server
            .call(
                "PATCH",
                &self.path,
                Some(&self.admin),
                Some(&json!({"enabled": true})),
            )
            .await;
        assert_eq!(answer.code(), 204, "{}", answer.text());
        server.admin_token(None).await;
        // Ready again at once, or at the latest when the cached tenant list expires.
        let started = Instant::now();
        let ready = loop {
            let (ready, _) = timed("GET /readyz", server.call("GET", "/readyz", None, None)).await;
            if ready.code() == 200 || started.elapsed() > RECOVERY {
                break ready;
            }
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(ready.expect_json(200), json!({"status": "ready"}));
    }

    /// With the database gone (`mode`, since `since`), every request that needs it answers 503
    /// within the deadline and the slack; none hangs.
    async fn assert_unavailable(&self, mode: Mode, since: Instant) {
        let server = &self.server;
        let bound = DB_TIMEOUT + SLACK;
        // First, while little time has passed: readiness may come from the tenant list the
        // server caches (for a second), so it must turn unavailable within the bound, counted
        // from the start of the outage.
        let ready = loop {
            let (ready, took) =
                timed("GET /readyz", server.call("GET", "/readyz", None, None)).await;
            assert!(took <= bound, "{mode:?}: /readyz answered after {took:?}");
            if ready.code() != 200 || since.elapsed() > bound {
                break ready;
            }
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(
            ready.expect_json(503),
            json!({"status": "unavailable", "failed": ["postgresql"]}),
            "{mode:?}: /readyz {:?} after the outage began",
            since.elapsed()
        );
        let took = since.elapsed();
        assert!(
            took <= bound,
            "{mode:?}: /readyz still said ready {took:?} after the outage began"
        );
        eprintln!("{mode:?}: /readyz answered 503 {took:?} after the outage began");
        let (read, took) = timed("GET credential", server.get(&self.path, &self.admin)).await;
        assert_eq!(read.expect_error(503), "service.unavailable", "{mode:?}");
        assert!(took <= bound, "{mode:?}: GET answered 503 after {took:?}");
        eprintln!("{mode:?}: GET credential answered 503 in {took:?}");
        let body = json!({"enabled": false});
        let (write, took) = timed(
            "PATCH credential",
            server.call("PATCH", &self.path, Some(&self.admin), Some(&body)),
        )
        .await;
        assert_eq!(write.expect_error(503), "service.unavailable", "{mode:?}");
        assert!(took <= bound, "{mode:?}: PATCH answered 503 after {took:?}");
        eprintln!("{mode:?}: PATCH credential answered 503 in {took:?}");
        // The client registry's answers are cached for a second too: /token may go on serving
        // from the cache, and must turn unavailable within the bound.
        let (token, took) = loop {
            let (token, took) = timed(
                "POST /token",
                server.token_request(
                    latchkey_tests::ADMIN_ID,
                    latchkey_tests::ADMIN_SECRET,
                    &[GRANT],
                ),
            )
            .await;
            if token.code() != 200 || since.elapsed() > bound {
                break (token, took);
            }
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(
            token.expect_oauth_error(503),
            "temporarily_unavailable",
            "{mode:?}"
        );
        assert!(
            took <= bound,
            "{mode:?}: /token answered 503 after {took:?}"
        );
        eprintln!("{mode:?}: POST /token answered 503 in {took:?}");
        let (health, _) = timed("GET /healthz", server.call("GET", "/healthz", None, None)).await;
        assert_eq!(health.expect_json(200), json!({"status": "ok"}), "{mode:?}");

        // Many at once (more than the pool's connections): each one answers 503 in time, so
        // no worker is left hanging on the database.
        let started = Instant::now();
        let answers = join_all((0..20).map(|_| async {
            let answer = server.get(&self.path, &self.admin).await;
            (answer, started.elapsed())
        }));
        let answers = tokio::time::timeout(Duration::from_secs(20), answers)
            .await
            .unwrap_or_else(|_| panic!("{mode:?}: concurrent requests hung"));
        let slowest = answers.iter().map(|(_, took)| *took).max();
        for (answer, took) in answers {
            assert_eq!(answer.expect_error(503), "service.unavailable", "{mode:?}");
            assert!(
                took <= bound,
                "{mode:?}: a concurrent GET answered 503 after {took:?}"
            );
        }
        eprintln!("{mode:?}: 20 concurrent GETs all answered 503, the last in {slowest:?}");
    }

    /// After the database is back, requests succeed again within [`RECOVERY`], without a
    /// restart, then all of many concurrent ones do.
    async fn assert_recovers(&self, mode: Mode) {
        let server = &self.server;
        let started = Instant::now();
        loop {
            let (answer, _) = timed("GET credential", server.get(&self.path, &self.admin)).await;
            if answer.code() == 200 {
                break;
            }
            assert!(
                started.elapsed() < RECOVERY,
                "{mode:?}: still {} {} {:?} after the database came back",
                answer.code(),
                answer.text(),
                started.elapsed()
            );
            actix_rt::time::sleep(Duration::from_millis(100)).await;
        }
        eprintln!(
            "{mode:?}: served again {:?} after the database came back",
            started.elapsed()
        );
        self.assert_serving().await;
        let answers = join_all((0..20).map(|_| server.get(&self.path, &self.admin)));
        let answers = tokio::time::timeout(Duration::from_secs(20), answers)
            .await
            .unwrap_or_else(|_| panic!("{mode:?}: concurrent requests hung after recovery"));
        for answer in answers {
            assert_eq!(answer.expect_json(200)["username"], ANA, "{mode:?}");
        }
    }

    async fn cycle(&self, mode: Mode) {
        self.proxy.set_mode(mode);
        self.assert_unavailable(mode, Instant::now()).await;
        self.proxy.set_mode(Mode::Pass);
        self.assert_recovers(mode).await;
    }
}

#[actix_rt::test]
async fn a_stopped_database_answers_503_fast_and_service_resumes_when_it_is_back() {
    let outage = Outage::start().await;
    outage.assert_serving().await;
    outage.cycle(Mode::Refuse).await;
    // A second outage is handled like the first.
    outage.cycle(Mode::Refuse).await;
}

#[actix_rt::test]
async fn a_hung_database_answers_503_within_the_deadline_and_service_resumes() {
    let outage = Outage::start().await;
    outage.assert_serving().await;
    outage.cycle(Mode::Blackhole).await;
    outage.cycle(Mode::Refuse).await;
    outage.cycle(Mode::Blackhole).await;
}
