//! The credential steps of self-registration, which no principal enters: registering, the
//! e-mailed link that activates, and the withdrawal of a registration never completed.

use crate::fixture::{GOOD_PASSWORD, fixture, org};
use latchkey_core::Revocation;
use latchkey_core::testing::T0;
use latchkey_credential::{CredentialError, Password, TokenPurpose};
use latchkey_tenancy::TenantError;
use time::Duration;

#[tokio::test]
async fn register_creates_a_disabled_credential_without_password_once_per_username() {
    let f = fixture().await;
    let masmovil = org("masmovil");
    let created = f
        .service
        .register(&masmovil, "Ana@Example.com")
        .await
        .unwrap();
    assert_eq!(created.username.as_str(), "ana@example.com");
    assert!(!created.enabled && created.password_hash.is_none());
    assert!(created.email_verified_at.is_none());
    assert_eq!(f.live("ana@example.com").unwrap().id, created.id);
    let again = f.service.register(&masmovil, "ana@example.com").await;
    assert!(
        matches!(again, Err(CredentialError::AlreadyExists)),
        "{again:?}"
    );
    let disabled = f
        .service
        .register(&org("pepephone"), "bo@example.com")
        .await;
    assert!(
        matches!(
            disabled,
            Err(CredentialError::Tenant(TenantError::NotFound(_)))
        ),
        "{disabled:?}"
    );
}

#[tokio::test]
async fn only_a_set_password_token_sent_to_the_address_activates_and_proves_it_once() {
    let f = fixture().await;
    let masmovil = org("masmovil");
    let credential = f
        .service
        .register(&masmovil, "cy@example.com")
        .await
        .unwrap();
    // A token handed to a service (not e-mailed) proves nothing: refused here.
    let handed = f
        .service
        .reset_token(&masmovil, &credential, false)
        .await
        .unwrap();
    let refused = f.service.email_token_target(handed.expose()).await;
    assert!(
        matches!(refused, Err(CredentialError::TokenNotFound)),
        "{refused:?}"
    );
    let magic = f
        .security
        .issue_for_email(&masmovil, "cy@example.com", TokenPurpose::MagicLink)
        .await
        .unwrap();
    let refused = f.service.email_token_target(magic.expose()).await;
    assert!(
        matches!(refused, Err(CredentialError::TokenNotFound)),
        "{refused:?}"
    );

    let mailed = f
        .service
        .reset_token(&masmovil, &credential, true)
        .await
        .unwrap();
    let (found_org, found) = f.service.email_token_target(mailed.expose()).await.unwrap();
    assert_eq!((found_org, found.id), (masmovil.clone(), credential.id));
    f.clock.set(T0 + Duration::minutes(3));
    // The policy is checked before the link is used: a refused password leaves it usable.
    let weak = f
        .service
        .activate_by_email(mailed.expose(), &Password::new("cy@example.com"))
        .await;
    assert!(matches!(weak, Err(CredentialError::Policy(_))), "{weak:?}");
    let (_, active) = f
        .service
        .activate_by_email(mailed.expose(), &Password::new(GOOD_PASSWORD))
        .await
        .unwrap();
    assert!(active.enabled && active.password_hash.is_some());
    assert_eq!(active.email_verified_at, Some(T0 + Duration::minutes(3)));
    assert_eq!(f.live("cy@example.com").unwrap(), active);
    // Used up, with every other password token of the credential.
    let again = f
        .service
        .activate_by_email(mailed.expose(), &Password::new(GOOD_PASSWORD))
        .await;
    assert!(
        matches!(again, Err(CredentialError::TokenNotFound)),
        "{again:?}"
    );
    assert!(
        f.tokens
            .purposes("masmovil", "cy@example.com")
            .await
            .is_empty()
    );
}

/// A registration withdrawn and made again: the first one's link opens nothing (its tokens are
/// revoked, and one that escaped would be older than the credential now holding the username).
#[tokio::test]
async fn a_withdrawn_registrations_link_does_not_open_the_next_registration() {
    let f = fixture().await;
    let masmovil = org("masmovil");
    let first = f
        .service
        .register(&masmovil, "di@example.com")
        .await
        .unwrap();
    let mailed = f
        .service
        .reset_token(&masmovil, &first, true)
        .await
        .unwrap();
    f.service
        .withdraw_registration(&masmovil, first.id)
        .await
        .unwrap();
    f.clock.set(T0 + Duration::hours(2));
    f.service
        .register(&masmovil, "di@example.com")
        .await
        .unwrap();
    let refused = f.service.email_token_target(mailed.expose()).await;
    assert!(
        matches!(refused, Err(CredentialError::TokenNotFound)),
        "{refused:?}"
    );
}

#[tokio::test]
async fn withdrawal_removes_a_registration_never_completed_and_nothing_else() {
    let f = fixture().await;
    let masmovil = org("masmovil");
    let pending = f
        .service
        .register(&masmovil, "ed@example.com")
        .await
        .unwrap();
    f.service
        .reset_token(&masmovil, &pending, true)
        .await
        .unwrap();
    let removed = f
        .service
        .withdraw_registration(&masmovil, pending.id)
        .await
        .unwrap();
    assert!(!removed.is_live());
    assert!(f.live("ed@example.com").is_none());
    assert!(
        f.tokens
            .purposes("masmovil", "ed@example.com")
            .await
            .is_empty()
    );
    assert!(
        f.revocations
            .heard()
            .contains(&Revocation::Subject(pending.id.to_string()))
    );
    let gone = f.service.withdraw_registration(&masmovil, pending.id).await;
    assert!(matches!(gone, Err(CredentialError::NotFound)), "{gone:?}");

    // An activated credential is an account: never withdrawn.
    let account = f
        .service
        .register(&masmovil, "fi@example.com")
        .await
        .unwrap();
    let mailed = f
        .service
        .reset_token(&masmovil, &account, true)
        .await
        .unwrap();
    f.service
        .activate_by_email(mailed.expose(), &Password::new(GOOD_PASSWORD))
        .await
        .unwrap();
    let kept = f.service.withdraw_registration(&masmovil, account.id).await;
    assert!(matches!(kept, Err(CredentialError::Disabled)), "{kept:?}");
    assert!(f.live("fi@example.com").unwrap().enabled);
}
