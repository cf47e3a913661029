//! What the system endpoints read of the running server (`security::system`), and what
//! authenticates a sibling service (`services`): built once at start and registered as app
//! data (`web::Data<SystemContext>`).

use crate::logging::LogLevels;
use crate::security::services::SystemServices;
use crate::tls::ServedCertificate;
use latchkey_core::RevocationListener;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

/// What the system endpoints read of the running server, registered as app data at start.
#[derive(Clone)]
pub struct SystemContext {
    pub services: SystemServices,
    pub log_levels: LogLevels,
    /// When the server started, on the wall clock and on the monotonic one (the uptime).
    pub started_at: SystemTime,
    pub started: Instant,
    /// The certificate it serves HTTPS with, when it does.
    pub certificate: Option<Arc<ServedCertificate>>,
    /// The read-through caches of tenants and clients (on a database), emptied by `reload`.
    pub directory_caches: Vec<Arc<dyn RevocationListener>>,
}

impl std::fmt::Debug for SystemContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SystemContext")
            .field("services", &self.services)
            .field("log_levels", &self.log_levels)
            .field("certificate", &self.certificate)
            .finish_non_exhaustive()
    }
}
