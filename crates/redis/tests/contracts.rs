//! The Redis adapters run the same contract suites as the memory ones, against a real Redis
//! (`LATCHKEY_TEST_REDIS_URL`, default `redis://127.0.0.1:6379`; `just test` starts it). Each
//! store gets a key prefix of its own, so checks never see each other's keys.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use latchkey_redis::{RedisConfig, RedisDatabase};
use latchkey_testkit::contracts;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

fn url() -> String {
    std::env::var("LATCHKEY_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// A database handle whose keys no other check shares.
async fn fresh() -> RedisDatabase {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let prefix = format!(
        "latchkey-test:{}:{}:{}:",
        std::process::id(),
        time::OffsetDateTime::now_utc().unix_timestamp_nanos(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    let db = RedisDatabase::new(&RedisConfig {
        url: url(),
        timeout: Duration::from_secs(5),
        prefix,
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
