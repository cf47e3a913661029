//! The login server's cookies, all made by one builder: HttpOnly, `SameSite=Lax`, `Secure`
//! unless configured otherwise.
//!
//! | cookie | holds | path | lives |
//! |---|---|---|---|
//! | `latchkey_session_<org>` | the device session's secret | `/` | the session |
//! | `latchkey_pending_<org>` | the id of the login in progress (a magic link opened in the same browser continues it) | `/` | the login (15 min) |
//! | `latchkey_login_<12 chars of the login id>` | the login's anti-forgery token (`csrf`) | `/login` | the browser session |
//! | `latchkey_logout` | the logout confirmation's anti-forgery token | `/logout` | 10 minutes |

use actix_web::HttpRequest;
use actix_web::cookie::time::{Duration, OffsetDateTime};
use actix_web::cookie::{Cookie, SameSite};
use latchkey_core::OrgId;
use latchkey_login::{Browser, LOGIN_TTL, NewSession};

const SESSION: &str = "latchkey_session_";
const PENDING: &str = "latchkey_pending_";
const LOGIN: &str = "latchkey_login_";
const LOGOUT: &str = "latchkey_logout";

/// Makes the login server's cookies.
#[derive(Debug, Clone, Copy)]
pub struct Cookies {
    /// Whether cookies carry `Secure`.
    pub secure: bool,
}

impl Cookies {
    fn build(self, name: String, value: String, path: &'static str) -> Cookie<'static> {
        Cookie::build(name, value)
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
        .cookie(LOGOUT)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    !token.is_empty() && latchkey_core::ct_eq(cookie.as_bytes(), token.as_bytes())
}

/// Whether the anti-forgery token a form posted for login `id` is the one its cookie carries
/// (constant time): a form posted from another site has no such cookie.
pub fn csrf_matches(req: &HttpRequest, id: &str, csrf: &str) -> bool {
    let cookie = req
        .cookie(&csrf_name(id))
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    latchkey_core::ct_eq(cookie.as_bytes(), csrf.as_bytes())
}

/// What the browser carries for the login server: its device sessions and logins in progress,
/// by org (cookies naming no valid org are ignored).
pub fn browser(req: &HttpRequest) -> Browser {
    let mut browser = Browser::default();
    for cookie in req.cookies().map(|c| c.clone()).unwrap_or_default() {
        let name = cookie.name();
        if let Some(org) = name
            .strip_prefix(SESSION)
            .and_then(|o| OrgId::parse(o).ok())
        {
            browser = browser.with_session(org, cookie.value());
        } else if let Some(org) = name
            .strip_prefix(PENDING)
            .and_then(|o| OrgId::parse(o).ok())
        {
            browser = browser.with_pending(org, cookie.value());
        }
    }
    browser
}

fn csrf_name(id: &str) -> String {
    let short: String = id.chars().take(12).collect();
    format!("{LOGIN}{short}")
}
