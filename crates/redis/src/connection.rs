//! The connection every adapter sends its commands through: a thread's [`ConnectionManager`],
//! with one retry when the connection it held turns out to be broken.
//!
//! The manager notices a dead connection (Redis restarted, the connection cut by a proxy or by
//! `CLIENT KILL`) only when a command fails on it; it then reconnects in the background but hands
//! that command's error back. An idle worker's first command after a restart would so fail with
//! 503 however long ago Redis came back. Here a command that fails because the connection is
//! broken is sent once more, on the connection the manager is making; command errors, timeouts
//! and anything else are returned as they are.
//!
//! A command whose reply was lost with the connection may have run; running it again is safe
//! for every operation of this crate, each of which fails closed: a code or record already taken
//! reads as gone, a counter or rate counts one event twice, a `SET NX` reads as taken.

use redis::aio::{ConnectionLike, ConnectionManager};
use redis::{Cmd, Pipeline, RedisError, RedisFuture, Value};

/// A thread's connection to Redis.
#[derive(Clone)]
pub(crate) struct Connection(ConnectionManager);

impl Connection {
    pub(crate) fn new(manager: ConnectionManager) -> Self {
        Self(manager)
    }
}

/// Whether `error` means the connection is gone (so a fresh one may succeed), as opposed to a
/// command refused by Redis, an unreadable reply or a deadline.
fn broken(error: &RedisError) -> bool {
    error.is_connection_dropped() && !error.is_timeout()
}

impl ConnectionLike for Connection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        Box::pin(async move {
            match self.0.req_packed_command(cmd).await {
                Err(e) if broken(&e) => self.0.req_packed_command(cmd).await,
                answer => answer,
            }
        })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        Box::pin(async move {
            match self.0.req_packed_commands(pipeline, offset, count).await {
                Err(e) if broken(&e) => self.0.req_packed_commands(pipeline, offset, count).await,
                answer => answer,
            }
        })
    }

    fn get_db(&self) -> i64 {
        self.0.get_db()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::broken;
    use redis::{ErrorKind, RedisError};
    use std::io;

    #[test]
    fn only_a_lost_connection_is_worth_a_fresh_one() {
        for kind in [
            io::ErrorKind::BrokenPipe,
            io::ErrorKind::ConnectionReset,
            io::ErrorKind::ConnectionAborted,
            io::ErrorKind::UnexpectedEof,
            io::ErrorKind::NotConnected,
        ] {
            assert!(broken(&RedisError::from(io::Error::from(kind))), "{kind:?}");
        }
        assert!(!broken(&RedisError::from(io::Error::from(
            io::ErrorKind::TimedOut
        ))));
        for reply in [
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            "-NOSCRIPT No matching script\r\n",
            "-ERR unknown command\r\n",
        ] {
            let refused = redis::parse_redis_value(reply.as_bytes())
                .unwrap()
                .extract_error()
                .unwrap_err();
            assert!(!broken(&refused), "{refused:?}");
        }
        assert!(!broken(&RedisError::from((
            ErrorKind::Client,
            "a client error"
        ))));
    }
}
