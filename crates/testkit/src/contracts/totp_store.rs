//! The contract of [`TotpStore`] (`latchkey_otp::ports`): enrollments keyed by credential id.

use super::{assert_not_found, begin, ok};
use crate::fixtures::{T0, org};
use latchkey_otp::{SealedSecret, TotpRecord, TotpStore};
use std::future::Future;
use time::Duration;

/// Runs every check, each on a fresh store from `make` (whose tenants `masmovil` and `yoigo`
/// exist).
pub async fn run<F, Fut, S>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
    S: TotpStore,
{
    let port = "TotpStore";
    begin(port, "put_then_get_returns_the_record");
    put_then_get_returns_the_record(&make().await).await;
    begin(port, "put_replaces_and_delete_removes");
    put_replaces_and_delete_removes(&make().await).await;
    begin(port, "activate_needs_the_same_secret");
    activate_needs_the_same_secret(&make().await).await;
    begin(port, "orgs_and_usernames_are_separate");
    orgs_and_usernames_are_separate(&make().await).await;
}

/// Two credentials, by id.
const ANA: uuid::Uuid = uuid::Uuid::from_u128(0xa11a);
const BOB: uuid::Uuid = uuid::Uuid::from_u128(0xb0b);

fn record(secret: u8) -> TotpRecord {
    TotpRecord {
        secret: SealedSecret(vec![secret; 48]),
        created_at: T0,
        activated_at: None,
    }
}

/// "The enrollment of `credential` in `org`; `Ok(None)` when there is none."
pub async fn put_then_get_returns_the_record(store: &impl TotpStore) {
    let yoigo = org("yoigo");
    assert_eq!(ok(store.get(&yoigo, ANA).await, "get"), None);
    ok(store.put(&yoigo, ANA, record(1)).await, "put");
    assert_eq!(ok(store.get(&yoigo, ANA).await, "get"), Some(record(1)));
}

/// "replacing any earlier one"; "Removes the enrollment of `credential`, if any."
pub async fn put_replaces_and_delete_removes(store: &impl TotpStore) {
    let yoigo = org("yoigo");
    ok(store.put(&yoigo, ANA, record(1)).await, "put");
    let mut newer = record(2);
    newer.created_at = T0 + Duration::minutes(1);
    ok(store.put(&yoigo, ANA, newer.clone()).await, "put");
    assert_eq!(ok(store.get(&yoigo, ANA).await, "get"), Some(newer));
    ok(store.delete(&yoigo, ANA).await, "delete");
    assert_eq!(ok(store.get(&yoigo, ANA).await, "get"), None);
    ok(store.delete(&yoigo, ANA).await, "deleting nothing is fine");
}

/// "Marks the enrollment active at `at`, if its secret is still `secret` ... MUST fail with
/// `StoreError::NotFound` when `credential` has no enrollment with that secret."
pub async fn activate_needs_the_same_secret(store: &impl TotpStore) {
    let yoigo = org("yoigo");
    let at = T0 + Duration::minutes(2);
    assert_not_found(
        store.activate(&yoigo, ANA, &record(1).secret, at).await,
        "activate without an enrollment",
    );
    ok(store.put(&yoigo, ANA, record(1)).await, "put");
    assert_not_found(
        store.activate(&yoigo, ANA, &record(2).secret, at).await,
        "activate with another secret",
    );
    assert_eq!(
        ok(store.get(&yoigo, ANA).await, "get")
            .unwrap()
            .activated_at,
        None
    );
    ok(
        store.activate(&yoigo, ANA, &record(1).secret, at).await,
        "activate",
    );
    assert_eq!(
        ok(store.get(&yoigo, ANA).await, "get")
            .unwrap()
            .activated_at,
        Some(at)
    );
}

/// Enrollments of one credential id in two orgs, or of two credentials, are separate.
pub async fn orgs_and_usernames_are_separate(store: &impl TotpStore) {
    let (yoigo, masmovil) = (org("yoigo"), org("masmovil"));
    ok(store.put(&yoigo, ANA, record(1)).await, "put");
    assert_eq!(ok(store.get(&masmovil, ANA).await, "get"), None);
    assert_eq!(ok(store.get(&yoigo, BOB).await, "get"), None);
    ok(store.put(&masmovil, ANA, record(2)).await, "put");
    ok(store.delete(&masmovil, ANA).await, "delete");
    assert_eq!(ok(store.get(&yoigo, ANA).await, "get"), Some(record(1)));
}
