//! Redirects back to the client: a code or token on success, an error otherwise (RFC 6749
//! §4.1.2, §4.1.2.1, §4.2.2; RFC 9207's `iss` on every one).

use latchkey_oauth::{AuthRequest, ResponseType};

/// The redirect that tells the client the login failed (RFC 6749 §4.1.2.1).
pub(crate) fn error_redirect(
    issuer: &str,
    request: &AuthRequest,
    error: &str,
    description: &str,
) -> String {
    error_redirect_to(
        issuer,
        &request.redirect_uri,
        request.response_type,
        &request.state,
        error,
        description,
    )
}

/// The same, for a request that failed its checks (its redirect URI is a registered one).
pub(crate) fn error_redirect_to(
    issuer: &str,
    redirect_uri: &str,
    response_type: ResponseType,
    state: &str,
    error: &str,
    description: &str,
) -> String {
    let mut params = vec![("error", error), ("error_description", description)];
    if !state.is_empty() {
        params.push(("state", state));
    }
    params.push(("iss", issuer));
    with_params(redirect_uri, mark(response_type), &params)
}

/// `?` for a code (the query), `#` for a token (the fragment).
pub(crate) fn mark(response_type: ResponseType) -> char {
    match response_type {
        ResponseType::Code => '?',
        ResponseType::Token => '#',
    }
}

/// `uri` with `params` added after `mark` (`?` query, `#` fragment), form-encoded.
pub(crate) fn with_params(uri: &str, mark: char, params: &[(&str, &str)]) -> String {
    let encoded = serde_urlencoded::to_string(params).unwrap_or_default();
    let joiner = if mark == '?' && uri.contains('?') {
        '&'
    } else {
        mark
    };
    format!("{uri}{joiner}{encoded}")
}

#[cfg(test)]
mod tests {
    use super::with_params;

    #[test]
    fn params_join_an_existing_query() {
        assert_eq!(
            with_params("https://a.example/cb?x=1", '?', &[("code", "a b")]),
            "https://a.example/cb?x=1&code=a+b"
        );
        assert_eq!(
            with_params("https://a.example/cb", '#', &[("state", "s")]),
            "https://a.example/cb#state=s"
        );
    }
}
