//! Device sessions and their refresh tokens, in the `devices` and `refresh_tokens` tables of
//! each tenant's schema (secrets only as SHA-256 hashes).

use crate::schema::{devices, refresh_tokens};
use crate::{PgDatabase, QueryResult, corrupt, schema_ident};
use async_trait::async_trait;
use diesel::prelude::*;
use diesel::sql_types;
use diesel_async::RunQueryDsl;
use latchkey_core::{OrgId, SecretHash, StoreError, Timestamp};
use latchkey_device::{Device, DeviceStore, Exchange, NewRefresh, RefreshToken};
use scoped_futures::ScopedFutureExt;
use uuid::Uuid;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = devices, check_for_backend(diesel::pg::Pg))]
struct DeviceRow {
    id: Uuid,
    credential_id: Uuid,
    user_agent: String,
    alias: String,
    secret_hash: Vec<u8>,
    created_at: Timestamp,
    expires_at: Timestamp,
}

impl DeviceRow {
    fn from_domain(d: Device) -> Self {
        Self {
            id: d.id,
            credential_id: d.credential,
            user_agent: d.user_agent,
            alias: d.alias,
            secret_hash: d.secret_hash.as_bytes().to_vec(),
            created_at: d.created_at,
            expires_at: d.expires_at,
        }
    }

    fn into_domain(self) -> QueryResult<Device> {
        Ok(Device {
            id: self.id,
            credential: self.credential_id,
            user_agent: self.user_agent,
            alias: self.alias,
            secret_hash: hash(self.secret_hash)?,
            created_at: self.created_at,
            expires_at: self.expires_at,
        })
    }
}

/// A row of the exchange statement: the token as it was read, and what happened.
#[derive(QueryableByName)]
struct ExchangeRow {
    #[diesel(sql_type = sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    device_id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    client_id: String,
    #[diesel(sql_type = sql_types::Bytea)]
    secret_hash: Vec<u8>,
    #[diesel(sql_type = sql_types::Text)]
    scope: String,
    #[diesel(sql_type = sql_types::BigInt)]
    auth_time: i64,
    #[diesel(sql_type = sql_types::Timestamptz)]
    created_at: Timestamp,
    #[diesel(sql_type = sql_types::Timestamptz)]
    expires_at: Timestamp,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Timestamptz>)]
    used_at: Option<Timestamp>,
    #[diesel(sql_type = sql_types::Uuid)]
    credential_id: Uuid,
    #[diesel(sql_type = sql_types::Bool)]
    rotated: bool,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens, check_for_backend(diesel::pg::Pg))]
struct RefreshRow {
    id: Uuid,
    device_id: Uuid,
    credential_id: Uuid,
    client_id: String,
    secret_hash: Vec<u8>,
    scope: String,
    auth_time: i64,
    created_at: Timestamp,
    expires_at: Timestamp,
    used_at: Option<Timestamp>,
}

impl RefreshRow {
    fn from_domain(t: RefreshToken) -> Self {
        Self {
            id: t.id,
            device_id: t.device,
            credential_id: t.credential,
            client_id: t.client_id,
            secret_hash: t.secret_hash.as_bytes().to_vec(),
            scope: t.scope,
            auth_time: t.auth_time,
            created_at: t.created_at,
            expires_at: t.expires_at,
            used_at: t.used_at,
        }
    }

    fn into_domain(self) -> QueryResult<RefreshToken> {
        Ok(RefreshToken {
            id: self.id,
            device: self.device_id,
            credential: self.credential_id,
            client_id: self.client_id,
            secret_hash: hash(self.secret_hash)?,
            scope: self.scope,
            auth_time: self.auth_time,
            created_at: self.created_at,
            expires_at: self.expires_at,
            used_at: self.used_at,
        })
    }
}

fn hash(bytes: Vec<u8>) -> QueryResult<SecretHash> {
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| corrupt("secret hash"))?;
    Ok(SecretHash::from_bytes(bytes))
}

/// [`DeviceStore`] on PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgDeviceStore {
    db: PgDatabase,
}

impl PgDeviceStore {
    pub fn new(db: PgDatabase) -> Self {
        Self { db }
    }
}

#[async_trait]
impl DeviceStore for PgDeviceStore {
    async fn insert_device(&self, org: &OrgId, device: Device) -> Result<(), StoreError> {
        let row = &DeviceRow::from_domain(device);
        self.db
            .in_tenant(org, move |conn| {
                async move {
                    diesel::insert_into(devices::table)
                        .values(row)
                        .execute(conn)
                        .await
                        .map(drop)
                }
                .scope_boxed()
            })
            .await
    }

    async fn get_device(&self, org: &OrgId, id: Uuid) -> Result<Option<Device>, StoreError> {
        self.db
            .in_tenant(org, move |conn| {
                async move {
                    devices::table
                        .find(id)
                        .select(DeviceRow::as_select())
                        .first(conn)
                        .await
                        .optional()?
                        .map(DeviceRow::into_domain)
                        .transpose()
                }
                .scope_boxed()
            })
            .await
    }

    async fn list_devices(
        &self,
        org: &OrgId,
        credential: Uuid,
        now: Timestamp,
    ) -> Result<Vec<Device>, StoreError> {
        self.db
            .in_tenant(org, move |conn| {
                async move {
                    devices::table
                        .filter(devices::credential_id.eq(credential))
                        .filter(devices::expires_at.gt(now))
                        .order((devices::created_at, devices::id))
                        .select(DeviceRow::as_select())
                        .load(conn)
                        .await?
                        .into_iter()
                        .map(DeviceRow::into_domain)
                        .collect()
                }
                .scope_boxed()
            })
            .await
    }

    async fn delete_device(
        &self,
        org: &OrgId,
        credential: Uuid,
        id: Uuid,
    ) -> Result<bool, StoreError> {
        self.db
            .in_tenant(org, move |conn| {
                async move {
                    let n = diesel::delete(
                        devices::table
                            .filter(devices::id.eq(id))
                            .filter(devices::credential_id.eq(credential)),
                    )
                    .execute(conn)
                    .await?;
                    Ok(n > 0)
                }
                .scope_boxed()
            })
            .await
    }

    async fn delete_devices(&self, org: &OrgId, credential: Uuid) -> Result<u64, StoreError> {
        self.db
            .in_tenant(org, move |conn| {
                async move {
                    let n = diesel::delete(
                        devices::table.filter(devices::credential_id.eq(credential)),
                    )
                    .execute(conn)
                    .await?;
                    Ok(n as u64)
                }
                .scope_boxed()
            })
            .await
    }

    async fn insert_refresh(&self, org: &OrgId, token: RefreshToken) -> Result<(), StoreError> {
        let row = &RefreshRow::from_domain(token);
        self.db
            .in_tenant(org, move |conn| {
                async move {
                    // Locks the device against a concurrent unlink until the insert commits.
                    devices::table
                        .find(row.device_id)
                        .select(devices::id)
                        .for_key_share()
                        .first::<Uuid>(conn)
                        .await?;
                    diesel::insert_into(refresh_tokens::table)
                        .values(row)
                        .execute(conn)
                        .await
                        .map(drop)
                }
                .scope_boxed()
            })
            .await
    }

    async fn get_refresh(&self, org: &OrgId, id: Uuid) -> Result<Option<RefreshToken>, StoreError> {
        self.db
            .in_tenant(org, move |conn| {
                async move {
                    refresh_tokens::table
                        .find(id)
                        .select(RefreshRow::as_select())
                        .first(conn)
                        .await
                        .optional()?
                        .map(RefreshRow::into_domain)
                        .transpose()
                }
                .scope_boxed()
            })
            .await
    }

    /// One call of the tenant schema's `exchange_refresh` function, no explicit transaction
    /// (the hot path of every refresh grant): the token and its device's credential are read
    /// `FOR UPDATE` (so of concurrent exchanges one sees the token unused; the others wait, then
    /// read it used), marked used and followed by the new token only when secret, client, use
    /// and expiry allow. The function is named with its schema, so no `search_path` is set.
    async fn exchange_refresh(
        &self,
        org: &OrgId,
        id: Uuid,
        secret_hash: &SecretHash,
        client_id: &str,
        now: Timestamp,
        new: NewRefresh,
    ) -> Result<Exchange, StoreError> {
        let schema = schema_ident(org);
        // The function of migration `2026-11-26-110000_exchange_refresh`.
        let statement = format!("SELECT * FROM {schema}.exchange_refresh($1, $2, $3, $4, $5, $6)");
        let presented = secret_hash.as_bytes().to_vec();
        let next_hash = new.secret_hash.as_bytes().to_vec();
        let client = client_id.to_owned();
        let row: Option<ExchangeRow> = self
            .db
            .run(move |conn| {
                async move {
                    diesel::sql_query(statement)
                        .bind::<sql_types::Uuid, _>(id)
                        .bind::<sql_types::Timestamptz, _>(now)
                        .bind::<sql_types::Bytea, _>(presented)
                        .bind::<sql_types::Text, _>(client)
                        .bind::<sql_types::Uuid, _>(new.id)
                        .bind::<sql_types::Bytea, _>(next_hash)
                        .get_result(conn)
                        .await
                        .optional()
                }
                .scope_boxed()
            })
            .await?;
        let Some(row) = row else {
            return Ok(Exchange::Refused);
        };
        let rotated = row.rotated;
        let credential = row.credential_id;
        let token = RefreshRow {
            id: row.id,
            device_id: row.device_id,
            credential_id: row.credential_id,
            client_id: row.client_id,
            secret_hash: row.secret_hash,
            scope: row.scope,
            auth_time: row.auth_time,
            created_at: row.created_at,
            expires_at: row.expires_at,
            used_at: row.used_at,
        }
        .into_domain()
        .map_err(crate::store_error)?;
        if rotated {
            return Ok(Exchange::Rotated {
                old: RefreshToken {
                    used_at: None,
                    ..token
                },
                credential,
            });
        }
        if token.secret_hash != *secret_hash || token.client_id != client_id {
            return Ok(Exchange::Refused);
        }
        if token.used_at.is_some() {
            return Ok(Exchange::Reused {
                device: token.device,
            });
        }
        Ok(Exchange::Refused)
    }
}
