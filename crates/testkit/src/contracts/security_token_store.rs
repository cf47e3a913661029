//! The contract of [`SecurityTokenStore`] (`latchkey_credential::ports`).

use super::{assert_conflict, begin, ok};
use crate::fixtures::{org, security_token, uuid};
use latchkey_core::{OrgId, SecretHash};
use latchkey_credential::{SecurityToken, SecurityTokenStore, TokenPurpose};
use std::future::Future;
use std::sync::Arc;
use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::sync::Barrier;
use uuid::Uuid;

/// How many tasks race to `take` one token.
pub const RACERS: usize = 16;

/// How many times the `take` race is run.
pub const ROUNDS: u64 = 8;

/// Runs every check, each on a fresh store from `make`. Needs a multi-thread runtime (see
/// [`take_gives_the_token_to_exactly_one_of_concurrent_callers`]).
pub async fn run<F, Fut, S>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
    S: SecurityTokenStore + 'static,
{
    let port = "SecurityTokenStore";
    begin(port, "insert_then_get_returns_the_token");
    insert_then_get_returns_the_token(&make().await).await;
    begin(port, "insert_rejects_a_taken_id_in_the_same_org");
    insert_rejects_a_taken_id_in_the_same_org(&make().await).await;
    begin(port, "insert_accepts_a_taken_id_in_another_org");
    insert_accepts_a_taken_id_in_another_org(&make().await).await;
    begin(port, "get_returns_none_for_an_unknown_id");
    get_returns_none_for_an_unknown_id(&make().await).await;
    begin(port, "get_and_take_see_only_the_tokens_of_their_org");
    get_and_take_see_only_the_tokens_of_their_org(&make().await).await;
    begin(port, "take_returns_the_token_and_removes_it");
    take_returns_the_token_and_removes_it(&make().await).await;
    begin(port, "take_returns_none_for_an_unknown_id");
    take_returns_none_for_an_unknown_id(&make().await).await;
    begin(
        port,
        "take_gives_the_token_to_exactly_one_of_concurrent_callers",
    );
    take_gives_the_token_to_exactly_one_of_concurrent_callers(Arc::new(make().await)).await;
    begin(
        port,
        "delete_for_subject_removes_only_matching_tokens_and_counts_them",
    );
    delete_for_subject_removes_only_matching_tokens_and_counts_them(&make().await).await;
    begin(port, "delete_for_subject_returns_zero_when_nothing_matches");
    delete_for_subject_returns_zero_when_nothing_matches(&make().await).await;
}

/// Every field survives the round trip.
pub async fn insert_then_get_returns_the_token(store: &dyn SecurityTokenStore) {
    let masmovil = org("masmovil");
    for (n, proves_email) in [(1, false), (2, true)] {
        let token = SecurityToken {
            proves_email,
            ..security_token(uuid(n), "alice@example.com", TokenPurpose::SetPassword)
        };
        ok(
            store.insert(&masmovil, token.clone()).await,
            "insert of a new token",
        );
        let found = ok(store.get(&masmovil, token.id).await, "get after insert");
        assert_eq!(
            found,
            Some(token),
            "get must return the token inserted, field for field"
        );
    }
}

/// "MUST fail with `StoreError::Conflict` when `org` already holds a token with that id",
/// leaving the stored token as it was.
pub async fn insert_rejects_a_taken_id_in_the_same_org(store: &dyn SecurityTokenStore) {
    let masmovil = org("masmovil");
    let original = security_token(uuid(1), "alice@example.com", TokenPurpose::SetPassword);
    ok(
        store.insert(&masmovil, original.clone()).await,
        "first insert",
    );
    let mut other = security_token(uuid(1), "bob@example.com", TokenPurpose::MagicLink);
    other.secret_hash = SecretHash::of(b"another secret");
    assert_conflict(store.insert(&masmovil, other).await, "insert of a taken id");
    let found = ok(
        store.get(&masmovil, original.id).await,
        "get after the refused insert",
    );
    assert_eq!(
        found,
        Some(original),
        "a refused insert must not change the stored token"
    );
}

/// Tokens live per tenant: the conflict is only "when `org` already holds" the id.
pub async fn insert_accepts_a_taken_id_in_another_org(store: &dyn SecurityTokenStore) {
    let (masmovil, yoigo) = (org("masmovil"), org("yoigo"));
    let in_masmovil = security_token(uuid(1), "alice@example.com", TokenPurpose::SetPassword);
    let in_yoigo = security_token(uuid(1), "bob@example.com", TokenPurpose::MagicLink);
    ok(
        store.insert(&masmovil, in_masmovil.clone()).await,
        "insert into masmovil",
    );
    ok(
        store.insert(&yoigo, in_yoigo.clone()).await,
        "insert of the same id into yoigo",
    );
    let found = ok(
        store.get(&masmovil, in_masmovil.id).await,
        "get from masmovil",
    );
    assert_eq!(found, Some(in_masmovil), "each org must keep its own token");
    let found = ok(store.get(&yoigo, in_yoigo.id).await, "get from yoigo");
    assert_eq!(found, Some(in_yoigo), "each org must keep its own token");
}

/// "Returns `Ok(None)` when `org` holds no token with that id."
pub async fn get_returns_none_for_an_unknown_id(store: &dyn SecurityTokenStore) {
    let masmovil = org("masmovil");
    let token = security_token(uuid(1), "alice@example.com", TokenPurpose::SetPassword);
    ok(store.insert(&masmovil, token).await, "insert");
    let found = ok(store.get(&masmovil, uuid(2)).await, "get of an unknown id");
    assert_eq!(found, None, "get of an unknown id must be Ok(None)");
}

/// A token of one org is invisible from another: neither `get` nor `take` reach it, and a `take`
/// from the wrong org leaves it in place.
pub async fn get_and_take_see_only_the_tokens_of_their_org(store: &dyn SecurityTokenStore) {
    let (masmovil, yoigo) = (org("masmovil"), org("yoigo"));
    let token = security_token(uuid(1), "alice@example.com", TokenPurpose::SetPassword);
    ok(store.insert(&masmovil, token.clone()).await, "insert");
    let found = ok(store.get(&yoigo, token.id).await, "get from another org");
    assert_eq!(found, None, "get must not find a token of another org");
    let taken = ok(store.take(&yoigo, token.id).await, "take from another org");
    assert_eq!(taken, None, "take must not find a token of another org");
    let found = ok(store.get(&masmovil, token.id).await, "get from its org");
    assert_eq!(
        found,
        Some(token),
        "a take from another org must leave the token in place"
    );
}

/// `take` "removes the token and returns it": a second `take` and a `get` find nothing.
pub async fn take_returns_the_token_and_removes_it(store: &dyn SecurityTokenStore) {
    let masmovil = org("masmovil");
    let token = security_token(uuid(1), "alice@example.com", TokenPurpose::ChangePassword);
    let other = security_token(uuid(2), "alice@example.com", TokenPurpose::ChangePassword);
    ok(store.insert(&masmovil, token.clone()).await, "insert");
    ok(store.insert(&masmovil, other.clone()).await, "insert");
    let taken = ok(store.take(&masmovil, token.id).await, "first take");
    assert_eq!(
        taken,
        Some(token.clone()),
        "take must return the stored token"
    );
    let found = ok(store.get(&masmovil, token.id).await, "get after take");
    assert_eq!(found, None, "take must remove the token");
    let again = ok(store.take(&masmovil, token.id).await, "second take");
    assert_eq!(again, None, "a token can be taken once only");
    let found = ok(store.get(&masmovil, other.id).await, "get of another token");
    assert_eq!(found, Some(other), "take must remove that token only");
}

/// "Returns `Ok(None)` when there is no such token."
pub async fn take_returns_none_for_an_unknown_id(store: &dyn SecurityTokenStore) {
    let taken = ok(
        store.take(&org("masmovil"), uuid(1)).await,
        "take of an unknown id",
    );
    assert_eq!(taken, None, "take of an unknown id must be Ok(None)");
}

/// "Atomically: of concurrent callers, exactly one gets `Some`." In each of [`ROUNDS`] rounds,
/// [`RACERS`] tasks wait at a barrier, then all `take` the same token in parallel. A race that
/// an unlucky schedule hides in one round shows in another.
///
/// Panics when not on a multi-thread runtime: on a current-thread runtime the tasks would run one
/// after the other and the check would pass for a non-atomic adapter too.
pub async fn take_gives_the_token_to_exactly_one_of_concurrent_callers(
    store: Arc<dyn SecurityTokenStore>,
) {
    assert!(
        matches!(
            Handle::current().runtime_flavor(),
            RuntimeFlavor::MultiThread
        ),
        "the take race needs a multi-thread runtime: #[tokio::test(flavor = \"multi_thread\")]"
    );
    let masmovil = org("masmovil");
    for round in 0..ROUNDS {
        let token = security_token(uuid(round), "alice@example.com", TokenPurpose::SetPassword);
        ok(store.insert(&masmovil, token.clone()).await, "insert");
        let winners = race_to_take(&store, &masmovil, token.id).await;
        assert_eq!(
            winners.len(),
            1,
            "round {round}: exactly one of {RACERS} concurrent takes must get Some"
        );
        assert_eq!(
            winners.first(),
            Some(&token),
            "the winner must get the stored token"
        );
        let found = ok(store.get(&masmovil, token.id).await, "get after the race");
        assert_eq!(found, None, "the token must be gone after the race");
    }
}

/// Starts [`RACERS`] tasks that `take` the token at once; returns what the winners got.
async fn race_to_take(
    store: &Arc<dyn SecurityTokenStore>,
    org: &OrgId,
    id: Uuid,
) -> Vec<SecurityToken> {
    let barrier = Arc::new(Barrier::new(RACERS));
    let racers: Vec<_> = (0..RACERS)
        .map(|_| {
            let (store, barrier, org) = (Arc::clone(store), Arc::clone(&barrier), org.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                store.take(&org, id).await
            })
        })
        .collect();
    let mut winners = Vec::new();
    for racer in racers {
        let taken = ok(
            racer.await.expect("a racing task panicked"),
            "concurrent take",
        );
        winners.extend(taken);
    }
    winners
}

/// "Removes every token of `org` issued for `subject` with one of `purposes`; returns how many."
/// Tokens of another subject, another purpose or another org stay.
pub async fn delete_for_subject_removes_only_matching_tokens_and_counts_them(
    store: &dyn SecurityTokenStore,
) {
    let (masmovil, yoigo) = (org("masmovil"), org("yoigo"));
    let alice = "alice@example.com";
    let doomed = [
        security_token(uuid(1), alice, TokenPurpose::SetPassword),
        security_token(uuid(2), alice, TokenPurpose::ChangePassword),
        security_token(uuid(3), alice, TokenPurpose::ChangePassword),
    ];
    let kept_here = [
        security_token(uuid(4), alice, TokenPurpose::MagicLink),
        security_token(uuid(5), "bob@example.com", TokenPurpose::SetPassword),
        security_token(uuid(6), "Alice@example.com", TokenPurpose::SetPassword),
    ];
    let kept_elsewhere = security_token(uuid(7), alice, TokenPurpose::SetPassword);
    for token in doomed.iter().chain(&kept_here) {
        ok(store.insert(&masmovil, token.clone()).await, "insert");
    }
    ok(store.insert(&yoigo, kept_elsewhere.clone()).await, "insert");

    let removed = store
        .delete_for_subject(&masmovil, alice, &TokenPurpose::PASSWORD)
        .await;
    assert_eq!(
        ok(removed, "delete_for_subject"),
        3,
        "delete_for_subject must count removals"
    );
    for token in &doomed {
        let found = ok(
            store.get(&masmovil, token.id).await,
            "get of a deleted token",
        );
        assert_eq!(
            found, None,
            "a token of that subject and purpose must be gone: {token:?}"
        );
    }
    for token in &kept_here {
        let found = ok(store.get(&masmovil, token.id).await, "get of a kept token");
        assert_eq!(
            found.as_ref(),
            Some(token),
            "other subjects and purposes must stay"
        );
    }
    let found = ok(
        store.get(&yoigo, kept_elsewhere.id).await,
        "get in another org",
    );
    assert_eq!(
        found,
        Some(kept_elsewhere),
        "tokens of another org must stay"
    );
}

/// Nothing matching, or no purpose at all: nothing is removed and the count is zero.
pub async fn delete_for_subject_returns_zero_when_nothing_matches(store: &dyn SecurityTokenStore) {
    let masmovil = org("masmovil");
    let token = security_token(uuid(1), "alice@example.com", TokenPurpose::SetPassword);
    ok(store.insert(&masmovil, token.clone()).await, "insert");
    let cases: [(&str, &[TokenPurpose]); 3] = [
        ("bob@example.com", &TokenPurpose::PASSWORD),
        ("alice@example.com", &[TokenPurpose::MagicLink]),
        ("alice@example.com", &[]),
    ];
    for (subject, purposes) in cases {
        let removed = ok(
            store.delete_for_subject(&masmovil, subject, purposes).await,
            "delete_for_subject without a match",
        );
        assert_eq!(
            removed, 0,
            "nothing matches {subject} {purposes:?}, so nothing is removed"
        );
    }
    let found = ok(
        store.get(&masmovil, token.id).await,
        "get after the non-matching deletes",
    );
    assert_eq!(
        found,
        Some(token),
        "a non-matching delete_for_subject must keep the token"
    );
}
