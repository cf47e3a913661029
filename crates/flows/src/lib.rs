//! Flows: the Credentials API's multi-step operations (`/v1/orgs/{org}/flows/...`): create a
//! username, change a password knowing the old one, reset a password through a link sent to one
//! of the credential's contacts; and the second factors (one-time codes, TOTP). They compose the
//! credential and second-factor rules with the `Notifier`, `RateLimiter`, `OtpStore`,
//! `TotpStore` and `SecretCipher` ports. Pure domain, like the crates it builds on.

mod ciba;
mod contact;
mod error;
mod grants;
mod link;
mod login;
mod second_factor;
mod service;

pub use ciba::{Backchannel, BackchannelError, CIBA_APPROVAL_PATH, Started as BackchannelStarted};
pub use contact::{Contact, ContactError, choose, contacts};
pub use error::{FlowError, LimitScope};
pub use grants::{Authenticated, GrantPorts, Grants, TokenSet, at_hash};
pub use link::{MAGIC_LINK_PATH, SET_PASSWORD_PATH, token_link};
pub use login::{
    Agent, Completion, ContactChoice, Factor, LOGIN_TTL, LoginError, LoginPorts, LoginService,
    LoginTx, MagicOutcome, NewSession, Stage, Started, Step,
};
pub use second_factor::{CodeRefusal, Passcode, SecondFactorPorts, SecondFactors};
pub use service::{ChangePassword, CreateUsername, FlowLimits, FlowService, Notice, ResetPassword};
