//! Credentials, in the `credentials` table of each tenant's schema.

use crate::schema::{credentials, devices};
use crate::statement::{Piece, TenantSql};
use crate::{PgDatabase, QueryResult, corrupt, schema_ident, some_row};
use async_trait::async_trait;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
use latchkey_core::{OrgId, StoreError, Timestamp};
use latchkey_credential::{
    Credential, CredentialAttrs, CredentialStore, Msisdn, PasswordHash, Username,
};
use scoped_futures::ScopedFutureExt;
use uuid::Uuid;

/// The most tenants one discover statement reads; more tenants take more statements.
const DISCOVER_BATCH: usize = 64;

#[derive(Queryable, QueryableByName, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = credentials, check_for_backend(diesel::pg::Pg), treat_none_as_null = true)]
struct CredentialRow {
    id: Uuid,
    username: String,
    enabled: bool,
    require2fa: bool,
    crm: String,
    customer_id: Option<String>,
    msisdn: Option<String>,
    password_hash: Option<String>,
    created_at: Timestamp,
    updated_at: Timestamp,
    last_login_at: Option<Timestamp>,
    deleted_at: Option<Timestamp>,
    email_verified_at: Option<Timestamp>,
}

impl CredentialRow {
    fn from_domain(c: &Credential) -> Self {
        Self {
            id: c.id,
            username: c.username.as_str().to_owned(),
            enabled: c.enabled,
            require2fa: c.require2fa,
            crm: c.attrs.crm.clone(),
            customer_id: c.attrs.customer_id.clone(),
            msisdn: c.attrs.msisdn.as_ref().map(|m| m.as_str().to_owned()),
            password_hash: c.password_hash.as_ref().map(|h| h.as_phc().to_owned()),
            created_at: c.created_at,
            updated_at: c.updated_at,
            last_login_at: c.last_login_at,
            deleted_at: c.deleted_at,
            email_verified_at: c.email_verified_at,
        }
    }

    fn into_domain(self) -> QueryResult<Credential> {
        Ok(Credential {
            id: self.id,
            username: Username::from_stored(&self.username).map_err(|_| corrupt("username"))?,
            enabled: self.enabled,
            require2fa: self.require2fa,
            attrs: CredentialAttrs {
                crm: self.crm,
                customer_id: self.customer_id,
                msisdn: self
                    .msisdn
                    .map(|m| Msisdn::parse(&m))
                    .transpose()
                    .map_err(|_| corrupt("msisdn"))?,
            },
            password_hash: self.password_hash.map(PasswordHash::from_phc),
            created_at: self.created_at,
            updated_at: self.updated_at,
            last_login_at: self.last_login_at,
            email_verified_at: self.email_verified_at,
            deleted_at: self.deleted_at,
        })
    }
}

/// One row of a discover statement: the position of its org in the request, and the credential.
#[derive(QueryableByName)]
struct DiscoverRow {
    #[diesel(sql_type = Integer)]
    position: i32,
    #[diesel(embed)]
    credential: CredentialRow,
}

/// [`CredentialStore`] on the `credentials` table of each tenant's schema.
#[derive(Debug, Clone)]
pub struct PgCredentialStore {
    db: PgDatabase,
}

impl PgCredentialStore {
    pub fn new(db: PgDatabase) -> Self {
        Self { db }
    }
}

impl PgCredentialStore {
    /// The live credential whose `column` is `value`: one statement naming the schema, no
    /// transaction (the login's and the API's hot path; see `statement.rs`).
    async fn live_by(
        &self,
        org: &OrgId,
        column: &'static str,
        value: Piece,
    ) -> Result<Option<Credential>, StoreError> {
        let query = TenantSql::new()
            .sql(format!(
                "SELECT {COLUMNS} FROM {}.credentials WHERE {column} = ",
                schema_ident(org)
            ))
            .bind(value)
            .sql(" AND deleted_at IS NULL");
        let row: Option<CredentialRow> = self
            .db
            .run(move |conn| async move { query.get_result(conn).await.optional() }.scope_boxed())
            .await?;
        row.map(CredentialRow::into_domain)
            .transpose()
            .map_err(crate::store_error)
    }

    /// The update of a live credential in one statement naming the schema, no transaction
    /// (every login stamps `last_login_at`). With `ends`, the credential's devices go in the same
    /// statement (a data-modifying `WITH`; their refresh tokens go by `ON DELETE CASCADE`), all
    /// of them or all but `Some(keep)`, and only when the update found the row.
    async fn update_statement(
        &self,
        org: &OrgId,
        credential: Credential,
        ends: Option<Option<Uuid>>,
    ) -> Result<(), StoreError> {
        let row = CredentialRow::from_domain(&credential);
        let schema = schema_ident(org);
        let opening = if ends.is_some() {
            format!("WITH updated AS (UPDATE {schema}.credentials SET username = ")
        } else {
            format!("UPDATE {schema}.credentials SET username = ")
        };
        let query = TenantSql::new()
            .sql(opening)
            .bind(Piece::Text(row.username))
            .sql(", enabled = ")
            .bind(Piece::Bool(row.enabled))
            .sql(", require2fa = ")
            .bind(Piece::Bool(row.require2fa))
            .sql(", crm = ")
            .bind(Piece::Text(row.crm))
            .sql(", customer_id = ")
            .bind(Piece::MaybeText(row.customer_id))
            .sql(", msisdn = ")
            .bind(Piece::MaybeText(row.msisdn))
            .sql(", password_hash = ")
            .bind(Piece::MaybeText(row.password_hash))
            .sql(", created_at = ")
            .bind(Piece::Time(row.created_at))
            .sql(", updated_at = ")
            .bind(Piece::Time(row.updated_at))
            .sql(", last_login_at = ")
            .bind(Piece::MaybeTime(row.last_login_at))
            .sql(", deleted_at = ")
            .bind(Piece::MaybeTime(row.deleted_at))
            .sql(", email_verified_at = ")
            .bind(Piece::MaybeTime(row.email_verified_at))
            .sql(" WHERE id = ")
            .bind(Piece::Uuid(row.id))
            .sql(" AND deleted_at IS NULL");
        let query = match ends {
            None => query,
            Some(None) => query.sql(format!(
                " RETURNING id), ended AS (DELETE FROM {schema}.devices WHERE credential_id IN \
                 (SELECT id FROM updated)) SELECT id FROM updated"
            )),
            Some(Some(keep)) => query
                .sql(format!(
                    " RETURNING id), ended AS (DELETE FROM {schema}.devices WHERE credential_id \
                     IN (SELECT id FROM updated) AND id <> "
                ))
                .bind(Piece::Uuid(keep))
                .sql(") SELECT id FROM updated"),
        };
        self.db
            .run(move |conn| async move { some_row(query.execute(conn).await?) }.scope_boxed())
            .await
    }
}

/// Replaces the live credential with `row.id`; `NotFound` when there is none.
async fn replace_live(
    conn: &mut diesel_async::AsyncPgConnection,
    row: &CredentialRow,
) -> QueryResult<()> {
    let updated = diesel::update(
        credentials::table
            .filter(credentials::id.eq(row.id))
            .filter(credentials::deleted_at.is_null()),
    )
    .set(row)
    .execute(conn)
    .await?;
    some_row(updated)
}

#[async_trait]
impl CredentialStore for PgCredentialStore {
    async fn find(
        &self,
        org: &OrgId,
        username: &Username,
    ) -> Result<Option<Credential>, StoreError> {
        self.live_by(org, "username", Piece::Text(username.as_str().to_owned()))
            .await
    }

    async fn find_by_id(&self, org: &OrgId, id: Uuid) -> Result<Option<Credential>, StoreError> {
        self.live_by(org, "id", Piece::Uuid(id)).await
    }

    async fn insert(&self, org: &OrgId, credential: Credential) -> Result<(), StoreError> {
        let row = &CredentialRow::from_domain(&credential);
        self.db
            .in_tenant(org, move |conn| {
                async move {
                    diesel::insert_into(credentials::table)
                        .values(row)
                        .execute(conn)
                        .await
                        .map(drop)
                }
                .scope_boxed()
            })
            .await
    }

    /// One statement naming the schema, no transaction (every login stamps `last_login_at`).
    /// A credential stored disabled or deleted takes its devices with it in the same statement
    /// (a data-modifying `WITH`; their refresh tokens go by `ON DELETE CASCADE`), and only
    /// when the update found the row.
    async fn update(&self, org: &OrgId, credential: Credential) -> Result<(), StoreError> {
        let ends = (!credential.enabled || credential.deleted_at.is_some()).then_some(None);
        self.update_statement(org, credential, ends).await
    }

    /// The statement of `update`, whose data-modifying `WITH` ends every device but `keep`.
    async fn update_ending_sessions(
        &self,
        org: &OrgId,
        credential: Credential,
        keep: Option<Uuid>,
    ) -> Result<(), StoreError> {
        self.update_statement(org, credential, Some(keep)).await
    }

    /// One transaction: the source row is replaced under the source's `search_path`, then the
    /// path moves to the destination's schema for the insert (a soft-deleted row there with the
    /// same id, left by an earlier move away, is given a fresh id first). A missing source (`NotFound`) or a
    /// taken username at the destination (`Conflict`) rolls both back. Two concurrent moves of
    /// one credential serialise on its row lock; the second finds it no longer live.
    async fn move_credential(
        &self,
        from: &OrgId,
        removed: Credential,
        to: &OrgId,
        moved: Credential,
    ) -> Result<(), StoreError> {
        let removed = &CredentialRow::from_domain(&removed);
        let moved = &CredentialRow::from_domain(&moved);
        let switch = &format!("SET LOCAL search_path TO {}", schema_ident(to));
        self.db
            .in_tenant(from, move |conn| {
                async move {
                    replace_live(conn, removed).await?;
                    diesel::delete(devices::table.filter(devices::credential_id.eq(removed.id)))
                        .execute(conn)
                        .await?;
                    conn.batch_execute(switch).await?;
                    // A credential moving back finds the record its first move left here: that
                    // soft-deleted row keeps its history under a fresh id, and the credential
                    // keeps its own.
                    diesel::update(
                        credentials::table
                            .filter(credentials::id.eq(moved.id))
                            .filter(credentials::deleted_at.is_not_null()),
                    )
                    .set(
                        credentials::id.eq(diesel::dsl::sql::<diesel::sql_types::Uuid>(
                            "gen_random_uuid()",
                        )),
                    )
                    .execute(conn)
                    .await?;
                    diesel::insert_into(credentials::table)
                        .values(moved)
                        .execute(conn)
                        .await
                        .map(drop)
                }
                .scope_boxed()
            })
            .await
    }

    /// One statement per [`DISCOVER_BATCH`] tenants: a `UNION ALL` of one indexed lookup per
    /// schema, each schema named explicitly and quoted, ordered by the org's position in `orgs`
    /// (batches follow one another, so the whole answer is in that order).
    async fn discover(
        &self,
        orgs: &[OrgId],
        username: &Username,
    ) -> Result<Vec<(OrgId, Credential)>, StoreError> {
        let mut found = Vec::new();
        for (batch_index, batch) in orgs.chunks(DISCOVER_BATCH).enumerate() {
            let offset = batch_index * DISCOVER_BATCH;
            let statement = discover_statement(batch, offset);
            let username = username.as_str().to_owned();
            let rows = self
                .db
                .run(move |conn| {
                    async move {
                        diesel::sql_query(statement)
                            .bind::<Text, _>(username)
                            .load::<DiscoverRow>(conn)
                            .await
                    }
                    .scope_boxed()
                })
                .await?;
            for row in rows {
                let org = usize::try_from(row.position)
                    .ok()
                    .and_then(|p| orgs.get(p))
                    .ok_or_else(|| crate::unavailable("discover answered an unknown position"))?;
                let credential = row.credential.into_domain().map_err(crate::store_error)?;
                found.push((org.clone(), credential));
            }
        }
        Ok(found)
    }
}

const COLUMNS: &str = "id, username, enabled, require2fa, crm, customer_id, msisdn, \
                       password_hash, created_at, updated_at, last_login_at, deleted_at, \
                       email_verified_at";

fn discover_statement(batch: &[OrgId], offset: usize) -> String {
    batch
        .iter()
        .enumerate()
        .map(|(i, org)| {
            format!(
                "(SELECT {position} AS position, {COLUMNS} FROM {schema}.credentials \
                 WHERE username = $1 AND deleted_at IS NULL)",
                position = offset + i,
                schema = schema_ident(org),
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ")
        + " ORDER BY position"
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn discover_names_each_schema_quoted_and_binds_the_username() {
        let orgs = [
            OrgId::parse("masmovil").expect("valid"),
            OrgId::parse("pepe-phone").expect("valid"),
        ];
        let sql = discover_statement(&orgs, 64);
        assert!(sql.contains("SELECT 64 AS position"));
        assert!(sql.contains("FROM \"tenant_masmovil\".credentials"));
        assert!(sql.contains("SELECT 65 AS position"));
        assert!(sql.contains("FROM \"tenant_pepe-phone\".credentials"));
        assert_eq!(sql.matches("$1").count(), 2);
        assert_eq!(sql.matches(" UNION ALL ").count(), 1);
        assert!(sql.ends_with(" ORDER BY position"), "{sql}");
    }
}
