//! The contract of [`TenantDirectory`] (`latchkey_tenancy::ports`).

use super::{begin, ok};
use crate::fixtures::{T0, org, tenant};
use latchkey_tenancy::{TenantDirectory, TenantName};
use std::future::Future;
use time::Duration;

/// Runs every check, each on a fresh store from `make`.
pub async fn run<F, Fut, S>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
    S: TenantDirectory,
{
    let port = "TenantDirectory";
    begin(port, "put_creates_a_missing_tenant");
    put_creates_a_missing_tenant(&make().await).await;
    begin(port, "put_replaces_a_tenant_and_keeps_its_created_at");
    put_replaces_a_tenant_and_keeps_its_created_at(&make().await).await;
    begin(port, "get_returns_none_for_an_unknown_id");
    get_returns_none_for_an_unknown_id(&make().await).await;
    begin(port, "get_returns_a_disabled_tenant");
    get_returns_a_disabled_tenant(&make().await).await;
    begin(port, "list_is_empty_without_tenants");
    list_is_empty_without_tenants(&make().await).await;
    begin(port, "list_returns_every_tenant_ordered_by_id");
    list_returns_every_tenant_ordered_by_id(&make().await).await;
}

/// `put` of a new id stores the tenant as given and reports it created.
pub async fn put_creates_a_missing_tenant(store: &dyn TenantDirectory) {
    let given = tenant("masmovil");
    let (stored, created) = ok(store.put(given.clone()).await, "put of a new tenant");
    assert!(created, "put of a new id must report created = true");
    assert_eq!(stored, given, "put of a new tenant must return it as given");
    let found = ok(store.get(&given.id).await, "get after put");
    assert_eq!(found, Some(given), "get must return the tenant put");
}

/// "When one is replaced, its `created_at` MUST be kept (the stored value wins over the
/// argument's)", every other field is replaced, and `put` reports `false`.
pub async fn put_replaces_a_tenant_and_keeps_its_created_at(store: &dyn TenantDirectory) {
    let original = tenant("yoigo");
    ok(store.put(original.clone()).await, "first put");
    let later = T0 + Duration::days(3);
    let replacement = latchkey_tenancy::Tenant {
        name: TenantName::parse("Yoigo Móvil").expect("a valid name"),
        enabled: false,
        created_at: later,
        updated_at: later,
        ..original.clone()
    };
    let (stored, created) = ok(store.put(replacement.clone()).await, "second put");
    assert!(
        !created,
        "put of an existing id must report created = false"
    );
    let expected = latchkey_tenancy::Tenant {
        created_at: original.created_at,
        ..replacement
    };
    assert_eq!(
        stored, expected,
        "put must return the tenant as stored, with the old created_at"
    );
    let found = ok(store.get(&original.id).await, "get after replace");
    assert_eq!(
        found,
        Some(expected),
        "the stored tenant must keep created_at, take the rest"
    );
    let all = ok(store.list().await, "list after replace");
    assert_eq!(
        all.len(),
        1,
        "replacing must not add a second tenant: {all:?}"
    );
}

/// "Returns `Ok(None)` when no tenant has that id."
pub async fn get_returns_none_for_an_unknown_id(store: &dyn TenantDirectory) {
    ok(store.put(tenant("masmovil")).await, "put");
    let found = ok(store.get(&org("yoigo")).await, "get of an unknown id");
    assert_eq!(found, None, "get of an unknown id must be Ok(None)");
}

/// "(enabled or not)": a disabled tenant is still found.
pub async fn get_returns_a_disabled_tenant(store: &dyn TenantDirectory) {
    let disabled = latchkey_tenancy::Tenant {
        enabled: false,
        ..tenant("lebara")
    };
    ok(
        store.put(disabled.clone()).await,
        "put of a disabled tenant",
    );
    let found = ok(store.get(&disabled.id).await, "get of a disabled tenant");
    assert_eq!(
        found,
        Some(disabled),
        "get must return disabled tenants too"
    );
}

/// An empty directory lists nothing.
pub async fn list_is_empty_without_tenants(store: &dyn TenantDirectory) {
    let all = ok(store.list().await, "list of an empty directory");
    assert!(
        all.is_empty(),
        "a fresh directory must list no tenant: {all:?}"
    );
}

/// "Every tenant, enabled or not, ordered by id." The order is `OrgId`'s (byte-wise): the ids
/// below mix `-`, `_` and digits, which a locale collation would sort differently.
pub async fn list_returns_every_tenant_ordered_by_id(store: &dyn TenantDirectory) {
    let ids = [
        "yoigo",
        "pepe_phone",
        "masmovil",
        "pepe-phone",
        "pepephone",
        "llamaya",
        "m2",
    ];
    for id in ids {
        let mut t = tenant(id);
        t.enabled = id != "pepephone";
        ok(store.put(t).await, "put");
    }
    let listed: Vec<String> = ok(store.list().await, "list")
        .into_iter()
        .map(|t| t.id.to_string())
        .collect();
    let mut expected: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
    expected.sort();
    assert_eq!(
        listed, expected,
        "list must return every tenant, disabled too, ordered by id"
    );
}
