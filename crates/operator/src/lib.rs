//! The security service's operators: the people who run the service (`/api/v1/users`,
//! `/api/v1/oauth2`). An operator has a role, administers one org (its `owner`; a `root`
//! administers all), signs in with a password (argon2id, the last five refused for reuse) and
//! optionally a second factor, holds API keys that act as it, and has sign-in sessions whose
//! refresh tokens rotate.
//!
//! What this crate owns: the operator record and its rules ([`Operator`], [`Role`],
//! [`OperatorEmail`]), the storage ports ([`OperatorStore`], [`ApiKeyStore`],
//! [`OperatorSessionStore`]), who may do what to whom ([`permissions`]) and the security
//! profiles that publish it.
//!
//! Pure domain: no HTTP, no database, no runtime. Storage comes in through the ports above (the
//! `public` schema in production), time and randomness through the core ports.

mod api_key;
mod model;
mod ports;
mod session;

pub use api_key::{AccessRight, ApiKey, ApiKeyAccess};
pub use model::{
    EmailError, MfaMethod, Mobile, Note, Operator, OperatorEmail, OperatorQuery, Role,
    RoleError,
};
pub use ports::{ApiKeyStore, OperatorSessionStore, OperatorStore, Rotation, Write};
pub use session::OperatorSession;
