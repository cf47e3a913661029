//! A notifier that is down: nothing it failed to deliver works afterwards.

use super::fixture::{ANA, Fixture, NEW_PASSWORD, PASSWORD};
use crate::operator::SignInError;
use latchkey_credential::Password;
use latchkey_operator::MfaMethod;
use latchkey_testkit::faults::DownNotifier;
use std::sync::Arc;

/// The `id` of a link a message carried.
fn link_id(link: &str) -> &str {
    link.split_once("&id=").unwrap().1
}

#[tokio::test]
async fn an_undelivered_code_or_link_is_withdrawn() {
    let down = Arc::new(DownNotifier::default());
    let f = Fixture::with_notifier(Some(down.clone())).await;
    let eva = f
        .operator("eva@example.com", |o| o.waiting_for_email_check = true)
        .await;
    f.operator(ANA, |o| o.mfa = Some(MfaMethod::Email)).await;

    assert!(matches!(
        f.attempt(ANA, PASSWORD).await,
        Err(SignInError::Undeliverable(_))
    ));
    // Each sign-in tries again (a new challenge, a new code).
    assert!(matches!(
        f.attempt(ANA, PASSWORD).await,
        Err(SignInError::Undeliverable(_))
    ));
    assert_eq!(down.tried().len(), 2);

    // The answer to a forgotten password does not tell that the message did not go.
    f.sign_in.forgot_password(ANA).await.unwrap();
    let reset = down.tried().last().unwrap().params["link"].clone();
    assert!(matches!(
        f.sign_in
            .reset_password(link_id(&reset), &Password::new(NEW_PASSWORD))
            .await,
        Err(SignInError::InvalidToken)
    ));

    assert!(matches!(
        f.sign_in.send_email_verification(&eva).await,
        Err(SignInError::Undeliverable(_))
    ));
    let verify = down.tried().last().unwrap().params["link"].clone();
    assert!(matches!(
        f.sign_in.verify_email(link_id(&verify)).await,
        Err(SignInError::InvalidToken)
    ));
}
