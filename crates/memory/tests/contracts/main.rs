//! The in-memory adapters run the same contract suites as every other adapter of their ports,
//! each check on a fresh, empty store.

use latchkey_memory::{
    MemClientRegistry, MemCredentialStore, MemRateLimiter, MemSecurityTokenStore,
    MemSigningKeyStore, MemTenantDirectory,
};
use latchkey_testkit::contracts;

#[tokio::test]
async fn mem_tenant_directory_honours_the_tenant_directory_contract() {
    contracts::tenant_directory::run(|| async { MemTenantDirectory::default() }).await;
}

#[tokio::test]
async fn mem_client_registry_honours_the_client_registry_contract() {
    contracts::client_registry::run(|| async { MemClientRegistry::default() }).await;
}

/// Multi-thread: the `take` race must run in parallel to prove anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mem_security_token_store_honours_the_security_token_store_contract() {
    contracts::security_token_store::run(|| async { MemSecurityTokenStore::default() }).await;
}

#[tokio::test]
async fn mem_signing_key_store_honours_the_signing_key_store_contract() {
    contracts::signing_key_store::run(|| async { MemSigningKeyStore::default() }).await;
}

#[tokio::test]
async fn mem_credential_store_honours_the_credential_store_contract() {
    contracts::credential_store::run(|| async { MemCredentialStore::default() }).await;
}

/// Multi-thread: the concurrent-hits check must run in parallel to prove anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mem_rate_limiter_honours_the_rate_limiter_contract() {
    contracts::rate_limiter::run(|| async { MemRateLimiter::default() }).await;
}

/// Multi-thread: the redeem and step races must run in parallel to prove anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mem_otp_store_honours_the_otp_store_contract() {
    contracts::otp_store::run(|| async {
        latchkey_memory::MemOtpStore::new(std::sync::Arc::new(latchkey_testkit::WallClock))
    })
    .await;
}

#[tokio::test]
async fn mem_totp_store_honours_the_totp_store_contract() {
    contracts::totp_store::run(|| async { latchkey_memory::MemTotpStore::default() }).await;
}

#[tokio::test]
async fn mem_revoked_tokens_honours_the_revoked_tokens_contract() {
    contracts::revoked_tokens::run(|| async { latchkey_memory::MemRevokedTokens::default() }).await;
}

/// One process stands for the fleet: two listeners (two servers' caches) on one
/// `MemRevocations`.
#[tokio::test]
async fn mem_revocations_honour_the_revocations_contract() {
    use contracts::revocations::{Fleet, Instance};
    use latchkey_core::testing::HeardRevocations;
    use std::sync::Arc;
    contracts::revocations::run(|| async {
        let revoked = Arc::new(latchkey_memory::MemRevokedTokens::default());
        let (first, second) = (
            Arc::new(HeardRevocations::default()),
            Arc::new(HeardRevocations::default()),
        );
        let port = Arc::new(
            latchkey_memory::MemRevocations::new(
                revoked.clone(),
                Arc::new(latchkey_testkit::FixedClock::default()),
            )
            .with_listener(first.clone())
            .with_listener(second.clone()),
        );
        Fleet {
            instances: vec![
                Instance {
                    revocations: port.clone(),
                    heard: first,
                },
                Instance {
                    revocations: port,
                    heard: second,
                },
            ],
            revoked,
            now: latchkey_testkit::fixtures::T0,
        }
    })
    .await;
}

/// Multi-thread: the `take` and `put_new` races must run in parallel to prove anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mem_ephemeral_store_honours_the_ephemeral_store_contract() {
    contracts::ephemeral_store::run(|| async {
        latchkey_memory::MemEphemeralStore::new(std::sync::Arc::new(latchkey_testkit::WallClock))
    })
    .await;
}

/// Multi-thread: the rotation race must run in parallel to prove anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mem_device_store_honours_the_device_store_contract() {
    contracts::device_store::run(|| async { latchkey_memory::MemDeviceStore::default() }).await;
}

/// The cache in front of a directory keeps the directory's contract: every check reads after
/// writing through the same cache, whose clock stands still (only its own writes refresh it).
#[tokio::test]
async fn cached_tenant_directory_honours_the_tenant_directory_contract() {
    contracts::tenant_directory::run(|| async {
        latchkey_tenancy::CachedTenantDirectory::new(
            std::sync::Arc::new(MemTenantDirectory::default()),
            std::sync::Arc::new(latchkey_testkit::FixedClock::default()),
            time::Duration::seconds(1),
        )
    })
    .await;
}

/// The cache in front of a registry keeps the registry's contract (its clock stands still too).
#[tokio::test]
async fn cached_client_registry_honours_the_client_registry_contract() {
    contracts::client_registry::run(|| async {
        latchkey_tenancy::CachedClientRegistry::new(
            std::sync::Arc::new(MemClientRegistry::default()),
            std::sync::Arc::new(latchkey_testkit::FixedClock::default()),
            time::Duration::seconds(1),
        )
    })
    .await;
}

#[tokio::test]
async fn mem_credentials_and_devices_honour_the_tenant_sessions_contract() {
    contracts::tenant_sessions::run(|| async {
        let credentials = std::sync::Arc::new(MemCredentialStore::default());
        let devices = latchkey_memory::MemDeviceStore::with_credentials(credentials.clone());
        let stores: contracts::tenant_sessions::Stores =
            (credentials, std::sync::Arc::new(devices));
        stores
    })
    .await;
}

fn mem_operators() -> contracts::operator_store::OperatorStores {
    let shared = std::sync::Arc::new(latchkey_memory::MemOperators::default());
    contracts::operator_store::OperatorStores {
        operators: shared.clone(),
        api_keys: shared.clone(),
        sessions: shared,
    }
}

/// Multi-thread: the last-root races must run in parallel to prove anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mem_operators_honour_the_operator_store_contract() {
    contracts::operator_store::run(|| async { mem_operators() }).await;
}

#[tokio::test]
async fn mem_operator_totp_store_honours_its_contract() {
    contracts::operator_totp_store::run(|| async {
        contracts::operator_totp_store::OperatorTotpStores {
            operators: mem_operators().operators,
            totp: std::sync::Arc::new(latchkey_memory::MemOperatorTotpStore::default()),
        }
    })
    .await;
}

#[tokio::test]
async fn mem_operators_honour_the_api_key_store_contract() {
    contracts::api_key_store::run(|| async { mem_operators() }).await;
}

/// Multi-thread: the rotation race must run in parallel to prove anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mem_operators_honour_the_operator_session_store_contract() {
    contracts::operator_session_store::run(|| async { mem_operators() }).await;
}

#[tokio::test]
async fn mem_subscriber_stores_honour_the_subscriber_store_contract() {
    use latchkey_memory::{MemAvatars, MemOperators, MemPreferences, MemSubscriberProfiles};
    use std::sync::Arc;
    contracts::subscriber_store::run(|| async {
        let credentials = Arc::new(MemCredentialStore::default());
        let operators = MemOperators::default();
        contracts::subscriber_store::SubscriberStores {
            profiles: Arc::new(MemSubscriberProfiles::new(credentials.clone())),
            avatars: Arc::new(MemAvatars::new(credentials.clone(), operators.clone())),
            preferences: Arc::new(MemPreferences::new(credentials.clone(), operators.clone())),
            credentials,
            operators: Arc::new(operators),
        }
    })
    .await;
}
