//! Hardening: what a new password and a new `require2fa` do to the sessions that already exist
//! (ASVS 5.0 V7.4.3; OpenID Connect Core §2, §3.1.2.6). The attacker holds a session (a cookie,
//! a refresh token) or a magic link from before; the customer changes the password, or the
//! operator turns the second factor on.

use crate::hardening_tokens::{
    ANA, ORG, PASSWORD, access, app, authorize_url, claims, enroll, refresh, server_with_ana,
    sign_in, tokens_of,
};
use crate::login::Browser;
use crate::second_factors::{now, totp};
use actix_web::http::StatusCode;
use latchkey_tests::{TestServer, credential_path};
use serde_json::json;

const NEW_PASSWORD: &str = "an entirely different passphrase";

/// A magic link of ana, minted by a service.
async fn magic_link(server: &TestServer, admin: &str) -> String {
    let answer = server
        .get(&format!("/v1/orgs/{ORG}/magiclinks?username={ANA}"), admin)
        .await
        .expect_json(200);
    answer["token"].as_str().unwrap().to_owned()
}

fn magic_path(token: &str) -> String {
    format!(
        "/magiclink?{}",
        serde_urlencoded::to_string([("token", token)]).unwrap()
    )
}

/// What the attacker kept: two devices with refresh tokens and session cookies, a magic link.
struct Loot {
    browsers: Vec<Browser>,
    refresh_tokens: Vec<String>,
    magic: String,
}

async fn loot(server: &TestServer, admin: &str, app: &crate::hardening_tokens::App) -> Loot {
    let mut browsers = Vec::new();
    let mut refresh_tokens = Vec::new();
    for _ in 0..2 {
        let mut browser = Browser::new(server);
        let tokens = sign_in(server, &mut browser, app, Some("openid offline_access")).await;
        refresh_tokens.push(tokens["refresh_token"].as_str().unwrap().to_owned());
        browsers.push(browser);
    }
    Loot {
        browsers,
        refresh_tokens,
        magic: magic_link(server, admin).await,
    }
}

/// Nothing the attacker kept works any more: no refresh, no single sign-on, no magic link.
async fn assert_nothing_left(
    server: &TestServer,
    app: &crate::hardening_tokens::App,
    loot: &mut Loot,
) {
    for token in &loot.refresh_tokens {
        let refused = refresh(server, app, token).await;
        assert_eq!(refused.expect_oauth_error(400), "invalid_grant");
    }
    for browser in &mut loot.browsers {
        let page = browser.get(&authorize_url(app, Some("openid"), &[])).await;
        assert_eq!(
            page.status,
            StatusCode::OK,
            "the login page: the session is over"
        );
    }
    let mut stranger = Browser::new(server);
    let link = stranger.get(&magic_path(&loot.magic)).await;
    assert_eq!(link.status, StatusCode::BAD_REQUEST, "{}", link.body);
}

#[actix_rt::test]
async fn a_password_changed_knowing_the_old_one_ends_every_session_refresh_token_and_magic_link() {
    let (server, admin) = server_with_ana().await;
    let app = app(&server, &admin).await;
    let mut loot = loot(&server, &admin, &app).await;
    let change = json!({"username": ANA, "old_password": PASSWORD, "new_password": NEW_PASSWORD});
    let changed = server
        .call(
            "POST",
            &format!("/v1/orgs/{ORG}/flows/change_password"),
            Some(&admin),
            Some(&change),
        )
        .await;
    assert_eq!(changed.code(), 204, "{}", changed.text());
    assert_nothing_left(&server, &app, &mut loot).await;
    let devices = server
        .get(&format!("{}/devices", credential_path(ORG, ANA)), &admin)
        .await
        .expect_json(200);
    assert_eq!(devices["devices"], json!([]));
}

#[actix_rt::test]
async fn a_password_set_with_a_change_token_ends_every_session_refresh_token_and_magic_link() {
    let (server, admin) = server_with_ana().await;
    let app = app(&server, &admin).await;
    let mut loot = loot(&server, &admin, &app).await;
    let path = credential_path(ORG, ANA);
    let issued = server
        .call(
            "POST",
            &format!("{path}/change_password"),
            Some(&admin),
            None,
        )
        .await
        .expect_json(201);
    let set = json!({"password": NEW_PASSWORD, "token": issued["token"]});
    let answer = server.call("PUT", &path, Some(&admin), Some(&set)).await;
    assert_eq!(answer.code(), 204, "{}", answer.text());
    assert_nothing_left(&server, &app, &mut loot).await;
    // The new password signs in as ever.
    let mut browser = Browser::new(&server);
    let page = browser.get(&authorize_url(&app, Some("openid"), &[])).await;
    let done = browser.sign_in(&page, ANA, NEW_PASSWORD).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
}

/// The operator turns `require2fa` on: a session that never gave the second factor is asked for
/// it at its next authorization (no silent single sign-on), `prompt=none` answers
/// `interaction_required`, and a refresh of that session says `amr` `pwd`, what happened.
#[actix_rt::test]
async fn turning_require2fa_on_makes_an_existing_session_give_the_second_factor() {
    let (server, admin) = server_with_ana().await;
    let secret = enroll(&server, &admin).await;
    let app = app(&server, &admin).await;
    let mut browser = Browser::new(&server);
    let before = sign_in(&server, &mut browser, &app, Some("openid offline_access")).await;
    let patch = json!({"enabled": true, "require2fa": true});
    let patched = server
        .call(
            "PATCH",
            &credential_path(ORG, ANA),
            Some(&admin),
            Some(&patch),
        )
        .await;
    assert_eq!(patched.code(), 204);

    let silent = browser
        .get(&authorize_url(&app, Some("openid"), &[("prompt", "none")]))
        .await;
    assert_eq!(silent.status, StatusCode::FOUND, "{}", silent.body);
    assert_eq!(silent.redirect_params()["error"], "interaction_required");

    let refreshed = refresh(&server, &app, before["refresh_token"].as_str().unwrap())
        .await
        .expect_json(200);
    assert_eq!(claims(&access(&refreshed))["amr"], json!(["pwd"]));

    let factor = browser.get(&authorize_url(&app, Some("openid"), &[])).await;
    assert_eq!(factor.status, StatusCode::OK, "{}", factor.body);
    assert!(
        factor.body.contains("autocomplete=\"one-time-code\""),
        "the second-factor page, not a code for the client: {}",
        factor.body
    );
    let (tx, csrf) = (factor.hidden("tx"), factor.hidden("csrf"));
    // The code of the next step: the enrollment used this one.
    let code = totp(&secret, now() + 30);
    let done = browser
        .post(
            "/login/factor",
            &[
                ("tx", &tx),
                ("csrf", &csrf),
                ("method", "totp"),
                ("code", &code),
            ],
        )
        .await;
    let tokens = tokens_of(&server, &app, &done).await;
    let signed_in = claims(&access(&tokens));
    assert_eq!(signed_in["amr"], json!(["pwd", "otp", "mfa"]));
    assert_eq!(
        signed_in["auth_time"],
        claims(&access(&before))["auth_time"],
        "the password was given when the session started"
    );
    // The new session has its second factor: single sign-on again, without a page.
    let again = browser.get(&authorize_url(&app, Some("openid"), &[])).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
}
