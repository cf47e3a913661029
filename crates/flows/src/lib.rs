//! Flows: the Credentials API's multi-step operations (`/v1/orgs/{org}/flows/...`): create a
//! username, change a password knowing the old one, reset a password through a link sent to one
//! of the credential's contacts; and the second factors (one-time codes, TOTP: Credentials API
//! endpoints 16-21, which the login server's second-factor step checks with). They compose the
//! credential and second-factor rules with the `Notifier`, `RateLimiter`, `OtpStore`,
//! `TotpStore` and `SecretCipher` ports. Pure domain, like the crates it builds on. Signing
//! customers in is `latchkey-login`'s.

mod codes;
mod contact;
mod error;
mod link;
mod second_factor;
mod service;

pub use codes::CodePurpose;
pub use contact::{Contact, ContactError, choose, contacts};
pub use error::{FlowError, LimitScope};
pub use link::{MAGIC_LINK_PATH, SET_PASSWORD_PATH, token_link};
pub use second_factor::{CodeRefusal, Passcode, SecondFactorPorts, SecondFactors};
pub use service::{ChangePassword, CreateUsername, FlowLimits, FlowService, Notice, ResetPassword};
