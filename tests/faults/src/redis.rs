//! A Redis of one test: `redis-server` on a free port of 127.0.0.1, nothing persisted, that the
//! test kills with SIGKILL and starts again, empty, on the same port.

use crate::process::{ScratchDir, log_file, wait_until};
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A private Redis; killed, and its directory removed, when dropped.
#[derive(Debug)]
pub struct PrivateRedis {
    dir: ScratchDir,
    port: u16,
    server: Option<Child>,
}

impl PrivateRedis {
    /// Starts `redis-server` (`LATCHKEY_FAULTS_REDIS_SERVER`, default the one on `PATH`) on a
    /// free port; answers once it answers `PING`.
    pub fn start() -> Self {
        let mut redis = Self {
            dir: ScratchDir::create("redis", None),
            port: latchkey_testkit::smtp_sink::free_port(),
            server: None,
        };
        redis.launch();
        redis
    }

    /// The URL for `LATCHKEY_REDIS_URL`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// SIGKILL: every connection is cut and every key is gone.
    pub fn kill(&mut self) {
        if let Some(mut server) = self.server.take() {
            let _ = server.kill();
            let _ = server.wait();
        }
    }

    /// Starts Redis again (empty) on the same port; answers once it answers `PING`.
    pub fn restart(&mut self) {
        assert!(self.server.is_none(), "restart of a running Redis");
        self.launch();
    }

    /// Whether Redis answers `PING` within a second.
    pub fn answers(&self) -> bool {
        ping(self.port)
    }

    fn launch(&mut self) {
        let binary = std::env::var_os("LATCHKEY_FAULTS_REDIS_SERVER")
            .unwrap_or_else(|| "redis-server".into());
        let log = self.dir.path().join("redis.log");
        let mut child = Command::new(&binary)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .stdin(Stdio::null())
            .stdout(log_file(&log))
            .stderr(log_file(&log))
            .spawn()
            .unwrap_or_else(|e| panic!("starting {binary:?}: {e} (install Redis: .ci/redis does)"));
        let mut exited = None;
        wait_until("Redis answers PING", Duration::from_secs(20), || {
            if let Ok(Some(status)) = child.try_wait() {
                exited = Some(status);
                return true;
            }
            ping(self.port)
        });
        if let Some(status) = exited {
            panic!(
                "redis-server exited at start: {status}\n{}",
                self.dir.tail("redis.log", 20)
            );
        }
        self.server = Some(child);
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Sends `PING` and expects `+PONG`.
fn ping(port: u16) -> bool {
    let timeout = Duration::from_secs(1);
    let Ok(mut stream) = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), timeout) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(timeout));
    let mut answer = [0u8; 7];
    stream.write_all(b"PING\r\n").is_ok()
        && stream.read_exact(&mut answer).is_ok()
        && &answer == b"+PONG\r\n"
}
