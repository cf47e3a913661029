//! Where revocations are recorded and announced, and who hears them on this instance.

use latchkey_access::TokenCache;
use latchkey_core::{Clock, Listeners, RevocationListener, Revocations};
use latchkey_memory::{MemRevocations, MemRevokedTokens};
use latchkey_postgres::{PgDatabase, PgRevocations};
use std::sync::Arc;

/// Where revocations are recorded and announced.
#[derive(Debug, Clone)]
pub enum Announcer {
    /// This process only (dev mode: one instance).
    Memory(Arc<MemRevokedTokens>),
    /// Every instance on the database (`LISTEN/NOTIFY`), heard by the caches of tenants and
    /// clients too (the database announces every change of theirs).
    Postgres(PgDatabase, Vec<Arc<dyn RevocationListener>>),
}

impl Announcer {
    /// The `Revocations` the services announce to, with `cache` as this instance's listener,
    /// and, on a database, the listener to run beside the server.
    pub(super) fn build(
        &self,
        clock: Arc<dyn Clock>,
        cache: Arc<TokenCache>,
    ) -> (Arc<dyn Revocations>, Option<PgRevocations>) {
        match self {
            Announcer::Memory(revoked) => (
                Arc::new(MemRevocations::new(revoked.clone(), clock).with_listener(cache)),
                None,
            ),
            Announcer::Postgres(db, caches) => {
                // The directory's caches first: a token verified again reads the client anew.
                let mut all = caches.clone();
                all.push(cache);
                let listeners = Arc::new(Listeners::new(all));
                let announcer = PgRevocations::new(db.clone(), clock, listeners);
                (Arc::new(announcer.clone()), Some(announcer))
            }
        }
    }
}
