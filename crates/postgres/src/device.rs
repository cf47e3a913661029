//! Device sessions and their refresh tokens, in the `devices` and `refresh_tokens` tables of
//! each tenant's schema (secrets only as SHA-256 hashes).

use crate::schema::{devices, refresh_tokens};
use crate::statement::{Piece, TenantSql};
use crate::{PgDatabase, QueryResult, corrupt, schema_ident};
use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use latchkey_core::{OrgId, SecretHash, StoreError, Timestamp};
use latchkey_device::{Device, DeviceStore, Exchange, RefreshToken};
use scoped_futures::ScopedFutureExt;
use uuid::Uuid;

/// The columns of `devices`, as [`DeviceRow`] reads them by name.
const DEVICE_COLUMNS: &str =
    "id, credential_id, user_agent, alias, secret_hash, created_at, expires_at, amr, auth_time";

#[derive(Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = devices, check_for_backend(diesel::pg::Pg))]
struct DeviceRow {
    id: Uuid,
    credential_id: Uuid,
    user_agent: String,
    alias: String,
    secret_hash: Vec<u8>,
    created_at: Timestamp,
    expires_at: Timestamp,
    /// Space-delimited (RFC 8176 method names hold no space).
    amr: String,
    auth_time: Timestamp,
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
            amr: d.amr.join(" "),
            auth_time: d.auth_time,
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
            amr: self
                .amr
                .split(' ')
                .filter(|m| !m.is_empty())
                .map(str::to_owned)
                .collect(),
            auth_time: self.auth_time,
        })
    }
}

/// The columns of `refresh_tokens`, as [`RefreshRow`] reads them by name.
const REFRESH_COLUMNS: &str = "id, device_id, credential_id, client_id, secret_hash, scope, \
    auth_time, created_at, expires_at, rotated_at";

#[derive(Queryable, QueryableByName, Selectable, Insertable)]
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
    rotated_at: Option<Timestamp>,
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
            rotated_at: t.rotated_at,
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
            rotated_at: self.rotated_at,
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
    /// One statement naming the schema, no transaction (every login starts a device): the
    /// stamp of `last_login_at` and the insert, so that a login is one write and one commit.
    async fn insert_device(&self, org: &OrgId, device: Device) -> Result<(), StoreError> {
        let row = DeviceRow::from_domain(device);
        let schema = schema_ident(org);
        let query = TenantSql::new()
            .sql(format!(
                "WITH stamped AS (UPDATE {schema}.credentials SET last_login_at = "
            ))
            .bind(Piece::Time(row.created_at))
            .sql(" WHERE id = ")
            .bind(Piece::Uuid(row.credential_id))
            .sql(format!(
                " AND deleted_at IS NULL) INSERT INTO {schema}.devices ({DEVICE_COLUMNS}) VALUES ("
            ))
            .bind(Piece::Uuid(row.id))
            .sql(", ")
            .bind(Piece::Uuid(row.credential_id))
            .sql(", ")
            .bind(Piece::Text(row.user_agent))
            .sql(", ")
            .bind(Piece::Text(row.alias))
            .sql(", ")
            .bind(Piece::Bytes(row.secret_hash))
            .sql(", ")
            .bind(Piece::Time(row.created_at))
            .sql(", ")
            .bind(Piece::Time(row.expires_at))
            .sql(", ")
            .bind(Piece::Text(row.amr))
            .sql(", ")
            .bind(Piece::Time(row.auth_time))
            .sql(")");
        self.db
            .run(move |conn| async move { query.execute(conn).await.map(drop) }.scope_boxed())
            .await
    }

    /// One statement naming the schema, no transaction (single sign-on, code exchanges).
    async fn get_device(&self, org: &OrgId, id: Uuid) -> Result<Option<Device>, StoreError> {
        let query = TenantSql::new()
            .sql(format!(
                "SELECT {DEVICE_COLUMNS} FROM {}.devices WHERE id = ",
                schema_ident(org)
            ))
            .bind(Piece::Uuid(id));
        let row: Option<DeviceRow> = self
            .db
            .run(move |conn| async move { query.get_result(conn).await.optional() }.scope_boxed())
            .await?;
        row.map(DeviceRow::into_domain)
            .transpose()
            .map_err(crate::store_error)
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

    async fn delete_refresh(&self, org: &OrgId, id: Uuid) -> Result<bool, StoreError> {
        self.db
            .in_tenant(org, move |conn| {
                async move {
                    let n = diesel::delete(refresh_tokens::table.find(id))
                        .execute(conn)
                        .await?;
                    Ok(n > 0)
                }
                .scope_boxed()
            })
            .await
    }

    /// The hot path of every refresh grant: one `UPDATE` of the token's row, the schema named
    /// in the statement (no transaction, no `search_path`), prepared once per connection and
    /// tenant. It replaces the secret only when id, client, expiry and secret match; of
    /// concurrent exchanges of one secret, the others wait for the row and then find another
    /// secret. Only when nothing matched does a second statement tell `Reused` from `Refused`.
    async fn exchange_refresh(
        &self,
        org: &OrgId,
        id: Uuid,
        secret_hash: &SecretHash,
        client_id: &str,
        now: Timestamp,
        next: &SecretHash,
    ) -> Result<Exchange, StoreError> {
        let schema = schema_ident(org);
        let rotate = TenantSql::new()
            .sql(format!("UPDATE {schema}.refresh_tokens SET secret_hash = "))
            .bind(Piece::Bytes(next.as_bytes().to_vec()))
            .sql(", rotated_at = ")
            .bind(Piece::Time(now))
            .sql(" WHERE id = ")
            .bind(Piece::Uuid(id))
            .sql(" AND client_id = ")
            .bind(Piece::Text(client_id.to_owned()))
            .sql(" AND expires_at > ")
            .bind(Piece::Time(now))
            .sql(" AND secret_hash = ")
            .bind(Piece::Bytes(secret_hash.as_bytes().to_vec()))
            .sql(format!(" RETURNING {REFRESH_COLUMNS}"));
        let rotated: Option<RefreshRow> = self
            .db
            .run(move |conn| async move { rotate.get_result(conn).await.optional() }.scope_boxed())
            .await?;
        if let Some(row) = rotated {
            let token = row.into_domain().map_err(crate::store_error)?;
            return Ok(Exchange::Rotated { token });
        }
        let read = TenantSql::new()
            .sql(format!(
                "SELECT {REFRESH_COLUMNS} FROM {schema}.refresh_tokens WHERE id = "
            ))
            .bind(Piece::Uuid(id));
        let found: Option<RefreshRow> = self
            .db
            .run(move |conn| async move { read.get_result(conn).await.optional() }.scope_boxed())
            .await?;
        Ok(match found {
            Some(t) if t.client_id == client_id && t.expires_at > now => Exchange::Reused {
                device: t.device_id,
            },
            _ => Exchange::Refused,
        })
    }
}
