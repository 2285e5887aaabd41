//! Switchyard's IAM engine, free of any web framework.

pub mod conditions;
pub mod context;
pub mod matching;
pub mod policy;
pub mod variables;

pub use policy::{Effect, Limits, Policy, PolicyError, PolicyKind};
pub mod directory;

pub use directory::{Account, Bucket, Directory, DirectoryError, Group, Role, SampleObject, User};
