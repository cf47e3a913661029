//! Subscribers' profiles, in the `subscriber_profiles` table of each tenant's schema, beside
//! the credentials they describe (the row is in [`crate::subscriber_row`]). Listings read the
//! live credentials joined with their profiles.

use crate::operator_keys::execute_for_holder;
use crate::statement::{Piece, TenantSql};
use crate::subscriber_row::{COLUMNS, ProfileRow, upsert_statement};
use crate::{PgDatabase, QueryResult};
use async_trait::async_trait;
use diesel::OptionalExtension as _;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use latchkey_core::{OrgId, StoreError};
use latchkey_subscriber::{SubscriberProfile, SubscriberProfileStore, SubscriberQuery};
use scoped_futures::{ScopedBoxFuture, ScopedFutureExt};
use uuid::Uuid;

/// [`SubscriberProfileStore`] on PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgSubscriberProfiles {
    db: PgDatabase,
}

impl PgSubscriberProfiles {
    pub fn new(db: PgDatabase) -> Self {
        Self { db }
    }

    async fn in_tenant<T, B, F>(&self, org: &OrgId, build: B, run: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        B: Fn() -> TenantSql + Send + Sync + 'static,
        F: RunStatement<T>,
    {
        run_statement(&self.db, Some(org), build, run).await
    }
}

/// Runs a statement's rows into a value on a connection.
pub(crate) trait RunStatement<T>:
    for<'r> Fn(TenantSql, &'r mut AsyncPgConnection) -> ScopedBoxFuture<'static, 'r, QueryResult<T>>
    + Send
    + Sync
    + 'static
{
}

impl<T, F> RunStatement<T> for F where
    F: for<'r> Fn(
            TenantSql,
            &'r mut AsyncPgConnection,
        ) -> ScopedBoxFuture<'static, 'r, QueryResult<T>>
        + Send
        + Sync
        + 'static
{
}

/// Runs the statement `build` makes in the schema of `org` (a transaction that sets the
/// `search_path`, retried on a deadlock: the statement is built afresh for each attempt), or
/// in `public` without one.
pub(crate) async fn run_statement<T, B, F>(
    db: &PgDatabase,
    org: Option<&OrgId>,
    build: B,
    run: F,
) -> Result<T, StoreError>
where
    T: Send + 'static,
    B: Fn() -> TenantSql + Send + Sync + 'static,
    F: RunStatement<T>,
{
    match org {
        Some(org) => db.in_tenant(org, move |conn| run(build(), conn)).await,
        None => db.run(move |conn| run(build(), conn)).await,
    }
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The live credentials with their profiles (if any) and the `WHERE` clause of a listing:
/// every filter is a parameter, null when unused, so the text is fixed.
fn selection(query: &SubscriberQuery) -> TenantSql {
    let ids = query.select.as_ref().map(|ids| {
        ids.iter()
            .map(Uuid::to_string)
            .collect::<Vec<_>>()
            .join(",")
    });
    // Lower-cased here with Unicode's rules; `lower()` folds the stored text (the username in
    // the database's collation, not its byte-wise "C", which would fold ASCII only).
    let name = query.name_search.as_ref().map(|s| s.to_lowercase());
    let email = query.email_search.as_ref().map(|s| s.to_lowercase());
    TenantSql::new()
        .sql(
            " FROM credentials c LEFT JOIN subscriber_profiles p ON p.credential_id = c.id \
             WHERE c.deleted_at IS NULL AND (",
        )
        .bind(Piece::MaybeText(ids.clone()))
        .sql("::text IS NULL OR c.id = ANY (string_to_array(")
        .bind(Piece::MaybeText(ids))
        .sql(", ',')::uuid[])) AND (")
        .bind(Piece::MaybeText(name.clone()))
        .sql("::text IS NULL OR strpos(lower(coalesce(p.name, '')), ")
        .bind(Piece::MaybeText(name))
        .sql(") > 0) AND (")
        .bind(Piece::MaybeText(email.clone()))
        .sql("::text IS NULL OR strpos(lower(c.username COLLATE \"default\"), ")
        .bind(Piece::MaybeText(email))
        .sql(") > 0)")
}

fn list_statement(query: &SubscriberQuery) -> TenantSql {
    let order = if query.newest {
        " ORDER BY c.created_at DESC, c.id DESC"
    } else {
        " ORDER BY c.created_at, c.id"
    };
    TenantSql::new()
        .sql("SELECT c.id AS id")
        .append(selection(query))
        .sql(format!("{order} OFFSET "))
        .bind(Piece::Int(i64::try_from(query.offset).unwrap_or(i64::MAX)))
        .sql(" LIMIT ")
        .bind(Piece::MaybeInt(
            query.limit.map(|l| i64::try_from(l).unwrap_or(i64::MAX)),
        ))
}

#[async_trait]
impl SubscriberProfileStore for PgSubscriberProfiles {
    async fn get(
        &self,
        org: &OrgId,
        credential: Uuid,
    ) -> Result<Option<SubscriberProfile>, StoreError> {
        let build = move || {
            TenantSql::new()
                .sql(format!(
                    "SELECT {COLUMNS} FROM subscriber_profiles WHERE credential_id = "
                ))
                .bind(Piece::Uuid(credential))
        };
        self.in_tenant(org, build, |query, conn| {
            async move {
                let row: Option<ProfileRow> = query.get_result(conn).await.optional()?;
                row.map(ProfileRow::into_domain).transpose()
            }
            .scope_boxed()
        })
        .await
    }

    /// One upsert. A credential without a row breaks the foreign key (`NotFound`); a sign-up
    /// another profile holds breaks `subscriber_profiles_signup_unique` (`Conflict`).
    async fn put(&self, org: &OrgId, profile: SubscriberProfile) -> Result<(), StoreError> {
        self.in_tenant(org, move || upsert_statement(&profile), execute_for_holder)
            .await
    }

    async fn delete(&self, org: &OrgId, credential: Uuid) -> Result<(), StoreError> {
        let build = move || {
            TenantSql::new()
                .sql("DELETE FROM subscriber_profiles WHERE credential_id = ")
                .bind(Piece::Uuid(credential))
        };
        self.in_tenant(org, build, |query, conn| {
            async move { query.execute(conn).await.map(drop) }.scope_boxed()
        })
        .await
    }

    async fn find_by_signup(&self, org: &OrgId, signup: Uuid) -> Result<Option<Uuid>, StoreError> {
        let build = move || {
            TenantSql::new()
                .sql("SELECT credential_id AS id FROM subscriber_profiles WHERE signup_uuid = ")
                .bind(Piece::Uuid(signup))
        };
        self.in_tenant(org, build, |query, conn| {
            async move {
                let row: Option<Id> = query.get_result(conn).await.optional()?;
                Ok(row.map(|r| r.id))
            }
            .scope_boxed()
        })
        .await
    }

    async fn list(&self, org: &OrgId, query: &SubscriberQuery) -> Result<Vec<Uuid>, StoreError> {
        let query = query.clone();
        self.in_tenant(
            org,
            move || list_statement(&query),
            |statement, conn| {
                async move {
                    let rows: Vec<Id> = statement.load(conn).await?;
                    Ok(rows.into_iter().map(|r| r.id).collect())
                }
                .scope_boxed()
            },
        )
        .await
    }

    async fn count(&self, org: &OrgId, query: &SubscriberQuery) -> Result<u64, StoreError> {
        let query = query.clone();
        let build = move || {
            TenantSql::new()
                .sql("SELECT count(*) AS n")
                .append(selection(&query))
        };
        self.in_tenant(org, build, |statement, conn| {
            async move {
                let count: Count = statement.get_result(conn).await?;
                Ok(u64::try_from(count.n).unwrap_or_default())
            }
            .scope_boxed()
        })
        .await
    }
}
