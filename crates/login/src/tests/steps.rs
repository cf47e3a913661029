//! What a test does through a [`Fixture`]: customers it creates, the steps it drives as the
//! login pages would (each form opens its login again), and readings of what they produced:
//! redirects, tokens, devices, messages.

use super::fixture::{
    ADDRESS, ANA, ANA_MSISDN, Fixture, PASSWORD, REDIRECT, STATE, USER_AGENT, admin, org,
};
use crate::{
    Agent, Authorization, Browser, Completion, Factor, LoginError, Pending, Started, Step, TokenSet,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_core::ExposeSecret as _;
use latchkey_credential::{Credential, CredentialAttrs, Password};
use latchkey_notify::{Language, Message, TemplateId};
use latchkey_oauth::AuthorizeParams;
use std::collections::BTreeMap;
use std::fmt::Debug;
use time::Duration;

/// A customer at [`ADDRESS`] with `browser`.
pub(super) fn agent(browser: &Browser) -> Agent<'_> {
    Agent {
        address: ADDRESS,
        user_agent: USER_AGENT,
        language: Language::En,
        browser,
    }
}

pub(super) fn password(raw: &str) -> Password {
    Password::new(raw)
}

/// The browser after `done`: it holds the new device session.
pub(super) fn browser_of(done: &Completion) -> Browser {
    let session = done.session.as_ref().unwrap();
    Browser::default().with_session(done.org.clone(), &session.value.0)
}

/// The parameters of a redirect (query or fragment).
pub(super) fn params_of(location: &str) -> BTreeMap<String, String> {
    let (_, params) = location.split_once(['?', '#']).unwrap();
    serde_urlencoded::from_str(params).unwrap()
}

/// The claims of a JWT, read without verifying it.
pub(super) fn claims(jwt: &str) -> serde_json::Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

pub(super) fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// The seconds of a `Throttled` refusal; panics on anything else.
pub(super) fn retry_after<T: Debug>(result: Result<T, LoginError>) -> i64 {
    match result {
        Err(LoginError::Throttled { retry_after }) => retry_after.whole_seconds(),
        other => panic!("expected Throttled, got {other:?}"),
    }
}

pub(super) fn seconds(n: i64) -> Duration {
    Duration::seconds(n)
}

impl Fixture {
    /// An active customer with [`PASSWORD`].
    pub async fn customer(
        &self,
        username: &str,
        msisdn: Option<&str>,
        require2fa: bool,
    ) -> Credential {
        let org = org();
        let attrs = CredentialAttrs::parse(None, None, msisdn).unwrap();
        let token = self
            .credentials
            .create(&admin(), &org, username, attrs)
            .await
            .unwrap();
        self.credentials
            .set_password(
                &admin(),
                &org,
                username,
                token.expose(),
                &password(PASSWORD),
            )
            .await
            .unwrap();
        self.credentials
            .patch(&admin(), &org, username, true, Some(require2fa))
            .await
            .unwrap()
    }

    /// [`ANA`], with her MSISDN.
    pub async fn ana(&self, require2fa: bool) -> Credential {
        self.customer(ANA, Some(ANA_MSISDN), require2fa).await
    }

    /// Disables (or enables) a customer through the credential service (endpoint 4).
    pub async fn set_enabled(&self, username: &str, enabled: bool) {
        self.credentials
            .patch(&admin(), &org(), username, enabled, None)
            .await
            .unwrap();
    }

    /// A request of the web shop for `openid devices`, with PKCE (S256, [`CHALLENGE`]).
    pub fn params(&self) -> AuthorizeParams {
        AuthorizeParams {
            client_id: Some(self.shop.id.to_string()),
            response_type: Some("code".to_owned()),
            redirect_uri: Some(REDIRECT.to_owned()),
            state: Some(STATE.to_owned()),
            scope: Some("openid devices".to_owned()),
            nonce: Some("n-0S6_WzA2Mj".to_owned()),
            code_challenge: Some(CHALLENGE.to_owned()),
            code_challenge_method: Some("S256".to_owned()),
            ..AuthorizeParams::default()
        }
    }

    pub async fn authorize(&self, params: &AuthorizeParams, browser: &Browser) -> Authorization {
        self.login.authorize(params, agent(browser)).await
    }

    /// A new login of the web shop at its password step, opened as the password form opens it.
    pub async fn start(&self) -> Pending {
        match self.authorize(&self.params(), &Browser::default()).await {
            Authorization::SignIn { started, .. } => {
                self.open(&started.id, started.csrf.expose()).await
            }
            other => panic!("expected the sign-in page, got {other:?}"),
        }
    }

    /// The login `id` as a form names it again (taken, as the password form takes it).
    pub async fn open(&self, id: &str, csrf: &str) -> Pending {
        self.login.open(id, csrf, true).await.unwrap()
    }

    /// The same login, read again (as the second-factor forms read it).
    pub async fn reread(&self, pending: &Pending) -> Pending {
        self.login
            .open(&pending.id, pending.tx.csrf(), false)
            .await
            .unwrap()
    }

    /// The password step with `secret` from a fresh browser at [`ADDRESS`].
    pub async fn password_step(
        &self,
        pending: &Pending,
        username: &str,
        secret: &str,
    ) -> Result<Step, LoginError> {
        self.login
            .password(
                pending,
                username,
                &password(secret),
                agent(&Browser::default()),
            )
            .await
    }

    /// A whole password login of `username` (no second factor): the completion.
    pub async fn sign_in(&self, username: &str) -> Completion {
        let pending = self.start().await;
        match self.password_step(&pending, username, PASSWORD).await {
            Ok(Step::Done(done)) => done,
            other => panic!("expected a finished login, got {other:?}"),
        }
    }

    /// A login of `username` past its password, waiting for the second factor.
    pub async fn at_second_factor(&self, username: &str) -> Pending {
        let pending = self.start().await;
        match self.password_step(&pending, username, PASSWORD).await {
            Ok(Step::SecondFactor { .. }) => self.reread(&pending).await,
            other => panic!("expected the second factor, got {other:?}"),
        }
    }

    /// Sends a one-time code to `hint` (ana's address or MSISDN) and answers the login with it.
    pub async fn by_code(&self, pending: &Pending, hint: &str) -> Result<Completion, LoginError> {
        self.login
            .send_code(pending, choice_of(hint), Language::En)
            .await
            .unwrap();
        let pending = self.reread(pending).await;
        let code = self.last_code();
        self.answer(&pending, Factor::Otp, &code).await
    }

    /// The second-factor form with `code`.
    pub async fn answer(
        &self,
        pending: &Pending,
        factor: Factor,
        code: &str,
    ) -> Result<Completion, LoginError> {
        self.login
            .second_factor(pending, factor, code, agent(&Browser::default()))
            .await
    }

    /// Enrolls and activates a TOTP authenticator for `username`, then lets its step pass
    /// (a step is accepted once).
    pub async fn enroll_totp(&self, username: &str) {
        self.factors
            .enroll_totp(&admin(), &org(), username)
            .await
            .unwrap();
        let code = self.totp_code(username).await;
        self.factors
            .check_totp(&admin(), &org(), username, &code)
            .await
            .unwrap();
        self.clock.advance(seconds(30));
    }

    /// The authenticator's code now.
    pub async fn totp_code(&self, username: &str) -> String {
        let passcode = self
            .factors
            .totp_passcode(&admin(), &org(), username)
            .await
            .unwrap();
        passcode.code.expose_secret().to_owned()
    }

    /// A magic-link token for `username`.
    pub async fn magic_token(&self, username: &str) -> String {
        let token = self
            .credentials
            .magic_link(&admin(), &org(), Some(username))
            .await
            .unwrap();
        token.expose().to_owned()
    }

    /// The login page of a new login of the web shop (the login stays in the store).
    pub async fn begin(&self) -> Started {
        match self.authorize(&self.params(), &Browser::default()).await {
            Authorization::SignIn { started, .. } => started,
            other => panic!("expected the sign-in page, got {other:?}"),
        }
    }

    /// The tokens the completion's code is exchanged for.
    pub async fn tokens(&self, done: &Completion) -> TokenSet {
        let code = params_of(&done.redirect)["code"].clone();
        self.grants
            .exchange_code(&self.shop, &code, Some(REDIRECT), Some(VERIFIER))
            .await
            .unwrap()
    }

    /// The `amr` of the ID token the completion's code is exchanged for.
    pub async fn amr(&self, done: &Completion) -> Vec<String> {
        let set = self.tokens(done).await;
        let id_token = claims(set.id_token.as_deref().unwrap());
        serde_json::from_value(id_token["amr"].clone()).unwrap()
    }

    /// How many live device sessions `credential` has.
    pub async fn device_count(&self, credential: &Credential) -> usize {
        self.devices
            .list(&org(), credential.id)
            .await
            .unwrap()
            .len()
    }

    /// The messages of one template sent so far, oldest first.
    pub fn sent(&self, template: TemplateId) -> Vec<Message> {
        self.outbox
            .sent()
            .into_iter()
            .map(|(message, _)| message)
            .filter(|m| m.template == template)
            .collect()
    }

    /// The last one-time code sent.
    pub fn last_code(&self) -> String {
        let codes = self.sent(TemplateId::OtpCode);
        codes.last().unwrap().params.get("code").unwrap().clone()
    }
}

/// The PKCE pair of every request (RFC 7636 Appendix B).
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// The page's choice id of one of ana's contacts: her e-mail username first, then her MSISDN
/// (the page never names an address).
pub fn choice_of(address: &str) -> &'static str {
    if address == super::fixture::ANA_MSISDN {
        "c2"
    } else {
        "c1"
    }
}
