//! Proof Key for Code Exchange (RFC 7636).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_core::ct_eq;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How the challenge was derived from the verifier (RFC 7636 §4.2). Only `S256` is accepted
/// (ASVS V10.4.6, RFC 9700 §2.1.1): `plain` gives nothing against a stolen authorization
/// request. `Plain` is still read from records made before that rule, and never verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChallengeMethod {
    Plain,
    S256,
}

/// A client's `code_challenge` with its method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeChallenge {
    pub method: ChallengeMethod,
    pub value: String,
}

/// Whether `s` is 43 to 128 characters of `[A-Za-z0-9-._~]` (RFC 7636 §4.1, and §4.2 for the
/// challenge, which has the same syntax).
pub fn valid_verifier(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

impl CodeChallenge {
    /// Parses `code_challenge` with `code_challenge_method=S256`. `None` when the challenge is
    /// malformed or the method is anything else: `plain`, or absent (which means `plain`,
    /// RFC 7636 §4.3).
    pub fn parse(value: &str, method: Option<&str>) -> Option<Self> {
        (method == Some("S256") && valid_verifier(value)).then(|| Self {
            method: ChallengeMethod::S256,
            value: value.to_owned(),
        })
    }

    /// Whether `verifier` answers the challenge (RFC 7636 §4.6), compared in constant time.
    pub fn verify(&self, verifier: &str) -> bool {
        if !valid_verifier(verifier) {
            return false;
        }
        match self.method {
            ChallengeMethod::Plain => false,
            ChallengeMethod::S256 => {
                let digest = Sha256::digest(verifier.as_bytes());
                let derived = URL_SAFE_NO_PAD.encode(digest);
                ct_eq(derived.as_bytes(), self.value.as_bytes())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn appendix_b_vector() {
        let challenge = CodeChallenge::parse(CHALLENGE, Some("S256"));
        assert!(challenge.as_ref().is_some_and(|c| c.verify(VERIFIER)));
        assert!(!challenge.is_some_and(|c| c.verify(&VERIFIER.replace('d', "e"))));
    }

    #[test]
    fn plain_is_refused_whether_named_or_by_default() {
        assert!(CodeChallenge::parse(VERIFIER, None).is_none());
        assert!(CodeChallenge::parse(VERIFIER, Some("plain")).is_none());
        // A record made before S256 was required: its plain challenge never verifies.
        let old = CodeChallenge {
            method: ChallengeMethod::Plain,
            value: VERIFIER.to_owned(),
        };
        assert!(!old.verify(VERIFIER));
    }

    #[test]
    fn malformed_challenges_and_verifiers_are_refused() {
        assert!(CodeChallenge::parse("short", Some("S256")).is_none());
        assert!(CodeChallenge::parse(CHALLENGE, Some("S512")).is_none());
        assert!(CodeChallenge::parse(&"a".repeat(129), Some("S256")).is_none());
        assert!(!valid_verifier(&format!("{}!", &VERIFIER[..43])));
        assert!(valid_verifier(&"~".repeat(128)));
    }
}
