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
                [only] if only.is_clean() => only.as_str().to_owned(),
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
            // RFC 9700 §2.1.2: never for a public client (registration refuses it too; this
            // holds for one registered before that rule).
            ResponseType::Token if client.login.public => {
                return Err(UnauthorizedClient(
                    "a public client may not use the implicit grant",
                ));
            }
            ResponseType::Code | ResponseType::Token => {}
        }
        let state = match params.state.as_deref() {
            Some(s) if !s.is_empty() && s.len() <= MAX_PARAM => s.to_owned(),
            Some(s) if !s.is_empty() => return Err(InvalidRequest("state is too long")),
            _ => return Err(InvalidRequest("state is required")),
        };
        let allowed = allowed_scopes(client, response_type);
        let scopes = match params.scope.as_deref().map(str::trim) {
            // Least privilege (RFC 9700 §2.3): only the OpenID Connect scopes unless asked.
            None | Some("") => allowed.intersection(ScopeSet::CUSTOMER_DEFAULT),
            Some(raw) => {
                let asked = ScopeSet::parse_space_delimited(raw)
                    .map_err(|_| InvalidScope("unknown scope"))?;
                if !asked.is_subset_of(allowed) {
                    return Err(InvalidScope(match response_type {
                        ResponseType::Code => "a scope the client may not ask for",
                        ResponseType::Token => {
                            "the implicit grant gives OpenID Connect scopes only, without offline_access"
                        }
                    }));
                }
                asked
            }
        };
        let offline = match params.access_type.as_deref() {
            None | Some("online") => false,
            Some("offline") => true,
            Some(_) => return Err(InvalidRequest("access_type is 'online' or 'offline'")),
        } || scopes.contains(Scope::OfflineAccess);
        let challenge = match response_type {
            ResponseType::Code => Some(challenge(params)?),
            // No code, nothing to bind a verifier to.
            ResponseType::Token => None,
        };
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
            // The implicit grant never gives a refresh token (RFC 6749 §4.2.2).
            offline: offline
                && response_type == ResponseType::Code
                && client.grants.contains(Grant::RefreshToken),
            login_hint: short(&params.login_hint),
            force_login: prompts.contains(&"login"),
            no_prompt: prompts.contains(&"none"),
            max_age,
            ui_locales: short(&params.ui_locales),
            ciba: None,
        })
    }
}

/// The scopes a request may ask for: the client's customer scopes; for the implicit grant,
/// whose token is exposed to the browser, only the OpenID Connect ones and never
/// `offline_access` (RFC 9700 §2.1.2: nothing that acts on the Credentials API).
fn allowed_scopes(client: &ApiClient, response_type: ResponseType) -> ScopeSet {
    let customer = client.scopes.intersection(ScopeSet::CUSTOMER);
    match response_type {
        ResponseType::Code => customer,
        ResponseType::Token => customer
            .intersection(ScopeSet::OIDC)
            .without([Scope::OfflineAccess].into_iter().collect()),
    }
}

/// PKCE with `S256`, required of every client of the code flow (ASVS V10.4.6, RFC 9700
/// §2.1.1): `plain`, or no method (which means `plain`), is refused.
fn challenge(params: &AuthorizeParams) -> Result<CodeChallenge, RedirectError> {
    let value = params
        .code_challenge
        .as_deref()
        .filter(|v| !v.is_empty())
        .ok_or(RedirectError::InvalidRequest(
            "code_challenge is required, with code_challenge_method=S256 (PKCE)",
        ))?;
    match params.code_challenge_method.as_deref() {
        Some("S256") => CodeChallenge::parse(value, Some("S256")).ok_or(
            RedirectError::InvalidRequest("code_challenge is malformed (RFC 7636 §4.2)"),
        ),
        None | Some("plain") => Err(RedirectError::InvalidRequest(
            "code_challenge_method must be S256: plain is not accepted",
        )),
        Some(_) => Err(RedirectError::InvalidRequest(
            "code_challenge_method must be S256",
        )),
    }
}

#[cfg(test)]
#[allow(clippy::panic, reason = "a test fails by panicking")]
mod tests {
    use super::*;
    use latchkey_tenancy::{ClientId, ClientName, LoginSettings, OrgAccess, RedirectUri};

    const CB: &str = "https://app.example/cb";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn ok<T, E: std::fmt::Debug>(r: Result<T, E>) -> T {
        r.unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn client(public: bool, grants: &[Grant]) -> ApiClient {
        ApiClient {
            id: ok(ClientId::parse("shop")),
            name: ok(ClientName::parse("shop")),
            secret_hash: latchkey_core::SecretHash::of(b"s"),
            scopes: ScopeSet::CUSTOMER,
            orgs: OrgAccess::Only([ok(OrgId::parse("masmovil"))].into()),
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            grants: grants.iter().copied().collect(),
            login: LoginSettings {
                public,
                redirect_uris: vec![ok(RedirectUri::parse(CB))],
                ..LoginSettings::default()
            },
        }
    }

    fn params(extra: &[(&str, &str)]) -> AuthorizeParams {
        let mut p = AuthorizeParams {
            client_id: Some("shop".into()),
            response_type: Some("code".into()),
            redirect_uri: Some(CB.into()),
            state: Some("s".into()),
            code_challenge: Some(CHALLENGE.into()),
            code_challenge_method: Some("S256".into()),
            ..AuthorizeParams::default()
        };
        for (k, v) in extra {
            let v = (!v.is_empty()).then(|| (*v).to_owned());
            match *k {
                "response_type" => p.response_type = v,
                "scope" => p.scope = v,
                "code_challenge" => p.code_challenge = v,
                "code_challenge_method" => p.code_challenge_method = v,
                other => panic!("{other}"),
            }
        }
        p
    }

    fn error(p: &AuthorizeParams, c: &ApiClient) -> RedirectError {
        match AuthRequest::validate(p, Some(c)) {
            Err(AuthorizeError::Redirect(e)) => e,
            other => panic!("expected an error sent back, got {other:?}"),
        }
    }

    #[test]
    fn every_code_flow_client_sends_an_s256_challenge() {
        let confidential = client(false, &[Grant::AuthorizationCode]);
        assert!(AuthRequest::validate(&params(&[]), Some(&confidential)).is_ok());
        for extra in [
            [("code_challenge", ""), ("code_challenge_method", "")],
            [
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "plain"),
            ],
            [("code_challenge", CHALLENGE), ("code_challenge_method", "")],
            [
                ("code_challenge", "short"),
                ("code_challenge_method", "S256"),
            ],
        ] {
            let e = error(&params(&extra), &confidential);
            assert_eq!(e.code(), "invalid_request", "{extra:?}");
        }
    }

    #[test]
    fn the_implicit_grant_is_for_confidential_clients_and_oidc_scopes_only() {
        let grants = [
            Grant::AuthorizationCode,
            Grant::Implicit,
            Grant::RefreshToken,
        ];
        let public = client(true, &grants);
        let token = params(&[("response_type", "token"), ("scope", "openid profile")]);
        assert_eq!(error(&token, &public).code(), "unauthorized_client");
        let confidential = client(false, &grants);
        let ok =
            AuthRequest::validate(&token, Some(&confidential)).unwrap_or_else(|e| panic!("{e:?}"));
        assert!(!ok.offline && ok.challenge.is_none());
        for scope in ["devices", "openid offline_access", "otp"] {
            let asked = params(&[("response_type", "token"), ("scope", scope)]);
            assert_eq!(
                error(&asked, &confidential).code(),
                "invalid_scope",
                "{scope}"
            );
        }
        let default = params(&[("response_type", "token")]);
        let ok = AuthRequest::validate(&default, Some(&confidential))
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert!(ok.scopes().is_subset_of(ScopeSet::OIDC), "{}", ok.scope);
        assert!(!ok.scopes().contains(Scope::OfflineAccess));
    }
}
