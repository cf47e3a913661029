//! Flows: the Credentials API's multi-step operations (`/v1/orgs/{org}/flows/...`): create a
//! username, change a password knowing the old one, reset a password through a link sent to one
//! of the credential's contacts. They compose the credential use cases with the `Notifier` and
//! `RateLimiter` ports. Pure domain, like the crates it builds on.

mod contact;
mod error;
mod link;
mod service;

pub use contact::{Contact, ContactError, choose, contacts};
pub use error::{FlowError, LimitScope};
pub use link::{MAGIC_LINK_PATH, SET_PASSWORD_PATH, token_link};
pub use service::{ChangePassword, CreateUsername, FlowLimits, FlowService, Notice, ResetPassword};
