//! The security service's messages (`/api/v1/email`, `/api/v1/sms`): the test e-mails and SMS an
//! operator sends through the real notifier to check that the gateways deliver, and the proof of
//! a mobile number — a 6-digit code sent to it and typed back — before the number joins an
//! account's mobiles (`validateNumber`, `completeValidation`).
//!
//! What this crate owns: the rules of a test message ([`TestEmail`], [`TestSms`]: who may send
//! one, to whom, how long, how often) and of a number's proof ([`MessageService::start_proof`],
//! [`MessageService::complete_proof`]: the code is `latchkey_otp`'s kind, stored hashed, single
//! use, burnt after 5 wrong tries, not resent within 30 s, and bound to the account and the
//! number it was sent for). Adding the proved number to an operator is
//! [`MessageService::add_operator_mobile`]; to a subscriber, `latchkey_subscriber`'s own use case.
//!
//! Pure domain: no HTTP, no database, no runtime. Delivery, codes and counters come in through
//! the ports (`Notifier`, `OtpStore`, `RateLimiter`), time and randomness through the core ones.

mod error;
mod model;
mod proof;
mod service;
mod subscriber;

pub use error::MessageError;
pub use model::{
    MAX_EMAIL_TEXT_CHARS, MAX_RECIPIENTS, MAX_SMS_TEXT_CHARS, MAX_SUBJECT_CHARS, TestEmail, TestSms,
};
pub use proof::{MAX_MOBILES, PROOFS_PER_HOUR};
pub use service::{MessagePorts, MessageService, TESTS_PER_HOUR};

#[cfg(test)]
mod tests;
