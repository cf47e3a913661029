//! HTTP plumbing shared by every route: the one error mapping, request ids and logging, bearer
//! authentication, body parsing with limits (and what a handler left of a body, read after its
//! answer), the security headers of every answer and the limits on abuse.

pub mod auth;
pub mod body;
pub mod drain;
pub mod endpoint;
pub mod error;
pub mod headers;
pub mod limits;
pub mod request_id;
