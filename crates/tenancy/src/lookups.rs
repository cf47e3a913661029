//! What a read-through cache of the directory remembers: lookups by id, and the whole list.
//!
//! A value found is kept for the time to live; an id found absent is kept as absent for the
//! same time, so that one made-up id asked for again and again costs one read a period, and at
//! most [`MAX_ABSENT`] of them (ids are chosen by callers: a stream of made-up ids must not
//! grow the memory). Forgetting wins over a read already under way: every `forget` starts a
//! new generation, and what a read brings back is kept only if no generation started while it
//! ran (a change heard during the read may be newer than what the read saw).

use latchkey_core::Timestamp;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, PoisonError, RwLock};
use time::Duration;

/// The most ids remembered as absent; past it, those that expired are dropped, then all.
pub(crate) const MAX_ABSENT: usize = 10_000;

/// The most ids remembered as found (a directory has far fewer tenants and clients).
const MAX_FOUND: usize = 100_000;

/// Where a lookup must begin: a generation, to hand back to [`Lookups::remember`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Generation(u64);

#[derive(Debug)]
struct State<K, V> {
    found: HashMap<K, (V, Timestamp)>,
    absent: HashMap<K, Timestamp>,
    list: Option<(Arc<Vec<V>>, Timestamp)>,
    generation: u64,
}

/// Lookups by `K` answered `V` (or nothing), and the list of every `V`, each for `ttl`.
#[derive(Debug)]
pub(crate) struct Lookups<K, V> {
    ttl: Duration,
    max_absent: usize,
    state: RwLock<State<K, V>>,
}

impl<K: Eq + Hash + Clone, V: Clone> Lookups<K, V> {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self::with_max_absent(ttl, MAX_ABSENT)
    }

    pub(crate) fn with_max_absent(ttl: Duration, max_absent: usize) -> Self {
        Self {
            ttl,
            max_absent,
            state: RwLock::new(State {
                found: HashMap::new(),
                absent: HashMap::new(),
                list: None,
                generation: 0,
            }),
        }
    }

    fn fresh(&self, at: Timestamp, now: Timestamp) -> bool {
        at <= now && now - at < self.ttl
    }

    /// `Some(answer)` when a lookup of `key` made at most `ttl` ago is remembered (`answer` is
    /// `None` for an id found absent); `None` when the storage must be read.
    pub(crate) fn get(&self, key: &K, now: Timestamp) -> Option<Option<V>> {
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        if let Some((value, at)) = state.found.get(key) {
            return self.fresh(*at, now).then(|| Some(value.clone()));
        }
        match state.absent.get(key) {
            Some(at) if self.fresh(*at, now) => Some(None),
            _ => None,
        }
    }

    /// The list, when one read at most `ttl` ago is remembered.
    pub(crate) fn list(&self, now: Timestamp) -> Option<Arc<Vec<V>>> {
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        state
            .list
            .as_ref()
            .filter(|(_, at)| self.fresh(*at, now))
            .map(|(list, _)| list.clone())
    }

    /// The generation to begin a read of the storage with.
    pub(crate) fn generation(&self) -> Generation {
        Generation(
            self.state
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .generation,
        )
    }

    /// Remembers what a read begun in `since` found for `key` (`None`: nothing), unless
    /// something was forgotten meanwhile.
    pub(crate) fn remember(&self, key: K, value: Option<V>, now: Timestamp, since: Generation) {
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        if state.generation != since.0 {
            return;
        }
        match value {
            Some(value) => {
                if state.found.len() >= MAX_FOUND {
                    state.found.clear();
                }
                state.absent.remove(&key);
                state.found.insert(key, (value, now));
            }
            None => {
                if state.absent.len() >= self.max_absent {
                    let ttl = self.ttl;
                    state.absent.retain(|_, at| *at <= now && now - *at < ttl);
                }
                if state.absent.len() >= self.max_absent {
                    state.absent.clear();
                }
                state.found.remove(&key);
                state.absent.insert(key, now);
            }
        }
    }

    /// Remembers the list a read begun in `since` found, unless something was forgotten
    /// meanwhile.
    pub(crate) fn remember_list(&self, list: Arc<Vec<V>>, now: Timestamp, since: Generation) {
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        if state.generation == since.0 {
            state.list = Some((list, now));
        }
    }

    /// Forgets `key` and the list: the next lookup of either reads the storage.
    pub(crate) fn forget(&self, key: &K) {
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        state.generation = state.generation.wrapping_add(1);
        state.found.remove(key);
        state.absent.remove(key);
        state.list = None;
    }

    /// Forgets everything.
    pub(crate) fn forget_all(&self) {
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        state.generation = state.generation.wrapping_add(1);
        state.found.clear();
        state.absent.clear();
        state.list = None;
    }

    #[cfg(test)]
    fn absent_len(&self) -> usize {
        self.state
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .absent
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::UNIX_EPOCH + Duration::seconds(1_000_000 + seconds)
    }

    fn ms(n: i64) -> Duration {
        Duration::milliseconds(n)
    }

    #[test]
    fn found_and_absent_ids_are_remembered_for_the_time_to_live_only() {
        let lookups = Lookups::<u32, &str>::new(Duration::seconds(1));
        let g = lookups.generation();
        lookups.remember(1, Some("one"), at(0), g);
        lookups.remember(2, None, at(0), g);
        assert_eq!(lookups.get(&1, at(0) + ms(999)), Some(Some("one")));
        assert_eq!(lookups.get(&2, at(0) + ms(999)), Some(None), "absent");
        assert_eq!(lookups.get(&3, at(0)), None, "never looked up");
        assert_eq!(lookups.get(&1, at(1)), None);
        assert_eq!(lookups.get(&2, at(1)), None);
        assert_eq!(
            lookups.get(&1, at(-1)),
            None,
            "a clock set back trusts nothing"
        );
    }

    #[test]
    fn absent_ids_are_bounded_and_expired_ones_go_first() {
        let lookups = Lookups::<u32, &str>::with_max_absent(Duration::seconds(1), 100);
        let g = lookups.generation();
        lookups.remember(0, Some("found"), at(0), g);
        for id in 1..=100 {
            lookups.remember(id, None, at(0), g);
        }
        assert_eq!(lookups.absent_len(), 100);
        // Full of live entries: the next one empties the absent ids, never the found ones.
        lookups.remember(101, None, at(0), g);
        assert_eq!(lookups.absent_len(), 1);
        assert_eq!(lookups.get(&101, at(0)), Some(None));
        assert_eq!(lookups.get(&0, at(0)), Some(Some("found")));
        // Full again, a second later: the expired ones make room, the live one stays.
        for id in 200..299 {
            lookups.remember(id, None, at(1), g);
        }
        assert_eq!(lookups.absent_len(), 100);
        lookups.remember(300, None, at(1) + ms(500), g);
        assert_eq!(lookups.absent_len(), 100);
        assert_eq!(lookups.get(&101, at(1)), None, "expired, dropped");
        assert_eq!(lookups.get(&298, at(1) + ms(500)), Some(None));
    }

    #[test]
    fn a_stream_of_made_up_ids_never_holds_more_than_the_bound() {
        let lookups = Lookups::<u32, ()>::new(Duration::seconds(1));
        let g = lookups.generation();
        for id in 0..(5 * MAX_ABSENT as u32) {
            lookups.remember(id, None, at(0), g);
            assert!(lookups.absent_len() <= MAX_ABSENT);
        }
    }

    #[test]
    fn what_a_read_brings_back_after_a_forget_is_not_kept() {
        let lookups = Lookups::<u32, &str>::new(Duration::seconds(1));
        let before = lookups.generation();
        lookups.forget(&1);
        lookups.remember(1, Some("stale"), at(0), before);
        lookups.remember_list(Arc::new(vec!["stale"]), at(0), before);
        assert_eq!(lookups.get(&1, at(0)), None);
        assert_eq!(lookups.list(at(0)), None);
        let now = lookups.generation();
        lookups.remember(1, Some("fresh"), at(0), now);
        assert_eq!(lookups.get(&1, at(0)), Some(Some("fresh")));
    }

    #[test]
    fn forgetting_an_id_forgets_it_and_the_list_and_keeps_the_others() {
        let lookups = Lookups::<u32, &str>::new(Duration::seconds(1));
        let g = lookups.generation();
        lookups.remember(1, Some("one"), at(0), g);
        lookups.remember(2, None, at(0), g);
        lookups.remember_list(Arc::new(vec!["one"]), at(0), g);
        assert_eq!(lookups.list(at(0)).as_deref(), Some(&vec!["one"]));
        lookups.forget(&2);
        assert_eq!(lookups.get(&2, at(0)), None);
        assert_eq!(lookups.list(at(0)), None);
        assert_eq!(lookups.get(&1, at(0)), Some(Some("one")));
        lookups.forget_all();
        assert_eq!(lookups.get(&1, at(0)), None);
    }
}
