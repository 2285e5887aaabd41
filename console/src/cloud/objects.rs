//! The data that crosses the cloud boundary for object operations: who asks, what a listing
//! asks for and answers, an object's properties, and the streamed bodies. S3-shaped, and the
//! boundary's own: each backend converts from what it speaks (the local store, the AWS SDK).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::pin::Pin;

use bytes::Bytes;
use futures_util::Stream;
use time::OffsetDateTime;

use crate::cloud::HeldCredentials;

/// ListObjectsV2's request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListRequest {
    pub prefix: Option<String>,
    pub delimiter: Option<String>,
    /// `next_continuation_token` of the previous page; wins over `start_after`.
    pub continuation_token: Option<String>,
    /// List only keys after this one (exclusive).
    pub start_after: Option<String>,
    /// 1 or more; `None` and values above 1000 mean 1000, as in S3.
    pub max_keys: Option<usize>,
}

/// One page of a listing: objects and common prefixes in key order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPage {
    pub objects: Vec<ObjectInfo>,
    pub common_prefixes: Vec<String>,
    pub is_truncated: bool,
    /// Present exactly when `is_truncated`; opaque to the caller.
    pub next_continuation_token: Option<String>,
    /// `objects.len() + common_prefixes.len()`.
    pub key_count: usize,
}

/// An object's properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    pub key: String,
    pub size: u64,
    /// The quoted lowercase hex MD5 of a single PUT, as S3 writes it.
    pub etag: String,
    pub content_type: Option<String>,
    /// User metadata, names in lowercase.
    pub metadata: BTreeMap<String, String>,
    pub last_modified: OffsetDateTime,
}

/// An HTTP byte range (`bytes=first-last`, `bytes=first-`, `bytes=-suffix`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// `first..=last`; `last` past the end means to the end.
    FromTo {
        first: u64,
        last: u64,
    },
    From {
        first: u64,
    },
    /// The last `len` bytes.
    Suffix {
        len: u64,
    },
}

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
