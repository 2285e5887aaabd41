//! The data that crosses the cloud boundary for object operations: who asks, and the streamed
//! bodies. The listing and object types are the store's own S3-shaped ones (`iam::store`).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::pin::Pin;

use bytes::Bytes;
use futures_util::Stream;
use time::OffsetDateTime;

use crate::cloud::{HeldCredentials, ObjectInfo};

/// A stream of body bytes. I/O errors end it (a failed upload commits nothing).
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>;

/// Whose permissions an object request is decided with.
#[derive(Clone, Debug)]
pub enum CallerIdentity {
    /// The role session the user holds: its temporary credentials.
    Role(HeldCredentials),
    /// No role held: the signed-in user's own permissions (`arn:aws:iam::ACCOUNT:user/NAME`).
    User { arn: String },
}

/// The caller of an object operation, with the request context the policies may test.
#[derive(Clone, Debug)]
pub struct ObjectCaller {
    pub identity: CallerIdentity,
    pub mfa_authenticated_at: Option<OffsetDateTime>,
    pub source_ip: IpAddr,
}

/// A bucket the caller may see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BucketSummary {
    pub name: String,
    pub created: Option<OffsetDateTime>,
}

/// An object body on its way to the browser.
pub struct ObjectDownload {
    pub info: ObjectInfo,
    /// First byte served and bytes served.
    pub start: u64,
    pub len: u64,
    /// A range was asked for and served (HTTP 206).
    pub partial: bool,
    pub body: ByteStream,
}

/// An object body on its way from the browser.
pub struct ObjectUpload {
    pub content_type: Option<String>,
    /// User metadata (names without the `x-amz-meta-` prefix, lowercase).
    pub metadata: BTreeMap<String, String>,
    /// The declared length, when the browser sent one.
    pub content_length: Option<u64>,
    pub body: ByteStream,
}

/// DeleteObjects, key by key: which went, and which were refused or failed (with a message
/// safe to show).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeleteOutcome {
    pub deleted: Vec<String>,
    pub failed: Vec<(String, String)>,
}
