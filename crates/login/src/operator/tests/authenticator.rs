//! The authenticator app as an operator's second factor: set up with two codes of the pending
//! secret, then a challenge answered with a code of the app, each code accepted once. The
//! TOTP implementation is the Credentials API's (`latchkey_otp::Authenticators`).

use super::fixture::{ADDRESS, ANA, Fixture, PASSWORD, access};
use crate::operator::{MfaChallenge, OperatorSignIn, SignInError, SignedIn};
use latchkey_core::Clock as _;
use latchkey_core::testing::SeededRandom;
use latchkey_memory::{MemOperatorTotpStore, MemOtpStore, MemTotpStore};
use latchkey_operator::MfaMethod;
use latchkey_otp::{
    AuthenticatorPorts, Authenticators, SetupProgress, TotpError, TotpHolder, TotpSecret, code_at,
    step_of,
};
use latchkey_testkit::fakes::FastCipher;
use std::sync::Arc;
use time::Duration;

struct Wired {
    f: Fixture,
    authenticators: Authenticators,
    sign_in: OperatorSignIn,
}

async fn wired() -> Wired {
    let f = Fixture::new().await;
    let authenticators = Authenticators::new(AuthenticatorPorts {
        credentials: Arc::new(MemTotpStore::default()),
        cipher: Arc::new(FastCipher::new([3; 32])),
        steps: Arc::new(MemOtpStore::new(f.clock.clone())),
        clock: f.clock.clone(),
        random: Arc::new(SeededRandom::new(5)),
    })
    .with_operators(Arc::new(MemOperatorTotpStore::default()));
    let sign_in = OperatorSignIn::new(f.ports.clone(), f.settings.clone())
        .with_authenticators(authenticators.clone());
    Wired {
        f,
        authenticators,
        sign_in,
    }
}

impl Wired {
    fn code(&self, secret: &TotpSecret, steps_ahead: u64) -> String {
        let now = u64::try_from(self.f.clock.now().unix_timestamp()).unwrap();
        code_at(secret, step_of(now) + steps_ahead)
    }

    async fn challenged(&self) -> MfaChallenge {
        match self
            .sign_in
            .sign_in(
                ANA,
                &latchkey_credential::Password::new(PASSWORD),
                None,
                ADDRESS,
            )
            .await
        {
            Ok(SignedIn::Challenge(challenge)) => challenge,
            other => panic!("expected a challenge, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn two_codes_of_a_later_step_set_the_app_up_and_it_signs_in_once() {
    let w = wired().await;
    let ana = w.f.ana().await;
    let holder = TotpHolder::Operator(ana.id);
    let secret = w
        .authenticators
        .pending_or_enroll(&holder, false)
        .await
        .unwrap();
    let first = w.code(&secret, 0);
    assert_eq!(
        w.authenticators.setup(&holder, 1, &first).await.unwrap(),
        SetupProgress {
            next_index: 2,
            more_codes: true
        }
    );
    assert!(
        matches!(
            w.authenticators.setup(&holder, 2, &first).await,
            Err(TotpError::Replayed)
        ),
        "the same code twice proves nothing"
    );
    w.f.clock.advance(Duration::seconds(1));
    assert!(!w.authenticators.is_active(&holder).await.unwrap());
    let second = w.code(&secret, 1);
    assert_eq!(
        w.authenticators.setup(&holder, 2, &second).await.unwrap(),
        SetupProgress {
            next_index: 2,
            more_codes: false
        }
    );
    assert!(w.authenticators.is_active(&holder).await.unwrap());
    w.f.operators.use_authenticator(ana.id).await.unwrap();

    w.f.clock.advance(Duration::seconds(90));
    let challenge = w.challenged().await;
    assert_eq!(challenge.method, MfaMethod::Authenticator);
    assert!(w.f.sent().is_empty(), "nothing is sent for the app");
    let code = w.code(&secret, 0);
    let tokens = w
        .sign_in
        .complete_mfa(&challenge.uuid.to_string(), &code, ADDRESS)
        .await
        .unwrap();
    assert!(w.sign_in.validate(access(&tokens)).await.is_ok());

    let again = w.challenged().await;
    assert!(
        matches!(
            w.sign_in
                .complete_mfa(&again.uuid.to_string(), &code, ADDRESS)
                .await,
            Err(SignInError::MfaFailure)
        ),
        "a code is accepted once"
    );
}

#[tokio::test]
async fn the_second_code_needs_the_first_and_a_pending_secret() {
    let w = wired().await;
    let ana = w.f.ana().await;
    let holder = TotpHolder::Operator(ana.id);
    assert!(matches!(
        w.authenticators.setup(&holder, 1, "123456").await,
        Err(TotpError::NotPending)
    ));
    let secret = w
        .authenticators
        .pending_or_enroll(&holder, false)
        .await
        .unwrap();
    let shown_again = w
        .authenticators
        .pending_or_enroll(&holder, false)
        .await
        .unwrap();
    assert_eq!(
        secret.expose(),
        shown_again.expose(),
        "the same QR until reset"
    );
    assert!(matches!(
        w.authenticators
            .setup(&holder, 2, &w.code(&secret, 0))
            .await,
        Err(TotpError::OutOfSequence)
    ));
    assert!(matches!(
        w.authenticators
            .setup(&holder, 3, &w.code(&secret, 1))
            .await,
        Err(TotpError::InvalidIndex)
    ));
    let reset = w
        .authenticators
        .pending_or_enroll(&holder, true)
        .await
        .unwrap();
    assert_ne!(secret.expose(), reset.expose(), "reset makes a new secret");
    assert!(matches!(
        w.authenticators
            .setup(&holder, 1, &w.code(&secret, 1))
            .await,
        Err(TotpError::Mismatch)
    ));
}

#[tokio::test]
async fn five_wrong_answers_burn_an_authenticator_challenge() {
    let w = wired().await;
    let ana = w.f.ana().await;
    let holder = TotpHolder::Operator(ana.id);
    let secret = w
        .authenticators
        .pending_or_enroll(&holder, false)
        .await
        .unwrap();
    w.authenticators
        .setup(&holder, 1, &w.code(&secret, 0))
        .await
        .unwrap();
    w.authenticators
        .setup(&holder, 2, &w.code(&secret, 1))
        .await
        .unwrap();
    w.f.operators.use_authenticator(ana.id).await.unwrap();
    w.f.clock.advance(Duration::seconds(90));
    let challenge = w.challenged().await;
    let right = w.code(&secret, 0);
    let wrong = if right == "000000" {
        "000001"
    } else {
        "000000"
    };
    for _ in 0..5 {
        assert!(matches!(
            w.sign_in
                .complete_mfa(&challenge.uuid.to_string(), wrong, ADDRESS)
                .await,
            Err(SignInError::MfaFailure)
        ));
        // Past the free tries the operator's answers wait: move past the wait.
        w.f.clock.advance(Duration::seconds(4));
    }
    assert!(matches!(
        w.sign_in
            .complete_mfa(&challenge.uuid.to_string(), &w.code(&secret, 0), ADDRESS)
            .await,
        Err(SignInError::BadMfaTransaction)
    ));
}
