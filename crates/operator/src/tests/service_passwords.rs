//! Passwords: the history, the sign-in check, the pattern.

use super::fakes::Fixture;
use super::operator;
use crate::{OperatorEmail, OperatorError, PASSWORD_PATTERN, Role, check_policy};
use latchkey_credential::{Password, PolicyViolation};

#[tokio::test]
async fn the_last_five_passwords_are_refused_and_the_sixth_is_free_again() {
    let fx = Fixture::new();
    let me = fx.seed(operator(Role::Noc, None), "passphrase 0").await;
    let (service, id) = (&fx.service, me.id);
    let set = |n: u32| async move {
        service
            .set_password(id, &Password::new(&format!("passphrase {n}")))
            .await
    };
    for n in 1..=4 {
        set(n).await.unwrap();
    }
    for n in 0..=4 {
        assert!(
            matches!(set(n).await, Err(OperatorError::PasswordReused)),
            "{n}"
        );
    }
    let after = set(5).await.unwrap();
    assert_eq!(
        after.password_history.len(),
        crate::Operator::PASSWORD_HISTORY
    );
    set(0).await.unwrap();
    assert!(matches!(set(5).await, Err(OperatorError::PasswordReused)));
}

#[tokio::test]
async fn set_password_clears_the_forced_change_and_revokes_nothing() {
    let fx = Fixture::new();
    let mut me = operator(Role::Noc, None);
    me.change_password = true;
    let me = fx.seed(me, "passphrase 0").await;
    let after = fx
        .service
        .set_password(me.id, &Password::new("passphrase 1"))
        .await
        .unwrap();
    assert!(!after.change_password);
    assert_eq!(after.modified_by, me.email.as_str());
    assert!(fx.revocations.heard().is_empty());
    let refused = fx
        .service
        .set_password(me.id, &Password::new("password"))
        .await;
    assert!(matches!(
        refused,
        Err(OperatorError::PasswordPolicy(PolicyViolation::Common))
    ));
    let missing = fx
        .service
        .set_password(uuid::Uuid::new_v4(), &Password::new("passphrase 2"))
        .await;
    assert!(matches!(missing, Err(OperatorError::NotFound)));
}

#[tokio::test]
async fn an_unknown_email_costs_one_verification_like_a_wrong_password() {
    let fx = Fixture::new();
    let me = fx.seed(operator(Role::Noc, None), "passphrase 0").await;
    let service = &fx.service;
    let check = |email: &str, password: &str| {
        let email = email.to_owned();
        let password = Password::new(password);
        async move { service.check_password(&email, &password).await.unwrap() }
    };
    let upper = me.email.as_str().to_uppercase();
    assert_eq!(check(&upper, "passphrase 0").await, Some(me.clone()));
    assert_eq!(fx.verifications(), 1);
    assert_eq!(check(me.email.as_str(), "passphrase 1").await, None);
    assert_eq!(fx.verifications(), 2);
    assert_eq!(check("nobody@example.com", "passphrase 0").await, None);
    assert_eq!(fx.verifications(), 3, "the dummy hash was verified");
    assert_eq!(check("not an address", "passphrase 0").await, None);
    assert_eq!(fx.verifications(), 4, "the dummy hash was verified");
}

#[tokio::test]
async fn the_dummy_hash_is_made_once_for_every_clone_of_the_service() {
    let fx = Fixture::new();
    let clone = fx.service.clone();
    for service in [&fx.service, &clone, &fx.service] {
        let found = service
            .check_password("nobody@example.com", &Password::new("passphrase"))
            .await
            .unwrap();
        assert_eq!(found, None);
    }
    assert_eq!((fx.hashes(), fx.verifications()), (1, 3));
}

#[test]
fn the_pattern_accepts_exactly_the_lengths_the_policy_accepts() {
    let pattern = regex::Regex::new(PASSWORD_PATTERN).unwrap();
    let email = OperatorEmail::parse("ana@example.com").unwrap();
    let alphabet = ['q', 'ñ', '\n', '🙂', ' ', 'Z', '\t', '9'];
    for length in 0..=140 {
        let password: String = alphabet.iter().cycle().take(length).collect();
        let policy = check_policy(&Password::new(&password), &email);
        let length_ok = !matches!(
            policy,
            Err(PolicyViolation::TooShort | PolicyViolation::TooLong)
        );
        assert_eq!(
            pattern.is_match(&password),
            length_ok,
            "{length} characters"
        );
    }
}

#[test]
fn the_policy_refuses_the_address_even_one_the_credentials_api_would_not_take() {
    let email = OperatorEmail::parse("administrator@localhost").unwrap();
    for password in ["Administrator@localhost", "ADMINISTRATOR"] {
        assert_eq!(
            check_policy(&Password::new(password), &email),
            Err(PolicyViolation::SameAsUsername)
        );
    }
    assert_eq!(
        check_policy(&Password::new("qwertyuiop"), &email),
        Err(PolicyViolation::Common)
    );
    assert_eq!(
        check_policy(&Password::new("a fine passphrase"), &email),
        Ok(())
    );
}
