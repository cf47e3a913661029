//! HTTPS: the configured certificate and key (PEM) served by rustls on aws-lc-rs, read again
//! on `POST /api/v1/system` `reload` (`http` or `daemon`) so that a renewed certificate is
//! served without a restart, and the certificate's expiry for `GET /api/v1/system?command=info`.
//!
//! A certificate or key that cannot be read, or a key that is not the certificate's, stops the
//! start with a message naming the file: a server that would answer with the wrong certificate,
//! or silently fall back to plain HTTP, is worse than one that does not start. The same at a
//! reload keeps the certificate being served.

use anyhow::{Context as _, bail};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

/// A certificate the server serves, as `/system?command=info` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// The configured path.
    pub filename: String,
    /// `notAfter` of the end-entity certificate, in seconds since the epoch.
    pub expires: i64,
}

/// The certificate being served, and the files it is read from.
#[derive(Debug)]
pub struct ServedCertificate {
    cert: PathBuf,
    key: PathBuf,
    provider: Arc<CryptoProvider>,
    current: RwLock<Loaded>,
}

#[derive(Debug)]
struct Loaded {
    key: Arc<CertifiedKey>,
    info: CertificateInfo,
}

impl ServedCertificate {
    /// Reads `cert` (the chain, end-entity first) and `key`.
    pub fn load(cert: &Path, key: &Path) -> anyhow::Result<Arc<Self>> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let current = read(cert, key, &provider)?;
        Ok(Arc::new(Self {
            cert: cert.to_owned(),
            key: key.to_owned(),
            provider,
            current: RwLock::new(current),
        }))
    }

    /// The rustls configuration that serves this certificate, whatever it is at each handshake.
    pub fn server_config(self: &Arc<Self>) -> anyhow::Result<rustls::ServerConfig> {
        Ok(
            rustls::ServerConfig::builder_with_provider(self.provider.clone())
                .with_safe_default_protocol_versions()
                .context("TLS protocol versions")?
                .with_no_client_auth()
                .with_cert_resolver(self.clone()),
        )
    }

    /// Reads the files again: connections made from now on get what they hold. When they
    /// cannot serve, the certificate being served stays, and the error says why.
    pub fn reload(&self) -> anyhow::Result<CertificateInfo> {
        let loaded = read(&self.cert, &self.key, &self.provider)?;
        let info = loaded.info.clone();
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = loaded;
        Ok(info)
    }

    /// What `/system?command=info` shows of the certificate being served.
    pub fn info(&self) -> CertificateInfo {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .info
            .clone()
    }
}

impl ResolvesServerCert for ServedCertificate {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        Some(current.key.clone())
    }
}

fn read(cert: &Path, key: &Path, provider: &CryptoProvider) -> anyhow::Result<Loaded> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .with_context(|| format!("LATCHKEY_TLS_CERT: cannot read {}", cert.display()))?;
    let Some(leaf) = chain.first() else {
        bail!("LATCHKEY_TLS_CERT: {} holds no certificate", cert.display());
    };
    let expires = not_after(leaf).with_context(|| {
        format!(
            "LATCHKEY_TLS_CERT: the first certificate of {} is not a readable X.509 certificate",
            cert.display()
        )
    })?;
    let private = PrivateKeyDer::from_pem_file(key).with_context(|| {
        format!(
            "LATCHKEY_TLS_KEY: cannot read a private key in {}",
            key.display()
        )
    })?;
    let certified = CertifiedKey::from_der(chain, private, provider).with_context(|| {
        format!(
            "LATCHKEY_TLS_KEY: {} is not the private key of the certificate in {}",
            key.display(),
            cert.display()
        )
    })?;
    Ok(Loaded {
        key: Arc::new(certified),
        info: CertificateInfo {
            filename: cert.display().to_string(),
            expires,
        },
    })
}

/// `notAfter` of a DER certificate (RFC 5280 §4.1: Certificate → TBSCertificate → Validity),
/// in seconds since the epoch. Only the path to the field is read; rustls checks the rest.
pub fn not_after(der: &[u8]) -> anyhow::Result<i64> {
    let (certificate, _) = element(der, SEQUENCE)?;
    let (mut tbs, _) = element(certificate, SEQUENCE)?;
    // version [0] EXPLICIT, optional.
    if tbs.first() == Some(&0xA0) {
        tbs = any(tbs)?.1;
    }
    // serialNumber, signature, issuer.
    for _ in 0..3 {
        tbs = any(tbs)?.1;
    }
    let (validity, _) = element(tbs, SEQUENCE)?;
    let (_, after) = any(validity)?;
    let (tag, time, _) = tlv(after)?;
    let text = std::str::from_utf8(time).context("validity time")?;
    match tag {
        UTC_TIME => parse_time(text, 2),
        GENERALIZED_TIME => parse_time(text, 4),
        other => bail!("validity time has tag {other:#x}"),
    }
}

const SEQUENCE: u8 = 0x30;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;

/// One DER element: (tag, content, what follows).
fn tlv(input: &[u8]) -> anyhow::Result<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first().context("truncated DER")?;
    let (&first, rest) = rest.split_first().context("truncated DER")?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7F);
        if n == 0 || n > 4 || rest.len() < n {
            bail!("unsupported DER length");
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        bail!("truncated DER");
    }
    Ok((tag, &rest[..len], &rest[len..]))
}

/// An element of `tag`: (content, what follows).
fn element(input: &[u8], tag: u8) -> anyhow::Result<(&[u8], &[u8])> {
    let (found, content, rest) = tlv(input)?;
    if found != tag {
        bail!("expected DER tag {tag:#x}, found {found:#x}");
    }
    Ok((content, rest))
}

/// Any element: (content, what follows).
fn any(input: &[u8]) -> anyhow::Result<(&[u8], &[u8])> {
    let (_, content, rest) = tlv(input)?;
    Ok((content, rest))
}

/// `YYMMDDHHMMSSZ` (UTCTime, RFC 5280 §4.1.2.5.1: YY < 50 is 20YY) or `YYYYMMDDHHMMSSZ`
/// (GeneralizedTime), in UTC as RFC 5280 requires.
fn parse_time(text: &str, year_digits: usize) -> anyhow::Result<i64> {
    let digits = text
        .strip_suffix('Z')
        .context("validity time is not in UTC")?;
    if digits.len() != year_digits + 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        bail!("malformed validity time '{text}'");
    }
    let number = |from: usize, len: usize| -> anyhow::Result<u16> {
        digits[from..from + len].parse().context("validity time")
    };
    let mut year = i32::from(number(0, year_digits)?);
    if year_digits == 2 {
        year += if year < 50 { 2000 } else { 1900 };
    }
    let field = |i: usize| -> anyhow::Result<u8> {
        u8::try_from(number(year_digits + 2 * i, 2)?).context("validity time")
    };
    let month = time::Month::try_from(field(0)?).context("validity month")?;
    let date = time::Date::from_calendar_date(year, month, field(1)?).context("validity date")?;
    let at = date
        .with_hms(field(2)?, field(3)?, field(4)?)
        .context("validity time of day")?;
    Ok(at.assume_utc().unix_timestamp())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    /// `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj /CN=latchkey-test
    /// -days 3650`: notAfter=Nov 29 17:56:01 2036 GMT (a UTCTime).
    const UTC_CERT: &str = "-----BEGIN CERTIFICATE-----
MIIBhTCCASugAwIBAgIUMH9xh+Dnit+53B+kvePI/7vv2PEwCgYIKoZIzj0EAwIw
GDEWMBQGA1UEAwwNbGF0Y2hrZXktdGVzdDAeFw0yNjEyMDIxNzU2MDFaFw0zNjEx
MjkxNzU2MDFaMBgxFjAUBgNVBAMMDWxhdGNoa2V5LXRlc3QwWTATBgcqhkjOPQIB
BggqhkjOPQMBBwNCAATzFuekhNy2eOtkxVex5e8WGa9gZxOkUWz7jUzPxYNWNhwe
HOwhhMEra/NrNQLQTGVU61p+oAG2X6DF5ezN7brOo1MwUTAdBgNVHQ4EFgQU6+Hi
Ht3Pg9pmRttegToT8kGRY1cwHwYDVR0jBBgwFoAU6+HiHt3Pg9pmRttegToT8kGR
Y1cwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEA6z/nW13+bf19
N3B650VTJrK43muuTw5LWCBLFtrEDXwCIAC6TG3Eokr3k/9BYSPQ6S85GZyA7rGa
cOg84y+3v9ZP
-----END CERTIFICATE-----
";

    /// The same with `-days 10000`: notAfter=Apr 19 17:56:01 2054 GMT (a GeneralizedTime).
    const GENERALIZED_CERT: &str = "-----BEGIN CERTIFICATE-----
MIIBhzCCAS2gAwIBAgIUSBBpv68CBBfStVt3bysa34T7oDUwCgYIKoZIzj0EAwIw
GDEWMBQGA1UEAwwNbGF0Y2hrZXktdGVzdDAgFw0yNjEyMDIxNzU2MDFaGA8yMDU0
MDQxOTE3NTYwMVowGDEWMBQGA1UEAwwNbGF0Y2hrZXktdGVzdDBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABBexaEcknz8lb1bnvli8wtOENe04YYY1Wa6CppR/mnns
5ib4+xSZ243K1u+IgRvaWGqf0USJ5+mmb7hFW6AmRaOjUzBRMB0GA1UdDgQWBBQZ
3YrxBW5BJSJ3VfMcN8MF7AeW1DAfBgNVHSMEGDAWgBQZ3YrxBW5BJSJ3VfMcN8MF
7AeW1DAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQD1y0epcGPq
TOfD9yA3Sy/MO3DZKjZ9PH8kuAwW2Stb6gIgJ8fi0iCj4ITv/sHY2x3y045WMiCH
FcOuRZFcsy3618s=
-----END CERTIFICATE-----
";

    fn der(pem: &str) -> Vec<u8> {
        CertificateDer::from_pem_slice(pem.as_bytes())
            .unwrap()
            .to_vec()
    }

    #[test]
    fn not_after_reads_both_time_forms_of_real_certificates() {
        // date -u -d 'Nov 29 17:56:01 2036' +%s
        assert_eq!(not_after(&der(UTC_CERT)).unwrap(), 2_111_594_161);
        assert_eq!(not_after(&der(GENERALIZED_CERT)).unwrap(), 2_660_234_161);
    }

    #[test]
    fn both_time_forms_parse() {
        assert_eq!(parse_time("491231235959Z", 2).unwrap(), 2_524_607_999);
        assert_eq!(parse_time("500101000000Z", 2).unwrap(), -631_152_000);
        assert_eq!(parse_time("20540101000000Z", 4).unwrap(), 2_650_838_400);
        assert!(parse_time("20540101000000", 4).is_err(), "not UTC");
        assert!(parse_time("2054010100000Z", 4).is_err(), "short");
    }

    #[test]
    fn truncated_or_foreign_der_is_refused() {
        let full = der(UTC_CERT);
        assert!(not_after(&full[..full.len() / 2]).is_err());
        assert!(not_after(b"\x02\x01\x00").is_err());
        assert!(not_after(b"").is_err());
    }
}
