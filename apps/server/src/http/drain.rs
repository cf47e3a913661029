//! Reads what a handler left of a request's body before the answer goes out.
//!
//! Many answers are decided before the body is read: a refused credential (403 code 8 before
//! `POST /email` reads its JSON), an unknown path, a GET or DELETE whose body the plane ignores
//! (owsec's curl CLI sends one with each). Over HTTP/2, a stream whose body was not read to its
//! end is reset when the request is dropped (`RST_STREAM`), and a client still uploading then
//! loses the answer it was sent: curl fails with "Stream error in the HTTP/2 framing layer"
//! (exit 92), about half the time. So the body is shared between the handler and this
//! middleware, which reads what is left (at most [`DRAIN_LIMIT`] bytes, for at most
//! [`DRAIN_TIME`]) once the handler has answered; a larger or slower remainder is abandoned,
//! as before.

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::Version;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage as _};
use futures_util::{Stream, StreamExt as _};
use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

/// The most bytes read (and discarded) after the answer: the bodies of the plane's requests.
pub const DRAIN_LIMIT: usize = crate::http::body::MAX_BODY;

/// The longest the answer waits for the rest of the body.
pub const DRAIN_TIME: Duration = Duration::from_secs(2);

/// The request's body, read by the handler and then by [`middleware`].
struct Shared(Rc<RefCell<Payload>>);

impl Stream for Shared {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut *self.0.borrow_mut()).poll_next(cx)
    }
}

/// Middleware: hands the handler a shared body, and reads what it left once it answered.
/// HTTP/2 requests only: over HTTP/1.1 the connection's own handling of an unread body stands
/// (nothing to reset), and the request passes untouched, without the shared body's allocations.
pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if req.version() != Version::HTTP_2 {
        return next.call(req).await;
    }
    let body = Rc::new(RefCell::new(req.take_payload()));
    let shared: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> =
        Box::pin(Shared(body.clone()));
    req.set_payload(Payload::from(shared));
    let response = next.call(req).await;
    let _ = actix_web::rt::time::timeout(DRAIN_TIME, drain(&body)).await;
    response
}

/// Reads and discards what is left of `body`, up to [`DRAIN_LIMIT`] bytes.
async fn drain(body: &Rc<RefCell<Payload>>) {
    let mut rest = Shared(body.clone());
    let mut read = 0usize;
    while let Some(Ok(chunk)) = rest.next().await {
        read += chunk.len();
        if read > DRAIN_LIMIT {
            return;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use actix_web::middleware::from_fn;
    use actix_web::{App, HttpResponse, test, web};

    #[actix_web::test]
    async fn a_handler_still_reads_the_whole_body_and_one_that_does_not_is_drained() {
        let app = test::init_service(
            App::new()
                .wrap(from_fn(middleware))
                .route("/echo", web::post().to(|body: Bytes| async move { body }))
                .route(
                    "/refuse",
                    web::post().to(|| async { HttpResponse::Forbidden().finish() }),
                ),
        )
        .await;
        for version in [Version::HTTP_2, Version::HTTP_11] {
            let echo = test::TestRequest::post()
                .version(version)
                .uri("/echo")
                .set_payload("hello")
                .to_request();
            assert_eq!(test::call_and_read_body(&app, echo).await, "hello");
            let refused = test::TestRequest::post()
                .version(version)
                .uri("/refuse")
                .set_payload("x".repeat(DRAIN_LIMIT * 2))
                .to_request();
            assert_eq!(test::call_service(&app, refused).await.status(), 403);
        }
    }
}
