//! Slowed guessing: failures are counted per key — a username, a username tried from a browser
//! that signed in as it before, a client address, a credential's second factor — and past a few
//! free tries each failure doubles the wait before the next attempt may be checked, up to a cap.
//! Nothing is locked for good: a count is forgotten an hour after its last failure, and a
//! success forgets the counts of the account it signed in (never an address's: the other
//! customers behind it stay watched).
//!
//! One key, with `n` its count once the failure that moves it is counted (`free` is 3 for an
//! account, 20 for an address):
//!
//! ```text
//!                                 failure, n < free
//!                                    ┌─────────┐
//!                                    ▼         │
//!   ┌───────┐  failure, n < free  ┌─────────────┐  failure, n ≥ free  ┌────────────────────┐
//!   │ clean │ ──────────────────▶ │ counting: n │ ──────────────────▶ │ waiting: attempts  │
//!   │       │ ◀────────────────── │             │ ◀────────────────── │ refused unchecked  │
//!   └───────┘  a success (account └─────────────┘  the wait runs out  │ and uncounted, for │
//!              keys only), or an hour                                 │ 2^(n − free) s, at │
//!              with no failure                                        │ most the cap       │
//!                                                                     └────────────────────┘
//! ```
//!
//! Nothing leaves `waiting` but the end of its wait: no attempt is checked there (so none
//! succeeds), and the longest wait ends long before a count is forgotten (an hour). An attempt
//! is checked only when none of its gating keys is waiting; otherwise it is refused with the
//! longest wait left ([`verdict`]).
//!
//! Nobody can lock a customer out (NIST SP 800-63B §5.2.2): a username's waits are short
//! ([`PER_ACCOUNT`]: at most 30 s), the long waits are an address's ([`PER_ADDRESS`]), and a
//! browser that signed in as the customer before is never refused for what others did: its
//! attempts are gated by a key of their own ([`device_key`]) and only count against the
//! username and the address ([`SlowGuessing::attempt_counting`]).
//!
//! [`Policy`] is the rule, a pure function of the count and the clock; [`SlowGuessing`] keeps
//! the counts and waits in the `EphemeralStore`, shared by every server instance. Any face that
//! checks a guessable secret (the login pages, the security service's `/oauth2`) runs its check
//! through [`SlowGuessing::attempt`].

use latchkey_core::{Clock, OrgId, StoreError};
use latchkey_oauth::EphemeralStore;
use std::future::Future;
use std::sync::Arc;
use time::Duration;
use uuid::Uuid;

/// How failures of one kind of key are slowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// The failure that starts the waits: fewer failures than this cost nothing.
    pub free: u64,
    /// The longest wait.
    pub max_delay: Duration,
    /// A count is forgotten this long after its last failure.
    pub memory: Duration,
    /// An account's key: a success forgets its failures (an address's is never forgotten so).
    pub account: bool,
}

/// A username (alone, or from a browser that signed in as it before): three free tries, then
/// waits of at most 30 s. Anyone may fail on purpose with someone else's username, so its
/// waits stay short; the long ones are an address's.
pub const PER_ACCOUNT: Policy = Policy {
    free: 3,
    max_delay: Duration::seconds(30),
    memory: Duration::hours(1),
    account: true,
};

/// A credential's second factor: three free tries, then waits up to 15 minutes. Only someone
/// who gave the credential's password reaches it, and its codes are six digits.
pub const PER_SECOND_FACTOR: Policy = Policy {
    free: 3,
    max_delay: Duration::minutes(15),
    memory: Duration::hours(1),
    account: true,
};

/// A client address: many customers may share one (a proxy, a carrier's NAT), so twenty.
pub const PER_ADDRESS: Policy = Policy {
    free: 20,
    max_delay: Duration::minutes(15),
    memory: Duration::hours(1),
    account: false,
};

impl Policy {
    /// The wait after the `count`th failure in a row: none before `free`, then 1 s, 2 s,
    /// 4 s ... up to `max_delay`.
    pub fn delay_after(&self, count: u64) -> Option<Duration> {
        if count < self.free {
            return None;
        }
        let exponent = u32::try_from((count - self.free).min(20)).unwrap_or(20);
        Some(Duration::seconds(1_i64 << exponent).min(self.max_delay))
    }
}

/// Whether an attempt at `now` (Unix seconds) may be checked, given when the current waits of
/// its keys end: refused with the longest time left.
pub fn verdict(wait_ends: impl IntoIterator<Item = i64>, now: i64) -> Result<(), Duration> {
    let longest = wait_ends
        .into_iter()
        .map(|until| until - now)
        .max()
        .unwrap_or(0);
    if longest > 0 {
        Err(Duration::seconds(longest))
    } else {
        Ok(())
    }
}

/// The key of a username in a tenant: normalised as a username is (RFC 8265), so case, width
/// and surrounding spaces do not make another key.
pub fn username_key(org: &OrgId, username: &str) -> String {
    format!("pwd:{org}:{}", normalised(username))
}

/// A username as it is compared: parsed (RFC 8265 normalisation), else trimmed; lower case.
fn normalised(username: &str) -> String {
    latchkey_credential::Username::parse(username)
        .map_or_else(|_| username.trim().to_owned(), |u| u.as_str().to_owned())
        .to_lowercase()
}

/// The key of a username tried from a browser that signed in as it before (`device`: the
/// browser's known-device marker, hashed): that browser's failures only gate that browser.
pub fn device_key(org: &OrgId, username: &str, device: &str) -> String {
    format!("dev:{org}:{}:{device}", normalised(username))
}

/// The key of a client address.
pub fn address_key(address: &str) -> String {
    format!("addr:{address}")
}

/// The key of a credential's second factor.
pub fn second_factor_key(org: &OrgId, credential: Uuid) -> String {
    format!("2fa:{org}:{credential}")
}

/// One key an attempt is counted against, and its policy.
#[derive(Debug, Clone, Copy)]
pub struct Watched<'a> {
    pub key: &'a str,
    pub policy: Policy,
}

/// How a guarded attempt ended, when it did not succeed.
#[derive(Debug)]
pub enum Refused<E> {
    /// A wait runs: the attempt was not checked at all.
    Throttled { retry_after: Duration },
    /// The attempt was checked and was a wrong guess: counted against every key.
    Wrong(E),
    /// The attempt failed otherwise (not a guess): nothing counted.
    Failed(E),
    /// The counts could not be read or written.
    Unavailable(StoreError),
}

/// The counts and waits of slowed guessing, in the `EphemeralStore`.
#[derive(Debug, Clone)]
pub struct SlowGuessing {
    store: Arc<dyn EphemeralStore>,
    clock: Arc<dyn Clock>,
}

impl SlowGuessing {
    pub fn new(store: Arc<dyn EphemeralStore>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// Runs `attempt` unless a wait of one of `watched` runs. A failure that `is_guess` calls a
    /// wrong guess counts against every key; a success forgets the failures of the account keys
    /// (an address stays watched for other accounts).
    pub async fn attempt<T, E>(
        &self,
        watched: &[Watched<'_>],
        attempt: impl Future<Output = Result<T, E>>,
        is_guess: impl FnOnce(&E) -> bool,
    ) -> Result<T, Refused<E>> {
        self.attempt_counting(watched, &[], attempt, is_guess).await
    }

    /// Like [`SlowGuessing::attempt`], but only the waits of `gates` refuse the attempt: the keys
    /// of `counted` count its failure (and a success forgets theirs, for an account) without
    /// their waits refusing it. A browser that signed in as the customer before is gated by its
    /// own key, not by the username everyone can fail with.
    pub async fn attempt_counting<T, E>(
        &self,
        gates: &[Watched<'_>],
        counted: &[Watched<'_>],
        attempt: impl Future<Output = Result<T, E>>,
        is_guess: impl FnOnce(&E) -> bool,
    ) -> Result<T, Refused<E>> {
        let accounts: Vec<&str> = gates
            .iter()
            .chain(counted)
            .filter(|w| w.policy.account)
            .map(|w| w.key)
            .collect();
        let gating: Vec<&str> = gates.iter().map(|w| w.key).collect();
        let on_record = self.check(&gating, &accounts).await?;
        match attempt.await {
            Ok(value) => {
                for key in on_record {
                    self.forget(key).await.map_err(Refused::Unavailable)?;
                }
                Ok(value)
            }
            Err(e) if is_guess(&e) => {
                for w in gates.iter().chain(counted) {
                    self.fail(w.key, &w.policy)
                        .await
                        .map_err(Refused::Unavailable)?;
                }
                Err(Refused::Wrong(e))
            }
            Err(e) => Err(Refused::Failed(e)),
        }
    }

    /// Refuses while the wait of any of `gates` runs (with the longest wait); otherwise answers
    /// which of `accounts` have failures or a wait on record. One read of the store for all of
    /// it.
    async fn check<'k, E>(
        &self,
        gates: &[&str],
        accounts: &[&'k str],
    ) -> Result<Vec<&'k str>, Refused<E>> {
        let mut names: Vec<String> = gates.iter().map(|k| wait_name(k)).collect();
        names.extend(accounts.iter().map(|k| fails_name(k)));
        names.extend(accounts.iter().map(|k| wait_name(k)));
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let found = self
            .store
            .get_many(&names)
            .await
            .map_err(Refused::Unavailable)?;
        let now = self.clock.now().unix_timestamp();
        let ends = found
            .iter()
            .take(gates.len())
            .flatten()
            .filter_map(|bytes| std::str::from_utf8(bytes).ok()?.parse::<i64>().ok());
        verdict(ends, now).map_err(|retry_after| Refused::Throttled { retry_after })?;
        let fails = &found[gates.len().min(found.len())..];
        let (counts, waits) = fails.split_at(accounts.len().min(fails.len()));
        Ok(accounts
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                counts.get(*i).is_some_and(Option::is_some)
                    || waits.get(*i).is_some_and(Option::is_some)
            })
            .map(|(_, k)| *k)
            .collect())
    }

    /// Counts a failure of `key`; past the free tries, the next attempt waits.
    async fn fail(&self, key: &str, policy: &Policy) -> Result<(), StoreError> {
        let count = self
            .store
            .increment(&fails_name(key), policy.memory)
            .await?;
        let Some(delay) = policy.delay_after(count) else {
            return Ok(());
        };
        let until = self.clock.now() + delay;
        self.store
            .put(
                &wait_name(key),
                until.unix_timestamp().to_string().as_bytes(),
                delay,
            )
            .await
    }

    async fn forget(&self, key: &str) -> Result<(), StoreError> {
        self.store.delete(&fails_name(key)).await?;
        self.store.delete(&wait_name(key)).await
    }
}

fn fails_name(key: &str) -> String {
    format!("fails:{key}")
}

fn wait_name(key: &str) -> String {
    format!("wait:{key}")
}
