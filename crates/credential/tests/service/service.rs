//! The credential use cases: activation with a set-password token, deletion, moves, tokens and
//! discovery.

use crate::fixture::{Fixture, GOOD_PASSWORD, caller, fixture, hasher, org};
use latchkey_core::testing::T0;
use latchkey_credential::{
    Credential, CredentialAttrs, CredentialError, CredentialStore as _, IssuedToken, Password,
    PasswordHash, PasswordHasher as _, PolicyViolation, SecurityTokenError,
    SecurityTokenStore as _, TokenPurpose, Transfer, Username,
};
use latchkey_tenancy::{AccessDenied, Principal};
use time::Duration;
use uuid::Uuid;

#[tokio::test]
async fn set_password_enables_the_credential_and_stores_the_hashers_hash() {
    let f = fixture().await;
    let token = f.create("alice").await;
    let created = f.live("alice").unwrap();
    assert!(!created.enabled && created.password_hash.is_none());
    f.clock.set(T0 + Duration::minutes(5));
    f.set_password("alice", &token, GOOD_PASSWORD)
        .await
        .unwrap();
    let activated = f.live("alice").unwrap();
    assert!(activated.enabled);
    // The service's hasher made one hash: the first one a hasher seeded alike makes.
    let expected = hasher().hash(&Password::new(GOOD_PASSWORD)).await.unwrap();
    assert_eq!(
        activated.password_hash.as_ref().map(PasswordHash::as_phc),
        Some(expected.as_phc())
    );
    assert_eq!(activated.updated_at, T0 + Duration::minutes(5));
    assert!(
        f.tokens.purposes("masmovil", "alice").await.is_empty(),
        "the token is used up"
    );
    let again = f
        .set_password("alice", &token, "another fine passphrase")
        .await;
    assert!(
        matches!(
            again,
            Err(CredentialError::InvalidToken(SecurityTokenError::Invalid))
        ),
        "{again:?}"
    );
}

#[tokio::test]
async fn policy_violation_leaves_the_token_usable() {
    let f = fixture().await;
    let token = f.create("alice").await;
    let short = f.set_password("alice", &token, "short").await;
    assert!(
        matches!(
            short,
            Err(CredentialError::Policy(PolicyViolation::TooShort))
        ),
        "{short:?}"
    );
    assert!(!f.live("alice").unwrap().enabled);
    f.set_password("alice", &token, GOOD_PASSWORD)
        .await
        .unwrap();
    assert!(f.live("alice").unwrap().enabled);
}

#[tokio::test]
async fn token_issued_for_another_username_is_invalid_token() {
    let f = fixture().await;
    let alices = f.create("alice").await;
    f.create("bob").await;
    let result = f.set_password("bob", &alices, GOOD_PASSWORD).await;
    assert!(
        matches!(
            result,
            Err(CredentialError::InvalidToken(SecurityTokenError::Invalid))
        ),
        "{result:?}"
    );
    assert!(!f.live("bob").unwrap().enabled);
    f.set_password("alice", &alices, GOOD_PASSWORD)
        .await
        .unwrap();
}

#[tokio::test]
async fn delete_soft_deletes_erases_the_password_and_revokes_every_token() {
    let f = fixture().await;
    let token = f.create("alice").await;
    f.set_password("alice", &token, GOOD_PASSWORD)
        .await
        .unwrap();
    let masmovil = org("masmovil");
    f.service
        .change_password_token(&caller(&["*"]), &masmovil, "alice")
        .await
        .unwrap();
    f.security
        .issue(&masmovil, "alice", TokenPurpose::MagicLink)
        .await
        .unwrap();
    f.create("bob").await;
    f.clock.set(T0 + Duration::hours(2));
    f.service
        .delete(&caller(&["*"]), &masmovil, "alice")
        .await
        .unwrap();
    let rows = f.credentials.rows(&masmovil, "alice");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].deleted_at, Some(T0 + Duration::hours(2)));
    assert!(rows[0].password_hash.is_none() && !rows[0].enabled);
    assert!(f.tokens.purposes("masmovil", "alice").await.is_empty());
    assert_eq!(
        f.tokens.purposes("masmovil", "bob").await,
        [TokenPurpose::SetPassword]
    );
    let gone = f.service.get(&caller(&["*"]), &masmovil, "alice").await;
    assert!(matches!(gone, Err(CredentialError::NotFound)), "{gone:?}");
}

async fn transfer(
    f: &Fixture,
    caller: &Principal,
    destination: &str,
) -> Result<Username, CredentialError> {
    f.service
        .transfer(
            caller,
            &org("masmovil"),
            "alice",
            destination,
            Transfer::Move,
        )
        .await
}

#[tokio::test]
async fn move_to_a_disabled_or_unknown_destination_is_refused() {
    let f = fixture().await;
    f.create("alice").await;
    let disabled = transfer(&f, &caller(&["*"]), "pepephone").await;
    assert!(
        matches!(&disabled, Err(CredentialError::DestinationDisabled(o)) if o.as_str() == "pepephone"),
        "{disabled:?}"
    );
    let unknown = transfer(&f, &caller(&["*"]), "lowi").await;
    assert!(
        matches!(&unknown, Err(CredentialError::DestinationNotFound(o)) if o.as_str() == "lowi"),
        "{unknown:?}"
    );
    assert!(f.live("alice").is_some(), "still in its origin");
}

#[tokio::test]
async fn move_to_the_same_org_or_one_the_caller_does_not_cover_is_refused() {
    let f = fixture().await;
    f.create("alice").await;
    let same = transfer(&f, &caller(&["*"]), "masmovil").await;
    assert!(matches!(same, Err(CredentialError::SameOrg)), "{same:?}");
    let uncovered = transfer(&f, &caller(&["masmovil"]), "yoigo").await;
    assert!(
        matches!(&uncovered, Err(CredentialError::Denied(AccessDenied::Org(o))) if o.as_str() == "yoigo"),
        "{uncovered:?}"
    );
    assert!(f.credentials.rows(&org("yoigo"), "alice").is_empty());
}

#[tokio::test]
async fn move_keeps_the_credential_and_revokes_its_origin_tokens() {
    let f = fixture().await;
    let token = f.create("alice").await;
    f.set_password("alice", &token, GOOD_PASSWORD)
        .await
        .unwrap();
    f.service
        .change_password_token(&caller(&["*"]), &org("masmovil"), "alice")
        .await
        .unwrap();
    let original = f.live("alice").unwrap();
    transfer(&f, &caller(&["*"]), "yoigo").await.unwrap();
    assert!(f.live("alice").is_none());
    let moved = f.credentials.rows(&org("yoigo"), "alice");
    assert_eq!(moved.len(), 1);
    assert_eq!(
        (moved[0].id, &moved[0].password_hash),
        (original.id, &original.password_hash)
    );
    assert!(f.tokens.purposes("masmovil", "alice").await.is_empty());
}

#[tokio::test]
async fn change_password_token_is_set_password_until_a_password_exists() {
    let f = fixture().await;
    let token = f.create("alice").await;
    let purpose_of = async |issued: IssuedToken| {
        let stored = f.tokens.get(&org("masmovil"), issued.id).await.unwrap();
        stored.map(|t| t.purpose)
    };
    let masmovil = org("masmovil");
    let before = f
        .service
        .change_password_token(&caller(&["*"]), &masmovil, "alice")
        .await
        .unwrap();
    assert_eq!(purpose_of(before).await, Some(TokenPurpose::SetPassword));
    f.set_password("alice", &token, GOOD_PASSWORD)
        .await
        .unwrap();
    let after = f
        .service
        .change_password_token(&caller(&["*"]), &masmovil, "alice")
        .await
        .unwrap();
    assert_eq!(purpose_of(after).await, Some(TokenPurpose::ChangePassword));
}

#[tokio::test]
async fn discover_returns_only_enabled_orgs_the_caller_covers() {
    let f = fixture().await;
    for id in ["masmovil", "yoigo", "llamaya", "pepephone"] {
        let alice = Credential::new(
            Uuid::nil(),
            Username::parse("alice").unwrap(),
            CredentialAttrs::default(),
            T0,
        );
        f.credentials.insert(&org(id), alice).await.unwrap();
    }
    let found = f
        .service
        .discover(
            &caller(&["masmovil", "yoigo", "pepephone"]),
            &org("masmovil"),
            "alice",
        )
        .await
        .unwrap();
    let orgs: Vec<&str> = found.iter().map(|(o, _)| o.as_str()).collect();
    assert_eq!(orgs, ["masmovil", "yoigo"]);
}

/// A set-password token left over from an earlier credential with the same username (its
/// revocation failed when that one was deleted) cannot set the password of the new one.
#[tokio::test]
async fn a_token_older_than_the_credential_is_refused() {
    let f = fixture().await;
    let stale = f
        .security
        .issue(&org("masmovil"), "alice", TokenPurpose::SetPassword)
        .await
        .unwrap();
    f.clock.set(T0 + Duration::minutes(2));
    let fresh = f.create("alice").await;
    let refused = f.set_password("alice", stale.expose(), GOOD_PASSWORD).await;
    assert!(
        matches!(
            refused,
            Err(CredentialError::InvalidToken(SecurityTokenError::Invalid))
        ),
        "{refused:?}"
    );
    f.set_password("alice", &fresh, GOOD_PASSWORD)
        .await
        .unwrap();
}
