//! Reading the requests of the OAuth endpoints: the form body (RFC 6749 §3.2) and how it
//! presents its client (§2.3): HTTP Basic, `client_secret_post`, or a `client_id` alone.

use super::error::OAuthError;
use crate::http::body;
use actix_web::http::header::{AUTHORIZATION, CONTENT_TYPE};
use actix_web::{HttpRequest, web};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use latchkey_login::PresentedClient;
use std::collections::HashMap;

/// A request's form: each parameter once.
pub type Form = HashMap<String, String>;

/// Reads an `application/x-www-form-urlencoded` body; a repeated parameter is an error
/// (RFC 6749 §3.2).
pub async fn read_form(req: &HttpRequest, payload: web::Payload) -> Result<Form, OAuthError> {
    let mime = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mime = mime.split(';').next().unwrap_or_default().trim();
    if !mime.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(OAuthError::invalid_request(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let bytes = body::read(req, payload)
        .await
        .map_err(|_| OAuthError::invalid_request("the body is too large"))?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
        .map_err(|_| OAuthError::invalid_request("the body is not a valid form"))?;
    let mut form = HashMap::with_capacity(pairs.len());
    for (key, value) in pairs {
        if form.insert(key.clone(), value).is_some() {
            return Err(OAuthError::invalid_request(format!(
                "the parameter '{key}' is repeated"
            )));
        }
    }
    Ok(form)
}

/// How the request presents its client: id and secret when it authenticates (HTTP Basic or
/// `client_secret` in the form), else its `client_id`, else nothing.
pub fn presented_client(req: &HttpRequest, form: &Form) -> Result<PresentedClient, OAuthError> {
    let authenticates =
        req.headers().contains_key(AUTHORIZATION) || form.contains_key("client_secret");
    if authenticates {
        return client_credentials(req, form).map(PresentedClient::Secret);
    }
    Ok(match form.get("client_id") {
        Some(id) => PresentedClient::IdOnly(id.clone()),
        None => PresentedClient::Nothing,
    })
}

/// The client's id and secret, from HTTP Basic or the form, but not both (RFC 6749 §2.3).
///
/// RFC 6749 §2.3.1 has clients form-urlencode id and secret inside HTTP Basic, but many (curl's
/// `-u`, most HTTP libraries) do not: when decoding changes them, the raw pair is the second try.
pub fn client_credentials(
    req: &HttpRequest,
    form: &Form,
) -> Result<Vec<(String, String)>, OAuthError> {
    let in_form = form.contains_key("client_secret");
    let Some(header) = req.headers().get(AUTHORIZATION) else {
        return match (form.get("client_id"), form.get("client_secret")) {
            (Some(id), Some(secret)) => Ok(vec![(id.clone(), secret.clone())]),
            _ => Err(OAuthError::invalid_client(
                "client authentication is required (HTTP Basic)",
            )),
        };
    };
    if in_form {
        return Err(OAuthError::invalid_request(
            "use one client authentication method, not two",
        ));
    }
    let malformed = || OAuthError::invalid_client("malformed HTTP Basic credentials");
    let value = header.to_str().map_err(|_| malformed())?;
    let (scheme, encoded) = value.split_once(' ').ok_or_else(malformed)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(malformed());
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(malformed)?;
    // RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
    let decoded = (
        form_decode(id).ok_or_else(malformed)?,
        form_decode(secret).ok_or_else(malformed)?,
    );
    let raw = (id.to_owned(), secret.to_owned());
    Ok(if decoded == raw {
        vec![raw]
    } else {
        vec![decoded, raw]
    })
}

fn form_decode(raw: &str) -> Option<String> {
    if !raw.contains(['%', '+']) {
        return Some(raw.to_owned());
    }
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(&format!("v={}", raw.replace('&', "%26"))).ok()?;
    pairs.into_iter().next().map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::form_decode;

    #[test]
    fn basic_credentials_are_form_decoded() {
        assert_eq!(form_decode("a%3Ab+c").as_deref(), Some("a:b c"));
        assert_eq!(
            form_decode("plain-Secret_1").as_deref(),
            Some("plain-Secret_1")
        );
        assert_eq!(form_decode("x&y=z").as_deref(), Some("x&y=z"));
    }
}
