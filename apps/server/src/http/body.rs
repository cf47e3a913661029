//! Request bodies: JSON only, at most 64 KiB, parsed with messages a client can act on.

use crate::http::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, web};
use futures_util::StreamExt as _;
use serde::de::DeserializeOwned;

/// The largest body accepted (larger ones get 413).
pub const MAX_BODY: usize = 64 * 1024;

/// Reads the whole body, refusing more than [`MAX_BODY`] bytes.
pub async fn read(req: &HttpRequest, mut payload: web::Payload) -> Result<web::Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request.too_large",
            "The request body is larger than 64 KiB.",
        )
    };
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY) {
        return Err(too_large());
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::bad_request(
                "request.unreadable_body",
                "The request body could not be read.",
            )
            .component(e.to_string())
        })?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn content_type(req: &HttpRequest) -> Option<String> {
    let raw = req.headers().get(CONTENT_TYPE)?.to_str().ok()?;
    Some(
        raw.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase(),
    )
}

/// Whether the request says its body is JSON (`application/json` or `application/*+json`).
fn is_json(mime: &str) -> bool {
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

fn unsupported(mime: Option<&str>) -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "request.unsupported_media_type",
        "The request body must be JSON, sent with 'Content-Type: application/json'.",
    )
    .component(format!("content type: {}", mime.unwrap_or("none")))
}

/// Parses a required JSON body.
pub async fn json<T: DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<T, ApiError> {
    match optional_json(req, payload).await? {
        Some(value) => Ok(value),
        None => Err(ApiError::bad_request(
            "request.missing_body",
            "A JSON request body is required.",
        )),
    }
}

/// Parses an optional JSON body: an empty body is `None`.
pub async fn optional_json<T: DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<Option<T>, ApiError> {
    let mime = content_type(req);
    let bytes = read(req, payload).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return match mime.as_deref() {
            None => Ok(None),
            Some(m) if is_json(m) => Ok(None),
            Some(m) => Err(unsupported(Some(m))),
        };
    }
    match mime.as_deref() {
        Some(m) if is_json(m) => {}
        other => return Err(unsupported(other)),
    }
    serde_json::from_slice(&bytes).map(Some).map_err(|e| {
        let msg = match e.classify() {
            serde_json::error::Category::Data => {
                format!("The request body has a wrong or missing field: {e}.")
            }
            _ => format!("The request body is not valid JSON: {e}."),
        };
        ApiError::bad_request("request.invalid_body", msg)
    })
}
