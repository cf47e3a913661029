//! What the load-test examples share: the server process they start, a fresh HTTP client, the
//! sustained-load loop, and the argon2id bound of the machine. Included by `#[path]` (an
//! example is one crate of its own).

use latchkey_crypto::argon::{hash_with_salt, verify_with_thread_memory};
use std::process::Child;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A child process (the server, the bare hello) killed when dropped.
pub struct Process(pub Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A client with a fresh connection pool (the server closes connections idle for 5 s).
pub fn http_client() -> awc::Client {
    awc::Client::builder()
        .timeout(Duration::from_secs(60))
        .disable_redirects()
        .finish()
}

/// Runs `work(worker)` in `concurrency` loops for `span` (then lets the last ones finish);
/// answers how many completed, and in how many seconds.
pub async fn sustained<F, Fut>(
    name: &str,
    concurrency: usize,
    span: Duration,
    work: F,
) -> (u64, f64)
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + span;
    let started = Instant::now();
    let loops = (0..concurrency).map(|w| {
        let (done, work) = (done.clone(), &work);
        async move {
            while Instant::now() < deadline {
                work(w).await;
                done.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    futures_util::future::join_all(loops).await;
    let n = done.load(Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    eprintln!(
        "{name}: {n} in {elapsed:.2} s ({:.0}/s)",
        n as f64 / elapsed
    );
    (n, elapsed)
}

/// argon2id verifications on `threads` threads for `span`, each thread reusing its memory
/// through the server's own verification routine (`latchkey_crypto::argon`); answers how many,
/// and in how many seconds.
pub fn argon2_bound(password: &str, threads: usize, span: Duration) -> (u64, f64) {
    let phc = hash_with_salt(password.as_bytes(), b"0123456789abcdef").unwrap();
    let deadline = Instant::now() + span;
    let started = Instant::now();
    let total: u64 = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let phc = phc.clone();
                scope.spawn(move || {
                    let mut n = 0u64;
                    while Instant::now() < deadline {
                        assert!(verify_with_thread_memory(password.as_bytes(), &phc).unwrap());
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    let elapsed = started.elapsed().as_secs_f64();
    eprintln!(
        "argon2id bound: {total} verifications on {threads} threads ({:.1}/s)",
        total as f64 / elapsed
    );
    (total, elapsed)
}
