//! The OpenAPI 3.1 document (`/openapi.json`) and a browsable page rendered from it (`/docs`):
//! plain server-side HTML, no JavaScript and nothing fetched from elsewhere.

use crate::http::error;
use crate::oauth::{backchannel, error as oauth, introspect, oidc, revoke, token};
use crate::routes::{
    clients, credentials, devices, flows, keys, magiclinks, orgs, second_factor, system, tokens,
};
use crate::web::{authorize, logout, magic};
use serde_json::Value;
use std::fmt::Write as _;
use std::sync::OnceLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

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
                    .description(Some("The client id and secret of a registered API client."))
                    .build(),
            ),
        );
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
        authorize::authorize, magic::magic_link, backchannel::bc_authorize, oidc::discovery, oidc::userinfo, logout::logout,
        system::healthz, system::readyz, system::openapi, system::docs_page,
    ),
    components(schemas(error::ErrorBody, oauth::OAuthErrorBody)),
    modifiers(&SecuritySchemes),
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

/// The documentation page.
pub fn html() -> &'static str {
    static HTML: OnceLock<String> = OnceLock::new();
    HTML.get_or_init(|| {
        let doc: Value = serde_json::from_str(openapi_json()).unwrap_or(Value::Null);
        render(&doc)
    })
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// A short type label for a schema (`CredentialDto`, `string`, `[TenantDto]` ...).
fn type_label(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!("<a href=\"#schema-{0}\">{0}</a>", esc(name));
    }
    if let Some(items) = schema.get("items") {
        return format!("[{}]", type_label(items));
    }
    match schema.get("type") {
        Some(Value::String(t)) => esc(t),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(esc)
            .collect::<Vec<_>>()
            .join(" | "),
        _ => schema
            .get("oneOf")
            .map_or_else(|| "object".into(), |_| "one of".into()),
    }
}

fn render(doc: &Value) -> String {
    let mut out = String::from(concat!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        "<title>Latchkey API</title><style>",
        "body{font-family:system-ui,sans-serif;max-width:70rem;margin:auto;padding:1rem;line-height:1.4;color:#1b1b1b}",
        "code,.path{font-family:ui-monospace,monospace}section.op{border:1px solid #ccc;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}",
        ".m{display:inline-block;min-width:4.5rem;font-weight:bold;text-transform:uppercase}",
        "table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}",
        "</style></head><body><main>"
    ));
    let info = &doc["info"];
    let _ = write!(
        out,
        "<h1>{} <small>{}</small></h1><p>{}</p>",
        esc(text(info, "title")),
        esc(text(info, "version")),
        esc(text(info, "description"))
    );
    out.push_str("<p>Machine-readable: <a href=\"/openapi.json\">/openapi.json</a> (OpenAPI 3.1).</p><nav><h2>Operations</h2><ul>");
    let ops = operations(doc);
    for (i, (method, path, op)) in ops.iter().enumerate() {
        let _ = write!(
            out,
            "<li><a href=\"#op-{i}\"><span class=\"m\">{}</span> <span class=\"path\">{}</span></a> {}</li>",
            esc(method),
            esc(path),
            esc(text(op, "summary"))
        );
    }
    out.push_str("</ul></nav>");
    for (i, (method, path, op)) in ops.iter().enumerate() {
        render_operation(&mut out, i, method, path, op);
    }
    out.push_str("<h2>Schemas</h2>");
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            render_schema(&mut out, name, schema);
        }
    }
    out.push_str("</main></body></html>");
    out
}

fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            for method in ["get", "post", "put", "patch", "delete"] {
                if let Some(op) = item.get(method) {
                    ops.push((method.to_owned(), path.clone(), op.clone()));
                }
            }
        }
    }
    ops
}

fn render_operation(out: &mut String, i: usize, method: &str, path: &str, op: &Value) {
    let _ = write!(
        out,
        "<section class=\"op\" id=\"op-{i}\"><h3><span class=\"m\">{}</span> <span class=\"path\">{}</span></h3><p>{}</p>",
        esc(method),
        esc(path),
        esc(text(op, "description"))
    );
    if let Some(security) = op["security"]
        .as_array()
        .and_then(|s| s.first())
        .and_then(Value::as_object)
    {
        for (scheme, scopes) in security {
            let scopes: Vec<_> = scopes
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(esc)
                .collect();
            let _ = write!(
                out,
                "<p>Auth: <code>{}</code> {}</p>",
                esc(scheme),
                scopes.join(", ")
            );
        }
    }
    if let Some(params) = op["parameters"].as_array() {
        out.push_str("<table><tr><th>parameter</th><th>in</th><th>description</th></tr>");
        for p in params {
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                esc(text(p, "name")),
                esc(text(p, "in")),
                esc(text(p, "description"))
            );
        }
        out.push_str("</table>");
    }
    if let Some(content) = op["requestBody"]["content"].as_object() {
        for (mime, media) in content {
            let _ = write!(
                out,
                "<p>Body (<code>{}</code>): {}</p>",
                esc(mime),
                type_label(&media["schema"])
            );
        }
    }
    out.push_str("<table><tr><th>status</th><th>meaning</th><th>body</th></tr>");
    if let Some(responses) = op["responses"].as_object() {
        for (status, response) in responses {
            let body = response["content"]
                .as_object()
                .and_then(|c| c.values().next())
                .map(|m| type_label(&m["schema"]))
                .unwrap_or_default();
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(status),
                esc(text(response, "description")),
                body
            );
        }
    }
    out.push_str("</table></section>");
}

fn render_schema(out: &mut String, name: &str, schema: &Value) {
    let _ = write!(
        out,
        "<section id=\"schema-{0}\"><h3>{0}</h3><p>{1}</p>",
        esc(name),
        esc(text(schema, "description"))
    );
    let required: Vec<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if let Some(props) = schema["properties"].as_object() {
        out.push_str(
            "<table><tr><th>field</th><th>type</th><th>required</th><th>description</th></tr>",
        );
        for (field, prop) in props {
            let req = if required.contains(&field.as_str()) {
                "yes"
            } else {
                ""
            };
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(field),
                type_label(prop),
                req,
                esc(text(prop, "description"))
            );
        }
        out.push_str("</table>");
    }
    out.push_str("</section>");
}
