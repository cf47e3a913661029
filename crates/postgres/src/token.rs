//! Signing keys (in `public`) and security tokens (in each tenant's schema).

use crate::schema::{security_tokens, signing_keys};
use crate::{PgDatabase, QueryResult, corrupt, some_row};
use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use latchkey_access::{SigningAlgorithm, SigningKey, SigningKeyStore};
use latchkey_core::{OrgId, SecretHash, StoreError, Timestamp};
use latchkey_credential::{SecurityToken, SecurityTokenStore, TokenPurpose};
use scoped_futures::ScopedFutureExt;
use uuid::Uuid;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = signing_keys, check_for_backend(diesel::pg::Pg))]
struct KeyRow {
    kid: String,
    algorithm: String,
    private_pkcs8: Vec<u8>,
    created_at: Timestamp,
}

impl KeyRow {
    fn into_domain(self) -> QueryResult<SigningKey> {
        Ok(SigningKey {
            algorithm: SigningAlgorithm::parse(&self.algorithm)
                .ok_or_else(|| corrupt("signing key algorithm"))?,
            kid: self.kid,
            private_pkcs8: self.private_pkcs8,
            created_at: self.created_at,
        })
    }
}

/// [`SigningKeyStore`] on `public.signing_keys`.
#[derive(Debug, Clone)]
pub struct PgSigningKeyStore {
    db: PgDatabase,
}

impl PgSigningKeyStore {
    pub fn new(db: PgDatabase) -> Self {
        Self { db }
    }
}

#[async_trait]
impl SigningKeyStore for PgSigningKeyStore {
    async fn insert(&self, key: SigningKey) -> Result<(), StoreError> {
        let row = KeyRow {
            kid: key.kid.clone(),
            algorithm: key.algorithm.as_str().to_owned(),
            private_pkcs8: key.private_pkcs8.clone(),
            created_at: key.created_at,
        };
        self.db
            .run(move |conn| {
                async move {
                    diesel::insert_into(signing_keys::table)
                        .values(&row)
                        .execute(conn)
                        .await
                        .map(drop)
                }
                .scope_boxed()
            })
            .await
    }

    async fn list(&self) -> Result<Vec<SigningKey>, StoreError> {
        self.db
            .run(|conn| {
                async move {
                    signing_keys::table
                        .order((signing_keys::created_at, signing_keys::kid))
                        .select(KeyRow::as_select())
                        .load(conn)
                        .await?
                        .into_iter()
                        .map(KeyRow::into_domain)
                        .collect()
                }
                .scope_boxed()
            })
            .await
    }

    async fn remove(&self, kid: &str) -> Result<(), StoreError> {
        let kid = kid.to_owned();
        self.db
            .run(move |conn| {
                async move {
                    diesel::delete(signing_keys::table.find(kid))
                        .execute(conn)
                        .await
                        .and_then(some_row)
                }
                .scope_boxed()
            })
            .await
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = security_tokens, check_for_backend(diesel::pg::Pg))]
struct TokenRow {
    id: Uuid,
    subject: String,
    purpose: String,
    secret_hash: Vec<u8>,
    created_at: Timestamp,
    expires_at: Timestamp,
    proves_email: bool,
}

impl TokenRow {
    fn from_domain(token: &SecurityToken) -> Self {
        Self {
            id: token.id,
            subject: token.subject.clone(),
            purpose: token.purpose.as_str().to_owned(),
            secret_hash: token.secret_hash.as_bytes().to_vec(),
            created_at: token.created_at,
            expires_at: token.expires_at,
            proves_email: token.proves_email,
        }
    }

    fn into_domain(self) -> QueryResult<SecurityToken> {
        let hash: [u8; 32] = self
            .secret_hash
            .try_into()
            .map_err(|_| corrupt("token secret hash"))?;
        Ok(SecurityToken {
            id: self.id,
            subject: self.subject,
            purpose: TokenPurpose::parse(&self.purpose).ok_or_else(|| corrupt("token purpose"))?,
            secret_hash: SecretHash::from_bytes(hash),
            created_at: self.created_at,
            expires_at: self.expires_at,
            proves_email: self.proves_email,
        })
    }
}

/// [`SecurityTokenStore`] on the `security_tokens` table of each tenant's schema.
#[derive(Debug, Clone)]
pub struct PgSecurityTokenStore {
    db: PgDatabase,
}

impl PgSecurityTokenStore {
    pub fn new(db: PgDatabase) -> Self {
        Self { db }
    }
}

#[async_trait]
impl SecurityTokenStore for PgSecurityTokenStore {
    async fn insert(&self, org: &OrgId, token: SecurityToken) -> Result<(), StoreError> {
        let row = &TokenRow::from_domain(&token);
        self.db
            .in_tenant(org, move |conn| {
                async move {
                    diesel::insert_into(security_tokens::table)
                        .values(row)
                        .execute(conn)
                        .await
                        .map(drop)
                }
                .scope_boxed()
            })
            .await
    }

    async fn get(&self, org: &OrgId, id: Uuid) -> Result<Option<SecurityToken>, StoreError> {
        self.db
            .in_tenant(org, move |conn| {
                async move {
                    security_tokens::table
                        .find(id)
                        .select(TokenRow::as_select())
                        .first(conn)
                        .await
                        .optional()?
                        .map(TokenRow::into_domain)
                        .transpose()
                }
                .scope_boxed()
            })
            .await
    }

    /// `DELETE ... RETURNING`: the row lock makes exactly one concurrent caller see the row.
    async fn take(&self, org: &OrgId, id: Uuid) -> Result<Option<SecurityToken>, StoreError> {
        self.db
            .in_tenant(org, move |conn| {
                async move {
                    diesel::delete(security_tokens::table.find(id))
                        .returning(TokenRow::as_returning())
                        .get_result(conn)
                        .await
                        .optional()?
                        .map(TokenRow::into_domain)
                        .transpose()
                }
                .scope_boxed()
            })
            .await
    }

    async fn delete_for_subject(
        &self,
        org: &OrgId,
        subject: &str,
        purposes: &[TokenPurpose],
    ) -> Result<u64, StoreError> {
        let purposes = &purposes.iter().map(|p| p.as_str()).collect::<Vec<_>>();
        self.db
            .in_tenant(org, move |conn| {
                async move {
                    diesel::delete(
                        security_tokens::table
                            .filter(security_tokens::subject.eq(subject))
                            .filter(security_tokens::purpose.eq_any(purposes)),
                    )
                    .execute(conn)
                    .await
                    .map(|n| n as u64)
                }
                .scope_boxed()
            })
            .await
    }
}
