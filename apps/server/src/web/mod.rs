//! The HTML face: the login server's pages. Server-rendered, without JavaScript, in Spanish and
//! English; every form carries an anti-forgery token that must also come back in a cookie.
//!
//! One file per page flow — `authorize` (`GET /authorize`), `login` (the forms `POST /login`,
//! `/login/send`, `/login/factor`), `magic` (`GET` and `POST /magiclink`), `ciba` (`GET /ciba`,
//! `POST /ciba/decide`), `logout` (`/logout`, `POST /logout/confirm`) — each parsing the
//! request, calling one use case of `latchkey-login` and rendering its outcome. Around them:
//! `pages` (templates and words), `cookies` (one builder for every cookie, and the anti-forgery
//! check), `agent` (the language and the agent of a request) and `error` (the one table from
//! errors to pages).

mod agent;
pub mod authorize;
mod ciba;
mod cookies;
mod error;
mod login;
pub mod logout;
pub mod magic;
pub mod pages;

use crate::http::endpoint::Endpoint;
use actix_web::web;
use actix_web::{HttpResponse, HttpResponseBuilder};
pub use cookies::Cookies;
use latchkey_login::Completion;
use latchkey_notify::Language;
use pages::Say;

/// Registers the pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::page("/authorize").get(authorize::authorize))
        .service(Endpoint::page("/login").post(login::password))
        .service(Endpoint::page("/login/send").post(login::send_code))
        .service(Endpoint::page("/login/factor").post(login::second_factor))
        .service(
            Endpoint::page("/magiclink")
                .get(magic::magic_link)
                .post(magic::magic_link_continue),
        )
        .service(Endpoint::page("/ciba").get(ciba::approval))
        .service(Endpoint::page("/ciba/decide").post(ciba::decide))
        .service(
            Endpoint::page("/logout")
                .get(logout::logout)
                .post(logout::logout_form),
        )
        .service(Endpoint::page("/logout/confirm").post(logout::confirm));
}

/// How a page reads its form: a body that is not a form (415) or not one it can read (400)
/// answers with the error page, as every other refusal of a page does.
pub(crate) fn form_config() -> web::FormConfig {
    web::FormConfig::default().error_handler(|err, req| {
        let status = match err {
            actix_web::error::UrlencodedError::ContentType => {
                actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            _ => actix_web::http::StatusCode::BAD_REQUEST,
        };
        let page = pages::message(status, agent::language(None, req), "", Say::BadRequest);
        actix_web::error::InternalError::from_response(err, page).into()
    })
}

/// How a page reads its query: one it cannot read answers 400 with the error page.
pub(crate) fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, req| {
        let page = pages::message(
            actix_web::http::StatusCode::BAD_REQUEST,
            agent::language(None, req),
            "",
            Say::BadRequest,
        );
        actix_web::error::InternalError::from_response(err, page).into()
    })
}

/// The page of a method a page does not serve (405; `crate::http::endpoint` adds `Allow`).
pub(crate) fn method_not_allowed(req: &actix_web::HttpRequest) -> HttpResponse {
    pages::message(
        actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
        agent::language(None, req),
        "",
        Say::BadRequest,
    )
}

/// A finished login: back to the client, or, for a backchannel approval, the approve-or-deny
/// form. `tx`: the login whose anti-forgery cookie goes.
fn finish(
    cookies: Cookies,
    done: Completion,
    tx: Option<&str>,
    lang: Language,
    tenant: &str,
) -> HttpResponse {
    match &done.ciba_consent {
        Some(consent) => ciba::decision_page(lang, tenant, consent.expose()),
        None => complete(cookies, done, tx),
    }
}

/// Back to the client (303), with the device-session cookie when a session started; the
/// login that was pending in this browser is over, and its anti-forgery cookie goes.
fn complete(cookies: Cookies, done: Completion, tx: Option<&str>) -> HttpResponse {
    if let Some(problem) = &done.notice_failed {
        tracing::warn!(error = %problem, "the new-device notice could not be sent");
    }
    let mut response = HttpResponse::SeeOther();
    response
        .insert_header(("Location", done.redirect.as_str()))
        .insert_header(("Cache-Control", "no-store"));
    if let Some(session) = &done.session {
        response.cookie(cookies.session(&done.org, session));
        response.cookie(cookies.known_device(&done.org, session));
    }
    response.cookie(cookies.pending_removal(&done.org));
    if let Some(id) = tx {
        response.cookie(cookies.csrf_removal(id));
    }
    response.finish()
}

/// The language of a page refused before its handler ran.
pub(crate) fn language_of(req: &actix_web::HttpRequest) -> Language {
    agent::language(None, req)
}

/// The page of a request refused before its handler ran (a limit on abuse).
pub(crate) fn refused(e: &latchkey_login::LoginError, lang: Language) -> HttpResponse {
    error::page(e, lang, "")
}

/// A redirect back to the client that is not a completed login (an error): 302.
fn found(location: &str) -> HttpResponse {
    HttpResponse::Found()
        .insert_header(("Location", location))
        .insert_header(("Cache-Control", "no-store"))
        .finish()
}

/// The message page for a request that is not a valid one.
fn bad_request(lang: Language, tenant: &str) -> HttpResponse {
    pages::message(
        actix_web::http::StatusCode::BAD_REQUEST,
        lang,
        tenant,
        Say::BadRequest,
    )
}

/// Adds every cookie of `cookies` to a response.
fn with_cookies<'a>(
    cookies: &'a [actix_web::cookie::Cookie<'static>],
) -> impl FnOnce(&mut HttpResponseBuilder) + 'a {
    move |b| {
        for c in cookies {
            b.cookie(c.clone());
        }
    }
}
