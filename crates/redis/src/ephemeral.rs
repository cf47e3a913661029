//! The login server's short-lived records (logins in progress, authorization codes, CIBA
//! requests): plain keys with a TTL; `take` is `GETDEL`, `put_new` is `SET NX`.

use crate::{RedisDatabase, millis};
use async_trait::async_trait;
use latchkey_core::StoreError;
use latchkey_oauth::EphemeralStore;
use time::Duration;

/// The `EphemeralStore` on Redis.
#[derive(Debug, Clone)]
pub struct RedisEphemeralStore {
    db: RedisDatabase,
}

impl RedisEphemeralStore {
    pub(crate) fn new(db: RedisDatabase) -> Self {
        Self { db }
    }

    fn key(&self, key: &str) -> String {
        self.db.key("authn", key, "")
    }
}

#[async_trait]
impl EphemeralStore for RedisEphemeralStore {
    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), StoreError> {
        let mut connection = self.db.connection()?;
        let key = self.key(key);
        self.db
            .run(async move {
                redis::cmd("SET")
                    .arg(&key)
                    .arg(value)
                    .arg("PX")
                    .arg(millis(ttl))
                    .query_async::<()>(&mut connection)
                    .await
            })
            .await
    }

    async fn put_new(&self, key: &str, value: &[u8], ttl: Duration) -> Result<bool, StoreError> {
        let mut connection = self.db.connection()?;
        let key = self.key(key);
        let answer: Option<String> = self
            .db
            .run(async move {
                redis::cmd("SET")
                    .arg(&key)
                    .arg(value)
                    .arg("NX")
                    .arg("PX")
                    .arg(millis(ttl))
                    .query_async(&mut connection)
                    .await
            })
            .await?;
        Ok(answer.is_some())
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let mut connection = self.db.connection()?;
        let key = self.key(key);
        self.db
            .run(async move {
                redis::cmd("GET")
                    .arg(&key)
                    .query_async(&mut connection)
                    .await
            })
            .await
    }

    /// One pipeline of `GET`s: one round trip.
    async fn get_many(&self, keys: &[&str]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        if keys.is_empty() {
            // Redis refuses an empty pipeline.
            return Ok(Vec::new());
        }
        let mut connection = self.db.connection()?;
        let mut pipe = redis::pipe();
        for key in keys {
            pipe.get(self.key(key));
        }
        self.db
            .run(async move { pipe.query_async(&mut connection).await })
            .await
    }

    async fn take(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let mut connection = self.db.connection()?;
        let key = self.key(key);
        self.db
            .run(async move {
                redis::cmd("GETDEL")
                    .arg(&key)
                    .query_async(&mut connection)
                    .await
            })
            .await
    }

    async fn increment(&self, key: &str, ttl: Duration) -> Result<u64, StoreError> {
        let mut connection = self.db.connection()?;
        let key = self.key(key);
        let (count, _): (u64, i64) = self
            .db
            .run(async move {
                redis::pipe()
                    .atomic()
                    .cmd("INCR")
                    .arg(&key)
                    .cmd("PEXPIRE")
                    .arg(&key)
                    .arg(millis(ttl))
                    .query_async(&mut connection)
                    .await
            })
            .await?;
        Ok(count)
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        let mut connection = self.db.connection()?;
        let key = self.key(key);
        self.db
            .run(async move {
                redis::cmd("DEL")
                    .arg(&key)
                    .query_async::<i64>(&mut connection)
                    .await
                    .map(drop)
            })
            .await
    }
}
