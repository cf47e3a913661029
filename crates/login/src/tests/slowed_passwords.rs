//! Slowed guessing of passwords end to end, through `LoginService::check_password` (the first
//! factor of every face), with the real argon2id verification: docs/login.md §10.

use super::fixture::{ADDRESS, ANA, Fixture, PASSWORD, WRONG, org};
use super::steps::{password, retry_after, seconds};
use crate::LoginError;
use latchkey_credential::Credential;
use time::Duration;

const OTHER_ADDRESS: &str = "203.0.113.9";

impl Fixture {
    async fn check(&self, username: &str, secret: &str) -> Result<Credential, LoginError> {
        self.check_from(username, secret, ADDRESS).await
    }

    async fn check_from(
        &self,
        username: &str,
        secret: &str,
        address: &str,
    ) -> Result<Credential, LoginError> {
        self.login
            .check_password(&org(), username, &password(secret), address)
            .await
    }

    /// A wrong password for `username`, which must be checked and refused.
    async fn fail(&self, username: &str) {
        let result = self.check(username, WRONG).await;
        assert!(
            matches!(result, Err(LoginError::BadCredentials)),
            "{result:?}"
        );
    }
}

#[tokio::test]
async fn three_wrong_passwords_make_the_next_attempt_wait_a_second() {
    let f = Fixture::new().await;
    f.ana(false).await;
    for _ in 0..3 {
        f.fail(ANA).await;
    }
    assert_eq!(retry_after(f.check(ANA, WRONG).await), 1);
}

#[tokio::test]
async fn the_right_password_is_refused_during_the_wait_and_accepted_after_it() {
    let f = Fixture::new().await;
    let ana = f.ana(false).await;
    for _ in 0..3 {
        f.fail(ANA).await;
    }
    assert_eq!(retry_after(f.check(ANA, PASSWORD).await), 1);
    f.clock.advance(seconds(1));
    assert_eq!(f.check(ANA, PASSWORD).await.unwrap().id, ana.id);
}

#[tokio::test]
async fn an_attempt_during_the_wait_is_not_counted_and_the_next_failure_doubles_it() {
    let f = Fixture::new().await;
    f.ana(false).await;
    for _ in 0..3 {
        f.fail(ANA).await;
    }
    // Refused unchecked: not a fourth failure.
    assert_eq!(retry_after(f.check(ANA, WRONG).await), 1);
    f.clock.advance(seconds(1));
    f.fail(ANA).await;
    assert_eq!(retry_after(f.check(ANA, PASSWORD).await), 2);
    f.clock.advance(seconds(2));
    f.fail(ANA).await;
    assert_eq!(retry_after(f.check(ANA, PASSWORD).await), 4);
}

#[tokio::test]
async fn waits_stop_growing_at_fifteen_minutes_and_the_right_password_works_after_the_last() {
    let f = Fixture::new().await;
    let ana = f.ana(false).await;
    let mut waits = Vec::new();
    for failure in 1..=13 {
        f.fail(ANA).await;
        if failure >= 3 {
            // Probed with a wrong password: a refused attempt is not counted.
            let wait = retry_after(f.check(ANA, WRONG).await);
            waits.push(wait);
            f.clock.advance(seconds(wait));
        }
    }
    assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900]);
    assert_eq!(f.check(ANA, PASSWORD).await.unwrap().id, ana.id);
}

#[tokio::test]
async fn the_right_password_forgets_the_usernames_failures() {
    let f = Fixture::new().await;
    f.ana(false).await;
    for _ in 0..3 {
        f.fail(ANA).await;
    }
    f.clock.advance(seconds(1));
    f.check(ANA, PASSWORD).await.unwrap();
    // Two free failures again, where a remembered count would have been at five.
    f.fail(ANA).await;
    f.fail(ANA).await;
    f.check(ANA, PASSWORD).await.unwrap();
}

#[tokio::test]
async fn failures_are_remembered_until_an_hour_after_the_last() {
    let f = Fixture::new().await;
    f.ana(false).await;
    f.fail(ANA).await;
    f.fail(ANA).await;
    f.clock.advance(Duration::hours(1) - seconds(1));
    f.fail(ANA).await;
    assert_eq!(retry_after(f.check(ANA, PASSWORD).await), 1);
}

#[tokio::test]
async fn failures_are_forgotten_an_hour_after_the_last() {
    let f = Fixture::new().await;
    let ana = f.ana(false).await;
    f.fail(ANA).await;
    f.fail(ANA).await;
    f.clock.advance(Duration::hours(1));
    f.fail(ANA).await;
    // The first failure of a new count: no wait.
    assert_eq!(f.check(ANA, PASSWORD).await.unwrap().id, ana.id);
}

#[tokio::test]
async fn a_username_is_counted_whatever_its_case() {
    let f = Fixture::new().await;
    f.ana(false).await;
    f.fail("ANA@EXAMPLE.COM").await;
    f.fail("Ana@Example.com").await;
    f.fail(" ana@example.com ").await;
    assert_eq!(retry_after(f.check(ANA, PASSWORD).await), 1);
}

#[tokio::test]
async fn unknown_usernames_are_counted_like_known_ones() {
    let f = Fixture::new().await;
    for _ in 0..3 {
        f.fail("nobody@example.com").await;
    }
    assert_eq!(retry_after(f.check("nobody@example.com", WRONG).await), 1);
}

#[tokio::test]
async fn a_username_waits_from_every_address() {
    let f = Fixture::new().await;
    f.ana(false).await;
    for _ in 0..3 {
        f.fail(ANA).await;
    }
    let result = f.check_from(ANA, PASSWORD, OTHER_ADDRESS).await;
    assert_eq!(retry_after(result), 1);
}

#[tokio::test]
async fn the_twentieth_failure_from_an_address_slows_every_username_from_it() {
    let f = Fixture::new().await;
    let ana = f.ana(false).await;
    // One failure each: no username reaches its own free tries.
    for n in 0..19 {
        f.fail(&format!("guess{n}@example.com")).await;
    }
    // Nineteen: still free; a success does not forget the address's count.
    f.check(ANA, PASSWORD).await.unwrap();
    f.fail("guess19@example.com").await;
    assert_eq!(retry_after(f.check(ANA, PASSWORD).await), 1);
    assert_eq!(retry_after(f.check("guess20@example.com", WRONG).await), 1);
    // Another address is not slowed.
    let elsewhere = f.check_from(ANA, PASSWORD, OTHER_ADDRESS).await;
    assert_eq!(elsewhere.unwrap().id, ana.id);
    f.clock.advance(seconds(1));
    f.check(ANA, PASSWORD).await.unwrap();
}

#[tokio::test]
async fn a_disabled_credential_is_told_apart_only_with_the_right_password() {
    let f = Fixture::new().await;
    f.ana(false).await;
    f.set_enabled(ANA, false).await;
    f.fail(ANA).await;
    let result = f.check(ANA, PASSWORD).await;
    assert!(matches!(result, Err(LoginError::Disabled)), "{result:?}");
}

#[tokio::test]
async fn an_unknown_username_costs_one_verification_like_a_known_one_and_a_wait_costs_none() {
    let f = Fixture::new().await;
    f.ana(false).await;
    let before = f.hasher.verifications();
    f.fail("nobody@example.com").await;
    assert_eq!(f.hasher.verifications(), before + 1);
    f.fail(ANA).await;
    assert_eq!(f.hasher.verifications(), before + 2);
    f.fail(ANA).await;
    f.fail(ANA).await;
    assert_eq!(retry_after(f.check(ANA, PASSWORD).await), 1);
    // Refused unchecked: no password was verified.
    assert_eq!(f.hasher.verifications(), before + 4);
}
