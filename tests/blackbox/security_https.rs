//! HTTPS when given a certificate (`LATCHKEY_TLS_CERT`, `LATCHKEY_TLS_KEY`): the server answers
//! a client that trusts only the test's own CA, offers HTTP/2, refuses plain HTTP, and does not
//! start on a certificate it cannot read or a key that is not the certificate's.

use latchkey_tests::TestServer;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A CA and a leaf certificate for `127.0.0.1` and `localhost` signed by it, made with the
/// `openssl` command in a directory of their own (removed when dropped).
pub struct TestPki {
    pub dir: PathBuf,
}

impl TestPki {
    pub fn create() -> Self {
        let dir = std::env::temp_dir().join(format!("latchkey-pki-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let pki = Self { dir };
        pki.openssl(&[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "30",
            "-subj",
            "/CN=Latchkey Test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        for (name, subject) in [("leaf", "/CN=localhost"), ("other", "/CN=other")] {
            pki.openssl(&[
                "req",
                "-new",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
                "-subj",
                subject,
            ]);
        }
        std::fs::write(
            pki.path("leaf.ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
             keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        pki.openssl(&[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "7",
            "-extfile",
            "leaf.ext",
            "-out",
            "leaf.pem",
        ]);
        pki
    }

    /// Replaces the leaf certificate and key in place by new ones valid `days`.
    pub fn renew_leaf(&self, days: u32) {
        self.openssl(&[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "leaf.key",
            "-out",
            "leaf.csr",
            "-subj",
            "/CN=localhost",
        ]);
        self.openssl(&[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            &days.to_string(),
            "-extfile",
            "leaf.ext",
            "-out",
            "leaf.pem",
        ]);
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn openssl(&self, args: &[&str]) {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(&self.dir)
            .output()
            .expect("the openssl command runs");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The leaf's `notAfter` in seconds since the epoch, as openssl reads it.
    pub fn leaf_expiry(&self) -> i64 {
        let out = Command::new("openssl")
            .args(["x509", "-noout", "-enddate", "-dateopt", "iso_8601", "-in"])
            .arg(self.path("leaf.pem"))
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        // notAfter=2026-12-09 17:56:01Z
        let iso = text
            .trim()
            .trim_start_matches("notAfter=")
            .replace(' ', "T");
        time::OffsetDateTime::parse(&iso, &time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|e| panic!("{iso}: {e}"))
            .unix_timestamp()
    }

    /// A client that trusts this CA and nothing else.
    pub fn client(&self) -> reqwest::Client {
        let ca = std::fs::read(self.path("ca.pem")).unwrap();
        reqwest::Client::builder()
            .tls_certs_only([reqwest::Certificate::from_pem(&ca).unwrap()])
            .build()
            .unwrap()
    }

    /// A test server serving HTTPS with the leaf certificate.
    pub async fn server(&self) -> TestServer {
        let (cert, key) = (self.path("leaf.pem"), self.path("leaf.key"));
        TestServer::start_with(move |c| {
            c.security.tls_cert = Some(cert);
            c.security.tls_key = Some(key);
        })
        .await
    }
}

impl Drop for TestPki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `https://127.0.0.1:<port>` of a test server started by [`TestPki::server`].
pub fn https_base(server: &TestServer) -> String {
    format!("https://127.0.0.1:{}", server.config.listen.port())
}

#[actix_rt::test]
async fn a_server_with_a_certificate_answers_https_to_a_client_trusting_its_ca() {
    let pki = TestPki::create();
    let server = pki.server().await;
    let base = https_base(&server);
    let answer = pki
        .client()
        .get(format!("{base}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    assert_eq!(answer.version(), reqwest::Version::HTTP_11);
    // Its tokens name the HTTPS address as their issuer.
    let metadata: serde_json::Value = pki
        .client()
        .get(format!("{base}/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["issuer"], base.as_str());
    // A client that does not trust the test CA refuses the certificate.
    let stranger = reqwest::Client::builder().build().unwrap();
    assert!(
        stranger
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_err()
    );
}

#[actix_rt::test]
async fn plain_http_is_not_served_on_the_https_port() {
    let pki = TestPki::create();
    let server = pki.server().await;
    let plain =
        latchkey_tests::http::send(&server.http, &server.base, "GET", "/healthz", None, None).await;
    assert!(
        plain.is_err(),
        "plain HTTP answered: {:?}",
        plain.map(|a| a.status)
    );
}

#[actix_rt::test]
async fn http2_is_offered_by_alpn() {
    let pki = TestPki::create();
    let server = pki.server().await;
    let connect = format!("127.0.0.1:{}", server.config.listen.port());
    let ca = pki.path("ca.pem");
    let out = actix_web::rt::task::spawn_blocking(move || {
        Command::new("openssl")
            .args([
                "s_client",
                "-connect",
                &connect,
                "-alpn",
                "h2,http/1.1",
                "-verify_return_error",
                "-CAfile",
            ])
            .arg(&ca)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("ALPN protocol: h2"), "{text}");
    assert!(text.contains("Verify return code: 0 (ok)"), "{text}");
}

/// The error `latchkey_server::start` answers for a configuration, as one line.
async fn start_error(cert: &Path, key: &Path) -> String {
    let mut config = latchkey_tests::test_config();
    config.security.tls_cert = Some(cert.to_owned());
    config.security.tls_key = Some(key.to_owned());
    match latchkey_server::start(&config).await {
        Ok(_) => panic!("the server started with {cert:?} and {key:?}"),
        Err(e) => format!("{e:#}"),
    }
}

#[actix_rt::test]
async fn a_key_that_is_not_the_certificates_stops_the_start() {
    let pki = TestPki::create();
    let error = start_error(&pki.path("leaf.pem"), &pki.path("other.key")).await;
    assert!(
        error.contains("LATCHKEY_TLS_KEY") && error.contains("is not the private key"),
        "{error}"
    );
}

#[actix_rt::test]
async fn an_unreadable_certificate_or_key_stops_the_start() {
    let pki = TestPki::create();
    let error = start_error(&pki.path("missing.pem"), &pki.path("leaf.key")).await;
    assert!(
        error.contains("LATCHKEY_TLS_CERT") && error.contains("missing.pem"),
        "{error}"
    );
    let error = start_error(&pki.path("leaf.pem"), &pki.path("leaf.csr")).await;
    assert!(
        error.contains("LATCHKEY_TLS_KEY") && error.contains("leaf.csr"),
        "{error}"
    );
    let error = start_error(&pki.path("leaf.key"), &pki.path("leaf.key")).await;
    assert!(error.contains("LATCHKEY_TLS_CERT"), "{error}");
}
