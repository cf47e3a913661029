//! Revocations that a test can read back.

use crate::{Revocation, RevocationListener, Revocations, StoreError};
use async_trait::async_trait;
use std::sync::{Mutex, PoisonError};

/// A [`Revocations`] (and a [`RevocationListener`]) that remembers what it was told, in order.
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

    fn push(&self, revocation: &Revocation) {
        self.heard
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(revocation.clone());
    }
}

#[async_trait]
impl Revocations for HeardRevocations {
    async fn revoked(&self, revocation: &Revocation) -> Result<(), StoreError> {
        self.push(revocation);
        Ok(())
    }
}

impl RevocationListener for HeardRevocations {
    fn heard(&self, revocation: &Revocation) {
        self.push(revocation);
    }
}
