//! The security service's operators: the people who run the service (`/api/v1/users`,
//! `/api/v1/oauth2`). An operator has a role, administers one org (its `owner`; a `root`
//! administers all), signs in with a password (argon2id, the last five refused for reuse) and
//! optionally a second factor, holds API keys that act as it, and has sign-in sessions whose
//! refresh tokens rotate.
//!
//! What this crate owns: the operator record and its rules ([`Operator`], [`Role`],
//! [`OperatorEmail`]), the storage ports ([`OperatorStore`], [`ApiKeyStore`],
//! [`OperatorSessionStore`]), who may do what to whom ([`permissions`]) and the security
//! profiles that publish it ([`profiles`], the single source of both), and the use cases:
//! the operators directory ([`OperatorService`], with the password policy, the history of
//! passwords and the dummy-hash check of a sign-in) and API keys ([`ApiKeyService`]).
//!
//! Pure domain: no HTTP, no database, no runtime. Storage comes in through the ports above (the
//! `public` schema in production), time and randomness through the core ports.

mod api_key;
mod api_keys;
mod authenticator;
mod error;
mod fields;
mod model;
mod passwords;
pub mod permissions;
mod ports;
pub mod profiles;
mod service;
mod service_modify;
mod session;

pub use api_key::{AccessRight, ApiKey, ApiKeyAccess};
pub use api_keys::{
    API_KEY_DESCRIPTION_MAX, API_KEY_NAME_MAX, API_KEY_PREFIX, ApiKeyService, MAX_API_KEYS,
};
pub use error::OperatorError;
pub use fields::{DESCRIPTION_MAX, LOCALE_MAX, LOCATION_MAX, NAME_MAX, NOTE_MAX};
pub use model::{
    EmailError, MfaMethod, Mobile, Note, Operator, OperatorEmail, OperatorQuery, Role, RoleError,
};
pub use passwords::{PASSWORD_PATTERN, check_policy};
pub use ports::{ApiKeyStore, OperatorSessionStore, OperatorStore, Rotation, Write};
pub use profiles::{
    ProfileAccess, ProfileAction, Reach, SecurityProfile, profile, resource, security_profiles,
};
pub use service::{NewOperator, OperatorChanges, OperatorPorts, OperatorService};
pub use session::OperatorSession;

#[cfg(test)]
mod tests;
