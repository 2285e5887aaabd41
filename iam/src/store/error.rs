use std::io;
use std::path::PathBuf;

/// Everything the object store can refuse or fail at. Input errors
/// (`Invalid*`, `NoSuch*`, `TooLarge`, `Body`) change nothing on disk.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("invalid bucket name: {reason}")]
    InvalidBucketName { reason: String },
    #[error("the bucket {bucket} does not exist")]
    NoSuchBucket { bucket: String },
    #[error("the bucket {bucket} already exists and belongs to account {owner}")]
    BucketAlreadyExists { bucket: String, owner: String },
    #[error("invalid object key: {reason}")]
    InvalidKey { reason: &'static str },
    #[error("the object does not exist")]
    NoSuchKey { bucket: String, key: String },
    #[error("invalid metadata: {reason}")]
    InvalidMetadata { reason: String },
    #[error("invalid content type: {reason}")]
    InvalidContentType { reason: &'static str },
    #[error("the object is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("the requested range is not satisfiable for an object of {size} bytes")]
    InvalidRange { size: u64 },
    #[error("invalid argument: {reason}")]
    InvalidArgument { reason: &'static str },
    #[error("the continuation token is not valid")]
    InvalidContinuationToken,
    #[error("at most {max} keys may be deleted at once")]
    TooManyKeys { max: usize },
    /// Reading the caller's body failed; nothing was stored.
    #[error("reading the upload failed: {source}")]
    Body {
        #[source]
        source: io::Error,
    },
    /// The store's own files: internal detail, log it, do not show it.
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{path}: {reason}")]
    Corrupt { path: PathBuf, reason: String },
}

impl StoreError {
    /// The S3 error code a compatible API would answer with.
    pub fn s3_code(&self) -> &'static str {
        match self {
            StoreError::InvalidBucketName { .. } => "InvalidBucketName",
            StoreError::NoSuchBucket { .. } => "NoSuchBucket",
            StoreError::BucketAlreadyExists { .. } => "BucketAlreadyExists",
            StoreError::InvalidKey { reason } if *reason == super::names::KEY_TOO_LONG => {
                "KeyTooLongError"
            }
            StoreError::InvalidKey { .. } => "InvalidArgument",
            StoreError::NoSuchKey { .. } => "NoSuchKey",
            StoreError::InvalidMetadata { .. } => "MetadataTooLarge",
            StoreError::TooLarge { .. } => "EntityTooLarge",
            StoreError::InvalidRange { .. } => "InvalidRange",
            StoreError::TooManyKeys { .. } => "MalformedXML",
            StoreError::InvalidContentType { .. }
            | StoreError::InvalidArgument { .. }
            | StoreError::InvalidContinuationToken => "InvalidArgument",
            StoreError::Body { .. } => "IncompleteBody",
            StoreError::Io { .. } | StoreError::Corrupt { .. } => "InternalError",
        }
    }

    /// True when the caller's input was at fault (HTTP 4xx), false for the
    /// store's own failures (HTTP 500).
    pub fn is_client_error(&self) -> bool {
        !matches!(self, StoreError::Io { .. } | StoreError::Corrupt { .. })
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(io::Error) -> Self {
        let path = path.into();
        move |source| StoreError::Io {
            action,
            path,
            source,
        }
    }
}
