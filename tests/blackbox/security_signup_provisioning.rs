//! The provisioning service (owprov) is told when a registration's address is proven, as owsec
//! tells it: `PUT {privateUri}/api/v1/signup?signupUUID=&operation=emailVerified` with its key.
//! A recording owprov stands in for it.

use crate::security_signup::{PASSWORD, choose, link, mails, new_uuid, page, register, status};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use latchkey_testkit::smtp_sink::SmtpSink;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The key of `security_signup`'s owprov (which polls with it too).
const OWPROV_KEY: &str = "provisioning-key-0123456789";

/// A call the recording owprov received: method, query, `X-API-KEY`, `X-INTERNAL-NAME`, body.
type Call = (String, String, String, String, String);

/// Starts a recording owprov on a free port; its base URI and what it received.
fn owprov() -> (String, Arc<Mutex<Vec<Call>>>) {
    let calls: Arc<Mutex<Vec<Call>>> = Arc::default();
    let recorded = calls.clone();
    let server = HttpServer::new(move || {
        let recorded = recorded.clone();
        App::new().route(
            "/api/v1/signup",
            web::put().to(move |req: HttpRequest, body: web::Bytes| {
                let recorded = recorded.clone();
                async move {
                    let header = |name| {
                        req.headers()
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    recorded.lock().unwrap().push((
                        req.method().to_string(),
                        req.query_string().to_owned(),
                        header("x-api-key"),
                        header("x-internal-name"),
                        String::from_utf8_lossy(&body).into_owned(),
                    ));
                    HttpResponse::Ok().json(serde_json::json!({"status": "emailVerified"}))
                }
            }),
        )
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let port = server.addrs()[0].port();
    actix_rt::spawn(server.run());
    (format!("http://127.0.0.1:{port}"), calls)
}

#[actix_rt::test]
async fn the_provisioning_service_is_told_when_the_address_is_proven() {
    let (base, calls) = owprov();
    let services = format!(
        r#"[{{"type": "owprov", "uri": "https://prov.example.com", "privateUri": "{base}",
             "key": "{OWPROV_KEY}"}}]"#
    );
    let sink = SmtpSink::start();
    let server = crate::security_signup::start(&sink, |c| {
        c.security.system_services = Some(services.into());
    })
    .await;
    let signup = new_uuid();
    register(&server, "pat@example.com", &signup, &[])
        .await
        .expect_json(200);
    let (_, id) = link(&mails(&sink, 1)[0].1);
    // Nothing is told before the address is proven.
    std::thread::sleep(Duration::from_millis(200));
    assert!(calls.lock().unwrap().is_empty());
    page(&choose(&server, &id, PASSWORD, PASSWORD).await, 200);

    let started = Instant::now();
    let call = loop {
        if let Some(call) = calls.lock().unwrap().first().cloned() {
            break call;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "owprov was not told"
        );
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    };
    let (method, query, key, name, body) = call;
    assert_eq!(method, "PUT");
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&query).unwrap();
    assert!(
        pairs.contains(&("signupUUID".to_owned(), signup.clone())),
        "{query}"
    );
    assert!(
        pairs.contains(&("operation".to_owned(), "emailVerified".to_owned())),
        "{query}"
    );
    assert_eq!(key, OWPROV_KEY);
    assert!(!name.is_empty());
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["signupUUID"], signup.as_str());
    assert_eq!(
        status(&server, &signup, "poll").await["status"],
        "emailVerified"
    );
    assert_eq!(calls.lock().unwrap().len(), 1);
}
