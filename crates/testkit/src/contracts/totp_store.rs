//! The contract of [`TotpStore`] (`latchkey_otp::ports`): enrollments keyed by credential id,
//! an active and a pending secret each.

use super::{assert_not_found, begin, ok};
use crate::fixtures::{T0, org};
use latchkey_otp::{SealedSecret, StoredSecret, TotpEnrollment, TotpStore};
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
    begin(port, "a_pending_secret_becomes_active_when_activated");
    a_pending_secret_becomes_active_when_activated(&make().await).await;
    begin(
        port,
        "enrolling_again_keeps_the_active_secret_until_the_new_one_is_activated",
    );
    enrolling_again_keeps_the_active_secret_until_the_new_one_is_activated(&make().await).await;
    begin(port, "activate_needs_the_pending_secret");
    activate_needs_the_pending_secret(&make().await).await;
    begin(port, "delete_removes_the_enrollment");
    delete_removes_the_enrollment(&make().await).await;
    begin(port, "orgs_and_credentials_are_separate");
    orgs_and_credentials_are_separate(&make().await).await;
}

/// Two credentials, by id.
const ANA: uuid::Uuid = uuid::Uuid::from_u128(0xa11a);
const BOB: uuid::Uuid = uuid::Uuid::from_u128(0xb0b);

fn secret(n: u8) -> SealedSecret {
    SealedSecret(vec![n; 48])
}

fn at(minutes: i64) -> latchkey_core::Timestamp {
    T0 + Duration::minutes(minutes)
}

fn stored(n: u8, minutes: i64) -> Option<StoredSecret> {
    Some(StoredSecret {
        sealed: secret(n),
        at: at(minutes),
    })
}

/// "`Ok(None)` when it has neither"; "Makes `secret` the pending secret"; "Makes the pending
/// secret the active one (activated at `at`)".
pub async fn a_pending_secret_becomes_active_when_activated(store: &impl TotpStore) {
    let yoigo = org("yoigo");
    assert_eq!(ok(store.get(&yoigo, ANA).await, "get"), None);
    ok(
        store.put_pending(&yoigo, ANA, secret(1), at(0)).await,
        "put_pending",
    );
    assert_eq!(
        ok(store.get(&yoigo, ANA).await, "get"),
        Some(TotpEnrollment {
            active: None,
            pending: stored(1, 0)
        })
    );
    ok(
        store.activate(&yoigo, ANA, &secret(1), at(1)).await,
        "activate",
    );
    assert_eq!(
        ok(store.get(&yoigo, ANA).await, "get"),
        Some(TotpEnrollment {
            active: stored(1, 1),
            pending: None
        })
    );
}

/// "replacing any earlier pending one and leaving the active one as it is"; "the old active one
/// is gone".
pub async fn enrolling_again_keeps_the_active_secret_until_the_new_one_is_activated(
    store: &impl TotpStore,
) {
    let yoigo = org("yoigo");
    ok(
        store.put_pending(&yoigo, ANA, secret(1), at(0)).await,
        "put_pending",
    );
    ok(
        store.activate(&yoigo, ANA, &secret(1), at(1)).await,
        "activate",
    );
    ok(
        store.put_pending(&yoigo, ANA, secret(2), at(2)).await,
        "put_pending",
    );
    ok(
        store.put_pending(&yoigo, ANA, secret(3), at(3)).await,
        "put_pending",
    );
    assert_eq!(
        ok(store.get(&yoigo, ANA).await, "get"),
        Some(TotpEnrollment {
            active: stored(1, 1),
            pending: stored(3, 3)
        }),
        "the newest pending secret beside the active one"
    );
    ok(
        store.activate(&yoigo, ANA, &secret(3), at(4)).await,
        "activate",
    );
    assert_eq!(
        ok(store.get(&yoigo, ANA).await, "get"),
        Some(TotpEnrollment {
            active: stored(3, 4),
            pending: None
        })
    );
}

/// "MUST fail with `StoreError::NotFound` when `credential` has no pending secret equal to
/// `secret`" (and change nothing).
pub async fn activate_needs_the_pending_secret(store: &impl TotpStore) {
    let yoigo = org("yoigo");
    assert_not_found(
        store.activate(&yoigo, ANA, &secret(1), at(1)).await,
        "activate without an enrollment",
    );
    ok(
        store.put_pending(&yoigo, ANA, secret(1), at(0)).await,
        "put_pending",
    );
    assert_not_found(
        store.activate(&yoigo, ANA, &secret(2), at(1)).await,
        "activate with another secret",
    );
    ok(
        store.activate(&yoigo, ANA, &secret(1), at(1)).await,
        "activate",
    );
    assert_not_found(
        store.activate(&yoigo, ANA, &secret(1), at(2)).await,
        "activate an active secret again",
    );
    assert_eq!(
        ok(store.get(&yoigo, ANA).await, "get"),
        Some(TotpEnrollment {
            active: stored(1, 1),
            pending: None
        })
    );
}

/// "Removes the enrollment of `credential`, if any."
pub async fn delete_removes_the_enrollment(store: &impl TotpStore) {
    let yoigo = org("yoigo");
    ok(
        store.put_pending(&yoigo, ANA, secret(1), at(0)).await,
        "put_pending",
    );
    ok(
        store.activate(&yoigo, ANA, &secret(1), at(1)).await,
        "activate",
    );
    ok(
        store.put_pending(&yoigo, ANA, secret(2), at(2)).await,
        "put_pending",
    );
    ok(store.delete(&yoigo, ANA).await, "delete");
    assert_eq!(ok(store.get(&yoigo, ANA).await, "get"), None);
    ok(store.delete(&yoigo, ANA).await, "deleting nothing is fine");
}

/// Enrollments of one credential id in two orgs, or of two credentials, are separate.
pub async fn orgs_and_credentials_are_separate(store: &impl TotpStore) {
    let (yoigo, masmovil) = (org("yoigo"), org("masmovil"));
    ok(
        store.put_pending(&yoigo, ANA, secret(1), at(0)).await,
        "put_pending",
    );
    assert_eq!(ok(store.get(&masmovil, ANA).await, "get"), None);
    assert_eq!(ok(store.get(&yoigo, BOB).await, "get"), None);
    ok(
        store.put_pending(&masmovil, ANA, secret(2), at(0)).await,
        "put_pending",
    );
    ok(store.delete(&masmovil, ANA).await, "delete");
    assert_not_found(
        store.activate(&yoigo, BOB, &secret(1), at(1)).await,
        "another credential's secret",
    );
    assert_eq!(
        ok(store.get(&yoigo, ANA).await, "get"),
        Some(TotpEnrollment {
            active: None,
            pending: stored(1, 0)
        })
    );
}
