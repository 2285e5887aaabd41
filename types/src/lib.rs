//! The shapes the browser and the server both know: what a page may show about the signed-in
//! user and their roles, switch links and the palette, role history rows, the audit trail's
//! query, bucket rows and MFA device summaries. Serde only, so it builds for
//! `wasm32-unknown-unknown`; nothing here is a secret.

pub mod access_keys;
pub mod access_map;
pub mod access_requests;
pub mod audit_query;
pub mod buckets;
pub mod directory;
pub mod error;
pub mod identity;
pub mod link_builder;
pub mod links;
pub mod mfa;
pub mod palette;
pub mod role_history;
pub mod role_permissions;
pub mod role_sessions;
pub mod roles;
pub mod simulator;
pub mod switching;
