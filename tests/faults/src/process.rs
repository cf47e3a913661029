//! What every peer needs: a scratch directory, an unprivileged account to run PostgreSQL as
//! when the tests run as root, signals, and waiting for a condition.

use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A directory of one peer under the system's temporary directory; removed when dropped,
/// unless the test failed (then it stays, with its logs, and its path is printed).
#[derive(Debug)]
pub struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    /// Creates `latchkey-faults-<pid>-<n>-<what>`, owned by `owner` when one is given.
    pub fn create(what: &str, owner: Option<Account>) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "latchkey-faults-{}-{}-{what}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("creating {}: {e}", path.display()));
        if let Some(account) = owner {
            std::os::unix::fs::chown(&path, Some(account.uid), Some(account.gid))
                .unwrap_or_else(|e| panic!("chown {} to {account:?}: {e}", path.display()));
        }
        Self { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The last `lines` lines of a log file in this directory, for failure messages.
    pub fn tail(&self, file: &str, lines: usize) -> String {
        let text = std::fs::read_to_string(self.path.join(file)).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("kept for the failed test: {}", self.path.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// A user account: who a child process runs as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Account {
    pub uid: u32,
    pub gid: u32,
}

/// The account PostgreSQL must run as: `None` when the tests do not run as root (PostgreSQL
/// runs as the tests' own user); as root (initdb and postgres refuse root), the `postgres`
/// account of the PostgreSQL package, else `nobody`.
pub fn unprivileged_account() -> Option<Account> {
    // /proc/self belongs to the process's effective user.
    let euid = std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or_else(|e| panic!("reading /proc/self: {e}"));
    if euid != 0 {
        return None;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let account = |name: &str| {
        passwd.lines().find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            if fields.len() > 3 && fields[0] == name {
                Some(Account {
                    uid: fields[2].parse().ok()?,
                    gid: fields[3].parse().ok()?,
                })
            } else {
                None
            }
        })
    };
    Some(account("postgres").or_else(|| account("nobody")).unwrap_or_else(|| {
        panic!("the tests run as root, and /etc/passwd has neither a postgres nor a nobody account to run PostgreSQL as")
    }))
}

/// Sends `signal` (a name: `STOP`, `CONT`, `INT`, `QUIT`, `KILL`) to a process, or with
/// `group` to every process of the process group it leads.
pub fn signal(pid: u32, signal: &str, group: bool) {
    let target = if group {
        format!("-{pid}")
    } else {
        pid.to_string()
    };
    let status = Command::new("kill")
        .args(["-s", signal, "--", &target])
        .status()
        .unwrap_or_else(|e| panic!("running kill: {e}"));
    assert!(status.success(), "kill -s {signal} -- {target}: {status}");
}

/// The processes whose parent is `pid` (from `/proc`).
pub fn children(pid: u32) -> Vec<u32> {
    let parent = format!("PPid:\t{pid}");
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let child: u32 = entry.file_name().to_str()?.parse().ok()?;
            let status = std::fs::read_to_string(entry.path().join("status")).ok()?;
            status.lines().any(|line| line == parent).then_some(child)
        })
        .collect()
}

/// Polls `ready` every 10 ms until it holds; panics with `what` after `limit`. Answers how
/// long it took.
pub fn wait_until(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) -> Duration {
    let started = Instant::now();
    loop {
        if ready() {
            return started.elapsed();
        }
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A log file of a peer, opened for appending (one log across its restarts).
pub fn log_file(path: &Path) -> std::fs::File {
    std::fs::File::options()
        .create(true)
        .append(true)
        .open(path)
        .unwrap_or_else(|e| panic!("opening {}: {e}", path.display()))
}
