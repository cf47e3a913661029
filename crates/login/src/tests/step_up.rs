//! What a session says about its sign-in, and what it is then good for: the access token's
//! `auth_time`, `amr` and `sid` (RFC 9068 §2.2.1), a refresh that repeats the session's (never
//! the credential's current flag), and a session without the second factor its credential came
//! to require, which is asked for it (OpenID Connect Core §2, §3.1.2.6).

use super::fixture::{ANA, Fixture, ORG, PASSWORD};
use super::steps::{browser_of, choice_of, claims, params_of, strings};
use crate::{Authorization, Browser, Completion, Factor, Pending, Step};
use latchkey_core::OrgId;
use latchkey_core::testing::T0;
use latchkey_notify::Language;
use latchkey_oauth::AuthorizeParams;
use time::Duration;

impl Fixture {
    /// Turns `require2fa` on (or off) for `username`, as endpoint 4 does.
    async fn require2fa(&self, username: &str, on: bool) {
        self.credentials
            .patch(
                &super::fixture::admin(),
                &OrgId::parse(ORG).unwrap(),
                username,
                true,
                Some(on),
            )
            .await
            .unwrap();
    }

    /// A new login for `params`, at its password step.
    async fn start_with(&self, params: &AuthorizeParams) -> Pending {
        match self.authorize(params, &Browser::default()).await {
            Authorization::SignIn { started, .. } => {
                self.open(&started.id, started.csrf.expose()).await
            }
            other => panic!("expected the sign-in page, got {other:?}"),
        }
    }

    /// [`ANA`]'s password for `pending`: the finished login.
    async fn password_done(&self, pending: &Pending) -> Completion {
        match self.password_step(pending, ANA, PASSWORD).await {
            Ok(Step::Done(done)) => done,
            other => panic!("expected a finished login, got {other:?}"),
        }
    }

    /// The tokens of a completion, and the claims of its access token.
    async fn access_claims(&self, done: &Completion) -> (crate::TokenSet, serde_json::Value) {
        let set = self.tokens(done).await;
        let access = claims(&set.access_token);
        (set, access)
    }
}

#[tokio::test]
async fn a_customer_access_token_says_when_how_and_in_which_session_it_signed_in() {
    let f = Fixture::new().await;
    let ana = f.ana(false).await;
    f.clock.advance(Duration::seconds(42));
    let done = f.sign_in(ANA).await;
    let (_, access) = f.access_claims(&done).await;
    assert_eq!(
        access["auth_time"],
        serde_json::json!((T0 + Duration::seconds(42)).unix_timestamp())
    );
    assert_eq!(access["amr"], serde_json::json!(["pwd"]));
    let devices = f
        .devices
        .list(&OrgId::parse(ORG).unwrap(), ana.id)
        .await
        .unwrap();
    assert_eq!(access["sid"], serde_json::json!(devices[0].id.to_string()));
}

#[tokio::test]
async fn a_refresh_repeats_the_sessions_sign_in_not_the_credentials_flag() {
    let f = Fixture::new().await;
    f.ana(false).await;
    let mut params = f.params();
    params.scope = Some("openid offline_access".to_owned());
    let pending = f.start_with(&params).await;
    let done = f.password_done(&pending).await;
    let (set, first) = f.access_claims(&done).await;
    // Turned on later: the session did not give a second factor, and the refresh says so.
    f.require2fa(ANA, true).await;
    f.clock.advance(Duration::minutes(20));
    let refreshed = f
        .grants
        .refresh(&f.shop, set.refresh_token.as_deref().unwrap(), None)
        .await
        .unwrap();
    let access = claims(&refreshed.access_token);
    assert_eq!(access["amr"], serde_json::json!(["pwd"]));
    assert_eq!(access["auth_time"], first["auth_time"]);
    assert_eq!(access["sid"], first["sid"]);
}

#[tokio::test]
async fn turning_require2fa_on_makes_a_session_ask_for_the_second_factor() {
    let f = Fixture::new().await;
    f.ana(false).await;
    let first = f.sign_in(ANA).await;
    f.require2fa(ANA, true).await;
    f.clock.advance(Duration::minutes(10));
    let answer = f.authorize(&f.params(), &browser_of(&first)).await;
    let Authorization::SecondFactor {
        started,
        totp,
        contacts,
        ..
    } = answer
    else {
        panic!("expected the second-factor page, got {answer:?}");
    };
    assert!(!totp);
    assert!(!contacts.is_empty());
    let pending = f
        .login
        .open(&started.id, started.csrf.expose(), false)
        .await
        .unwrap();
    f.login
        .send_code(&pending, choice_of(ANA), Language::En)
        .await
        .unwrap();
    let pending = f.reread(&pending).await;
    let code = f.last_code();
    let done = f.answer(&pending, Factor::Otp, &code).await.unwrap();
    let id_token = claims(f.tokens(&done).await.id_token.as_deref().unwrap());
    assert_eq!(
        id_token["amr"],
        serde_json::json!(strings(&["pwd", "otp", "mfa"]))
    );
    assert_eq!(
        id_token["auth_time"],
        serde_json::json!(T0.unix_timestamp()),
        "the password was given when the session started, not now"
    );
    // The new session has the second factor: single sign-on goes through again.
    f.clock.advance(Duration::minutes(1));
    let again = f.authorize(&f.params(), &browser_of(&done)).await;
    assert!(matches!(again, Authorization::Done(_)), "{again:?}");
}

#[tokio::test]
async fn prompt_none_answers_interaction_required_when_the_second_factor_is_missing() {
    let f = Fixture::new().await;
    f.ana(false).await;
    let first = f.sign_in(ANA).await;
    f.require2fa(ANA, true).await;
    let mut params = f.params();
    params.prompt = Some("none".to_owned());
    match f.authorize(&params, &browser_of(&first)).await {
        Authorization::Redirect { location, cause } => {
            assert!(cause.is_none());
            assert_eq!(params_of(&location)["error"], "interaction_required");
        }
        other => panic!("expected a redirect, got {other:?}"),
    }
}
