//! Embedded migrations for `public` and for the tenant template, run over diesel-async's
//! connection wrapper (diesel's migration harness is synchronous), on a blocking thread.
//!
//! Every migration run holds one advisory lock, so several servers starting at once, or a
//! `PUT /v1/orgs/{org}` racing a start, take turns instead of applying the same migration twice.

use crate::{PgDatabase, quote_ident, schema_name, unavailable};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use latchkey_core::{BoxError, OrgId, StoreError};

const PUBLIC: EmbeddedMigrations = embed_migrations!("../../migrations/public");
const TENANT: EmbeddedMigrations = embed_migrations!("../../migrations/tenant");

/// `pg_advisory_lock` key of migration runs (the bytes of "latchkey" as an `i64`).
const MIGRATION_LOCK: i64 = 0x6c61_7463_686b_6579;

/// What a migration run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Migrated {
    /// Migrations applied to `public`, by version.
    pub public: Vec<String>,
    /// Tenant schemas that exist after the run, and the migrations applied to each.
    pub tenants: Vec<(OrgId, Vec<String>)>,
}

type Wrapper = AsyncConnectionWrapper<AsyncPgConnection>;

pub(crate) async fn migrate_all(db: &PgDatabase) -> Result<Migrated, StoreError> {
    with_wrapper(db, |conn| {
        let public = run_public(conn)?;
        let orgs: Vec<String> = crate::schema::tenants::table
            .select(crate::schema::tenants::id)
            .order(crate::schema::tenants::id)
            .load(conn)?;
        let mut tenants = Vec::with_capacity(orgs.len());
        for raw in orgs {
            let org =
                OrgId::parse(&raw).map_err(|_| format!("stored org id {raw:?} is not valid"))?;
            let applied = run_tenant(conn, &org)?;
            tenants.push((org, applied));
        }
        Ok(Migrated { public, tenants })
    })
    .await
}

/// Prepares one tenant's schema within twice the operation deadline (it may wait for a
/// migration run of another server to finish first).
pub(crate) async fn prepare_tenant(db: &PgDatabase, org: &OrgId) -> Result<(), StoreError> {
    let org = org.clone();
    let deadline = db.config().statement_timeout.saturating_mul(2);
    tokio::time::timeout(
        deadline,
        with_wrapper(db, move |conn| run_tenant(conn, &org).map(|_| ())),
    )
    .await
    .map_err(|_| {
        unavailable(format!(
            "preparing the tenant's schema took over {deadline:?}"
        ))
    })?
}

/// Runs `work` on a dedicated connection, on a blocking thread, holding the migration lock.
async fn with_wrapper<T, F>(db: &PgDatabase, work: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce(&mut Wrapper) -> Result<T, BoxError> + Send + 'static,
{
    let config = db.config().clone();
    let conn = crate::connect(&config.url, &config)
        .await
        .map_err(unavailable)?;
    tokio::task::spawn_blocking(move || {
        let mut conn = Wrapper::from(conn);
        conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
        let result = work(&mut conn);
        // Closing the connection also releases the lock; unlocking first keeps it short.
        let _ = conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"));
        result
    })
    .await
    .map_err(unavailable)?
    .map_err(StoreError::Unavailable)
}

fn run_public(conn: &mut Wrapper) -> Result<Vec<String>, BoxError> {
    conn.batch_execute("SET search_path TO public")?;
    let applied = conn.run_pending_migrations(PUBLIC)?;
    Ok(applied.iter().map(ToString::to_string).collect())
}

/// Creates the tenant's schema if needed and applies the template to it. diesel's bookkeeping
/// table lands in the tenant's schema too, so each schema knows its own version.
fn run_tenant(conn: &mut Wrapper, org: &OrgId) -> Result<Vec<String>, BoxError> {
    let schema = quote_ident(&schema_name(org));
    conn.batch_execute(&format!(
        "CREATE SCHEMA IF NOT EXISTS {schema}; SET search_path TO {schema}"
    ))?;
    let applied = conn
        .run_pending_migrations(TENANT)
        .map(|versions| versions.iter().map(ToString::to_string).collect());
    conn.batch_execute("SET search_path TO public")?;
    applied
}
