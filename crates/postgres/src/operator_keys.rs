//! Operators' API keys, in `public.operator_api_keys` (secrets only as SHA-256 hashes; the
//! rights as `jsonb`). A key's operator is its foreign key: inserting a key for an operator that
//! is not there (or being deleted) breaks it, and deleting the operator deletes its keys.

use crate::operator::PgOperators;
use crate::row_columns::{from_json, to_json};
use crate::statement::{Piece, TenantSql};
use crate::{QueryResult, corrupt, store_error};
use async_trait::async_trait;
use diesel::OptionalExtension as _;
use diesel::QueryableByName;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{Bytea, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use latchkey_core::{SecretHash, StoreError, Timestamp};
use latchkey_operator::{AccessRight, ApiKey, ApiKeyAccess, ApiKeyStore};
use scoped_futures::{ScopedBoxFuture, ScopedFutureExt};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

const COLUMNS: &str =
    "id, operator_id, name, description, hash, created, expires, last_use, rights::text AS rights";

#[derive(QueryableByName)]
struct KeyRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    operator_id: Uuid,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    description: String,
    #[diesel(sql_type = Bytea)]
    hash: Vec<u8>,
    #[diesel(sql_type = Timestamptz)]
    created: Timestamp,
    #[diesel(sql_type = Timestamptz)]
    expires: Timestamp,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    last_use: Option<Timestamp>,
    #[diesel(sql_type = Text)]
    rights: String,
}

#[derive(Serialize, Deserialize)]
struct RightJson {
    service: String,
    access: String,
}

pub(crate) fn hash(bytes: Vec<u8>) -> QueryResult<SecretHash> {
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| corrupt("secret hash"))?;
    Ok(SecretHash::from_bytes(bytes))
}

impl KeyRow {
    fn into_domain(self) -> QueryResult<ApiKey> {
        let rights: Vec<RightJson> = from_json(&self.rights, "API key's rights")?;
        Ok(ApiKey {
            id: self.id,
            operator: self.operator_id,
            name: self.name,
            description: self.description,
            hash: hash(self.hash)?,
            created: self.created,
            expires: self.expires,
            last_use: self.last_use,
            rights: rights
                .into_iter()
                .map(|r| {
                    Ok(AccessRight {
                        access: ApiKeyAccess::parse(&r.access)
                            .ok_or_else(|| corrupt("API key's access"))?,
                        service: r.service,
                    })
                })
                .collect::<QueryResult<_>>()?,
        })
    }
}

/// `NotFound` for a broken foreign key (the row's operator is not there): what the ports say
/// of a key or session inserted for an unknown operator.
pub(crate) fn missing_operator(error: DieselError) -> DieselError {
    match error {
        DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
            DieselError::NotFound
        }
        other => other,
    }
}

/// Executes a write of a row whose operator (or subscriber's credential) is its foreign key:
/// `NotFound` when that holder is not there ([`missing_operator`]).
pub(crate) fn execute_for_holder(
    query: TenantSql,
    conn: &mut AsyncPgConnection,
) -> ScopedBoxFuture<'static, '_, QueryResult<()>> {
    async move {
        query
            .execute(conn)
            .await
            .map(drop)
            .map_err(missing_operator)
    }
    .scope_boxed()
}

impl PgOperators {
    async fn load_keys(&self, query: TenantSql) -> Result<Vec<ApiKey>, StoreError> {
        let rows: Vec<KeyRow> = self
            .db
            .run(move |conn| async move { query.load(conn).await }.scope_boxed())
            .await?;
        rows.into_iter()
            .map(KeyRow::into_domain)
            .collect::<QueryResult<_>>()
            .map_err(store_error)
    }
}

#[async_trait]
impl ApiKeyStore for PgOperators {
    async fn insert(&self, key: &ApiKey) -> Result<(), StoreError> {
        let rights: Vec<RightJson> = key
            .rights
            .iter()
            .map(|r| RightJson {
                service: r.service.clone(),
                access: r.access.as_str().to_owned(),
            })
            .collect();
        let query = TenantSql::new()
            .sql(format!(
                "INSERT INTO operator_api_keys ({}) VALUES (",
                COLUMNS.replace("rights::text AS rights", "rights")
            ))
            .bind(Piece::Uuid(key.id))
            .sql(", ")
            .bind(Piece::Uuid(key.operator))
            .sql(", ")
            .bind(Piece::Text(key.name.clone()))
            .sql(", ")
            .bind(Piece::Text(key.description.clone()))
            .sql(", ")
            .bind(Piece::Bytes(key.hash.as_bytes().to_vec()))
            .sql(", ")
            .bind(Piece::Time(key.created))
            .sql(", ")
            .bind(Piece::Time(key.expires))
            .sql(", ")
            .bind(Piece::MaybeTime(key.last_use))
            .sql(", ")
            .bind(Piece::Text(to_json(&rights)))
            .sql("::jsonb)");
        self.db
            .run(move |conn| execute_for_holder(query, conn))
            .await
    }

    async fn list(&self, operator: Uuid) -> Result<Vec<ApiKey>, StoreError> {
        let query = TenantSql::new()
            .sql(format!(
                "SELECT {COLUMNS} FROM operator_api_keys WHERE operator_id = "
            ))
            .bind(Piece::Uuid(operator))
            .sql(" ORDER BY created, id");
        self.load_keys(query).await
    }

    async fn by_hash(&self, hash: &SecretHash) -> Result<Option<ApiKey>, StoreError> {
        let query = TenantSql::new()
            .sql(format!(
                "SELECT {COLUMNS} FROM operator_api_keys WHERE hash = "
            ))
            .bind(Piece::Bytes(hash.as_bytes().to_vec()));
        let row: Option<KeyRow> = self
            .db
            .run(move |conn| async move { query.get_result(conn).await.optional() }.scope_boxed())
            .await?;
        row.map(KeyRow::into_domain)
            .transpose()
            .map_err(store_error)
    }

    async fn delete(&self, operator: Uuid, id: Uuid) -> Result<bool, StoreError> {
        let query = TenantSql::new()
            .sql("DELETE FROM operator_api_keys WHERE id = ")
            .bind(Piece::Uuid(id))
            .sql(" AND operator_id = ")
            .bind(Piece::Uuid(operator));
        self.db
            .run(move |conn| async move { Ok(query.execute(conn).await? > 0) }.scope_boxed())
            .await
    }

    async fn touch(&self, id: Uuid, at: Timestamp) -> Result<bool, StoreError> {
        let query = TenantSql::new()
            .sql("UPDATE operator_api_keys SET last_use = ")
            .bind(Piece::Time(at))
            .sql(" WHERE id = ")
            .bind(Piece::Uuid(id));
        self.db
            .run(move |conn| async move { Ok(query.execute(conn).await? > 0) }.scope_boxed())
            .await
    }

    async fn describe(
        &self,
        operator: Uuid,
        id: Uuid,
        description: &str,
    ) -> Result<Option<ApiKey>, StoreError> {
        let query = TenantSql::new()
            .sql("UPDATE operator_api_keys SET description = ")
            .bind(Piece::Text(description.to_owned()))
            .sql(" WHERE id = ")
            .bind(Piece::Uuid(id))
            .sql(" AND operator_id = ")
            .bind(Piece::Uuid(operator))
            .sql(format!(" RETURNING {COLUMNS}"));
        let row: Option<KeyRow> = self
            .db
            .run(move |conn| async move { query.get_result(conn).await.optional() }.scope_boxed())
            .await?;
        row.map(KeyRow::into_domain)
            .transpose()
            .map_err(store_error)
    }
}
