//! SMTP peers that fail on purpose: a port where nothing listens, and a scripted SMTP server
//! (RFC 5321, no extensions) that delivers, refuses every message with 554 after reading it,
//! reads a message and then never answers, or accepts connections and never writes a byte.
//! The servers that read a message record it, so a test can try what it carried (a reset
//! token, a code) after the API said the delivery failed.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// An SMTP URL whose port has nothing listening: every connection is refused.
pub fn refusing_smtp_url() -> String {
    format!(
        "smtp://127.0.0.1:{}",
        latchkey_testkit::smtp_sink::free_port()
    )
}

/// What a [`SmtpPeer`] does with a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Takes every message (250).
    Accept,
    /// The whole dialogue, then `554` to every message: a permanent refusal.
    Refuse,
    /// The whole dialogue, then nothing after the message's final dot, for ever.
    SilentAfterData,
    /// Accepts the TCP connection and never writes a byte, not even its greeting.
    Silent,
}

/// What the peer's threads share.
#[derive(Debug, Default)]
struct Shared {
    messages: Mutex<Vec<Vec<u8>>>,
    /// Every connection accepted (a clone to shut it down at the end).
    streams: Mutex<Vec<TcpStream>>,
    connections: AtomicUsize,
    stopping: AtomicBool,
}

/// A scripted SMTP server on a free port of 127.0.0.1; stopped, with its connections cut,
/// when dropped.
#[derive(Debug)]
pub struct SmtpPeer {
    port: u16,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl SmtpPeer {
    pub fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared::default());
        let acceptor = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || accept(&listener, behaviour, &shared))
        };
        Self {
            port,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// The URL for `LATCHKEY_SMTP_URL` (no TLS).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Every message read so far (the DATA, dot-unstuffed), in order.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        self.shared.messages.lock().unwrap().clone()
    }
}

impl Drop for SmtpPeer {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        for stream in self.shared.streams.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
        // Wakes the acceptor, which then sees `stopping`.
        let _ =
            TcpStream::connect_timeout(&([127, 0, 0, 1], self.port).into(), Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn accept(listener: &TcpListener, behaviour: Behaviour, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        shared.connections.fetch_add(1, Ordering::SeqCst);
        if let Ok(clone) = stream.try_clone() {
            shared.streams.lock().unwrap().push(clone);
        }
        let shared = Arc::clone(shared);
        std::thread::spawn(move || {
            let _ = serve(stream, behaviour, &shared);
        });
    }
}

/// One SMTP session, as `behaviour` says.
fn serve(mut stream: TcpStream, behaviour: Behaviour, shared: &Shared) -> std::io::Result<()> {
    if behaviour == Behaviour::Silent {
        return hold(stream);
    }
    stream.write_all(b"220 faults ESMTP\r\n")?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let verb = String::from_utf8_lossy(&line)
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let answer: &[u8] = match verb.as_str() {
            "EHLO" | "HELO" => b"250 faults\r\n",
            "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 OK\r\n",
            "QUIT" => {
                stream.write_all(b"221 bye\r\n")?;
                return Ok(());
            }
            "DATA" => {
                stream.write_all(b"354 go ahead\r\n")?;
                let message = read_message(&mut reader)?;
                shared.messages.lock().unwrap().push(message);
                match behaviour {
                    Behaviour::Refuse => b"554 5.7.1 message refused\r\n",
                    Behaviour::SilentAfterData => return hold(stream),
                    Behaviour::Accept | Behaviour::Silent => b"250 queued\r\n",
                }
            }
            _ => b"502 command not implemented\r\n",
        };
        stream.write_all(answer)?;
    }
}

/// The lines of DATA up to the lone dot, dot-stuffing undone (RFC 5321 §4.5.2).
fn read_message(reader: &mut impl std::io::BufRead) -> std::io::Result<Vec<u8>> {
    let mut message = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 || line == b".\r\n" || line == b".\n" {
            return Ok(message);
        }
        let text = line.strip_prefix(b".").unwrap_or(&line);
        message.extend_from_slice(text);
    }
}

/// Reads and ignores whatever comes until the client hangs up (or the peer is dropped).
fn hold(mut stream: TcpStream) -> std::io::Result<()> {
    let mut buffer = [0u8; 4096];
    while stream.read(&mut buffer)? > 0 {}
    Ok(())
}
