//! Services over fresh memory stores, and the values the tests build.

use latchkey_core::testing::{FixedClock, HeardRevocations, SeededRandom, T0};
use latchkey_core::{Clock, OrgId, SecretHash};
use latchkey_memory::{MemClientRegistry, MemTenantDirectory};
use latchkey_tenancy::{
    ApiClient, ClientId, ClientName, ClientRegistry, ClientService, Grant, LoginSettings,
    NewClient, OrgAccess, Principal, Scope, ScopeSet, Tenant, TenantDirectory, TenantName,
    TenantService,
};
use std::sync::Arc;

pub const ADMIN: [Scope; 2] = [Scope::ClientsAdmin, Scope::Tokens];

pub struct Fixture {
    pub tenants: Arc<MemTenantDirectory>,
    pub clients: Arc<MemClientRegistry>,
    pub revocations: Arc<HeardRevocations>,
    pub tenant_service: TenantService,
    pub client_service: ClientService,
}

/// Services over empty stores with the enabled tenants `masmovil` and `yoigo`.
pub async fn fixture() -> Fixture {
    let tenants = Arc::new(MemTenantDirectory::default());
    for id in ["masmovil", "yoigo"] {
        tenants.put(tenant(id, true)).await.unwrap();
    }
    let clients = Arc::new(MemClientRegistry::default());
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::at(T0));
    let revocations = Arc::new(HeardRevocations::default());
    Fixture {
        tenant_service: TenantService::new(tenants.clone(), clock.clone()),
        client_service: ClientService::new(
            clients.clone(),
            tenants.clone(),
            clock,
            Arc::new(SeededRandom::new(1)),
            revocations.clone(),
        ),
        tenants,
        clients,
        revocations,
    }
}

pub fn org(raw: &str) -> OrgId {
    OrgId::parse(raw).unwrap()
}

pub fn tenant(id: &str, enabled: bool) -> Tenant {
    Tenant {
        id: org(id),
        name: TenantName::parse(id).unwrap(),
        enabled,
        created_at: T0,
        updated_at: T0,
    }
}

pub fn scopes(list: &[Scope]) -> ScopeSet {
    list.iter().copied().collect()
}

/// `["*"]` for every org, or the listed org ids.
pub fn orgs(list: &[&str]) -> OrgAccess {
    OrgAccess::parse(list).unwrap()
}

pub fn caller(scope_list: &[Scope], org_list: &[&str]) -> Principal {
    Principal {
        subject: "caller".to_owned(),
        scopes: scopes(scope_list),
        orgs: orgs(org_list),
        credential: None,
        sign_in: None,
    }
}

pub fn new_client(scope_list: &[Scope], org_list: &[&str]) -> NewClient {
    NewClient {
        name: ClientName::parse("Billing").unwrap(),
        scopes: scopes(scope_list),
        orgs: orgs(org_list),
        grants: [Grant::ClientCredentials].into_iter().collect(),
        login: LoginSettings::default(),
    }
}

/// A client stored directly in the registry, bypassing the service's checks.
pub async fn stored_client(
    f: &Fixture,
    id: &str,
    scope_list: &[Scope],
    org_list: &[&str],
) -> ClientId {
    let client = ApiClient {
        id: ClientId::parse(id).unwrap(),
        name: ClientName::parse(id).unwrap(),
        secret_hash: SecretHash::of(b"secret"),
        scopes: scopes(scope_list),
        orgs: orgs(org_list),
        created_at: T0,
        grants: [Grant::ClientCredentials].into_iter().collect(),
        login: LoginSettings::default(),
    };
    let id = client.id.clone();
    f.clients.insert(client).await.unwrap();
    id
}

/// Whether the registry holds a client with that id.
pub async fn registered(f: &Fixture, id: &ClientId) -> bool {
    f.clients.get(id).await.unwrap().is_some()
}
