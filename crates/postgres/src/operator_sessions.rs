//! Operators' sign-in sessions, in `public.operator_sessions` (refresh tokens only as SHA-256
//! hashes). A rotation is one `UPDATE` matching the presented hash: of concurrent rotations of
//! one token, the first takes the row's lock and replaces the hash, and the others, once it
//! commits, find the row no longer matching.

use crate::operator::PgOperators;
use crate::operator_keys::{execute_for_holder, hash};
use crate::statement::{Piece, TenantSql};
use crate::{QueryResult, store_error};
use async_trait::async_trait;
use diesel::OptionalExtension as _;
use diesel::QueryableByName;
use diesel::sql_types::{Bytea, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use latchkey_core::{SecretHash, StoreError, Timestamp};
use latchkey_operator::{OperatorSession, OperatorSessionStore, Rotation};
use scoped_futures::ScopedFutureExt;
use uuid::Uuid;

const COLUMNS: &str = "id, operator_id, refresh_hash, access_jti, access_expires, created, amr, \
    last_refresh, expires";

#[derive(QueryableByName)]
struct SessionRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    operator_id: Uuid,
    #[diesel(sql_type = Bytea)]
    refresh_hash: Vec<u8>,
    #[diesel(sql_type = SqlUuid)]
    access_jti: Uuid,
    #[diesel(sql_type = Timestamptz)]
    access_expires: Timestamp,
    #[diesel(sql_type = Timestamptz)]
    created: Timestamp,
    /// Space-delimited (RFC 8176 method names hold no space).
    #[diesel(sql_type = Text)]
    amr: String,
    #[diesel(sql_type = Timestamptz)]
    last_refresh: Timestamp,
    #[diesel(sql_type = Timestamptz)]
    expires: Timestamp,
}

impl SessionRow {
    fn into_domain(self) -> QueryResult<OperatorSession> {
        Ok(OperatorSession {
            id: self.id,
            operator: self.operator_id,
            refresh: hash(self.refresh_hash)?,
            access_jti: self.access_jti,
            access_expires: self.access_expires,
            created: self.created,
            amr: self
                .amr
                .split(' ')
                .filter(|m| !m.is_empty())
                .map(str::to_owned)
                .collect(),
            last_refresh: self.last_refresh,
            expires: self.expires,
        })
    }
}

impl PgOperators {
    async fn load_sessions(&self, query: TenantSql) -> Result<Vec<OperatorSession>, StoreError> {
        let rows: Vec<SessionRow> = self
            .db
            .run(move |conn| async move { query.load(conn).await }.scope_boxed())
            .await?;
        rows.into_iter()
            .map(SessionRow::into_domain)
            .collect::<QueryResult<_>>()
            .map_err(store_error)
    }

    async fn one_session(&self, query: TenantSql) -> Result<Option<OperatorSession>, StoreError> {
        let row: Option<SessionRow> = self
            .db
            .run(move |conn| async move { query.get_result(conn).await.optional() }.scope_boxed())
            .await?;
        row.map(SessionRow::into_domain)
            .transpose()
            .map_err(store_error)
    }
}

#[async_trait]
impl OperatorSessionStore for PgOperators {
    async fn insert(&self, session: &OperatorSession) -> Result<(), StoreError> {
        let query = TenantSql::new()
            .sql(format!(
                "INSERT INTO operator_sessions ({COLUMNS}) VALUES ("
            ))
            .bind(Piece::Uuid(session.id))
            .sql(", ")
            .bind(Piece::Uuid(session.operator))
            .sql(", ")
            .bind(Piece::Bytes(session.refresh.as_bytes().to_vec()))
            .sql(", ")
            .bind(Piece::Uuid(session.access_jti))
            .sql(", ")
            .bind(Piece::Time(session.access_expires))
            .sql(", ")
            .bind(Piece::Time(session.created))
            .sql(", ")
            .bind(Piece::Text(session.amr.join(" ")))
            .sql(", ")
            .bind(Piece::Time(session.last_refresh))
            .sql(", ")
            .bind(Piece::Time(session.expires))
            .sql(")");
        self.db
            .run(move |conn| execute_for_holder(query, conn))
            .await
    }

    async fn get(&self, id: Uuid) -> Result<Option<OperatorSession>, StoreError> {
        let query = TenantSql::new()
            .sql(format!(
                "SELECT {COLUMNS} FROM operator_sessions WHERE id = "
            ))
            .bind(Piece::Uuid(id));
        self.one_session(query).await
    }

    async fn rotate(
        &self,
        presented: &SecretHash,
        replacement: &SecretHash,
        access_jti: Uuid,
        access_expires: Timestamp,
        now: Timestamp,
    ) -> Result<Rotation, StoreError> {
        let query = TenantSql::new()
            .sql("UPDATE operator_sessions SET refresh_hash = ")
            .bind(Piece::Bytes(replacement.as_bytes().to_vec()))
            .sql(", access_jti = ")
            .bind(Piece::Uuid(access_jti))
            .sql(", access_expires = ")
            .bind(Piece::Time(access_expires))
            .sql(", last_refresh = ")
            .bind(Piece::Time(now))
            .sql(" WHERE refresh_hash = ")
            .bind(Piece::Bytes(presented.as_bytes().to_vec()))
            .sql(" AND expires > ")
            .bind(Piece::Time(now))
            .sql(format!(" RETURNING {COLUMNS}"));
        Ok(match self.one_session(query).await? {
            Some(session) => Rotation::Rotated(session),
            None => Rotation::Refused,
        })
    }

    async fn delete(&self, id: Uuid) -> Result<Option<OperatorSession>, StoreError> {
        let query = TenantSql::new()
            .sql("DELETE FROM operator_sessions WHERE id = ")
            .bind(Piece::Uuid(id))
            .sql(format!(" RETURNING {COLUMNS}"));
        self.one_session(query).await
    }

    async fn delete_all(&self, operator: Uuid) -> Result<Vec<OperatorSession>, StoreError> {
        let query = TenantSql::new()
            .sql("DELETE FROM operator_sessions WHERE operator_id = ")
            .bind(Piece::Uuid(operator))
            .sql(format!(" RETURNING {COLUMNS}"));
        self.load_sessions(query).await
    }
}
