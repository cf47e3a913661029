//! The contract of [`ClientRegistry`] (`latchkey_tenancy::ports`).

use super::{assert_conflict, assert_not_found, begin, ok};
use crate::fixtures::{T0, client, client_id};
use latchkey_core::SecretHash;
use latchkey_tenancy::{
    ApiClient, ClientName, ClientRegistry, Grant, IdTokenAlg, LoginSettings, OrgAccess,
    RedirectUri, ScopeSet,
};
use std::future::Future;
use time::Duration;

/// Runs every check, each on a fresh store from `make`.
pub async fn run<F, Fut, S>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
    S: ClientRegistry,
{
    let port = "ClientRegistry";
    begin(port, "insert_then_get_returns_the_client");
    insert_then_get_returns_the_client(&make().await).await;
    begin(port, "insert_rejects_a_taken_id");
    insert_rejects_a_taken_id(&make().await).await;
    begin(port, "upsert_adds_a_missing_client");
    upsert_adds_a_missing_client(&make().await).await;
    begin(port, "upsert_replaces_the_client_with_the_same_id");
    upsert_replaces_the_client_with_the_same_id(&make().await).await;
    begin(port, "get_returns_none_for_an_unknown_id");
    get_returns_none_for_an_unknown_id(&make().await).await;
    begin(port, "list_returns_every_client_ordered_by_id");
    list_returns_every_client_ordered_by_id(&make().await).await;
    begin(port, "delete_removes_only_that_client");
    delete_removes_only_that_client(&make().await).await;
    begin(port, "delete_fails_with_not_found_for_an_unknown_id");
    delete_fails_with_not_found_for_an_unknown_id(&make().await).await;
}

/// A client that differs from `client(id)` in every field but the id.
fn changed(id: &str) -> ApiClient {
    ApiClient {
        name: ClientName::parse("Renamed").expect("a valid name"),
        secret_hash: SecretHash::of(b"another secret"),
        scopes: ScopeSet::all(),
        orgs: OrgAccess::All,
        created_at: T0 + Duration::hours(5),
        grants: [Grant::AuthorizationCode, Grant::RefreshToken]
            .into_iter()
            .collect(),
        login: LoginSettings {
            public: true,
            redirect_uris: vec![
                RedirectUri::parse("https://app.example/cb").expect("a valid URI"),
                RedirectUri::parse("http://127.0.0.1:8765/cb").expect("a valid URI"),
            ],
            id_token_alg: IdTokenAlg::Es256,
            post_logout_redirect_uris: vec![
                RedirectUri::parse("https://app.example/bye").expect("a valid URI"),
            ],
        },
        ..client(id)
    }
}

/// Every field survives the round trip.
pub async fn insert_then_get_returns_the_client(store: &dyn ClientRegistry) {
    let given = client("portal");
    ok(store.insert(given.clone()).await, "insert of a new client");
    let found = ok(store.get(&given.id).await, "get after insert");
    assert_eq!(
        found,
        Some(given),
        "get must return the client inserted, field for field"
    );
}

/// "MUST fail with `StoreError::Conflict` when the id is taken", leaving the stored one as it was.
pub async fn insert_rejects_a_taken_id(store: &dyn ClientRegistry) {
    let original = client("portal");
    ok(store.insert(original.clone()).await, "first insert");
    assert_conflict(
        store.insert(changed("portal")).await,
        "insert of a taken id",
    );
    let found = ok(
        store.get(&original.id).await,
        "get after the refused insert",
    );
    assert_eq!(
        found,
        Some(original),
        "a refused insert must not change the stored client"
    );
}

/// "Adds the client" when the id is free.
pub async fn upsert_adds_a_missing_client(store: &dyn ClientRegistry) {
    let given = client("bootstrap");
    ok(store.upsert(given.clone()).await, "upsert of a new client");
    let found = ok(store.get(&given.id).await, "get after upsert");
    assert_eq!(found, Some(given), "upsert of a new id must add the client");
}

/// "or replaces the one with the same id": every field is replaced, no second client appears.
pub async fn upsert_replaces_the_client_with_the_same_id(store: &dyn ClientRegistry) {
    ok(store.insert(client("bootstrap")).await, "insert");
    let replacement = changed("bootstrap");
    ok(
        store.upsert(replacement.clone()).await,
        "upsert of an existing id",
    );
    let found = ok(store.get(&replacement.id).await, "get after upsert");
    assert_eq!(
        found,
        Some(replacement),
        "upsert must replace the stored client"
    );
    let all = ok(store.list().await, "list after upsert");
    assert_eq!(
        all.len(),
        1,
        "upsert of an existing id must not add a client: {all:?}"
    );
}

/// "Returns `Ok(None)` when no client has that id."
pub async fn get_returns_none_for_an_unknown_id(store: &dyn ClientRegistry) {
    ok(store.insert(client("portal")).await, "insert");
    let found = ok(store.get(&client_id("crm")).await, "get of an unknown id");
    assert_eq!(found, None, "get of an unknown id must be Ok(None)");
}

/// "Every client, ordered by id." The order is `ClientId`'s (byte-wise, so upper case before
/// lower case and `-` before `.` before digits before `_`), which a locale collation would not
/// give.
pub async fn list_returns_every_client_ordered_by_id(store: &dyn ClientRegistry) {
    let ids = [
        "portal", "Portal", "crm_sync", "crm-sync", "crm.sync", "crm2", "a",
    ];
    let mut expected = Vec::new();
    for id in ids {
        ok(store.insert(client(id)).await, "insert");
        expected.push(client(id));
    }
    expected.sort_by(|a, b| a.id.cmp(&b.id));
    let listed = ok(store.list().await, "list");
    let names = |cs: &[ApiClient]| cs.iter().map(|c| c.id.to_string()).collect::<Vec<_>>();
    assert_eq!(
        names(&listed),
        names(&expected),
        "list must be ordered by id"
    );
    assert_eq!(
        listed, expected,
        "list must return every client, field for field"
    );
}

/// `delete` removes the client and nothing else.
pub async fn delete_removes_only_that_client(store: &dyn ClientRegistry) {
    ok(store.insert(client("portal")).await, "insert");
    ok(store.insert(client("crm")).await, "insert");
    ok(
        store.delete(&client_id("portal")).await,
        "delete of an existing client",
    );
    let found = ok(store.get(&client_id("portal")).await, "get after delete");
    assert_eq!(found, None, "a deleted client must not be found");
    let all = ok(store.list().await, "list after delete");
    assert_eq!(
        all,
        vec![client("crm")],
        "delete must remove that client only"
    );
}

/// "MUST fail with `StoreError::NotFound` when no client has that id", including a second delete.
pub async fn delete_fails_with_not_found_for_an_unknown_id(store: &dyn ClientRegistry) {
    ok(store.insert(client("crm")).await, "insert");
    assert_not_found(
        store.delete(&client_id("portal")).await,
        "delete of an unknown id",
    );
    ok(store.delete(&client_id("crm")).await, "first delete");
    assert_not_found(
        store.delete(&client_id("crm")).await,
        "second delete of the same id",
    );
    assert!(
        ok(store.list().await, "list").is_empty(),
        "a failed delete must not resurrect or add anything"
    );
}
