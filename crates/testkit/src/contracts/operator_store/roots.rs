//! `LastRoot`: "It would leave no live root (a `root` that is not suspended) where there was one:
//! nothing changed", for [`OperatorStore::update`] and [`OperatorStore::delete`], atomically.

use super::OperatorStores;
use crate::contracts::{begin, ok};
use crate::fixtures::{operator, uuid};
use latchkey_operator::{Operator, OperatorStore, Role, Write};
use std::future::Future;
use tokio::runtime::{Handle, RuntimeFlavor};

/// How many times each race is run.
pub const ROUNDS: u64 = 8;

/// Runs every check of this module, each on fresh stores from `make`.
pub async fn run<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = OperatorStores>,
{
    let port = "OperatorStore";
    begin(
        port,
        "update_refuses_to_demote_or_suspend_the_last_live_root",
    );
    update_refuses_to_demote_or_suspend_the_last_live_root(&make().await).await;
    begin(port, "another_live_root_lets_a_root_go");
    another_live_root_lets_a_root_go(&make().await).await;
    begin(port, "a_suspended_root_is_not_a_live_one");
    a_suspended_root_is_not_a_live_one(&make().await).await;
    begin(port, "without_a_live_root_nothing_is_refused");
    without_a_live_root_nothing_is_refused(&make().await).await;
    begin(port, "delete_refuses_the_last_live_root");
    delete_refuses_the_last_live_root(&make().await).await;
    begin(port, "concurrent_writes_never_leave_no_live_root");
    for round in 0..ROUNDS {
        concurrent_writes_never_leave_no_live_root(&make().await, round).await;
    }
}

fn root(n: u64) -> Operator {
    operator(uuid(n), &format!("root{n}@example.com"), Role::Root)
}

fn demoted(o: &Operator) -> Operator {
    Operator {
        role: Role::Admin,
        ..o.clone()
    }
}

fn suspended(o: &Operator) -> Operator {
    Operator {
        suspended: true,
        ..o.clone()
    }
}

async fn insert_all(store: &dyn OperatorStore, operators: &[&Operator]) {
    for o in operators {
        assert_eq!(ok(store.insert(o).await, "insert"), Write::Done);
    }
}

/// The last live root cannot become another role nor be suspended; it may change otherwise.
pub async fn update_refuses_to_demote_or_suspend_the_last_live_root(stores: &OperatorStores) {
    let store = &*stores.operators;
    let (only, admin) = (root(1), operator(uuid(2), "admin@example.com", Role::Admin));
    insert_all(store, &[&only, &admin]).await;
    for (change, what) in [
        (demoted(&only), "demoting the last live root"),
        (suspended(&only), "suspending the last live root"),
    ] {
        assert_eq!(
            ok(store.update(&change).await, what),
            Write::LastRoot,
            "{what}"
        );
        assert_eq!(
            ok(store.get(only.id).await, "get"),
            Some(only.clone()),
            "{what}"
        );
    }
    let renamed = Operator {
        name: "still root".to_owned(),
        blacklisted: true,
        ..only.clone()
    };
    assert_eq!(
        ok(store.update(&renamed).await, "renaming the last live root"),
        Write::Done,
        "the last live root stays one: not refused"
    );
    assert_eq!(
        ok(
            store.update(&suspended(&admin)).await,
            "suspending an admin"
        ),
        Write::Done
    );
}

/// Not `LastRoot` when another live root remains; then that one is the last.
pub async fn another_live_root_lets_a_root_go(stores: &OperatorStores) {
    let store = &*stores.operators;
    let (first, second) = (root(1), root(2));
    insert_all(store, &[&first, &second]).await;
    assert_eq!(
        ok(
            store.update(&demoted(&first)).await,
            "demote one of two roots"
        ),
        Write::Done
    );
    assert_eq!(
        ok(
            store.update(&suspended(&second)).await,
            "suspend the last one"
        ),
        Write::LastRoot
    );
    assert_eq!(
        ok(store.update(&first).await, "promote the first again"),
        Write::Done
    );
    assert_eq!(
        ok(
            store.update(&suspended(&second)).await,
            "suspend one of two"
        ),
        Write::Done
    );
    assert_eq!(
        ok(store.delete(first.id).await, "delete the last live root"),
        Write::LastRoot
    );
}

/// A suspended root does not count: the only live root stays the last even beside it, and the
/// suspended one may be changed or deleted freely.
pub async fn a_suspended_root_is_not_a_live_one(stores: &OperatorStores) {
    let store = &*stores.operators;
    let (live, asleep) = (root(1), suspended(&root(2)));
    insert_all(store, &[&live, &asleep]).await;
    assert_eq!(
        ok(
            store.update(&demoted(&live)).await,
            "demote beside a suspended root"
        ),
        Write::LastRoot
    );
    assert_eq!(
        ok(
            store.delete(live.id).await,
            "delete beside a suspended root"
        ),
        Write::LastRoot
    );
    assert_eq!(
        ok(
            store.update(&demoted(&asleep)).await,
            "demote the suspended root"
        ),
        Write::Done
    );
    assert_eq!(
        ok(store.delete(asleep.id).await, "delete the suspended root"),
        Write::Done
    );
    assert_eq!(ok(store.get(live.id).await, "get"), Some(live));
}

/// "where there was one": with no live root, writes are not refused.
pub async fn without_a_live_root_nothing_is_refused(stores: &OperatorStores) {
    let store = &*stores.operators;
    let (admin, asleep) = (
        operator(uuid(1), "admin@example.com", Role::Admin),
        suspended(&root(2)),
    );
    insert_all(store, &[&admin, &asleep]).await;
    assert_eq!(
        ok(
            store.update(&demoted(&asleep)).await,
            "demote a suspended root"
        ),
        Write::Done
    );
    assert_eq!(
        ok(store.update(&suspended(&admin)).await, "suspend an admin"),
        Write::Done
    );
    assert_eq!(
        ok(store.delete(asleep.id).await, "delete an operator"),
        Write::Done
    );
    assert_eq!(
        ok(store.delete(admin.id).await, "delete the last operator"),
        Write::Done
    );
}

/// "`LastRoot` when it is the last live root": nothing removed, its keys neither.
pub async fn delete_refuses_the_last_live_root(stores: &OperatorStores) {
    let store = &*stores.operators;
    let (only, admin) = (root(1), operator(uuid(2), "admin@example.com", Role::Admin));
    insert_all(store, &[&only, &admin]).await;
    let key = crate::fixtures::api_key(uuid(3), only.id, "ci");
    ok(stores.api_keys.insert(&key).await, "insert key");
    assert_eq!(
        ok(store.delete(only.id).await, "delete the last live root"),
        Write::LastRoot
    );
    assert_eq!(ok(store.get(only.id).await, "get"), Some(only.clone()));
    assert_eq!(
        ok(stores.api_keys.list(only.id).await, "list keys"),
        vec![key],
        "a refused delete keeps the keys"
    );
    assert_eq!(
        ok(store.delete(admin.id).await, "delete an admin"),
        Write::Done
    );
    let second = root(4);
    insert_all(store, &[&second]).await;
    assert_eq!(
        ok(store.delete(only.id).await, "delete one of two live roots"),
        Write::Done
    );
}

/// "Atomic: two concurrent writes never together leave no live root": of two live roots,
/// written away at once (two deletes, two demotions, a delete and a suspension), at most one
/// write is `Done`, the other `LastRoot`, and a live root remains.
pub async fn concurrent_writes_never_leave_no_live_root(stores: &OperatorStores, round: u64) {
    assert_eq!(
        Handle::current().runtime_flavor(),
        RuntimeFlavor::MultiThread,
        "the last-root races need a multi-thread runtime: #[tokio::test(flavor = \"multi_thread\")]"
    );
    let store = stores.operators.clone();
    let (a, b) = (root(10 * round + 1), root(10 * round + 2));
    insert_all(&*store, &[&a, &b]).await;
    let race = |kind: u64, o: Operator| {
        let store = store.clone();
        tokio::spawn(async move {
            match kind {
                0 => store.delete(o.id).await,
                1 => store.update(&demoted(&o)).await,
                _ => store.update(&suspended(&o)).await,
            }
        })
    };
    let (kind_a, kind_b) = match round % 3 {
        0 => (0, 0),
        1 => (1, 1),
        _ => (0, 2),
    };
    let (left, right) = tokio::join!(race(kind_a, a.clone()), race(kind_b, b.clone()));
    let answers = [
        ok(left.unwrap_or_else(|e| panic!("task: {e}")), "racing write"),
        ok(
            right.unwrap_or_else(|e| panic!("task: {e}")),
            "racing write",
        ),
    ];
    for answer in answers {
        assert!(
            matches!(answer, Write::Done | Write::LastRoot),
            "round {round}: a racing write is Done or LastRoot, not {answer:?}"
        );
    }
    assert!(
        answers.iter().filter(|w| **w == Write::Done).count() <= 1,
        "round {round}: two concurrent writes left no live root: {answers:?}"
    );
    let mut live = 0;
    for (o, answer) in [(&a, answers[0]), (&b, answers[1])] {
        let now = ok(store.get(o.id).await, "get");
        if answer == Write::LastRoot {
            assert_eq!(
                now.as_ref(),
                Some(o),
                "round {round}: a refused write changes nothing"
            );
        }
        live += usize::from(now.is_some_and(|n| n.role == Role::Root && !n.suspended));
    }
    assert!(live >= 1, "round {round}: no live root is left");
}
