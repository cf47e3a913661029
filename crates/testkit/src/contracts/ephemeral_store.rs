//! The contract of [`EphemeralStore`] (`latchkey_oauth::ports`): short-lived records by key.
//! Adapters run on the wall clock (Redis expires keys on its own), so expiry is checked with a
//! short TTL and a real wait.

use super::{begin, ok};
use latchkey_oauth::EphemeralStore;
use std::future::Future;
use std::sync::Arc;
use time::Duration;

/// Runs every check, each on a fresh store from `make`. Needs a multi-thread runtime: the
/// `take` and `put_new` races must run in parallel to prove anything.
pub async fn run<F, Fut, S>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
    S: EphemeralStore + 'static,
{
    let port = "EphemeralStore";
    begin(port, "put_then_get_and_replace");
    put_then_get_and_replace(&make().await).await;
    begin(port, "put_new_refuses_a_live_key");
    put_new_refuses_a_live_key(Arc::new(make().await)).await;
    begin(port, "take_removes_and_returns_once");
    take_removes_and_returns_once(Arc::new(make().await)).await;
    begin(port, "records_expire");
    records_expire(&make().await).await;
    begin(port, "delete_removes");
    delete_removes(&make().await).await;
    begin(port, "increment_counts_atomically_and_expires");
    increment_counts_atomically_and_expires(Arc::new(make().await)).await;
}

const MINUTE: Duration = Duration::minutes(1);

/// "Stores `value` under `key` for `ttl`, replacing any earlier record"; "The live record";
/// "The live records of `keys`, in their order".
pub async fn put_then_get_and_replace(store: &impl EphemeralStore) {
    assert_eq!(ok(store.get("a").await, "get of a missing key"), None);
    ok(store.put("a", b"one", MINUTE).await, "put");
    assert_eq!(
        ok(store.get("a").await, "get").as_deref(),
        Some(&b"one"[..])
    );
    ok(store.put("a", b"two", MINUTE).await, "put again");
    assert_eq!(
        ok(store.get("a").await, "get after replace").as_deref(),
        Some(&b"two"[..]),
        "put must replace the earlier record"
    );
    assert_eq!(ok(store.get("b").await, "get of another key"), None);
    ok(store.put("c", b"three", MINUTE).await, "put");
    assert_eq!(
        ok(store.get_many(&["c", "b", "a", "c"]).await, "get_many"),
        vec![
            Some(b"three".to_vec()),
            None,
            Some(b"two".to_vec()),
            Some(b"three".to_vec())
        ],
        "get_many answers what get would, in order"
    );
    assert_eq!(
        ok(store.get_many(&[]).await, "get_many of nothing"),
        Vec::<Option<Vec<u8>>>::new()
    );
}

/// "unless a live record has that key: then MUST change nothing and answer `false`"; "of
/// concurrent calls, exactly one is `true`".
pub async fn put_new_refuses_a_live_key<S: EphemeralStore + 'static>(store: Arc<S>) {
    assert!(ok(store.put_new("k", b"first", MINUTE).await, "put_new"));
    assert!(
        !ok(store.put_new("k", b"second", MINUTE).await, "put_new again"),
        "put_new must refuse a live key"
    );
    assert_eq!(
        ok(store.get("k").await, "get").as_deref(),
        Some(&b"first"[..]),
        "a refused put_new must change nothing"
    );
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.put_new("race", b"x", MINUTE).await })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        if ok(
            task.await.unwrap_or_else(|e| panic!("task: {e}")),
            "put_new race",
        ) {
            wins += 1;
        }
    }
    assert_eq!(wins, 1, "of concurrent put_new calls exactly one must win");
}

/// "Removes the record and returns it, atomically: of concurrent callers exactly one gets
/// `Some`".
pub async fn take_removes_and_returns_once<S: EphemeralStore + 'static>(store: Arc<S>) {
    ok(store.put("code", b"grant", MINUTE).await, "put");
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.take("code").await })
        })
        .collect();
    let mut got = 0;
    for task in tasks {
        let taken = ok(task.await.unwrap_or_else(|e| panic!("task: {e}")), "take");
        if let Some(v) = taken {
            assert_eq!(v, b"grant");
            got += 1;
        }
    }
    assert_eq!(
        got, 1,
        "of concurrent takes exactly one must get the record"
    );
    assert_eq!(ok(store.get("code").await, "get after take"), None);
    assert_eq!(ok(store.take("code").await, "take again"), None);
}

/// "A record past its time to live MUST read as absent" (for get, get_many, take and put_new).
pub async fn records_expire(store: &impl EphemeralStore) {
    let short = Duration::milliseconds(150);
    ok(store.put("gone", b"v", short).await, "put");
    ok(store.put("taken", b"v", short).await, "put");
    assert!(ok(store.put_new("again", b"v", short).await, "put_new"));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(ok(store.get("gone").await, "get"), None, "expired get");
    assert_eq!(
        ok(store.get_many(&["gone"]).await, "get_many"),
        vec![None],
        "expired get_many"
    );
    assert_eq!(ok(store.take("taken").await, "take"), None, "expired take");
    assert!(
        ok(store.put_new("again", b"w", MINUTE).await, "put_new"),
        "put_new must accept a key whose record expired"
    );
}

/// "Removes the record, if any."
pub async fn delete_removes(store: &impl EphemeralStore) {
    ok(store.put("a", b"v", MINUTE).await, "put");
    ok(store.delete("a").await, "delete");
    ok(store.delete("never").await, "delete of a missing key");
    assert_eq!(ok(store.get("a").await, "get after delete"), None);
}

/// "Adds one to the counter `key` (zero when absent or expired) and answers the new value";
/// "`n` concurrent calls add `n`"; "reads through `get` as its decimal digits".
pub async fn increment_counts_atomically_and_expires<S: EphemeralStore + 'static>(store: Arc<S>) {
    assert_eq!(ok(store.increment("n", MINUTE).await, "increment"), 1);
    assert_eq!(ok(store.increment("n", MINUTE).await, "increment"), 2);
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.increment("n", MINUTE).await })
        })
        .collect();
    for task in tasks {
        ok(
            task.await.unwrap_or_else(|e| panic!("task: {e}")),
            "increment race",
        );
    }
    assert_eq!(
        ok(store.get("n").await, "get").as_deref(),
        Some(&b"12"[..]),
        "ten concurrent increments must add ten"
    );
    ok(
        store.increment("short", Duration::milliseconds(150)).await,
        "increment",
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        ok(
            store.increment("short", MINUTE).await,
            "increment after expiry"
        ),
        1,
        "an expired counter starts again from zero"
    );
}
