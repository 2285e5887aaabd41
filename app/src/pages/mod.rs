//! One module per page.

pub mod access_map;
pub mod access_requests;
pub mod audit;
pub mod buckets;
pub mod directory;
pub mod home;
pub mod link_builder;
pub mod mfa;
pub mod not_found;
pub mod security_credentials;
pub mod sign_in;
pub mod simulator;
pub mod switch_role;
