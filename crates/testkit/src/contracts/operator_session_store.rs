//! The contract of [`OperatorSessionStore`](latchkey_operator::OperatorSessionStore)
//! (`latchkey_operator::ports`): operators' sign-in sessions and their rotating refresh tokens.
//! The sessions' operators live in the `OperatorStore` of the same [`OperatorStores`].

use super::operator_store::OperatorStores;
use super::{assert_conflict, assert_not_found, begin, ok};
use crate::fixtures::{T0, operator, operator_session, uuid};
use latchkey_core::{SecretHash, Timestamp};
use latchkey_operator::{Operator, OperatorSession, Role, Rotation};
use std::future::Future;
use time::Duration;
use tokio::runtime::{Handle, RuntimeFlavor};
use uuid::Uuid;

/// How many tasks race to rotate one refresh token.
pub const RACERS: u64 = 8;

/// Runs every check, each on fresh stores from `make`. Needs a multi-thread runtime: the
/// rotation race must run in parallel.
pub async fn run<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = OperatorStores>,
{
    let port = "OperatorSessionStore";
    begin(port, "sessions_round_trip");
    sessions_round_trip(&make().await).await;
    begin(port, "insert_needs_the_operator_and_a_free_id");
    insert_needs_the_operator_and_a_free_id(&make().await).await;
    begin(
        port,
        "rotate_replaces_the_refresh_token_and_stamps_the_access",
    );
    rotate_replaces_the_refresh_token_and_stamps_the_access(&make().await).await;
    begin(port, "rotate_refuses_unknown_rotated_and_expired_tokens");
    rotate_refuses_unknown_rotated_and_expired_tokens(&make().await).await;
    begin(port, "exactly_one_of_concurrent_rotations_wins");
    exactly_one_of_concurrent_rotations_wins(&make().await).await;
    begin(port, "delete_removes_one_session_and_answers_it");
    delete_removes_one_session_and_answers_it(&make().await).await;
    begin(port, "delete_all_removes_the_operators_sessions_only");
    delete_all_removes_the_operators_sessions_only(&make().await).await;
}

fn at(minutes: i64) -> Timestamp {
    T0 + Duration::minutes(minutes)
}

fn hash(n: u64) -> SecretHash {
    SecretHash::of(format!("refresh {n}").as_bytes())
}

/// Ana and Bob, stored.
async fn two_operators(stores: &OperatorStores) -> (Operator, Operator) {
    let (ana, bob) = (
        operator(uuid(1), "ana@example.com", Role::Admin),
        operator(uuid(2), "bob@example.com", Role::Root),
    );
    for o in [&ana, &bob] {
        ok(stores.operators.insert(o).await, "insert operator");
    }
    (ana, bob)
}

/// A session with a second factor, whose refresh token hashes to [`hash`]`(1)`, expiring at
/// minute 60.
fn session(n: u64, operator: Uuid) -> OperatorSession {
    OperatorSession {
        refresh: hash(n),
        amr: vec!["pwd".to_owned(), "mfa".to_owned(), "sms".to_owned()],
        access_expires: at(15),
        expires: at(60),
        ..operator_session(uuid(100 + n), operator)
    }
}

/// "The session with that id, expired or not; `Ok(None)` when there is none"; every field
/// survives.
pub async fn sessions_round_trip(stores: &OperatorStores) {
    let store = &*stores.sessions;
    let (ana, _) = two_operators(stores).await;
    let (live, expired) = (
        session(1, ana.id),
        OperatorSession {
            expires: T0 - Duration::minutes(1),
            ..operator_session(uuid(2), ana.id)
        },
    );
    for s in [&live, &expired] {
        ok(store.insert(s).await, "insert");
    }
    for s in [live, expired] {
        assert_eq!(ok(store.get(s.id).await, "get"), Some(s));
    }
    assert_eq!(ok(store.get(uuid(9)).await, "get unknown"), None);
}

/// "MUST fail with `NotFound` when its operator does not exist, and with `Conflict` when the id
/// is taken."
pub async fn insert_needs_the_operator_and_a_free_id(stores: &OperatorStores) {
    let store = &*stores.sessions;
    let (ana, bob) = two_operators(stores).await;
    let orphan = session(1, uuid(9));
    assert_not_found(
        store.insert(&orphan).await,
        "insert for an unknown operator",
    );
    assert_eq!(ok(store.get(orphan.id).await, "get"), None);
    let first = session(1, ana.id);
    ok(store.insert(&first).await, "insert");
    let taken = OperatorSession {
        refresh: hash(2),
        ..session(1, bob.id)
    };
    assert_conflict(store.insert(&taken).await, "insert of a taken id");
    assert_eq!(ok(store.get(first.id).await, "get"), Some(first));
}

/// "replaces it with `replacement`, sets the session's `access_jti`, `access_expires` and
/// `last_refresh` (= `now`), and answers the session as it is now"; the rest stays.
pub async fn rotate_replaces_the_refresh_token_and_stamps_the_access(stores: &OperatorStores) {
    let store = &*stores.sessions;
    let (ana, _) = two_operators(stores).await;
    let issued = session(1, ana.id);
    ok(store.insert(&issued).await, "insert");
    let jti = uuid(50);
    let answer = ok(
        store.rotate(&hash(1), &hash(2), jti, at(70), at(10)).await,
        "rotate",
    );
    let rotated = OperatorSession {
        refresh: hash(2),
        access_jti: jti,
        access_expires: at(70),
        last_refresh: at(10),
        ..issued.clone()
    };
    assert_eq!(answer, Rotation::Rotated(rotated.clone()));
    assert_eq!(ok(store.get(issued.id).await, "get"), Some(rotated));
    assert!(
        matches!(
            ok(
                store
                    .rotate(&hash(2), &hash(3), uuid(51), at(71), at(11))
                    .await,
                "rotate the replacement",
            ),
            Rotation::Rotated(_)
        ),
        "the replacement rotates in turn"
    );
}

/// "No session has that refresh token (never issued, already rotated, signed out) or it expired
/// at `now`: nothing changed."
pub async fn rotate_refuses_unknown_rotated_and_expired_tokens(stores: &OperatorStores) {
    let store = &*stores.sessions;
    let (ana, bob) = two_operators(stores).await;
    let (mine, doomed) = (session(1, ana.id), session(5, bob.id));
    for s in [&mine, &doomed] {
        ok(store.insert(s).await, "insert");
    }
    let rotate = |presented: u64, minutes: i64| async move {
        ok(
            store
                .rotate(
                    &hash(presented),
                    &hash(90 + presented),
                    uuid(60),
                    at(75),
                    at(minutes),
                )
                .await,
            "rotate",
        )
    };
    assert_eq!(rotate(9, 1).await, Rotation::Refused, "never issued");
    assert_eq!(
        rotate(1, 60).await,
        Rotation::Refused,
        "expired at `now` exactly"
    );
    assert_eq!(rotate(1, 61).await, Rotation::Refused, "expired");
    assert_eq!(
        ok(store.get(mine.id).await, "get"),
        Some(mine.clone()),
        "a refused rotation changes nothing"
    );
    assert!(
        matches!(rotate(1, 59).await, Rotation::Rotated(_)),
        "live until `expires`"
    );
    assert_eq!(rotate(1, 59).await, Rotation::Refused, "already rotated");
    ok(store.delete(doomed.id).await, "sign out");
    assert_eq!(rotate(5, 1).await, Rotation::Refused, "signed out");
}

/// "Atomic: of concurrent calls presenting one token, exactly one is `Rotated`"; the session
/// then holds the winner's replacement.
pub async fn exactly_one_of_concurrent_rotations_wins(stores: &OperatorStores) {
    assert_eq!(
        Handle::current().runtime_flavor(),
        RuntimeFlavor::MultiThread,
        "the rotation race needs a multi-thread runtime: #[tokio::test(flavor = \"multi_thread\")]"
    );
    let (ana, _) = two_operators(stores).await;
    let issued = session(1, ana.id);
    ok(stores.sessions.insert(&issued).await, "insert");
    let tasks: Vec<_> = (0..RACERS)
        .map(|i| {
            let store = stores.sessions.clone();
            tokio::spawn(async move {
                let jti = uuid(200 + i);
                let answer = store
                    .rotate(&hash(1), &hash(10 + i), jti, at(75), at(5))
                    .await;
                (i, answer)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        let (i, answer) = task.await.unwrap_or_else(|e| panic!("task: {e}"));
        match ok(answer, "racing rotate") {
            Rotation::Rotated(s) => winners.push((i, s)),
            Rotation::Refused => {}
        }
    }
    assert_eq!(winners.len(), 1, "exactly one concurrent rotation wins");
    let (i, won) = winners.remove(0);
    assert_eq!(
        (won.refresh.clone(), won.access_jti),
        (hash(10 + i), uuid(200 + i))
    );
    assert_eq!(ok(stores.sessions.get(issued.id).await, "get"), Some(won));
}

/// "Removes the session with that id and answers it; `Ok(None)` when there was none."
pub async fn delete_removes_one_session_and_answers_it(stores: &OperatorStores) {
    let store = &*stores.sessions;
    let (ana, _) = two_operators(stores).await;
    let (one, two) = (session(1, ana.id), session(2, ana.id));
    for s in [&one, &two] {
        ok(store.insert(s).await, "insert");
    }
    assert_eq!(ok(store.delete(one.id).await, "delete"), Some(one.clone()));
    assert_eq!(ok(store.delete(one.id).await, "delete again"), None);
    assert_eq!(ok(store.get(one.id).await, "get"), None);
    assert_eq!(
        ok(store.get(two.id).await, "get"),
        Some(two),
        "the operator's other sessions stay"
    );
}

/// "Removes every session of `operator` and answers them"; another operator's stay.
pub async fn delete_all_removes_the_operators_sessions_only(stores: &OperatorStores) {
    let store = &*stores.sessions;
    let (ana, bob) = two_operators(stores).await;
    let (one, two, bobs) = (session(1, ana.id), session(2, ana.id), session(3, bob.id));
    for s in [&one, &two, &bobs] {
        ok(store.insert(s).await, "insert");
    }
    let mut removed = ok(store.delete_all(ana.id).await, "delete_all");
    removed.sort_by_key(|s| s.id);
    let mut expected = vec![one.clone(), two.clone()];
    expected.sort_by_key(|s| s.id);
    assert_eq!(
        removed, expected,
        "every session of the operator, as it was"
    );
    for s in [&one, &two] {
        assert_eq!(ok(store.get(s.id).await, "get"), None);
    }
    assert_eq!(ok(store.get(bobs.id).await, "get"), Some(bobs));
    assert!(
        ok(store.delete_all(ana.id).await, "delete_all again").is_empty(),
        "nothing left to remove"
    );
}
