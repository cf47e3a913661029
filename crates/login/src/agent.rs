//! Who is signing in, from where, and what their browser carries for the login server.

use latchkey_core::{ExposeSecret as _, OrgId, SecretString};
use latchkey_notify::Language;
use std::collections::BTreeMap;
use std::fmt;

/// Who is signing in, from where.
#[derive(Debug, Clone, Copy)]
pub struct Agent<'a> {
    /// The client's IP address, as the server saw it.
    pub address: &'a str,
    pub user_agent: &'a str,
    /// The pages' language; messages sent during the login use it too.
    pub language: Language,
    /// What the browser carries (its device sessions, its login in progress).
    pub browser: &'a Browser,
}

/// What a browser carries for the login server, by org: the secret of its device session, the
/// id of its login in progress, and its known-device marker (`crate::known`). The app reads
/// them from cookies; secrets never print.
#[derive(Default, Clone)]
pub struct Browser {
    sessions: BTreeMap<OrgId, SecretString>,
    pending: BTreeMap<OrgId, String>,
    known: BTreeMap<OrgId, SecretString>,
}

impl Browser {
    /// Records the device-session secret the browser holds for `org`.
    pub fn with_session(mut self, org: OrgId, secret: &str) -> Self {
        self.sessions.insert(org, SecretString::from(secret));
        self
    }

    /// Records the login the browser has in progress for `org`.
    pub fn with_pending(mut self, org: OrgId, id: &str) -> Self {
        self.pending.insert(org, id.to_owned());
        self
    }

    /// Records the known-device marker the browser holds for `org`.
    pub fn with_known(mut self, org: OrgId, marker: &str) -> Self {
        self.known.insert(org, SecretString::from(marker));
        self
    }

    /// The known-device marker for `org`, if the browser has one.
    pub fn known(&self, org: &OrgId) -> Option<&str> {
        self.known.get(org).map(|s| s.expose_secret())
    }

    /// The device-session secret for `org`, if the browser has one.
    pub fn session(&self, org: &OrgId) -> Option<&str> {
        self.sessions.get(org).map(|s| s.expose_secret())
    }

    /// The login in progress for `org`, if any.
    pub fn pending(&self, org: &OrgId) -> Option<&str> {
        self.pending.get(org).map(String::as_str)
    }

    /// The orgs the browser holds a device session for, and their secrets.
    pub fn sessions(&self) -> impl Iterator<Item = (&OrgId, &str)> {
        self.sessions
            .iter()
            .map(|(org, s)| (org, s.expose_secret()))
    }
}

impl fmt::Debug for Browser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Browser")
            .field("sessions", &self.sessions.keys().collect::<Vec<_>>())
            .field("pending", &self.pending.keys().collect::<Vec<_>>())
            .field("known", &self.known.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
#[allow(clippy::panic, reason = "a test fails by panicking")]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_the_orgs_not_the_secrets() {
        let org = OrgId::parse("masmovil").unwrap_or_else(|e| panic!("{e}"));
        let browser = Browser::default()
            .with_session(org.clone(), "device-id.session-secret-1")
            .with_pending(org.clone(), "pending-login-id-2")
            .with_known(org, "known-marker-3");
        let shown = format!("{browser:?}");
        assert!(shown.contains("masmovil"), "{shown}");
        assert!(!shown.contains("session-secret-1") && !shown.contains("pending-login-id-2"));
        assert!(!shown.contains("known-marker-3"));
    }
}
