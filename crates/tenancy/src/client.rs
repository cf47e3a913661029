//! API clients: the service accounts that obtain service tokens.

use crate::{OrgAccess, ScopeSet};
use latchkey_core::{SecretHash, SecretString, Timestamp};
use std::fmt;

/// A client id: 1 to 64 characters of `[A-Za-z0-9._-]` (never `:`, which HTTP Basic reserves).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientId(String);

impl ClientId {
    /// The most characters of a client id.
    pub const MAX_LEN: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, crate::ClientError> {
        let ok = (1..=Self::MAX_LEN).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(crate::ClientError::InvalidId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientId({})", self.0)
    }
}

/// A client's human-readable name: 1 to 100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientName(String);

impl ClientName {
    /// The most characters of a name, as sent.
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, crate::ClientError> {
        // As sent: at most MAX_CHARS characters, none a control character (the white space
        // trimming would take off included), as the OpenAPI document's schema says.
        let name = raw.trim();
        if !name.is_empty()
            && raw.chars().count() <= Self::MAX_CHARS
            && !raw.chars().any(char::is_control)
        {
            Ok(Self(name.to_owned()))
        } else {
            Err(crate::ClientError::InvalidName)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A client secret in clear: shown once, at creation, then only its hash is kept.
pub type ClientSecret = SecretString;

/// A registered API client. Only the hash of its secret is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiClient {
    pub id: ClientId,
    pub name: ClientName,
    pub secret_hash: SecretHash,
    pub scopes: ScopeSet,
    pub orgs: OrgAccess,
    pub created_at: Timestamp,
    pub grants: GrantSet,
    pub login: LoginSettings,
}

/// What a caller asks for when registering a client.
#[derive(Debug, Clone)]
pub struct NewClient {
    pub name: ClientName,
    pub scopes: ScopeSet,
    pub orgs: OrgAccess,
    pub grants: GrantSet,
    pub login: LoginSettings,
}

/// An OAuth 2.0 grant a client may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Grant {
    /// Service tokens for the Credentials API (RFC 6749 §4.4).
    ClientCredentials,
    /// Customers sign in through `/authorize` (RFC 6749 §4.1, with PKCE).
    AuthorizationCode,
    /// Refresh tokens bound to the customer's device session (RFC 6749 §6).
    RefreshToken,
    /// Client-initiated backchannel authentication, poll mode (OpenID CIBA Core).
    Ciba,
    /// `response_type=token` (RFC 6749 §4.2): only for clients explicitly allowed it.
    Implicit,
}

impl Grant {
    pub const ALL: [Grant; 5] = [
        Grant::ClientCredentials,
        Grant::AuthorizationCode,
        Grant::RefreshToken,
        Grant::Ciba,
        Grant::Implicit,
    ];

    /// The name of the grant in client registrations (the `grant_type` of `/token`, except
    /// CIBA's URN and `implicit`, which has none).
    pub fn as_str(self) -> &'static str {
        match self {
            Grant::ClientCredentials => "client_credentials",
            Grant::AuthorizationCode => "authorization_code",
            Grant::RefreshToken => "refresh_token",
            Grant::Ciba => "urn:openid:params:grant-type:ciba",
            Grant::Implicit => "implicit",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, crate::ClientError> {
        Self::ALL
            .into_iter()
            .find(|g| g.as_str() == raw || (raw == "ciba" && *g == Grant::Ciba))
            .ok_or_else(|| crate::ClientError::UnknownGrant(raw.to_owned()))
    }

    /// Whether the grant signs customers in (so the client belongs to one org).
    pub fn is_login(self) -> bool {
        !matches!(self, Grant::ClientCredentials)
    }
}

/// The grants of a client, in canonical order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GrantSet(std::collections::BTreeSet<Grant>);

impl GrantSet {
    pub fn contains(&self, grant: Grant) -> bool {
        self.0.contains(&grant)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = Grant> + '_ {
        self.0.iter().copied()
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.iter().map(Grant::as_str).collect()
    }

    /// Whether any grant signs customers in.
    pub fn any_login(&self) -> bool {
        self.iter().any(Grant::is_login)
    }
}

impl FromIterator<Grant> for GrantSet {
    fn from_iter<I: IntoIterator<Item = Grant>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// A registered redirect URI (RFC 6749 §3.1.2, RFC 9700 §2.1): absolute, without a fragment;
/// `https`, or `http` on a loopback host (RFC 8252 §7.3), or a private-use scheme with a dot
/// for native apps (`com.example.app:/callback`, RFC 8252 §7.1). Compared exactly.
///
/// Read with a WHATWG-conformant parser (the `url` crate, as browsers read it), never by hand:
/// `http://evil.example\@127.0.0.1/cb` is `evil.example` to a browser, so it is refused as
/// `http` off loopback. A URI is accepted only when the parser's serialization is the URI
/// itself ("parsed cleanly"): no backslash, whitespace, upper-case host, default port or dot
/// segment that a browser would rewrite, so the string compared at `/authorize` is the one the
/// browser is sent to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectUri {
    raw: String,
    /// It passes [`RedirectUri::parse`]; `false` only for one read back from storage that an
    /// older, laxer rule let in. Such a URI is never a destination.
    clean: bool,
}

impl RedirectUri {
    /// Parses a URI given at registration.
    pub fn parse(raw: &str) -> Result<Self, crate::ClientError> {
        if acceptable(raw) {
            Ok(Self {
                raw: raw.to_owned(),
                clean: true,
            })
        } else {
            Err(crate::ClientError::InvalidRedirectUri(raw.to_owned()))
        }
    }

    /// A URI read back from storage: kept as it was registered, but usable as a destination
    /// only if it still parses cleanly.
    pub fn stored(raw: &str) -> Self {
        Self {
            raw: raw.to_owned(),
            clean: acceptable(raw),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Whether it may be a destination (it passes [`RedirectUri::parse`]).
    pub fn is_clean(&self) -> bool {
        self.clean
    }

    /// Whether `uri` is exactly this URI and this URI parsed cleanly.
    pub fn matches(&self, uri: &str) -> bool {
        self.clean && self.raw == uri
    }
}

/// The rules of [`RedirectUri`].
fn acceptable(raw: &str) -> bool {
    if raw.len() > 2000 || raw.contains('#') {
        return false;
    }
    let Ok(url) = url::Url::parse(raw) else {
        return false;
    };
    if url.as_str() != raw {
        return false;
    }
    let userinfo = !url.username().is_empty() || url.password().is_some();
    match url.scheme() {
        "https" => url.host().is_some() && !userinfo,
        "http" => {
            let loopback = match url.host() {
                Some(url::Host::Domain(d)) => d == "localhost",
                Some(url::Host::Ipv4(ip)) => ip == std::net::Ipv4Addr::LOCALHOST,
                Some(url::Host::Ipv6(ip)) => ip == std::net::Ipv6Addr::LOCALHOST,
                None => false,
            };
            loopback && !userinfo
        }
        "javascript" | "data" | "file" | "vbscript" | "blob" => false,
        private => private.contains('.') && !url.path().is_empty(),
    }
}

/// The JWS algorithm of a client's ID tokens (`id_token_signed_response_alg`, OpenID Connect
/// Registration §2: RS256 unless the client asks for another).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IdTokenAlg {
    #[default]
    Rs256,
    Es256,
}

impl IdTokenAlg {
    /// Every algorithm a client may ask for.
    pub const ALL: [IdTokenAlg; 2] = [IdTokenAlg::Rs256, IdTokenAlg::Es256];

    pub fn as_str(self) -> &'static str {
        match self {
            IdTokenAlg::Rs256 => "RS256",
            IdTokenAlg::Es256 => "ES256",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, crate::ClientError> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == raw)
            .ok_or_else(|| crate::ClientError::UnknownIdTokenAlg(raw.to_owned()))
    }
}

/// How a client signs customers in: nothing for a plain service client.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LoginSettings {
    /// A public client (a browser or mobile app) has no secret and must use PKCE with S256.
    pub public: bool,
    pub redirect_uris: Vec<RedirectUri>,
    pub id_token_alg: IdTokenAlg,
    /// Where `/logout` may send the browser afterwards (OpenID RP-Initiated Logout 1.0 §3),
    /// compared exactly; with the same rules as `redirect_uris`.
    pub post_logout_redirect_uris: Vec<RedirectUri>,
}

impl ApiClient {
    /// The one org of a login client (its customers' org); `None` for a client of several orgs.
    pub fn login_org(&self) -> Option<&latchkey_core::OrgId> {
        match &self.orgs {
            OrgAccess::Only(orgs) if orgs.len() == 1 => orgs.iter().next(),
            _ => None,
        }
    }

    /// Whether `uri` is exactly one of the client's redirect URIs (one that parsed cleanly).
    pub fn has_redirect_uri(&self, uri: &str) -> bool {
        self.login.redirect_uris.iter().any(|r| r.matches(uri))
    }

    /// Whether `uri` is exactly one of the URIs the client registered for after a logout.
    pub fn has_post_logout_redirect_uri(&self, uri: &str) -> bool {
        self.login
            .post_logout_redirect_uris
            .iter()
            .any(|r| r.matches(uri))
    }
}

#[cfg(test)]
mod tests {
    use super::RedirectUri;

    #[test]
    fn redirect_uris_are_read_as_a_browser_reads_them() {
        for ok in [
            "https://app.example/callback",
            "https://app.example/cb?x=1",
            "http://localhost:9000/callback",
            "http://127.0.0.1:9/cb",
            "http://[::1]:8080/cb",
            "com.example.app:/callback",
        ] {
            assert!(RedirectUri::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            // A browser goes to evil.example: the backslash is a slash in http(s).
            "http://evil.example\\@127.0.0.1/cb",
            "https://evil.example\\@app.example/cb",
            "http://evil.example/cb",
            "http://user@127.0.0.1/cb",
            "https://user:pw@app.example/cb",
            "https://app.example/cb#x",
            // Not in the form a browser would send: it would not match exactly.
            "https://App.example/cb",
            "https://app.example:443/cb",
            "https://app.example",
            "https://app.example/a/../cb",
            "https://app.example/c b",
            " https://app.example/cb",
            "http://127.1/cb",
            "javascript:alert(1)",
            "data:text/html,x",
            "file:///etc/passwd",
            "myapp:/cb",
            "relative/cb",
        ] {
            assert!(RedirectUri::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_stored_uri_that_no_longer_parses_is_never_a_destination() {
        let old = RedirectUri::stored("http://evil.example\\@127.0.0.1/cb");
        assert!(!old.is_clean());
        assert!(!old.matches("http://evil.example\\@127.0.0.1/cb"));
        let fine = RedirectUri::stored("https://app.example/cb");
        assert!(fine.matches("https://app.example/cb") && !fine.matches("https://app.example/c"));
    }
}
