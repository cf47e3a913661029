//! CIBA's customer side and the client's polls: the approval is a login as the request's
//! customer only; the tokens are given exactly once (docs/login.md §11b).

use super::fixture::{ANA, BEA, Fixture, PASSWORD};
use super::steps::{claims, seconds, strings};
use crate::{BackchannelStarted, LoginError, Pending, Step};
use latchkey_notify::TemplateId;
use latchkey_oauth::TokenError;

impl Fixture {
    /// The desk asks to sign `username` in; answers the request and the approval login.
    async fn ciba_request(&self, username: &str) -> (BackchannelStarted, Pending) {
        let started = self
            .backchannel
            .start(
                &self.desk,
                Some(username),
                Some("openid devices"),
                Some("BX-42"),
            )
            .await
            .unwrap();
        let prompt = self.login.start_ciba(&started.auth_req_id).await.unwrap();
        assert_eq!(prompt.binding_message.as_deref(), Some("BX-42"));
        assert_eq!(prompt.client_name, "call-centre desk");
        assert_eq!(prompt.username, username);
        let pending = self
            .open(&prompt.started.id, prompt.started.csrf.expose())
            .await;
        (started, pending)
    }

    /// The approval login signed in as `username`: the consent token.
    async fn consent_as(&self, pending: &Pending, username: &str) -> String {
        match self.password_step(pending, username, PASSWORD).await {
            Ok(Step::Done(done)) => {
                assert_eq!(done.redirect, "");
                assert!(done.session.is_none(), "an approval starts no session");
                done.ciba_consent.unwrap().expose().to_owned()
            }
            other => panic!("expected a consent token, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_customer_is_sent_the_binding_message_and_a_link() {
    let f = Fixture::new().await;
    f.ana(false).await;
    let started = f
        .backchannel
        .start(&f.desk, Some(ANA), Some("openid"), Some("BX-42"))
        .await
        .unwrap();
    assert_eq!(started.expires_in, 120);
    assert_eq!(started.interval, 5);
    let sent = f.sent(TemplateId::CibaRequest);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].recipient, ANA);
    assert_eq!(sent[0].params["binding_message"], "BX-42");
    let link = &sent[0].params["link"];
    assert!(
        link.ends_with(&format!("/ciba?id={}", started.auth_req_id)),
        "{link}"
    );
}

#[tokio::test]
async fn signing_in_as_another_account_is_refused() {
    let f = Fixture::new().await;
    f.ana(false).await;
    let bea = f.customer(BEA, None, false).await;
    let (started, pending) = f.ciba_request(ANA).await;
    let result = f.password_step(&pending, BEA, PASSWORD).await;
    assert!(
        matches!(result, Err(LoginError::WrongAccount)),
        "{result:?}"
    );
    assert_eq!(f.device_count(&bea).await, 0);
    // The request still waits for its customer, who may yet sign in.
    let poll = f.backchannel.poll(&f.desk, &started.auth_req_id).await;
    assert!(
        matches!(poll, Err(TokenError::AuthorizationPending)),
        "{poll:?}"
    );
    let pending = f.open(&pending.id, pending.tx.csrf()).await;
    f.consent_as(&pending, ANA).await;
}

#[tokio::test]
async fn the_right_account_approves_and_the_poll_gives_tokens_exactly_once() {
    let f = Fixture::new().await;
    let ana = f.ana(false).await;
    let (started, pending) = f.ciba_request(ANA).await;
    let id = &started.auth_req_id;
    let consent = f.consent_as(&pending, ANA).await;
    assert_eq!(f.device_count(&ana).await, 0);

    let poll = f.backchannel.poll(&f.desk, id).await;
    assert!(
        matches!(poll, Err(TokenError::AuthorizationPending)),
        "{poll:?}"
    );
    assert!(f.login.ciba_decide(&consent, true).await.unwrap());
    f.clock.advance(seconds(5));

    let set = f.backchannel.poll(&f.desk, id).await.unwrap();
    let id_token = claims(set.id_token.as_deref().unwrap());
    assert_eq!(id_token["sub"], ana.id.to_string());
    assert_eq!(id_token["aud"], f.desk.id.as_str());
    assert_eq!(id_token["amr"], serde_json::json!(strings(&["pwd"])));
    assert!(
        set.refresh_token.is_none(),
        "offline_access was not asked for"
    );

    f.clock.advance(seconds(5));
    let again = f.backchannel.poll(&f.desk, id).await;
    assert!(
        matches!(again, Err(TokenError::InvalidGrant(_))),
        "{again:?}"
    );
}

#[tokio::test]
async fn a_consent_token_decides_once() {
    let f = Fixture::new().await;
    f.ana(false).await;
    let (_, pending) = f.ciba_request(ANA).await;
    let consent = f.consent_as(&pending, ANA).await;
    assert!(f.login.ciba_decide(&consent, false).await.unwrap());
    let again = f.login.ciba_decide(&consent, true).await;
    assert!(matches!(again, Err(LoginError::Expired)), "{again:?}");
}

#[tokio::test]
async fn a_denial_is_what_the_poll_answers() {
    let f = Fixture::new().await;
    f.ana(false).await;
    let (started, pending) = f.ciba_request(ANA).await;
    let consent = f.consent_as(&pending, ANA).await;
    assert!(f.login.ciba_decide(&consent, false).await.unwrap());
    let poll = f.backchannel.poll(&f.desk, &started.auth_req_id).await;
    assert!(matches!(poll, Err(TokenError::AccessDenied)), "{poll:?}");
}

#[tokio::test]
async fn an_approval_with_a_second_factor_says_so_in_the_amr() {
    let f = Fixture::new().await;
    f.ana(true).await;
    let (started, pending) = f.ciba_request(ANA).await;
    let step = f.password_step(&pending, ANA, PASSWORD).await;
    assert!(matches!(step, Ok(Step::SecondFactor { .. })), "{step:?}");
    let pending = f.reread(&pending).await;
    let done = f.by_code(&pending, ANA).await.unwrap();
    let consent = done.ciba_consent.unwrap();
    assert!(f.login.ciba_decide(consent.expose(), true).await.unwrap());
    let set = f
        .backchannel
        .poll(&f.desk, &started.auth_req_id)
        .await
        .unwrap();
    let id_token = claims(set.id_token.as_deref().unwrap());
    assert_eq!(
        id_token["amr"],
        serde_json::json!(strings(&["pwd", "otp", "mfa"]))
    );
}
