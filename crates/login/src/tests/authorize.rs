//! `/authorize` as one use case: what is refused with a page (never a redirect), what goes back
//! to the client, and when a live session signs in without asking (docs/login.md §2, §6, §12).

use super::fixture::{ANA, Fixture, ISSUER, REDIRECT, STATE, TENANT, org};
use super::steps::{browser_of, params_of};
use crate::{Authorization, Browser, LoginError};
use latchkey_tenancy::TenantName;
use time::Duration;

/// The error page a refused request shows.
fn refused(answer: Authorization) -> LoginError {
    match answer {
        Authorization::Refused(failure) => failure.error,
        other => panic!("expected an error page, got {other:?}"),
    }
}

/// Where a redirect with an error goes.
fn redirected(answer: Authorization) -> String {
    match answer {
        Authorization::Redirect { location, cause } => {
            assert!(cause.is_none(), "{cause:?}");
            location
        }
        other => panic!("expected a redirect, got {other:?}"),
    }
}

fn assert_sign_in(answer: &Authorization) {
    assert!(
        matches!(answer, Authorization::SignIn { .. }),
        "expected the sign-in page, got {answer:?}"
    );
}

#[tokio::test]
async fn an_unknown_or_missing_client_is_refused_with_a_page() {
    let f = Fixture::new().await;
    let browser = Browser::default();
    let mut params = f.params();
    params.client_id = Some("0b6c9ac5-9e2f-4a53-8d0b-0c5f1f6b3c11".to_owned());
    let error = refused(f.authorize(&params, &browser).await);
    assert!(matches!(error, LoginError::UnknownClient), "{error:?}");
    params.client_id = None;
    let error = refused(f.authorize(&params, &browser).await);
    assert!(matches!(error, LoginError::UnknownClient), "{error:?}");
}

#[tokio::test]
async fn a_client_without_a_login_grant_is_refused_with_a_page() {
    let f = Fixture::new().await;
    let mut params = f.params();
    params.client_id = Some(f.desk.id.to_string());
    let error = refused(f.authorize(&params, &Browser::default()).await);
    assert!(matches!(error, LoginError::UnknownClient), "{error:?}");
}

#[tokio::test]
async fn a_redirect_uri_not_registered_is_refused_with_a_page() {
    let f = Fixture::new().await;
    let mut params = f.params();
    for uri in [
        "https://evil.example/callback",
        "https://shop.example/callback/",
        "https://shop.example/callback?x=1",
    ] {
        params.redirect_uri = Some(uri.to_owned());
        let error = refused(f.authorize(&params, &Browser::default()).await);
        assert!(
            matches!(error, LoginError::BadRedirectUri),
            "{uri}: {error:?}"
        );
    }
}

#[tokio::test]
async fn a_disabled_tenant_is_refused_with_a_page() {
    let f = Fixture::new().await;
    f.tenants
        .put_unchecked(org(), TenantName::parse(TENANT).unwrap(), false)
        .await
        .unwrap();
    let error = refused(f.authorize(&f.params(), &Browser::default()).await);
    assert!(matches!(error, LoginError::TenantUnavailable), "{error:?}");
}

#[tokio::test]
async fn a_bad_request_of_a_trusted_client_goes_back_with_the_error() {
    let f = Fixture::new().await;
    let mut params = f.params();
    params.state = None;
    let location = redirected(f.authorize(&params, &Browser::default()).await);
    assert!(location.starts_with(&format!("{REDIRECT}?")), "{location}");
    let got = params_of(&location);
    assert_eq!(got["error"], "invalid_request");
    assert_eq!(got["iss"], ISSUER);
    assert!(!got.contains_key("state"), "{got:?}");
}

#[tokio::test]
async fn without_a_session_the_login_page_is_shown() {
    let f = Fixture::new().await;
    let mut params = f.params();
    params.login_hint = Some(ANA.to_owned());
    match f.authorize(&params, &Browser::default()).await {
        Authorization::SignIn {
            started,
            org: o,
            tenant,
            username,
        } => {
            assert_eq!(o, org());
            assert_eq!(tenant, TENANT);
            assert_eq!(username, ANA);
            // The login is stored, under the anti-forgery token the page carries.
            f.login
                .open(&started.id, started.csrf.expose(), false)
                .await
                .unwrap();
        }
        other => panic!("expected the sign-in page, got {other:?}"),
    }
}

#[tokio::test]
async fn prompt_none_without_a_session_goes_back_with_login_required() {
    let f = Fixture::new().await;
    let mut params = f.params();
    params.prompt = Some("none".to_owned());
    let location = redirected(f.authorize(&params, &Browser::default()).await);
    assert!(location.starts_with(&format!("{REDIRECT}?")), "{location}");
    let got = params_of(&location);
    assert_eq!(got["error"], "login_required");
    assert_eq!(got["state"], STATE);
    assert_eq!(got["iss"], ISSUER);
    assert!(got.contains_key("error_description"));
    assert!(!got.contains_key("code"));
}

#[tokio::test]
async fn a_live_session_signs_in_without_asking() {
    let f = Fixture::new().await;
    let ana = f.ana(false).await;
    let browser = browser_of(&f.sign_in(ANA).await);
    match f.authorize(&f.params(), &browser).await {
        Authorization::Done(done) => {
            assert!(done.session.is_none(), "the session is resumed as it is");
            let got = params_of(&done.redirect);
            assert!(done.redirect.starts_with(&format!("{REDIRECT}?")));
            assert_eq!(got["state"], STATE);
            assert_eq!(got["iss"], ISSUER);
            assert!(!got["code"].is_empty());
        }
        other => panic!("expected single sign-on, got {other:?}"),
    }
    assert_eq!(f.device_count(&ana).await, 1);
}

#[tokio::test]
async fn prompt_none_with_a_live_session_comes_back_with_a_code() {
    let f = Fixture::new().await;
    f.ana(false).await;
    let browser = browser_of(&f.sign_in(ANA).await);
    let mut params = f.params();
    params.prompt = Some("none".to_owned());
    match f.authorize(&params, &browser).await {
        Authorization::Done(done) => assert!(params_of(&done.redirect).contains_key("code")),
        other => panic!("expected single sign-on, got {other:?}"),
    }
}

#[tokio::test]
async fn prompt_login_asks_again_despite_a_live_session() {
    let f = Fixture::new().await;
    f.ana(false).await;
    let browser = browser_of(&f.sign_in(ANA).await);
    let mut params = f.params();
    params.prompt = Some("login".to_owned());
    assert_sign_in(&f.authorize(&params, &browser).await);
}

#[tokio::test]
async fn a_session_older_than_max_age_asks_again() {
    let f = Fixture::new().await;
    f.ana(false).await;
    let browser = browser_of(&f.sign_in(ANA).await);
    f.clock.advance(Duration::seconds(301));
    let mut params = f.params();
    params.max_age = Some("300".to_owned());
    assert_sign_in(&f.authorize(&params, &browser).await);
    // "More than N seconds ago": a session exactly N seconds old still counts.
    params.max_age = Some("301".to_owned());
    assert!(matches!(
        f.authorize(&params, &browser).await,
        Authorization::Done(_)
    ));
}

#[tokio::test]
async fn prompt_none_with_a_session_older_than_max_age_is_login_required() {
    let f = Fixture::new().await;
    f.ana(false).await;
    let browser = browser_of(&f.sign_in(ANA).await);
    f.clock.advance(Duration::seconds(61));
    let mut params = f.params();
    params.max_age = Some("60".to_owned());
    params.prompt = Some("none".to_owned());
    let location = redirected(f.authorize(&params, &browser).await);
    assert_eq!(params_of(&location)["error"], "login_required");
}
