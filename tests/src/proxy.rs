//! A TCP proxy that stands between a test server and PostgreSQL, and that a test can make fail
//! the way a database does in production: stopped ([`Mode::Refuse`]) or unreachable behind a
//! hung network ([`Mode::Blackhole`]).
//!
//! It runs on a thread of its own, so it keeps forwarding whatever the test's runtime does.

use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the proxy does with the connections it holds and the ones it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Forwards every byte both ways, like a plain network.
    Pass,
    /// The database is stopped: every open connection is closed at once, and every new one is
    /// closed as soon as it is accepted.
    Refuse,
    /// The network hangs: open connections stop forwarding (both ends are held open, nothing
    /// moves), and new connections are accepted but never forwarded. Back in [`Mode::Pass`]
    /// the held bytes flow again, like after a healed partition.
    Blackhole,
}

/// Where the proxy forwards to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    pub host: String,
    pub port: u16,
}

impl Upstream {
    /// The host and port of a `postgres://` URL (port 5432 when it names none).
    pub fn of_url(url: &str) -> Self {
        let (_, host, port) = split_authority(url);
        let host = host.trim_start_matches('[').trim_end_matches(']');
        Self {
            host: if host.is_empty() { "localhost" } else { host }.to_owned(),
            port: port.map_or(5432, |p| {
                p.parse()
                    .unwrap_or_else(|e| panic!("bad port {p:?} in the database URL: {e}"))
            }),
        }
    }
}

/// A running proxy; it stops, closing every connection, when dropped.
#[derive(Debug)]
pub struct Proxy {
    addr: SocketAddr,
    /// Dropping it tells the proxy's thread to stop.
    mode: Option<watch::Sender<Mode>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Proxy {
    /// Starts a proxy on a free port of 127.0.0.1, forwarding to `upstream`, in [`Mode::Pass`].
    pub fn start(upstream: Upstream) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding the proxy");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let addr = listener.local_addr().expect("the proxy's address");
        let (mode, watcher) = watch::channel(Mode::Pass);
        let thread = std::thread::Builder::new()
            .name("pg-proxy".to_owned())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("the proxy's runtime");
                // When this returns, dropping the runtime closes every connection.
                runtime.block_on(accept(listener, upstream, watcher));
            })
            .expect("spawning the proxy thread");
        Self {
            addr,
            mode: Some(mode),
            thread: Some(thread),
        }
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `url` (a `postgres://` URL) with its host and port replaced by the proxy's.
    pub fn url_through(&self, url: &str) -> String {
        let (userinfo, _, _) = split_authority(url);
        let scheme_end = url.find("://").map_or(0, |i| i + 3);
        let rest = &url[scheme_end..];
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        format!(
            "{}{}{}{}",
            &url[..scheme_end],
            userinfo.map(|u| format!("{u}@")).unwrap_or_default(),
            self.addr,
            &rest[authority_end..]
        )
    }

    /// Switches the mode; connections react at once.
    pub fn set_mode(&self, mode: Mode) {
        if let Some(sender) = &self.mode {
            sender.send_replace(mode);
        }
    }

    pub fn mode(&self) -> Mode {
        self.mode.as_ref().map_or(Mode::Refuse, |m| *m.borrow())
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        drop(self.mode.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The user info, host and port of a URL's authority (`user:pw@host:port`).
fn split_authority(url: &str) -> (Option<&str>, &str, Option<&str>) {
    let rest = url.find("://").map_or(url, |i| &url[i + 3..]);
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
        None => (None, authority),
    };
    // An IPv6 literal is bracketed: its colons are not the port's.
    let port_colon = match hostport.rfind(']') {
        Some(bracket) => hostport[bracket..].find(':').map(|i| bracket + i),
        None => hostport.rfind(':'),
    };
    match port_colon {
        Some(colon) => (
            userinfo,
            &hostport[..colon],
            Some(&hostport[colon + 1..]).filter(|p| !p.is_empty()),
        ),
        None => (userinfo, hostport, None),
    }
}

async fn accept(
    listener: std::net::TcpListener,
    upstream: Upstream,
    mut mode: watch::Receiver<Mode>,
) {
    let listener = TcpListener::from_std(listener).expect("the proxy's listener");
    loop {
        tokio::select! {
            changed = mode.changed() => {
                if changed.is_err() {
                    return; // the proxy was dropped
                }
            }
            accepted = listener.accept() => {
                let Ok((client, _)) = accepted else {
                    // E.g. too many open files: do not spin.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                if *mode.borrow() == Mode::Refuse {
                    drop(client);
                } else {
                    tokio::spawn(serve(client, upstream.clone(), mode.clone()));
                }
            }
        }
    }
}

/// One client connection, for as long as it lives, following the mode.
async fn serve(mut client: TcpStream, upstream: Upstream, mut mode: watch::Receiver<Mode>) {
    let mut server: Option<TcpStream> = None;
    let mut from_client = vec![0_u8; 16 * 1024];
    let mut from_server = vec![0_u8; 16 * 1024];
    loop {
        let current = *mode.borrow_and_update();
        match current {
            Mode::Refuse => return,
            Mode::Blackhole => {
                // Hold both ends open and move nothing until the mode changes.
                if mode.changed().await.is_err() {
                    return;
                }
            }
            Mode::Pass => {
                let Some(upstream_conn) = server.as_mut() else {
                    // A connection accepted in blackhole mode reaches the database only now.
                    match TcpStream::connect((upstream.host.as_str(), upstream.port)).await {
                        Ok(conn) => {
                            let _ = conn.set_nodelay(true);
                            server = Some(conn);
                            continue;
                        }
                        Err(_) => return,
                    }
                };
                // Reads are cancel-safe: a mode change loses no byte. A read's bytes are
                // always written out in full (unless the mode becomes Refuse meanwhile).
                tokio::select! {
                    changed = mode.changed() => {
                        if changed.is_err() {
                            return;
                        }
                    }
                    read = client.read(&mut from_client) => match read {
                        Ok(0) | Err(_) => return,
                        Ok(n) => {
                            if !write_unless_refused(upstream_conn, &from_client[..n], &mut mode).await {
                                return;
                            }
                        }
                    },
                    read = upstream_conn.read(&mut from_server) => match read {
                        Ok(0) | Err(_) => return,
                        Ok(n) => {
                            if !write_unless_refused(&mut client, &from_server[..n], &mut mode).await {
                                return;
                            }
                        }
                    },
                }
            }
        }
    }
}

/// Writes all of `data`; false when the write failed or the mode became Refuse meanwhile.
async fn write_unless_refused(
    to: &mut TcpStream,
    data: &[u8],
    mode: &mut watch::Receiver<Mode>,
) -> bool {
    tokio::select! {
        written = to.write_all(data) => written.is_ok(),
        _ = mode.wait_for(|m| *m == Mode::Refuse) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::{Upstream, split_authority};

    #[test]
    fn splits_the_authority_of_a_url() {
        assert_eq!(
            split_authority("postgres://postgres@127.0.0.1:5432/postgres"),
            (Some("postgres"), "127.0.0.1", Some("5432"))
        );
        assert_eq!(
            split_authority("postgres://u:p@w@db.example/x?sslmode=disable"),
            (Some("u:p@w"), "db.example", None)
        );
        assert_eq!(
            split_authority("postgres://[::1]:6543/x"),
            (None, "[::1]", Some("6543"))
        );
        assert_eq!(
            Upstream::of_url("postgres://[::1]/x"),
            Upstream {
                host: "::1".to_owned(),
                port: 5432
            }
        );
    }
}
