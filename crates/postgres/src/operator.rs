//! The security service's operators, in `public.operators`; their API keys and sessions are in
//! [`crate::operator_keys`] and [`crate::operator_sessions`]. One [`PgOperators`] serves the
//! three ports.
//! The row and its `jsonb` lists are in [`crate::operator_row`].
//!
//! Every statement is a [`TenantSql`]
//! with a fixed text (optional filters are parameters that may be null), so each connection
//! prepares it once.

use crate::operator_row::{COLUMNS, OperatorRow, insert_statement, update_statement};
use crate::statement::{Piece, TenantSql};
use crate::{PgDatabase, QueryResult, store_error};
use async_trait::async_trait;
use diesel::QueryableByName;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{BigInt, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use latchkey_core::{StoreError, Timestamp};
use latchkey_operator::{Operator, OperatorEmail, OperatorQuery, OperatorStore, Role, Write};
use scoped_futures::ScopedFutureExt;
use uuid::Uuid;

/// Operators, their API keys and their sessions on PostgreSQL: implements `OperatorStore`,
/// `ApiKeyStore` and `OperatorSessionStore`.
#[derive(Debug, Clone)]
pub struct PgOperators {
    pub(crate) db: PgDatabase,
}

impl PgOperators {
    pub fn new(db: PgDatabase) -> Self {
        Self { db }
    }
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// Locks the live roots until the transaction ends (in id order, so that concurrent writers
/// queue instead of deadlocking) and answers their ids. A writer that waited sees the rows as
/// the one before it left them.
async fn lock_live_roots(conn: &mut diesel_async::AsyncPgConnection) -> QueryResult<Vec<Uuid>> {
    let rows: Vec<Id> = TenantSql::new()
        .sql(
            "SELECT id FROM operators WHERE role = 'root' AND NOT suspended ORDER BY id FOR UPDATE",
        )
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Whether `id` is the only live root among `roots`.
fn is_last(roots: &[Uuid], id: Uuid) -> bool {
    roots == [id]
}

/// The `WHERE` clause of a listing: every filter is a parameter, null when unused.
fn filters(query: &OperatorQuery) -> TenantSql {
    let owner = query.owner.as_ref().map(|o| o.as_str().to_owned());
    let ids = query.ids.as_ref().map(|ids| {
        ids.iter()
            .map(Uuid::to_string)
            .collect::<Vec<_>>()
            .join(",")
    });
    // Lower-cased here with Unicode's rules; `lower()` folds the stored names.
    let name = query.name_contains.as_ref().map(|s| s.to_lowercase());
    let email = query.email_contains.as_ref().map(|s| s.to_lowercase());
    TenantSql::new()
        .sql(" WHERE (")
        .bind(Piece::MaybeText(owner.clone()))
        .sql("::text IS NULL OR owner = ")
        .bind(Piece::MaybeText(owner))
        .sql(") AND (")
        .bind(Piece::MaybeText(ids.clone()))
        .sql("::text IS NULL OR id = ANY (string_to_array(")
        .bind(Piece::MaybeText(ids))
        .sql(", ',')::uuid[])) AND (")
        .bind(Piece::MaybeText(name.clone()))
        .sql("::text IS NULL OR strpos(lower(name), ")
        .bind(Piece::MaybeText(name))
        .sql(") > 0) AND (")
        .bind(Piece::MaybeText(email.clone()))
        .sql("::text IS NULL OR strpos(email, ")
        .bind(Piece::MaybeText(email))
        .sql(" COLLATE \"C\") > 0)")
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn is_violation(error: &DieselError, constraint: &str) -> bool {
    matches!(
        error,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info)
            if info.constraint_name() == Some(constraint)
    )
}

#[async_trait]
impl OperatorStore for PgOperators {
    async fn insert(&self, operator: &Operator) -> Result<Write, StoreError> {
        let query = insert_statement(operator);
        self.db
            .run(move |conn| {
                async move {
                    match query.execute(conn).await {
                        Ok(_) => Ok(Write::Done),
                        Err(e) if is_violation(&e, "operators_email_unique") => {
                            Ok(Write::EmailTaken)
                        }
                        Err(e) => Err(e),
                    }
                }
                .scope_boxed()
            })
            .await
    }

    async fn get(&self, id: Uuid) -> Result<Option<Operator>, StoreError> {
        let query = TenantSql::new()
            .sql(format!("SELECT {COLUMNS} FROM operators WHERE id = "))
            .bind(Piece::Uuid(id));
        self.read_one(query).await
    }

    async fn by_email(&self, email: &OperatorEmail) -> Result<Option<Operator>, StoreError> {
        let query = TenantSql::new()
            .sql(format!("SELECT {COLUMNS} FROM operators WHERE email = "))
            .bind(Piece::Text(email.as_str().to_owned()));
        self.read_one(query).await
    }

    /// One transaction: the live roots are locked, then the row is written. The only unique
    /// constraint an update can break is the e-mail's.
    async fn update(&self, operator: &Operator) -> Result<Write, StoreError> {
        let result = self
            .db
            .transaction("BEGIN".to_owned(), move |conn| {
                async move {
                    let roots = lock_live_roots(conn).await?;
                    let stays_live = operator.role == Role::Root && !operator.suspended;
                    if !stays_live && is_last(&roots, operator.id) {
                        return Ok(Write::LastRoot);
                    }
                    let n = update_statement(operator).execute(conn).await?;
                    Ok(if n == 0 { Write::Missing } else { Write::Done })
                }
                .scope_boxed()
            })
            .await;
        match result {
            Err(StoreError::Conflict) => Ok(Write::EmailTaken),
            other => other,
        }
    }

    async fn record_login(&self, id: Uuid, at: Timestamp) -> Result<bool, StoreError> {
        let query = TenantSql::new()
            .sql("UPDATE operators SET last_login = ")
            .bind(Piece::Time(at))
            .sql(" WHERE id = ")
            .bind(Piece::Uuid(id));
        self.db
            .run(move |conn| async move { Ok(query.execute(conn).await? > 0) }.scope_boxed())
            .await
    }

    /// One transaction: the live roots are locked, then the row is deleted (its keys and
    /// sessions by the foreign keys' cascade).
    async fn delete(&self, id: Uuid) -> Result<Write, StoreError> {
        self.db
            .transaction("BEGIN".to_owned(), move |conn| {
                async move {
                    let roots = lock_live_roots(conn).await?;
                    if is_last(&roots, id) {
                        return Ok(Write::LastRoot);
                    }
                    let n = TenantSql::new()
                        .sql("DELETE FROM operators WHERE id = ")
                        .bind(Piece::Uuid(id))
                        .execute(conn)
                        .await?;
                    Ok(if n == 0 { Write::Missing } else { Write::Done })
                }
                .scope_boxed()
            })
            .await
    }

    async fn list(&self, query: &OperatorQuery) -> Result<Vec<Operator>, StoreError> {
        let order = if query.newest_first {
            " ORDER BY created DESC, id DESC"
        } else {
            " ORDER BY created, id"
        };
        let statement = TenantSql::new()
            .sql(format!("SELECT {COLUMNS} FROM operators"))
            .append(filters(query))
            .sql(format!("{order} OFFSET "))
            .bind(Piece::Int(i64::try_from(query.offset).unwrap_or(i64::MAX)))
            .sql(" LIMIT ")
            .bind(Piece::MaybeInt(
                query.limit.map(|l| i64::try_from(l).unwrap_or(i64::MAX)),
            ));
        let rows: Vec<OperatorRow> = self
            .db
            .run(move |conn| async move { statement.load(conn).await }.scope_boxed())
            .await?;
        rows.into_iter()
            .map(OperatorRow::into_domain)
            .collect::<QueryResult<_>>()
            .map_err(store_error)
    }

    async fn count(&self, query: &OperatorQuery) -> Result<u64, StoreError> {
        let statement = TenantSql::new()
            .sql("SELECT count(*) AS n FROM operators")
            .append(filters(query));
        let count: Count = self
            .db
            .run(move |conn| async move { statement.get_result(conn).await }.scope_boxed())
            .await?;
        Ok(u64::try_from(count.n).unwrap_or_default())
    }
}

impl PgOperators {
    async fn read_one(&self, query: TenantSql) -> Result<Option<Operator>, StoreError> {
        let row: Option<OperatorRow> = self
            .db
            .run(move |conn| {
                async move {
                    use diesel::OptionalExtension as _;
                    query.get_result(conn).await.optional()
                }
                .scope_boxed()
            })
            .await?;
        row.map(OperatorRow::into_domain)
            .transpose()
            .map_err(store_error)
    }
}
