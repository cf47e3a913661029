//! Unit tests of the tenant and client services, over the in-test fakes of `fakes.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// A `#[path]`-loaded module resolves its children next to itself, hence the explicit path.
#[path = "service_tests/fakes.rs"]
mod fakes;

use super::*;
use crate::{Grant, LoginSettings, TenantName};
use fakes::{CountingRandom, FakeClients, FakeTenants, FixedClock, T0};
use latchkey_core::ExposeSecret as _;
use latchkey_core::testing::HeardRevocations;
use std::sync::Mutex;

struct Fixture {
    tenants: Arc<FakeTenants>,
    clients: Arc<FakeClients>,
    revocations: Arc<HeardRevocations>,
    tenant_service: TenantService,
    client_service: ClientService,
}

/// Services over empty fakes with the enabled tenants `masmovil` and `yoigo`.
fn fixture() -> Fixture {
    let tenants = Arc::new(FakeTenants::default());
    for id in ["masmovil", "yoigo"] {
        tenants.0.lock().unwrap().insert(org(id), tenant(id, true));
    }
    let clients = Arc::new(FakeClients::default());
    let clock: Arc<dyn Clock> = Arc::new(FixedClock(Mutex::new(T0)));
    let revocations = Arc::new(HeardRevocations::default());
    Fixture {
        tenant_service: TenantService::new(tenants.clone(), clock.clone()),
        client_service: ClientService::new(
            clients.clone(),
            tenants.clone(),
            clock,
            Arc::new(CountingRandom::default()),
            revocations.clone(),
        ),
        tenants,
        clients,
        revocations,
    }
}

fn org(raw: &str) -> OrgId {
    OrgId::parse(raw).unwrap()
}

fn tenant(id: &str, enabled: bool) -> Tenant {
    Tenant {
        id: org(id),
        name: TenantName::parse(id).unwrap(),
        enabled,
        created_at: T0,
        updated_at: T0,
    }
}

fn scopes(list: &[Scope]) -> ScopeSet {
    list.iter().copied().collect()
}

/// `["*"]` for every org, or the listed org ids.
fn orgs(list: &[&str]) -> OrgAccess {
    OrgAccess::parse(list).unwrap()
}

fn caller(scope_list: &[Scope], org_list: &[&str]) -> Principal {
    Principal {
        subject: "caller".to_owned(),
        scopes: scopes(scope_list),
        orgs: orgs(org_list),
        credential: None,
    }
}

fn new_client(scope_list: &[Scope], org_list: &[&str]) -> NewClient {
    NewClient {
        name: ClientName::parse("Billing").unwrap(),
        scopes: scopes(scope_list),
        orgs: orgs(org_list),
        grants: [Grant::ClientCredentials].into_iter().collect(),
        login: LoginSettings::default(),
    }
}

/// A client stored directly in the registry, bypassing the service's checks.
fn stored_client(f: &Fixture, id: &str, scope_list: &[Scope], org_list: &[&str]) -> ClientId {
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
    f.clients.0.lock().unwrap().insert(id.clone(), client);
    id
}

const ADMIN: [Scope; 2] = [Scope::ClientsAdmin, Scope::Tokens];

#[tokio::test]
async fn create_refuses_scopes_the_caller_does_not_hold() {
    let f = fixture();
    let result = f
        .client_service
        .create(
            &caller(&ADMIN, &["*"]),
            new_client(&[Scope::Tokens, Scope::KeysAdmin], &["masmovil"]),
        )
        .await;
    assert!(
        matches!(result, Err(ClientError::Denied(AccessDenied::Escalation))),
        "{result:?}"
    );
    assert!(f.clients.0.lock().unwrap().is_empty());
}

#[tokio::test]
async fn create_refuses_orgs_the_caller_does_not_cover() {
    let f = fixture();
    let masmovil_admin = caller(&ADMIN, &["masmovil"]);
    for org_list in [&["masmovil", "yoigo"][..], &["*"]] {
        let result = f
            .client_service
            .create(&masmovil_admin, new_client(&[Scope::Tokens], org_list))
            .await;
        assert!(
            matches!(result, Err(ClientError::Denied(AccessDenied::Escalation))),
            "{org_list:?}: {result:?}"
        );
    }
}

#[tokio::test]
async fn create_refuses_unknown_orgs() {
    let f = fixture();
    let result = f
        .client_service
        .create(
            &caller(&ADMIN, &["*"]),
            new_client(&[Scope::Tokens], &["masmovil", "pepephone"]),
        )
        .await;
    assert!(
        matches!(&result, Err(ClientError::UnknownOrg(o)) if o.as_str() == "pepephone"),
        "{result:?}"
    );
}

#[tokio::test]
async fn create_refuses_empty_scopes_and_empty_orgs() {
    let f = fixture();
    let admin = caller(&ADMIN, &["*"]);
    let no_scopes = f
        .client_service
        .create(&admin, new_client(&[], &["masmovil"]))
        .await;
    assert!(
        matches!(no_scopes, Err(ClientError::NoScopes)),
        "{no_scopes:?}"
    );
    let mut no_orgs = new_client(&[Scope::Tokens], &["masmovil"]);
    no_orgs.orgs = OrgAccess::Only(Default::default());
    let no_orgs = f.client_service.create(&admin, no_orgs).await;
    assert!(matches!(no_orgs, Err(ClientError::NoOrgs)), "{no_orgs:?}");
}

#[tokio::test]
async fn created_secret_is_43_url_safe_chars_and_hashes_to_the_stored_hash() {
    let f = fixture();
    let (client, secret) = f
        .client_service
        .create(
            &caller(&ADMIN, &["masmovil"]),
            new_client(&[Scope::Tokens], &["masmovil"]),
        )
        .await
        .unwrap();
    let secret = secret.expose_secret();
    assert_eq!(secret.len(), 43, "256 bits in unpadded base64");
    assert!(
        secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "{secret}"
    );
    let stored = f
        .clients
        .0
        .lock()
        .unwrap()
        .get(&client.id)
        .cloned()
        .unwrap();
    assert_eq!(stored, client);
    assert!(stored.secret_hash.matches(secret.as_bytes()));
    assert_eq!(stored.created_at, T0);
    assert_eq!(stored.orgs, orgs(&["masmovil"]));
}

#[tokio::test]
async fn authenticate_accepts_only_the_right_secret_of_a_known_client() {
    let f = fixture();
    let (client, secret) = f
        .client_service
        .create(
            &caller(&ADMIN, &["*"]),
            new_client(&[Scope::Tokens], &["yoigo"]),
        )
        .await
        .unwrap();
    let secret = secret.expose_secret().as_bytes();
    let service = &f.client_service;
    let right = service
        .authenticate(client.id.as_str(), secret)
        .await
        .unwrap();
    assert_eq!(right.map(|c| c.id), Some(client.id.clone()));
    let wrong = service
        .authenticate(client.id.as_str(), b"guess")
        .await
        .unwrap();
    assert_eq!(wrong, None);
    let unknown = service
        .authenticate("no-such-client", secret)
        .await
        .unwrap();
    assert_eq!(unknown, None);
    let malformed = service.authenticate("bad:id", secret).await.unwrap();
    assert_eq!(malformed, None);
}

#[tokio::test]
async fn delete_refuses_a_client_with_scopes_or_orgs_the_caller_lacks() {
    let f = fixture();
    let wide_scopes = stored_client(&f, "wide-scopes", &[Scope::KeysAdmin], &["masmovil"]);
    let wide_orgs = stored_client(&f, "wide-orgs", &[Scope::Tokens], &["masmovil", "yoigo"]);
    let masmovil_admin = caller(&ADMIN, &["masmovil"]);
    for id in [&wide_scopes, &wide_orgs] {
        let result = f.client_service.delete(&masmovil_admin, id).await;
        assert!(
            matches!(result, Err(ClientError::Denied(AccessDenied::Escalation))),
            "{id:?}: {result:?}"
        );
        assert!(f.clients.0.lock().unwrap().contains_key(id), "{id:?} kept");
    }
    let covered = stored_client(&f, "covered", &[Scope::Tokens], &["masmovil"]);
    f.client_service
        .delete(&masmovil_admin, &covered)
        .await
        .unwrap();
    assert!(!f.clients.0.lock().unwrap().contains_key(&covered));
    let again = f.client_service.delete(&masmovil_admin, &covered).await;
    assert!(matches!(again, Err(ClientError::NotFound)), "{again:?}");
}

#[tokio::test]
async fn a_deleted_client_is_announced_to_the_revocations_and_a_refused_one_is_not() {
    let f = fixture();
    let wide = stored_client(&f, "wide", &[Scope::KeysAdmin], &["masmovil"]);
    let covered = stored_client(&f, "covered", &[Scope::Tokens], &["masmovil"]);
    let masmovil_admin = caller(&ADMIN, &["masmovil"]);
    let refused = f.client_service.delete(&masmovil_admin, &wide).await;
    assert!(refused.is_err());
    assert!(f.revocations.heard().is_empty(), "nothing revoked yet");
    f.client_service
        .delete(&masmovil_admin, &covered)
        .await
        .unwrap();
    assert_eq!(
        f.revocations.heard(),
        vec![latchkey_core::Revocation::Subject("covered".to_owned())]
    );
}

#[tokio::test]
async fn list_shows_only_clients_whose_orgs_the_caller_covers() {
    let f = fixture();
    stored_client(&f, "a-masmovil", &[Scope::Tokens], &["masmovil"]);
    stored_client(&f, "b-yoigo", &[Scope::Tokens], &["yoigo"]);
    stored_client(&f, "c-both", &[Scope::Tokens], &["masmovil", "yoigo"]);
    stored_client(&f, "d-all", &[Scope::Tokens], &["*"]);
    let ids = |list: Vec<ApiClient>| -> Vec<String> {
        list.into_iter().map(|c| c.id.to_string()).collect()
    };
    let masmovil = f
        .client_service
        .list(&caller(&ADMIN, &["masmovil"]))
        .await
        .unwrap();
    assert_eq!(ids(masmovil), ["a-masmovil"]);
    let everyone = f
        .client_service
        .list(&caller(&ADMIN, &["*"]))
        .await
        .unwrap();
    assert_eq!(ids(everyone), ["a-masmovil", "b-yoigo", "c-both", "d-all"]);
}

#[tokio::test]
async fn tenant_put_requires_tenants_admin_on_that_org() {
    let f = fixture();
    let name = || TenantName::parse("Pepephone").unwrap();
    let no_scope = caller(&[Scope::ClientsAdmin], &["*"]);
    let result = f
        .tenant_service
        .put(&no_scope, org("pepephone"), name(), true)
        .await;
    assert!(
        matches!(
            result,
            Err(TenantError::Denied(AccessDenied::MissingScope(
                Scope::TenantsAdmin
            )))
        ),
        "{result:?}"
    );
    let other_org = caller(&[Scope::TenantsAdmin], &["masmovil"]);
    let result = f
        .tenant_service
        .put(&other_org, org("pepephone"), name(), true)
        .await;
    assert!(
        matches!(&result, Err(TenantError::Denied(AccessDenied::Org(o))) if o.as_str() == "pepephone"),
        "{result:?}"
    );
    assert!(f.tenants.0.lock().unwrap().get(&org("pepephone")).is_none());

    let admin = caller(&[Scope::TenantsAdmin], &["pepephone"]);
    let (created, is_new) = f
        .tenant_service
        .put(&admin, org("pepephone"), name(), false)
        .await
        .unwrap();
    assert!(is_new && !created.enabled && created.created_at == T0);
    let (_, is_new) = f
        .tenant_service
        .put(&admin, org("pepephone"), name(), true)
        .await
        .unwrap();
    assert!(!is_new, "the second put replaces");
}

#[tokio::test]
async fn require_enabled_hides_disabled_and_unknown_tenants() {
    let f = fixture();
    f.tenants
        .0
        .lock()
        .unwrap()
        .insert(org("pepephone"), tenant("pepephone", false));
    for hidden in ["pepephone", "llamaya"] {
        let result = f.tenant_service.require_enabled(&org(hidden)).await;
        assert!(
            matches!(&result, Err(TenantError::NotFound(o)) if o.as_str() == hidden),
            "{hidden}: {result:?}"
        );
    }
    let found = f
        .tenant_service
        .require_enabled(&org("yoigo"))
        .await
        .unwrap();
    assert_eq!(found.id, org("yoigo"));
}

#[tokio::test]
async fn tenant_list_shows_only_covered_tenants() {
    let f = fixture();
    f.tenants
        .0
        .lock()
        .unwrap()
        .insert(org("pepephone"), tenant("pepephone", false));
    let ids =
        |list: Vec<Tenant>| -> Vec<String> { list.into_iter().map(|t| t.id.to_string()).collect() };
    let some = caller(&[Scope::TenantsAdmin], &["pepephone", "yoigo"]);
    assert_eq!(
        ids(f.tenant_service.list(&some).await.unwrap()),
        ["pepephone", "yoigo"]
    );
    let all = caller(&[Scope::TenantsAdmin], &["*"]);
    assert_eq!(
        ids(f.tenant_service.list(&all).await.unwrap()),
        ["masmovil", "pepephone", "yoigo"]
    );
}

#[tokio::test]
async fn bootstrap_keeps_an_unchanged_client_and_replaces_a_changed_one() {
    let clock = Arc::new(FixedClock(Mutex::new(T0)));
    let tenants = Arc::new(FakeTenants::default());
    let service = ClientService::new(
        Arc::new(FakeClients::default()),
        tenants,
        clock.clone(),
        Arc::new(CountingRandom::default()),
        Arc::new(HeardRevocations::default()),
    );
    let id = ClientId::parse("latchkey-admin").unwrap();
    let first = service
        .bootstrap(id.clone(), b"first-secret-0123456789")
        .await
        .unwrap();
    *clock.0.lock().unwrap() = T0 + time::Duration::hours(1);
    let again = service
        .bootstrap(id.clone(), b"first-secret-0123456789")
        .await
        .unwrap();
    assert_eq!(
        again.created_at, first.created_at,
        "a restart must not revoke the client's tokens"
    );
    let changed = service
        .bootstrap(id.clone(), b"second-secret-0123456789")
        .await
        .unwrap();
    assert_eq!(
        changed.created_at,
        T0 + time::Duration::hours(1),
        "a new secret is a new client"
    );
    assert!(
        service
            .authenticate("latchkey-admin", b"second-secret-0123456789")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        service
            .authenticate("latchkey-admin", b"first-secret-0123456789")
            .await
            .unwrap()
            .is_none()
    );
}

/// The cache answers from its snapshot until the time to live has passed; a `put` through it is
/// seen at once.
#[tokio::test]
async fn cached_directory_serves_a_snapshot_for_its_time_to_live() {
    let inner = Arc::new(FakeTenants::default());
    inner
        .0
        .lock()
        .unwrap()
        .insert(org("masmovil"), tenant("masmovil", true));
    let clock = Arc::new(FixedClock(Mutex::new(T0)));
    let cache =
        crate::CachedTenantDirectory::new(inner.clone(), clock.clone(), time::Duration::seconds(1));
    assert!(cache.get(&org("masmovil")).await.unwrap().unwrap().enabled);

    // A change behind the cache's back (another server instance) is not seen yet...
    inner
        .0
        .lock()
        .unwrap()
        .insert(org("masmovil"), tenant("masmovil", false));
    assert!(cache.get(&org("masmovil")).await.unwrap().unwrap().enabled);
    // ...until the snapshot is a time to live old.
    *clock.0.lock().unwrap() = T0 + time::Duration::seconds(1);
    assert!(!cache.get(&org("masmovil")).await.unwrap().unwrap().enabled);

    // A change through the cache is seen at once, and so is a new tenant.
    cache.put(tenant("masmovil", true)).await.unwrap();
    cache.put(tenant("yoigo", true)).await.unwrap();
    assert!(cache.get(&org("masmovil")).await.unwrap().unwrap().enabled);
    assert!(cache.get(&org("yoigo")).await.unwrap().is_some());
    assert!(cache.get(&org("lebara")).await.unwrap().is_none());
    let ids: Vec<_> = cache
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.id.to_string())
        .collect();
    assert_eq!(ids, ["masmovil", "yoigo"]);
}
