//! Magic links: alone they sign the browser in and land; with a login pending in the browser
//! they stand for its password (docs/login.md §11a).

use super::fixture::{ANA, Fixture, REDIRECT, Setup, TENANT, org};
use super::steps::{agent, params_of, strings};
use crate::{Browser, LoginError, MagicLink, MagicOutcome, Step};
use latchkey_notify::TemplateId;

const LANDING: &str = "https://yoigo.example/welcome";

impl Fixture {
    async fn open_link(&self, token: &str, browser: &Browser) -> MagicLink {
        self.login.magic_link(token, agent(browser)).await.unwrap()
    }
}

#[tokio::test]
async fn a_link_alone_signs_in_on_a_new_device_and_lands() {
    let f = Fixture::with(Setup {
        landing: Some(LANDING),
        ..Setup::default()
    })
    .await;
    let ana = f.ana(false).await;
    let token = f.magic_token(ANA).await;
    let link = f.open_link(&token, &Browser::default()).await;
    assert_eq!(link.tenant, TENANT);
    let MagicOutcome::Landing(done) = link.outcome else {
        panic!("expected the landing URL, got {:?}", link.outcome);
    };
    assert_eq!(done.redirect, LANDING);
    assert!(done.session.is_some());
    assert_eq!(f.device_count(&ana).await, 1);
    assert_eq!(f.sent(TemplateId::NewDevice).len(), 1);
}

#[tokio::test]
async fn a_link_alone_without_a_landing_url_says_signed_in() {
    let f = Fixture::new().await;
    let ana = f.ana(false).await;
    let token = f.magic_token(ANA).await;
    let link = f.open_link(&token, &Browser::default()).await;
    let MagicOutcome::SignedIn(done) = link.outcome else {
        panic!("expected 'you are signed in', got {:?}", link.outcome);
    };
    assert_eq!(done.redirect, "");
    assert!(done.session.is_some());
    assert_eq!(f.device_count(&ana).await, 1);
}

#[tokio::test]
async fn a_link_is_used_once() {
    let f = Fixture::new().await;
    f.ana(false).await;
    let token = f.magic_token(ANA).await;
    f.open_link(&token, &Browser::default()).await;
    let again = f.login.magic_link(&token, agent(&Browser::default())).await;
    match again {
        Err(failure) => assert!(matches!(failure.error, LoginError::BadLink), "{failure:?}"),
        Ok(link) => panic!("used twice: {link:?}"),
    }
}

#[tokio::test]
async fn a_link_of_a_disabled_credential_is_refused() {
    let f = Fixture::new().await;
    let ana = f.ana(false).await;
    let token = f.magic_token(ANA).await;
    f.set_enabled(ANA, false).await;
    match f.login.magic_link(&token, agent(&Browser::default())).await {
        Err(failure) => assert!(matches!(failure.error, LoginError::Disabled), "{failure:?}"),
        Ok(link) => panic!("signed in: {link:?}"),
    }
    assert_eq!(f.device_count(&ana).await, 0);
}

#[tokio::test]
async fn a_link_continues_the_login_pending_in_the_browser_with_amr_email() {
    let f = Fixture::new().await;
    let ana = f.ana(false).await;
    let started = f.begin().await;
    let browser = Browser::default().with_pending(org(), &started.id);
    let token = f.magic_token(ANA).await;
    let link = f.open_link(&token, &browser).await;
    let MagicOutcome::Done(done) = link.outcome else {
        panic!(
            "expected the way back to the client, got {:?}",
            link.outcome
        );
    };
    assert!(done.redirect.starts_with(&format!("{REDIRECT}?")));
    assert!(params_of(&done.redirect).contains_key("code"));
    assert_eq!(f.device_count(&ana).await, 1);
    // The pending login is finished.
    assert!(
        f.login
            .open(&started.id, started.csrf.expose(), false)
            .await
            .is_err()
    );
    assert_eq!(f.amr(&done).await, strings(&["email"]));
}

#[tokio::test]
async fn with_require2fa_a_link_leads_the_pending_login_to_the_second_factor() {
    let f = Fixture::new().await;
    let ana = f.ana(true).await;
    let started = f.begin().await;
    let browser = Browser::default().with_pending(org(), &started.id);
    let token = f.magic_token(ANA).await;
    let link = f.open_link(&token, &browser).await;
    let MagicOutcome::SecondFactor { id, csrf, step, .. } = link.outcome else {
        panic!("expected the second factor, got {:?}", link.outcome);
    };
    assert_eq!(id, started.id);
    assert_eq!(csrf.expose(), started.csrf.expose());
    assert!(
        matches!(&step, Step::SecondFactor { totp: false, contacts } if contacts.len() == 2),
        "{step:?}"
    );
    assert_eq!(f.device_count(&ana).await, 0);

    let pending = f.login.open(&id, csrf.expose(), false).await.unwrap();
    let done = f.by_code(&pending, ANA).await.unwrap();
    assert_eq!(f.device_count(&ana).await, 1);
    assert_eq!(f.amr(&done).await, strings(&["email", "otp", "mfa"]));
}

#[tokio::test]
async fn with_require2fa_and_no_pending_login_the_customer_is_sent_to_the_app() {
    let f = Fixture::new().await;
    let ana = f.ana(true).await;
    let token = f.magic_token(ANA).await;
    let link = f.open_link(&token, &Browser::default()).await;
    assert!(
        matches!(link.outcome, MagicOutcome::NeedsApp),
        "{:?}",
        link.outcome
    );
    assert_eq!(f.device_count(&ana).await, 0);
    assert!(f.sent(TemplateId::NewDevice).is_empty());
}

/// Login CSRF (ASVS V3.5.3): the page of a link says whom it signs in, masked, and uses nothing.
#[tokio::test]
async fn the_offer_names_the_account_masked_and_uses_nothing() {
    let f = Fixture::new().await;
    f.ana(false).await;
    let token = f.magic_token(ANA).await;
    let offer = f
        .login
        .magic_link_offer(&token, agent(&Browser::default()))
        .await
        .unwrap();
    assert_eq!(offer.masked, "a•••@example.com");
    assert_eq!(offer.tenant, TENANT);
    // The link still signs in.
    f.open_link(&token, &Browser::default()).await;
}

/// A link never finishes a login pending in the browser for someone else (its `login_hint`),
/// and is not used up when refused.
#[tokio::test]
async fn a_link_never_continues_a_login_pending_for_another_customer() {
    let f = Fixture::new().await;
    f.ana(false).await;
    f.customer("bea@example.com", None, false).await;
    let params = latchkey_oauth::AuthorizeParams {
        login_hint: Some(ANA.to_owned()),
        ..f.params()
    };
    let crate::Authorization::SignIn { started, .. } =
        f.authorize(&params, &Browser::default()).await
    else {
        panic!("expected the sign-in page");
    };
    let browser = Browser::default().with_pending(org(), &started.id);
    let beas = f.magic_token("bea@example.com").await;
    for refused in [
        f.login.magic_link_offer(&beas, agent(&browser)).await.err(),
        f.login.magic_link(&beas, agent(&browser)).await.err(),
    ] {
        let error = refused.map(|failure| failure.error);
        assert!(
            matches!(error, Some(LoginError::OtherCustomer)),
            "{error:?}"
        );
    }
    // Unused: it signs bea in elsewhere; ana's own link continues her login.
    f.open_link(&beas, &Browser::default()).await;
    let hers = f.magic_token(ANA).await;
    let link = f.open_link(&hers, &browser).await;
    assert!(
        matches!(link.outcome, MagicOutcome::Done(_)),
        "{:?}",
        link.outcome
    );
}

/// A link never replaces the live session of another customer in the browser.
#[tokio::test]
async fn a_link_never_replaces_another_customers_session() {
    let f = Fixture::new().await;
    f.ana(false).await;
    f.customer("bea@example.com", None, false).await;
    let done = f.sign_in(ANA).await;
    let browser = super::steps::browser_of(&done);
    let beas = f.magic_token("bea@example.com").await;
    let refused = f.login.magic_link(&beas, agent(&browser)).await.err();
    let error = refused.map(|failure| failure.error);
    assert!(
        matches!(error, Some(LoginError::OtherCustomer)),
        "{error:?}"
    );
}
