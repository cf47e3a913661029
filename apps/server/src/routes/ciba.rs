//! Client-initiated backchannel authentication, poll mode (OpenID CIBA Core 1.0):
//! `POST /bc-authorize`, and the customer's approval page `GET /ciba?id=...` (sign in, then
//! approve or deny, `POST /ciba/decide`). The polls are grants of `/token`.

use crate::http::oauth::{OAuthError, OAuthErrorBody, post_only};
use crate::pages::{self, Lang, Say};
use crate::routes::login::csrf_cookie;
use crate::routes::token::{authenticate_client, read_form};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_flows::{BackchannelError, LoginError};
use minijinja::context;
use serde::{Deserialize, Serialize};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        post_only("/bc-authorize", "backchannel authentication")
            .route(web::post().to(bc_authorize)),
    )
    .service(web::resource("/ciba").route(web::get().to(approval)))
    .service(web::resource("/ciba/decide").route(web::post().to(decide)));
}

/// `bcAuthorizeResponse` (CIBA Core §7.3).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BcAuthorizeResponse {
    /// Poll `/token` with it (`grant_type=urn:openid:params:grant-type:ciba`).
    pub auth_req_id: String,
    /// Seconds the request waits for the customer.
    pub expires_in: i64,
    /// Seconds to wait between polls.
    pub interval: i64,
}

/// The form of `/bc-authorize`.
#[derive(Debug, utoipa::ToSchema)]
#[expect(
    dead_code,
    reason = "documents the form for OpenAPI; the handler reads it by hand"
)]
pub struct BcAuthorizeForm {
    /// The customer: an e-mail address or an MSISDN (their username).
    login_hint: String,
    /// Space-delimited; default: the client's customer scopes.
    scope: Option<String>,
    /// Shown on both devices (at most 100 characters).
    binding_message: Option<String>,
}

/// Asks to sign a customer in: they get a message with the binding message and a link to
/// approve or deny.
#[utoipa::path(post, operation_id = "ciba_bc_authorize", path = "/bc-authorize", tag = "Login",
    request_body(content = BcAuthorizeForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The request is waiting for the customer", body = BcAuthorizeResponse),
        (status = 400, description = "`invalid_request`, `unknown_user_id`, `unauthorized_client`, `invalid_scope`, `invalid_binding_message`", body = OAuthErrorBody),
        (status = 401, description = "`invalid_client`", body = OAuthErrorBody),
        (status = 503, description = "The message could not be delivered, or storage failed", body = OAuthErrorBody)),
    security(("clientBasic" = [])))]
pub async fn bc_authorize(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, OAuthError> {
    let form = read_form(&req, payload).await?;
    let client = authenticate_client(&state, &req, &form).await?;
    let get = |k: &str| form.get(k).map(String::as_str);
    let started = state
        .backchannel
        .start(
            &client,
            get("login_hint"),
            get("scope"),
            get("binding_message"),
        )
        .await
        .map_err(|e| {
            let code = e.code();
            match e {
                BackchannelError::Delivery(source) => {
                    tracing::warn!(error = %source, "the CIBA message could not be delivered");
                    OAuthError::temporarily_unavailable()
                }
                BackchannelError::Unavailable(source) => {
                    tracing::error!(error = %source, "CIBA storage failed");
                    OAuthError::temporarily_unavailable()
                }
                other => OAuthError::bad_request(code, other.to_string()),
            }
        })?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(BcAuthorizeResponse {
            auth_req_id: started.auth_req_id,
            expires_in: started.expires_in,
            interval: started.interval,
        }))
}

/// The link of the customer's message.
#[derive(Debug, Deserialize)]
pub struct ApprovalQuery {
    id: Option<String>,
}

/// The approval page: the customer signs in (always) to approve or deny.
pub async fn approval(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ApprovalQuery>,
) -> HttpResponse {
    let lang = Lang::choose(None, &req);
    let id = query.id.as_deref().unwrap_or_default();
    let prompt = match state.login.start_ciba(id).await {
        Ok(p) => p,
        Err(LoginError::Expired) => {
            return pages::message(StatusCode::BAD_REQUEST, lang, "", Say::NoLongerPending);
        }
        Err(e) => {
            tracing::error!(error = %e, "starting a CIBA approval failed");
            return pages::message(StatusCode::SERVICE_UNAVAILABLE, lang, "", Say::Unavailable);
        }
    };
    let started = prompt.started;
    let csrf = started.csrf.0.clone();
    let secure = state.cookie_secure;
    pages::render(
        StatusCode::OK,
        "login.html",
        lang,
        "",
        "ciba_title",
        context! {
            tx => started.id.clone(), csrf => csrf.clone(), username => prompt.username,
            client => prompt.client_name, binding_message => prompt.binding_message,
        },
        |b| {
            b.cookie(csrf_cookie(&started.id, &csrf, secure));
        },
    )
}

/// The approve-or-deny form.
pub fn decision_page(
    lang: Lang,
    tenant: &str,
    consent: &str,
    client: Option<&str>,
    binding_message: Option<&str>,
) -> HttpResponse {
    pages::render(
        StatusCode::OK,
        "ciba.html",
        lang,
        tenant,
        "ciba_title",
        context! { consent => consent, client => client, binding_message => binding_message },
        |_| {},
    )
}

/// The customer's answer.
#[derive(Debug, Deserialize)]
pub struct DecideForm {
    consent: String,
    decision: String,
}

/// Records the customer's answer (once).
pub async fn decide(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<DecideForm>,
) -> HttpResponse {
    let lang = Lang::choose(None, &req);
    let approve = match form.decision.as_str() {
        "approve" => true,
        "deny" => false,
        _ => return pages::message(StatusCode::BAD_REQUEST, lang, "", Say::BadRequest),
    };
    match state.login.ciba_decide(&form.consent, approve).await {
        Ok(true) if approve => pages::message(StatusCode::OK, lang, "", Say::Approved),
        Ok(true) => pages::message(StatusCode::OK, lang, "", Say::Denied),
        Ok(false) | Err(LoginError::Expired) => {
            pages::message(StatusCode::BAD_REQUEST, lang, "", Say::NoLongerPending)
        }
        Err(e) => {
            tracing::error!(error = %e, "recording a CIBA decision failed");
            pages::message(StatusCode::SERVICE_UNAVAILABLE, lang, "", Say::Unavailable)
        }
    }
}
