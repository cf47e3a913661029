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

/// Two server instances on one database: each announces through its own `PgRevocations` and
/// hears through its own listening connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_revocations_honour_the_revocations_contract() {
    use contracts::revocations::{DELIVERY, Fleet, Instance};
    use latchkey_core::Revocation;
    use latchkey_core::testing::HeardRevocations;
    let scratch = Scratch::default();
    contracts::revocations::run(|| async {
        let db = scratch.database().await;
        let clock = Arc::new(FixedClock::default());
        let mut instances = Vec::new();
        for _ in 0..2 {
            let heard = Arc::new(HeardRevocations::default());
            let port =
                latchkey_postgres::PgRevocations::new(db.clone(), clock.clone(), heard.clone());
            tokio::spawn(port.clone().listen());
            // Listening once the connection's first act is heard: it empties the cache.
            let deadline = std::time::Instant::now() + DELIVERY;
            while !heard.heard().contains(&Revocation::Everything) {
                assert!(
                    std::time::Instant::now() < deadline,
                    "the listener connects"
                );
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            instances.push(Instance {
                revocations: Arc::new(port),
                heard,
            });
        }
        Fleet {
            instances,
            revoked: Arc::new(db.revoked_tokens()),
            now: latchkey_testkit::fixtures::T0,
        }
    })
    .await;
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

/// Not a contract sentence but the adapter's promise: a listener whose connection dies listens
/// again by itself, empties its cache first (what was announced meanwhile is lost), and hears
/// the next revocation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_listener_whose_connection_is_killed_listens_again() {
    use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
    use latchkey_core::testing::HeardRevocations;
    use latchkey_core::{Revocation, Revocations};
    use latchkey_postgres::{PgRevocations, REVOCATION_LISTENER};
    let scratch = ScratchDatabase::create()
        .await
        .unwrap_or_else(|e| panic!("cannot create a scratch database: {e:?}"));
    let db = scratch.connect().unwrap_or_else(|e| panic!("pool: {e:?}"));
    db.migrate()
        .await
        .unwrap_or_else(|e| panic!("cannot migrate: {e:?}"));
    let clock = Arc::new(FixedClock::default());
    let heard = Arc::new(HeardRevocations::default());
    tokio::spawn(PgRevocations::new(db.clone(), clock.clone(), heard.clone()).listen());
    let flushes = |n: usize| {
        let heard = heard.clone();
        async move {
            for _ in 0..1000 {
                let count = heard
                    .heard()
                    .iter()
                    .filter(|r| **r == Revocation::Everything)
                    .count();
                if count >= n {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            panic!("the listener connected {n} times within 10 s");
        }
    };
    flushes(1).await;
    let mut admin = AsyncPgConnection::establish(scratch.url())
        .await
        .unwrap_or_else(|e| panic!("admin connection: {e:?}"));
    admin
        .batch_execute(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = '{REVOCATION_LISTENER}' AND datname = current_database()"
        ))
        .await
        .unwrap_or_else(|e| panic!("terminating the listener: {e:?}"));
    flushes(2).await;
    let other = PgRevocations::new(db, clock, Arc::new(HeardRevocations::default()));
    let revocation = Revocation::Subject("ana".to_owned());
    other
        .revoked(&revocation)
        .await
        .unwrap_or_else(|e| panic!("revoked: {e:?}"));
    for _ in 0..500 {
        if heard.heard().contains(&revocation) {
            drop(scratch);
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the listener heard the revocation after listening again");
}

/// Waits (at most 5 s) until `heard` has heard `revocation` `n` times.
async fn heard_times(
    heard: &latchkey_core::testing::HeardRevocations,
    revocation: &latchkey_core::Revocation,
    n: usize,
    what: &str,
) {
    let count = || heard.heard().iter().filter(|r| *r == revocation).count();
    for _ in 0..500 {
        if count() >= n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!(
        "{what}: {revocation:?} heard {} times, not {n}, within 5 s",
        count()
    );
}

/// Not a contract sentence but the database's promise: every change of a tenant or a client
/// row, through any writer, is announced to every instance's listener once it commits, so
/// their caches forget it (the triggers of migration `directory_notifications`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_of_a_tenant_or_client_is_announced_to_every_listener() {
    use latchkey_core::Revocation;
    use latchkey_core::testing::HeardRevocations;
    use latchkey_postgres::PgRevocations;
    use latchkey_tenancy::{ClientRegistry, TenantDirectory};
    use latchkey_testkit::fixtures::{client, tenant};
    let scratch = Scratch::default();
    let db = scratch.database().await;
    let heard = Arc::new(HeardRevocations::default());
    let listener = PgRevocations::new(db.clone(), Arc::new(FixedClock::default()), heard.clone());
    tokio::spawn(listener.listen());
    heard_times(&heard, &Revocation::Everything, 1, "listening").await;

    let tenants = db.tenant_directory();
    let jazztel = Revocation::Tenant(org("jazztel"));
    let mut changed = tenant("jazztel");
    let put = tenants.put(changed.clone()).await;
    put.unwrap_or_else(|e| panic!("put: {e:?}"));
    heard_times(&heard, &jazztel, 1, "a tenant created").await;
    changed.enabled = false;
    let put = tenants.put(changed).await;
    put.unwrap_or_else(|e| panic!("put: {e:?}"));
    heard_times(&heard, &jazztel, 2, "a tenant disabled").await;

    let clients = db.client_registry();
    let shop = Revocation::Client("shop".to_owned());
    let inserted = clients.insert(client("shop")).await;
    inserted.unwrap_or_else(|e| panic!("insert: {e:?}"));
    heard_times(&heard, &shop, 1, "a client created").await;
    let upserted = clients.upsert(client("shop")).await;
    upserted.unwrap_or_else(|e| panic!("upsert: {e:?}"));
    heard_times(&heard, &shop, 2, "a client replaced").await;
    let deleted = clients.delete(&client("shop").id).await;
    deleted.unwrap_or_else(|e| panic!("delete: {e:?}"));
    heard_times(&heard, &shop, 3, "a client deleted").await;
}

async fn pg_operators(scratch: &Scratch) -> contracts::operator_store::OperatorStores {
    let shared = Arc::new(scratch.database().await.operators());
    contracts::operator_store::OperatorStores {
        operators: shared.clone(),
        api_keys: shared.clone(),
        sessions: shared,
    }
}

/// Multi-thread: the last-root races must run in parallel to prove anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_operators_honour_the_operator_store_contract() {
    let scratch = Scratch::default();
    contracts::operator_store::run(|| pg_operators(&scratch)).await;
}

#[tokio::test]
async fn pg_operator_totp_store_honours_its_contract() {
    let scratch = Scratch::default();
    contracts::operator_totp_store::run(|| async {
        let db = scratch.database().await;
        contracts::operator_totp_store::OperatorTotpStores {
            operators: Arc::new(db.operators()),
            totp: Arc::new(db.operator_totp_secrets()),
        }
    })
    .await;
}

/// The enrollment dies with its operator (`ON DELETE CASCADE`), and none can be made for an
/// operator that is not there (`NotFound`).
#[tokio::test]
async fn an_operators_enrollment_dies_with_it() {
    use latchkey_operator::{OperatorStore, Role};
    use latchkey_otp::{OperatorTotpStore, SealedSecret};
    let scratch = Scratch::default();
    let db = scratch.database().await;
    let (operators, totp) = (db.operators(), db.operator_totp_secrets());
    let ana = latchkey_testkit::fixtures::operator(
        latchkey_testkit::fixtures::uuid(1),
        "ana@example.com",
        Role::Admin,
    );
    operators
        .insert(&ana)
        .await
        .unwrap_or_else(|e| panic!("insert: {e:?}"));
    let at = latchkey_testkit::fixtures::T0;
    totp.put_pending(ana.id, SealedSecret(vec![1; 48]), at)
        .await
        .unwrap_or_else(|e| panic!("put_pending: {e:?}"));
    let got = |r: Result<_, latchkey_core::StoreError>| r.unwrap_or_else(|e| panic!("get: {e:?}"));
    assert!(got(totp.get(ana.id).await).is_some());
    OperatorStore::delete(&operators, ana.id)
        .await
        .unwrap_or_else(|e| panic!("delete: {e:?}"));
    assert_eq!(got(totp.get(ana.id).await), None);
    assert!(matches!(
        totp.put_pending(ana.id, SealedSecret(vec![2; 48]), at)
            .await,
        Err(latchkey_core::StoreError::NotFound)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_operators_honour_the_api_key_store_contract() {
    let scratch = Scratch::default();
    contracts::api_key_store::run(|| pg_operators(&scratch)).await;
}

/// Multi-thread: the rotation race must run in parallel to prove anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_operators_honour_the_operator_session_store_contract() {
    let scratch = Scratch::default();
    contracts::operator_session_store::run(|| pg_operators(&scratch)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_subscriber_stores_honour_the_subscriber_store_contract() {
    use latchkey_postgres::{PgAvatars, PgPreferences, PgSubscriberProfiles};
    let scratch = Scratch::default();
    contracts::subscriber_store::run(|| async {
        let db = scratch.database().await;
        contracts::subscriber_store::SubscriberStores {
            credentials: Arc::new(db.credentials()),
            operators: Arc::new(db.operators()),
            profiles: Arc::new(PgSubscriberProfiles::new(db.clone())),
            avatars: Arc::new(PgAvatars::new(db.clone())),
            preferences: Arc::new(PgPreferences::new(db)),
        }
    })
    .await;
}
