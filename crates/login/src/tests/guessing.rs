//! Slowed guessing as a rule (`Policy`, `verdict`: pure functions of a count and the time) and
//! as a state machine over the memory store (`SlowGuessing::attempt`), docs/login.md §10.

use super::steps::seconds;
use crate::guessing::{
    PER_ACCOUNT, PER_ADDRESS, PER_SECOND_FACTOR, Refused, SlowGuessing, Watched, address_key,
    device_key, second_factor_key, username_key, verdict,
};
use latchkey_core::OrgId;
use latchkey_core::testing::FixedClock;
use latchkey_memory::MemEphemeralStore;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use time::Duration;
use uuid::Uuid;

const NAME: Watched<'static> = Watched {
    key: "pwd:yoigo:ana@example.com",
    policy: PER_ACCOUNT,
};
const OTHER_NAME: Watched<'static> = Watched {
    key: "pwd:yoigo:bea@example.com",
    policy: PER_ACCOUNT,
};
const ADDRESS: Watched<'static> = Watched {
    key: "addr:198.51.100.7",
    policy: PER_ADDRESS,
};

type Outcome = Result<(), Refused<&'static str>>;

fn guard() -> (SlowGuessing, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::default());
    let store = Arc::new(MemEphemeralStore::new(clock.clone()));
    (SlowGuessing::new(store, clock.clone()), clock)
}

async fn wrong(guard: &SlowGuessing, watched: &[Watched<'_>]) -> Outcome {
    guard
        .attempt(watched, async { Err("wrong") }, |_| true)
        .await
}

async fn right(guard: &SlowGuessing, watched: &[Watched<'_>]) -> Outcome {
    guard
        .attempt(watched, async { Ok::<(), &str>(()) }, |_| true)
        .await
}

fn assert_wrong(outcome: &Outcome) {
    assert!(
        matches!(outcome, Err(Refused::Wrong("wrong"))),
        "{outcome:?}"
    );
}

/// The seconds of a `Throttled` outcome.
fn waited(outcome: &Outcome) -> i64 {
    match outcome {
        Err(Refused::Throttled { retry_after }) => retry_after.whole_seconds(),
        other => panic!("expected Throttled, got {other:?}"),
    }
}

#[test]
fn failures_before_the_free_ones_run_out_cost_no_wait() {
    for count in 0..3 {
        assert_eq!(PER_ACCOUNT.delay_after(count), None, "failure {count}");
    }
    assert_eq!(PER_ACCOUNT.delay_after(3), Some(seconds(1)));
}

#[test]
fn each_failure_past_the_free_ones_doubles_the_wait() {
    let waits: Vec<i64> = (3..=12)
        .map(|count| {
            PER_SECOND_FACTOR
                .delay_after(count)
                .unwrap()
                .whole_seconds()
        })
        .collect();
    assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
}

/// Anyone may fail with someone else's username: its waits stop at 30 s (NIST SP 800-63B
/// §5.2.2), the long ones are an address's and a second factor's.
#[test]
fn a_usernames_wait_never_exceeds_thirty_seconds() {
    let waits: Vec<i64> = (3..=10)
        .map(|count| PER_ACCOUNT.delay_after(count).unwrap().whole_seconds())
        .collect();
    assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30, 30]);
    assert_eq!(PER_ACCOUNT.delay_after(u64::MAX), Some(seconds(30)));
    assert_eq!(PER_ACCOUNT.free, 3);
}

#[test]
fn the_wait_never_exceeds_fifteen_minutes() {
    let cap = Some(Duration::minutes(15));
    for policy in [PER_SECOND_FACTOR, PER_ADDRESS] {
        assert_eq!(policy.delay_after(40), cap);
        assert_eq!(policy.delay_after(1_000), cap);
        assert_eq!(policy.delay_after(u64::MAX), cap);
    }
    assert_eq!(PER_SECOND_FACTOR.delay_after(13), cap);
}

#[test]
fn a_client_address_has_twenty_free_failures_then_the_same_waits() {
    for count in 0..20 {
        assert_eq!(PER_ADDRESS.delay_after(count), None, "failure {count}");
    }
    assert_eq!(PER_ADDRESS.delay_after(20), Some(seconds(1)));
    assert_eq!(PER_ADDRESS.delay_after(21), Some(seconds(2)));
    assert_eq!(PER_ADDRESS.delay_after(22), Some(seconds(4)));
    assert_eq!(PER_ADDRESS.delay_after(30), Some(Duration::minutes(15)));
}

#[test]
fn counts_of_every_kind_are_remembered_for_an_hour() {
    assert_eq!(PER_ACCOUNT.memory, Duration::hours(1));
    assert_eq!(PER_ADDRESS.memory, Duration::hours(1));
    assert_eq!(PER_SECOND_FACTOR.memory, Duration::hours(1));
}

#[test]
fn verdict_refuses_with_the_longest_wait_left() {
    assert_eq!(verdict([1_010, 1_300, 1_002], 1_000), Err(seconds(300)));
    assert_eq!(verdict([900, 1_001], 1_000), Err(seconds(1)));
}

#[test]
fn verdict_lets_an_attempt_through_once_every_wait_has_ended() {
    assert_eq!(verdict(std::iter::empty(), 1_000), Ok(()));
    assert_eq!(verdict([990, 999], 1_000), Ok(()));
    // A wait that ends now has ended.
    assert_eq!(verdict([1_000], 1_000), Ok(()));
}

#[test]
fn usernames_are_keyed_without_case_or_surrounding_spaces_per_org() {
    let yoigo = OrgId::parse("yoigo").unwrap();
    let masmovil = OrgId::parse("masmovil").unwrap();
    let key = username_key(&yoigo, "ana@example.com");
    assert_eq!(key, "pwd:yoigo:ana@example.com");
    assert_eq!(username_key(&yoigo, "  ANA@Example.COM "), key);
    assert_ne!(username_key(&masmovil, "ana@example.com"), key);
    assert_eq!(address_key("198.51.100.7"), ADDRESS.key);
    let credential = Uuid::nil();
    assert_eq!(
        second_factor_key(&yoigo, credential),
        format!("2fa:yoigo:{credential}")
    );
}

/// RFC 8265: a full-width username is the same username, so the same count.
#[test]
fn usernames_are_keyed_as_normalised_usernames() {
    let yoigo = OrgId::parse("yoigo").unwrap();
    let key = username_key(&yoigo, "user@example.com");
    assert_eq!(username_key(&yoigo, "\u{ff55}ser@example.com"), key);
    assert_eq!(
        device_key(&yoigo, "\u{ff55}SER@example.com", "h"),
        device_key(&yoigo, "user@example.com", "h")
    );
}

/// The waits of counted-only keys do not refuse: a known browser's attempt is gated by its
/// own key, and its failure still counts against the username.
#[tokio::test]
async fn only_the_gating_keys_waits_refuse_and_every_key_counts() {
    let (guard, _) = guard();
    for _ in 0..3 {
        assert_wrong(&wrong(&guard, &[NAME]).await);
    }
    assert_eq!(waited(&right(&guard, &[NAME]).await), 1);
    let own = Watched {
        key: "dev:yoigo:ana@example.com:h",
        policy: PER_ACCOUNT,
    };
    let outcome = guard
        .attempt_counting(&[own], &[NAME], async { Err("wrong") }, |_| true)
        .await;
    assert_wrong(&outcome);
    // Counted against the username: its fourth failure, a 2 s wait.
    assert_eq!(waited(&right(&guard, &[NAME]).await), 2);
    // A success through the browser's key forgets the username's count too.
    let outcome = guard
        .attempt_counting(&[own], &[NAME], async { Ok::<(), &str>(()) }, |_| true)
        .await;
    assert!(outcome.is_ok(), "{outcome:?}");
    assert!(right(&guard, &[NAME]).await.is_ok());
}

#[tokio::test]
async fn the_third_failure_starts_a_one_second_wait() {
    let (guard, _) = guard();
    for _ in 0..3 {
        assert_wrong(&wrong(&guard, &[NAME]).await);
    }
    assert_eq!(waited(&right(&guard, &[NAME]).await), 1);
}

#[tokio::test]
async fn an_attempt_during_a_wait_is_refused_unchecked_and_uncounted() {
    let (guard, clock) = guard();
    for _ in 0..3 {
        assert_wrong(&wrong(&guard, &[NAME]).await);
    }
    let checked = AtomicBool::new(false);
    let attempt = async {
        checked.store(true, Ordering::SeqCst);
        Ok::<(), &str>(())
    };
    let outcome = guard.attempt(&[NAME], attempt, |_| true).await;
    assert_eq!(waited(&outcome), 1);
    assert!(!checked.load(Ordering::SeqCst), "the attempt was checked");
    // Refused attempts do not count: the next failure is the fourth, a 2 s wait.
    assert_eq!(waited(&wrong(&guard, &[NAME]).await), 1);
    clock.advance(seconds(1));
    assert_wrong(&wrong(&guard, &[NAME]).await);
    assert_eq!(waited(&right(&guard, &[NAME]).await), 2);
}

/// A second factor's key, as the login's second-factor step watches it.
const FACTOR: Watched<'static> = Watched {
    key: "2fa:yoigo:00000000-0000-0000-0000-000000000000",
    policy: PER_SECOND_FACTOR,
};

#[tokio::test]
async fn waits_double_up_to_fifteen_minutes_and_never_lock_for_good() {
    const NAME: Watched<'static> = FACTOR;
    let (guard, clock) = guard();
    let mut waits = Vec::new();
    for failure in 1..=14 {
        assert_wrong(&wrong(&guard, &[NAME]).await);
        if failure >= 3 {
            let wait = waited(&right(&guard, &[NAME]).await);
            waits.push(wait);
            clock.advance(seconds(wait - 1));
            assert_eq!(
                waited(&right(&guard, &[NAME]).await),
                1,
                "failure {failure}"
            );
            clock.advance(seconds(1));
        }
    }
    assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]);
    assert!(right(&guard, &[NAME]).await.is_ok());
}

#[tokio::test]
async fn a_failure_that_is_not_a_guess_is_not_counted() {
    let (guard, _) = guard();
    for _ in 0..5 {
        let outcome = guard
            .attempt(&[NAME], async { Err::<(), _>("down") }, |_| false)
            .await;
        assert!(
            matches!(outcome, Err(Refused::Failed("down"))),
            "{outcome:?}"
        );
    }
    assert!(right(&guard, &[NAME]).await.is_ok());
}

#[tokio::test]
async fn a_success_forgets_the_accounts_failures() {
    let (guard, clock) = guard();
    for _ in 0..3 {
        assert_wrong(&wrong(&guard, &[NAME]).await);
    }
    clock.advance(seconds(1));
    assert!(right(&guard, &[NAME]).await.is_ok());
    // Counting starts again: two free failures, then a check.
    assert_wrong(&wrong(&guard, &[NAME]).await);
    assert_wrong(&wrong(&guard, &[NAME]).await);
    assert!(right(&guard, &[NAME]).await.is_ok());
}

#[tokio::test]
async fn a_success_does_not_forget_the_addresss_failures() {
    let (guard, _) = guard();
    let names: Vec<String> = (0..20).map(|n| format!("pwd:yoigo:u{n}")).collect();
    for name in &names[..19] {
        let watched = [
            Watched {
                key: name,
                policy: PER_ACCOUNT,
            },
            ADDRESS,
        ];
        assert_wrong(&wrong(&guard, &watched).await);
    }
    assert!(right(&guard, &[NAME, ADDRESS]).await.is_ok());
    let watched = [
        Watched {
            key: &names[19],
            policy: PER_ACCOUNT,
        },
        ADDRESS,
    ];
    assert_wrong(&wrong(&guard, &watched).await);
    assert_eq!(waited(&right(&guard, &[NAME, ADDRESS]).await), 1);
    // Another account from another address is not slowed.
    assert!(right(&guard, &[OTHER_NAME]).await.is_ok());
}

#[tokio::test]
async fn the_longest_wait_of_the_watched_keys_applies() {
    let (guard, clock) = guard();
    for _ in 0..3 {
        assert_wrong(&wrong(&guard, &[NAME]).await);
    }
    clock.advance(seconds(1));
    assert_wrong(&wrong(&guard, &[NAME]).await);
    clock.advance(seconds(2));
    assert_wrong(&wrong(&guard, &[NAME]).await);
    for _ in 0..3 {
        assert_wrong(&wrong(&guard, &[OTHER_NAME]).await);
    }
    assert_eq!(waited(&right(&guard, &[OTHER_NAME, NAME]).await), 4);
    assert_eq!(waited(&right(&guard, &[NAME, OTHER_NAME]).await), 4);
}

#[tokio::test]
async fn a_count_lasts_an_hour_from_its_last_failure() {
    let (guard, clock) = guard();
    assert_wrong(&wrong(&guard, &[NAME]).await);
    clock.advance(Duration::minutes(30));
    assert_wrong(&wrong(&guard, &[NAME]).await);
    clock.advance(Duration::hours(1) - seconds(1));
    assert_wrong(&wrong(&guard, &[NAME]).await);
    assert_eq!(waited(&right(&guard, &[NAME]).await), 1);
}

#[tokio::test]
async fn a_count_is_forgotten_an_hour_after_its_last_failure() {
    let (guard, clock) = guard();
    assert_wrong(&wrong(&guard, &[NAME]).await);
    assert_wrong(&wrong(&guard, &[NAME]).await);
    clock.advance(Duration::hours(1));
    assert_wrong(&wrong(&guard, &[NAME]).await);
    assert_wrong(&wrong(&guard, &[NAME]).await);
    // Two failures on record, not four: no wait.
    assert_wrong(&wrong(&guard, &[NAME]).await);
    assert_eq!(waited(&right(&guard, &[NAME]).await), 1);
}
