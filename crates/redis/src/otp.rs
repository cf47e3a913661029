//! One-time codes, resend throttles and TOTP replay markers, each check-and-set one Lua script.

use crate::{RedisDatabase, millis};
use async_trait::async_trait;
use latchkey_core::{SecretHash, StoreError};
use latchkey_otp::{Issue, OtpStore, Redeem};
use redis::Script;
use std::sync::LazyLock;
use time::Duration;

/// KEYS: code, throttle. ARGV: hash, ttl ms, resend ms. Returns 0 when issued, else the
/// throttle's milliseconds left.
static ISSUE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local left = redis.call('PTTL', KEYS[2])
        if left > 0 then return left end
        redis.call('DEL', KEYS[1])
        redis.call('HSET', KEYS[1], 'h', ARGV[1], 'n', 0)
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
        return 0
        ",
    )
});

/// KEYS: code. ARGV: candidate hash, max attempts. Returns -1 missing, -2 accepted, 0 burnt,
/// else the tries left.
static REDEEM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local h = redis.call('HGET', KEYS[1], 'h')
        if not h then return -1 end
        if h == ARGV[1] then
            redis.call('DEL', KEYS[1])
            return -2
        end
        local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
        local max = tonumber(ARGV[2])
        if n >= max then
            redis.call('DEL', KEYS[1])
            return 0
        end
        return max - n
        ",
    )
});

/// KEYS: last step. ARGV: step, ttl ms. Returns 1 when accepted, 0 for a replay.
static ACCEPT_STEP: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local last = redis.call('GET', KEYS[1])
        if last and tonumber(last) >= tonumber(ARGV[1]) then return 0 end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        return 1
        ",
    )
});

/// The `OtpStore` on Redis.
#[derive(Debug, Clone)]
pub struct RedisOtpStore {
    db: RedisDatabase,
}

impl RedisOtpStore {
    pub(crate) fn new(db: RedisDatabase) -> Self {
        Self { db }
    }
}

#[async_trait]
impl OtpStore for RedisOtpStore {
    async fn issue(
        &self,
        key: &str,
        hash: &SecretHash,
        ttl: Duration,
        resend_after: Duration,
    ) -> Result<Issue, StoreError> {
        let mut connection = self.db.connection()?;
        let mut invocation = ISSUE.prepare_invoke();
        invocation
            .key(self.db.key("otp", key, ":code"))
            .key(self.db.key("otp", key, ":resend"))
            .arg(hash.as_bytes().as_slice())
            .arg(millis(ttl))
            .arg(millis(resend_after));
        let left: i64 = self
            .db
            .run(invocation.invoke_async(&mut connection))
            .await?;
        Ok(if left > 0 {
            Issue::TooSoon {
                retry_after: Duration::milliseconds(left),
            }
        } else {
            Issue::Issued
        })
    }

    async fn redeem(
        &self,
        key: &str,
        candidate: &SecretHash,
        max_attempts: u32,
    ) -> Result<Redeem, StoreError> {
        let mut connection = self.db.connection()?;
        let mut invocation = REDEEM.prepare_invoke();
        invocation
            .key(self.db.key("otp", key, ":code"))
            .arg(candidate.as_bytes().as_slice())
            .arg(max_attempts);
        let answer: i64 = self
            .db
            .run(invocation.invoke_async(&mut connection))
            .await?;
        Ok(match answer {
            -2 => Redeem::Accepted,
            -1 => Redeem::Missing,
            0 => Redeem::Burnt,
            left => Redeem::Mismatch {
                tries_left: u32::try_from(left).unwrap_or(0),
            },
        })
    }

    async fn withdraw(&self, key: &str) -> Result<(), StoreError> {
        let mut connection = self.db.connection()?;
        let keys = [
            self.db.key("otp", key, ":code"),
            self.db.key("otp", key, ":resend"),
        ];
        self.db
            .run(async move {
                redis::cmd("DEL")
                    .arg(&keys)
                    .query_async::<i64>(&mut connection)
                    .await
                    .map(drop)
            })
            .await
    }

    async fn accept_step(&self, key: &str, step: u64, ttl: Duration) -> Result<bool, StoreError> {
        let mut connection = self.db.connection()?;
        let mut invocation = ACCEPT_STEP.prepare_invoke();
        invocation
            .key(self.db.key("totp", key, ":step"))
            .arg(step)
            .arg(millis(ttl));
        let accepted: i64 = self
            .db
            .run(invocation.invoke_async(&mut connection))
            .await?;
        Ok(accepted == 1)
    }
}
