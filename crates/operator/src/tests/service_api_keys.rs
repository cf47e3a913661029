//! API keys: made once, stored hashed, refused when expired or their operator is not usable.

use super::fakes::Fixture;
use super::operator;
use crate::{API_KEY_PREFIX, AccessRight, ApiKeyAccess, MAX_API_KEYS, OperatorError, Role};
use latchkey_core::testing::T0;
use latchkey_core::{ExposeSecret as _, SecretHash};
use time::Duration;

fn rights() -> Vec<AccessRight> {
    vec![AccessRight {
        service: "owgw".to_owned(),
        access: ApiKeyAccess::Read,
    }]
}

#[tokio::test]
async fn a_key_is_shown_once_and_stored_as_its_hash() {
    let fx = Fixture::new();
    let me = fx.seed(operator(Role::Noc, Some("acme")), "x").await;
    let expires = T0 + Duration::days(30);
    let (key, secret) = fx
        .api_keys
        .create(
            &me,
            me.id,
            "Deploy1".to_owned(),
            "ci".to_owned(),
            expires,
            rights(),
        )
        .await
        .unwrap();
    let text = secret.expose_secret();
    assert!(text.starts_with(API_KEY_PREFIX));
    // 256 bits in unpadded base64url: 43 characters.
    assert_eq!(text.len(), API_KEY_PREFIX.len() + 43);
    assert_eq!(key.hash, SecretHash::of(text.as_bytes()));
    assert_eq!((key.name.as_str(), key.operator), ("deploy1", me.id));
    assert!(!format!("{secret:?}").contains(&text[API_KEY_PREFIX.len()..]));
    let listed = fx.api_keys.list(&me, me.id).await.unwrap();
    assert_eq!(listed, vec![key.clone()]);
    let now = fx.clock.advance(Duration::minutes(1));
    let (operator, used) = fx.api_keys.authenticate(text).await.unwrap().unwrap();
    assert_eq!(
        (operator.id, used.id, used.last_use),
        (me.id, key.id, Some(now))
    );
    let stored = fx.api_keys.list(&me, me.id).await.unwrap();
    assert_eq!(stored[0].last_use, Some(now));
}

#[tokio::test]
async fn refused_keys_authenticate_nothing() {
    let fx = Fixture::new();
    let me = fx.seed(operator(Role::Noc, Some("acme")), "x").await;
    let root = fx.seed(operator(Role::Root, None), "x").await;
    let expires = T0 + Duration::hours(1);
    let (_, secret) = fx
        .api_keys
        .create(&me, me.id, "a".to_owned(), String::new(), expires, rights())
        .await
        .unwrap();
    let text = secret.expose_secret().to_owned();
    for wrong in [&text[API_KEY_PREFIX.len()..], "lkop_nothing", ""] {
        assert!(fx.api_keys.authenticate(wrong).await.unwrap().is_none());
    }
    let suspend = crate::OperatorChanges {
        suspended: Some(true),
        ..crate::OperatorChanges::default()
    };
    fx.service.modify(&root, me.id, suspend).await.unwrap();
    assert!(fx.api_keys.authenticate(&text).await.unwrap().is_none());
    let revive = crate::OperatorChanges {
        suspended: Some(false),
        ..crate::OperatorChanges::default()
    };
    fx.service.modify(&root, me.id, revive).await.unwrap();
    assert!(fx.api_keys.authenticate(&text).await.unwrap().is_some());
    fx.clock.set(expires);
    assert!(fx.api_keys.authenticate(&text).await.unwrap().is_none());
}

#[tokio::test]
async fn a_deleted_key_is_gone() {
    let fx = Fixture::new();
    let me = fx.seed(operator(Role::Noc, Some("acme")), "x").await;
    let expires = T0 + Duration::hours(1);
    let (key, secret) = fx
        .api_keys
        .create(&me, me.id, "a".to_owned(), String::new(), expires, rights())
        .await
        .unwrap();
    fx.api_keys.delete(&me, me.id, key.id).await.unwrap();
    let text = secret.expose_secret();
    assert!(fx.api_keys.authenticate(text).await.unwrap().is_none());
    let again = fx.api_keys.delete(&me, me.id, key.id).await;
    assert!(matches!(again, Err(OperatorError::NotFound)));
}

#[tokio::test]
async fn only_the_operator_and_roots_manage_its_keys() {
    let fx = Fixture::new();
    let root = fx.seed(operator(Role::Root, None), "x").await;
    let admin = fx.seed(operator(Role::Admin, Some("acme")), "x").await;
    let csr = fx.seed(operator(Role::Csr, Some("acme")), "x").await;
    let expires = T0 + Duration::hours(1);
    let create = |actor, name: &str| {
        fx.api_keys.create(
            actor,
            csr.id,
            name.to_owned(),
            String::new(),
            expires,
            rights(),
        )
    };
    let refused = create(&admin, "a").await;
    assert!(matches!(refused, Err(OperatorError::AccessDenied)));
    let (key, _) = create(&root, "b").await.unwrap();
    let refused = fx.api_keys.list(&admin, csr.id).await;
    assert!(matches!(refused, Err(OperatorError::AccessDenied)));
    let refused = fx.api_keys.delete(&admin, csr.id, key.id).await;
    assert!(matches!(refused, Err(OperatorError::AccessDenied)));
    assert_eq!(fx.api_keys.list(&csr, csr.id).await.unwrap().len(), 1);
    let missing = fx.api_keys.list(&root, uuid::Uuid::new_v4()).await;
    assert!(matches!(missing, Err(OperatorError::NotFound)));
}

#[tokio::test]
async fn unusable_keys_are_named() {
    let fx = Fixture::new();
    let me = fx.seed(operator(Role::Noc, Some("acme")), "x").await;
    let create = |name: &str, description: &str, expires| {
        fx.api_keys.create(
            &me,
            me.id,
            name.to_owned(),
            description.to_owned(),
            expires,
            rights(),
        )
    };
    let later = T0 + Duration::hours(1);
    for (name, description, expires, field) in [
        ("", "", later, "name"),
        ("with space", "", later, "name"),
        ("ok", "", T0, "expiresOn"),
        ("ok", "a\u{7}", later, "description"),
    ] {
        let refused = create(name, description, expires).await;
        assert!(
            matches!(refused, Err(OperatorError::Invalid(f)) if f == field),
            "{field}"
        );
    }
    create("Dup", "", later).await.unwrap();
    let refused = create("dup", "", later).await;
    assert!(matches!(refused, Err(OperatorError::Invalid("name"))));
    for n in 1..MAX_API_KEYS {
        create(&format!("k{n}"), "", later).await.unwrap();
    }
    let refused = create("onemore", "", later).await;
    assert!(matches!(refused, Err(OperatorError::Invalid("apiKeys"))));
}

#[tokio::test]
async fn a_key_is_described_anew_by_who_may_make_it() {
    let fx = Fixture::new();
    let me = fx.seed(operator(Role::Noc, Some("acme")), "x").await;
    let peer = fx.seed(operator(Role::Csr, Some("acme")), "x").await;
    let root = fx.seed(operator(Role::Root, None), "x").await;
    let expires = T0 + Duration::days(1);
    let (key, _) = fx
        .api_keys
        .create(
            &me,
            me.id,
            "ci".to_owned(),
            "old".to_owned(),
            expires,
            rights(),
        )
        .await
        .unwrap();
    let described = fx
        .api_keys
        .describe(&me, me.id, key.id, "  for the gateway ")
        .await
        .unwrap();
    assert_eq!(described.description, "for the gateway");
    assert_eq!(
        (described.id, &described.hash, described.expires),
        (key.id, &key.hash, key.expires)
    );
    assert_eq!(fx.api_keys.list(&me, me.id).await.unwrap(), vec![described]);
    assert!(matches!(
        fx.api_keys.describe(&peer, me.id, key.id, "mine").await,
        Err(OperatorError::AccessDenied)
    ));
    fx.api_keys
        .describe(&root, me.id, key.id, "by root")
        .await
        .unwrap();
    assert!(matches!(
        fx.api_keys.describe(&me, me.id, key.id, "bad\u{7}").await,
        Err(OperatorError::Invalid("description"))
    ));
    assert!(matches!(
        fx.api_keys.describe(&me, me.id, peer.id, "x").await,
        Err(OperatorError::NotFound)
    ));
}
