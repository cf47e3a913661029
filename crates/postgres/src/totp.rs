//! TOTP enrollments, in the `totp_secrets` table of each tenant's schema (secrets sealed by the
//! domain's cipher before they get here).

use crate::schema::totp_secrets;
use crate::{PgDatabase, some_row};
use async_trait::async_trait;
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::RunQueryDsl;
use latchkey_core::{OrgId, StoreError, Timestamp};
use latchkey_otp::{SealedSecret, TotpRecord, TotpStore};
use scoped_futures::ScopedFutureExt;
use uuid::Uuid;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = totp_secrets, check_for_backend(diesel::pg::Pg))]
struct TotpRow {
    credential_id: Uuid,
    sealed_secret: Vec<u8>,
    created_at: Timestamp,
    activated_at: Option<Timestamp>,
}

/// [`TotpStore`] on PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgTotpStore {
    db: PgDatabase,
}

impl PgTotpStore {
    pub fn new(db: PgDatabase) -> Self {
        Self { db }
    }
}

#[async_trait]
impl TotpStore for PgTotpStore {
    async fn get(&self, org: &OrgId, credential: Uuid) -> Result<Option<TotpRecord>, StoreError> {
        self.db
            .in_tenant(org, move |conn| {
                async move {
                    Ok(totp_secrets::table
                        .find(credential)
                        .select(TotpRow::as_select())
                        .first(conn)
                        .await
                        .optional()?
                        .map(|row| TotpRecord {
                            secret: SealedSecret(row.sealed_secret),
                            created_at: row.created_at,
                            activated_at: row.activated_at,
                        }))
                }
                .scope_boxed()
            })
            .await
    }

    async fn put(
        &self,
        org: &OrgId,
        credential: Uuid,
        record: TotpRecord,
    ) -> Result<(), StoreError> {
        let row = &TotpRow {
            credential_id: credential,
            sealed_secret: record.secret.0,
            created_at: record.created_at,
            activated_at: record.activated_at,
        };
        self.db
            .in_tenant(org, move |conn| {
                async move {
                    diesel::insert_into(totp_secrets::table)
                        .values(row)
                        .on_conflict(totp_secrets::credential_id)
                        .do_update()
                        .set((
                            totp_secrets::sealed_secret.eq(excluded(totp_secrets::sealed_secret)),
                            totp_secrets::created_at.eq(excluded(totp_secrets::created_at)),
                            totp_secrets::activated_at.eq(excluded(totp_secrets::activated_at)),
                        ))
                        .execute(conn)
                        .await
                        .map(drop)
                }
                .scope_boxed()
            })
            .await
    }

    async fn activate(
        &self,
        org: &OrgId,
        credential: Uuid,
        secret: &SealedSecret,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let sealed = secret.0.as_slice();
        self.db
            .in_tenant(org, move |conn| {
                async move {
                    diesel::update(
                        totp_secrets::table
                            .filter(totp_secrets::credential_id.eq(credential))
                            .filter(totp_secrets::sealed_secret.eq(sealed)),
                    )
                    .set(totp_secrets::activated_at.eq(at))
                    .execute(conn)
                    .await
                    .and_then(some_row)
                }
                .scope_boxed()
            })
            .await
    }

    async fn delete(&self, org: &OrgId, credential: Uuid) -> Result<(), StoreError> {
        self.db
            .in_tenant(org, move |conn| {
                async move {
                    diesel::delete(totp_secrets::table.find(credential))
                        .execute(conn)
                        .await
                        .map(drop)
                }
                .scope_boxed()
            })
            .await
    }
}
