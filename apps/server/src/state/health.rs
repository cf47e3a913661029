//! What readiness checks: every storage the server was configured with. The database itself
//! when there is one (not the tenant list, which may come from a cache), else the in-memory
//! directory; and Redis when it is configured, since second factors, rate limits and logins in
//! progress live there.

use latchkey_postgres::PgDatabase;
use latchkey_redis::RedisDatabase;
use latchkey_tenancy::TenantService;

/// The storage readiness checks.
#[derive(Debug, Clone)]
pub struct Health {
    pub(super) database: Option<PgDatabase>,
    pub(super) redis: Option<RedisDatabase>,
    pub(super) tenants: TenantService,
}

/// A dependency that did not answer.
#[derive(Debug)]
pub struct Unready {
    /// `postgresql`, `redis` or `memory`: safe to show.
    pub dependency: &'static str,
    /// Its error and causes on one line: for the log only.
    pub cause: String,
}

impl Health {
    /// Whether the server runs on shared storage (another instance may change the keys).
    pub fn shared_storage(&self) -> bool {
        self.database.is_some()
    }

    /// Checks every dependency at once; those that do not answer (none: ready).
    pub async fn check(&self) -> Vec<Unready> {
        let storage = async {
            let (dependency, answer) = match &self.database {
                Some(db) => (
                    "postgresql",
                    db.ping().await.map_err(|e| crate::error_chain(&e)),
                ),
                None => (
                    "memory",
                    self.tenants
                        .enabled_orgs()
                        .await
                        .map(drop)
                        .map_err(|e| crate::error_chain(&e)),
                ),
            };
            answer.err().map(|cause| Unready { dependency, cause })
        };
        let redis = async {
            match &self.redis {
                Some(redis) => redis.ping().await.err().map(|e| Unready {
                    dependency: "redis",
                    cause: crate::error_chain(&e),
                }),
                None => None,
            }
        };
        let (storage, redis) = tokio::join!(storage, redis);
        storage.into_iter().chain(redis).collect()
    }
}
