//! The password step of a login: a refusal keeps the login for another try; the right password
//! finishes it, or leads to the second factor (docs/login.md §2, §7).

use super::fixture::{ANA, Fixture, ISSUER, PASSWORD, REDIRECT, STATE, WRONG, org};
use super::steps::{params_of, strings};
use crate::{ContactChoice, LoginError, Stage, Step};
use latchkey_notify::{Channel, TemplateId};

#[tokio::test]
async fn a_wrong_password_is_refused_and_the_login_kept_for_another_try() {
    let f = Fixture::new().await;
    let ana = f.ana(false).await;
    let pending = f.start().await;
    let result = f.password_step(&pending, ANA, WRONG).await;
    assert!(
        matches!(result, Err(LoginError::BadCredentials)),
        "{result:?}"
    );
    assert_eq!(f.device_count(&ana).await, 0);

    let again = f.open(&pending.id, pending.tx.csrf()).await;
    assert_eq!(again.tx.stage, Stage::Password);
    let step = f.password_step(&again, ANA, PASSWORD).await.unwrap();
    assert!(matches!(step, Step::Done(_)), "{step:?}");
}

#[tokio::test]
async fn an_unknown_username_gets_the_answer_of_a_wrong_password() {
    let f = Fixture::new().await;
    f.ana(false).await;
    let pending = f.start().await;
    let result = f
        .password_step(&pending, "nobody@example.com", PASSWORD)
        .await;
    assert!(
        matches!(result, Err(LoginError::BadCredentials)),
        "{result:?}"
    );
}

#[tokio::test]
async fn the_right_password_of_a_disabled_credential_is_told_apart() {
    let f = Fixture::new().await;
    f.ana(false).await;
    f.set_enabled(ANA, false).await;
    let pending = f.start().await;
    let result = f.password_step(&pending, ANA, WRONG).await;
    assert!(
        matches!(result, Err(LoginError::BadCredentials)),
        "{result:?}"
    );
    let pending = f.open(&pending.id, pending.tx.csrf()).await;
    let result = f.password_step(&pending, ANA, PASSWORD).await;
    assert!(matches!(result, Err(LoginError::Disabled)), "{result:?}");
}

#[tokio::test]
async fn the_right_password_without_2fa_goes_back_with_a_code_and_a_new_device() {
    let f = Fixture::new().await;
    let ana = f.ana(false).await;
    let pending = f.start().await;
    let Step::Done(done) = f.password_step(&pending, ANA, PASSWORD).await.unwrap() else {
        panic!("expected a finished login");
    };
    assert_eq!(done.org, org());
    assert!(
        done.redirect.starts_with(&format!("{REDIRECT}?code=")),
        "{}",
        done.redirect
    );
    let got = params_of(&done.redirect);
    assert_eq!(got["state"], STATE);
    assert_eq!(got["iss"], ISSUER);
    assert!(done.session.is_some());
    assert!(done.notice_failed.is_none());
    assert!(done.ciba_consent.is_none());
    assert_eq!(f.device_count(&ana).await, 1);
    let notices = f.sent(TemplateId::NewDevice);
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].recipient, ANA);
    // The login is finished: its form cannot be used again.
    match f.login.open(&pending.id, pending.tx.csrf(), true).await {
        Err(failure) => assert!(matches!(failure.error, LoginError::Expired), "{failure:?}"),
        Ok(found) => panic!("the login is still there: {found:?}"),
    }
    assert_eq!(f.amr(&done).await, strings(&["pwd"]));
}

#[tokio::test]
async fn with_require2fa_the_second_factor_is_next_with_masked_contacts() {
    let f = Fixture::new().await;
    let ana = f.ana(true).await;
    let pending = f.start().await;
    let step = f.password_step(&pending, ANA, PASSWORD).await.unwrap();
    let Step::SecondFactor { totp, contacts } = step else {
        panic!("expected the second factor, got {step:?}");
    };
    assert!(!totp);
    assert_eq!(
        contacts,
        [
            ContactChoice {
                email: true,
                masked: "a•••@example.com".to_owned(),
                hint: "c1".to_owned(),
            },
            ContactChoice {
                email: false,
                masked: "+34•••••••22".to_owned(),
                hint: "c2".to_owned(),
            },
        ]
    );
    // No session before the second factor; the login waits for it.
    assert_eq!(f.device_count(&ana).await, 0);
    let waiting = f.reread(&pending).await;
    assert!(
        matches!(&waiting.tx.stage, Stage::SecondFactor { credential, first, totp: false, .. }
            if *credential == ana.id && first == "pwd"),
        "{:?}",
        waiting.tx.stage
    );
    assert!(
        f.sent(TemplateId::OtpCode).is_empty(),
        "no code before one is asked for"
    );
}

#[tokio::test]
async fn an_msisdn_username_is_offered_its_sms_contact() {
    let f = Fixture::new().await;
    f.customer("+34600999888", None, true).await;
    let pending = f.start().await;
    let step = f.password_step(&pending, "+34600999888", PASSWORD).await;
    let Ok(Step::SecondFactor { contacts, .. }) = step else {
        panic!("expected the second factor, got {step:?}");
    };
    assert_eq!(contacts.len(), 1);
    assert!(!contacts[0].email);
    assert_eq!(contacts[0].masked, "+34•••••••88");
    let pending = f.reread(&pending).await;
    f.login
        .send_code(&pending, &contacts[0].hint, latchkey_notify::Language::En)
        .await
        .unwrap();
    let sent = f.sent(TemplateId::OtpCode);
    assert_eq!(sent[0].channel, Channel::Sms);
    assert_eq!(sent[0].recipient, "+34600999888");
}

#[tokio::test]
async fn require2fa_with_no_factor_at_all_cannot_sign_in() {
    let f = Fixture::new().await;
    let plain = f.customer("customer_42", None, true).await;
    let pending = f.start().await;
    let result = f.password_step(&pending, "customer_42", PASSWORD).await;
    assert!(
        matches!(result, Err(LoginError::NoSecondFactor)),
        "{result:?}"
    );
    assert_eq!(f.device_count(&plain).await, 0);
}
