//! The password step: right and wrong passwords, the operator's state, forced changes.

use super::fixture::{ADDRESS, ANA, Fixture, NEW_PASSWORD, PASSWORD, WRONG, access};
use crate::operator::{OPERATOR_CLIENT_ID, SignInError, SignedIn};
use latchkey_core::testing::T0;
use latchkey_credential::{Password, PolicyViolation};
use latchkey_operator::MfaMethod;
use latchkey_tenancy::OrgAccess;
use time::Duration;

#[tokio::test]
async fn a_right_password_signs_in_whatever_the_case_of_the_e_mail() {
    let f = Fixture::new().await;
    let ana = f.ana().await;
    f.clock.advance(Duration::seconds(42));
    let tokens = f.tokens(" Ana@Example.COM ", PASSWORD).await;
    assert_eq!(tokens.username, ANA);
    assert_eq!(tokens.expires_in, 3600);
    assert_eq!(tokens.idle_timeout, 86_400);
    assert_eq!(
        tokens.created,
        (T0 + Duration::seconds(42)).unix_timestamp()
    );
    assert_eq!(tokens.last_refresh, tokens.created);
    assert!(!tokens.user_must_change_password);
    assert!(
        !format!("{tokens:?}").contains(access(&tokens)),
        "tokens never print"
    );

    let valid = f.sign_in.validate(access(&tokens)).await.unwrap();
    assert_eq!(valid.operator.id, ana.id);
    assert_eq!(valid.expires_in, 3600);
    let claims = &valid.claims;
    assert_eq!(claims.subject, ana.id.to_string());
    assert_eq!(claims.client_id, OPERATOR_CLIENT_ID);
    assert!(claims.scopes.is_empty() && claims.credential.is_none());
    assert_eq!(
        claims.orgs,
        OrgAccess::Only([ana.owner.clone().unwrap()].into())
    );
    let sign_in = claims.sign_in.as_ref().unwrap();
    assert_eq!(sign_in.amr, ["pwd"]);
    assert_eq!(sign_in.auth_time, tokens.created);
    assert!(sign_in.session.is_some());
    assert_eq!(
        f.reload(ana.id).await.last_login,
        Some(T0 + Duration::seconds(42))
    );
}

#[tokio::test]
async fn a_root_acts_in_every_org() {
    let f = Fixture::new().await;
    f.operator("root@example.com", |o| {
        o.role = latchkey_operator::Role::Root;
        o.owner = None;
    })
    .await;
    let tokens = f.tokens("root@example.com", PASSWORD).await;
    let valid = f.sign_in.validate(access(&tokens)).await.unwrap();
    assert_eq!(valid.claims.orgs, OrgAccess::All);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_e_mail_get_one_answer() {
    let f = Fixture::new().await;
    f.ana().await;
    for (user, password) in [
        (ANA, WRONG),
        ("bea@example.com", PASSWORD),
        ("not an address", PASSWORD),
    ] {
        assert!(
            matches!(
                f.attempt(user, password).await,
                Err(SignInError::InvalidCredentials)
            ),
            "{user}"
        );
    }
    assert!(f.sent().is_empty());
}

#[tokio::test]
async fn guessing_is_slowed_per_e_mail_and_the_wait_passes() {
    let f = Fixture::new().await;
    f.ana().await;
    for _ in 0..3 {
        assert!(matches!(
            f.attempt("ANA@example.com", WRONG).await,
            Err(SignInError::InvalidCredentials)
        ));
    }
    // Even the right password is not checked while the wait runs.
    match f.attempt(ANA, PASSWORD).await {
        Err(SignInError::Throttled { retry_after }) => {
            assert_eq!(retry_after, Duration::seconds(1))
        }
        other => panic!("{other:?}"),
    }
    f.clock.advance(Duration::seconds(1));
    f.tokens(ANA, PASSWORD).await;
    // A success forgets the e-mail's failures.
    for _ in 0..3 {
        assert!(f.attempt(ANA, WRONG).await.is_err());
    }
    assert!(matches!(
        f.attempt(ANA, WRONG).await,
        Err(SignInError::Throttled { .. })
    ));
}

#[tokio::test]
async fn suspension_and_pending_verification_are_told_only_to_the_right_password() {
    let f = Fixture::new().await;
    f.operator("sus@example.com", |o| o.suspended = true).await;
    f.operator("black@example.com", |o| o.blacklisted = true)
        .await;
    f.operator("new@example.com", |o| o.waiting_for_email_check = true)
        .await;
    for user in ["sus@example.com", "black@example.com", "new@example.com"] {
        assert!(
            matches!(
                f.attempt(user, WRONG).await,
                Err(SignInError::InvalidCredentials)
            ),
            "{user}"
        );
    }
    assert!(matches!(
        f.attempt("sus@example.com", PASSWORD).await,
        Err(SignInError::Suspended)
    ));
    assert!(matches!(
        f.attempt("black@example.com", PASSWORD).await,
        Err(SignInError::Suspended)
    ));
    assert!(matches!(
        f.attempt("new@example.com", PASSWORD).await,
        Err(SignInError::PendingVerification)
    ));
}

#[tokio::test]
async fn a_forced_change_needs_a_new_password_within_the_policy_and_not_reused() {
    let f = Fixture::new().await;
    let ana = f.operator(ANA, |o| o.change_password = true).await;
    assert!(matches!(
        f.attempt(ANA, PASSWORD).await,
        Err(SignInError::PasswordChangeRequired)
    ));
    let with_new = |new: &'static str| {
        let f = &f;
        async move {
            f.sign_in
                .sign_in(
                    ANA,
                    &Password::new(PASSWORD),
                    Some(&Password::new(new)),
                    ADDRESS,
                )
                .await
        }
    };
    assert!(matches!(
        with_new("short").await,
        Err(SignInError::PasswordInvalid(PolicyViolation::TooShort))
    ));
    assert!(matches!(
        with_new(PASSWORD).await,
        Err(SignInError::PasswordAlreadyUsed)
    ));
    // A wrong password never reaches the change.
    assert!(matches!(
        f.sign_in
            .sign_in(
                ANA,
                &Password::new(WRONG),
                Some(&Password::new(NEW_PASSWORD)),
                ADDRESS
            )
            .await,
        Err(SignInError::InvalidCredentials)
    ));
    match with_new(NEW_PASSWORD).await {
        Ok(SignedIn::Tokens(tokens)) => assert!(!tokens.user_must_change_password),
        other => panic!("{other:?}"),
    }
    assert!(!f.reload(ana.id).await.change_password);
    assert!(matches!(
        f.attempt(ANA, PASSWORD).await,
        Err(SignInError::InvalidCredentials)
    ));
    f.tokens(ANA, NEW_PASSWORD).await;
}

#[tokio::test]
async fn the_authenticator_is_refused_until_it_can_be_answered() {
    let f = Fixture::new().await;
    f.operator(ANA, |o| o.mfa = Some(MfaMethod::Authenticator))
        .await;
    assert!(matches!(
        f.attempt(ANA, PASSWORD).await,
        Err(SignInError::MfaFailure)
    ));
    assert!(f.sent().is_empty());
}
