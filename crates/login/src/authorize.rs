//! `/authorize` (RFC 6749 §4.1.1, OpenID Connect Core §3.1.2) as one use case: the client and
//! its redirect URI first (not to be trusted: an error page, never a redirect), then the rest
//! of the request (errors go back to the client), the tenant, single sign-on with the browser's
//! session (or its step up to a second factor), `prompt=none`, and finally a new login.

use crate::redirect::{error_redirect, error_redirect_to};
use crate::sso::Resumed;
use crate::{Agent, Completion, ContactChoice, LoginError, LoginFailure, LoginService, Started};
use latchkey_core::OrgId;
use latchkey_oauth::{AuthRequest, AuthorizeError, AuthorizeParams, RedirectError, ResponseType};
use latchkey_tenancy::ApiClient;

/// What `/authorize` answers.
#[derive(Debug)]
pub enum Authorization {
    /// The request cannot be answered with a redirect (unknown client or redirect URI, disabled
    /// tenant, storage down before the client was known): an error page.
    Refused(LoginFailure),
    /// Back to the client with an error (RFC 6749 §4.1.2.1); `cause` is what failed on our
    /// side, when something did.
    Redirect {
        location: String,
        cause: Option<LoginError>,
    },
    /// The browser's session signed the customer in without asking: back to the client.
    Done(Completion),
    /// The browser's session lacks the second factor its credential now requires: the
    /// second-factor page of the login `started`.
    SecondFactor {
        started: Started,
        /// The tenant's display name.
        tenant: String,
        totp: bool,
        contacts: Vec<ContactChoice>,
    },
    /// The customer signs in: the login page.
    SignIn {
        started: Started,
        org: OrgId,
        /// The tenant's display name.
        tenant: String,
        /// The username field's value (`login_hint`).
        username: String,
    },
}

impl LoginService {
    /// Answers `/authorize` for `params`, as received.
    pub async fn authorize(&self, params: &AuthorizeParams, agent: Agent<'_>) -> Authorization {
        let client = match self
            .client(params.client_id.as_deref().unwrap_or_default())
            .await
        {
            Ok(c) => c,
            Err(e) => return Authorization::Refused(e.into()),
        };
        let request = match AuthRequest::validate(params, client.as_ref()) {
            Ok(r) => r,
            Err(e) => return self.invalid(params, client.as_ref(), e),
        };
        let tenant = match self.tenant(&request.org).await {
            Ok(t) => t.name.as_str().to_owned(),
            Err(e) => return Authorization::Refused(e.into()),
        };
        let Some(client) = client else {
            return Authorization::Refused(LoginError::UnknownClient.into());
        };
        match self.resume(&client, &request, agent).await {
            Ok(Resumed::Done(done)) => return Authorization::Done(done),
            Ok(Resumed::StepUp { credential, device }) => {
                return self.step_up(request, tenant, &credential, &device).await;
            }
            Ok(Resumed::No) => {}
            Err(e) => {
                let location = error_redirect(
                    self.grants.issuer(),
                    &request,
                    "server_error",
                    "the login could not continue",
                );
                return Authorization::Redirect {
                    location,
                    cause: Some(e),
                };
            }
        }
        if request.no_prompt {
            let error = RedirectError::LoginRequired;
            let location = error_redirect(
                self.grants.issuer(),
                &request,
                error.code(),
                &error.to_string(),
            );
            return Authorization::Redirect {
                location,
                cause: None,
            };
        }
        let username = request.login_hint.clone().unwrap_or_default();
        let org = request.org.clone();
        match self
            .records
            .start(request, self.ports.random.as_ref())
            .await
        {
            Ok(started) => Authorization::SignIn {
                started,
                org,
                tenant,
                username,
            },
            Err(error) => Authorization::Refused(LoginFailure {
                error,
                tenant,
                ui_locales: None,
            }),
        }
    }

    /// A request that failed its checks: an error page while the client or its redirect URI
    /// is not trusted, a redirect once they are.
    fn invalid(
        &self,
        params: &AuthorizeParams,
        client: Option<&ApiClient>,
        error: AuthorizeError,
    ) -> Authorization {
        let refused = |e: LoginError| Authorization::Refused(e.into());
        match error {
            AuthorizeError::UnknownClient | AuthorizeError::NotALoginClient => {
                refused(LoginError::UnknownClient)
            }
            AuthorizeError::BadRedirectUri => refused(LoginError::BadRedirectUri),
            AuthorizeError::Store(e) => refused(e.into()),
            AuthorizeError::Redirect(e) => {
                // Only reached once the client and its redirect URI are trusted.
                let Some(client) = client else {
                    return refused(LoginError::UnknownClient);
                };
                let redirect_uri = params
                    .redirect_uri
                    .clone()
                    .or_else(|| {
                        client
                            .login
                            .redirect_uris
                            .first()
                            .map(|r| r.as_str().to_owned())
                    })
                    .unwrap_or_default();
                let response_type = if params.response_type.as_deref() == Some("token") {
                    ResponseType::Token
                } else {
                    ResponseType::Code
                };
                let location = error_redirect_to(
                    self.grants.issuer(),
                    &redirect_uri,
                    response_type,
                    params.state.as_deref().unwrap_or_default(),
                    e.code(),
                    &e.to_string(),
                );
                Authorization::Redirect {
                    location,
                    cause: None,
                }
            }
        }
    }
}
