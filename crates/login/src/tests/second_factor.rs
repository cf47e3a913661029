//! The second factor of a login: a code sent by e-mail or SMS, or a TOTP code; each finishes
//! the login with its `amr`; wrong codes are slowed per credential like passwords
//! (docs/login.md §7, §10).

use super::fixture::{ANA, ANA_MSISDN, Fixture, PASSWORD, Setup};
use super::steps::{retry_after, seconds, strings};
use crate::{Completion, Factor, LoginError, Pending, Step};
use latchkey_flows::CodeRefusal;
use latchkey_notify::{Channel, Language, TemplateId};

/// A code that is not the one sent (codes are six digits).
fn other_than(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

fn assert_mismatch(result: Result<Completion, LoginError>, left: u32) {
    assert!(
        matches!(
            result,
            Err(LoginError::Code(CodeRefusal::OtpMismatch { tries_left })) if tries_left == left
        ),
        "{result:?}"
    );
}

impl Fixture {
    /// Sends a code to `hint` for the login; answers the login as it is then.
    async fn send(&self, pending: &Pending, hint: &str) -> Pending {
        self.login
            .send_code(pending, super::steps::choice_of(hint), Language::En)
            .await
            .unwrap();
        self.reread(pending).await
    }
}

#[tokio::test]
async fn a_code_sent_by_email_finishes_with_pwd_otp_mfa() {
    let f = Fixture::new().await;
    let ana = f.ana(true).await;
    let pending = f.at_second_factor(ANA).await;
    let done = f.by_code(&pending, ANA).await.unwrap();
    let sent = f.sent(TemplateId::OtpCode);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].channel, Channel::Email);
    assert_eq!(sent[0].recipient, ANA);
    assert!(done.session.is_some());
    assert_eq!(f.device_count(&ana).await, 1);
    assert_eq!(f.amr(&done).await, strings(&["pwd", "otp", "mfa"]));
}

#[tokio::test]
async fn a_code_sent_by_sms_finishes_with_pwd_sms_mfa() {
    let f = Fixture::new().await;
    f.ana(true).await;
    let pending = f.at_second_factor(ANA).await;
    let done = f.by_code(&pending, ANA_MSISDN).await.unwrap();
    let sent = f.sent(TemplateId::OtpCode);
    assert_eq!(sent[0].channel, Channel::Sms);
    assert_eq!(sent[0].recipient, ANA_MSISDN);
    assert_eq!(f.amr(&done).await, strings(&["pwd", "sms", "mfa"]));
}

#[tokio::test]
async fn the_last_contact_a_code_went_to_names_the_method() {
    let f = Fixture::new().await;
    f.ana(true).await;
    let pending = f.at_second_factor(ANA).await;
    let pending = f.send(&pending, ANA_MSISDN).await;
    // A new code may be sent 30 s later, to the other contact: that one is answered.
    f.clock.advance(seconds(30));
    let pending = f.send(&pending, ANA).await;
    let code = f.last_code();
    let done = f.answer(&pending, Factor::Otp, &code).await.unwrap();
    assert_eq!(f.amr(&done).await, strings(&["pwd", "otp", "mfa"]));
}

#[tokio::test]
async fn a_totp_code_finishes_with_pwd_otp_mfa() {
    let f = Fixture::new().await;
    let ana = f.ana(true).await;
    f.enroll_totp(ANA).await;
    let pending = f.start().await;
    let step = f.password_step(&pending, ANA, PASSWORD).await;
    assert!(
        matches!(&step, Ok(Step::SecondFactor { totp: true, contacts }) if contacts.len() == 2),
        "{step:?}"
    );
    let pending = f.reread(&pending).await;
    let code = f.totp_code(ANA).await;
    let done = f.answer(&pending, Factor::Totp, &code).await.unwrap();
    assert!(f.sent(TemplateId::OtpCode).is_empty());
    assert_eq!(f.device_count(&ana).await, 1);
    assert_eq!(f.amr(&done).await, strings(&["pwd", "otp", "mfa"]));
}

#[tokio::test]
async fn wrong_codes_are_slowed_like_passwords() {
    let f = Fixture::new().await;
    f.ana(true).await;
    let pending = f.at_second_factor(ANA).await;
    let pending = f.send(&pending, ANA).await;
    let code = f.last_code();
    let wrong = other_than(&code);
    for left in [4, 3, 2] {
        assert_mismatch(f.answer(&pending, Factor::Otp, &wrong).await, left);
    }
    // The right code, unchecked while the wait runs (so not a try of the code either).
    assert_eq!(retry_after(f.answer(&pending, Factor::Otp, &code).await), 1);
    f.clock.advance(seconds(1));
    assert_mismatch(f.answer(&pending, Factor::Otp, &wrong).await, 1);
    assert_eq!(retry_after(f.answer(&pending, Factor::Otp, &code).await), 2);
    f.clock.advance(seconds(2));
    let done = f.answer(&pending, Factor::Otp, &code).await.unwrap();
    assert_eq!(f.amr(&done).await, strings(&["pwd", "otp", "mfa"]));
}

#[tokio::test]
async fn wrong_totp_codes_count_per_credential_across_logins() {
    let f = Fixture::new().await;
    f.ana(true).await;
    f.enroll_totp(ANA).await;
    let first = f.at_second_factor(ANA).await;
    let code = f.totp_code(ANA).await;
    let wrong = other_than(&code);
    for _ in 0..2 {
        let result = f.answer(&first, Factor::Totp, &wrong).await;
        assert!(
            matches!(result, Err(LoginError::Code(CodeRefusal::TotpMismatch))),
            "{result:?}"
        );
    }
    // Another login of the same credential carries the count on.
    let second = f.at_second_factor(ANA).await;
    let result = f.answer(&second, Factor::Totp, &wrong).await;
    assert!(matches!(result, Err(LoginError::Code(_))), "{result:?}");
    assert_eq!(retry_after(f.answer(&second, Factor::Totp, &code).await), 1);
    assert_eq!(retry_after(f.answer(&first, Factor::Totp, &code).await), 1);
    f.clock.advance(seconds(1));
    f.answer(&second, Factor::Totp, &code).await.unwrap();
}

#[tokio::test]
async fn second_factor_failures_do_not_slow_the_password() {
    let f = Fixture::new().await;
    f.ana(true).await;
    let pending = f.at_second_factor(ANA).await;
    let pending = f.send(&pending, ANA).await;
    let wrong = other_than(&f.last_code());
    for left in [4, 3, 2] {
        assert_mismatch(f.answer(&pending, Factor::Otp, &wrong).await, left);
    }
    // The password step of a new login is not waiting.
    f.at_second_factor(ANA).await;
}

#[tokio::test]
async fn a_code_that_is_not_six_digits_is_not_counted() {
    let f = Fixture::new().await;
    f.ana(true).await;
    let pending = f.at_second_factor(ANA).await;
    let pending = f.send(&pending, ANA).await;
    for _ in 0..5 {
        let result = f.answer(&pending, Factor::Otp, "12ab").await;
        assert!(
            matches!(result, Err(LoginError::MalformedCode)),
            "{result:?}"
        );
    }
    let code = f.last_code();
    f.answer(&pending, Factor::Otp, &code).await.unwrap();
}

#[tokio::test]
async fn a_contact_that_is_not_the_credentials_is_refused() {
    let f = Fixture::new().await;
    f.ana(true).await;
    let pending = f.at_second_factor(ANA).await;
    let result = f
        .login
        .send_code(&pending, "mallory@example.com", Language::En)
        .await;
    assert!(matches!(result, Err(LoginError::NotAContact)), "{result:?}");
    assert!(f.sent(TemplateId::OtpCode).is_empty());
}

#[tokio::test]
async fn sending_codes_counts_against_the_flow_rate_per_credential() {
    let f = Fixture::with(Setup {
        flow_rate: Some("2/1h"),
        ..Setup::default()
    })
    .await;
    f.ana(true).await;
    let pending = f.at_second_factor(ANA).await;
    let pending = f.send(&pending, ANA).await;
    f.clock.advance(seconds(30));
    let pending = f.send(&pending, ANA_MSISDN).await;
    f.clock.advance(seconds(30));
    // Two codes an hour: the third may go 30 min after the first.
    let third = f.login.send_code(&pending, "c1", Language::En).await;
    assert_eq!(retry_after(third), 30 * 60 - 60);
    assert_eq!(f.sent(TemplateId::OtpCode).len(), 2);
}

#[tokio::test]
async fn checking_totp_codes_counts_against_the_flow_rate_per_credential() {
    let f = Fixture::with(Setup {
        flow_rate: Some("2/1h"),
        ..Setup::default()
    })
    .await;
    f.ana(true).await;
    // The enrollment's first code is one check, 30 s ago.
    f.enroll_totp(ANA).await;
    let pending = f.at_second_factor(ANA).await;
    let code = f.totp_code(ANA).await;
    let result = f.answer(&pending, Factor::Totp, &other_than(&code)).await;
    assert!(
        matches!(result, Err(LoginError::Code(CodeRefusal::TotpMismatch))),
        "{result:?}"
    );
    let result = f.answer(&pending, Factor::Totp, &code).await;
    assert_eq!(retry_after(result), 30 * 60 - 30);
}
