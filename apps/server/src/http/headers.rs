//! The security headers of every answer, set in this one place (a middleware around the whole
//! app, and the request timeout's answer) rather than by each handler:
//!
//! - `X-Content-Type-Options: nosniff` on everything (no content sniffing);
//! - `Cache-Control: no-store` on every answer that does not say otherwise: the API's answers
//!   carry personal data or tokens, the pages anti-forgery tokens (only the public, cacheable
//!   documents — discovery, the JWKS — set their own);
//! - on every HTML page (the login pages and `/docs`) a `Content-Security-Policy` without
//!   scripts, with `frame-ancestors 'none'` (no clickjacking) and `form-action 'self'` (a form
//!   can post only here; a login page adds the origin its login finishes at, where the form's
//!   answer redirects: [`FormTarget`]), `X-Frame-Options: DENY` for older browsers and
//!   `Referrer-Policy: no-referrer`; other answers get `default-src 'none'; frame-ancestors
//!   'none'`;
//! - `Strict-Transport-Security` when the server is served over HTTPS (an `https` public URL;
//!   behind a proxy that terminates TLS, the header passes through it).

use crate::state::AppState;
use actix_web::Error;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::Data;

/// The policy of every HTML page, before its form targets.
pub const PAGE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; \
                            frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
/// The policy of every other answer.
pub const OTHER_CSP: &str = "default-src 'none'; frame-ancestors 'none'";
/// Two years (the HSTS preload list's minimum is one).
pub const HSTS: &str = "max-age=63072000";

/// Where a page's forms may lead besides this server (a response extension): the origin of the
/// client a login finishes at, since browsers check `form-action` on the redirects that follow
/// a form's submission.
#[derive(Debug, Clone)]
pub struct FormTarget(pub String);

impl FormTarget {
    /// The CSP source of `uri`'s origin (`https://app.example:8443`, or `com.example.app:` for
    /// a private-use scheme); `None` for anything that is not plainly an origin.
    pub fn of(uri: &str) -> Option<Self> {
        let (scheme, rest) = uri.split_once(':')?;
        let plain = |s: &str, extra: &[char]| {
            !s.is_empty()
                && s.chars().all(|c| {
                    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+') || extra.contains(&c)
                })
        };
        if !plain(scheme, &[]) {
            return None;
        }
        let Some(after) = rest.strip_prefix("//") else {
            return Some(Self(format!("{scheme}:")));
        };
        let authority = after.split(['/', '?', '#']).next().unwrap_or_default();
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        plain(host, &[':', '[', ']']).then(|| Self(format!("{scheme}://{host}")))
    }
}

/// Middleware: the headers above on every answer, errors included.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let https = req
        .app_data::<Data<AppState>>()
        .is_some_and(|s| s.public_url.starts_with("https://"));
    // Handlers' errors arrive here as responses; the one answer made outside (a timeout, by
    // `request_id`, around this) gets the headers there, through [`secure_error`].
    let mut response = next.call(req).await?.map_into_boxed_body();
    let target = response
        .response()
        .extensions()
        .get::<FormTarget>()
        .map(|t| t.0.clone());
    secure(response.headers_mut(), https, target.as_deref());
    Ok(response)
}

/// The headers of an answer made outside this middleware (not an HTML page).
pub fn secure_error(headers: &mut HeaderMap) {
    secure(headers, false, None);
}

fn secure(headers: &mut HeaderMap, https: bool, target: Option<&str>) {
    let set = |headers: &mut HeaderMap, name: HeaderName, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    if !headers.contains_key(header::CACHE_CONTROL) {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html {
        let csp = match target {
            Some(origin) => format!("{PAGE_CSP} {origin}"),
            None => PAGE_CSP.to_owned(),
        };
        set(headers, header::CONTENT_SECURITY_POLICY, &csp);
        set(headers, header::X_FRAME_OPTIONS, "DENY");
        set(headers, header::REFERRER_POLICY, "no-referrer");
    } else if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        set(headers, header::CONTENT_SECURITY_POLICY, OTHER_CSP);
    }
    if https {
        set(headers, header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_targets_are_origins_only() {
        let of = |uri: &str| FormTarget::of(uri).map(|t| t.0);
        assert_eq!(
            of("https://app.example/callback?x=1").as_deref(),
            Some("https://app.example")
        );
        assert_eq!(
            of("http://127.0.0.1:9000/cb").as_deref(),
            Some("http://127.0.0.1:9000")
        );
        assert_eq!(
            of("com.example.app:/cb").as_deref(),
            Some("com.example.app:")
        );
        assert_eq!(of("https://a;script-src *"), None);
        assert_eq!(of("https://a b/"), None);
        assert_eq!(of("no-scheme"), None);
    }

    #[test]
    fn pages_get_the_page_policy_and_others_keep_their_cache_control() {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
        secure(&mut headers, true, Some("https://app.example"));
        let csp = headers.get(header::CONTENT_SECURITY_POLICY);
        assert_eq!(
            csp.and_then(|v| v.to_str().ok()),
            Some(format!("{PAGE_CSP} https://app.example").as_str())
        );
        assert!(headers.contains_key(header::STRICT_TRANSPORT_SECURITY));
        let mut json = HeaderMap::new();
        json.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("max-age=300"),
        );
        secure(&mut json, false, None);
        assert_eq!(
            json.get(header::CACHE_CONTROL).map(|v| v.as_bytes()),
            Some(&b"max-age=300"[..])
        );
        assert_eq!(
            json.get(header::X_CONTENT_TYPE_OPTIONS)
                .map(|v| v.as_bytes()),
            Some(&b"nosniff"[..])
        );
        assert!(!json.contains_key(header::STRICT_TRANSPORT_SECURITY));
    }
}
