//! Every server function of the console, by concept, with the shapes it answers in (from the
//! `types` crate). Each is thin: it extracts the signed-in caller, calls the `console` crate,
//! and maps the result.

pub mod access_keys;
pub mod access_map;
pub mod access_requests;
pub mod audit;
pub mod buckets;
pub mod directory;
#[cfg(feature = "ssr")]
pub mod extract;
pub mod identity;
pub mod link_builder;
pub mod mfa;
pub mod roles;
pub mod simulator;
pub mod switching;
