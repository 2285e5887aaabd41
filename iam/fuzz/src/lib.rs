//! The console's pure parsers, for the fuzz targets.
//!
//! The switch-link, palette and audit-query parsers live in the `types` crate (serde only);
//! the audit filter lives in the `console` crate, which pulls in sqlx and the AWS SDK, far
//! too much for a fuzz build that `scripts/test.sh` checks on every run. That one file uses
//! nothing but `serde`, `thiserror`, `time` and `types`, so it is compiled here from its own
//! source file.

pub use types::{audit_query, links, palette};

#[path = "../../../console/src/audit/filter.rs"]
pub mod audit_filter;
