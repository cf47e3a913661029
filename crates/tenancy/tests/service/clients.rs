//! The client use cases: creation within the caller's own scopes and orgs, authentication,
//! deletion (announced to the revocations), listing, and the bootstrap client.

use crate::fixture::{ADMIN, caller, fixture, new_client, orgs, registered, stored_client};
use latchkey_core::ExposeSecret as _;
use latchkey_core::testing::{FixedClock, HeardRevocations, SeededRandom, T0};
use latchkey_memory::{MemClientRegistry, MemTenantDirectory};
use latchkey_tenancy::{
    AccessDenied, ApiClient, Bootstrapped, ClientError, ClientId, ClientRegistry, ClientService,
    OrgAccess, Scope,
};
use std::sync::Arc;

#[tokio::test]
async fn create_refuses_scopes_the_caller_does_not_hold() {
    let f = fixture().await;
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
    assert!(f.clients.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn create_refuses_orgs_the_caller_does_not_cover() {
    let f = fixture().await;
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
    let f = fixture().await;
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
    let f = fixture().await;
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
    let f = fixture().await;
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
    let stored = f.clients.get(&client.id).await.unwrap().unwrap();
    assert_eq!(stored, client);
    assert!(stored.secret_hash.matches(secret.as_bytes()));
    assert_eq!(stored.created_at, T0);
    assert_eq!(stored.orgs, orgs(&["masmovil"]));
}

#[tokio::test]
async fn authenticate_accepts_only_the_right_secret_of_a_known_client() {
    let f = fixture().await;
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
    let f = fixture().await;
    let wide_scopes = stored_client(&f, "wide-scopes", &[Scope::KeysAdmin], &["masmovil"]).await;
    let wide_orgs = stored_client(&f, "wide-orgs", &[Scope::Tokens], &["masmovil", "yoigo"]).await;
    let masmovil_admin = caller(&ADMIN, &["masmovil"]);
    for id in [&wide_scopes, &wide_orgs] {
        let result = f.client_service.delete(&masmovil_admin, id).await;
        assert!(
            matches!(result, Err(ClientError::Denied(AccessDenied::Escalation))),
            "{id:?}: {result:?}"
        );
        assert!(registered(&f, id).await, "{id:?} kept");
    }
    let covered = stored_client(&f, "covered", &[Scope::Tokens], &["masmovil"]).await;
    f.client_service
        .delete(&masmovil_admin, &covered)
        .await
        .unwrap();
    assert!(!registered(&f, &covered).await);
    let again = f.client_service.delete(&masmovil_admin, &covered).await;
    assert!(matches!(again, Err(ClientError::NotFound)), "{again:?}");
}

#[tokio::test]
async fn a_deleted_client_is_announced_to_the_revocations_and_a_refused_one_is_not() {
    let f = fixture().await;
    let wide = stored_client(&f, "wide", &[Scope::KeysAdmin], &["masmovil"]).await;
    let covered = stored_client(&f, "covered", &[Scope::Tokens], &["masmovil"]).await;
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
        vec![latchkey_core::Revocation::Client("covered".to_owned())]
    );
}

#[tokio::test]
async fn list_shows_only_clients_whose_orgs_the_caller_covers() {
    let f = fixture().await;
    stored_client(&f, "a-masmovil", &[Scope::Tokens], &["masmovil"]).await;
    stored_client(&f, "b-yoigo", &[Scope::Tokens], &["yoigo"]).await;
    stored_client(&f, "c-both", &[Scope::Tokens], &["masmovil", "yoigo"]).await;
    stored_client(&f, "d-all", &[Scope::Tokens], &["*"]).await;
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
async fn bootstrap_keeps_an_unchanged_client_and_replaces_a_changed_one() {
    let clock = Arc::new(FixedClock::at(T0));
    let tenants = Arc::new(MemTenantDirectory::default());
    let service = ClientService::new(
        Arc::new(MemClientRegistry::default()),
        tenants,
        clock.clone(),
        Arc::new(SeededRandom::new(1)),
        Arc::new(HeardRevocations::default()),
    );
    let id = ClientId::parse("latchkey-admin").unwrap();
    let first = service
        .bootstrap(id.clone(), b"first-secret-0123456789")
        .await
        .unwrap();
    clock.set(T0 + time::Duration::hours(1));
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

#[tokio::test]
async fn provisioning_the_bootstrap_client_keeps_configures_or_generates() {
    let f = fixture().await;
    let id = || ClientId::parse("latchkey-admin").unwrap();
    let short = f
        .client_service
        .provision_bootstrap(id(), Some("fifteen-chars!!"))
        .await;
    assert!(matches!(short, Err(ClientError::WeakSecret)), "{short:?}");
    assert!(f.client_service.get(&id()).await.unwrap().is_none());
    // No secret configured and no client yet: one is made, its secret answered once.
    let generated = f
        .client_service
        .provision_bootstrap(id(), None)
        .await
        .unwrap();
    let Bootstrapped::Generated(secret) = generated else {
        panic!("expected a generated secret, got {generated:?}");
    };
    let secret = secret.expose_secret().to_owned();
    assert_eq!(secret.len(), 43, "256 bits, URL-safe base64");
    let authenticated = f
        .client_service
        .authenticate("latchkey-admin", secret.as_bytes())
        .await
        .unwrap();
    assert!(
        authenticated.is_some(),
        "the generated secret authenticates"
    );
    // Again without a secret: kept, the first secret still the one.
    let kept = f
        .client_service
        .provision_bootstrap(id(), None)
        .await
        .unwrap();
    assert!(matches!(kept, Bootstrapped::Kept), "{kept:?}");
    assert!(
        f.client_service
            .authenticate("latchkey-admin", secret.as_bytes())
            .await
            .unwrap()
            .is_some()
    );
    // A configured secret resets it.
    let configured = "a-configured-secret-0123";
    let reset = f
        .client_service
        .provision_bootstrap(id(), Some(configured))
        .await
        .unwrap();
    assert!(matches!(reset, Bootstrapped::Configured), "{reset:?}");
    let by_old = f
        .client_service
        .authenticate("latchkey-admin", secret.as_bytes())
        .await
        .unwrap();
    assert!(by_old.is_none(), "the old secret no longer works");
    let by_new = f
        .client_service
        .authenticate("latchkey-admin", configured.as_bytes())
        .await
        .unwrap();
    assert!(by_new.is_some());
}

/// A client cannot delete itself (its token, and every call after, would fail), and nothing
/// is revoked when it tries; another client with the same rights can.
#[tokio::test]
async fn a_client_cannot_delete_itself() {
    let f = fixture().await;
    let admin = stored_client(&f, "caller", &ADMIN, &["masmovil"]).await;
    let itself = caller(&ADMIN, &["masmovil"]);
    assert_eq!(itself.subject, "caller");
    let refused = f.client_service.delete(&itself, &admin).await;
    assert!(
        matches!(refused, Err(ClientError::SelfDelete)),
        "{refused:?}"
    );
    assert!(registered(&f, &admin).await);
    assert!(f.revocations.heard().is_empty(), "nothing revoked");
    let other = latchkey_tenancy::Principal {
        subject: "another".to_owned(),
        ..itself
    };
    f.client_service.delete(&other, &admin).await.unwrap();
    assert!(!registered(&f, &admin).await);
}

/// The bootstrap client cannot be deleted through the service, by itself or by any client
/// holding every scope and org; a client of that id that is not the bootstrap one can be.
#[tokio::test]
async fn the_bootstrap_client_cannot_be_deleted() {
    let f = fixture().await;
    let id = ClientId::parse("latchkey-admin").unwrap();
    let everything = latchkey_tenancy::Principal {
        subject: "another-admin".to_owned(),
        scopes: latchkey_tenancy::ScopeSet::all(),
        ..caller(&ADMIN, &["*"])
    };
    let ordinary = stored_client(&f, "latchkey-admin", &[Scope::Tokens], &["masmovil"]).await;
    assert_eq!(ordinary, id);
    f.client_service.delete(&everything, &id).await.unwrap();

    f.client_service
        .provision_bootstrap(id.clone(), Some("a-configured-secret-0123"))
        .await
        .unwrap();
    let itself = latchkey_tenancy::Principal {
        subject: "latchkey-admin".to_owned(),
        ..everything.clone()
    };
    for who in [&everything, &itself] {
        let refused = f.client_service.delete(who, &id).await;
        assert!(
            matches!(refused, Err(ClientError::Bootstrap)),
            "{refused:?}"
        );
    }
    assert!(registered(&f, &id).await);
    assert_eq!(
        f.revocations.heard(),
        vec![latchkey_core::Revocation::Client(
            "latchkey-admin".to_owned()
        )],
        "only the ordinary client's deletion"
    );
    // Every clone of the service knows it (the server hands clones to other services).
    let refused = f.client_service.clone().delete(&itself, &id).await;
    assert!(
        matches!(refused, Err(ClientError::Bootstrap)),
        "{refused:?}"
    );
}
