//! Sessions: rotating refresh, idle and absolute limits, sign-out.

use super::fixture::{ANA, Fixture, PASSWORD, access, refresh};
use crate::operator::SignInError;
use latchkey_core::Clock as _;
use latchkey_core::testing::T0;
use time::Duration;

#[tokio::test]
async fn a_refresh_rotates_and_the_replaced_tokens_die() {
    let f = Fixture::new().await;
    f.ana().await;
    let first = f.tokens(ANA, PASSWORD).await;
    f.sign_in.validate(access(&first)).await.unwrap();
    f.clock.advance(Duration::minutes(10));
    let second = f.sign_in.refresh(refresh(&first)).await.unwrap();
    assert_ne!(refresh(&second), refresh(&first));
    assert_ne!(access(&second), access(&first));
    assert_eq!(second.created, T0.unix_timestamp(), "the session's start");
    assert_eq!(
        second.last_refresh,
        (T0 + Duration::minutes(10)).unix_timestamp()
    );
    assert_eq!(second.username, ANA);
    // The replaced access token is refused at once, though it was verified (and cached).
    assert!(matches!(
        f.sign_in.validate(access(&first)).await,
        Err(SignInError::InvalidToken)
    ));
    assert!(matches!(
        f.sign_in.refresh(refresh(&first)).await,
        Err(SignInError::CannotRefresh)
    ));
    let valid = f.sign_in.validate(access(&second)).await.unwrap();
    assert_eq!(
        valid.claims.sign_in.as_ref().unwrap().auth_time,
        T0.unix_timestamp()
    );
    f.sign_in.refresh(refresh(&second)).await.unwrap();
}

#[tokio::test]
async fn of_two_refreshes_racing_with_one_token_exactly_one_wins() {
    let f = Fixture::new().await;
    f.ana().await;
    let tokens = f.tokens(ANA, PASSWORD).await;
    let (a, b) = tokio::join!(
        f.sign_in.refresh(refresh(&tokens)),
        f.sign_in.refresh(refresh(&tokens))
    );
    match (a, b) {
        (Ok(_), Err(SignInError::CannotRefresh)) | (Err(SignInError::CannotRefresh), Ok(_)) => {}
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn made_up_refresh_tokens_cannot_refresh() {
    let f = Fixture::new().await;
    f.ana().await;
    let tokens = f.tokens(ANA, PASSWORD).await;
    let (session, _) = refresh(&tokens).split_once('.').unwrap();
    for made_up in [
        String::new(),
        "garbage".to_owned(),
        format!("{session}.guessed"),
        session.to_owned(),
        access(&tokens).to_owned(),
    ] {
        assert!(
            matches!(
                f.sign_in.refresh(&made_up).await,
                Err(SignInError::CannotRefresh)
            ),
            "{made_up}"
        );
    }
    f.sign_in.refresh(refresh(&tokens)).await.unwrap();
}

#[tokio::test]
async fn an_idle_refresh_token_is_refused_and_a_session_ends_after_thirty_days() {
    let f = Fixture::new().await;
    f.ana().await;
    let idle = f.tokens(ANA, PASSWORD).await;
    let mut live = f.tokens(ANA, PASSWORD).await;
    f.clock.advance(Duration::hours(23));
    live = f.sign_in.refresh(refresh(&live)).await.unwrap();
    f.clock.advance(Duration::hours(1));
    assert!(matches!(
        f.sign_in.refresh(refresh(&idle)).await,
        Err(SignInError::CannotRefresh)
    ));
    for _ in 0..40 {
        // 23 h after the last refresh, the first time 1 h has passed already.
        f.clock.advance(Duration::hours(22));
        match f.sign_in.refresh(refresh(&live)).await {
            Ok(next) => {
                live = next;
                f.clock.advance(Duration::hours(1));
            }
            Err(SignInError::CannotRefresh) => {
                assert!(
                    f.clock.now().unix_timestamp() >= (T0 + Duration::days(30)).unix_timestamp()
                );
                return;
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    panic!("the session outlived 30 days");
}

#[tokio::test]
async fn a_suspended_operator_cannot_refresh() {
    let f = Fixture::new().await;
    let ana = f.ana().await;
    let tokens = f.tokens(ANA, PASSWORD).await;
    let mut suspended = f.reload(ana.id).await;
    suspended.suspended = true;
    latchkey_operator::OperatorStore::update(&f.store.inner, &suspended)
        .await
        .unwrap();
    assert!(matches!(
        f.sign_in.refresh(refresh(&tokens)).await,
        Err(SignInError::Suspended)
    ));
}

#[tokio::test]
async fn signing_out_kills_the_session_and_its_access_token_at_once() {
    let f = Fixture::new().await;
    f.ana().await;
    let tokens = f.tokens(ANA, PASSWORD).await;
    let other = f.tokens(ANA, PASSWORD).await;
    f.sign_in.validate(access(&tokens)).await.unwrap();
    f.sign_in.sign_out(access(&tokens)).await.unwrap();
    assert!(matches!(
        f.sign_in.validate(access(&tokens)).await,
        Err(SignInError::InvalidToken)
    ));
    assert!(matches!(
        f.sign_in.refresh(refresh(&tokens)).await,
        Err(SignInError::CannotRefresh)
    ));
    assert!(matches!(
        f.sign_in.sign_out(access(&tokens)).await,
        Err(SignInError::InvalidToken)
    ));
    // Another session of the operator goes on.
    f.sign_in.validate(access(&other)).await.unwrap();
    f.sign_in.refresh(refresh(&other)).await.unwrap();
}

#[tokio::test]
async fn sign_out_refuses_what_is_not_a_live_operator_token() {
    let f = Fixture::new().await;
    f.ana().await;
    let tokens = f.tokens(ANA, PASSWORD).await;
    assert!(matches!(
        f.sign_in.sign_out("garbage").await,
        Err(SignInError::InvalidToken)
    ));
    assert!(matches!(
        f.sign_in.sign_out(refresh(&tokens)).await,
        Err(SignInError::InvalidToken)
    ));
    f.clock.advance(Duration::hours(1));
    assert!(matches!(
        f.sign_in.sign_out(access(&tokens)).await,
        Err(SignInError::ExpiredToken)
    ));
}

#[tokio::test]
async fn another_instance_completes_a_challenge_and_refuses_a_token_signed_out_here_at_once() {
    let f = Fixture::new().await;
    f.operator(ANA, |o| o.mfa = Some(latchkey_operator::MfaMethod::Email))
        .await;
    let challenge = match f.attempt(ANA, PASSWORD).await {
        Ok(crate::operator::SignedIn::Challenge(challenge)) => challenge,
        other => panic!("{other:?}"),
    };
    let tokens = f
        .other
        .complete_mfa(
            &challenge.uuid.to_string(),
            &f.last_param("code"),
            super::fixture::ADDRESS,
        )
        .await
        .unwrap();
    // Both instances have verified (and cached) the token.
    f.sign_in.validate(access(&tokens)).await.unwrap();
    f.other.validate(access(&tokens)).await.unwrap();
    let refreshed = f.sign_in.refresh(refresh(&tokens)).await.unwrap();
    assert!(matches!(
        f.other.validate(access(&tokens)).await,
        Err(SignInError::InvalidToken)
    ));
    f.other.validate(access(&refreshed)).await.unwrap();
    f.sign_in.sign_out(access(&refreshed)).await.unwrap();
    assert!(matches!(
        f.other.validate(access(&refreshed)).await,
        Err(SignInError::InvalidToken)
    ));
}
