//! The contract of `CredentialStore::move_credential` and `CredentialStore::discover`.

use super::{DELETED_AT, live};
use crate::contracts::{assert_conflict, assert_not_found, begin, ok};
use crate::fixtures::{active_credential, credential, org, username, uuid};
use latchkey_core::OrgId;
use latchkey_credential::{Credential, CredentialStore};
use std::future::Future;

/// Runs every `move_credential` and `discover` check, each on a fresh store from `make`.
pub async fn run<F, Fut, S>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
    S: CredentialStore,
{
    let port = "CredentialStore";
    begin(
        port,
        "move_credential_deletes_in_the_origin_and_inserts_in_the_destination",
    );
    move_credential_deletes_in_the_origin_and_inserts_in_the_destination(&make().await).await;
    begin(
        port,
        "move_credential_fails_with_not_found_and_changes_nothing",
    );
    move_credential_fails_with_not_found_and_changes_nothing(&make().await).await;
    begin(
        port,
        "move_credential_fails_with_conflict_and_changes_nothing",
    );
    move_credential_fails_with_conflict_and_changes_nothing(&make().await).await;
    begin(
        port,
        "move_credential_ignores_a_deleted_namesake_in_the_destination",
    );
    move_credential_ignores_a_deleted_namesake_in_the_destination(&make().await).await;
    begin(port, "a_moved_credential_moves_back_keeping_its_id");
    a_moved_credential_moves_back_keeping_its_id(&make().await).await;
    begin(port, "discover_returns_live_matches_in_the_order_of_orgs");
    discover_returns_live_matches_in_the_order_of_orgs(&make().await).await;
    begin(port, "discover_looks_only_in_the_given_orgs");
    discover_looks_only_in_the_given_orgs(&make().await).await;
}

const ALICE: &str = "alice@example.com";

/// The arguments the credential service passes: the soft-deleted original, and the same
/// credential (same id) for the destination.
fn move_of(original: &Credential) -> (Credential, Credential) {
    let mut moved = original.clone();
    moved.updated_at = DELETED_AT;
    (original.clone().deleted(DELETED_AT), moved)
}

async fn discover(
    store: &dyn CredentialStore,
    orgs: &[OrgId],
    name: &str,
) -> Vec<(OrgId, Credential)> {
    ok(store.discover(orgs, &username(name)).await, "discover")
}

/// "Atomically replaces the live credential `removed.id` of `from` by `removed` … and inserts
/// `moved` into `to`": afterwards it is live in the destination only, and its username is free
/// again in the origin.
pub async fn move_credential_deletes_in_the_origin_and_inserts_in_the_destination(
    store: &dyn CredentialStore,
) {
    let (masmovil, yoigo) = (org("masmovil"), org("yoigo"));
    let original = active_credential(uuid(1), ALICE);
    ok(store.insert(&masmovil, original.clone()).await, "insert");
    let (removed, moved) = move_of(&original);
    ok(
        store
            .move_credential(&masmovil, removed, &yoigo, moved.clone())
            .await,
        "move",
    );
    assert_eq!(
        live(store, &masmovil, ALICE).await,
        None,
        "a moved credential must leave the origin"
    );
    assert_eq!(
        live(store, &yoigo, ALICE).await,
        Some(moved.clone()),
        "it must be live in the destination"
    );
    let found = discover(store, &[masmovil.clone(), yoigo.clone()], ALICE).await;
    assert_eq!(
        found,
        vec![(yoigo, moved)],
        "discover must find it in the destination only"
    );
    let newcomer = credential(uuid(2), ALICE);
    ok(
        store.insert(&masmovil, newcomer).await,
        "insert into the origin after the move (the username is free)",
    );
}

/// A move back to where the credential came from works, and it keeps its id: the soft-deleted
/// record the first move left in the origin stands in no one's way (nor does the one the way
/// back leaves in the destination, for a third move).
pub async fn a_moved_credential_moves_back_keeping_its_id(store: &dyn CredentialStore) {
    let (masmovil, yoigo) = (org("masmovil"), org("yoigo"));
    let original = active_credential(uuid(1), ALICE);
    ok(store.insert(&masmovil, original.clone()).await, "insert");
    let (removed, moved) = move_of(&original);
    ok(
        store
            .move_credential(&masmovil, removed, &yoigo, moved.clone())
            .await,
        "move there",
    );
    let (removed, back) = move_of(&moved);
    ok(
        store
            .move_credential(&yoigo, removed, &masmovil, back.clone())
            .await,
        "move back",
    );
    let home = live(store, &masmovil, ALICE).await;
    assert_eq!(
        home.as_ref().map(|c| c.id),
        Some(original.id),
        "the same id"
    );
    assert_eq!(home, Some(back.clone()), "live at home again, as moved");
    assert_eq!(
        live(store, &yoigo, ALICE).await,
        None,
        "gone from the other org"
    );
    let by_id = ok(store.find_by_id(&masmovil, original.id).await, "find_by_id");
    assert_eq!(by_id, Some(back.clone()), "found by its id at home");
    let (removed, again) = move_of(&back);
    ok(
        store
            .move_credential(&masmovil, removed, &yoigo, again.clone())
            .await,
        "and there again",
    );
    assert_eq!(live(store, &yoigo, ALICE).await, Some(again));
}

/// "MUST fail with `StoreError::NotFound` when `from` has no live credential with `removed.id`"
/// (unknown id, already deleted, or live in another org only) — and neither org changes.
pub async fn move_credential_fails_with_not_found_and_changes_nothing(store: &dyn CredentialStore) {
    let (masmovil, yoigo, lebara) = (org("masmovil"), org("yoigo"), org("lebara"));
    let bob = active_credential(uuid(1), "bob@example.com");
    let deleted = active_credential(uuid(2), "carol@example.com");
    let elsewhere = active_credential(uuid(3), ALICE);
    ok(store.insert(&masmovil, bob.clone()).await, "insert");
    ok(store.insert(&masmovil, deleted.clone()).await, "insert");
    ok(
        store
            .update(&masmovil, deleted.clone().deleted(DELETED_AT))
            .await,
        "soft delete",
    );
    ok(store.insert(&lebara, elsewhere.clone()).await, "insert");

    let cases = [
        ("an unknown id", active_credential(uuid(4), ALICE)),
        ("a deleted credential", deleted),
        ("a credential live in another org", elsewhere.clone()),
    ];
    for (what, original) in cases {
        let (removed, moved) = move_of(&original);
        let name = moved.username.as_str().to_owned();
        assert_not_found(
            store
                .move_credential(&masmovil, removed, &yoigo, moved)
                .await,
            &format!("move of {what}"),
        );
        assert_eq!(
            live(store, &yoigo, &name).await,
            None,
            "a failed move of {what} must not insert"
        );
    }
    assert_eq!(
        live(store, &masmovil, "bob@example.com").await,
        Some(bob),
        "the origin must not change"
    );
    assert_eq!(
        live(store, &masmovil, "carol@example.com").await,
        None,
        "a deleted one must stay deleted"
    );
    assert_eq!(
        live(store, &lebara, ALICE).await,
        Some(elsewhere),
        "other orgs must not change"
    );
}

/// "… and with `StoreError::Conflict` when `to` already has a live credential with `moved`'s
/// username": both happen or neither does, so the origin keeps its live credential and the
/// destination keeps its own.
pub async fn move_credential_fails_with_conflict_and_changes_nothing(store: &dyn CredentialStore) {
    let (masmovil, yoigo) = (org("masmovil"), org("yoigo"));
    let original = active_credential(uuid(1), ALICE);
    let namesake = credential(uuid(2), ALICE);
    ok(
        store.insert(&masmovil, original.clone()).await,
        "insert into the origin",
    );
    ok(
        store.insert(&yoigo, namesake.clone()).await,
        "insert into the destination",
    );
    let (removed, moved) = move_of(&original);
    assert_conflict(
        store
            .move_credential(&masmovil, removed, &yoigo, moved)
            .await,
        "move onto a live username",
    );
    assert_eq!(
        live(store, &masmovil, ALICE).await,
        Some(original),
        "the origin must keep its live credential"
    );
    assert_eq!(
        live(store, &yoigo, ALICE).await,
        Some(namesake),
        "the destination must keep its own"
    );
}

/// Only a *live* namesake in the destination conflicts: a deleted one does not.
pub async fn move_credential_ignores_a_deleted_namesake_in_the_destination(
    store: &dyn CredentialStore,
) {
    let (masmovil, yoigo) = (org("masmovil"), org("yoigo"));
    let original = active_credential(uuid(1), ALICE);
    let namesake = active_credential(uuid(2), ALICE);
    ok(
        store.insert(&masmovil, original.clone()).await,
        "insert into the origin",
    );
    ok(
        store.insert(&yoigo, namesake.clone()).await,
        "insert into the destination",
    );
    ok(
        store.update(&yoigo, namesake.deleted(DELETED_AT)).await,
        "soft delete in the destination",
    );
    let (removed, moved) = move_of(&original);
    ok(
        store
            .move_credential(&masmovil, removed, &yoigo, moved.clone())
            .await,
        "move onto a deleted username",
    );
    assert_eq!(
        live(store, &yoigo, ALICE).await,
        Some(moved),
        "the moved credential must be live"
    );
    assert_eq!(
        live(store, &masmovil, ALICE).await,
        None,
        "and gone from the origin"
    );
}

/// "The live credentials with that username in each of `orgs`, in the order of `orgs`": orgs
/// without one (another username only, a deleted one, or nothing at all) are skipped.
pub async fn discover_returns_live_matches_in_the_order_of_orgs(store: &dyn CredentialStore) {
    let [masmovil, yoigo, lebara, pepephone, llamaya] =
        ["masmovil", "yoigo", "lebara", "pepephone", "llamaya"].map(org);
    let in_masmovil = active_credential(uuid(1), ALICE);
    let in_yoigo = credential(uuid(2), ALICE);
    let deleted = active_credential(uuid(3), ALICE);
    ok(store.insert(&masmovil, in_masmovil.clone()).await, "insert");
    ok(store.insert(&yoigo, in_yoigo.clone()).await, "insert");
    ok(
        store
            .insert(&lebara, active_credential(uuid(4), "bob@example.com"))
            .await,
        "insert",
    );
    ok(store.insert(&pepephone, deleted.clone()).await, "insert");
    ok(
        store.update(&pepephone, deleted.deleted(DELETED_AT)).await,
        "soft delete",
    );

    let orgs = [
        yoigo.clone(),
        lebara.clone(),
        pepephone.clone(),
        llamaya.clone(),
        masmovil.clone(),
    ];
    let found = discover(store, &orgs, ALICE).await;
    let expected = vec![
        (yoigo.clone(), in_yoigo.clone()),
        (masmovil.clone(), in_masmovil.clone()),
    ];
    assert_eq!(
        found, expected,
        "discover must follow the order of orgs and skip orgs without it"
    );

    let reversed = [masmovil.clone(), llamaya, pepephone, lebara, yoigo.clone()];
    let found = discover(store, &reversed, ALICE).await;
    let expected = vec![(masmovil, in_masmovil), (yoigo, in_yoigo)];
    assert_eq!(
        found, expected,
        "discover must follow the order of orgs, not the storage order"
    );
}

/// Orgs that are not in `orgs` are not searched, and no org at all finds nothing.
pub async fn discover_looks_only_in_the_given_orgs(store: &dyn CredentialStore) {
    let (masmovil, yoigo) = (org("masmovil"), org("yoigo"));
    let in_yoigo = credential(uuid(2), ALICE);
    ok(
        store
            .insert(&masmovil, active_credential(uuid(1), ALICE))
            .await,
        "insert",
    );
    ok(store.insert(&yoigo, in_yoigo.clone()).await, "insert");
    let found = discover(store, std::slice::from_ref(&yoigo), ALICE).await;
    assert_eq!(
        found,
        vec![(yoigo, in_yoigo)],
        "discover must search only the orgs given"
    );
    let found = discover(store, &[], ALICE).await;
    assert!(
        found.is_empty(),
        "discover over no org must find nothing: {found:?}"
    );
    let found = discover(store, &[masmovil], "bob@example.com").await;
    assert!(
        found.is_empty(),
        "discover of an unknown username must find nothing: {found:?}"
    );
}
