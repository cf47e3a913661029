//! Broken on purpose: doubles that fail every call, for tests of what a use case does when a
//! peer is down. They honour no contract (that is their point), so no suite runs on them.

use async_trait::async_trait;
use latchkey_core::{Rate, RateLimiter, StoreError, Timestamp, Verdict};
use latchkey_notify::{Message, Notifier, NotifyError};
use std::sync::{Mutex, PoisonError};

/// A notifier whose gateway is down: every send fails with `NotifyError::Transient`. It keeps
/// what it was asked to send (to prove, say, that a withdrawn token is useless).
#[derive(Debug, Default)]
pub struct DownNotifier {
    tried: Mutex<Vec<Message>>,
}

impl DownNotifier {
    /// Every message it failed to send, oldest first.
    pub fn tried(&self) -> Vec<Message> {
        self.tried
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

#[async_trait]
impl Notifier for DownNotifier {
    async fn send(&self, message: &Message) -> Result<(), NotifyError> {
        self.tried
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(message.clone());
        Err(NotifyError::Transient("connection refused".into()))
    }
}

/// A rate limiter whose storage is down: every hit fails with `StoreError::Unavailable`.
#[derive(Debug, Default, Clone, Copy)]
pub struct DownLimiter;

#[async_trait]
impl RateLimiter for DownLimiter {
    async fn hit(&self, _: &str, _: Rate, _: Timestamp) -> Result<Verdict, StoreError> {
        Err(StoreError::Unavailable("rate limiter storage down".into()))
    }

    async fn peek(&self, _: &str, _: Rate, _: Timestamp) -> Result<Verdict, StoreError> {
        Err(StoreError::Unavailable("rate limiter storage down".into()))
    }
}
