//! Server-only services behind the pages: state, sessions, storage, audit trail, sign-in.
//!
//! Nothing here is compiled into the browser bundle.

pub mod audit;
pub mod audit_filter;
pub mod audit_view;
pub mod auth;
pub mod aws_cloud;
pub mod client;
pub mod cloud;
pub mod content_policy;
pub mod credential_store;
pub mod db;
pub mod local_cloud;
pub mod mfa;
pub mod object_access;
pub mod objects;
pub mod rate_limit;
pub mod role_history;
pub mod server_fn;
pub mod session;
pub mod state;
pub mod switching;
#[cfg(test)]
pub mod test_support;
pub mod work_pool;
