//! The contract of [`ApiKeyStore`](latchkey_operator::ApiKeyStore) (`latchkey_operator::ports`):
//! operators' API keys, only hashes of their secrets. The keys' operators live in the
//! `OperatorStore` of the same [`OperatorStores`].

use super::operator_store::OperatorStores;
use super::{assert_conflict, assert_not_found, begin, ok};
use crate::fixtures::{T0, api_key, operator, uuid};
use latchkey_core::SecretHash;
use latchkey_operator::{AccessRight, ApiKey, ApiKeyAccess, Operator, Role};
use std::future::Future;
use time::Duration;

/// Runs every check, each on fresh stores from `make`.
pub async fn run<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = OperatorStores>,
{
    let port = "ApiKeyStore";
    begin(
        port,
        "keys_round_trip_and_list_oldest_first_expired_included",
    );
    keys_round_trip_and_list_oldest_first_expired_included(&make().await).await;
    begin(port, "insert_needs_the_operator");
    insert_needs_the_operator(&make().await).await;
    begin(port, "insert_refuses_a_taken_id_or_a_name_the_operator_has");
    insert_refuses_a_taken_id_or_a_name_the_operator_has(&make().await).await;
    begin(port, "by_hash_finds_the_key_expired_or_not");
    by_hash_finds_the_key_expired_or_not(&make().await).await;
    begin(port, "delete_removes_only_the_operators_own_key");
    delete_removes_only_the_operators_own_key(&make().await).await;
    begin(port, "touch_sets_last_use_only");
    touch_sets_last_use_only(&make().await).await;
    begin(
        port,
        "describe_sets_the_description_of_the_operators_own_key_only",
    );
    describe_sets_the_description_of_the_operators_own_key_only(&make().await).await;
}

/// Ana (admin) and Bob (csr), stored.
async fn two_operators(stores: &OperatorStores) -> (Operator, Operator) {
    let (ana, bob) = (
        operator(uuid(1), "ana@example.com", Role::Admin),
        operator(uuid(2), "bob@example.com", Role::Csr),
    );
    for o in [&ana, &bob] {
        ok(stores.operators.insert(o).await, "insert operator");
    }
    (ana, bob)
}

/// A key with every field set, several rights, created `minutes` after [`T0`].
fn full_key(n: u64, operator: &Operator, name: &str, minutes: i64) -> ApiKey {
    ApiKey {
        created: T0 + Duration::minutes(minutes),
        expires: T0 + Duration::minutes(minutes + 30),
        last_use: Some(T0 + Duration::minutes(minutes + 1)),
        rights: vec![
            AccessRight {
                service: "owgw".to_owned(),
                access: ApiKeyAccess::Modify,
            },
            AccessRight {
                service: "owsec".to_owned(),
                access: ApiKeyAccess::NoAccess,
            },
            AccessRight {
                service: "owprov".to_owned(),
                access: ApiKeyAccess::Delete,
            },
        ],
        ..api_key(uuid(n), operator.id, name)
    }
}

/// "The keys of `operator`, oldest first (by `created`, then `id`), expired ones included";
/// every field survives.
pub async fn keys_round_trip_and_list_oldest_first_expired_included(stores: &OperatorStores) {
    let store = &*stores.api_keys;
    let (ana, bob) = two_operators(stores).await;
    let late = full_key(10, &ana, "late", 50);
    // Created before the others, expired at T0 + 20 minutes, long before `late` was created.
    let expired = full_key(11, &ana, "expired", -10);
    let (tie_a, tie_b) = (
        api_key(uuid(12), ana.id, "a"),
        api_key(uuid(13), ana.id, "b"),
    );
    let bobs = api_key(uuid(14), bob.id, "late");
    for k in [&late, &expired, &tie_a, &tie_b, &bobs] {
        ok(store.insert(k).await, "insert");
    }
    let mut ties = [tie_a, tie_b];
    ties.sort_by_key(|k| k.id);
    let [first_tie, second_tie] = ties;
    assert_eq!(
        ok(store.list(ana.id).await, "list"),
        vec![expired, first_tie, second_tie, late],
        "oldest first, ties by id, expired included, another operator's excluded"
    );
    assert_eq!(ok(store.list(bob.id).await, "list"), vec![bobs]);
    assert!(ok(store.list(uuid(9)).await, "list of an unknown operator").is_empty());
}

/// "MUST fail with `NotFound` when its operator does not exist".
pub async fn insert_needs_the_operator(stores: &OperatorStores) {
    let store = &*stores.api_keys;
    let orphan = api_key(uuid(10), uuid(9), "orphan");
    assert_not_found(
        store.insert(&orphan).await,
        "insert for an unknown operator",
    );
    assert_eq!(ok(store.by_hash(&orphan.hash).await, "by_hash"), None);
}

/// "with `Conflict` when the id is taken or the operator has a key of that name"; another
/// operator may use the name.
pub async fn insert_refuses_a_taken_id_or_a_name_the_operator_has(stores: &OperatorStores) {
    let store = &*stores.api_keys;
    let (ana, bob) = two_operators(stores).await;
    let first = api_key(uuid(10), ana.id, "ci");
    ok(store.insert(&first).await, "insert");
    assert_conflict(
        store.insert(&api_key(uuid(10), bob.id, "other")).await,
        "insert of a taken id",
    );
    assert_conflict(
        store.insert(&api_key(uuid(11), ana.id, "ci")).await,
        "insert of a name the operator has",
    );
    assert_eq!(
        ok(store.list(ana.id).await, "list"),
        vec![first],
        "nothing stored"
    );
    ok(
        store.insert(&api_key(uuid(12), bob.id, "ci")).await,
        "the same name for another operator",
    );
}

/// "The key whose secret hashes to `hash`, expired or not; `Ok(None)` when none does."
pub async fn by_hash_finds_the_key_expired_or_not(stores: &OperatorStores) {
    let store = &*stores.api_keys;
    let (ana, bob) = two_operators(stores).await;
    let (live, expired) = (
        api_key(uuid(10), ana.id, "live"),
        ApiKey {
            expires: T0 - Duration::minutes(1),
            ..api_key(uuid(11), bob.id, "expired")
        },
    );
    for k in [&live, &expired] {
        ok(store.insert(k).await, "insert");
    }
    for k in [live, expired] {
        assert_eq!(ok(store.by_hash(&k.hash).await, "by_hash"), Some(k));
    }
    let unknown = SecretHash::of(b"never issued");
    assert_eq!(ok(store.by_hash(&unknown).await, "by_hash unknown"), None);
}

/// "Removes the key `id` of `operator`; answers whether there was one (another operator's key
/// is not removed)."
pub async fn delete_removes_only_the_operators_own_key(stores: &OperatorStores) {
    let store = &*stores.api_keys;
    let (ana, bob) = two_operators(stores).await;
    let (anas, other, bobs) = (
        api_key(uuid(10), ana.id, "one"),
        api_key(uuid(11), ana.id, "two"),
        api_key(uuid(12), bob.id, "one"),
    );
    for k in [&anas, &other, &bobs] {
        ok(store.insert(k).await, "insert");
    }
    assert!(
        !ok(store.delete(ana.id, bobs.id).await, "delete another's key"),
        "another operator's key is not removed"
    );
    assert_eq!(ok(store.by_hash(&bobs.hash).await, "by_hash"), Some(bobs));
    assert!(ok(store.delete(ana.id, anas.id).await, "delete"));
    assert!(!ok(store.delete(ana.id, anas.id).await, "delete again"));
    assert_eq!(ok(store.by_hash(&anas.hash).await, "by_hash"), None);
    assert_eq!(ok(store.list(ana.id).await, "list"), vec![other]);
    ok(
        store.insert(&api_key(uuid(13), ana.id, "one")).await,
        "the name of a deleted key is free",
    );
}

/// "Sets `last_use` of the key (nothing else changes). Answers whether there is such a key."
pub async fn touch_sets_last_use_only(stores: &OperatorStores) {
    let store = &*stores.api_keys;
    let (ana, _) = two_operators(stores).await;
    let key = full_key(10, &ana, "ci", 0);
    ok(store.insert(&key).await, "insert");
    let when = T0 + Duration::hours(2);
    assert!(ok(store.touch(key.id, when).await, "touch"));
    let expected = ApiKey {
        last_use: Some(when),
        ..key
    };
    assert_eq!(ok(store.list(ana.id).await, "list"), vec![expected]);
    assert!(
        !ok(store.touch(uuid(9), when).await, "touch unknown"),
        "no such key"
    );
}

/// "Sets the description of the key `id` of `operator` (nothing else changes) and answers the
/// key as it is now; `Ok(None)` when `operator` has no such key (another operator's key is not
/// changed)."
pub async fn describe_sets_the_description_of_the_operators_own_key_only(stores: &OperatorStores) {
    let store = &*stores.api_keys;
    let (ana, bob) = two_operators(stores).await;
    let key = full_key(10, &ana, "ci", 0);
    let bobs = full_key(11, &bob, "ci", 1);
    for k in [&key, &bobs] {
        ok(store.insert(k).await, "insert");
    }
    let described = ok(
        store.describe(ana.id, key.id, "for the CI").await,
        "describe",
    );
    let expected = ApiKey {
        description: "for the CI".to_owned(),
        ..key.clone()
    };
    assert_eq!(described.as_ref(), Some(&expected));
    assert_eq!(ok(store.list(ana.id).await, "list"), vec![expected]);
    assert_eq!(
        ok(
            store.describe(ana.id, bobs.id, "mine now").await,
            "describe another's key"
        ),
        None,
        "another operator's key is not changed"
    );
    assert_eq!(ok(store.list(bob.id).await, "list"), vec![bobs]);
    assert_eq!(
        ok(
            store.describe(ana.id, uuid(9), "x").await,
            "describe unknown"
        ),
        None
    );
}
