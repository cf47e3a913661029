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

use actix_web::web;
use actix_web::{HttpResponse, HttpResponseBuilder};
pub use cookies::Cookies;
use latchkey_login::Completion;
use latchkey_notify::Language;
use pages::Say;

/// Registers the pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/authorize").route(web::get().to(authorize::authorize)))
        .service(web::resource("/login").route(web::post().to(login::password)))
        .service(web::resource("/login/send").route(web::post().to(login::send_code)))
        .service(web::resource("/login/factor").route(web::post().to(login::second_factor)))
        .service(
            web::resource("/magiclink")
                .route(web::get().to(magic::magic_link))
                .route(web::post().to(magic::magic_link_continue)),
        )
        .service(web::resource("/ciba").route(web::get().to(ciba::approval)))
        .service(web::resource("/ciba/decide").route(web::post().to(ciba::decide)))
        .service(
            web::resource("/logout")
                .route(web::get().to(logout::logout))
                .route(web::post().to(logout::logout_form)),
        )
        .service(web::resource("/logout/confirm").route(web::post().to(logout::confirm)));
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
