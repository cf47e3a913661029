//! The contract of [`CredentialStore`] (`latchkey_credential::ports`): `find`, `insert` and
//! `update` here, `move_credential` and `discover` in [`transfer`].

pub mod transfer;

use super::{assert_conflict, assert_not_found, begin, ok};
use crate::fixtures::{T0, active_credential, credential, org, password_hash, username, uuid};
use latchkey_core::OrgId;
use latchkey_credential::{Credential, CredentialAttrs, CredentialStore};
use std::future::Future;
use time::Duration;
use time::macros::datetime;

/// Runs every check, each on a fresh store from `make`.
pub async fn run<F, Fut, S>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
    S: CredentialStore,
{
    let port = "CredentialStore";
    begin(port, "insert_then_find_returns_the_credential");
    insert_then_find_returns_the_credential(&make().await).await;
    begin(
        port,
        "find_by_id_returns_only_the_live_credential_of_that_org",
    );
    find_by_id_returns_only_the_live_credential_of_that_org(&make().await).await;
    begin(port, "find_returns_none_for_an_unknown_username");
    find_returns_none_for_an_unknown_username(&make().await).await;
    begin(port, "insert_rejects_a_live_duplicate_username");
    insert_rejects_a_live_duplicate_username(&make().await).await;
    begin(port, "insert_accepts_a_username_live_in_another_org");
    insert_accepts_a_username_live_in_another_org(&make().await).await;
    begin(
        port,
        "insert_accepts_a_username_whose_credential_was_deleted",
    );
    insert_accepts_a_username_whose_credential_was_deleted(&make().await).await;
    begin(port, "update_replaces_the_live_credential");
    update_replaces_the_live_credential(&make().await).await;
    begin(port, "update_fails_with_not_found_for_an_unknown_id");
    update_fails_with_not_found_for_an_unknown_id(&make().await).await;
    begin(
        port,
        "update_fails_with_not_found_for_a_credential_of_another_org",
    );
    update_fails_with_not_found_for_a_credential_of_another_org(&make().await).await;
    begin(
        port,
        "update_with_deleted_at_makes_the_credential_no_longer_live",
    );
    update_with_deleted_at_makes_the_credential_no_longer_live(&make().await).await;
    begin(
        port,
        "update_fails_with_not_found_once_the_credential_is_deleted",
    );
    update_fails_with_not_found_once_the_credential_is_deleted(&make().await).await;
    transfer::run(make).await;
}

/// When credentials are soft-deleted in these checks: a day after [`T0`].
pub(crate) const DELETED_AT: latchkey_core::Timestamp = datetime!(2024-01-02 00:00:00 UTC);

/// A credential with every optional field set, so a round trip checks them all.
fn full_credential() -> Credential {
    let attrs = CredentialAttrs::parse(Some("qvantel"), Some("C-0042"), Some("+34600111222"))
        .expect("valid attributes");
    Credential {
        require2fa: true,
        attrs,
        updated_at: T0 + Duration::minutes(10),
        last_login_at: Some(T0 + Duration::minutes(20)),
        email_verified_at: Some(T0 + Duration::minutes(5)),
        ..active_credential(uuid(1), "alice@example.com")
    }
}

/// The live credential `org` holds for `name`, as `find` reports it.
pub(crate) async fn live(
    store: &dyn CredentialStore,
    org: &OrgId,
    name: &str,
) -> Option<Credential> {
    ok(store.find(org, &username(name)).await, "find")
}

/// Every field survives the round trip.
pub async fn insert_then_find_returns_the_credential(store: &dyn CredentialStore) {
    let masmovil = org("masmovil");
    let given = full_credential();
    ok(
        store.insert(&masmovil, given.clone()).await,
        "insert of a new credential",
    );
    let found = live(store, &masmovil, "alice@example.com").await;
    assert_eq!(
        found,
        Some(given),
        "find must return the credential inserted, field for field"
    );
}

/// "`Ok(None)` when there is none": another username, or the same username in another org.
pub async fn find_returns_none_for_an_unknown_username(store: &dyn CredentialStore) {
    ok(
        store
            .insert(&org("masmovil"), credential(uuid(1), "alice@example.com"))
            .await,
        "insert",
    );
    let found = live(store, &org("masmovil"), "bob@example.com").await;
    assert_eq!(found, None, "find of an unknown username must be Ok(None)");
    let found = live(store, &org("yoigo"), "alice@example.com").await;
    assert_eq!(found, None, "find must not see a credential of another org");
}

/// "MUST fail with `StoreError::Conflict` when `org` already has a live credential with that
/// username", leaving the stored one as it was.
pub async fn insert_rejects_a_live_duplicate_username(store: &dyn CredentialStore) {
    let masmovil = org("masmovil");
    let original = credential(uuid(1), "alice@example.com");
    ok(
        store.insert(&masmovil, original.clone()).await,
        "first insert",
    );
    let duplicate = active_credential(uuid(2), "alice@example.com");
    assert_conflict(
        store.insert(&masmovil, duplicate).await,
        "insert of a live username",
    );
    let found = live(store, &masmovil, "alice@example.com").await;
    assert_eq!(
        found,
        Some(original),
        "a refused insert must not change the stored credential"
    );
}

/// Uniqueness is per org: the same username may live in two orgs.
pub async fn insert_accepts_a_username_live_in_another_org(store: &dyn CredentialStore) {
    let in_masmovil = credential(uuid(1), "alice@example.com");
    let in_yoigo = active_credential(uuid(2), "alice@example.com");
    ok(
        store.insert(&org("masmovil"), in_masmovil.clone()).await,
        "insert into masmovil",
    );
    ok(
        store.insert(&org("yoigo"), in_yoigo.clone()).await,
        "insert into yoigo",
    );
    let found = live(store, &org("masmovil"), "alice@example.com").await;
    assert_eq!(
        found,
        Some(in_masmovil),
        "each org must keep its own credential"
    );
    let found = live(store, &org("yoigo"), "alice@example.com").await;
    assert_eq!(
        found,
        Some(in_yoigo),
        "each org must keep its own credential"
    );
}

/// "(deleted ones do not count)": after a soft delete through `update`, the username can be
/// created again, and `find` returns the new credential.
pub async fn insert_accepts_a_username_whose_credential_was_deleted(store: &dyn CredentialStore) {
    let masmovil = org("masmovil");
    let first = active_credential(uuid(1), "alice@example.com");
    ok(store.insert(&masmovil, first.clone()).await, "insert");
    ok(
        store.update(&masmovil, first.deleted(DELETED_AT)).await,
        "soft delete through update",
    );
    let second = credential(uuid(2), "alice@example.com");
    ok(
        store.insert(&masmovil, second.clone()).await,
        "insert over a deleted credential",
    );
    let found = live(store, &masmovil, "alice@example.com").await;
    assert_eq!(
        found,
        Some(second),
        "find must return the new live credential"
    );
}

/// "Replaces the live credential of `org` that has `credential.id`": every field is replaced.
pub async fn update_replaces_the_live_credential(store: &dyn CredentialStore) {
    let masmovil = org("masmovil");
    ok(
        store
            .insert(&masmovil, credential(uuid(1), "alice@example.com"))
            .await,
        "insert",
    );
    let later = T0 + Duration::hours(2);
    let mut updated = full_credential();
    updated.password_hash = Some(password_hash());
    updated.updated_at = later;
    ok(
        store.update(&masmovil, updated.clone()).await,
        "update of a live credential",
    );
    let found = live(store, &masmovil, "alice@example.com").await;
    assert_eq!(
        found,
        Some(updated),
        "find must return the credential as updated"
    );
}

/// "MUST fail with `StoreError::NotFound` when there is none", in an org that holds other
/// credentials and in one that holds none; nothing is stored.
pub async fn update_fails_with_not_found_for_an_unknown_id(store: &dyn CredentialStore) {
    let masmovil = org("masmovil");
    let bob = credential(uuid(1), "bob@example.com");
    ok(store.insert(&masmovil, bob.clone()).await, "insert");
    let stranger = active_credential(uuid(2), "alice@example.com");
    assert_not_found(
        store.update(&masmovil, stranger.clone()).await,
        "update of an unknown id",
    );
    assert_not_found(
        store.update(&org("yoigo"), stranger).await,
        "update in an empty org",
    );
    assert_eq!(
        live(store, &masmovil, "alice@example.com").await,
        None,
        "update must not insert"
    );
    assert_eq!(
        live(store, &org("yoigo"), "alice@example.com").await,
        None,
        "update must not insert"
    );
    assert_eq!(
        live(store, &masmovil, "bob@example.com").await,
        Some(bob),
        "others must not change"
    );
}

/// The id is looked up in `org` only: a credential of another org is "none".
pub async fn update_fails_with_not_found_for_a_credential_of_another_org(
    store: &dyn CredentialStore,
) {
    let original = credential(uuid(1), "alice@example.com");
    ok(
        store.insert(&org("masmovil"), original.clone()).await,
        "insert into masmovil",
    );
    let changed = active_credential(uuid(1), "alice@example.com");
    assert_not_found(
        store.update(&org("yoigo"), changed).await,
        "update through the wrong org",
    );
    let found = live(store, &org("masmovil"), "alice@example.com").await;
    assert_eq!(
        found,
        Some(original),
        "an update through another org must not touch this one"
    );
    let found = live(store, &org("yoigo"), "alice@example.com").await;
    assert_eq!(
        found, None,
        "an update must not insert into the org it names"
    );
}

/// "The live credential of `org` with that id; `Ok(None)` when there is none (never, or no
/// longer, live)".
pub async fn find_by_id_returns_only_the_live_credential_of_that_org(store: &dyn CredentialStore) {
    let masmovil = org("masmovil");
    let alice = active_credential(uuid(1), "alice@example.com");
    ok(store.insert(&masmovil, alice.clone()).await, "insert");
    assert_eq!(
        ok(store.find_by_id(&masmovil, alice.id).await, "find_by_id"),
        Some(alice.clone())
    );
    assert_eq!(
        ok(
            store.find_by_id(&org("yoigo"), alice.id).await,
            "find_by_id in yoigo"
        ),
        None,
        "another org's credential must not be found"
    );
    assert_eq!(
        ok(
            store.find_by_id(&masmovil, uuid(2)).await,
            "find_by_id unknown"
        ),
        None
    );
    ok(
        store
            .update(&masmovil, alice.clone().deleted(DELETED_AT))
            .await,
        "soft delete",
    );
    assert_eq!(
        ok(
            store.find_by_id(&masmovil, alice.id).await,
            "find_by_id deleted"
        ),
        None,
        "a deleted credential is not live"
    );
}

/// "Storing it with `deleted_at` set makes it no longer live": neither `find` nor `discover`
/// return it.
pub async fn update_with_deleted_at_makes_the_credential_no_longer_live(
    store: &dyn CredentialStore,
) {
    let masmovil = org("masmovil");
    let alice = active_credential(uuid(1), "alice@example.com");
    ok(store.insert(&masmovil, alice.clone()).await, "insert");
    ok(
        store.update(&masmovil, alice.deleted(DELETED_AT)).await,
        "soft delete through update",
    );
    assert_eq!(
        live(store, &masmovil, "alice@example.com").await,
        None,
        "deleted is not live"
    );
    let everywhere = [masmovil];
    let found = ok(
        store
            .discover(&everywhere, &username("alice@example.com"))
            .await,
        "discover",
    );
    assert!(
        found.is_empty(),
        "discover must not return a deleted credential: {found:?}"
    );
}

/// Once deleted, the credential is no longer "the live credential that has `credential.id`":
/// updating it again fails with `NotFound` and does not bring it back.
pub async fn update_fails_with_not_found_once_the_credential_is_deleted(
    store: &dyn CredentialStore,
) {
    let masmovil = org("masmovil");
    let alice = active_credential(uuid(1), "alice@example.com");
    ok(store.insert(&masmovil, alice.clone()).await, "insert");
    ok(
        store
            .update(&masmovil, alice.clone().deleted(DELETED_AT))
            .await,
        "soft delete",
    );
    assert_not_found(
        store.update(&masmovil, alice).await,
        "update of a deleted credential",
    );
    assert_eq!(
        live(store, &masmovil, "alice@example.com").await,
        None,
        "a refused update must not bring a deleted credential back to life"
    );
}
