//! HTTP plumbing shared by every route: the one error mapping, request ids and logging, bearer
//! authentication, and body parsing with limits.

pub mod auth;
pub mod body;
pub mod error;
pub mod request_id;
