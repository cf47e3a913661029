//! Tenants and API clients, in `public`.

use crate::schema::{api_clients, tenants};
use crate::{PgDatabase, QueryResult, corrupt, some_row};
use async_trait::async_trait;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use diesel::upsert::excluded;
use diesel_async::RunQueryDsl;
use latchkey_core::{OrgId, SecretHash, StoreError, Timestamp};
use latchkey_tenancy::{
    ApiClient, ClientId, ClientName, ClientRegistry, Grant, GrantSet, IdTokenAlg, LoginSettings,
    OrgAccess, RedirectUri, Scope, ScopeSet, Tenant, TenantDirectory, TenantName,
};
use scoped_futures::ScopedFutureExt;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = tenants, check_for_backend(diesel::pg::Pg))]
struct TenantRow {
    id: String,
    name: String,
    enabled: bool,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl TenantRow {
    fn from_domain(tenant: &Tenant) -> Self {
        Self {
            id: tenant.id.as_str().to_owned(),
            name: tenant.name.as_str().to_owned(),
            enabled: tenant.enabled,
            created_at: tenant.created_at,
            updated_at: tenant.updated_at,
        }
    }

    fn into_domain(self) -> QueryResult<Tenant> {
        Ok(Tenant {
            id: OrgId::parse(&self.id).map_err(|_| corrupt("org id"))?,
            name: TenantName::parse(&self.name).map_err(|_| corrupt("tenant name"))?,
            enabled: self.enabled,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// [`TenantDirectory`] on `public.tenants`. Creating a tenant first creates its schema and
/// applies the tenant migrations, so a stored tenant always has a schema ready.
#[derive(Debug, Clone)]
pub struct PgTenantDirectory {
    db: PgDatabase,
}

impl PgTenantDirectory {
    pub fn new(db: PgDatabase) -> Self {
        Self { db }
    }
}

#[async_trait]
impl TenantDirectory for PgTenantDirectory {
    async fn put(&self, tenant: Tenant) -> Result<(Tenant, bool), StoreError> {
        if self.get(&tenant.id).await?.is_none() {
            self.db.prepare_tenant(&tenant.id).await?;
        }
        let row = TenantRow::from_domain(&tenant);
        self.db
            .run(move |conn| {
                async move {
                    // `xmax = 0` holds for a freshly inserted row, not for an updated one.
                    let (stored, created) = diesel::insert_into(tenants::table)
                        .values(&row)
                        .on_conflict(tenants::id)
                        .do_update()
                        .set((
                            tenants::name.eq(excluded(tenants::name)),
                            tenants::enabled.eq(excluded(tenants::enabled)),
                            tenants::updated_at.eq(excluded(tenants::updated_at)),
                        ))
                        .returning((TenantRow::as_returning(), sql::<Bool>("xmax = 0")))
                        .get_result::<(TenantRow, bool)>(conn)
                        .await?;
                    Ok((stored.into_domain()?, created))
                }
                .scope_boxed()
            })
            .await
    }

    async fn get(&self, org: &OrgId) -> Result<Option<Tenant>, StoreError> {
        let id = org.as_str().to_owned();
        self.db
            .run(move |conn| {
                async move {
                    tenants::table
                        .find(id)
                        .select(TenantRow::as_select())
                        .first(conn)
                        .await
                        .optional()?
                        .map(TenantRow::into_domain)
                        .transpose()
                }
                .scope_boxed()
            })
            .await
    }

    async fn list(&self) -> Result<Vec<Tenant>, StoreError> {
        self.db
            .run(|conn| {
                async move {
                    tenants::table
                        .order(tenants::id)
                        .select(TenantRow::as_select())
                        .load(conn)
                        .await?
                        .into_iter()
                        .map(TenantRow::into_domain)
                        .collect()
                }
                .scope_boxed()
            })
            .await
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = api_clients, check_for_backend(diesel::pg::Pg))]
struct ClientRow {
    id: String,
    name: String,
    secret_hash: Vec<u8>,
    scopes: Vec<String>,
    all_orgs: bool,
    orgs: Vec<String>,
    created_at: Timestamp,
    grants: Vec<String>,
    public: bool,
    redirect_uris: Vec<String>,
    id_token_alg: String,
    post_logout_redirect_uris: Vec<String>,
}

impl ClientRow {
    fn from_domain(client: &ApiClient) -> Self {
        let (all_orgs, orgs) = match &client.orgs {
            OrgAccess::All => (true, Vec::new()),
            only @ OrgAccess::Only(_) => (false, only.to_strings()),
        };
        Self {
            id: client.id.as_str().to_owned(),
            name: client.name.as_str().to_owned(),
            secret_hash: client.secret_hash.as_bytes().to_vec(),
            scopes: client
                .scopes
                .names()
                .into_iter()
                .map(str::to_owned)
                .collect(),
            all_orgs,
            orgs,
            created_at: client.created_at,
            grants: client
                .grants
                .names()
                .into_iter()
                .map(str::to_owned)
                .collect(),
            public: client.login.public,
            redirect_uris: client
                .login
                .redirect_uris
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect(),
            id_token_alg: client.login.id_token_alg.as_str().to_owned(),
            post_logout_redirect_uris: client
                .login
                .post_logout_redirect_uris
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect(),
        }
    }

    fn into_domain(self) -> QueryResult<ApiClient> {
        let hash: [u8; 32] = self
            .secret_hash
            .try_into()
            .map_err(|_| corrupt("client secret hash"))?;
        let scopes = self
            .scopes
            .iter()
            .map(|s| Scope::parse(s))
            .collect::<Result<ScopeSet, _>>()
            .map_err(|_| corrupt("client scope"))?;
        let orgs = if self.all_orgs {
            OrgAccess::All
        } else {
            OrgAccess::parse(&self.orgs).map_err(|_| corrupt("client org list"))?
        };
        Ok(ApiClient {
            id: ClientId::parse(&self.id).map_err(|_| corrupt("client id"))?,
            name: ClientName::parse(&self.name).map_err(|_| corrupt("client name"))?,
            secret_hash: SecretHash::from_bytes(hash),
            scopes,
            orgs,
            created_at: self.created_at,
            grants: self
                .grants
                .iter()
                .map(|g| Grant::parse(g))
                .collect::<Result<GrantSet, _>>()
                .map_err(|_| corrupt("client grant"))?,
            login: LoginSettings {
                public: self.public,
                // Read back as registered: one an older rule let in is kept, but is never a
                // destination (`RedirectUri::stored`).
                redirect_uris: self
                    .redirect_uris
                    .iter()
                    .map(|r| RedirectUri::stored(r))
                    .collect(),
                id_token_alg: IdTokenAlg::parse(&self.id_token_alg)
                    .map_err(|_| corrupt("client ID token algorithm"))?,
                post_logout_redirect_uris: self
                    .post_logout_redirect_uris
                    .iter()
                    .map(|r| RedirectUri::stored(r))
                    .collect(),
            },
        })
    }
}

/// [`ClientRegistry`] on `public.api_clients`.
#[derive(Debug, Clone)]
pub struct PgClientRegistry {
    db: PgDatabase,
}

impl PgClientRegistry {
    pub fn new(db: PgDatabase) -> Self {
        Self { db }
    }
}

#[async_trait]
impl ClientRegistry for PgClientRegistry {
    async fn insert(&self, client: ApiClient) -> Result<(), StoreError> {
        let row = ClientRow::from_domain(&client);
        self.db
            .run(move |conn| {
                async move {
                    diesel::insert_into(api_clients::table)
                        .values(&row)
                        .execute(conn)
                        .await
                        .map(drop)
                }
                .scope_boxed()
            })
            .await
    }

    async fn upsert(&self, client: ApiClient) -> Result<(), StoreError> {
        let row = ClientRow::from_domain(&client);
        self.db
            .run(move |conn| {
                async move {
                    diesel::insert_into(api_clients::table)
                        .values(&row)
                        .on_conflict(api_clients::id)
                        .do_update()
                        .set(&row)
                        .execute(conn)
                        .await
                        .map(drop)
                }
                .scope_boxed()
            })
            .await
    }

    async fn get(&self, id: &ClientId) -> Result<Option<ApiClient>, StoreError> {
        let id = id.as_str().to_owned();
        self.db
            .run(move |conn| {
                async move {
                    api_clients::table
                        .find(id)
                        .select(ClientRow::as_select())
                        .first(conn)
                        .await
                        .optional()?
                        .map(ClientRow::into_domain)
                        .transpose()
                }
                .scope_boxed()
            })
            .await
    }

    async fn list(&self) -> Result<Vec<ApiClient>, StoreError> {
        self.db
            .run(|conn| {
                async move {
                    api_clients::table
                        .order(api_clients::id)
                        .select(ClientRow::as_select())
                        .load(conn)
                        .await?
                        .into_iter()
                        .map(ClientRow::into_domain)
                        .collect()
                }
                .scope_boxed()
            })
            .await
    }

    async fn delete(&self, id: &ClientId) -> Result<(), StoreError> {
        let id = id.as_str().to_owned();
        self.db
            .run(move |conn| {
                async move {
                    diesel::delete(api_clients::table.find(id))
                        .execute(conn)
                        .await
                        .and_then(some_row)
                }
                .scope_boxed()
            })
            .await
    }
}
