//! A peer that takes a connection and then says nothing: the SMTP server or HTTP gateway that
//! hangs, which no connect timeout notices. [`SilentPeer::mute`] never writes a byte (an SMTP
//! client waits for a greeting that never comes; an HTTP client for an answer);
//! [`SilentPeer::smtp_until_message`] speaks SMTP until it holds a message and then goes silent,
//! so a test can read what the message carried (a link, a code) and check that it is useless.
//! Plain `std` threads: it works under any async runtime. Connections stay open until the client
//! closes them; the listener stops when the peer is dropped.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// What the peer says before it goes silent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Manner {
    Mute,
    SmtpUntilMessage,
}

#[derive(Debug, Default)]
struct Heard {
    stop: AtomicBool,
    connections: AtomicUsize,
    /// Bytes read, one entry per connection (mute), or each message's DATA (SMTP).
    received: Mutex<Vec<Vec<u8>>>,
}

/// A silent peer on a free port of 127.0.0.1.
#[derive(Debug)]
pub struct SilentPeer {
    port: u16,
    heard: Arc<Heard>,
}

impl SilentPeer {
    /// Accepts every connection, reads what it is sent (kept for [`Self::received`]) and never
    /// writes a byte.
    pub fn mute() -> Self {
        Self::start(Manner::Mute)
    }

    /// Answers SMTP (greeting, EHLO, MAIL, RCPT, DATA) until a message's final `.`, keeps the
    /// message, and from then on says nothing on that connection.
    pub fn smtp_until_message() -> Self {
        Self::start(Manner::SmtpUntilMessage)
    }

    fn start(manner: Manner) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let heard = Arc::new(Heard::default());
        let shared = heard.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if shared.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                shared.connections.fetch_add(1, Ordering::SeqCst);
                let heard = shared.clone();
                std::thread::spawn(move || match manner {
                    Manner::Mute => listen(stream, &heard),
                    Manner::SmtpUntilMessage => smtp(stream, &heard),
                });
            }
        });
        Self { port, heard }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `smtp://127.0.0.1:<port>`.
    pub fn smtp_url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// `http://127.0.0.1:<port>/sms`.
    pub fn http_url(&self) -> String {
        format!("http://127.0.0.1:{}/sms", self.port)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.heard.connections.load(Ordering::SeqCst)
    }

    /// What it was sent: per connection (mute), or each message's content (SMTP), oldest first.
    pub fn received(&self) -> Vec<Vec<u8>> {
        self.heard
            .received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for SilentPeer {
    fn drop(&mut self) {
        self.heard.stop.store(true, Ordering::SeqCst);
        // Wakes the accepting thread so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Reads until the client closes, keeping every byte in this connection's entry.
fn listen(mut stream: TcpStream, heard: &Heard) {
    let entry = {
        let mut received = heard
            .received
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        received.push(Vec::new());
        received.len() - 1
    };
    let mut buffer = [0; 4096];
    while let Ok(n @ 1..) = stream.read(&mut buffer) {
        heard
            .received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)[entry]
            .extend_from_slice(&buffer[..n]);
    }
}

/// The server's side of one SMTP session, up to the end of the first message.
fn smtp(stream: TcpStream, heard: &Heard) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut say = |line: &str| writer.write_all(format!("{line}\r\n").as_bytes()).is_ok();
    if !say("220 silent.test ESMTP") {
        return;
    }
    let mut line = String::new();
    loop {
        line.clear();
        if !matches!(reader.read_line(&mut line), Ok(1..)) {
            return;
        }
        let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
        let answered = match verb.as_str() {
            "EHLO" | "HELO" => say("250 silent.test"),
            "MAIL" | "RCPT" | "RSET" | "NOOP" => say("250 OK"),
            "DATA" => say("354 End data with <CR><LF>.<CR><LF>"),
            "QUIT" => {
                say("221 Bye");
                return;
            }
            _ => say("500 Unknown command"),
        };
        if !answered {
            return;
        }
        if verb == "DATA" {
            break;
        }
    }
    let mut message = Vec::new();
    loop {
        line.clear();
        if !matches!(reader.read_line(&mut line), Ok(1..)) {
            return;
        }
        if line == ".\r\n" || line == ".\n" {
            break;
        }
        // RFC 5321 §4.5.2: a line that starts with a dot was sent with one more.
        message.extend_from_slice(line.strip_prefix('.').unwrap_or(&line).as_bytes());
    }
    heard
        .received
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(message);
    // Silent from here on: whatever comes is read and never answered.
    let mut rest = Vec::new();
    let _ = reader.read_to_end(&mut rest);
}
