//! Health, readiness, the JWKS, and the API's own documentation.

use crate::docs;
use crate::http::endpoint::Endpoint;
use crate::state::AppState;
use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, web};
use serde::Serialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::api("/healthz").get(healthz))
        .service(Endpoint::api("/readyz").get(readyz))
        .service(Endpoint::api("/jwks.json").get(jwks))
        .service(Endpoint::api("/openapi.json").get(openapi))
        .service(Endpoint::api("/docs").get(docs_page));
}

/// A health or readiness answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`, `ready` or `unavailable`.
    pub status: &'static str,
    /// When unavailable: the dependencies that did not answer (`postgresql`, `redis`, `memory`).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    #[schema(example = json!(["redis"]))]
    pub failed: Vec<&'static str>,
}

/// The process is up.
#[utoipa::path(get, operation_id = "system_healthz", path = "/healthz", tag = "Operations",
    responses((status = 200, description = "The process is up", body = Health)))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok",
        failed: Vec::new(),
    })
}

/// The process can serve: its storage answers — PostgreSQL (or the in-memory directory) and,
/// when configured, Redis.
#[utoipa::path(get, operation_id = "system_readyz", path = "/readyz", tag = "Operations",
    responses(
        (status = 200, description = "Every dependency answers: PostgreSQL (or the in-memory storage) and, when configured, Redis", body = Health),
        (status = 503, description = "A dependency does not answer; `failed` names which", body = Health,
            example = json!({"status": "unavailable", "failed": ["redis"]}))))]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let unready = state.health.check().await;
    if unready.is_empty() {
        return HttpResponse::Ok().json(Health {
            status: "ready",
            failed: Vec::new(),
        });
    }
    for u in &unready {
        tracing::warn!(dependency = u.dependency, error = %u.cause, "not ready");
    }
    HttpResponse::ServiceUnavailable().json(Health {
        status: "unavailable",
        failed: unready.iter().map(|u| u.dependency).collect(),
    })
}

/// The public keys that verify Latchkey's tokens (RFC 7517).
#[utoipa::path(get, operation_id = "system_jwks", path = "/jwks.json", tag = "OAuth",
    responses((status = 200, description = "JWK Set", content_type = "application/json",
        body = Object, example = json!({"keys": [{"kty": "EC", "crv": "P-256", "x": "...", "y": "...", "kid": "...", "use": "sig", "alg": "ES256"}]}))))]
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(state.keys.jwks())
}

/// This document (OpenAPI 3.1).
#[utoipa::path(get, operation_id = "system_openapi", path = "/openapi.json", tag = "Operations",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object)))]
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(docs::openapi_json())
}

/// A browsable page of the API, rendered from the OpenAPI document.
#[utoipa::path(get, operation_id = "system_docs_page", path = "/docs", tag = "Operations",
    responses((status = 200, description = "HTML page", content_type = "text/html")))]
pub async fn docs_page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::html())
        .body(docs::html())
}
