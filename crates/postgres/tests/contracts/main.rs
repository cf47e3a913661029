//! The PostgreSQL adapters run the same contract suites as every other adapter of their ports,
//! each check on a fresh, empty, migrated database (`LATCHKEY_TEST_DATABASE_URL`, default the
//! local server), with the tenants the suites use already prepared.
#![allow(clippy::panic, reason = "a test fails by panicking")]

use latchkey_postgres::PgDatabase;
use latchkey_postgres::testing::ScratchDatabase;
use latchkey_tenancy::{CachedClientRegistry, CachedTenantDirectory};
use latchkey_testkit::FixedClock;
use latchkey_testkit::contracts;
use latchkey_testkit::fixtures::org;
use std::sync::{Arc, Mutex, PoisonError};
use time::Duration;

/// The org ids the suites use: their schemas exist before each check, as after `PUT /v1/orgs`.
const ORGS: [&str; 5] = ["masmovil", "yoigo", "lebara", "pepephone", "llamaya"];

/// Makes one fresh database per check and keeps it until the suite ends (a database dropped
/// while its pool still holds connections would be dropped under them).
#[derive(Default, Clone)]
struct Scratch(Arc<Mutex<Vec<ScratchDatabase>>>);

impl Scratch {
    async fn database(&self) -> PgDatabase {
        let scratch = ScratchDatabase::create()
            .await
            .unwrap_or_else(|e| panic!("cannot create a scratch database: {e:?}"));
        let db = scratch
            .connect()
            .unwrap_or_else(|e| panic!("cannot build a pool: {e:?}"));
        db.migrate()
            .await
            .unwrap_or_else(|e| panic!("cannot migrate: {e:?}"));
        for raw in ORGS {
            db.prepare_tenant(&org(raw))
                .await
                .unwrap_or_else(|e| panic!("cannot prepare {raw}: {e:?}"));
        }
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(scratch);
        db
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_tenant_directory_honours_the_tenant_directory_contract() {
    let scratch = Scratch::default();
    contracts::tenant_directory::run(|| async { scratch.database().await.tenant_directory() })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_client_registry_honours_the_client_registry_contract() {
    let scratch = Scratch::default();
    contracts::client_registry::run(|| async { scratch.database().await.client_registry() }).await;
}

/// The caches the server puts in front of the PostgreSQL directory and registry keep their
/// contracts: every check reads after writing through the same cache, whose clock stands still
/// (only its own writes refresh it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_pg_tenant_directory_honours_the_tenant_directory_contract() {
    let scratch = Scratch::default();
    contracts::tenant_directory::run(|| async {
        CachedTenantDirectory::new(
            Arc::new(scratch.database().await.tenant_directory()),
            Arc::new(FixedClock::default()),
            Duration::seconds(1),
        )
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_pg_client_registry_honours_the_client_registry_contract() {
    let scratch = Scratch::default();
    contracts::client_registry::run(|| async {
        CachedClientRegistry::new(
            Arc::new(scratch.database().await.client_registry()),
            Arc::new(FixedClock::default()),
            Duration::seconds(1),
        )
    })
    .await;
}

/// Multi-thread: the `take` race must run in parallel to prove anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pg_security_token_store_honours_the_security_token_store_contract() {
    let scratch = Scratch::default();
    contracts::security_token_store::run(|| async { scratch.database().await.security_tokens() })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_signing_key_store_honours_the_signing_key_store_contract() {
    let scratch = Scratch::default();
    contracts::signing_key_store::run(|| async { scratch.database().await.signing_keys() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_credential_store_honours_the_credential_store_contract() {
    let scratch = Scratch::default();
    contracts::credential_store::run(|| async { scratch.database().await.credentials() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_totp_store_honours_the_totp_store_contract() {
    let scratch = Scratch::default();
    contracts::totp_store::run(|| async { scratch.database().await.totp_secrets() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_revoked_tokens_honours_the_revoked_tokens_contract() {
    let scratch = Scratch::default();
    contracts::revoked_tokens::run(|| async { scratch.database().await.revoked_tokens() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_device_store_honours_the_device_store_contract() {
    let scratch = Scratch::default();
    contracts::device_store::run(|| async { scratch.database().await.devices() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_credentials_and_devices_honour_the_tenant_sessions_contract() {
    let scratch = Scratch::default();
    contracts::tenant_sessions::run(|| async {
        let db = scratch.database().await;
        let stores: contracts::tenant_sessions::Stores =
            (Arc::new(db.credentials()), Arc::new(db.devices()));
        stores
    })
    .await;
}
