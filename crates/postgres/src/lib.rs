//! PostgreSQL adapters for every durable port, on diesel + diesel-async + deadpool (no libpq).
//!
//! `public` holds the directory shared by every tenant (tenants, API clients, signing keys). Each
//! tenant has its own schema, `"tenant_<org>"`, holding its credentials and security tokens.
//! Tenant-scoped work runs in a transaction that begins with `SET LOCAL search_path` to the
//! tenant's schema, so the table definitions in [`schema`] name no schema; cross-tenant reads
//! (discover) name each schema explicitly, quoted.
//!
//! Every operation has one deadline (the statement timeout): waiting for a pooled connection,
//! connecting and running the queries all fit in it, so a stopped or unreachable database turns
//! into [`StoreError::Unavailable`] in bounded time, and the pool heals by itself when the
//! database is back (broken connections are dropped, new ones are made on demand).

mod credential;
mod device;
mod migrate;
mod operator;
mod operator_keys;
mod operator_row;
mod operator_sessions;
mod operator_totp;
mod revocation;
mod row_columns;
mod schema;
mod sql;
mod statement;
mod subscriber;
mod subscriber_media;
mod subscriber_row;
mod tenancy;
pub mod testing;
mod token;
mod totp;

pub use credential::PgCredentialStore;
pub use device::PgDeviceStore;
pub use migrate::Migrated;
pub use operator::PgOperators;
pub use operator_totp::PgOperatorTotpStore;
pub use revocation::{
    CHANNEL as REVOCATION_CHANNEL, LISTENER_NAME as REVOCATION_LISTENER, PgRevocations,
    PgRevokedTokens,
};
pub use sql::schema_name;
pub use subscriber::PgSubscriberProfiles;
pub use subscriber_media::{PgAvatars, PgPreferences};
pub use tenancy::{PgClientRegistry, PgTenantDirectory};
pub use token::{PgSecurityTokenStore, PgSigningKeyStore};
pub use totp::PgTotpStore;

pub(crate) use sql::{
    DeadlineExceeded, ErrorClass, corrupt, is_retryable, quote_ident, schema_ident, some_row,
    store_error, store_error_ref, unavailable,
};

use diesel::result::Error as DieselError;
use diesel::{ConnectionError, ConnectionResult};
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{
    AnsiTransactionManager, AsyncConnection, AsyncPgConnection, SimpleAsyncConnection,
    TransactionManager,
};
use latchkey_core::{OrgId, StoreError};
use scoped_futures::{ScopedBoxFuture, ScopedFutureExt};
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::ThreadId;
use std::time::Duration;

/// How to reach the database.
#[derive(Clone)]
pub struct PgConfig {
    /// A `postgres://` URL (it may carry a password: never printed).
    pub url: String,
    /// The most connections this server opens, split evenly among `threads`.
    pub pool_size: usize,
    /// How many threads use the database (the server's workers); each gets its own pool.
    pub threads: usize,
    /// How long opening one connection may take.
    pub connect_timeout: Duration,
    /// The deadline of one operation: waiting for a connection, connecting, and running its
    /// statements. Also set as the server-side `statement_timeout`.
    pub statement_timeout: Duration,
}

impl fmt::Debug for PgConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgConfig")
            .field("url", &redact_url(&self.url))
            .field("pool_size", &self.pool_size)
            .field("threads", &self.threads)
            .field("connect_timeout", &self.connect_timeout)
            .field("statement_timeout", &self.statement_timeout)
            .finish()
    }
}

/// The URL with any password replaced by `***` and without its query (which may hold one too),
/// for logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "***".to_owned();
    };
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let tail = tail.split('?').next().unwrap_or_default();
            match userinfo.split_once(':') {
                Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
                None => format!("{scheme}://{userinfo}@{host}{tail}"),
            }
        }
        None => {
            let tail = tail.split('?').next().unwrap_or_default();
            format!("{scheme}://{authority}{tail}")
        }
    }
}

/// Connections to one database, shared by every adapter built from it.
///
/// Each thread that uses the database gets a pool of its own (`pool_size / threads`
/// connections): a connection's I/O is driven by the runtime of the thread that opened it, so a
/// connection shared between worker threads would cost two cross-thread wake-ups per query.
/// With per-thread pools every query stays on its worker's thread.
#[derive(Clone)]
pub struct PgDatabase {
    inner: Arc<Inner>,
}

struct Inner {
    config: PgConfig,
    per_thread: usize,
    pools: Mutex<HashMap<ThreadId, Pool<AsyncPgConnection>>>,
}

impl fmt::Debug for PgDatabase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgDatabase")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// A diesel error for the operation that hit it.
pub(crate) type QueryResult<T> = Result<T, DieselError>;

impl PgDatabase {
    /// Prepares the pools. No connection is opened yet: they are made on demand, so a server
    /// can start its HTTP side before the database answers. `threads` is how many threads will
    /// share `pool_size` connections (the server's workers).
    pub fn new(config: PgConfig) -> Result<Self, StoreError> {
        let per_thread = config.pool_size.div_ceil(config.threads.max(1)).max(1);
        let db = Self {
            inner: Arc::new(Inner {
                config,
                per_thread,
                pools: Mutex::new(HashMap::new()),
            }),
        };
        // Builds (and so checks) one pool now, so a bad setting fails at start.
        db.pool()?;
        Ok(db)
    }

    /// The pool of the current thread, made on its first use.
    fn pool(&self) -> Result<Pool<AsyncPgConnection>, StoreError> {
        let thread = std::thread::current().id();
        let mut pools = self
            .inner
            .pools
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(pool) = pools.get(&thread) {
            return Ok(pool.clone());
        }
        let pool = self.build_pool()?;
        pools.insert(thread, pool.clone());
        Ok(pool)
    }

    fn build_pool(&self) -> Result<Pool<AsyncPgConnection>, StoreError> {
        let config = &self.inner.config;
        let setup_config = config.clone();
        let mut manager_config = ManagerConfig::<AsyncPgConnection>::default();
        // `Fast`: a connection is checked for a dangling transaction when it goes back to the pool,
        // not with an extra round trip every time it is taken out.
        manager_config.recycling_method = RecyclingMethod::Fast;
        manager_config.custom_setup = Box::new(move |url| {
            let config = setup_config.clone();
            let url = url.to_owned();
            Box::pin(async move { connect(&url, &config).await })
        });
        let manager =
            AsyncDieselConnectionManager::new_with_config(config.url.clone(), manager_config);
        Pool::builder(manager)
            .max_size(self.inner.per_thread)
            .wait_timeout(Some(config.statement_timeout))
            .create_timeout(Some(config.connect_timeout))
            .recycle_timeout(Some(config.connect_timeout))
            .runtime(deadpool::Runtime::Tokio1)
            .build()
            .map_err(|e| StoreError::Unavailable(Box::new(e)))
    }

    pub fn config(&self) -> &PgConfig {
        &self.inner.config
    }

    /// One round trip to the database: `Ok` when it answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.run(|conn| async move { conn.batch_execute("SELECT 1").await }.scope_boxed())
            .await
    }

    /// Applies pending migrations to `public` and to every tenant's schema (creating any schema
    /// that is missing). Safe to run from several servers at once: they take turns.
    pub async fn migrate(&self) -> Result<Migrated, StoreError> {
        migrate::migrate_all(self).await
    }

    /// Creates the schema of `org` if it does not exist and applies the tenant migrations to it.
    pub async fn prepare_tenant(&self, org: &OrgId) -> Result<(), StoreError> {
        migrate::prepare_tenant(self, org).await
    }

    pub fn tenant_directory(&self) -> PgTenantDirectory {
        PgTenantDirectory::new(self.clone())
    }

    pub fn client_registry(&self) -> PgClientRegistry {
        PgClientRegistry::new(self.clone())
    }

    pub fn signing_keys(&self) -> PgSigningKeyStore {
        PgSigningKeyStore::new(self.clone())
    }

    pub fn credentials(&self) -> PgCredentialStore {
        PgCredentialStore::new(self.clone())
    }

    pub fn security_tokens(&self) -> PgSecurityTokenStore {
        PgSecurityTokenStore::new(self.clone())
    }

    pub fn revoked_tokens(&self) -> PgRevokedTokens {
        PgRevokedTokens::new(self.clone())
    }

    pub fn devices(&self) -> PgDeviceStore {
        PgDeviceStore::new(self.clone())
    }

    pub fn totp_secrets(&self) -> PgTotpStore {
        PgTotpStore::new(self.clone())
    }

    /// Operators' TOTP enrollments (`public.operator_totp_secrets`).
    pub fn operator_totp_secrets(&self) -> PgOperatorTotpStore {
        PgOperatorTotpStore::new(self.clone())
    }

    /// Operators, their API keys and sessions: one value for the three ports.
    pub fn operators(&self) -> PgOperators {
        PgOperators::new(self.clone())
    }

    /// Runs `f` on a pooled connection, within the operation deadline. A connection whose work
    /// was cut short (deadline, cancelled request) or failed for any reason but a constraint is
    /// closed rather than returned to the pool: its state is unknown, and a fresh connection is
    /// cheap next to a request run inside somebody else's transaction.
    pub(crate) async fn run<'a, T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'a,
        F: for<'r> FnOnce(&'r mut AsyncPgConnection) -> ScopedBoxFuture<'a, 'r, QueryResult<T>>
            + Send
            + 'a,
    {
        let deadline = self.inner.config.statement_timeout;
        // Where the deadline struck, for the log: 0 waiting for a connection, 1 running.
        let phase = AtomicU8::new(0);
        let work = async {
            let pool = self.pool()?;
            let mut guard = ConnGuard {
                conn: Some(
                    pool.get()
                        .await
                        .map_err(|e| StoreError::Unavailable(Box::new(e)))?,
                ),
                clean: false,
            };
            let conn = guard
                .conn
                .as_mut()
                .ok_or_else(|| unavailable(NoConnection))?;
            phase.store(1, Ordering::Relaxed);
            let result = f(conn).await;
            guard.clean = match &result {
                Ok(_) => true,
                Err(e) => !matches!(store_error_ref(e), ErrorClass::Unavailable),
            };
            result.map_err(store_error)
        };
        match tokio::time::timeout(deadline, work).await {
            Ok(result) => result,
            Err(_) => Err(StoreError::Unavailable(Box::new(DeadlineExceeded {
                deadline,
                phase: match phase.load(Ordering::Relaxed) {
                    0 => "waiting for a connection",
                    _ => "running its statements",
                },
            }))),
        }
    }

    /// Runs `f` in a transaction whose `search_path` is the schema of `org`. Deadlocks and
    /// serialization failures are retried (up to three attempts in all).
    pub(crate) async fn in_tenant<'a, T, F>(&self, org: &OrgId, f: F) -> Result<T, StoreError>
    where
        T: Send + 'a,
        F: for<'r> Fn(&'r mut AsyncPgConnection) -> ScopedBoxFuture<'a, 'r, QueryResult<T>>
            + Send
            + Sync
            + 'a,
    {
        let begin = format!("BEGIN; SET LOCAL search_path TO {}", schema_ident(org));
        self.transaction(begin, f).await
    }

    /// Runs `f` in a transaction begun by `begin` (`BEGIN` alone: on `public`), retried as
    /// [`PgDatabase::in_tenant`] is.
    pub(crate) async fn transaction<'a, T, F>(&self, begin: String, f: F) -> Result<T, StoreError>
    where
        T: Send + 'a,
        F: for<'r> Fn(&'r mut AsyncPgConnection) -> ScopedBoxFuture<'a, 'r, QueryResult<T>>
            + Send
            + Sync
            + 'a,
    {
        let mut attempt = 1;
        loop {
            let result = self
                .run(|conn| {
                    let (begin, f) = (&begin, &f);
                    async move { in_transaction(conn, begin, f).await }.scope_boxed()
                })
                .await;
            match result {
                Err(StoreError::Unavailable(e)) if attempt < 3 && is_retryable(&*e) => {
                    attempt += 1;
                }
                other => return other,
            }
        }
    }
}

/// A pooled connection that goes back to the pool only when its work finished cleanly.
struct ConnGuard {
    conn: Option<deadpool::managed::Object<AsyncDieselConnectionManager<AsyncPgConnection>>>,
    clean: bool,
}

impl Drop for ConnGuard {
    fn drop(&mut self) {
        if !self.clean
            && let Some(conn) = self.conn.take()
        {
            // Detached from the pool and dropped: the connection closes.
            drop(deadpool::managed::Object::take(conn));
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("no pooled connection")]
struct NoConnection;

/// Begins with `begin` (which also sets the search path), runs `f`, commits, or rolls back.
async fn in_transaction<'a, T, F>(
    conn: &mut AsyncPgConnection,
    begin: &str,
    f: &F,
) -> QueryResult<T>
where
    F: for<'r> Fn(&'r mut AsyncPgConnection) -> ScopedBoxFuture<'a, 'r, QueryResult<T>>,
{
    AnsiTransactionManager::begin_transaction_sql(conn, begin).await?;
    match f(conn).await {
        Ok(value) => {
            AnsiTransactionManager::commit_transaction(conn).await?;
            Ok(value)
        }
        Err(error) => {
            // If the rollback fails too, the transaction manager marks the connection broken
            // and the pool drops it.
            let _ = AnsiTransactionManager::rollback_transaction(conn).await;
            Err(error)
        }
    }
}

/// Opens one connection within `connect_timeout` and sets the server-side limits.
async fn connect(url: &str, config: &PgConfig) -> ConnectionResult<AsyncPgConnection> {
    let timeout = config.connect_timeout;
    let mut conn = tokio::time::timeout(timeout, AsyncPgConnection::establish(url))
        .await
        .map_err(|_| {
            ConnectionError::BadConnection(format!(
                "no connection to PostgreSQL within {} ms",
                timeout.as_millis()
            ))
        })??;
    let statement_ms = config.statement_timeout.as_millis();
    let setup = format!(
        "SET statement_timeout = {statement_ms}; \
         SET lock_timeout = {statement_ms}; \
         SET idle_in_transaction_session_timeout = {idle}; \
         SET application_name = 'latchkey'",
        idle = statement_ms.saturating_mul(2),
    );
    tokio::time::timeout(timeout, conn.batch_execute(&setup))
        .await
        .map_err(|_| ConnectionError::BadConnection("connection setup timed out".to_owned()))?
        .map_err(ConnectionError::CouldntSetupConfiguration)?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/latchkey?sslmode=disable"),
            "postgres://app:***@db:5432/latchkey"
        );
        assert_eq!(
            redact_url("postgres://127.0.0.1/latchkey"),
            "postgres://127.0.0.1/latchkey"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1:5432/latchkey"),
            "postgres://postgres@127.0.0.1:5432/latchkey"
        );
        assert_eq!(redact_url("nonsense"), "***");
    }
}
