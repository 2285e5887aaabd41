//! The console's pure parsers, compiled here from their own source files.
//!
//! The `app` crate pulls in Leptos (and, with `ssr`, the whole server: sqlx, the AWS SDK), far
//! too much for a fuzz build that `scripts/test.sh` checks on every run. These files use
//! nothing but `serde`, `thiserror` and `time`, and refer to each other as `crate::links`,
//! `crate::audit_query`, so they compile as the same modules here. When they move to a crate
//! of their own, depend on that crate instead.

#[path = "../../../app/src/links.rs"]
pub mod links;

#[path = "../../../app/src/palette.rs"]
pub mod palette;

#[path = "../../../app/src/audit_query.rs"]
pub mod audit_query;

#[path = "../../../app/src/services/audit_filter.rs"]
pub mod audit_filter;
