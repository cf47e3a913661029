//! The contract of [`RateLimiter`] (`latchkey_core::rate`).

use super::{begin, ok};
use crate::fixtures::T0;
use latchkey_core::{Rate, RateLimiter, Timestamp, Verdict, gcra};
use std::future::Future;
use std::sync::Arc;
use time::Duration;
use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::sync::Barrier;

/// How many tasks hit one key at once in the race check.
pub const RACERS: usize = 24;

/// Runs every check, each on a fresh limiter from `make`. Needs a multi-thread runtime: the
/// concurrency check means nothing without parallel tasks.
pub async fn run<F, Fut, L>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = L>,
    L: RateLimiter + 'static,
{
    let port = "RateLimiter";
    begin(port, "follows_gcra_event_by_event");
    follows_gcra_event_by_event(&make().await).await;
    begin(port, "keys_are_independent");
    keys_are_independent(&make().await).await;
    begin(port, "a_refused_event_is_not_counted");
    a_refused_event_is_not_counted(&make().await).await;
    begin(port, "peek_answers_as_hit_would_and_counts_nothing");
    peek_answers_as_hit_would_and_counts_nothing(&make().await).await;
    begin(port, "concurrent_hits_allow_no_more_than_the_limit");
    concurrent_hits_allow_no_more_than_the_limit(Arc::new(make().await)).await;
}

fn rate(raw: &str) -> Rate {
    raw.parse().unwrap()
}

async fn hit(limiter: &impl RateLimiter, key: &str, rate: Rate, at: Timestamp) -> Verdict {
    ok(limiter.hit(key, rate, at).await, "hit")
}

/// "Decides about one event ... following `gcra` exactly": the adapter's verdicts, Retry-After
/// included, equal the pure rule's over a sequence with bursts, waits and refusals.
pub async fn follows_gcra_event_by_event(limiter: &impl RateLimiter) {
    let rate = rate("3/1m");
    let mut tat = None;
    for (i, second) in [0, 0, 0, 0, 5, 20, 21, 40, 41, 200, 200, 200, 200]
        .into_iter()
        .enumerate()
    {
        let now = T0 + Duration::seconds(second);
        let (expected, next) = gcra(tat, rate, now);
        tat = next;
        let got = hit(limiter, "credential:ana", rate, now).await;
        assert_eq!(got, expected, "event {i} at +{second}s");
    }
}

/// "Keys are independent of each other."
pub async fn keys_are_independent(limiter: &impl RateLimiter) {
    let rate = rate("1/1h");
    assert_eq!(hit(limiter, "a", rate, T0).await, Verdict::Allowed);
    assert!(matches!(
        hit(limiter, "a", rate, T0).await,
        Verdict::Limited { .. }
    ));
    assert_eq!(
        hit(limiter, "b", rate, T0).await,
        Verdict::Allowed,
        "another key has its own allowance"
    );
    assert_eq!(
        hit(limiter, "a:b", rate, T0).await,
        Verdict::Allowed,
        "keys are compared whole"
    );
}

/// "A refused event does not move the TAT": hammering a limited key does not push its next
/// allowed event further away.
pub async fn a_refused_event_is_not_counted(limiter: &impl RateLimiter) {
    let rate = rate("2/10s");
    assert_eq!(hit(limiter, "k", rate, T0).await, Verdict::Allowed);
    assert_eq!(hit(limiter, "k", rate, T0).await, Verdict::Allowed);
    for second in 0..5 {
        let verdict = hit(limiter, "k", rate, T0 + Duration::seconds(second)).await;
        assert_eq!(
            verdict,
            Verdict::Limited {
                retry_after: Duration::seconds(5 - second)
            },
            "at +{second}s"
        );
    }
    assert_eq!(
        hit(limiter, "k", rate, T0 + Duration::seconds(5)).await,
        Verdict::Allowed,
        "allowed when Retry-After said, despite the refused hits"
    );
}

/// "The verdict `hit` would give ... MUST change no state": peeks follow the rule's verdicts,
/// Retry-After included, and never use up the allowance.
pub async fn peek_answers_as_hit_would_and_counts_nothing(limiter: &impl RateLimiter) {
    let rate = rate("2/10s");
    let peek = |at| async move { ok(limiter.peek("p", rate, at).await, "peek") };
    for _ in 0..5 {
        assert_eq!(peek(T0).await, Verdict::Allowed, "a fresh key");
    }
    assert_eq!(hit(limiter, "p", rate, T0).await, Verdict::Allowed);
    assert_eq!(peek(T0).await, Verdict::Allowed, "one left");
    assert_eq!(hit(limiter, "p", rate, T0).await, Verdict::Allowed);
    for second in [0, 1, 4] {
        assert_eq!(
            peek(T0 + Duration::seconds(second)).await,
            Verdict::Limited {
                retry_after: Duration::seconds(5 - second)
            },
            "at +{second}s"
        );
    }
    assert_eq!(peek(T0 + Duration::seconds(5)).await, Verdict::Allowed);
    assert_eq!(
        hit(limiter, "p", rate, T0 + Duration::seconds(5)).await,
        Verdict::Allowed,
        "peeks counted nothing"
    );
}

/// "Of concurrent events of one key, no more are `Allowed` than the rule allows in sequence."
pub async fn concurrent_hits_allow_no_more_than_the_limit<L: RateLimiter + 'static>(
    limiter: Arc<L>,
) {
    assert_eq!(
        Handle::current().runtime_flavor(),
        RuntimeFlavor::MultiThread,
        "the race check needs a multi-thread runtime"
    );
    let rate = rate("5/1h");
    let barrier = Arc::new(Barrier::new(RACERS));
    let tasks: Vec<_> = (0..RACERS)
        .map(|_| {
            let (limiter, barrier) = (limiter.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                limiter.hit("race", rate, T0).await
            })
        })
        .collect();
    let mut allowed = 0;
    for task in tasks {
        if ok(task.await.unwrap(), "hit") == Verdict::Allowed {
            allowed += 1;
        }
    }
    assert_eq!(allowed, 5, "{RACERS} concurrent hits under 5/1h");
}
