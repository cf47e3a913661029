//! The contract of [`OperatorTotpStore`] (`latchkey_otp::authenticator`): operators'
//! enrollments, an active and a pending secret each, as [`super::totp_store`] checks them per
//! credential. The operators live in the `OperatorStore` of the same storage (on PostgreSQL an
//! enrollment needs its operator).

use super::{assert_not_found, begin, ok};
use crate::fixtures::{T0, operator, uuid};
use latchkey_operator::{OperatorStore, Role};
use latchkey_otp::{OperatorTotpStore, SealedSecret, StoredSecret, TotpEnrollment};
use std::future::Future;
use std::sync::Arc;
use time::Duration;
use uuid::Uuid;

/// The operators and their enrollments of one storage, fresh and empty.
#[derive(Debug, Clone)]
pub struct OperatorTotpStores {
    pub operators: Arc<dyn OperatorStore>,
    pub totp: Arc<dyn OperatorTotpStore>,
}

/// Runs every check, each on fresh stores from `make`.
pub async fn run<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = OperatorTotpStores>,
{
    let port = "OperatorTotpStore";
    begin(port, "a_pending_secret_becomes_active_when_activated");
    a_pending_secret_becomes_active_when_activated(&make().await).await;
    begin(
        port,
        "enrolling_again_keeps_the_active_secret_until_the_new_one_is_activated",
    );
    enrolling_again_keeps_the_active_secret_until_the_new_one_is_activated(&make().await).await;
    begin(port, "activate_needs_the_pending_secret");
    activate_needs_the_pending_secret(&make().await).await;
    begin(port, "delete_removes_the_enrollment_of_that_operator_only");
    delete_removes_the_enrollment_of_that_operator_only(&make().await).await;
}

fn secret(n: u8) -> SealedSecret {
    SealedSecret(vec![n; 48])
}

fn stored(n: u8, minutes: i64) -> Option<StoredSecret> {
    Some(StoredSecret {
        sealed: secret(n),
        at: T0 + Duration::minutes(minutes),
    })
}

/// Two operators, Ana and Bob, in the store; their ids.
async fn two_operators(stores: &OperatorTotpStores) -> (Uuid, Uuid) {
    let ana = operator(uuid(1), "ana@example.com", Role::Admin);
    let bob = operator(uuid(2), "bob@example.com", Role::Root);
    for o in [&ana, &bob] {
        ok(stores.operators.insert(o).await, "insert operator");
    }
    (ana.id, bob.id)
}

async fn pend(stores: &OperatorTotpStores, id: Uuid, n: u8, minutes: i64) {
    ok(
        stores
            .totp
            .put_pending(id, secret(n), T0 + Duration::minutes(minutes))
            .await,
        "put_pending",
    );
}

async fn activate(stores: &OperatorTotpStores, id: Uuid, n: u8, minutes: i64) {
    ok(
        stores
            .totp
            .activate(id, &secret(n), T0 + Duration::minutes(minutes))
            .await,
        "activate",
    );
}

async fn get(stores: &OperatorTotpStores, id: Uuid) -> Option<TotpEnrollment> {
    ok(stores.totp.get(id).await, "get")
}

/// "`Ok(None)` when it has neither"; "Makes `secret` the pending secret"; "Makes the pending
/// secret the active one (activated at `at`)".
pub async fn a_pending_secret_becomes_active_when_activated(stores: &OperatorTotpStores) {
    let (ana, _) = two_operators(stores).await;
    assert_eq!(get(stores, ana).await, None);
    pend(stores, ana, 1, 0).await;
    assert_eq!(
        get(stores, ana).await,
        Some(TotpEnrollment {
            active: None,
            pending: stored(1, 0)
        })
    );
    activate(stores, ana, 1, 1).await;
    assert_eq!(
        get(stores, ana).await,
        Some(TotpEnrollment {
            active: stored(1, 1),
            pending: None
        })
    );
}

/// "replacing any earlier pending one and leaving the active one as it is"; "the old active one
/// is gone".
pub async fn enrolling_again_keeps_the_active_secret_until_the_new_one_is_activated(
    stores: &OperatorTotpStores,
) {
    let (ana, _) = two_operators(stores).await;
    pend(stores, ana, 1, 0).await;
    activate(stores, ana, 1, 1).await;
    pend(stores, ana, 2, 2).await;
    pend(stores, ana, 3, 3).await;
    assert_eq!(
        get(stores, ana).await,
        Some(TotpEnrollment {
            active: stored(1, 1),
            pending: stored(3, 3)
        }),
        "the newest pending secret beside the active one"
    );
    activate(stores, ana, 3, 4).await;
    assert_eq!(
        get(stores, ana).await,
        Some(TotpEnrollment {
            active: stored(3, 4),
            pending: None
        })
    );
}

/// "MUST fail with `StoreError::NotFound` when `operator` has no pending secret equal to
/// `secret`" (and change nothing).
pub async fn activate_needs_the_pending_secret(stores: &OperatorTotpStores) {
    let (ana, bob) = two_operators(stores).await;
    let at = T0 + Duration::minutes(1);
    assert_not_found(
        stores.totp.activate(ana, &secret(1), at).await,
        "activate without an enrollment",
    );
    pend(stores, ana, 1, 0).await;
    assert_not_found(
        stores.totp.activate(ana, &secret(2), at).await,
        "activate with another secret",
    );
    assert_not_found(
        stores.totp.activate(bob, &secret(1), at).await,
        "another operator's secret",
    );
    activate(stores, ana, 1, 1).await;
    assert_not_found(
        stores.totp.activate(ana, &secret(1), at).await,
        "activate an active secret again",
    );
    assert_eq!(
        get(stores, ana).await,
        Some(TotpEnrollment {
            active: stored(1, 1),
            pending: None
        })
    );
    assert_eq!(get(stores, bob).await, None);
}

/// "Removes the enrollment of `operator`, if any": the other operator's stays.
pub async fn delete_removes_the_enrollment_of_that_operator_only(stores: &OperatorTotpStores) {
    let (ana, bob) = two_operators(stores).await;
    pend(stores, ana, 1, 0).await;
    activate(stores, ana, 1, 1).await;
    pend(stores, ana, 2, 2).await;
    pend(stores, bob, 3, 0).await;
    ok(stores.totp.delete(ana).await, "delete");
    assert_eq!(get(stores, ana).await, None);
    ok(stores.totp.delete(ana).await, "deleting nothing is fine");
    assert_eq!(
        get(stores, bob).await,
        Some(TotpEnrollment {
            active: None,
            pending: stored(3, 0)
        })
    );
}
