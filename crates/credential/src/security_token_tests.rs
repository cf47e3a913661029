//! Unit tests of the security-token string: its parsing, and a `Debug` that hides the secret.
//! The issue / find / consume cycle is tested over the memory store in `tests/service`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

#[test]
fn parses_the_documented_shape() {
    let raw = "ed7f4ab1-6234-46e6-a4de-fd3d4de3d414@masmovil@h7sn381lTBopU7pLIljv36pWzPTEy-FlswJznI_JqVoxbUXi40XJP8ekJ_1Owtrvzo4FOqIXCtABHhLPJ7rrHAa2UchVqWHuYQZyBCcutP_ryfegNNjC8OWYNc0Mf-mAg1O_GEA50pEXh9UkXINuCikK_XmgDonQhOmRwHC_qiU=";
    let token = TokenString::parse(raw);
    assert!(matches!(&token, Ok(t) if t.org.as_str() == "masmovil"));
}

#[test]
fn rejects_malformed_tokens() {
    for bad in [
        "",
        "abc",
        "not-a-uuid@masmovil@secret",
        "ed7f4ab1-6234-46e6-a4de-fd3d4de3d414@Bad Org@secret",
        "ed7f4ab1-6234-46e6-a4de-fd3d4de3d414@masmovil@",
        "ed7f4ab1-6234-46e6-a4de-fd3d4de3d414@masmovil@sec ret",
        "ed7f4ab1-6234-46e6-a4de-fd3d4de3d414@masmovil@a@b",
    ] {
        assert!(
            matches!(TokenString::parse(bad), Err(SecurityTokenError::Malformed)),
            "{bad:?}"
        );
    }
}

#[test]
fn debug_output_does_not_leak_the_secret() {
    let token = TokenString::parse("ed7f4ab1-6234-46e6-a4de-fd3d4de3d414@masmovil@TOPSECRETvalue");
    assert!(matches!(token, Ok(t) if !format!("{t:?}").contains("TOPSECRET")));
}
