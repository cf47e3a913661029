//! Device sessions: a login creates a device (the browser or app the customer signed in on,
//! remembered by an HttpOnly cookie) and the refresh tokens of that session, one per client.
//! A refresh token rotates on every use (its secret is replaced); presenting a rotated one
//! again ends the whole session (RFC 9700 §4.14.2). Unlinking a device kills its refresh
//! tokens at once, and a credential that can no longer sign in (disabled, deleted, moved away)
//! takes its sessions with it (the credential store ends them in the same step).
//!
//! Pure domain: storage comes in through the `DeviceStore` port (the tenant's schema in
//! production), time and randomness through the core ports.

mod alias;
mod model;
mod ports;
mod service;

pub use alias::alias_of;
pub use model::{Device, RefreshToken, SessionSecret};
pub use ports::{DeviceStore, Exchange};
pub use service::{DeviceError, DeviceService, Refreshed, Revocation, SessionCookie};
