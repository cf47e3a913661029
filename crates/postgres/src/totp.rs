//! TOTP enrollments, in the `totp_secrets` table of each tenant's schema (secrets sealed by the
//! domain's cipher before they get here): an active and a pending secret per credential.

use crate::schema::totp_secrets;
use crate::{PgDatabase, QueryResult, corrupt, some_row};
use async_trait::async_trait;
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::RunQueryDsl;
use latchkey_core::{OrgId, StoreError, Timestamp};
use latchkey_otp::{SealedSecret, StoredSecret, TotpEnrollment, TotpStore};
use scoped_futures::ScopedFutureExt;
use uuid::Uuid;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = totp_secrets, check_for_backend(diesel::pg::Pg))]
struct TotpRow {
    credential_id: Uuid,
    active_secret: Option<Vec<u8>>,
    activated_at: Option<Timestamp>,
    pending_secret: Option<Vec<u8>>,
    pending_at: Option<Timestamp>,
}

impl TotpRow {
    fn into_domain(self) -> QueryResult<Option<TotpEnrollment>> {
        enrollment(
            (self.active_secret, self.activated_at),
            (self.pending_secret, self.pending_at),
            "TOTP secret without its time",
        )
    }
}

/// The enrollment of an active and a pending secret, each a sealed secret and its time (both
/// or neither; `corrupt(what)` otherwise), as the credentials' and the operators' tables keep
/// them: `None` when neither is there.
pub(crate) fn enrollment(
    active: (Option<Vec<u8>>, Option<Timestamp>),
    pending: (Option<Vec<u8>>, Option<Timestamp>),
    what: &'static str,
) -> QueryResult<Option<TotpEnrollment>> {
    let stored = |(secret, at)| match (secret, at) {
        (Some(secret), Some(at)) => Ok(Some(StoredSecret {
            sealed: SealedSecret(secret),
            at,
        })),
        (None, None) => Ok(None),
        _ => Err(corrupt(what)),
    };
    let active = stored(active)?;
    let pending = stored(pending)?;
    Ok((active.is_some() || pending.is_some()).then_some(TotpEnrollment { active, pending }))
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
    async fn get(
        &self,
        org: &OrgId,
        credential: Uuid,
    ) -> Result<Option<TotpEnrollment>, StoreError> {
        self.db
            .in_tenant(org, move |conn| {
                async move {
                    Ok(totp_secrets::table
                        .find(credential)
                        .select(TotpRow::as_select())
                        .first(conn)
                        .await
                        .optional()?
                        .map(TotpRow::into_domain)
                        .transpose()?
                        .flatten())
                }
                .scope_boxed()
            })
            .await
    }

    async fn put_pending(
        &self,
        org: &OrgId,
        credential: Uuid,
        secret: SealedSecret,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let row = &TotpRow {
            credential_id: credential,
            active_secret: None,
            activated_at: None,
            pending_secret: Some(secret.0),
            pending_at: Some(at),
        };
        self.db
            .in_tenant(org, move |conn| {
                async move {
                    diesel::insert_into(totp_secrets::table)
                        .values(row)
                        .on_conflict(totp_secrets::credential_id)
                        .do_update()
                        .set((
                            totp_secrets::pending_secret.eq(excluded(totp_secrets::pending_secret)),
                            totp_secrets::pending_at.eq(excluded(totp_secrets::pending_at)),
                        ))
                        .execute(conn)
                        .await
                        .map(drop)
                }
                .scope_boxed()
            })
            .await
    }

    /// One `UPDATE ... WHERE pending_secret = $2`: of two concurrent activations, or an
    /// activation racing a new enrollment, the row lock lets one see the secret.
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
                            .filter(totp_secrets::pending_secret.eq(sealed)),
                    )
                    .set((
                        totp_secrets::active_secret.eq(totp_secrets::pending_secret),
                        totp_secrets::activated_at.eq(at),
                        totp_secrets::pending_secret.eq(None::<Vec<u8>>),
                        totp_secrets::pending_at.eq(None::<Timestamp>),
                    ))
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
