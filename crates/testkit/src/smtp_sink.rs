//! A real SMTP server for tests: aiosmtpd (Python), started on a free port with its maildir
//! handler, so each delivered message is a file the test reads back. `just test` and `.ci/run`
//! install aiosmtpd (`.ci/smtp`). Plain `std`: it works under any async runtime.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// An aiosmtpd server writing what it receives into a maildir; killed when dropped.
#[derive(Debug)]
pub struct SmtpSink {
    child: Child,
    port: u16,
    maildir: PathBuf,
}

/// A port nothing listens on now (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

impl SmtpSink {
    /// Starts aiosmtpd on a free port and waits (15 s at most) until it listens.
    pub fn start() -> Self {
        Self::start_on(free_port())
    }

    /// Starts aiosmtpd on `port` and waits (15 s at most) until it listens.
    pub fn start_on(port: u16) -> Self {
        let maildir =
            std::env::temp_dir().join(format!("latchkey-smtp-{port}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&maildir);
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot run python3 -m aiosmtpd ({e}); `.ci/smtp` installs it")
            });
        let sink = Self {
            child,
            port,
            maildir,
        };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "aiosmtpd did not listen on {port}; is it installed? (`pip install aiosmtpd`, or `.ci/smtp`)"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        sink
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `smtp://127.0.0.1:{port}`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The raw messages delivered so far, oldest first.
    pub fn delivered(&self) -> Vec<Vec<u8>> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
            .map(|e| {
                let path = e.unwrap().path();
                (std::fs::metadata(&path).unwrap().modified().unwrap(), path)
            })
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|(_, path)| std::fs::read(path).unwrap())
            .collect()
    }

    /// Waits (10 s at most) until `count` messages have been delivered, and returns them.
    pub fn wait_for(&self, count: usize) -> Vec<Vec<u8>> {
        let started = Instant::now();
        loop {
            let delivered = self.delivered();
            if delivered.len() >= count {
                return delivered;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{} message(s) delivered, {count} expected",
                delivered.len()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.maildir);
    }
}
