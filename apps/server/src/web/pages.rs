//! The pages: server-rendered HTML that works without JavaScript, in Spanish and English, with
//! the tenant's name. Templates are embedded (`apps/server/templates`) and escape every value.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, HttpResponseBuilder};
use latchkey_notify::Language;
use minijinja::{Environment, Value, context};
use std::sync::OnceLock;

/// The words of the pages.
fn words(lang: Language) -> Value {
    match lang {
        Language::Es => context! {
            sign_in_title => "Inicia sesión",
            username => "Usuario (e-mail o teléfono)",
            password => "Contraseña",
            sign_in => "Entrar",
            second_factor_title => "Verificación en dos pasos",
            second_factor_intro => "Tu cuenta pide un segundo paso para entrar.",
            totp_code => "Código de tu app de autenticación",
            totp_hint => "Seis cifras; cambia cada 30 segundos.",
            verify => "Verificar",
            send_code_to => "O te enviamos un código a:",
            otp_code => "Código recibido",
            error_title => "No se puede continuar",
            ciba_title => "Aprobar un inicio de sesión",
            ciba_intro => "Inicio de sesión solicitado por",
            ciba_binding => "Comprueba que este mensaje es el que ves en el otro dispositivo:",
            approve => "Aprobar",
            deny => "Rechazar",
            continue_as => "¿Continuar como",
            continue_as_end => "?",
            continue => "Continuar",
            sign_out_title => "Cerrar sesión",
            sign_out_question => "¿Quieres cerrar la sesión en este navegador?",
            sign_out => "Cerrar sesión",
            account_title => "Tu cuenta",
        },
        Language::En => context! {
            sign_in_title => "Sign in",
            username => "Username (e-mail or phone)",
            password => "Password",
            sign_in => "Sign in",
            second_factor_title => "Two-step verification",
            second_factor_intro => "Your account asks for a second step to sign in.",
            totp_code => "Code from your authenticator app",
            totp_hint => "Six digits; it changes every 30 seconds.",
            verify => "Verify",
            send_code_to => "Or we send a code to:",
            otp_code => "Code you received",
            error_title => "Cannot continue",
            ciba_title => "Approve a sign-in",
            ciba_intro => "Sign-in requested by",
            ciba_binding => "Check that this message is the one shown on the other device:",
            approve => "Approve",
            deny => "Deny",
            continue_as => "Continue as",
            continue_as_end => "?",
            continue => "Continue",
            sign_out_title => "Sign out",
            sign_out_question => "Do you want to sign out on this browser?",
            sign_out => "Sign out",
            account_title => "Your account",
        },
    }
}

/// A message of the pages, in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Say {
    BadCredentials,
    Disabled,
    Throttled,
    Expired,
    WrongCode,
    CodeBurnt,
    NoCodePending,
    TooSoon,
    CodeSent,
    Malformed,
    NoSecondFactor,
    DeliveryFailed,
    Unavailable,
    UnknownClient,
    BadRedirectUri,
    TenantUnavailable,
    BadRequest,
    BadLink,
    SignedIn,
    SignedOut,
    NeedsApp,
    WrongAccount,
    OtherCustomer,
    TooManyRequests,
    Approved,
    Denied,
    NoLongerPending,
}

impl Say {
    pub fn text(self, lang: Language) -> &'static str {
        use Say::*;
        match (self, lang) {
            (BadCredentials, Language::Es) => "Usuario o contraseña incorrectos.",
            (BadCredentials, Language::En) => "Wrong username or password.",
            (Disabled, Language::Es) => {
                "Esta cuenta está desactivada. Contacta con atención al cliente."
            }
            (Disabled, Language::En) => {
                "This account is disabled. Please contact customer support."
            }
            (Throttled, Language::Es) => {
                "Demasiados intentos fallidos. Espera un poco y vuelve a probar."
            }
            (Throttled, Language::En) => "Too many failed attempts. Wait a little and try again.",
            (Expired, Language::Es) => {
                "Este inicio de sesión ha caducado. Vuelve a la aplicación y empieza de nuevo."
            }
            (Expired, Language::En) => {
                "This sign-in has expired. Go back to the app and start again."
            }
            (WrongCode, Language::Es) => "Código incorrecto.",
            (WrongCode, Language::En) => "Wrong code.",
            (CodeBurnt, Language::Es) => "Demasiados intentos con este código. Pide uno nuevo.",
            (CodeBurnt, Language::En) => "Too many tries with this code. Ask for a new one.",
            (NoCodePending, Language::Es) => {
                "No hay ningún código pendiente (o ha caducado). Pide uno nuevo."
            }
            (NoCodePending, Language::En) => {
                "No code is pending (or it expired). Ask for a new one."
            }
            (TooSoon, Language::Es) => {
                "Ya te enviamos un código hace un momento. Espera antes de pedir otro."
            }
            (TooSoon, Language::En) => {
                "We sent you a code a moment ago. Wait before asking for another."
            }
            (CodeSent, Language::Es) => "Te hemos enviado un código.",
            (CodeSent, Language::En) => "We sent you a code.",
            (Malformed, Language::Es) => "El código son seis cifras.",
            (Malformed, Language::En) => "The code is six digits.",
            (NoSecondFactor, Language::Es) => {
                "Tu cuenta pide un segundo paso, pero no tiene ninguno configurado. Contacta con atención al cliente."
            }
            (NoSecondFactor, Language::En) => {
                "Your account requires a second step but has none set up. Please contact customer support."
            }
            (DeliveryFailed, Language::Es) => {
                "No pudimos enviarte el código. Prueba otra vez en un momento."
            }
            (DeliveryFailed, Language::En) => {
                "We could not send you the code. Try again in a moment."
            }
            (Unavailable, Language::Es) => {
                "El servicio no está disponible ahora mismo. Prueba otra vez en un momento."
            }
            (Unavailable, Language::En) => {
                "The service is unavailable right now. Try again in a moment."
            }
            (UnknownClient, Language::Es) => "La aplicación que te trajo aquí no es válida.",
            (UnknownClient, Language::En) => "The application that sent you here is not valid.",
            (BadRedirectUri, Language::Es) => {
                "La dirección de vuelta de la aplicación no es válida."
            }
            (BadRedirectUri, Language::En) => "The application's return address is not valid.",
            (TenantUnavailable, Language::Es) => "Este servicio no está disponible.",
            (TenantUnavailable, Language::En) => "This service is not available.",
            (BadRequest, Language::Es) => "La petición no es válida.",
            (BadRequest, Language::En) => "The request is not valid.",
            (BadLink, Language::Es) => {
                "Este enlace no es válido, ha caducado o ya se usó. Pide uno nuevo."
            }
            (BadLink, Language::En) => {
                "This link is not valid, has expired or was already used. Ask for a new one."
            }
            (WrongAccount, Language::Es) => {
                "Has iniciado sesión con otra cuenta: la petición es para otra."
            }
            (WrongAccount, Language::En) => {
                "You signed in with another account than the one the request is for."
            }
            (TooManyRequests, Language::Es) => {
                "Demasiadas peticiones desde tu red. Espera un poco y vuelve a probar."
            }
            (TooManyRequests, Language::En) => {
                "Too many requests from your network. Wait a little and try again."
            }
            (OtherCustomer, Language::Es) => {
                "Este navegador tiene iniciada (o en curso) la sesión de otra cuenta. Ciérrala antes, o abre el enlace en otro navegador."
            }
            (OtherCustomer, Language::En) => {
                "This browser is signed in (or signing in) as another account. Sign out first, or open the link in another browser."
            }
            (Approved, Language::Es) => "Aprobado. Ya puedes volver al otro dispositivo.",
            (Approved, Language::En) => "Approved. You can go back to the other device.",
            (Denied, Language::Es) => "Rechazado. El otro dispositivo no iniciará sesión.",
            (Denied, Language::En) => "Denied. The other device will not sign in.",
            (NoLongerPending, Language::Es) => {
                "Esta petición ya no está pendiente (caducó o ya se respondió)."
            }
            (NoLongerPending, Language::En) => {
                "This request is no longer pending (it expired or was answered)."
            }
            (SignedIn, Language::Es) => "Has iniciado sesión.",
            (SignedIn, Language::En) => "You are signed in.",
            (SignedOut, Language::Es) => "Has cerrado la sesión.",
            (SignedOut, Language::En) => "You are signed out.",
            (NeedsApp, Language::Es) => {
                "Tu cuenta pide un segundo paso: inicia sesión desde la aplicación."
            }
            (NeedsApp, Language::En) => {
                "Your account asks for a second step: sign in from the app."
            }
        }
    }
}

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in [
            ("base.html", include_str!("../../templates/base.html")),
            ("login.html", include_str!("../../templates/login.html")),
            (
                "second_factor.html",
                include_str!("../../templates/second_factor.html"),
            ),
            ("message.html", include_str!("../../templates/message.html")),
            ("ciba.html", include_str!("../../templates/ciba.html")),
            ("magic.html", include_str!("../../templates/magic.html")),
            ("logout.html", include_str!("../../templates/logout.html")),
            (
                "action_link.html",
                include_str!("../../templates/action_link.html"),
            ),
            (
                "signup_verification.html",
                include_str!("../../templates/signup_verification.html"),
            ),
        ] {
            if let Err(e) = env.add_template(name, source) {
                tracing::error!(error = %e, template = name, "a page template does not parse");
            }
        }
        env
    })
}

/// Renders `template` with `ctx` (plus `lang`, `t` and `tenant`) as an HTML response; `extra`
/// adds headers and cookies. Pages are never cached and never framed (`crate::http::headers`).
pub fn render(
    status: StatusCode,
    template: &str,
    lang: Language,
    tenant: &str,
    title_key: &str,
    ctx: Value,
    extra: impl FnOnce(&mut HttpResponseBuilder),
) -> HttpResponse {
    let t = words(lang);
    let title = t
        .get_attr(title_key)
        .ok()
        .map(|v| v.to_string())
        .unwrap_or_default();
    let full = context! { lang => lang.code(), t => t, tenant => tenant, title => title, ..ctx };
    let body = environment()
        .get_template(template)
        .and_then(|tpl| tpl.render(full));
    // `Cache-Control`, the Content-Security-Policy and the anti-framing headers are every
    // page's: `crate::http::headers` sets them.
    let mut builder = HttpResponse::build(status);
    extra(&mut builder);
    match body {
        Ok(body) => builder.content_type("text/html; charset=utf-8").body(body),
        Err(e) => {
            tracing::error!(error = %e, template, "rendering a page failed");
            builder.status(StatusCode::INTERNAL_SERVER_ERROR).finish()
        }
    }
}

/// The page's forms may lead to `redirect_uri`'s origin (where a login finishes: its forms'
/// answers redirect there, and browsers check `form-action` on those redirects).
pub fn form_target(builder: &mut HttpResponseBuilder, redirect_uri: &str) {
    if let Some(target) = crate::http::headers::FormTarget::of(redirect_uri) {
        builder.extensions_mut().insert(target);
    }
}

/// A page that only says something (errors of `/authorize`, expired logins).
pub fn message(status: StatusCode, lang: Language, tenant: &str, say: Say) -> HttpResponse {
    render(
        status,
        "message.html",
        lang,
        tenant,
        "error_title",
        context! { message => say.text(lang) },
        |_| {},
    )
}
