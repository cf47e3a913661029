//! The login server's cookies, all made by one builder: HttpOnly, `SameSite=Lax`, `Secure`
//! unless configured otherwise. Served over HTTPS (an `https` public URL), every name starts
//! with `__Host-` (the browser then accepts it only with `Secure`, `Path=/` and no `Domain`: no
//! other host and no plain-HTTP page can plant or overwrite one), its path is `/`, and only
//! cookies with that prefix are read.
//!
//! | cookie | holds | path | lives |
//! |---|---|---|---|
//! | `latchkey_session_<org>` | the device session's secret | `/` | the session |
//! | `latchkey_device_<org>` | the known-device marker (`latchkey_login::known_device_marker`): this browser signed in as a customer before | `/` | 180 days after its last sign-in |
//! | `latchkey_pending_<org>` | the id of the login in progress (a magic link opened in the same browser continues it) | `/` | the login (15 min) |
//! | `latchkey_login_<12 chars of the login id>` | the login's anti-forgery token (`csrf`) | `/login` (`/` with `__Host-`) | the browser session |
//! | `latchkey_magic_<12 hex digits of the link's SHA-256>` | the anti-forgery token of the "continue as ...?" page of one magic link | `/magiclink` (`/` with `__Host-`) | 15 minutes |
//! | `latchkey_logout` | the logout confirmation's anti-forgery token | `/logout` (`/` with `__Host-`) | 10 minutes |

use actix_web::HttpRequest;
use actix_web::cookie::time::{Duration, OffsetDateTime};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::web::Data;
use latchkey_core::OrgId;
use latchkey_login::{Browser, KNOWN_DEVICE_TTL, LOGIN_TTL, NewSession, known_device_marker};

const SESSION: &str = "latchkey_session_";
const KNOWN: &str = "latchkey_device_";
const PENDING: &str = "latchkey_pending_";
const LOGIN: &str = "latchkey_login_";
const MAGIC: &str = "latchkey_magic_";
const LOGOUT: &str = "latchkey_logout";
/// RFC 6265bis §4.1.3.2.
const HOST_PREFIX: &str = "__Host-";

/// Makes the login server's cookies.
#[derive(Debug, Clone, Copy)]
pub struct Cookies {
    /// Whether cookies carry `Secure`.
    pub secure: bool,
    /// Served over HTTPS: `__Host-` names (and so `Secure` and `Path=/`).
    pub host_prefix: bool,
}

impl Cookies {
    /// The cookies of a server whose public URL is `public_url`.
    pub fn new(secure: bool, public_url: &str) -> Self {
        let https = public_url
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"));
        Self {
            secure: secure || https,
            host_prefix: https,
        }
    }

    /// The name a cookie goes by on the wire.
    fn named(self, name: &str) -> String {
        if self.host_prefix {
            format!("{HOST_PREFIX}{name}")
        } else {
            name.to_owned()
        }
    }

    fn build(self, name: String, value: String, path: &'static str) -> Cookie<'static> {
        let path = if self.host_prefix { "/" } else { path };
        Cookie::build(self.named(&name), value)
            .path(path)
            .http_only(true)
            .secure(self.secure)
            .same_site(SameSite::Lax)
            .finish()
    }

    fn removal(self, name: String, path: &'static str) -> Cookie<'static> {
        let mut gone = self.build(name, String::new(), path);
        gone.make_removal();
        gone
    }

    /// A device session's cookie, for the session's lifetime.
    pub fn session(self, org: &OrgId, session: &NewSession) -> Cookie<'static> {
        let mut cookie = self.build(format!("{SESSION}{org}"), session.value.0.clone(), "/");
        let expires = OffsetDateTime::from_unix_timestamp(session.expires_at.unix_timestamp())
            .unwrap_or_else(|_| OffsetDateTime::now_utc());
        cookie.set_expires(expires);
        cookie
    }

    /// The browser signed in as a customer of `org` (the session `session` started): it stays
    /// known after the session ends, for [`KNOWN_DEVICE_TTL`].
    pub fn known_device(self, org: &OrgId, session: &NewSession) -> Cookie<'static> {
        let marker = known_device_marker(session);
        let mut cookie = self.build(format!("{KNOWN}{org}"), marker, "/");
        cookie.set_max_age(Duration::seconds(KNOWN_DEVICE_TTL.whole_seconds()));
        cookie
    }

    /// Forgets the device session of `org`.
    pub fn session_removal(self, org: &OrgId) -> Cookie<'static> {
        self.removal(format!("{SESSION}{org}"), "/")
    }

    /// Names the login in progress for `org`.
    pub fn pending(self, org: &OrgId, id: &str) -> Cookie<'static> {
        let mut cookie = self.build(format!("{PENDING}{org}"), id.to_owned(), "/");
        cookie.set_max_age(Duration::seconds(LOGIN_TTL.whole_seconds()));
        cookie
    }

    /// The login in progress for `org` is over.
    pub fn pending_removal(self, org: &OrgId) -> Cookie<'static> {
        self.removal(format!("{PENDING}{org}"), "/")
    }

    /// The anti-forgery token of login `id` (double submit: every form carries it too).
    pub fn csrf(self, id: &str, csrf: &str) -> Cookie<'static> {
        self.build(csrf_name(id), csrf.to_owned(), "/login")
    }

    /// The anti-forgery token of the page that opened the magic link `token`.
    pub fn magic_csrf(self, token: &str, csrf: &str) -> Cookie<'static> {
        let mut cookie = self.build(magic_name(token), csrf.to_owned(), "/magiclink");
        cookie.set_max_age(Duration::seconds(LOGIN_TTL.whole_seconds()));
        cookie
    }

    /// The login `id` is over: its anti-forgery cookie goes.
    pub fn csrf_removal(self, id: &str) -> Cookie<'static> {
        self.removal(csrf_name(id), "/login")
    }

    /// The logout confirmation's anti-forgery token (its form carries it too).
    pub fn logout(self, token: &str) -> Cookie<'static> {
        let mut cookie = self.build(LOGOUT.to_owned(), token.to_owned(), "/logout");
        cookie.set_max_age(Duration::minutes(10));
        cookie
    }

    /// The logout was confirmed: its cookie goes.
    pub fn logout_removal(self) -> Cookie<'static> {
        self.removal(LOGOUT.to_owned(), "/logout")
    }
}

/// Whether the logout confirmation form's token is the one its cookie carries (constant
/// time): a form posted from another site has no such cookie.
pub fn logout_matches(req: &HttpRequest, token: &str) -> bool {
    let cookie = req
        .cookie(&of(req).named(LOGOUT))
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    !token.is_empty() && latchkey_core::ct_eq(cookie.as_bytes(), token.as_bytes())
}

/// Whether the anti-forgery token a form posted for login `id` is the one its cookie carries
/// (constant time): a form posted from another site has no such cookie.
pub fn csrf_matches(req: &HttpRequest, id: &str, csrf: &str) -> bool {
    let cookie = req
        .cookie(&of(req).named(&csrf_name(id)))
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    latchkey_core::ct_eq(cookie.as_bytes(), csrf.as_bytes())
}

/// Whether the anti-forgery token a "continue as ...?" form posted is the one the page that
/// opened the magic link `token` set (constant time): a form posted from another site, or for
/// another link, has no such cookie.
pub fn magic_csrf_matches(req: &HttpRequest, token: &str, csrf: &str) -> bool {
    let cookie = req
        .cookie(&of(req).named(&magic_name(token)))
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    !csrf.is_empty() && latchkey_core::ct_eq(cookie.as_bytes(), csrf.as_bytes())
}

/// What the browser carries for the login server: its device sessions, known-device markers
/// and logins in progress, by org (cookies naming no valid org are ignored; over HTTPS, so is
/// every cookie without the `__Host-` prefix).
pub fn browser(req: &HttpRequest) -> Browser {
    let prefix = if of(req).host_prefix { HOST_PREFIX } else { "" };
    let mut browser = Browser::default();
    for cookie in req.cookies().map(|c| c.clone()).unwrap_or_default() {
        let Some(name) = cookie.name().strip_prefix(prefix) else {
            continue;
        };
        let org_of = |kind: &str| name.strip_prefix(kind).and_then(|o| OrgId::parse(o).ok());
        if let Some(org) = org_of(SESSION) {
            browser = browser.with_session(org, cookie.value());
        } else if let Some(org) = org_of(PENDING) {
            browser = browser.with_pending(org, cookie.value());
        } else if let Some(org) = org_of(KNOWN) {
            browser = browser.with_known(org, cookie.value());
        }
    }
    browser
}

/// The cookies of the server serving `req`.
fn of(req: &HttpRequest) -> Cookies {
    req.app_data::<Data<crate::state::AppState>>().map_or(
        Cookies {
            secure: true,
            host_prefix: false,
        },
        |state| state.cookies,
    )
}

fn magic_name(token: &str) -> String {
    let hash = latchkey_core::SecretHash::of(token.as_bytes()).to_hex();
    format!("{MAGIC}{}", &hash[..12])
}

fn csrf_name(id: &str) -> String {
    let short: String = id.chars().take(12).collect();
    format!("{LOGIN}{short}")
}
