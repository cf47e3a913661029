//! Sending a request to a server at a base URL and reading its answer: the in-process
//! [`crate::TestServer`] and the fault tests' child processes speak through these.

use crate::Answer;
use serde_json::Value;

/// Sends `method path` to the server at `base`: `token` becomes a bearer token, `body` JSON.
/// `Err` when no answer came (the connection was refused or cut).
pub async fn send(
    http: &awc::Client,
    base: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Result<Answer, String> {
    let method = method.parse().map_err(|e| format!("{e}"))?;
    let mut request = http.request(method, format!("{base}{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = match body {
        Some(body) => request.send_json(body).await,
        None => request.send().await,
    };
    read_answer(response).await
}

/// The status, headers and body (at most 1 MiB) of an answer; `Err` when none came.
pub async fn read_answer<S>(
    response: Result<awc::ClientResponse<S>, awc::error::SendRequestError>,
) -> Result<Answer, String>
where
    S: futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>> + Unpin,
{
    let mut response = response.map_err(|e| format!("request not answered: {e}"))?;
    let body = response
        .body()
        .limit(1 << 20)
        .await
        .map_err(|e| format!("body not read: {e}"))?
        .to_vec();
    Ok(Answer {
        status: response.status(),
        headers: response.headers().clone(),
        body,
    })
}
