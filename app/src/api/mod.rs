//! Every server function of the console, by concept, with the shapes it answers in (from the
//! `types` crate). Each is thin: it extracts the signed-in caller, calls the `console` crate,
//! and maps the result.

pub mod buckets;
pub mod identity;
pub mod mfa;
#[cfg(feature = "ssr")]
pub mod server_fn;
