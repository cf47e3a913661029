//! Tenancy: who may use Latchkey and on which tenants.
//!
//! Owns tenants (one per brand, `OrgId`), API clients (service accounts that get service tokens
//! through the client-credentials grant), the scopes, and the rule that decides whether a caller
//! (`Principal`) may do something on an org. Pure domain: no I/O, no framework; storage comes in
//! through the `TenantDirectory` and `ClientRegistry` ports.

mod cache;
mod client;
mod client_cache;
mod error;
mod lookups;
mod ports;
mod principal;
mod scope;
mod service;
mod tenant;

pub use cache::CachedTenantDirectory;
pub use client::{
    ApiClient, ClientId, ClientName, ClientSecret, Grant, GrantSet, IdTokenAlg, LoginSettings,
    NewClient, RedirectUri,
};
pub use client_cache::CachedClientRegistry;
pub use error::{AccessDenied, ClientError, TenantError};
pub use ports::{ClientRegistry, TenantDirectory};
pub use principal::{Principal, REAUTHENTICATION_MAX_AGE, SignIn};
pub use scope::{OrgAccess, Scope, ScopeParseError, ScopeSet};
pub use service::{Bootstrapped, ClientService, TenantService};
pub use tenant::{Tenant, TenantName};
