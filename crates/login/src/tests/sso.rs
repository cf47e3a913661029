//! Single sign-on with the browser's device session: only for a live, enabled credential; a
//! new login replaces the session (docs/login.md §6).

use super::fixture::{ANA, Fixture, PASSWORD, Setup, org};
use super::steps::{agent, browser_of, params_of, password};
use crate::{Authorization, Step};
use latchkey_notify::TemplateId;

#[tokio::test]
async fn a_disabled_credential_gets_the_sign_in_page_and_its_session_is_gone() {
    let f = Fixture::new().await;
    let ana = f.ana(false).await;
    let done = f.sign_in(ANA).await;
    let browser = browser_of(&done);
    assert_eq!(f.device_count(&ana).await, 1);

    f.set_enabled(ANA, false).await;

    let answer = f.authorize(&f.params(), &browser).await;
    assert!(
        matches!(answer, Authorization::SignIn { .. }),
        "expected the sign-in page, got {answer:?}"
    );
    // Disabling ended the device session in the same step.
    assert_eq!(f.device_count(&ana).await, 0);
    let cookie = &done.session.as_ref().unwrap().value.0;
    assert!(f.devices.resume(&org(), cookie).await.unwrap().is_none());
    // Enabled again, the old session does not come back.
    f.set_enabled(ANA, true).await;
    let answer = f.authorize(&f.params(), &browser).await;
    assert!(matches!(answer, Authorization::SignIn { .. }), "{answer:?}");
}

#[tokio::test]
async fn a_session_left_behind_by_a_disabled_credential_does_not_sign_in() {
    // Devices not tied to the credentials: the session outlives the disable, and the login's
    // own check of the credential must refuse it.
    let f = Fixture::with(Setup {
        loose_devices: true,
        ..Setup::default()
    })
    .await;
    let ana = f.ana(false).await;
    let browser = browser_of(&f.sign_in(ANA).await);
    f.set_enabled(ANA, false).await;
    assert_eq!(f.device_count(&ana).await, 1);
    let answer = f.authorize(&f.params(), &browser).await;
    assert!(
        matches!(answer, Authorization::SignIn { .. }),
        "expected the sign-in page, got {answer:?}"
    );
    let mut params = f.params();
    params.prompt = Some("none".to_owned());
    match f.authorize(&params, &browser).await {
        Authorization::Redirect { location, .. } => {
            assert_eq!(params_of(&location)["error"], "login_required");
        }
        other => panic!("expected login_required, got {other:?}"),
    }
}

#[tokio::test]
async fn a_new_login_replaces_the_browsers_session_without_a_second_notice() {
    let f = Fixture::new().await;
    let ana = f.ana(false).await;
    let first = f.sign_in(ANA).await;
    let browser = browser_of(&first);
    assert_eq!(f.sent(TemplateId::NewDevice).len(), 1);

    let mut params = f.params();
    params.prompt = Some("login".to_owned());
    let started = match f.authorize(&params, &browser).await {
        Authorization::SignIn { started, .. } => started,
        other => panic!("expected the sign-in page, got {other:?}"),
    };
    let pending = f.open(&started.id, started.csrf.expose()).await;
    let step = f
        .login
        .password(&pending, ANA, &password(PASSWORD), agent(&browser))
        .await
        .unwrap();
    let Step::Done(second) = step else {
        panic!("expected a finished login, got {step:?}");
    };

    assert_eq!(f.device_count(&ana).await, 1, "the old session ended");
    let old = &first.session.as_ref().unwrap().value.0;
    assert!(f.devices.resume(&org(), old).await.unwrap().is_none());
    let new = &second.session.as_ref().unwrap().value.0;
    assert!(f.devices.resume(&org(), new).await.unwrap().is_some());
    // The same customer's browser: not a new device.
    assert_eq!(f.sent(TemplateId::NewDevice).len(), 1);
}
