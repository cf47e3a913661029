//! A bare actix-web "hello" server: the baseline `just bench` measures Latchkey against.
//! Usage: `hello [ADDR]` (default 127.0.0.1:18080); as many workers as CPU cores.

use actix_web::{App, HttpResponse, HttpServer, web};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18080".to_owned());
    HttpServer::new(|| {
        App::new().route(
            "/",
            web::get().to(|| async { HttpResponse::Ok().body("hello") }),
        )
    })
    .bind(addr)?
    .run()
    .await
}
