//! Operators' TOTP enrollments, in `public.operator_totp_secrets` (secrets sealed by the
//! domain's cipher before they get here): an active and a pending secret per operator, as each
//! tenant's `totp_secrets` keeps them per credential. The row dies with its operator.

use crate::operator_keys::execute_for_holder;
use crate::row_columns::upsert_values;
use crate::statement::{Piece, TenantSql};
use crate::totp::enrollment;
use crate::{PgDatabase, QueryResult};
use async_trait::async_trait;
use diesel::OptionalExtension as _;
use diesel::QueryableByName;
use diesel::sql_types::{Bytea, Nullable, Timestamptz};
use diesel_async::RunQueryDsl;
use latchkey_core::{StoreError, Timestamp};
use latchkey_otp::{OperatorTotpStore, SealedSecret, TotpEnrollment};
use scoped_futures::ScopedFutureExt;
use uuid::Uuid;

#[derive(QueryableByName)]
struct TotpRow {
    #[diesel(sql_type = Nullable<Bytea>)]
    active_secret: Option<Vec<u8>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    activated_at: Option<Timestamp>,
    #[diesel(sql_type = Nullable<Bytea>)]
    pending_secret: Option<Vec<u8>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pending_at: Option<Timestamp>,
}

impl TotpRow {
    fn into_domain(self) -> QueryResult<Option<TotpEnrollment>> {
        enrollment(
            (self.active_secret, self.activated_at),
            (self.pending_secret, self.pending_at),
            "operator's TOTP secret without its time",
        )
    }
}

/// [`OperatorTotpStore`] on PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgOperatorTotpStore {
    db: PgDatabase,
}

impl PgOperatorTotpStore {
    pub fn new(db: PgDatabase) -> Self {
        Self { db }
    }
}

#[async_trait]
impl OperatorTotpStore for PgOperatorTotpStore {
    async fn get(&self, operator: Uuid) -> Result<Option<TotpEnrollment>, StoreError> {
        let query = TenantSql::new()
            .sql(
                "SELECT active_secret, activated_at, pending_secret, pending_at \
                 FROM operator_totp_secrets WHERE operator_id = ",
            )
            .bind(Piece::Uuid(operator));
        self.db
            .run(move |conn| {
                async move {
                    let row: Option<TotpRow> = query.get_result(conn).await.optional()?;
                    Ok(row.map(TotpRow::into_domain).transpose()?.flatten())
                }
                .scope_boxed()
            })
            .await
    }

    /// An operator that is not there breaks the foreign key: `NotFound`.
    async fn put_pending(
        &self,
        operator: Uuid,
        secret: SealedSecret,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let query = upsert_values(
            "operator_totp_secrets",
            "operator_id",
            Piece::Uuid(operator),
            vec![
                ("pending_secret", Piece::Bytes(secret.0), ""),
                ("pending_at", Piece::Time(at), ""),
            ],
        );
        self.db
            .run(move |conn| execute_for_holder(query, conn))
            .await
    }

    /// One `UPDATE ... WHERE pending_secret = $2`: of two concurrent activations, or an
    /// activation racing a new enrollment, the row lock lets one see the secret.
    async fn activate(
        &self,
        operator: Uuid,
        secret: &SealedSecret,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let query = TenantSql::new()
            .sql("UPDATE operator_totp_secrets SET active_secret = pending_secret, activated_at = ")
            .bind(Piece::Time(at))
            .sql(", pending_secret = NULL, pending_at = NULL WHERE operator_id = ")
            .bind(Piece::Uuid(operator))
            .sql(" AND pending_secret = ")
            .bind(Piece::Bytes(secret.0.clone()));
        let touched = self
            .db
            .run(move |conn| async move { query.execute(conn).await }.scope_boxed())
            .await?;
        if touched == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    async fn delete(&self, operator: Uuid) -> Result<(), StoreError> {
        let query = TenantSql::new()
            .sql("DELETE FROM operator_totp_secrets WHERE operator_id = ")
            .bind(Piece::Uuid(operator));
        self.db
            .run(move |conn| async move { query.execute(conn).await.map(drop) }.scope_boxed())
            .await
    }
}
