//! How every resource of the server is registered: an [`Endpoint`] knows the methods it serves,
//! so any other method answers 405 Method Not Allowed with an `Allow` header listing exactly
//! those (RFC 9110 §15.5.6), in the shape of the face the resource belongs to: the API's error
//! body, an OAuth error (RFC 6749 §5.2), or a page.
//!
//! No handler writes a 405 of its own: registering a route through an `Endpoint` is what makes
//! it answer one.

use crate::http::error::ApiError;
use crate::oauth::error::OAuthErrorBody;
use actix_web::dev::{AppService, HttpServiceFactory};
use actix_web::http::{Method, StatusCode, header};
use actix_web::{FromRequest, Handler, HttpRequest, HttpResponse, Resource, Responder, web};

/// Which face a resource belongs to: it decides the body of its 405.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    /// The Credentials and admin APIs, and the operational endpoints: the API's error body.
    Api,
    /// The OAuth and OpenID Connect endpoints: `{"error": "invalid_request", ...}`.
    OAuth,
    /// The login pages: an HTML page.
    Page,
    /// The security service's operator plane (`/api/v1`): its `ErrorCode` body.
    Security,
}

/// A resource and the methods it serves.
pub struct Endpoint {
    face: Face,
    methods: Vec<Method>,
    resource: Resource,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("face", &self.face)
            .field("methods", &self.methods)
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    /// A resource of the JSON APIs at `path`.
    pub fn api(path: &str) -> Self {
        Self::new(Face::Api, path)
    }

    /// A resource of the OAuth face at `path`.
    pub fn oauth(path: &str) -> Self {
        Self::new(Face::OAuth, path)
    }

    /// A login page at `path`.
    pub fn page(path: &str) -> Self {
        Self::new(Face::Page, path)
    }

    /// A resource of the security service's operator plane at `path` (relative to its
    /// `/api/v1` scope).
    pub fn security(path: &str) -> Self {
        Self::new(Face::Security, path)
    }

    fn new(face: Face, path: &str) -> Self {
        let resource = match face {
            // A page's unreadable form or query is answered with a page too.
            Face::Page => web::resource(path)
                .app_data(crate::web::form_config())
                .app_data(crate::web::query_config()),
            Face::Api | Face::OAuth | Face::Security => web::resource(path),
        };
        Self {
            face,
            methods: Vec::new(),
            resource,
        }
    }

    pub fn get<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.on(Method::GET, handler)
    }

    pub fn post<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.on(Method::POST, handler)
    }

    pub fn put<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.on(Method::PUT, handler)
    }

    pub fn patch<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.on(Method::PATCH, handler)
    }

    pub fn delete<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.on(Method::DELETE, handler)
    }

    fn on<F, Args>(mut self, method: Method, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.resource = self.resource.route(web::method(method.clone()).to(handler));
        self.methods.push(method);
        self
    }

    /// The value of `Allow`: the methods served, in the order they were registered.
    fn allow(&self) -> String {
        let names: Vec<&str> = self.methods.iter().map(Method::as_str).collect();
        names.join(", ")
    }
}

impl HttpServiceFactory for Endpoint {
    fn register(self, config: &mut AppService) {
        let allow = self.allow();
        let face = self.face;
        let refuse = move |req: HttpRequest| {
            let allow = allow.clone();
            async move { method_not_allowed(face, &req, &allow) }
        };
        self.resource
            .default_service(web::to(refuse))
            .register(config);
    }
}

/// The 405 of a resource that serves `allow`.
fn method_not_allowed(face: Face, req: &HttpRequest, allow: &str) -> HttpResponse {
    let mut response = match face {
        Face::Api => ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "request.method_not_allowed",
            "This method is not allowed here.",
        )
        .component(format!(
            "{} {} (allowed: {allow})",
            req.method(),
            req.path()
        ))
        .into_response(),
        Face::OAuth => HttpResponse::MethodNotAllowed()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(OAuthErrorBody {
                error: "invalid_request".into(),
                error_description: format!("{} accepts {allow} only", req.path()),
            }),
        Face::Page => crate::web::method_not_allowed(req),
        Face::Security => {
            crate::security::error::SecurityError::method_not_allowed().into_response()
        }
    };
    if let Ok(value) = header::HeaderValue::from_str(allow) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn ok() -> HttpResponse {
        HttpResponse::Ok().finish()
    }

    #[test]
    fn allow_lists_the_methods_in_registration_order() {
        let endpoint = Endpoint::api("/x").get(ok).post(ok).delete(ok);
        assert_eq!(endpoint.allow(), "GET, POST, DELETE");
    }

    #[actix_web::test]
    async fn an_unserved_method_is_405_with_allow_in_each_face() {
        use actix_web::test::{TestRequest, call_service, init_service};
        let app = init_service(
            actix_web::App::new()
                .service(Endpoint::api("/api").get(ok).put(ok))
                .service(Endpoint::oauth("/oauth").post(ok))
                .service(Endpoint::page("/page").get(ok).post(ok)),
        )
        .await;
        for (path, allow, content_type) in [
            ("/api", "GET, PUT", "application/json"),
            ("/oauth", "POST", "application/json"),
            ("/page", "GET, POST", "text/html; charset=utf-8"),
        ] {
            let req = TestRequest::patch().uri(path).to_request();
            let response = call_service(&app, req).await;
            assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
            let header = |name| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            assert_eq!(header(header::ALLOW).as_deref(), Some(allow), "{path}");
            assert_eq!(
                header(header::CONTENT_TYPE).as_deref(),
                Some(content_type),
                "{path}"
            );
        }
        let served = call_service(&app, TestRequest::put().uri("/api").to_request()).await;
        assert_eq!(served.status(), StatusCode::OK);
    }
}
