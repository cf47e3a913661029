//! Second factors: one-time codes (OTP) sent by SMS or e-mail, and TOTP (RFC 6238) from an
//! authenticator app.
//!
//! Owns the rules: a code is 6 digits, lives 300 s, is stored hashed, is used at most once, is
//! burnt after 5 wrong tries, and cannot be re-sent within 30 s; a TOTP is SHA-1, 6 digits, a
//! 30 s step, ±1 step of tolerance, and a step is accepted at most once per secret. Time comes
//! from the caller (`now`); storage through the `OtpStore` and `TotpStore` ports; encryption of
//! TOTP secrets through the `SecretCipher` port. [`Authenticators`] is the one TOTP use case of
//! every holder (credentials and operators). Pure domain: no I/O.

mod authenticator;
mod code;
mod ports;
mod totp;

pub use authenticator::{
    AuthenticatorPorts, Authenticators, EnrolledSecret, SETUP_CODES, SETUP_TRIES_PER_MINUTE,
    SETUP_TTL, Secrets, SetupProgress, TotpError, TotpHolder,
};
pub use code::{
    CODE_TTL, MAX_ATTEMPTS, OtpCode, OtpCodeError, RESEND_AFTER, code_hash, generate_code,
};
pub use ports::{
    Issue, OperatorTotpStore, OtpStore, Redeem, SealedSecret, SecretCipher, StoredSecret,
    TotpEnrollment, TotpStore,
};
pub use totp::{
    DIGITS, SECRET_BYTES, STEP_SECONDS, TotpSecret, TotpSecretError, code_at, matching_step,
    otpauth_uri, seconds_left, step_of,
};
