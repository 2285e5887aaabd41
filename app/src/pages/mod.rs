//! One module per page.

pub mod buckets;
pub mod home;
pub mod mfa;
pub mod not_found;
pub mod security_credentials;
pub mod sign_in;
pub mod switch_role;
