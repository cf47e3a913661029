//! The login service: what it is built from, and the lookups every step shares.

use crate::guessing::SlowGuessing;
use crate::known::KnownDevices;
use crate::record::Records;
use crate::{Grants, LoginError, LoginFailure, Pending};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_core::{Clock, OrgId, SecureRandom};
use latchkey_credential::CredentialService;
use latchkey_device::DeviceService;
use latchkey_flows::SecondFactors;
use latchkey_notify::Notifier;
use latchkey_oauth::{CibaService, EphemeralStore};
use latchkey_tenancy::{ApiClient, ClientId, ClientService, Tenant};
use std::collections::HashMap;
use std::sync::Arc;

/// The ports and settings of [`LoginService`].
#[derive(Debug, Clone)]
pub struct LoginPorts {
    pub store: Arc<dyn EphemeralStore>,
    pub ciba: CibaService,
    pub notifier: Arc<dyn Notifier>,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn SecureRandom>,
    /// Where a customer signed in by a magic link lands when no login is pending, by org.
    pub landing_urls: HashMap<OrgId, String>,
}

/// The login use cases.
#[derive(Debug, Clone)]
pub struct LoginService {
    pub(crate) credentials: CredentialService,
    pub(crate) clients: ClientService,
    pub(crate) second_factors: SecondFactors,
    pub(crate) grants: Grants,
    pub(crate) records: Records,
    pub(crate) guessing: SlowGuessing,
    pub(crate) known: KnownDevices,
    pub(crate) ports: LoginPorts,
}

impl LoginService {
    pub fn new(
        credentials: CredentialService,
        clients: ClientService,
        second_factors: SecondFactors,
        grants: Grants,
        ports: LoginPorts,
    ) -> Self {
        Self {
            credentials,
            clients,
            second_factors,
            grants,
            records: Records::new(ports.store.clone()),
            guessing: SlowGuessing::new(ports.store.clone(), ports.clock.clone()),
            known: KnownDevices::new(ports.store.clone()),
            ports,
        }
    }

    /// The slowed guessing of this login server (the security service's sign-in shares it).
    pub fn guessing(&self) -> &SlowGuessing {
        &self.guessing
    }

    /// The login `id`, when `csrf` is its anti-forgery token, with its tenant and client.
    /// `take`: taken out of the store (the password form: of two submissions of one form, one
    /// finds it; [`LoginService::password`] puts it back when it refuses), else only read.
    pub async fn open(&self, id: &str, csrf: &str, take: bool) -> Result<Pending, LoginFailure> {
        let found = if take {
            self.records.take(id, csrf).await
        } else {
            self.records.load(id, csrf).await
        };
        let tx = found?;
        let in_login = |error: LoginError, tenant: &str| LoginFailure {
            error,
            tenant: tenant.to_owned(),
            ui_locales: tx.request.ui_locales.clone(),
        };
        let tenant = match self.tenant(&tx.request.org).await {
            Ok(t) => t.name.as_str().to_owned(),
            Err(e) => return Err(in_login(e, "")),
        };
        let client = match self.client(&tx.request.client_id).await {
            Ok(Some(c)) => c,
            Ok(None) => return Err(in_login(LoginError::UnknownClient, &tenant)),
            Err(e) => return Err(in_login(e, "")),
        };
        Ok(Pending {
            id: id.to_owned(),
            tx,
            tenant,
            client,
        })
    }

    /// The tenant of a login, when it exists and is enabled (its pages show its name).
    pub(crate) async fn tenant(&self, org: &OrgId) -> Result<Tenant, LoginError> {
        Ok(self.credentials.login_tenant(org).await?)
    }

    /// The client `id` names: `None` for a malformed id or an unknown client.
    pub(crate) async fn client(&self, id: &str) -> Result<Option<ApiClient>, LoginError> {
        let Ok(id) = ClientId::parse(id) else {
            return Ok(None);
        };
        Ok(self.clients.get(&id).await?)
    }

    pub(crate) fn devices(&self) -> &DeviceService {
        self.grants.devices()
    }
}

/// A fresh random secret: 256 bits, URL-safe base64.
pub(crate) fn secret(random: &dyn SecureRandom) -> String {
    URL_SAFE_NO_PAD.encode(random.secret_bytes())
}
