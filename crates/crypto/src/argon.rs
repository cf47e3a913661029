//! argon2id password hashing (OWASP: m=19456 KiB, t=2, p=1) off the async runtime.
//!
//! Each hash takes ~19 MiB and tens of milliseconds, so hashes run on a fixed set of hashing
//! threads (one per core by default), fed by a queue: at most that many run at once, so memory
//! stays bounded under a burst, and a hash whose caller has gone (a closed connection) is
//! skipped.
//!
//! Verification (every login) reuses one 19 MiB block buffer per hashing thread instead of
//! allocating and zeroing a fresh one per hash: argon2 overwrites every block it reads, so the
//! buffer's old contents never matter, and the allocator's page faults are gone from the path.
//! The threads are long-lived and few for the same reason: the same buffers serve every
//! verification and stay warm in the CPU's cache, where tokio's blocking pool would hand the
//! work to whichever of its threads is idle, each with a buffer of its own (measured: ~8 per
//! server under load, ~150 MiB, cold for every hash).

use argon2::password_hash::{PasswordHasher as _, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use async_trait::async_trait;
use latchkey_core::{BoxError, ExposeSecret as _, SecretString, SecureRandom};
use latchkey_credential::{Password, PasswordHash, PasswordHasher};
use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};

/// Memory cost in KiB (OWASP's minimum for argon2id with t=2).
pub const M_COST: u32 = 19_456;
/// Iterations.
pub const T_COST: u32 = 2;
/// Parallelism.
pub const P_COST: u32 = 1;

thread_local! {
    /// This thread's argon2 memory, kept between verifications.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Verifies `password` against a PHC string, computing with this thread's reused memory.
/// `Ok(false)` for a wrong password; `Err` for a malformed hash.
pub fn verify_with_thread_memory(password: &[u8], phc: &str) -> Result<bool, BoxError> {
    let parsed = argon2::PasswordHash::new(phc).map_err(|e| e.to_string())?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Err("the password hash has no salt or output".into());
    };
    let params = Params::try_from(&parsed).map_err(|e| e.to_string())?;
    let algorithm = Algorithm::try_from(parsed.algorithm).map_err(|e| e.to_string())?;
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    let mut salt_buf = [0u8; 64];
    let salt = salt.decode_b64(&mut salt_buf).map_err(|e| e.to_string())?;
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params.clone());
    BLOCKS.with(|blocks| {
        let mut blocks = blocks.borrow_mut();
        if blocks.len() != params.block_count() {
            blocks.resize(params.block_count(), Block::new());
        }
        argon
            .hash_password_into_with_memory(password, salt, &mut out, &mut blocks[..])
            .map_err(|e| e.to_string())
    })?;
    Ok(latchkey_core::ct_eq(&out, expected.as_bytes()))
}

/// The PHC string of `password` hashed with Latchkey's argon2id parameters and `salt` (for
/// measurements that must hash as the server does; the server itself salts at random).
pub fn hash_with_salt(password: &[u8], salt: &[u8]) -> Result<String, BoxError> {
    let params = Params::new(M_COST, T_COST, P_COST, None).map_err(|e| e.to_string())?;
    let salt = SaltString::encode_b64(salt).map_err(|e| e.to_string())?;
    let hash = Argon2Hasher::argon2(params)
        .hash_password(password, &salt)
        .map_err(|e| e.to_string())?;
    Ok(hash.to_string())
}

/// A unit of hashing work, run on a hashing thread.
type Job = Box<dyn FnOnce() + Send>;

/// Takes jobs off the shared queue until every sender is gone (the hasher was dropped).
fn hashing_thread(queue: &Mutex<Receiver<Job>>) {
    loop {
        // One thread at a time waits on the queue; the lock is released before the job runs.
        let job = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

/// argon2id on a fixed set of hashing threads.
#[derive(Debug, Clone)]
pub struct Argon2Hasher {
    params: Params,
    queue: Sender<Job>,
    random: Arc<dyn SecureRandom>,
}

impl Argon2Hasher {
    /// `concurrency` hashing threads: that many hashes at most at once. The threads end when
    /// the last clone of the hasher is dropped.
    pub fn new(concurrency: usize, random: Arc<dyn SecureRandom>) -> Result<Self, BoxError> {
        let params = Params::new(M_COST, T_COST, P_COST, None).map_err(|e| e.to_string())?;
        let (queue, jobs) = channel::<Job>();
        let jobs = Arc::new(Mutex::new(jobs));
        for _ in 0..concurrency.max(1) {
            let jobs = jobs.clone();
            std::thread::Builder::new()
                .name("latchkey-argon2".into())
                .spawn(move || hashing_thread(&jobs))?;
        }
        Ok(Self {
            params,
            queue,
            random,
        })
    }

    fn argon2(params: Params) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, BoxError> + Send + 'static,
    ) -> Result<T, BoxError> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            // The caller went away (its request was cancelled): nothing to compute for.
            if answer.is_closed() {
                return;
            }
            let result = catch_unwind(AssertUnwindSafe(work))
                .unwrap_or_else(|_| Err("the password hash computation panicked".into()));
            let _ = answer.send(result);
        });
        self.queue
            .send(job)
            .map_err(|_| "the hashing threads have stopped")?;
        answered
            .await
            .map_err(|_| "a hashing thread dropped its job")?
    }
}

#[async_trait]
impl PasswordHasher for Argon2Hasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, BoxError> {
        let mut salt = [0u8; 16];
        self.random.fill(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
        let secret = SecretString::from(password.expose());
        let params = self.params.clone();
        self.run(move || {
            let hash = Self::argon2(params)
                .hash_password(secret.expose_secret().as_bytes(), &salt)
                .map_err(|e| e.to_string())?;
            Ok(PasswordHash::from_phc(hash.to_string()))
        })
        .await
    }

    async fn verify(&self, password: &Password, hash: &PasswordHash) -> Result<bool, BoxError> {
        let secret = SecretString::from(password.expose());
        let phc = hash.as_phc().to_owned();
        self.run(move || verify_with_thread_memory(secret.expose_secret().as_bytes(), &phc))
            .await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail by panicking")]

    use super::*;
    use argon2::password_hash::PasswordVerifier as _;

    fn phc(m_cost: u32, password: &str) -> String {
        let params = Params::new(m_cost, 2, 1, None).unwrap();
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(password.as_bytes(), &salt)
            .unwrap()
            .to_string()
    }

    /// The reused-memory path answers what the argon2 crate's own verifier answers, across
    /// hashes of different memory costs on one thread (the buffer is resized between them).
    #[test]
    fn thread_memory_verification_agrees_with_argon2() {
        for m_cost in [M_COST, 4_096, M_COST] {
            let stored = phc(m_cost, "correct horse");
            let parsed = argon2::PasswordHash::new(&stored).unwrap();
            for candidate in ["correct horse", "correct horsf", ""] {
                let reference = Argon2::default()
                    .verify_password(candidate.as_bytes(), &parsed)
                    .is_ok();
                assert_eq!(
                    verify_with_thread_memory(candidate.as_bytes(), &stored).unwrap(),
                    reference,
                    "m={m_cost} candidate={candidate:?}"
                );
            }
        }
        assert!(verify_with_thread_memory(b"x", "$argon2id$v=19$nonsense").is_err());
    }
}
