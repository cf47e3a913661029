//! What the code and the ID token say about how the customer signed in (RFC 8176 `amr`,
//! `auth_time`): a password login, and a session resumed without asking (docs/login.md §3, §6).

use super::fixture::{ANA, Fixture, REDIRECT};
use super::steps::{VERIFIER, browser_of, claims, params_of, strings};
use crate::{Authorization, Completion};
use latchkey_core::testing::T0;
use latchkey_oauth::{AuthCode, Redeemed};
use time::Duration;

impl Fixture {
    /// What the completion's code stands for, read from the code store.
    async fn code_grant(&self, done: &Completion) -> AuthCode {
        let code = params_of(&done.redirect)["code"].clone();
        let redeemed = self
            .grants
            .codes()
            .redeem(&code, self.shop.id.as_str(), Some(REDIRECT), Some(VERIFIER))
            .await
            .unwrap();
        match redeemed {
            Redeemed::Fresh(grant) => grant,
            other => panic!("expected a fresh code, got {other:?}"),
        }
    }

    /// Single sign-on with `done`'s session, some time later.
    async fn resumed(&self, done: &Completion) -> Completion {
        match self.authorize(&self.params(), &browser_of(done)).await {
            Authorization::Done(resumed) => resumed,
            other => panic!("expected single sign-on, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_password_login_carries_pwd_and_its_time_in_the_code() {
    let f = Fixture::new().await;
    let ana = f.ana(false).await;
    f.clock.advance(Duration::seconds(42));
    let done = f.sign_in(ANA).await;
    let grant = f.code_grant(&done).await;
    assert_eq!(grant.amr, strings(&["pwd"]));
    assert_eq!(
        grant.auth_time,
        (T0 + Duration::seconds(42)).unix_timestamp()
    );
    assert_eq!(grant.credential, ana.id);
    assert_eq!(grant.nonce.as_deref(), Some("n-0S6_WzA2Mj"));
}

#[tokio::test]
async fn a_resumed_session_says_pwd_and_the_time_the_session_started() {
    let f = Fixture::new().await;
    f.ana(false).await;
    let first = f.sign_in(ANA).await;
    f.clock.advance(Duration::minutes(10));
    let resumed = f.resumed(&first).await;
    let set = f.tokens(&resumed).await;
    let id_token = claims(set.id_token.as_deref().unwrap());
    assert_eq!(id_token["amr"], serde_json::json!(["pwd"]));
    assert_eq!(
        id_token["auth_time"],
        serde_json::json!(T0.unix_timestamp())
    );
    assert_eq!(
        id_token["iat"],
        serde_json::json!((T0 + Duration::minutes(10)).unix_timestamp())
    );
}

/// What the session recorded, the second factor included: never the credential's flag.
#[tokio::test]
async fn a_resumed_session_says_what_happened_in_it_second_factor_included() {
    let f = Fixture::new().await;
    f.ana(true).await;
    let pending = f.at_second_factor(ANA).await;
    let first = f.by_code(&pending, ANA).await.unwrap();
    f.clock.advance(Duration::minutes(10));
    let resumed = f.resumed(&first).await;
    assert_eq!(f.amr(&resumed).await, strings(&["pwd", "otp", "mfa"]));
}
