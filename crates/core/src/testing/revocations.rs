//! Revocations that a test can read back.

use crate::{Revocation, Revocations};
use std::sync::{Mutex, PoisonError};

/// A [`Revocations`] that remembers what it was told, in order.
#[derive(Debug, Default)]
pub struct HeardRevocations {
    heard: Mutex<Vec<Revocation>>,
}

impl HeardRevocations {
    /// Everything announced so far, oldest first.
    pub fn heard(&self) -> Vec<Revocation> {
        self.heard
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Revocations for HeardRevocations {
    fn revoked(&self, revocation: &Revocation) {
        self.heard
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(revocation.clone());
    }
}
