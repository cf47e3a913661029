//! The second factor: challenges by e-mail and SMS, answers, resends, single use.

use super::fixture::{ADDRESS, ANA, Fixture, PASSWORD, access};
use crate::operator::{MfaChallenge, SignInError, SignedIn};
use latchkey_credential::Msisdn;
use latchkey_notify::{Channel, Language, TemplateId};
use latchkey_operator::{MfaMethod, Mobile};
use time::Duration;

impl Fixture {
    async fn challenged(&self, user: &str) -> MfaChallenge {
        match self.attempt(user, PASSWORD).await {
            Ok(SignedIn::Challenge(challenge)) => challenge,
            other => panic!("expected a challenge, got {other:?}"),
        }
    }

    async fn answer(
        &self,
        challenge: &MfaChallenge,
        code: &str,
    ) -> Result<super::super::WebToken, SignInError> {
        self.sign_in
            .complete_mfa(&challenge.uuid.to_string(), code, ADDRESS)
            .await
    }
}

fn mobile(number: &str, primary: bool) -> Mobile {
    Mobile {
        number: Msisdn::parse(number).unwrap(),
        verified: true,
        primary,
    }
}

/// A code that is not `code`.
fn other_than(code: &str) -> String {
    if code == "000000" { "000001" } else { "000000" }.to_owned()
}

#[tokio::test]
async fn an_e_mail_code_completes_the_sign_in_once() {
    let f = Fixture::new().await;
    let ana = f
        .operator(ANA, |o| {
            o.mfa = Some(MfaMethod::Email);
            o.locale = "en-GB".to_owned();
        })
        .await;
    let challenge = f.challenged(ANA).await;
    assert_eq!(challenge.method, MfaMethod::Email);
    let sent = f.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].template, TemplateId::OperatorMfaCode);
    assert_eq!(sent[0].channel, Channel::Email);
    assert_eq!(sent[0].language, Language::En);
    assert_eq!(sent[0].recipient, ANA);
    let code = f.last_param("code");
    assert_eq!(f.reload(ana.id).await.last_login, None, "not signed in yet");

    assert!(matches!(
        f.answer(&challenge, &other_than(&code)).await,
        Err(SignInError::MfaFailure)
    ));
    assert!(matches!(
        f.answer(&challenge, "12ab").await,
        Err(SignInError::MfaFailure)
    ));
    let tokens = f.answer(&challenge, &code).await.unwrap();
    let valid = f.sign_in.validate(access(&tokens)).await.unwrap();
    assert_eq!(valid.operator.id, ana.id);
    assert_eq!(
        valid.claims.sign_in.as_ref().unwrap().amr,
        ["pwd", "otp", "mfa"]
    );
    assert!(f.reload(ana.id).await.last_login.is_some());
    assert!(matches!(
        f.answer(&challenge, &code).await,
        Err(SignInError::BadMfaTransaction)
    ));
}

#[tokio::test]
async fn an_sms_code_goes_to_the_primary_mobile_else_the_first() {
    let f = Fixture::new().await;
    f.operator(ANA, |o| {
        o.mfa = Some(MfaMethod::Sms);
        o.mobiles = vec![mobile("+34600111222", false), mobile("+34600333444", true)];
    })
    .await;
    f.operator("bea@example.com", |o| {
        o.mfa = Some(MfaMethod::Sms);
        o.mobiles = vec![mobile("+34600555666", false), mobile("+34600777888", false)];
    })
    .await;
    f.operator("eva@example.com", |o| o.mfa = Some(MfaMethod::Sms))
        .await;
    let challenge = f.challenged(ANA).await;
    assert_eq!(challenge.method, MfaMethod::Sms);
    let sent = f.sent();
    assert_eq!(sent[0].channel, Channel::Sms);
    assert_eq!(sent[0].recipient, "+34600333444");
    assert_eq!(sent[0].language, Language::Es);
    let tokens = f.answer(&challenge, &f.last_param("code")).await.unwrap();
    let valid = f.sign_in.validate(access(&tokens)).await.unwrap();
    assert_eq!(
        valid.claims.sign_in.as_ref().unwrap().amr,
        ["pwd", "sms", "mfa"]
    );

    f.challenged("bea@example.com").await;
    assert_eq!(f.sent()[1].recipient, "+34600555666");
    assert!(matches!(
        f.attempt("eva@example.com", PASSWORD).await,
        Err(SignInError::Undeliverable(_))
    ));
}

#[tokio::test]
async fn unknown_expired_and_malformed_challenges_are_bad_transactions() {
    let f = Fixture::new().await;
    f.operator(ANA, |o| o.mfa = Some(MfaMethod::Email)).await;
    let challenge = f.challenged(ANA).await;
    let code = f.last_param("code");
    for uuid in ["", "not-a-uuid", "6f0d8c4e-0b6c-4a8e-9f1e-3b1d2c4e5f60"] {
        assert!(
            matches!(
                f.sign_in.complete_mfa(uuid, &code, ADDRESS).await,
                Err(SignInError::BadMfaTransaction)
            ),
            "{uuid}"
        );
        assert!(matches!(
            f.sign_in.resend_mfa(uuid).await,
            Err(SignInError::BadMfaTransaction)
        ));
    }
    f.clock.advance(Duration::seconds(300));
    assert!(matches!(
        f.answer(&challenge, &code).await,
        Err(SignInError::BadMfaTransaction)
    ));
}

#[tokio::test]
async fn the_fifth_wrong_answer_burns_the_challenge() {
    let f = Fixture::new().await;
    f.operator(ANA, |o| o.mfa = Some(MfaMethod::Email)).await;
    let challenge = f.challenged(ANA).await;
    let code = f.last_param("code");
    for _ in 0..5 {
        match f.answer(&challenge, &other_than(&code)).await {
            Err(SignInError::MfaFailure) => {}
            other => panic!("{other:?}"),
        }
        // Past the free tries the operator's answers wait: move past the wait.
        f.clock.advance(Duration::seconds(4));
    }
    assert!(matches!(
        f.answer(&challenge, &code).await,
        Err(SignInError::BadMfaTransaction)
    ));
}

#[tokio::test]
async fn wrong_answers_are_slowed_across_challenges() {
    let f = Fixture::new().await;
    f.operator(ANA, |o| o.mfa = Some(MfaMethod::Email)).await;
    for _ in 0..3 {
        let challenge = f.challenged(ANA).await;
        let code = f.last_param("code");
        assert!(matches!(
            f.answer(&challenge, &other_than(&code)).await,
            Err(SignInError::MfaFailure)
        ));
    }
    let challenge = f.challenged(ANA).await;
    let code = f.last_param("code");
    assert!(matches!(
        f.answer(&challenge, &code).await,
        Err(SignInError::Throttled { .. })
    ));
    f.clock.advance(Duration::seconds(1));
    f.answer(&challenge, &code).await.unwrap();
}

#[tokio::test]
async fn a_resent_code_replaces_the_first_and_not_too_soon() {
    let f = Fixture::new().await;
    f.operator(ANA, |o| o.mfa = Some(MfaMethod::Email)).await;
    let challenge = f.challenged(ANA).await;
    let first = f.last_param("code");
    let uuid = challenge.uuid.to_string();
    assert!(matches!(
        f.sign_in.resend_mfa(&uuid).await,
        Err(SignInError::Throttled { .. })
    ));
    assert_eq!(f.sent().len(), 1);
    f.clock.advance(Duration::seconds(30));
    let again = f.sign_in.resend_mfa(&uuid).await.unwrap();
    assert_eq!(again, challenge);
    assert_eq!(f.sent().len(), 2);
    let second = f.last_param("code");
    if first != second {
        assert!(matches!(
            f.answer(&challenge, &first).await,
            Err(SignInError::MfaFailure)
        ));
    }
    // The challenge lives as long as its newest code.
    f.clock.advance(Duration::seconds(290));
    f.answer(&challenge, &second).await.unwrap();
}

#[tokio::test]
async fn of_two_right_answers_racing_one_signs_in() {
    let f = Fixture::new().await;
    f.operator(ANA, |o| o.mfa = Some(MfaMethod::Email)).await;
    let challenge = f.challenged(ANA).await;
    let code = f.last_param("code");
    let (a, b) = tokio::join!(f.answer(&challenge, &code), f.answer(&challenge, &code));
    assert_eq!(
        [a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(),
        1,
        "{a:?} {b:?}"
    );
}

#[tokio::test]
async fn an_operator_suspended_meanwhile_is_not_signed_in() {
    let f = Fixture::new().await;
    let ana = f.operator(ANA, |o| o.mfa = Some(MfaMethod::Email)).await;
    let challenge = f.challenged(ANA).await;
    let mut suspended = f.reload(ana.id).await;
    suspended.suspended = true;
    latchkey_operator::OperatorStore::update(&f.store.inner, &suspended)
        .await
        .unwrap();
    assert!(matches!(
        f.answer(&challenge, &f.last_param("code")).await,
        Err(SignInError::Suspended)
    ));
}
