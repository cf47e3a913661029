//! The OpenAPI 3.1 document (`/openapi.json`) and a browsable page rendered from it (`/docs`):
//! plain server-side HTML, no JavaScript and nothing fetched from elsewhere.

use crate::http::error;
use crate::oauth::{backchannel, error as oauth, introspect, metadata, oidc, revoke, token};
use crate::routes::{
    clients, credentials, devices, flows, keys, magiclinks, orgs, second_factor, system, tokens,
};
use crate::security::{
    action_link, api_keys, avatars, dto, error as security, messages, oauth2, preferences,
    profiles, signup, submfa, suboauth2, subusers, system as security_system, totp, users,
    validate, validate_sub, wire,
};
use crate::web::{authorize, logout, magic};
use minijinja::{Environment, context};
use serde_json::Value;
use std::sync::OnceLock;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes,
    SecurityScheme,
};
use utoipa::{Modify, OpenApi};

mod constraints;
use constraints::Constraints;
#[cfg(test)]
mod constraints_tests;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearerAuth",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A service token from `POST /token` (client credentials), or a \
                         customer's token from a login (it acts on its own credential only).",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "clientBasic",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some(
                        "The client id and secret of a registered API client \
                         (`client_secret_basic`). The operations that accept it also accept \
                         `client_id` and `client_secret` in the form instead \
                         (`client_secret_post`, RFC 6749 §2.3.1), never both.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "apiKeyAuth",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-API-KEY",
                "The security service (`/api/v1`): an operator's API key, acting as that \
                 operator.",
            ))),
        );
        components.add_security_scheme(
            "internalService",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-INTERNAL-NAME",
                "The security service (`/api/v1`): a configured sibling service, by its name \
                 (`type`, `privateUri` or `uri`) here and its key in `X-API-KEY`.",
            ))),
        );
        let scopes = Scopes::from_iter(
            latchkey_tenancy::Scope::ALL
                .iter()
                .map(|s| (s.as_str(), s.as_str())),
        );
        components.add_security_scheme(
            "oauth2",
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::ClientCredentials(ClientCredentials::new(
                    "/token", scopes,
                ))],
                "How a `bearerAuth` service token is obtained: the client credentials grant at \
                 `POST /token`.",
            )),
        );
    }
}

/// The answers of the limits on abuse (`crate::http::limits`), which run before these
/// endpoints' handlers: their 429s are documented here, in one place, like the limits.
struct AbuseLimitAnswers;

impl Modify for AbuseLimitAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{RefOr, ResponseBuilder};
        let oauth = "Failed client authentications of the client id or of the address are \
                     spent (or, at `/bc-authorize`, the customer's requests): `temporarily_unavailable`, \
                     with `Retry-After`, unchecked and nothing sent";
        for (path, post, description) in [
            ("/token", true, oauth),
            ("/introspect", true, oauth),
            ("/revoke", true, oauth),
            ("/bc-authorize", true, oauth),
            (
                "/authorize",
                false,
                "Too many logins started from this address: a page (HTML), with `Retry-After`",
            ),
        ] {
            let Some(item) = openapi.paths.paths.get_mut(path) else {
                continue;
            };
            let operation = if post {
                item.post.as_mut()
            } else {
                item.get.as_mut()
            };
            if let Some(operation) = operation {
                let answer = ResponseBuilder::new().description(description).build();
                operation
                    .responses
                    .responses
                    .insert("429".to_owned(), RefOr::T(answer));
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Latchkey",
        description = "Multi-tenant identity and credentials service. Every `/v1` route needs a bearer \
            token from `POST /token`; errors use the `ErrorBody` shape, whose `sentryCode` equals the \
            `X-Request-Id` response header.",
    ),
    paths(
        token::token, introspect::introspect, revoke::revoke, system::jwks,
        orgs::put, orgs::get, orgs::list,
        clients::create, clients::list, clients::delete,
        keys::list, keys::rotate, keys::remove,
        credentials::get, credentials::create, credentials::set_password, credentials::patch,
        credentials::delete, credentials::move_credential, credentials::copy_credential,
        credentials::discover, credentials::change_password, flows::change_password,
        flows::create_username, flows::reset_password,
        tokens::get, tokens::delete, magiclinks::get,
        second_factor::send_otp, second_factor::check_otp, second_factor::totp_qr,
        second_factor::enroll_totp, second_factor::check_totp, second_factor::passcode,
        devices::list, devices::unlink_all, devices::unlink,
        authorize::authorize, magic::magic_link, magic::magic_link_continue, backchannel::bc_authorize, metadata::openid_configuration,
        metadata::authorization_server, oidc::userinfo, oidc::userinfo_form, logout::logout, logout::logout_form,
        logout::confirm,
        system::healthz, system::readyz, system::openapi, system::docs_page,
        oauth2::post, oauth2::me, oauth2::sign_out, validate::validate_token,
        suboauth2::post, suboauth2::me, suboauth2::sign_out, validate_sub::validate_sub_token,
        action_link::follow, action_link::reset,
        users::list, users::get, users::create, users::modify, users::delete,
        subusers::list, subusers::get, subusers::create, subusers::modify, subusers::delete,
        api_keys::list, api_keys::create, api_keys::modify, api_keys::delete, api_keys::validate,
        profiles::list,
        signup::register, signup::modify,
        security_system::info, security_system::command, security_system::endpoints,
        security_system::services,
        avatars::get_operator, avatars::set_operator, avatars::delete_operator,
        avatars::get_subscriber, avatars::set_subscriber, avatars::delete_subscriber,
        preferences::get_own, preferences::set_own, preferences::set_own_post,
        preferences::get_operator, preferences::set_operator,
        preferences::get_subscriber, preferences::set_subscriber,
        messages::email, messages::sms,
        totp::qr_code, totp::check, totp::sub_qr_code, totp::sub_check, submfa::get, submfa::modify,
    ),
    components(schemas(error::ErrorBody, oauth::OAuthErrorBody, security::SecurityErrorBody,
        wire::Completed, dto::UserInfo, dto::WebTokenResult, dto::TokenValidationResult,
        oauth2::SignInBody, oauth2::SignInAnswer, oauth2::MfaChallengeBody, oauth2::Requirements,
        signup::SignupAnswer, signup::SignupNote)),
    modifiers(&SecuritySchemes, &AbuseLimitAnswers, &Constraints),
    tags(
        (name = "OAuth", description = "Service tokens and the keys that verify them"),
        (name = "Credentials", description = "API for managing credentials CRUD"),
        (name = "Flows", description = "Simplified multi-step operations"),
        (name = "Tokens", description = "API for managing tokens"),
        (name = "Magic links", description = "Sign-in without a password"),
        (name = "OTP", description = "One-time codes by SMS or e-mail"),
        (name = "TOTP", description = "Authenticator apps (RFC 6238)"),
        (name = "Tenants", description = "Tenants (brands)"),
        (name = "Clients", description = "API clients that obtain service tokens"),
        (name = "Keys", description = "Signing-key rotation"),
        (name = "Devices", description = "The devices a customer signed in on"),
        (name = "Login", description = "Where customers sign in: OAuth 2.0 and OpenID Connect"),
        (name = "Operations", description = "Health, readiness and documentation"),
        (name = "Security service", description = "The OpenWiFi security service's operator plane \
            (`/api/v1`): operators, their sign-in, token validation for sibling services. Errors \
            use the `SecurityErrorBody` shape; authentication failures are 403 with `ErrorCode` 1-15"),
    )
)]
struct ApiDoc;

/// The OpenAPI document as JSON.
pub fn openapi_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        ApiDoc::openapi()
            .to_json()
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    })
}

/// The documentation page (`templates/docs.html`), rendered once.
pub fn html() -> &'static str {
    static HTML: OnceLock<String> = OnceLock::new();
    HTML.get_or_init(|| {
        let doc: Value = serde_json::from_str(openapi_json()).unwrap_or(Value::Null);
        let ops = operations(&doc);
        render(context! { doc => doc, ops => ops }).unwrap_or_else(|e| {
            tracing::error!(error = %e, "rendering the documentation page failed");
            String::new()
        })
    })
}

/// `templates/docs.html` with `ctx`. Values are HTML-escaped as usual, except `/`, which stays as
/// it is so that paths read (and search) as paths; missing values render as nothing.
fn render(ctx: minijinja::Value) -> Result<String, minijinja::Error> {
    let mut env = Environment::new();
    env.set_formatter(|out, _, value| {
        if value.is_undefined() || value.is_none() {
            return Ok(());
        }
        if value.is_safe() {
            return out
                .write_str(&value.to_string())
                .map_err(minijinja::Error::from);
        }
        let mut escaped = String::new();
        for c in value.to_string().chars() {
            match c {
                '&' => escaped.push_str("&amp;"),
                '<' => escaped.push_str("&lt;"),
                '>' => escaped.push_str("&gt;"),
                '"' => escaped.push_str("&quot;"),
                '\'' => escaped.push_str("&#x27;"),
                c => escaped.push(c),
            }
        }
        out.write_str(&escaped).map_err(minijinja::Error::from)
    });
    env.add_template("docs.html", include_str!("../templates/docs.html"))?;
    env.get_template("docs.html")?.render(ctx)
}

/// The operations of `doc`, path by path, in the order GET, POST, PUT, PATCH, DELETE.
fn operations(doc: &Value) -> Vec<Value> {
    let mut ops = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            for method in ["get", "post", "put", "patch", "delete"] {
                if let Some(op) = item.get(method) {
                    ops.push(serde_json::json!({"method": method, "path": path, "op": op}));
                }
            }
        }
    }
    ops
}
