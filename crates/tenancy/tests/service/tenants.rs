//! The tenant use cases: who may put a tenant, which tenants a caller sees, and which tenants
//! count as enabled.

use crate::fixture::{caller, fixture, org, tenant};
use latchkey_core::testing::T0;
use latchkey_tenancy::{AccessDenied, Scope, Tenant, TenantDirectory, TenantError, TenantName};

#[tokio::test]
async fn tenant_put_requires_tenants_admin_on_that_org() {
    let f = fixture().await;
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
    assert!(f.tenants.get(&org("pepephone")).await.unwrap().is_none());

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
    let f = fixture().await;
    f.tenants.put(tenant("pepephone", false)).await.unwrap();
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
    let f = fixture().await;
    f.tenants.put(tenant("pepephone", false)).await.unwrap();
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
