//! The console's server-side domain: sessions, sign-in, MFA, switching roles, role history,
//! the audit trail, and the cloud boundary with its two backends. No web framework: the
//! `app` crate's server functions and the `switchyard` binary's routes call in here.

pub mod access_keys;
pub mod access_map;
pub mod access_requests;
pub mod audit;
pub mod aws_api;
pub mod catalog;
pub mod client;
pub mod clock;
pub mod cloud;
pub mod directory_view;
pub mod favourites;
pub mod mfa;
pub mod notify;
pub mod policy_document;
pub mod rate_limit;
pub mod role_history;
pub mod session;
pub mod sign_in;
pub mod simulator;
pub mod state;
pub mod storage;
pub mod switching;
pub mod tab;
#[cfg(any(test, feature = "test-support"))]
pub mod test_support;
pub mod work_pool;
