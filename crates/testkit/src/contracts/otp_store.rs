//! The contract of [`OtpStore`] (`latchkey_otp::ports`). Expiry is checked in real time with
//! short lifetimes (Redis expires keys on its own clock), so adapters under test run on the
//! wall clock.

use super::{begin, ok};
use latchkey_core::SecretHash;
use latchkey_otp::{Issue, OtpStore, Redeem};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration as StdDuration;
use time::Duration;
use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::sync::Barrier;

/// How many tasks race in the concurrency checks.
pub const RACERS: usize = 16;

const TTL: Duration = Duration::seconds(300);
const RESEND: Duration = Duration::seconds(30);

/// Runs every check, each on a fresh store from `make`. Needs a multi-thread runtime.
pub async fn run<F, Fut, S>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
    S: OtpStore + 'static,
{
    let port = "OtpStore";
    begin(port, "an_issued_code_is_accepted_once");
    an_issued_code_is_accepted_once(&make().await).await;
    begin(port, "wrong_tries_count_down_then_burn_the_code");
    wrong_tries_count_down_then_burn_the_code(&make().await).await;
    begin(port, "a_new_code_within_the_resend_interval_is_refused");
    a_new_code_within_the_resend_interval_is_refused(&make().await).await;
    begin(port, "withdraw_removes_the_code_and_its_resend_interval");
    withdraw_removes_the_code_and_its_resend_interval(&make().await).await;
    begin(port, "codes_and_throttles_expire");
    codes_and_throttles_expire(&make().await).await;
    begin(port, "keys_are_independent");
    keys_are_independent(&make().await).await;
    begin(port, "steps_are_accepted_only_forward");
    steps_are_accepted_only_forward(&make().await).await;
    begin(
        port,
        "concurrent_redeems_accept_once_and_count_every_wrong_try",
    );
    concurrent_redeems_accept_once_and_count_every_wrong_try(Arc::new(make().await)).await;
}

fn hash(code: &str) -> SecretHash {
    SecretHash::of(code.as_bytes())
}

async fn issue(
    store: &impl OtpStore,
    key: &str,
    code: &str,
    ttl: Duration,
    resend: Duration,
) -> Issue {
    ok(store.issue(key, &hash(code), ttl, resend).await, "issue")
}

async fn redeem(store: &impl OtpStore, key: &str, code: &str) -> Redeem {
    ok(store.redeem(key, &hash(code), 5).await, "redeem")
}

/// "`Accepted` (and the code is removed) when equal".
pub async fn an_issued_code_is_accepted_once(store: &impl OtpStore) {
    assert_eq!(
        issue(store, "otp:a", "280597", TTL, RESEND).await,
        Issue::Issued
    );
    assert_eq!(redeem(store, "otp:a", "280597").await, Redeem::Accepted);
    assert_eq!(
        redeem(store, "otp:a", "280597").await,
        Redeem::Missing,
        "a code is used once"
    );
    assert_eq!(redeem(store, "otp:never", "280597").await, Redeem::Missing);
}

/// "counts a wrong try and answers `Mismatch` with the tries left, or `Burnt` ... at the
/// `max_attempts`-th wrong try".
pub async fn wrong_tries_count_down_then_burn_the_code(store: &impl OtpStore) {
    issue(store, "otp:a", "280597", TTL, RESEND).await;
    for left in (1..=4).rev() {
        assert_eq!(
            redeem(store, "otp:a", "000000").await,
            Redeem::Mismatch { tries_left: left }
        );
    }
    assert_eq!(redeem(store, "otp:a", "000000").await, Redeem::Burnt);
    assert_eq!(
        redeem(store, "otp:a", "280597").await,
        Redeem::Missing,
        "a burnt code is gone, even the right one"
    );

    issue(store, "otp:b", "111111", TTL, Duration::milliseconds(1)).await;
    assert_eq!(
        redeem(store, "otp:b", "000000").await,
        Redeem::Mismatch { tries_left: 4 }
    );
    assert_eq!(redeem(store, "otp:b", "111111").await, Redeem::Accepted);
}

/// "unless a code was issued for `key` less than `resend_after` ago: then MUST answer
/// `TooSoon` with the time left and change nothing".
pub async fn a_new_code_within_the_resend_interval_is_refused(store: &impl OtpStore) {
    issue(store, "otp:a", "280597", TTL, RESEND).await;
    match issue(store, "otp:a", "999999", TTL, RESEND).await {
        Issue::TooSoon { retry_after } => assert!(
            retry_after > Duration::seconds(25) && retry_after <= RESEND,
            "{retry_after}"
        ),
        other => panic!("second issue within 30 s: expected TooSoon, got {other:?}"),
    }
    assert_eq!(
        redeem(store, "otp:a", "280597").await,
        Redeem::Accepted,
        "the refused issue changed nothing"
    );
}

/// "Removes the code of `key` and its resend interval: afterwards `redeem` is `Missing` and
/// `issue` is `Issued`."
pub async fn withdraw_removes_the_code_and_its_resend_interval(store: &impl OtpStore) {
    issue(store, "otp:a", "280597", TTL, RESEND).await;
    ok(store.withdraw("otp:a").await, "withdraw");
    assert_eq!(redeem(store, "otp:a", "280597").await, Redeem::Missing);
    assert_eq!(
        issue(store, "otp:a", "111111", TTL, RESEND).await,
        Issue::Issued
    );
    ok(
        store.withdraw("otp:none").await,
        "withdrawing nothing is fine",
    );
}

/// Codes live `ttl`, throttles `resend_after`: after them, the code is `Missing` and a new one
/// is `Issued`, replacing the old one.
pub async fn codes_and_throttles_expire(store: &impl OtpStore) {
    let short = Duration::milliseconds(300);
    issue(store, "otp:a", "280597", short, short).await;
    tokio::time::sleep(StdDuration::from_millis(450)).await;
    assert_eq!(redeem(store, "otp:a", "280597").await, Redeem::Missing);
    assert_eq!(
        issue(store, "otp:a", "111111", TTL, short).await,
        Issue::Issued
    );
    tokio::time::sleep(StdDuration::from_millis(450)).await;
    assert_eq!(
        issue(store, "otp:a", "222222", TTL, RESEND).await,
        Issue::Issued
    );
    assert_eq!(
        redeem(store, "otp:a", "111111").await,
        Redeem::Mismatch { tries_left: 4 },
        "a new code replaces the old one"
    );
    assert_eq!(redeem(store, "otp:a", "222222").await, Redeem::Accepted);
}

/// Keys do not share codes, tries or throttles.
pub async fn keys_are_independent(store: &impl OtpStore) {
    issue(store, "otp:a", "280597", TTL, RESEND).await;
    assert_eq!(
        issue(store, "otp:b", "280597", TTL, RESEND).await,
        Issue::Issued
    );
    redeem(store, "otp:a", "000000").await;
    assert_eq!(redeem(store, "otp:b", "280597").await, Redeem::Accepted);
    assert_eq!(
        redeem(store, "otp:a", "000000").await,
        Redeem::Mismatch { tries_left: 3 }
    );
}

/// "Accepts TOTP step `step` ... when it is later than every step accepted before".
pub async fn steps_are_accepted_only_forward(store: &impl OtpStore) {
    let ttl = Duration::seconds(120);
    let accept = |step| store.accept_step("totp:a", step, ttl);
    assert!(ok(accept(100).await, "accept"));
    assert!(!ok(accept(100).await, "accept"), "a replay");
    assert!(!ok(accept(99).await, "accept"), "an older step");
    assert!(ok(accept(101).await, "accept"));
    assert!(
        ok(store.accept_step("totp:b", 100, ttl).await, "accept"),
        "another key"
    );
}

/// "Of concurrent calls with the right code exactly one is `Accepted`, and no more than
/// `max_attempts` wrong tries are ever counted"; "of concurrent calls with one step, exactly one
/// gets `true`".
pub async fn concurrent_redeems_accept_once_and_count_every_wrong_try<S: OtpStore + 'static>(
    store: Arc<S>,
) {
    assert_eq!(
        Handle::current().runtime_flavor(),
        RuntimeFlavor::MultiThread,
        "the race checks need a multi-thread runtime"
    );
    let race = |key: &'static str, code: &'static str| {
        let barrier = Arc::new(Barrier::new(RACERS));
        (0..RACERS)
            .map(|_| {
                let (store, barrier) = (store.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    store.redeem(key, &hash(code), 5).await
                })
            })
            .collect::<Vec<_>>()
    };
    issue(&*store, "otp:right", "280597", TTL, RESEND).await;
    let mut accepted = 0;
    for task in race("otp:right", "280597") {
        if ok(task.await.unwrap(), "redeem") == Redeem::Accepted {
            accepted += 1;
        }
    }
    assert_eq!(accepted, 1, "{RACERS} concurrent redeems of the right code");

    issue(&*store, "otp:wrong", "280597", TTL, RESEND).await;
    let mut verdicts = Vec::new();
    for task in race("otp:wrong", "000000") {
        verdicts.push(ok(task.await.unwrap(), "redeem"));
    }
    let burnt = verdicts.iter().filter(|v| **v == Redeem::Burnt).count();
    let mismatches = verdicts
        .iter()
        .filter(|v| matches!(v, Redeem::Mismatch { .. }))
        .count();
    assert_eq!((mismatches, burnt), (4, 1), "{verdicts:?}");

    let barrier = Arc::new(Barrier::new(RACERS));
    let steps: Vec<_> = (0..RACERS)
        .map(|_| {
            let (store, barrier) = (store.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                store
                    .accept_step("totp:race", 42, Duration::seconds(90))
                    .await
            })
        })
        .collect();
    let mut firsts = 0;
    for task in steps {
        if ok(task.await.unwrap(), "accept_step") {
            firsts += 1;
        }
    }
    assert_eq!(firsts, 1, "{RACERS} concurrent acceptances of one step");
}
