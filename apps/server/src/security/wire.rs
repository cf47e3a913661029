//! The wire rules of the operator plane that every handler shares: JSON bodies read whatever
//! the `Content-Type` says, query flags, the success bodies, and the request's method (quoted by
//! every error body as `ErrorDetails`).
//!
//! Why the `Content-Type` is ignored: owsec's own curl CLI posts JSON with `curl -d` and no
//! content type (so curl sends `application/x-www-form-urlencoded`), and existing clients must
//! work unchanged. GET and DELETE handlers take no body extractor: a body sent with them (the CLI
//! sends some) is never read.

use crate::http::body::MAX_BODY;
use crate::security::error::{Detail, SecurityError};
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::CONTENT_LENGTH;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use futures_util::StreamExt as _;
use futures_util::future::LocalBoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::future::{Ready, ready};

tokio::task_local! {
    // A `Method`, not its text: cloning a standard method allocates nothing, and every request
    // of the plane sets it while only its errors and `Command completed.` read it.
    static METHOD: Method;
}

/// The method of the request being served on the plane (`ErrorDetails`); empty outside one.
pub fn current_method() -> String {
    METHOD
        .try_with(|m| m.as_str().to_owned())
        .unwrap_or_default()
}

/// `error`'s answer to a request of `method` made outside the plane's middleware (the request
/// timeout, which answers for the handler it gave up on).
pub fn answer_for(method: Method, error: SecurityError) -> actix_web::HttpResponse {
    METHOD.sync_scope(method, || error.into_response())
}

/// Middleware of the plane's scope: remembers the method for the error bodies.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let method = req.method().clone();
    METHOD.scope(method, next.call(req)).await
}

/// A required JSON body, read whatever the `Content-Type` says, at most
/// [`MAX_BODY`](crate::http::body::MAX_BODY) bytes (413 beyond). Empty or not JSON: 400
/// `1003: Invalid JSON document.`; JSON whose fields do not fit: 400 `1018: Invalid or missing
/// parameters.`.
#[derive(Debug)]
pub struct Json<T>(pub T);

/// An optional JSON body: an empty body (or only white space) is `None`; otherwise as [`Json`].
#[derive(Debug)]
pub struct OptionalJson<T>(pub Option<T>);

async fn read(declared: Option<usize>, mut payload: Payload) -> Result<web::Bytes, SecurityError> {
    if declared.is_some_and(|n| n > MAX_BODY) {
        return Err(SecurityError::too_large());
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| SecurityError::bad_request(Detail::InvalidJson))?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err(SecurityError::too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn declared_length(req: &HttpRequest) -> Option<usize> {
    req.headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// Parses `bytes` as `T`; `None` when there is nothing but white space, or JSON `null`. Every
/// body of this plane is an object: serde's derived structs would also take an array, field by
/// field in order, which no client means (400 `1018`).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<Option<T>, SecurityError> {
    let Some(first) = bytes.iter().find(|b| !b.is_ascii_whitespace()) else {
        return Ok(None);
    };
    if *first == b'[' {
        return Err(SecurityError::bad_request(
            Detail::MissingOrInvalidParameters,
        ));
    }
    serde_json::from_slice::<Option<T>>(bytes).map_err(|e| {
        SecurityError::bad_request(match e.classify() {
            serde_json::error::Category::Data => Detail::MissingOrInvalidParameters,
            _ => Detail::InvalidJson,
        })
    })
}

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = SecurityError;
    type Future = LocalBoxFuture<'static, Result<Self, SecurityError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let declared = declared_length(req);
        let payload = payload.take();
        Box::pin(async move {
            let bytes = read(declared, payload).await?;
            parse(&bytes).map(OptionalJson)
        })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = SecurityError;
    type Future = LocalBoxFuture<'static, Result<Self, SecurityError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let optional = OptionalJson::<T>::from_request(req, payload);
        Box::pin(async move {
            optional
                .await?
                .0
                .map(Json)
                .ok_or_else(|| SecurityError::bad_request(Detail::InvalidJson))
        })
    }
}

/// The query string's parameters, in order. Flags are `true`/`false` or `1`/`0`,
/// case-insensitively.
#[derive(Debug, Clone, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// Parses a query string; one that is not `application/x-www-form-urlencoded` is 400
    /// `1018`.
    pub fn parse(query: &str) -> Result<Self, SecurityError> {
        serde_urlencoded::from_str(query)
            .map(Params)
            .map_err(|_| SecurityError::bad_request(Detail::MissingOrInvalidParameters))
    }

    /// The first value of `name` (names are case-sensitive, as the definition spells them).
    pub fn text(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Whether the flag `name` is set: absent is `false`; a value other than
    /// `true`/`false`/`1`/`0` (any case) is 400 `1018`.
    pub fn flag(&self, name: &str) -> Result<bool, SecurityError> {
        match self.text(name) {
            None => Ok(false),
            Some(value) => parse_flag(value)
                .ok_or_else(|| SecurityError::bad_request(Detail::MissingOrInvalidParameters)),
        }
    }

    /// A number parameter: absent is `None`; not a number of that type is 400 `1018`.
    pub fn number<N: std::str::FromStr>(&self, name: &str) -> Result<Option<N>, SecurityError> {
        self.text(name)
            .map(|v| {
                v.trim()
                    .parse()
                    .map_err(|_| SecurityError::bad_request(Detail::MissingOrInvalidParameters))
            })
            .transpose()
    }
}

/// `true`/`1` or `false`/`0`, case-insensitively.
pub fn parse_flag(value: &str) -> Option<bool> {
    let value = value.trim();
    if value.eq_ignore_ascii_case("true") || value == "1" {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") || value == "0" {
        Some(false)
    } else {
        None
    }
}

impl FromRequest for Params {
    type Error = SecurityError;
    type Future = Ready<Result<Self, SecurityError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Params::parse(req.query_string()))
    }
}

/// The body of an operation with nothing to return.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Completed {
    /// Always 0.
    #[serde(rename = "Code")]
    pub code: u16,
    /// The HTTP method.
    #[serde(rename = "Operation")]
    pub operation: String,
    /// Always `Command completed.`.
    #[serde(rename = "Details")]
    pub details: &'static str,
}

impl Completed {
    /// `{"Code": 0, "Operation": "<METHOD>", "Details": "Command completed."}` for the request
    /// being served.
    pub fn new() -> Self {
        Self {
            code: 0,
            operation: current_method(),
            details: "Command completed.",
        }
    }
}

impl Default for Completed {
    fn default() -> Self {
        Self::new()
    }
}

/// 200 `{"Code": 0, "Operation": "<METHOD>", "Details": "Command completed."}`.
pub fn completed() -> HttpResponse {
    ok(&Completed::new())
}

/// The answer of a DELETE: 200 with an empty body.
pub fn deleted() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// 200 with `body` as JSON, not to be cached (answers of this plane carry accounts and tokens).
pub fn ok<T: Serialize>(body: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(body)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[derive(Debug, serde::Deserialize)]
    struct Login {
        #[serde(rename = "userId")]
        user_id: String,
    }

    async fn json(req: TestRequest) -> Result<Option<Login>, SecurityError> {
        let (req, mut payload) = req.to_http_parts();
        OptionalJson::<Login>::from_request(&req, &mut payload)
            .await
            .map(|j| j.0)
    }

    #[actix_web::test]
    async fn json_is_read_whatever_the_content_type() {
        for content_type in ["application/x-www-form-urlencoded", "text/plain"] {
            let req = TestRequest::post()
                .insert_header(("content-type", content_type))
                .set_payload(r#"{"userId":"a@b.c"}"#);
            assert_eq!(json(req).await.unwrap().unwrap().user_id, "a@b.c");
        }
        let bare = TestRequest::post().set_payload(r#"{"userId":"x"}"#);
        assert_eq!(json(bare).await.unwrap().unwrap().user_id, "x");
    }

    #[actix_web::test]
    async fn bad_bodies_are_400_with_their_detail() {
        let syntax = json(TestRequest::post().set_payload("{not json")).await;
        assert_eq!(
            syntax.unwrap_err().to_string(),
            "1003: Invalid JSON document."
        );
        let fields = json(TestRequest::post().set_payload(r#"{"userId": 7}"#)).await;
        assert_eq!(
            fields.unwrap_err().to_string(),
            "1018: Invalid or missing parameters."
        );
        assert!(
            json(TestRequest::post().set_payload(" \n"))
                .await
                .unwrap()
                .is_none()
        );
        let null = json(TestRequest::post().set_payload("null")).await;
        assert!(null.unwrap().is_none());
        let array = json(TestRequest::post().set_payload(r#" ["x"]"#)).await;
        assert_eq!(
            array.unwrap_err().to_string(),
            "1018: Invalid or missing parameters."
        );
    }

    #[actix_web::test]
    async fn bodies_over_the_limit_are_413() {
        let big = format!(r#"{{"userId":"{}"}}"#, "a".repeat(MAX_BODY));
        let error = json(TestRequest::post().set_payload(big))
            .await
            .unwrap_err();
        assert_eq!(error.code(), 413);
    }

    #[test]
    fn flags_are_true_false_1_0_in_any_case() {
        let params = Params::parse("me=TRUE&a=1&b=False&c=0&d=yes").unwrap();
        assert!(params.flag("me").unwrap());
        assert!(params.flag("a").unwrap());
        assert!(!params.flag("b").unwrap());
        assert!(!params.flag("c").unwrap());
        assert!(!params.flag("absent").unwrap());
        assert_eq!(params.flag("d").unwrap_err().code(), 400);
        assert_eq!(params.number::<u64>("a").unwrap(), Some(1));
        assert!(params.number::<u64>("b").is_err());
    }
}
