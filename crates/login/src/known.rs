//! Known devices: a browser that signed in as a customer before. After each sign-in that starts
//! a device session, the browser keeps a long-lived marker (the app's cookie
//! `latchkey_device_<org>`), and the login server remembers, for [`KNOWN_DEVICE_TTL`], which
//! username signed in with it. The marker is derived one way from the session's secret: it
//! cannot be made up, and it cannot be used as a session. It outlives the session (expired,
//! ended by logout), and the session cookie itself counts as long as the browser keeps it.
//!
//! Slowed guessing gates a known browser's attempts at that username by a key of its own, so
//! failures made by others elsewhere never refuse it (NIST SP 800-63B §5.2.2).
//!
//! Only hashes are stored: the record's name is the SHA-256 of the marker, its value the
//! SHA-256 of the username's slowed-guessing key.

use crate::{Browser, LoginError, NewSession, guessing};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_core::{OrgId, SecretHash};
use latchkey_oauth::EphemeralStore;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use time::Duration;

/// How long a browser stays known after its last sign-in as a customer.
pub const KNOWN_DEVICE_TTL: Duration = Duration::days(180);

/// The known-device marker of a browser whose sign-in started `session` (the value of its
/// `latchkey_device_<org>` cookie).
pub fn known_device_marker(session: &NewSession) -> String {
    marker_of(&session.value.0)
}

fn marker_of(session_secret: &str) -> String {
    let mut digest = Sha256::new();
    digest.update(b"latchkey known device\0");
    digest.update(session_secret.as_bytes());
    URL_SAFE_NO_PAD.encode(digest.finalize())
}

/// The known-device records, in the `EphemeralStore`.
#[derive(Debug, Clone)]
pub(crate) struct KnownDevices {
    store: Arc<dyn EphemeralStore>,
}

impl KnownDevices {
    pub(crate) fn new(store: Arc<dyn EphemeralStore>) -> Self {
        Self { store }
    }

    /// Remembers that the browser of `session` signed in as `username` of `org`.
    pub(crate) async fn remember(
        &self,
        org: &OrgId,
        username: &str,
        session: &NewSession,
    ) -> Result<(), LoginError> {
        let marker = known_device_marker(session);
        let value = account_of(org, username);
        self.store
            .put(
                &record_name(org, &marker),
                value.as_bytes(),
                KNOWN_DEVICE_TTL,
            )
            .await?;
        Ok(())
    }

    /// The hashed marker of `browser` when it signed in as `username` of `org` before (its
    /// known-device marker, or the marker of the session it still holds): `None` otherwise.
    pub(crate) async fn recognise(
        &self,
        org: &OrgId,
        username: &str,
        browser: &Browser,
    ) -> Result<Option<String>, LoginError> {
        let markers: Vec<String> = browser
            .known(org)
            .map(str::to_owned)
            .into_iter()
            .chain(browser.session(org).map(marker_of))
            .filter(|m| plausible(m))
            .collect();
        if markers.is_empty() {
            return Ok(None);
        }
        let names: Vec<String> = markers.iter().map(|m| record_name(org, m)).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let wanted = account_of(org, username);
        let found = self.store.get_many(&names).await?;
        Ok(markers
            .iter()
            .zip(found)
            .find(|(_, record)| record.as_deref() == Some(wanted.as_bytes()))
            .map(|(marker, _)| hashed(marker)))
    }
}

/// A marker this service can have made (43 characters of base64url), before it goes anywhere
/// near the store.
fn plausible(marker: &str) -> bool {
    marker.len() <= 64 && !marker.is_empty()
}

fn hashed(marker: &str) -> String {
    SecretHash::of(marker.as_bytes()).to_hex()
}

fn record_name(org: &OrgId, marker: &str) -> String {
    format!("known:{org}:{}", hashed(marker))
}

/// What a record holds: the hash of the username's key (so usernames are not kept in clear).
fn account_of(org: &OrgId, username: &str) -> String {
    SecretHash::of(guessing::username_key(org, username).as_bytes()).to_hex()
}

#[cfg(test)]
#[allow(clippy::panic, reason = "a test fails by panicking")]
mod tests {
    use super::*;
    use latchkey_core::testing::{FixedClock, T0};
    use latchkey_device::SessionSecret;
    use latchkey_memory::MemEphemeralStore;

    fn session(secret: &str) -> NewSession {
        NewSession {
            value: SessionSecret(secret.to_owned()),
            expires_at: T0,
        }
    }

    #[test]
    fn the_marker_is_derived_one_way_and_not_the_session() {
        let marker = known_device_marker(&session("device.secret-1"));
        assert_eq!(marker.len(), 43);
        assert!(!marker.contains("secret-1"));
        assert_ne!(marker, known_device_marker(&session("device.secret-2")));
    }

    #[tokio::test]
    async fn a_browser_is_known_for_the_username_it_signed_in_as_only() {
        let clock = std::sync::Arc::new(FixedClock::default());
        let known = KnownDevices::new(Arc::new(MemEphemeralStore::new(clock.clone())));
        let org = OrgId::parse("masmovil").unwrap_or_else(|e| panic!("{e}"));
        let started = session("device.secret-1");
        let recognise = |browser: Browser, name: &'static str| {
            let (known, org) = (known.clone(), org.clone());
            async move { known.recognise(&org, name, &browser).await.ok().flatten() }
        };
        let marked = Browser::default().with_known(org.clone(), &known_device_marker(&started));
        assert_eq!(recognise(marked.clone(), "ana@example.com").await, None);
        known
            .remember(&org, "ana@example.com", &started)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            recognise(marked.clone(), " ANA@example.com")
                .await
                .is_some()
        );
        assert_eq!(recognise(marked, "bea@example.com").await, None);
        // The session cookie itself, while the browser keeps it.
        let in_session = Browser::default().with_session(org.clone(), "device.secret-1");
        assert!(recognise(in_session, "ana@example.com").await.is_some());
        assert_eq!(recognise(Browser::default(), "ana@example.com").await, None);
        clock.advance(KNOWN_DEVICE_TTL);
        let marked = Browser::default().with_known(org.clone(), &known_device_marker(&started));
        assert_eq!(recognise(marked, "ana@example.com").await, None);
    }
}
