//! The file of an upload (`POST /avatar/{id}`, `/subavatar/{id}`): one part of a
//! `multipart/form-data` body (RFC 7578), as owsec's curl CLI (`curl -F data=@file`), browsers
//! and the consoles send it, or the whole body when it is not multipart (the definition
//! describes the request body as the raw image).
//!
//! Why not a multipart crate: one bounded body, read whole (at most the file's limit and a
//! little for the envelope), of which one named part is kept. The parser below is that and only
//! that; the part's own `Content-Type` is ignored (the image's type is sniffed from its bytes by
//! the domain), and so is everything but its name and file name.

use crate::security::error::{Detail, SecurityError};
use actix_web::HttpRequest;
use actix_web::dev::Payload;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use futures_util::StreamExt as _;

/// What a multipart envelope may add to the file: its boundaries and part headers (other small
/// fields too).
pub const ENVELOPE: usize = 16 * 1024;

/// The file of an upload.
#[derive(Debug)]
pub struct Upload {
    /// The file name the client gave (possibly empty); shown only.
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// Why an upload is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum UploadError {
    /// The body, or the file in it, is larger than allowed (413).
    TooLarge,
    /// Not a multipart body we can read, or no part of the names asked for (400 `1018`).
    Malformed,
}

impl From<UploadError> for SecurityError {
    fn from(e: UploadError) -> Self {
        match e {
            UploadError::TooLarge => SecurityError::upload_too_large(),
            UploadError::Malformed => {
                SecurityError::bad_request(Detail::MissingOrInvalidParameters)
            }
        }
    }
}

/// Reads the body of `req` (at most `max` bytes of file) and answers the file: the first part
/// named one of `fields` of a `multipart/form-data` body, else the whole body.
pub async fn read(
    req: &HttpRequest,
    mut payload: Payload,
    fields: &[&str],
    max: usize,
) -> Result<Upload, UploadError> {
    let limit = max + ENVELOPE;
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(UploadError::TooLarge);
    }
    let boundary = match req.headers().get(CONTENT_TYPE) {
        Some(value) => boundary(value.to_str().map_err(|_| UploadError::Malformed)?)?,
        None => None,
    };
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| UploadError::Malformed)?;
        if body.len() + chunk.len() > limit {
            return Err(UploadError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    let upload = match boundary {
        Some(boundary) => part(&body, &boundary, fields)?,
        None => Upload {
            file_name: String::new(),
            bytes: body,
        },
    };
    if upload.bytes.len() > max {
        return Err(UploadError::TooLarge);
    }
    Ok(upload)
}

/// The boundary of a `multipart/form-data` content type; `None` for another type. Multipart
/// without a usable boundary (RFC 2046 §5.1.1: 1 to 70 characters) is malformed.
fn boundary(content_type: &str) -> Result<Option<String>, UploadError> {
    let mut items = split_params(content_type).into_iter();
    let essence = items.next().unwrap_or_default();
    if !essence.trim().eq_ignore_ascii_case("multipart/form-data") {
        return Ok(None);
    }
    items
        .filter_map(|item| param(&item, "boundary"))
        .next()
        .filter(|b| !b.is_empty() && b.len() <= 70 && !b.contains(['\r', '\n']))
        .map(Some)
        .ok_or(UploadError::Malformed)
}

/// The first part named one of `fields` (in the order of the body).
fn part(body: &[u8], boundary: &str, fields: &[&str]) -> Result<Upload, UploadError> {
    let dash = format!("--{boundary}");
    let delimiter = format!("\r\n--{boundary}");
    // The first boundary starts the body, or a line after a preamble.
    let mut at = if body.starts_with(dash.as_bytes()) {
        dash.len()
    } else {
        find(body, delimiter.as_bytes()).ok_or(UploadError::Malformed)? + delimiter.len()
    };
    loop {
        let rest = &body[at..];
        if rest.starts_with(b"--") {
            // The close delimiter: no part of those names.
            return Err(UploadError::Malformed);
        }
        // Transport padding, then the line's end.
        let padding = rest
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count();
        let rest = rest[padding..]
            .strip_prefix(b"\r\n")
            .ok_or(UploadError::Malformed)?;
        let head_end = find(rest, b"\r\n\r\n").ok_or(UploadError::Malformed)?;
        let head = std::str::from_utf8(&rest[..head_end]).map_err(|_| UploadError::Malformed)?;
        let content = &rest[head_end + 4..];
        let end = find(content, delimiter.as_bytes()).ok_or(UploadError::Malformed)?;
        if let Some((name, file_name)) = disposition(head)
            && fields.contains(&name.as_str())
        {
            return Ok(Upload {
                file_name: file_name.unwrap_or_default(),
                bytes: content[..end].to_vec(),
            });
        }
        at = body.len() - content.len() + end + delimiter.len();
    }
}

/// The `name` and `filename` of a part's `Content-Disposition: form-data` header.
fn disposition(head: &str) -> Option<(String, Option<String>)> {
    let value = head.split("\r\n").find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-disposition")
            .then_some(value)
    })?;
    let mut items = split_params(value).into_iter();
    if !items.next()?.trim().eq_ignore_ascii_case("form-data") {
        return None;
    }
    let params: Vec<String> = items.collect();
    let name = params.iter().find_map(|p| param(p, "name"))?;
    let file_name = params.iter().find_map(|p| param(p, "filename"));
    Some((name, file_name))
}

/// `value` split at the semicolons outside quoted strings.
fn split_params(value: &str) -> Vec<String> {
    let mut items = vec![String::new()];
    let (mut quoted, mut escaped) = (false, false);
    for c in value.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                items.push(String::new());
                continue;
            }
            _ => {}
        }
        if let Some(last) = items.last_mut() {
            last.push(c);
        }
    }
    items
}

/// The value of `item` when it is the parameter `name` (`name=value` or `name="value"`, the
/// name case-insensitive), unquoted.
fn param(item: &str, name: &str) -> Option<String> {
    let (key, value) = item.split_once('=')?;
    if !key.trim().eq_ignore_ascii_case(name) {
        return None;
    }
    let value = value.trim();
    let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) else {
        return Some(value.to_owned());
    };
    let mut out = String::with_capacity(inner.len());
    let mut escaped = false;
    for c in inner.chars() {
        if c == '\\' && !escaped {
            escaped = true;
        } else {
            out.push(c);
            escaped = false;
        }
    }
    Some(out)
}

/// Where `needle` first occurs in `haystack` (Knuth–Morris–Pratt: linear whatever a client
/// sends, where a naive search could be made quadratic by a body of near-boundaries).
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    let mut fail = vec![0usize; needle.len()];
    let mut k = 0;
    for i in 1..needle.len() {
        while k > 0 && needle[i] != needle[k] {
            k = fail[k - 1];
        }
        if needle[i] == needle[k] {
            k += 1;
        }
        fail[i] = k;
    }
    let mut k = 0;
    for (i, &b) in haystack.iter().enumerate() {
        while k > 0 && b != needle[k] {
            k = fail[k - 1];
        }
        if b == needle[k] {
            k += 1;
        }
        if k == needle.len() {
            return Some(i + 1 - k);
        }
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    const FIELDS: &[&str] = &["file", "data"];

    fn multipart(parts: &[(&str, &str, &[u8])], boundary: &str) -> Vec<u8> {
        let mut body = Vec::new();
        for (name, file, bytes) in parts {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: image/svg+xml\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        body
    }

    async fn upload(
        content_type: Option<&str>,
        body: Vec<u8>,
        max: usize,
    ) -> Result<Upload, UploadError> {
        let mut req = TestRequest::post().set_payload(body);
        if let Some(content_type) = content_type {
            req = req.insert_header(("content-type", content_type));
        }
        let (req, payload) = req.to_http_parts();
        read(&req, payload, FIELDS, max).await
    }

    #[actix_web::test]
    async fn the_named_part_is_the_file() {
        let bytes: &[u8] = b"\x89PNG\r\n\x1a\n\r\n--not-quite\r\nbinary";
        let body = multipart(
            &[("name", "", b"ignored"), ("data", "me.png", bytes)],
            "XyZ",
        );
        let got = upload(Some("multipart/form-data; boundary=XyZ"), body, 1024)
            .await
            .unwrap();
        assert_eq!(got.bytes, bytes);
        assert_eq!(got.file_name, "me.png");
        let quoted = multipart(&[("file", "a;b\\\".svg", b"<svg/>")], "q b");
        let got = upload(Some("Multipart/Form-Data; boundary=\"q b\""), quoted, 1024)
            .await
            .unwrap();
        assert_eq!(got.bytes, b"<svg/>");
        assert_eq!(got.file_name, "a;b\".svg");
    }

    #[actix_web::test]
    async fn a_body_that_is_not_multipart_is_the_file() {
        let got = upload(Some("image/png"), b"raw".to_vec(), 1024)
            .await
            .unwrap();
        assert_eq!(got.bytes, b"raw");
        let got = upload(None, b"raw".to_vec(), 1024).await.unwrap();
        assert_eq!(got.bytes, b"raw");
    }

    #[actix_web::test]
    async fn unreadable_envelopes_and_other_fields_are_malformed() {
        let other = multipart(&[("picture", "x", b"x")], "b");
        let ct = Some("multipart/form-data; boundary=b");
        assert_eq!(
            upload(ct, other, 1024).await.unwrap_err(),
            UploadError::Malformed
        );
        let unterminated =
            b"--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx".to_vec();
        assert_eq!(
            upload(ct, unterminated, 1024).await.unwrap_err(),
            UploadError::Malformed
        );
        let no_boundary = Some("multipart/form-data");
        assert_eq!(
            upload(no_boundary, b"x".to_vec(), 1024).await.unwrap_err(),
            UploadError::Malformed
        );
    }

    #[actix_web::test]
    async fn files_over_the_limit_are_too_large() {
        let ct = Some("multipart/form-data; boundary=b");
        let body = multipart(&[("file", "x", &[7u8; 101])], "b");
        assert_eq!(
            upload(ct, body, 100).await.unwrap_err(),
            UploadError::TooLarge
        );
        let body = multipart(&[("file", "x", &[7u8; 100])], "b");
        assert_eq!(upload(ct, body, 100).await.unwrap().bytes.len(), 100);
        let huge = vec![0u8; 100 + ENVELOPE + 1];
        assert_eq!(
            upload(ct, huge, 100).await.unwrap_err(),
            UploadError::TooLarge
        );
    }

    #[test]
    fn find_is_a_substring_search() {
        assert_eq!(find(b"aaab", b"aab"), Some(1));
        assert_eq!(find(b"abcabd", b"abd"), Some(3));
        assert_eq!(find(b"abc", b"abd"), None);
        assert_eq!(find(b"--b--", b"--b"), Some(0));
    }
}
