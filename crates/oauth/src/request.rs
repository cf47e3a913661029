//! A request to `/authorize`, checked against the client's registration.

use crate::{AuthorizeError, CodeChallenge, RedirectError};
use latchkey_core::OrgId;
use latchkey_tenancy::{ApiClient, Grant, Scope, ScopeSet};
use serde::{Deserialize, Serialize};

/// The query of `/authorize`, as received.
#[derive(Debug, Clone, Default)]
pub struct AuthorizeParams {
    pub client_id: Option<String>,
    pub response_type: Option<String>,
    pub redirect_uri: Option<String>,
    pub state: Option<String>,
    pub scope: Option<String>,
    pub nonce: Option<String>,
    pub login_hint: Option<String>,
    pub groups_hint: Option<String>,
    pub access_type: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub ui_locales: Option<String>,
    pub prompt: Option<String>,
    pub max_age: Option<String>,
}

/// What the client wants back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResponseType {
    /// An authorization code in the query (RFC 6749 §4.1).
    Code,
    /// An access token in the fragment (RFC 6749 §4.2).
    Token,
}

/// A checked authorization request: everything a login needs to finish it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthRequest {
    pub client_id: String,
    pub org: OrgId,
    pub redirect_uri: String,
    /// The request named `redirect_uri` (then the token request must name it too).
    #[serde(default = "given")]
    pub redirect_uri_given: bool,
    pub response_type: ResponseType,
    pub state: String,
    /// Space-delimited, canonical order.
    pub scope: String,
    pub nonce: Option<String>,
    pub challenge: Option<CodeChallenge>,
    /// A refresh token is wanted (`access_type=offline` or the `offline_access` scope) and
    /// the client may have one.
    pub offline: bool,
    pub login_hint: Option<String>,
    /// `prompt=login`: sign in again even with a live session.
    pub force_login: bool,
    /// `prompt=none`: never show a page.
    pub no_prompt: bool,
    /// `max_age` in seconds: a session older than that signs in again.
    pub max_age: Option<i64>,
    /// The first of `ui_locales`, when given.
    pub ui_locales: Option<String>,
    /// A login that approves a backchannel request (its `auth_req_id`) instead of returning a
    /// code to the client.
    #[serde(default)]
    pub ciba: Option<String>,
}

fn given() -> bool {
    true
}

/// Longest `state` and `nonce` accepted (they travel in URLs and tokens).
const MAX_PARAM: usize = 512;

impl AuthRequest {
    /// The scopes of the request.
    pub fn scopes(&self) -> ScopeSet {
        ScopeSet::parse_space_delimited(&self.scope).unwrap_or_default()
    }

    /// Checks the client and the redirect URI first: errors of those are never redirected.
    /// `client` is the client `params.client_id` names, if any.
    pub fn validate(
        params: &AuthorizeParams,
        client: Option<&ApiClient>,
    ) -> Result<Self, AuthorizeError> {
        let client = client.ok_or(AuthorizeError::UnknownClient)?;
        let grants = &client.grants;
        if !grants.contains(Grant::AuthorizationCode) && !grants.contains(Grant::Implicit) {
            return Err(AuthorizeError::NotALoginClient);
        }
        let org = client
            .login_org()
            .cloned()
            .ok_or(AuthorizeError::NotALoginClient)?;
        let redirect_uri = match params.redirect_uri.as_deref() {
            Some(uri) if client.has_redirect_uri(uri) => uri.to_owned(),
            Some(_) => return Err(AuthorizeError::BadRedirectUri),
            // Absent: only when exactly one is registered (RFC 6749 §3.1.2.3).
            None => match client.login.redirect_uris.as_slice() {
                [only] => only.as_str().to_owned(),
                _ => return Err(AuthorizeError::BadRedirectUri),
            },
        };
        Ok(Self::check_rest(params, client, org, redirect_uri)?)
    }

    fn check_rest(
        params: &AuthorizeParams,
        client: &ApiClient,
        org: OrgId,
        redirect_uri: String,
    ) -> Result<Self, RedirectError> {
        use RedirectError::{InvalidRequest, InvalidScope, UnauthorizedClient};
        let response_type = match params.response_type.as_deref() {
            None | Some("") => return Err(InvalidRequest("response_type is required")),
            Some("code") => ResponseType::Code,
            Some("token") => ResponseType::Token,
            Some(_) => return Err(RedirectError::UnsupportedResponseType),
        };
        match response_type {
            ResponseType::Code if !client.grants.contains(Grant::AuthorizationCode) => {
                return Err(UnauthorizedClient(
                    "the client may not use the authorization_code grant",
                ));
            }
            ResponseType::Token if !client.grants.contains(Grant::Implicit) => {
                return Err(UnauthorizedClient(
                    "the client may not use the implicit grant",
                ));
            }
            _ => {}
        }
        let state = match params.state.as_deref() {
            Some(s) if !s.is_empty() && s.len() <= MAX_PARAM => s.to_owned(),
            Some(s) if !s.is_empty() => return Err(InvalidRequest("state is too long")),
            _ => return Err(InvalidRequest("state is required")),
        };
        let allowed = client.scopes.intersection(ScopeSet::CUSTOMER);
        let scopes = match params.scope.as_deref().map(str::trim) {
            None | Some("") => allowed.without([Scope::OfflineAccess].into_iter().collect()),
            Some(raw) => {
                let asked = ScopeSet::parse_space_delimited(raw)
                    .map_err(|_| InvalidScope("unknown scope"))?;
                if !asked.is_subset_of(allowed) {
                    return Err(InvalidScope("a scope the client may not ask for"));
                }
                asked
            }
        };
        let offline = match params.access_type.as_deref() {
            None | Some("online") => false,
            Some("offline") => true,
            Some(_) => return Err(InvalidRequest("access_type is 'online' or 'offline'")),
        } || scopes.contains(Scope::OfflineAccess);
        let challenge = match params.code_challenge.as_deref() {
            None | Some("") => None,
            Some(value) => Some(
                CodeChallenge::parse(value, params.code_challenge_method.as_deref()).ok_or(
                    InvalidRequest("code_challenge or code_challenge_method is malformed"),
                )?,
            ),
        };
        if client.login.public
            && response_type == ResponseType::Code
            && !challenge
                .as_ref()
                .is_some_and(|c| c.method == crate::ChallengeMethod::S256)
        {
            return Err(InvalidRequest(
                "a public client must send a code_challenge with code_challenge_method=S256",
            ));
        }
        let nonce = match params.nonce.as_deref() {
            Some(n) if n.len() > MAX_PARAM => return Err(InvalidRequest("nonce is too long")),
            other => other.filter(|n| !n.is_empty()).map(str::to_owned),
        };
        let prompts: Vec<&str> = params
            .prompt
            .as_deref()
            .unwrap_or_default()
            .split(' ')
            .filter(|p| !p.is_empty())
            .collect();
        if prompts.contains(&"none") && prompts.len() > 1 {
            return Err(InvalidRequest("prompt=none goes alone"));
        }
        let max_age = match params.max_age.as_deref() {
            None | Some("") => None,
            Some(raw) => Some(
                raw.parse::<i64>()
                    .ok()
                    .filter(|s| *s >= 0)
                    .ok_or(InvalidRequest("max_age is a number of seconds"))?,
            ),
        };
        let short = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty() && s.len() <= MAX_PARAM)
                .map(str::to_owned)
        };
        Ok(Self {
            client_id: client.id.to_string(),
            org,
            redirect_uri,
            redirect_uri_given: params.redirect_uri.is_some(),
            response_type,
            state,
            scope: scopes.to_string(),
            nonce,
            challenge,
            offline: offline && client.grants.contains(Grant::RefreshToken),
            login_hint: short(&params.login_hint),
            force_login: prompts.contains(&"login"),
            no_prompt: prompts.contains(&"none"),
            max_age,
            ui_locales: short(&params.ui_locales),
            ciba: None,
        })
    }
}
