//! A PostgreSQL cluster of one test: `initdb` into a scratch directory, the postmaster on a free
//! port of 127.0.0.1 with trust authentication, run from the machine's own PostgreSQL binaries.
//! The test stops it (fast shutdown), restarts it on the same port, and freezes it (SIGSTOP to
//! the postmaster and every process it started: connections open, nothing answers) and thaws it.

use crate::process::{
    Account, ScratchDir, children, log_file, signal, unprivileged_account, wait_until,
};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How long a start (initdb aside) may take before the test fails.
const START_LIMIT: Duration = Duration::from_secs(30);

/// A private PostgreSQL cluster; stopped, and its directory removed, when dropped.
#[derive(Debug)]
pub struct PrivatePostgres {
    dir: ScratchDir,
    bin: PathBuf,
    port: u16,
    account: Option<Account>,
    /// The postmaster, in a process group of its own (each backend makes its own group).
    postmaster: Option<Child>,
    /// The processes [`Self::freeze`] stopped: the postmaster, then its children.
    frozen: Vec<u32>,
}

impl PrivatePostgres {
    /// Creates a cluster on a free port and starts it; answers once it accepts connections.
    pub fn start() -> Self {
        let bin = binaries();
        let account = unprivileged_account();
        let dir = ScratchDir::create("postgres", account);
        let mut initdb = Command::new(bin.join("initdb"));
        initdb
            .arg("--pgdata")
            .arg(dir.path().join("data"))
            .args(["--username=postgres", "--auth=trust", "--encoding=UTF8"])
            .args(["--locale=C", "--no-sync", "--no-instructions"]);
        run_as(&mut initdb, account, dir.path());
        let log = dir.path().join("initdb.log");
        let status = initdb
            .stdout(log_file(&log))
            .stderr(log_file(&log))
            .status()
            .unwrap_or_else(|e| panic!("running {}: {e}", bin.join("initdb").display()));
        assert!(
            status.success(),
            "initdb: {status}\n{}",
            dir.tail("initdb.log", 20)
        );
        let mut postgres = Self {
            dir,
            bin,
            port: latchkey_testkit::smtp_sink::free_port(),
            account,
            postmaster: None,
            frozen: Vec::new(),
        };
        postgres.launch();
        postgres
    }

    /// The superuser's URL of the `postgres` database, for `LATCHKEY_DATABASE_URL`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Fast shutdown (SIGINT): every session is ended, and the port closes.
    pub fn stop(&mut self) {
        let Some(mut postmaster) = self.postmaster.take() else {
            return;
        };
        signal(postmaster.id(), "INT", false);
        wait_until("PostgreSQL stops", START_LIMIT, || {
            matches!(postmaster.try_wait(), Ok(Some(_)))
        });
    }

    /// Starts the stopped cluster again on the same port; answers once it accepts connections.
    pub fn restart(&mut self) {
        assert!(self.postmaster.is_none(), "restart of a running PostgreSQL");
        self.launch();
    }

    /// SIGSTOP to the postmaster (first: it forks nothing more), then to every process it
    /// started (backends, background workers: each leads a process group of its own, so one
    /// signal to a group would not reach them). Connections stay open; nothing answers.
    pub fn freeze(&mut self) {
        let postmaster = self.pid();
        signal(postmaster, "STOP", false);
        self.frozen = vec![postmaster];
        for child in children(postmaster) {
            signal(child, "STOP", false);
            self.frozen.push(child);
        }
    }

    /// SIGCONT to every process that [`Self::freeze`] stopped.
    pub fn thaw(&mut self) {
        for pid in std::mem::take(&mut self.frozen) {
            signal(pid, "CONT", false);
        }
    }

    /// Whether the cluster answers a connection (`pg_isready`).
    pub fn is_ready(&self) -> bool {
        pg_isready(&self.bin, self.port)
    }

    /// The last lines of the server's log.
    pub fn log_tail(&self) -> String {
        self.dir.tail("postgres.log", 30)
    }

    fn pid(&self) -> u32 {
        self.postmaster
            .as_ref()
            .map(Child::id)
            .unwrap_or_else(|| panic!("PostgreSQL is not running"))
    }

    /// Starts the postmaster in a process group of its own and waits until it is ready.
    fn launch(&mut self) {
        let log = self.dir.path().join("postgres.log");
        let mut command = Command::new(self.bin.join("postgres"));
        command
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-p", &self.port.to_string()])
            .args(["-c", "listen_addresses=127.0.0.1"])
            .arg("-c")
            .arg(format!(
                "unix_socket_directories={}",
                self.dir.path().display()
            ))
            // Durability against a crash of the machine is not under test: only of the server.
            .args(["-c", "fsync=off", "-c", "max_connections=60"])
            .args(["-c", "shared_buffers=16MB"])
            .stdin(Stdio::null())
            .stdout(log_file(&log))
            .stderr(log_file(&log))
            .process_group(0);
        run_as(&mut command, self.account, self.dir.path());
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("starting postgres: {e}"));
        let mut exited = None;
        wait_until("PostgreSQL accepts connections", START_LIMIT, || {
            if let Ok(Some(status)) = child.try_wait() {
                exited = Some(status);
                return true;
            }
            pg_isready(&self.bin, self.port)
        });
        if let Some(status) = exited {
            panic!("postgres exited at start: {status}\n{}", self.log_tail());
        }
        self.postmaster = Some(child);
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let Some(mut postmaster) = self.postmaster.take() else {
            return;
        };
        let pid = postmaster.id();
        for frozen in std::mem::take(&mut self.frozen) {
            let _ = quiet_kill("CONT", frozen);
        }
        // Immediate shutdown (its children end with it); SIGKILL when it did not.
        let _ = quiet_kill("QUIT", pid);
        if !wait_until_quietly(Duration::from_secs(10), || {
            matches!(postmaster.try_wait(), Ok(Some(_)))
        }) {
            for child in children(pid) {
                let _ = quiet_kill("KILL", child);
            }
            let _ = postmaster.kill();
        }
        let _ = postmaster.wait();
    }
}

/// Whether PostgreSQL on `port` accepts connections.
fn pg_isready(bin: &Path, port: u16) -> bool {
    Command::new(bin.join("pg_isready"))
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-t",
            "1",
        ])
        .args(["-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `kill -s <signal> <pid>`, whether or not it succeeds (for `Drop`).
fn quiet_kill(signal: &str, pid: u32) -> std::io::Result<std::process::ExitStatus> {
    Command::new("kill")
        .args(["-s", signal, "--", &pid.to_string()])
        .stderr(Stdio::null())
        .status()
}

/// Like [`wait_until`] without the panic (for `Drop`): whether `ready` held within `limit`.
fn wait_until_quietly(limit: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let started = std::time::Instant::now();
    while started.elapsed() < limit {
        if ready() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

/// The directory of the machine's PostgreSQL server binaries: `LATCHKEY_FAULTS_PG_BIN`, else the
/// newest `/usr/lib/postgresql/<version>/bin` (Debian's layout) that holds `initdb` and
/// `postgres`, else `pg_config --bindir`.
fn binaries() -> PathBuf {
    if let Some(dir) = std::env::var_os("LATCHKEY_FAULTS_PG_BIN") {
        return PathBuf::from(dir);
    }
    let complete = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, bin)| complete(bin))
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return bin;
    }
    let bindir = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .filter(|dir| complete(dir));
    bindir.unwrap_or_else(|| {
        panic!(
            "no PostgreSQL server binaries (initdb, postgres) under /usr/lib/postgresql/*/bin or \
             pg_config --bindir: install PostgreSQL (.ci/postgres does) or set LATCHKEY_FAULTS_PG_BIN"
        )
    })
}

/// Runs `command` as `account` (PostgreSQL refuses root) from `dir` (it may not read root's).
fn run_as(command: &mut Command, account: Option<Account>, dir: &Path) {
    command.current_dir(dir).env("LC_ALL", "C");
    if let Some(account) = account {
        command.uid(account.uid).gid(account.gid);
    }
}
