//! Who a page request comes from: its language (negotiated once, with `notify`'s `Language`,
//! which messages are written in too), its address and user agent, and its cookies.

use actix_web::HttpRequest;
use latchkey_login::{Agent, Browser};
use latchkey_notify::Language;

/// The page's language: the first of `ui_locales` spoken, else the best of `Accept-Language`,
/// else Spanish.
pub fn language(ui_locales: Option<&str>, req: &HttpRequest) -> Language {
    let accept = req
        .headers()
        .get("accept-language")
        .and_then(|v| v.to_str().ok());
    Language::negotiate(ui_locales, accept)
}

/// The client's address as this server saw it (a proxy in front makes every customer one
/// address: the per-address limit is generous for that reason).
pub fn peer_ip(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default()
}

/// The agent of a login step.
pub fn agent<'a>(
    req: &'a HttpRequest,
    browser: &'a Browser,
    language: Language,
    address: &'a str,
) -> Agent<'a> {
    Agent {
        address,
        user_agent: req
            .headers()
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default(),
        language,
        browser,
    }
}
