//! One-use links: password reset and e-mail verification.

use super::fixture::{ANA, Fixture, NEW_PASSWORD, PASSWORD, PUBLIC_URL, access};
use crate::operator::{FORGOT_INTERVAL, RESET_LINK_TTL, SignInError};
use latchkey_credential::{Password, PolicyViolation};
use latchkey_notify::{Channel, TemplateId};
use time::Duration;

impl Fixture {
    /// The `id` of the last link sent, checking its address and action.
    fn link_id(&self, action: &str) -> String {
        let link = self.last_param("link");
        let prefix = format!(
            "{}/api/v1/actionLink?action={action}&id=",
            PUBLIC_URL.trim_end_matches('/')
        );
        link.strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("{link}"))
            .to_owned()
    }
}

#[tokio::test]
async fn a_forgotten_password_is_answered_alike_and_mailed_only_to_an_operator() {
    let f = Fixture::new().await;
    f.ana().await;
    f.operator("sus@example.com", |o| o.suspended = true).await;
    for unknown in ["bea@example.com", "not an address", "sus@example.com"] {
        f.sign_in.forgot_password(unknown).await.unwrap();
    }
    assert!(f.sent().is_empty());
    f.sign_in.forgot_password(" ANA@example.com").await.unwrap();
    let sent = f.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].template, TemplateId::OperatorPasswordReset);
    assert_eq!(sent[0].channel, Channel::Email);
    assert_eq!(sent[0].recipient, ANA);
    assert_eq!(f.last_param("minutes"), "60");
    let id = f.link_id("password_reset");
    assert!(id.len() >= 43, "256 bits");
    // Asked again at once: nothing more is sent, the answer is the same.
    f.sign_in.forgot_password(ANA).await.unwrap();
    assert_eq!(f.sent().len(), 1);
    f.clock.advance(FORGOT_INTERVAL);
    f.sign_in.forgot_password(ANA).await.unwrap();
    assert_eq!(f.sent().len(), 2);
    assert_ne!(f.link_id("password_reset"), id, "each link its own secret");
}

#[tokio::test]
async fn a_reset_link_sets_a_password_once_and_ends_every_session() {
    let f = Fixture::new().await;
    f.ana().await;
    let before = f.tokens(ANA, PASSWORD).await;
    f.sign_in.forgot_password(ANA).await.unwrap();
    let id = f.link_id("password_reset");
    let reset = |password: &'static str| {
        let (f, id) = (&f, id.clone());
        async move {
            f.sign_in
                .reset_password(&id, &Password::new(password))
                .await
        }
    };
    // Refused passwords leave the link usable.
    assert!(matches!(
        reset("short").await,
        Err(SignInError::PasswordInvalid(PolicyViolation::TooShort))
    ));
    assert!(matches!(
        reset(PASSWORD).await,
        Err(SignInError::PasswordAlreadyUsed)
    ));
    // Not a verification link.
    assert!(matches!(
        f.sign_in.verify_email(&id).await,
        Err(SignInError::InvalidToken)
    ));
    reset(NEW_PASSWORD).await.unwrap();
    assert!(matches!(
        reset("Another-Fine-Password-9").await,
        Err(SignInError::InvalidToken)
    ));
    assert!(matches!(
        f.sign_in.validate(access(&before)).await,
        Err(SignInError::InvalidToken)
    ));
    assert!(matches!(
        f.sign_in.refresh(super::fixture::refresh(&before)).await,
        Err(SignInError::CannotRefresh)
    ));
    f.clock.advance(Duration::seconds(1));
    assert!(matches!(
        f.attempt(ANA, PASSWORD).await,
        Err(SignInError::InvalidCredentials)
    ));
    let after = f.tokens(ANA, NEW_PASSWORD).await;
    f.sign_in.validate(access(&after)).await.unwrap();
}

#[tokio::test]
async fn a_reset_link_expires_and_made_up_ones_never_work() {
    let f = Fixture::new().await;
    f.ana().await;
    f.sign_in.forgot_password(ANA).await.unwrap();
    let id = f.link_id("password_reset");
    for made_up in ["", "nope", &id[1..]] {
        assert!(matches!(
            f.sign_in
                .reset_password(made_up, &Password::new(NEW_PASSWORD))
                .await,
            Err(SignInError::InvalidToken)
        ));
    }
    f.clock.advance(RESET_LINK_TTL);
    assert!(matches!(
        f.sign_in
            .reset_password(&id, &Password::new(NEW_PASSWORD))
            .await,
        Err(SignInError::InvalidToken)
    ));
}

#[tokio::test]
async fn a_verification_link_lets_a_new_operator_sign_in() {
    let f = Fixture::new().await;
    let eva = f
        .operator("eva@example.com", |o| o.waiting_for_email_check = true)
        .await;
    assert!(matches!(
        f.attempt("eva@example.com", PASSWORD).await,
        Err(SignInError::PendingVerification)
    ));
    f.sign_in.send_email_verification(&eva).await.unwrap();
    let sent = f.sent();
    assert_eq!(sent[0].template, TemplateId::OperatorEmailVerification);
    assert_eq!(sent[0].recipient, "eva@example.com");
    let id = f.link_id("email_verification");
    // Not a reset link: it stays usable.
    assert!(matches!(
        f.sign_in
            .reset_password(&id, &Password::new(NEW_PASSWORD))
            .await,
        Err(SignInError::InvalidToken)
    ));
    let verified = f.sign_in.verify_email(&id).await.unwrap();
    assert_eq!(verified.id, eva.id);
    assert!(verified.validated && !verified.waiting_for_email_check);
    assert!(matches!(
        f.sign_in.verify_email(&id).await,
        Err(SignInError::InvalidToken)
    ));
    f.tokens("eva@example.com", PASSWORD).await;
}

#[tokio::test]
async fn a_detached_reset_hands_back_the_delivery_of_an_operator_only() {
    let f = Fixture::new().await;
    f.ana().await;
    assert!(
        f.sign_in
            .forgot_password_detached("bea@example.com")
            .await
            .unwrap()
            .is_none()
    );
    let delivery = f.sign_in.forgot_password_detached(ANA).await.unwrap();
    let delivery = delivery.expect("ana is an operator");
    assert!(f.sent().is_empty(), "nothing sent before the face runs it");
    assert!(!format!("{delivery:?}").contains(PUBLIC_URL.trim_end_matches('/')));
    delivery.send().await.unwrap();
    assert_eq!(f.sent().len(), 1);
    f.sign_in
        .reset_password(&f.link_id("password_reset"), &Password::new(NEW_PASSWORD))
        .await
        .unwrap();
}
