//! The contract of [`SigningKeyStore`] (`latchkey_access::ports`).

use super::{assert_conflict, assert_not_found, begin, ok};
use crate::fixtures::{T0, signing_key};
use latchkey_access::{SigningKey, SigningKeyStore};
use std::future::Future;
use time::Duration;

/// Runs every check, each on a fresh store from `make`.
pub async fn run<F, Fut, S>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
    S: SigningKeyStore,
{
    let port = "SigningKeyStore";
    begin(port, "list_is_empty_without_keys");
    list_is_empty_without_keys(&make().await).await;
    begin(port, "insert_then_list_returns_the_key");
    insert_then_list_returns_the_key(&make().await).await;
    begin(port, "insert_rejects_a_taken_kid");
    insert_rejects_a_taken_kid(&make().await).await;
    begin(port, "list_orders_oldest_first_then_by_kid");
    list_orders_oldest_first_then_by_kid(&make().await).await;
    begin(port, "remove_deletes_only_that_key");
    remove_deletes_only_that_key(&make().await).await;
    begin(port, "remove_fails_with_not_found_for_an_unknown_kid");
    remove_fails_with_not_found_for_an_unknown_kid(&make().await).await;
}

fn kids(keys: &[SigningKey]) -> Vec<&str> {
    keys.iter().map(|k| k.kid.as_str()).collect()
}

/// A fresh store holds no key (the key service relies on it to make the first one).
pub async fn list_is_empty_without_keys(store: &dyn SigningKeyStore) {
    let keys = ok(store.list().await, "list of an empty store");
    assert!(
        keys.is_empty(),
        "a fresh store must list no key: {:?}",
        kids(&keys)
    );
}

/// Every field, the private key included, survives the round trip.
pub async fn insert_then_list_returns_the_key(store: &dyn SigningKeyStore) {
    let key = signing_key("key-1", T0);
    ok(store.insert(key.clone()).await, "insert of a new key");
    let keys = ok(store.list().await, "list after insert");
    assert_eq!(
        keys,
        [key],
        "list must return the key inserted, private part included"
    );
}

/// "MUST fail with `StoreError::Conflict` when the `kid` is taken", leaving the stored key as it
/// was.
pub async fn insert_rejects_a_taken_kid(store: &dyn SigningKeyStore) {
    let original = signing_key("key-1", T0);
    ok(store.insert(original.clone()).await, "first insert");
    let mut other = signing_key("key-1", T0 + Duration::hours(1));
    other.private_pkcs8 = b"another private key".to_vec();
    assert_conflict(store.insert(other).await, "insert of a taken kid");
    let keys = ok(store.list().await, "list after the refused insert");
    assert_eq!(
        keys,
        [original],
        "a refused insert must not change the stored keys"
    );
}

/// "Every key, oldest first (ordered by `created_at`, then `kid`)": insertion order does not
/// matter, and keys created at the same instant are ordered by kid.
pub async fn list_orders_oldest_first_then_by_kid(store: &dyn SigningKeyStore) {
    let hour = Duration::hours(1);
    let scrambled = [
        signing_key("a-newest", T0 + hour * 3),
        signing_key("z-oldest", T0),
        signing_key("m-twin", T0 + hour),
        signing_key("b-twin", T0 + hour),
        signing_key("c-middle", T0 + hour * 2),
    ];
    for key in &scrambled {
        ok(store.insert(key.clone()).await, "insert");
    }
    let keys = ok(store.list().await, "list");
    assert_eq!(
        kids(&keys),
        ["z-oldest", "b-twin", "m-twin", "c-middle", "a-newest"],
        "list must be ordered by created_at, then kid"
    );
}

/// `remove` deletes the key and nothing else.
pub async fn remove_deletes_only_that_key(store: &dyn SigningKeyStore) {
    ok(store.insert(signing_key("key-1", T0)).await, "insert");
    ok(
        store
            .insert(signing_key("key-2", T0 + Duration::days(90)))
            .await,
        "insert",
    );
    ok(store.remove("key-1").await, "remove of an existing kid");
    let keys = ok(store.list().await, "list after remove");
    assert_eq!(kids(&keys), ["key-2"], "remove must delete that key only");
}

/// "MUST fail with `StoreError::NotFound` when no key has that `kid`", including a second remove.
pub async fn remove_fails_with_not_found_for_an_unknown_kid(store: &dyn SigningKeyStore) {
    ok(store.insert(signing_key("key-1", T0)).await, "insert");
    assert_not_found(store.remove("key-9").await, "remove of an unknown kid");
    ok(store.remove("key-1").await, "first remove");
    assert_not_found(store.remove("key-1").await, "second remove of the same kid");
    let keys = ok(store.list().await, "list");
    assert!(
        keys.is_empty(),
        "a failed remove must not add anything: {:?}",
        kids(&keys)
    );
}
