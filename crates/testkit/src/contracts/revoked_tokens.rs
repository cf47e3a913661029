//! The contract of [`RevokedTokens`] (`latchkey_access::ports`).

use super::{begin, ok};
use crate::fixtures::{T0, uuid};
use latchkey_access::{AccessClaims, RevokedTokens, TokensOf};
use latchkey_core::Timestamp;
use latchkey_tenancy::{OrgAccess, ScopeSet};
use std::future::Future;
use time::Duration;
use uuid::Uuid;

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
    begin(port, "a_revoked_subject_loses_the_tokens_issued_until_then");
    a_revoked_subject_loses_the_tokens_issued_until_then(&make().await).await;
    begin(port, "a_revoked_client_loses_every_token_issued_to_it");
    a_revoked_client_loses_every_token_issued_to_it(&make().await).await;
    begin(port, "a_holder_revocation_lasts_until_its_end");
    a_holder_revocation_lasts_until_its_end(&make().await).await;
    begin(port, "revoking_a_holder_again_keeps_the_later_times");
    revoking_a_holder_again_keeps_the_later_times(&make().await).await;
}

/// A token of `subject`, issued to `client` at `issued_at`, with the id `jti`.
pub fn token(jti: Uuid, subject: &str, client: &str, issued_at: Timestamp) -> AccessClaims {
    AccessClaims {
        issuer: "https://id.example".to_owned(),
        subject: subject.to_owned(),
        audience: "latchkey".to_owned(),
        client_id: client.to_owned(),
        issued_at: issued_at.unix_timestamp(),
        expires_at: (issued_at + Duration::minutes(15)).unix_timestamp(),
        jwt_id: jti,
        scopes: ScopeSet::CUSTOMER_DEFAULT,
        orgs: OrgAccess::All,
        credential: None,
        sign_in: None,
    }
}

/// "Remembers `jti` as revoked until `expires_at`"; "its `jti` was revoked with an expiry after
/// `now`".
pub async fn a_revoked_jti_is_revoked_until_its_expiry(store: &impl RevokedTokens) {
    let claims = token(uuid(1), "ana", "shop", T0);
    let other = token(uuid(2), "ana", "shop", T0);
    let expiry = T0 + Duration::minutes(15);
    assert!(!ok(store.is_revoked(&claims, T0).await, "is_revoked"));
    ok(store.revoke(claims.jwt_id, expiry).await, "revoke");
    assert!(ok(store.is_revoked(&claims, T0).await, "is_revoked"));
    assert!(ok(
        store
            .is_revoked(&claims, expiry - Duration::seconds(1))
            .await,
        "is_revoked"
    ));
    assert!(
        !ok(store.is_revoked(&claims, expiry).await, "is_revoked"),
        "not after its expiry"
    );
    assert!(
        !ok(store.is_revoked(&other, T0).await, "is_revoked"),
        "another jti"
    );
}

/// "Revoking a `jti` twice is fine (the later expiry is kept)."
pub async fn revoking_twice_keeps_the_later_expiry(store: &impl RevokedTokens) {
    let claims = token(uuid(1), "ana", "shop", T0);
    ok(
        store
            .revoke(claims.jwt_id, T0 + Duration::minutes(15))
            .await,
        "revoke",
    );
    ok(
        store.revoke(claims.jwt_id, T0 + Duration::minutes(5)).await,
        "revoke again",
    );
    assert!(ok(
        store.is_revoked(&claims, T0 + Duration::minutes(10)).await,
        "is_revoked"
    ));
}

/// "Remembers that every token of `whose` issued at or before `at` is revoked"; "A token issued
/// after the revocation of its subject or client (a later second) is not revoked by it."
pub async fn a_revoked_subject_loses_the_tokens_issued_until_then(store: &impl RevokedTokens) {
    let at = T0 + Duration::minutes(1);
    let until = at + Duration::days(1);
    ok(
        store
            .revoke_all(&TokensOf::Subject("ana".to_owned()), at, until)
            .await,
        "revoke_all",
    );
    let now = at + Duration::seconds(5);
    let before = token(uuid(1), "ana", "shop", T0);
    let same_second = token(uuid(2), "ana", "shop", at);
    let after = token(uuid(3), "ana", "shop", at + Duration::seconds(1));
    let other = token(uuid(4), "bea", "shop", T0);
    assert!(ok(store.is_revoked(&before, now).await, "is_revoked"));
    assert!(
        ok(store.is_revoked(&same_second, now).await, "is_revoked"),
        "issued in the second of the revocation"
    );
    assert!(
        !ok(store.is_revoked(&after, now).await, "is_revoked"),
        "issued after the revocation"
    );
    assert!(
        !ok(store.is_revoked(&other, now).await, "is_revoked"),
        "another subject"
    );
    let client_named_ana = token(uuid(5), "bea", "ana", T0);
    assert!(
        !ok(store.is_revoked(&client_named_ana, now).await, "is_revoked"),
        "a client with the subject's name is another holder"
    );
}

/// "its subject or its client was revoked at or after its `iat`".
pub async fn a_revoked_client_loses_every_token_issued_to_it(store: &impl RevokedTokens) {
    let at = T0 + Duration::minutes(1);
    ok(
        store
            .revoke_all(
                &TokensOf::Client("shop".to_owned()),
                at,
                at + Duration::days(1),
            )
            .await,
        "revoke_all",
    );
    let now = at + Duration::seconds(5);
    let service_token = token(uuid(1), "shop", "shop", T0);
    let customer_token = token(uuid(2), "ana", "shop", T0);
    let other_client = token(uuid(3), "ana", "app", T0);
    assert!(ok(
        store.is_revoked(&service_token, now).await,
        "is_revoked"
    ));
    assert!(ok(
        store.is_revoked(&customer_token, now).await,
        "is_revoked"
    ));
    assert!(
        !ok(store.is_revoked(&other_client, now).await, "is_revoked"),
        "another client's token"
    );
    let recreated = token(uuid(4), "shop", "shop", at + Duration::seconds(1));
    assert!(
        !ok(store.is_revoked(&recreated, now).await, "is_revoked"),
        "a token issued afterwards"
    );
}

/// "until `until` (when the last of them has expired)"; "with an `until` after `now`".
pub async fn a_holder_revocation_lasts_until_its_end(store: &impl RevokedTokens) {
    let until = T0 + Duration::hours(1);
    ok(
        store
            .revoke_all(&TokensOf::Subject("ana".to_owned()), T0, until)
            .await,
        "revoke_all",
    );
    let claims = token(uuid(1), "ana", "shop", T0);
    assert!(ok(
        store
            .is_revoked(&claims, until - Duration::seconds(1))
            .await,
        "is_revoked"
    ));
    assert!(
        !ok(store.is_revoked(&claims, until).await, "is_revoked"),
        "not at its end"
    );
}

/// "Revoking again is fine: the later `at` and the later `until` are kept."
pub async fn revoking_a_holder_again_keeps_the_later_times(store: &impl RevokedTokens) {
    let whose = TokensOf::Subject("ana".to_owned());
    let later = T0 + Duration::minutes(10);
    ok(
        store
            .revoke_all(&whose, later, later + Duration::days(1))
            .await,
        "revoke_all",
    );
    ok(
        store.revoke_all(&whose, T0, T0 + Duration::hours(1)).await,
        "revoke_all again",
    );
    let between = token(uuid(1), "ana", "shop", T0 + Duration::minutes(5));
    assert!(
        ok(
            store.is_revoked(&between, T0 + Duration::hours(2)).await,
            "is_revoked"
        ),
        "the later time and the later end are kept"
    );
}
