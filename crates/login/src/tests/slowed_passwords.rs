//! Slowed guessing of passwords end to end, through `LoginService::check_password` (the first
//! factor of every face), with the real argon2id verification: docs/login.md §10.

use super::fixture::{ADDRESS, ANA, Fixture, PASSWORD, USER_AGENT, WRONG, org};
use super::steps::{password, retry_after, seconds};
use crate::{Agent, Browser, LoginError, known_device_marker};
use latchkey_credential::Credential;
use latchkey_notify::Language;
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
        self.check_in(username, secret, address, &Browser::default())
            .await
    }

    /// The check from `browser` at `address`.
    async fn check_in(
        &self,
        username: &str,
        secret: &str,
        address: &str,
        browser: &Browser,
    ) -> Result<Credential, LoginError> {
        let agent = Agent {
            address,
            user_agent: USER_AGENT,
            language: Language::En,
            browser,
        };
        self.login
            .check_password(&org(), username, &password(secret), agent)
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

/// A username's waits stop at 30 s (they were 15 minutes: anyone failing on purpose with
/// someone's username kept them out): NIST SP 800-63B §5.2.2.
#[tokio::test]
async fn waits_stop_growing_at_thirty_seconds_and_the_right_password_works_after_the_last() {
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
    assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30, 30, 30, 30, 30]);
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

/// The browser of a sign-in of ana: its known-device marker (the session gone).
async fn known_browser(f: &Fixture) -> Browser {
    let done = f.sign_in(ANA).await;
    let session = done.session.as_ref().unwrap();
    Browser::default().with_known(org(), &known_device_marker(session))
}

/// Nobody can lock a customer out: failures with her username from elsewhere never refuse the
/// browser she signed in on before (its marker, or the session cookie it still holds).
#[tokio::test]
async fn others_failures_never_refuse_a_browser_that_signed_in_as_the_customer_before() {
    let f = Fixture::new().await;
    let ana = f.ana(false).await;
    let known = known_browser(&f).await;
    for n in 0..6 {
        f.clock.advance(seconds(31));
        let result = f.check_from(ANA, WRONG, OTHER_ADDRESS).await;
        assert!(
            matches!(result, Err(LoginError::BadCredentials)),
            "{n}: {result:?}"
        );
    }
    // A new browser waits (briefly); hers does not.
    let waited = retry_after(f.check(ANA, PASSWORD).await);
    assert!((1..=30).contains(&waited), "{waited}");
    let result = f.check_in(ANA, PASSWORD, ADDRESS, &known).await;
    assert_eq!(result.unwrap().id, ana.id);
    // The session cookie a browser still holds counts the same.
    let done = f.sign_in(ANA).await;
    let session = done.session.as_ref().unwrap();
    for _ in 0..4 {
        f.clock.advance(seconds(31));
        let _ = f.check_from(ANA, WRONG, OTHER_ADDRESS).await;
    }
    let in_session = Browser::default().with_session(org(), &session.value.0);
    let result = f.check_in(ANA, PASSWORD, ADDRESS, &in_session).await;
    assert_eq!(result.unwrap().id, ana.id);
}

/// A known browser is slowed by its own failures (a stolen marker is no free pass), and they
/// count against the username and the address too.
#[tokio::test]
async fn a_known_browsers_own_failures_slow_it() {
    let f = Fixture::new().await;
    f.ana(false).await;
    let known = known_browser(&f).await;
    for _ in 0..3 {
        let result = f.check_in(ANA, WRONG, ADDRESS, &known).await;
        assert!(
            matches!(result, Err(LoginError::BadCredentials)),
            "{result:?}"
        );
    }
    assert_eq!(
        retry_after(f.check_in(ANA, PASSWORD, ADDRESS, &known).await),
        1
    );
    assert_eq!(
        retry_after(f.check_from(ANA, PASSWORD, OTHER_ADDRESS).await),
        1
    );
    // Another customer's marker gives nothing for ana.
    f.customer("bea@example.com", None, false).await;
    let done = f.sign_in("bea@example.com").await;
    let beas =
        Browser::default().with_known(org(), &known_device_marker(done.session.as_ref().unwrap()));
    assert_eq!(
        retry_after(f.check_in(ANA, PASSWORD, ADDRESS, &beas).await),
        1
    );
}

/// A username longer than any can be is refused like a wrong password without a verification,
/// and counts against the address only (no key of its own is stored).
#[tokio::test]
async fn an_over_long_username_is_refused_unchecked_and_counts_against_the_address() {
    let f = Fixture::new().await;
    let ana = f.ana(false).await;
    let before = f.hasher.verifications();
    let huge = format!("{}{ANA}", "a".repeat(300));
    for _ in 0..19 {
        let result = f.check(&huge, PASSWORD).await;
        assert!(
            matches!(result, Err(LoginError::BadCredentials)),
            "{result:?}"
        );
    }
    assert_eq!(f.hasher.verifications(), before, "nothing verified");
    f.check(ANA, PASSWORD).await.unwrap();
    let result = f.check(&huge, PASSWORD).await;
    assert!(
        matches!(result, Err(LoginError::BadCredentials)),
        "{result:?}"
    );
    assert_eq!(
        retry_after(f.check(ANA, PASSWORD).await),
        1,
        "the address's twentieth"
    );
    f.clock.advance(seconds(1));
    assert_eq!(f.check(ANA, PASSWORD).await.unwrap().id, ana.id);
}
