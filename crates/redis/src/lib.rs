//! Redis adapters: one-time codes with their attempt counters and resend throttles, TOTP replay
//! markers ([`RedisOtpStore`]), rate-limit state ([`RedisRateLimiter`]), and the login server's
//! short-lived records — logins in progress, authorization codes, CIBA requests, the counts of
//! slowed guessing ([`RedisEphemeralStore`]). Short-lived state with native expiry, shared by
//! every server instance.
//!
//! Every check-and-set is one Lua script (Redis runs a script atomically), so two instances can
//! never both accept one code, exceed the attempt limit, or let more events through than a rate
//! allows. The keys of one operation share a hash tag (`{...}`), so the scripts also run on Redis
//! Cluster. Every operation has a deadline; a failure or a timeout is `StoreError::Unavailable`
//! (503), never a hang. Each thread that uses Redis (each server worker) has its own multiplexed
//! connection, which reconnects by itself; a command that finds it broken (Redis restarted) is
//! sent once more on the fresh one before it fails (`connection.rs`).

mod connection;
mod ephemeral;
mod otp;
mod rate;

pub use ephemeral::RedisEphemeralStore;
pub use otp::RedisOtpStore;
pub use rate::RedisRateLimiter;

use connection::Connection;
use latchkey_core::StoreError;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::ThreadId;
use std::time::Duration;

/// How to reach Redis.
#[derive(Clone)]
pub struct RedisConfig {
    /// `redis://[:password@]host:6379[/db]` (or `rediss://` for TLS, when built with it).
    pub url: String,
    /// Deadline of one operation (connecting included).
    pub timeout: Duration,
    /// Prefix of every key (`latchkey:` by default); tests give each store its own.
    pub prefix: String,
}

impl fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConfig")
            .field("url", &redact_url(&self.url))
            .field("timeout", &self.timeout)
            .field("prefix", &self.prefix)
            .finish()
    }
}

/// Why Redis cannot be used as configured.
#[derive(Debug, thiserror::Error)]
#[error("LATCHKEY_REDIS_URL is not a valid Redis URL (redis://host:6379)")]
pub struct RedisConfigError(#[source] redis::RedisError);

/// Connections to Redis, shared by the adapters made from it.
#[derive(Clone)]
pub struct RedisDatabase {
    client: redis::Client,
    manager_config: ConnectionManagerConfig,
    /// One multiplexed connection per thread that uses Redis, driven by that thread's runtime
    /// (as the PostgreSQL pools are per worker): a command never hops to another thread and
    /// back, which costs more than the command itself on a busy machine.
    connections: Arc<Mutex<HashMap<ThreadId, ConnectionManager>>>,
    timeout: Duration,
    prefix: String,
}

impl fmt::Debug for RedisDatabase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisDatabase")
            .field("timeout", &self.timeout)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisDatabase {
    /// Checks the URL; connects lazily, at a thread's first operation, so that a server starts
    /// (and serves everything that does not need Redis) while Redis is down.
    pub fn new(config: &RedisConfig) -> Result<Self, RedisConfigError> {
        let client = redis::Client::open(config.url.as_str()).map_err(RedisConfigError)?;
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.timeout))
            .set_response_timeout(Some(config.timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        Ok(Self {
            client,
            manager_config,
            connections: Arc::default(),
            timeout: config.timeout,
            prefix: config.prefix.clone(),
        })
    }

    /// This thread's connection (made at its first use, on its Tokio runtime).
    fn connection(&self) -> Result<Connection, StoreError> {
        let thread = std::thread::current().id();
        let mut connections = self
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(connection) = connections.get(&thread) {
            return Ok(Connection::new(connection.clone()));
        }
        let connection = ConnectionManager::new_lazy_with_config(
            self.client.clone(),
            self.manager_config.clone(),
        )
        .map_err(|e| StoreError::Unavailable(Box::new(e)))?;
        connections.insert(thread, connection.clone());
        Ok(Connection::new(connection))
    }

    /// Whether Redis answers (readiness).
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut connection = self.connection()?;
        self.run(async move {
            redis::cmd("PING")
                .query_async::<String>(&mut connection)
                .await
                .map(drop)
        })
        .await
    }

    pub fn ephemeral_store(&self) -> RedisEphemeralStore {
        RedisEphemeralStore::new(self.clone())
    }

    pub fn otp_store(&self) -> RedisOtpStore {
        RedisOtpStore::new(self.clone())
    }

    pub fn rate_limiter(&self) -> RedisRateLimiter {
        RedisRateLimiter::new(self.clone())
    }

    /// `{prefix}{kind}:{{key}}`: the braces make every key of one logical key share a slot.
    fn key(&self, kind: &str, key: &str, suffix: &str) -> String {
        format!("{}{kind}:{{{key}}}{suffix}", self.prefix)
    }

    /// Runs `operation` under the deadline; any failure is `Unavailable`.
    async fn run<T>(
        &self,
        operation: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(self.timeout, operation).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(StoreError::Unavailable(Box::new(e))),
            Err(elapsed) => Err(StoreError::Unavailable(Box::new(elapsed))),
        }
    }
}

/// The URL with its password replaced by `***`, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// Milliseconds of a non-negative duration, for PX/PEXPIRE (at least 1: Redis refuses 0).
fn millis(d: time::Duration) -> i64 {
    i64::try_from(d.whole_milliseconds())
        .unwrap_or(i64::MAX)
        .max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_passwords() {
        assert_eq!(
            redact_url("redis://:s3cret@cache:6379/0"),
            "redis://:***@cache:6379/0"
        );
        assert_eq!(
            redact_url("redis://app:s3cret@cache:6379"),
            "redis://app:***@cache:6379"
        );
        assert_eq!(redact_url("redis://cache:6379"), "redis://cache:6379");
    }
}
