//! The Redis adapters run the same contract suites as the memory ones, against a real Redis
//! (`LATCHKEY_TEST_REDIS_URL`, default `redis://127.0.0.1:6379`; `just test` starts it). Each
//! store gets a key prefix of its own, so checks never see each other's keys.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use latchkey_oauth::EphemeralStore as _;
use latchkey_redis::{RedisConfig, RedisDatabase};
use latchkey_testkit::contracts;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

fn url() -> String {
    std::env::var("LATCHKEY_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// A key prefix no other check shares.
fn unique_prefix() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "latchkey-test:{}:{}:{}:",
        std::process::id(),
        time::OffsetDateTime::now_utc().unix_timestamp_nanos(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    )
}

/// A database handle whose keys no other check shares.
async fn fresh() -> RedisDatabase {
    let db = RedisDatabase::new(&RedisConfig {
        url: url(),
        timeout: Duration::from_secs(5),
        prefix: unique_prefix(),
    })
    .unwrap();
    db.ping().await.unwrap_or_else(|e| {
        panic!(
            "Redis at {} does not answer ({e:?}); `just test` starts it (.ci/redis)",
            url()
        )
    });
    db
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_otp_store_honours_the_otp_store_contract() {
    contracts::otp_store::run(|| async { fresh().await.otp_store() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_ephemeral_store_honours_the_ephemeral_store_contract() {
    contracts::ephemeral_store::run(|| async { fresh().await.ephemeral_store() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_rate_limiter_honours_the_rate_limiter_contract() {
    contracts::rate_limiter::run(|| async { fresh().await.rate_limiter() }).await;
}

#[tokio::test]
async fn an_unreachable_redis_is_unavailable_within_the_deadline() {
    let port = latchkey_testkit::smtp_sink::free_port();
    let db = RedisDatabase::new(&RedisConfig {
        url: format!("redis://127.0.0.1:{port}"),
        timeout: Duration::from_millis(500),
        prefix: "latchkey-test:".to_owned(),
    })
    .unwrap();
    let started = std::time::Instant::now();
    match db.ping().await {
        Err(latchkey_core::StoreError::Unavailable(_)) => {}
        other => panic!("{other:?}"),
    }
    let store = db.otp_store();
    let issued = latchkey_otp::OtpStore::issue(
        &store,
        "k",
        &latchkey_core::SecretHash::of(b"x"),
        time::Duration::seconds(300),
        time::Duration::seconds(30),
    )
    .await;
    assert!(matches!(
        issued,
        Err(latchkey_core::StoreError::Unavailable(_))
    ));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

/// A TCP proxy in front of the shared Redis whose connections a test can cut, as a Redis restart
/// does (each client sees its connection closed), without touching that Redis or anybody else's
/// connections to it.
struct CuttingProxy {
    addr: std::net::SocketAddr,
    cut: tokio::sync::watch::Sender<u64>,
    accepted: std::sync::Arc<AtomicU64>,
}

impl CuttingProxy {
    async fn start(upstream: String) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (cut, _) = tokio::sync::watch::channel(0);
        let accepted = std::sync::Arc::new(AtomicU64::new(0));
        let (cuts, count) = (cut.clone(), accepted.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let mut cut = cuts.subscribe();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let mut redis = tokio::net::TcpStream::connect(&upstream).await.unwrap();
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut redis) => {}
                        _ = cut.changed() => {}
                    }
                    // Both sockets close here.
                });
            }
        });
        Self {
            addr,
            cut,
            accepted,
        }
    }

    /// Closes every connection it holds now.
    fn cut(&self) {
        self.cut.send_modify(|n| *n += 1);
    }

    fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::SeqCst)
    }

    /// `url` with the proxy in place of its host and port (credentials and database kept).
    fn in_front_of(&self, url: &str) -> String {
        let (scheme, rest) = url.split_once("://").unwrap();
        let (userinfo, rest) = rest.rsplit_once('@').map_or(("", rest), |(u, r)| (u, r));
        let path = rest.find('/').map_or("", |i| &rest[i..]);
        let at = if userinfo.is_empty() { "" } else { "@" };
        format!("{scheme}://{userinfo}{at}{}{path}", self.addr)
    }
}

/// The `host:port` of a `redis://` URL.
fn authority(url: &str) -> String {
    let rest = url.split_once("://").unwrap().1;
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    let host = rest.split('/').next().unwrap();
    if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:6379")
    }
}

/// One thread (current-thread runtime), so the adapter holds one connection: the idle one that
/// a restart of Redis leaves dead under a server worker.
#[tokio::test]
async fn a_connection_cut_while_idle_is_replaced_before_the_next_command_fails() {
    let proxy = CuttingProxy::start(authority(&url())).await;
    let db = RedisDatabase::new(&RedisConfig {
        url: proxy.in_front_of(&url()),
        timeout: Duration::from_secs(5),
        prefix: unique_prefix(),
    })
    .unwrap();
    let store = db.ephemeral_store();
    store
        .put("k", b"kept", time::Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(proxy.accepted(), 1);

    for round in 2..=3 {
        proxy.cut();
        // The connection lies idle while the client sees it closed, as after a restart.
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(
            store.get("k").await.unwrap().as_deref(),
            Some(b"kept".as_slice()),
            "round {round}"
        );
        assert_eq!(proxy.accepted(), round, "on a fresh connection");
    }
    proxy.cut();
    tokio::time::sleep(Duration::from_millis(200)).await;
    db.ping().await.unwrap();
    assert_eq!(
        store.take("k").await.unwrap().as_deref(),
        Some(b"kept".as_slice())
    );
}
