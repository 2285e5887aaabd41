//! Switchyard's IAM engine, free of any web framework.

pub mod conditions;
pub mod context;
pub mod matching;
pub mod policy;
pub mod variables;

pub use policy::{Effect, Limits, Policy, PolicyError, PolicyKind};
pub mod directory;

pub use directory::{Account, Bucket, Directory, DirectoryError, Group, Role, SampleObject, User};
pub mod evaluate;
pub mod principal;
pub mod resource_rules;

pub use context::{ContextValue, RequestContext};
pub use evaluate::{
    Decision, Evaluation, Finding, OrgLevel, Participant, PolicySet, Request, StatementUse,
    evaluate,
};
pub use policy::NamedPolicy;
pub use principal::Principal;
pub mod access;
pub mod access_map;
pub mod grants;

pub use access::{CallerContext, Identity, RoleSessionInfo};
pub use grants::AccessGrant;
pub mod sts;

pub use sts::{
    AssumeRoleError, AssumeRoleRequest, AssumedRole, Caller, CredentialError, CredentialStore,
    Credentials, MemoryCredentialStore, StoredSession, Sts,
};
pub mod simulate;
pub mod store;

pub use store::{
    BucketInfo, ByteRange, ListPage, ListRequest, LocalObjectStore, ObjectBody, ObjectInfo,
    PutWriter, StoreError,
};
