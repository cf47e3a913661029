//! The contract of [`SecretCipher`] (`latchkey_otp::ports`).
//!
//! `make(key)` builds a cipher of the test key numbered `key`: ciphers of one number share their
//! key (another instance after a restart), ciphers of different numbers have different keys.

use super::begin;
use latchkey_otp::{SealedSecret, SecretCipher};

/// A TOTP secret's length (RFC 4226 recommends 160 bits): long enough that a sealed secret
/// containing it by chance is out of the question.
const PLAIN: &[u8; 20] = b"twenty bytes secret!";

/// The row a secret belongs to.
const CONTEXT: &[u8] = b"yoigo/ana@example.com";

/// Runs every check, each on fresh ciphers from `make`.
pub fn run<F, C>(make: F)
where
    F: Fn(u8) -> C,
    C: SecretCipher,
{
    let port = "SecretCipher";
    begin(port, "a_sealed_secret_opens_with_its_context");
    a_sealed_secret_opens_with_its_context(&make(1));
    begin(
        port,
        "a_sealed_secret_opens_with_another_instance_of_the_key",
    );
    a_sealed_secret_opens_with_another_instance_of_the_key(&make(1), &make(1));
    begin(port, "a_sealed_secret_does_not_reveal_the_plain_text");
    a_sealed_secret_does_not_reveal_the_plain_text(&make(1));
    begin(port, "sealing_again_gives_another_sealed_secret");
    sealing_again_gives_another_sealed_secret(&make(1));
    begin(port, "open_fails_with_another_context");
    open_fails_with_another_context(&make(1));
    begin(port, "open_fails_with_another_key");
    open_fails_with_another_key(&make(1), &make(2));
    begin(port, "open_fails_when_any_byte_is_changed");
    open_fails_when_any_byte_is_changed(&make(1));
    begin(port, "open_fails_when_the_sealed_secret_is_cut_short");
    open_fails_when_the_sealed_secret_is_cut_short(&make(1));
}

fn seal(cipher: &dyn SecretCipher, plain: &[u8], context: &[u8]) -> SealedSecret {
    match cipher.seal(plain, context) {
        Ok(sealed) => sealed,
        Err(e) => panic!("seal: expected Ok, got Err({e})"),
    }
}

#[track_caller]
fn assert_refused(cipher: &dyn SecretCipher, sealed: &SealedSecret, context: &[u8], what: &str) {
    if let Ok(plain) = cipher.open(sealed, context) {
        panic!("open of {what} must fail, got Ok({} bytes)", plain.len());
    }
}

/// "Decrypts what `seal` made with the same key and `context`, giving `plain` back", for
/// secrets of several lengths, the empty one included.
pub fn a_sealed_secret_opens_with_its_context(cipher: &dyn SecretCipher) {
    for plain in [&PLAIN[..], b"", b"x", &[0u8; 64][..]] {
        let sealed = seal(cipher, plain, CONTEXT);
        match cipher.open(&sealed, CONTEXT) {
            Ok(opened) => assert_eq!(opened, plain, "open must give the sealed plain text back"),
            Err(e) => panic!("open with the sealing context: expected Ok, got Err({e})"),
        }
    }
}

/// "What one instance sealed MUST open with another instance of the same key."
pub fn a_sealed_secret_opens_with_another_instance_of_the_key(
    cipher: &dyn SecretCipher,
    restarted: &dyn SecretCipher,
) {
    let sealed = seal(cipher, PLAIN, CONTEXT);
    match restarted.open(&sealed, CONTEXT) {
        Ok(opened) => assert_eq!(
            opened, PLAIN,
            "another instance must open it to the plain text"
        ),
        Err(e) => panic!("open with another instance of the key: expected Ok, got Err({e})"),
    }
}

/// "The sealed secret does not reveal `plain`."
pub fn a_sealed_secret_does_not_reveal_the_plain_text(cipher: &dyn SecretCipher) {
    let sealed = seal(cipher, PLAIN, CONTEXT);
    assert!(
        !sealed.0.windows(PLAIN.len()).any(|w| w == PLAIN),
        "a sealed secret must not contain the plain text"
    );
}

/// "Sealing the same `plain` again gives a different sealed secret (a fresh nonce each time)."
pub fn sealing_again_gives_another_sealed_secret(cipher: &dyn SecretCipher) {
    let first = seal(cipher, PLAIN, CONTEXT);
    let second = seal(cipher, PLAIN, CONTEXT);
    assert_ne!(
        first, second,
        "two sealings of one secret must differ (a fresh nonce each time)"
    );
}

/// "MUST fail on ... another context": a sealed secret moved to another row does not open.
pub fn open_fails_with_another_context(cipher: &dyn SecretCipher) {
    let sealed = seal(cipher, PLAIN, CONTEXT);
    for other in [
        &b"yoigo/bob@example.com"[..],
        b"masmovil/ana@example.com",
        b"",
    ] {
        assert_refused(
            cipher,
            &sealed,
            other,
            "a secret sealed for another context",
        );
    }
}

/// "MUST fail on ... another key."
pub fn open_fails_with_another_key(cipher: &dyn SecretCipher, other_key: &dyn SecretCipher) {
    let sealed = seal(cipher, PLAIN, CONTEXT);
    assert_refused(
        other_key,
        &sealed,
        CONTEXT,
        "a secret sealed with another key",
    );
}

/// "MUST fail on ... a sealed secret changed in any byte": each byte is flipped in turn.
pub fn open_fails_when_any_byte_is_changed(cipher: &dyn SecretCipher) {
    let sealed = seal(cipher, PLAIN, CONTEXT);
    for i in 0..sealed.0.len() {
        let mut changed = sealed.clone();
        changed.0[i] ^= 0x01;
        assert_refused(
            cipher,
            &changed,
            CONTEXT,
            &format!("a sealed secret with byte {i} changed"),
        );
    }
}

/// "MUST fail on ... a sealed secret cut short", down to nothing.
pub fn open_fails_when_the_sealed_secret_is_cut_short(cipher: &dyn SecretCipher) {
    let sealed = seal(cipher, PLAIN, CONTEXT);
    for len in 0..sealed.0.len() {
        let cut = SealedSecret(sealed.0[..len].to_vec());
        assert_refused(
            cipher,
            &cut,
            CONTEXT,
            &format!("a sealed secret cut to {len} bytes"),
        );
    }
}
