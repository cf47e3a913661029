//! The contract of [`RevokedTokens`] (`latchkey_access::ports`).

use super::{begin, ok};
use crate::fixtures::{T0, uuid};
use latchkey_access::RevokedTokens;
use std::future::Future;
use time::Duration;

/// Runs every check, each on a fresh store from `make`.
pub async fn run<F, Fut, S>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
    S: RevokedTokens,
{
    let port = "RevokedTokens";
    begin(port, "a_revoked_jti_is_revoked_until_its_expiry");
    a_revoked_jti_is_revoked_until_its_expiry(&make().await).await;
    begin(port, "revoking_twice_keeps_the_later_expiry");
    revoking_twice_keeps_the_later_expiry(&make().await).await;
}

/// "Remembers `jti` as revoked until `expires_at`"; "Whether `jti` was revoked and its
/// `expires_at` is after `now`."
pub async fn a_revoked_jti_is_revoked_until_its_expiry(store: &impl RevokedTokens) {
    let (jti, other) = (uuid(1), uuid(2));
    let expiry = T0 + Duration::minutes(15);
    assert!(!ok(store.is_revoked(jti, T0).await, "is_revoked"));
    ok(store.revoke(jti, expiry).await, "revoke");
    assert!(ok(store.is_revoked(jti, T0).await, "is_revoked"));
    assert!(ok(
        store.is_revoked(jti, expiry - Duration::seconds(1)).await,
        "is_revoked"
    ));
    assert!(
        !ok(store.is_revoked(jti, expiry).await, "is_revoked"),
        "not after its expiry"
    );
    assert!(
        !ok(store.is_revoked(other, T0).await, "is_revoked"),
        "another jti"
    );
}

/// "Revoking a `jti` twice is fine (the later expiry is kept)."
pub async fn revoking_twice_keeps_the_later_expiry(store: &impl RevokedTokens) {
    let jti = uuid(1);
    ok(
        store.revoke(jti, T0 + Duration::minutes(15)).await,
        "revoke",
    );
    ok(
        store.revoke(jti, T0 + Duration::minutes(5)).await,
        "revoke again",
    );
    assert!(ok(
        store.is_revoked(jti, T0 + Duration::minutes(10)).await,
        "is_revoked"
    ));
}
