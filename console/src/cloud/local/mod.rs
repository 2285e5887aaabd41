//! The default cloud: the IAM engine decides, issues temporary credentials and keeps their
//! records under the data directory.

pub mod credential_store;
pub mod sql_credential_store;

use std::path::Path;
use std::sync::Arc;

use std::io::Read;

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use iam::access::{self, CallerContext, Identity};
use iam::store::{LocalObjectStore, MAX_DELETE_KEYS, ObjectBody, StoreError};
use iam::{
    AssumeRoleError, AssumeRoleRequest, Caller, CredentialError, CredentialStore, Directory, Sts,
};
use serde_json::json;

use crate::cloud::local::credential_store::FileCredentialStore;
use crate::cloud::objects::CallerIdentity;
use crate::cloud::{
    BucketSummary, ByteRange, ByteStream, CloudBackend, CloudError, DeleteOutcome, HeldCredentials,
    ListPage, ListRequest, ObjectCaller, ObjectDownload, ObjectInfo, ObjectUpload, SwitchRequest,
};
use crate::work_pool;

/// The issued-credential store, whichever implementation the console was built with.
type SharedCredentials = Arc<dyn CredentialStore>;

pub struct LocalCloud {
    sts: Arc<Sts<SharedCredentials>>,
    store: LocalObjectStore,
}

impl LocalCloud {
    /// Issued-credential records live in `DATA_DIR/sts`, objects in `DATA_DIR/objects`;
    /// uploads are limited to S3's 5 GiB.
    pub fn open(directory: Arc<Directory>, data_dir: &Path) -> Result<Self, CloudError> {
        Self::open_with_upload_limit(directory, data_dir, iam::store::DEFAULT_MAX_OBJECT_SIZE)
    }

    /// As [`LocalCloud::open`], with uploads limited to `max_upload_size` bytes. The
    /// directory's buckets that do not exist yet are created with their sample objects;
    /// existing data is never overwritten.
    pub fn open_with_upload_limit(
        directory: Arc<Directory>,
        data_dir: &Path,
        max_upload_size: u64,
    ) -> Result<Self, CloudError> {
        let credentials = FileCredentialStore::open(&data_dir.join("sts"))
            .map_err(|e| CloudError::Unavailable(e.to_string()))?;
        Self::with_credentials(
            directory,
            Arc::new(credentials),
            &data_dir.join("objects"),
            max_upload_size,
            false,
        )
    }

    /// As [`LocalCloud::open_with_upload_limit`], with issued-credential records kept in
    /// `credentials` (any implementation) instead of `DATA_DIR/sts`, and objects in
    /// `objects_dir`; `shared` when other instances use that directory too (see
    /// `iam::store`, "Several processes").
    pub fn with_credentials(
        directory: Arc<Directory>,
        credentials: Arc<dyn CredentialStore>,
        objects_dir: &Path,
        max_upload_size: u64,
        shared: bool,
    ) -> Result<Self, CloudError> {
        let store = if shared {
            LocalObjectStore::open_shared(objects_dir, max_upload_size)
        } else {
            LocalObjectStore::open_with_limit(objects_dir, max_upload_size)
        }
        .map_err(|e| CloudError::Unavailable(e.to_string()))?;
        for (path, reason) in store.skipped() {
            tracing::warn!("object store: skipped {}: {reason}", path.display());
        }
        let created = store
            .seed_from_directory(&directory)
            .map_err(|e| CloudError::Unavailable(e.to_string()))?;
        if !created.is_empty() {
            tracing::info!("object store: created buckets {}", created.join(", "));
        }
        Ok(LocalCloud {
            sts: Arc::new(Sts::new(directory, credentials)),
            store,
        })
    }

    pub fn sts(&self) -> &Sts<SharedCredentials> {
        &self.sts
    }
}

#[async_trait]
impl CloudBackend for LocalCloud {
    fn name(&self) -> &'static str {
        "local"
    }

    async fn assume_role(&self, request: &SwitchRequest) -> Result<HeldCredentials, CloudError> {
        let sts = Arc::clone(&self.sts);
        let request = request.clone();
        // The decision takes microseconds; writing the record touches the disk.
        work_pool::run(move || {
            let mut context =
                CallerContext::at(crate::clock::now_utc()).with_source_ip(request.source_ip);
            if let Some(at) = request.mfa_authenticated_at {
                context = context.with_mfa(at);
            }
            let assumed = sts.assume_role(&AssumeRoleRequest {
                caller: Caller::User {
                    arn: &request.caller_arn,
                },
                role_arn: &request.role_arn,
                session_name: &request.session_name,
                source_identity: Some(&request.source_identity),
                external_id: request.external_id.as_deref(),
                duration: request.duration,
                session_policy: request.session_policy.as_deref(),
                context,
                granted: &request.granted,
                not_after: request.not_after,
            });
            match assumed {
                Ok(assumed) => {
                    let c = assumed.credentials;
                    Ok(HeldCredentials {
                        access_key_id: c.access_key_id,
                        secret_access_key: c.secret_access_key,
                        session_token: c.session_token,
                        expiration: c.expiration.unix_timestamp(),
                        assumed_role_arn: c.assumed_role_arn,
                    })
                }
                Err(AssumeRoleError::Denied {
                    role_arn,
                    evaluation,
                }) => Err(CloudError::Denied {
                    detail: json!({
                        "role_arn": role_arn,
                        "decision": evaluation.decision,
                        "explanation": evaluation.explanation,
                    }),
                }),
                Err(AssumeRoleError::Invalid(message)) => Err(CloudError::Invalid(message)),
                Err(other) => Err(CloudError::Unavailable(other.to_string())),
            }
        })
        .await
        .map_err(|e| CloudError::Unavailable(e.to_string()))?
    }

    async fn release(&self, credentials: &HeldCredentials) -> Result<(), CloudError> {
        self.revoke_access_key(&credentials.access_key_id).await
    }

    async fn revoke_access_key(&self, access_key_id: &str) -> Result<(), CloudError> {
        let sts = Arc::clone(&self.sts);
        let key = access_key_id.to_string();
        work_pool::run(move || sts.revoke(&key))
            .await
            .map_err(|e| CloudError::Unavailable(e.to_string()))?
            .map_err(|e| CloudError::Unavailable(e.to_string()))
    }

    async fn list_buckets(&self, caller: &ObjectCaller) -> Result<Vec<BucketSummary>, CloudError> {
        let this = self.clone_parts();
        let caller = caller.clone();
        blocking(move || {
            this.authorize(&caller, "s3:ListAllMyBuckets", "*", &[])?;
            // As in S3: the buckets the caller's own account owns.
            let account = caller_account(&caller.identity);
            Ok(this
                .store
                .list_buckets()
                .into_iter()
                .filter(|b| Some(b.owner_account_id.as_str()) == account)
                .map(|b| BucketSummary {
                    name: b.name,
                    created: Some(b.created),
                })
                .collect())
        })
        .await
    }

    async fn list_objects(
        &self,
        caller: &ObjectCaller,
        bucket: &str,
        request: &ListRequest,
    ) -> Result<ListPage, CloudError> {
        let this = self.clone_parts();
        let caller = caller.clone();
        let bucket = bucket.to_string();
        let request = request.clone();
        blocking(move || {
            check_bucket(&bucket)?;
            // `s3:prefix` is present (empty when no prefix was asked for), as the console
            // always sends one; `s3:delimiter` only when a delimiter was asked for.
            let prefix = request.prefix.clone().unwrap_or_default();
            let mut keys = vec![("s3:prefix", prefix.as_str())];
            if let Some(delimiter) = request.delimiter.as_deref().filter(|d| !d.is_empty()) {
                keys.push(("s3:delimiter", delimiter));
            }
            this.authorize(&caller, "s3:ListBucket", &bucket_arn(&bucket), &keys)?;
            this.store
                .list_objects_v2(&bucket, &(&request).into())
                .map(ListPage::from)
                .map_err(store_error)
        })
        .await
    }

    async fn head_object(
        &self,
        caller: &ObjectCaller,
        bucket: &str,
        key: &str,
    ) -> Result<ObjectInfo, CloudError> {
        let this = self.clone_parts();
        let caller = caller.clone();
        let bucket = bucket.to_string();
        let key = key.to_string();
        blocking(move || {
            check_bucket(&bucket)?;
            this.authorize(&caller, "s3:GetObject", &object_arn(&bucket, &key), &[])?;
            this.store
                .head_object(&bucket, &key)
                .map(ObjectInfo::from)
                .map_err(store_error)
        })
        .await
    }

    async fn get_object(
        &self,
        caller: &ObjectCaller,
        bucket: &str,
        key: &str,
        range: Option<ByteRange>,
    ) -> Result<ObjectDownload, CloudError> {
        let this = self.clone_parts();
        let caller = caller.clone();
        let bucket = bucket.to_string();
        let key = key.to_string();
        let body = blocking(move || {
            check_bucket(&bucket)?;
            this.authorize(&caller, "s3:GetObject", &object_arn(&bucket, &key), &[])?;
            this.store
                .get_object(&bucket, &key, range.map(Into::into))
                .map_err(store_error)
        })
        .await?;
        let info = ObjectInfo::from(body.info.clone());
        let (start, len, partial) = (body.start, body.len, body.partial);
        Ok(ObjectDownload {
            info,
            start,
            len,
            partial,
            body: stream_reader(body),
        })
    }

    async fn put_object(
        &self,
        caller: &ObjectCaller,
        bucket: &str,
        key: &str,
        upload: ObjectUpload,
    ) -> Result<ObjectInfo, CloudError> {
        let ObjectUpload {
            content_type,
            metadata,
            content_length,
            mut body,
        } = upload;
        let limit = self.store.max_object_size();
        if content_length.is_some_and(|len| len > limit) {
            // Still decided first: a refusal must not reveal the limit to someone not allowed.
            let this = self.clone_parts();
            let caller = caller.clone();
            let arn = object_arn(bucket, key);
            blocking(move || this.authorize(&caller, "s3:PutObject", &arn, &[])).await?;
            return Err(CloudError::TooLarge { limit });
        }
        let this = self.clone_parts();
        let caller = caller.clone();
        let bucket = bucket.to_string();
        let key = key.to_string();
        let writer = blocking(move || {
            check_bucket(&bucket)?;
            this.authorize(&caller, "s3:PutObject", &object_arn(&bucket, &key), &[])?;
            this.store
                .begin_put(&bucket, &key, content_type.as_deref(), metadata)
                .map_err(store_error)
        })
        .await?;

        // The body flows through a small bounded channel to the writer, which takes a blocking
        // thread for each batch only: a client that stalls holds no thread, and memory stays
        // bounded whatever the object's size.
        let (sender, mut receiver) = tokio::sync::mpsc::channel::<UploadChunk>(UPLOAD_QUEUE);
        let write = tokio::spawn(async move {
            let mut writer = Some(writer);
            while let Some(chunk) = receiver.recv().await {
                let Some(mut current) = writer.take() else {
                    break;
                };
                match chunk {
                    UploadChunk::Data(bytes) => {
                        let written = tokio::task::spawn_blocking(move || {
                            current.write_chunk(&bytes).map(|()| current)
                        })
                        .await
                        .map_err(|e| CloudError::Unavailable(e.to_string()))?;
                        writer = Some(written.map_err(store_error)?);
                    }
                    UploadChunk::End => {
                        return tokio::task::spawn_blocking(move || current.commit())
                            .await
                            .map_err(|e| CloudError::Unavailable(e.to_string()))?
                            .map(ObjectInfo::from)
                            .map_err(store_error);
                    }
                }
            }
            // The sender went away without `End`: the body failed; dropping the writer
            // discards the upload.
            if let Some(unfinished) = writer {
                let _ = tokio::task::spawn_blocking(move || drop(unfinished)).await;
            }
            Err(CloudError::Invalid("the upload was interrupted".into()))
        });
        // Network chunks are small (a few KiB); handing the writer 256 KiB at a time costs one
        // copy and saves thousands of thread wake-ups per GiB.
        let mut batch = BytesMut::new();
        let mut body_error = None;
        loop {
            match body.next().await {
                Some(Ok(bytes)) => {
                    let ready = if batch.is_empty() && bytes.len() >= UPLOAD_BATCH {
                        bytes
                    } else {
                        if batch.is_empty() {
                            batch.reserve(UPLOAD_BATCH + bytes.len());
                        }
                        batch.extend_from_slice(&bytes);
                        if batch.len() < UPLOAD_BATCH {
                            continue;
                        }
                        batch.split().freeze()
                    };
                    if sender.send(UploadChunk::Data(ready)).await.is_err() {
                        // The writer stopped (too large, disk error): its result says why.
                        break;
                    }
                }
                Some(Err(e)) => {
                    body_error = Some(e);
                    break;
                }
                None => {
                    if !batch.is_empty()
                        && sender
                            .send(UploadChunk::Data(batch.split().freeze()))
                            .await
                            .is_err()
                    {
                        break;
                    }
                    let _ = sender.send(UploadChunk::End).await;
                    break;
                }
            }
        }
        drop(sender);
        let written = write
            .await
            .map_err(|e| CloudError::Unavailable(e.to_string()))?;
        match (written, body_error) {
            (Err(CloudError::Invalid(_)), Some(e)) => Err(CloudError::Invalid(format!(
                "the upload was interrupted: {e}"
            ))),
            (written, _) => written,
        }
    }

    async fn delete_objects(
        &self,
        caller: &ObjectCaller,
        bucket: &str,
        keys: &[String],
    ) -> Result<DeleteOutcome, CloudError> {
        if keys.len() > MAX_DELETE_KEYS {
            return Err(CloudError::Invalid(format!(
                "At most {MAX_DELETE_KEYS} objects can be deleted at once."
            )));
        }
        let this = self.clone_parts();
        let caller = caller.clone();
        let bucket = bucket.to_string();
        let keys = keys.to_vec();
        blocking(move || {
            check_bucket(&bucket)?;
            let mut outcome = DeleteOutcome::default();
            let mut allowed = Vec::with_capacity(keys.len());
            for key in keys {
                match this.authorize(&caller, "s3:DeleteObject", &object_arn(&bucket, &key), &[]) {
                    Ok(()) => allowed.push(key),
                    Err(CloudError::Denied { detail }) => {
                        tracing::info!(%bucket, %key, %detail, "s3:DeleteObject denied");
                        outcome.failed.push((key, "Access denied".into()));
                    }
                    Err(other) => return Err(other),
                }
            }
            if allowed.is_empty() {
                return Ok(outcome);
            }
            let report = this
                .store
                .delete_objects(&bucket, &allowed)
                .map_err(store_error)?;
            outcome.deleted = report.deleted;
            for (key, error) in report.errors {
                let shown = store_error(error).to_string();
                outcome.failed.push((key, shown));
            }
            Ok(outcome)
        })
        .await
    }
}

/// The shared parts a blocking task needs.
#[derive(Clone)]
struct Parts {
    sts: Arc<Sts<SharedCredentials>>,
    store: LocalObjectStore,
}

impl LocalCloud {
    fn clone_parts(&self) -> Parts {
        Parts {
            sts: Arc::clone(&self.sts),
            store: self.store.clone(),
        }
    }
}

impl Parts {
    /// Decides one request with the caller's identity policies and the bucket policy.
    fn authorize(
        &self,
        caller: &ObjectCaller,
        action: &str,
        resource: &str,
        request_keys: &[(&str, &str)],
    ) -> Result<(), CloudError> {
        let mut context =
            CallerContext::at(crate::clock::now_utc()).with_source_ip(caller.source_ip);
        if let Some(at) = caller.mfa_authenticated_at {
            context = context.with_mfa(at);
        }
        let evaluation = match &caller.identity {
            // The console may end a role before its credentials (`role_session_limit`).
            CallerIdentity::Role(credentials) if credentials.expired_at(context.now) => {
                return Err(CloudError::Expired);
            }
            CallerIdentity::Role(credentials) => self
                .sts
                .authorize_with_keys(
                    &credentials.access_key_id,
                    &credentials.session_token,
                    action,
                    resource,
                    &context,
                    request_keys,
                )
                .map_err(|e| match e {
                    CredentialError::Store(e) => CloudError::Unavailable(e.to_string()),
                    // Expired, revoked (switch back elsewhere), or a role that left the
                    // directory: the held session is over either way.
                    other => {
                        tracing::info!("role credentials refused: {other}");
                        CloudError::Expired
                    }
                })?,
            CallerIdentity::User { arn } => {
                let directory = self.sts.directory();
                let Some(identity) = Identity::user(directory, arn) else {
                    return Err(CloudError::Denied {
                        detail: json!({ "action": action, "resource": resource, "reason": "unknown user", "user": arn }),
                    });
                };
                access::authorize_with_keys(
                    directory,
                    &identity,
                    action,
                    resource,
                    &context,
                    request_keys,
                )
            }
        };
        if evaluation.is_allowed() {
            Ok(())
        } else {
            Err(CloudError::Denied {
                detail: json!({
                    "action": action,
                    "resource": resource,
                    "decision": evaluation.decision,
                    "explanation": evaluation.explanation,
                }),
            })
        }
    }
}

/// Batches of at least this size go to the writer; at most `UPLOAD_QUEUE` of them wait.
const UPLOAD_BATCH: usize = 256 * 1024;
const UPLOAD_QUEUE: usize = 4;
const DOWNLOAD_CHUNK: usize = 256 * 1024;
const DOWNLOAD_QUEUE: usize = 4;

enum UploadChunk {
    Data(Bytes),
    End,
}

/// Reads a body a chunk at a time, each read on a blocking thread, into a small bounded
/// channel: at most `DOWNLOAD_QUEUE` chunks wait in memory, the read-ahead overlaps the
/// network, and a client that stops reading holds no thread.
fn stream_reader(body: ObjectBody) -> ByteStream {
    let (sender, receiver) =
        tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(DOWNLOAD_QUEUE);
    tokio::spawn(async move {
        let remaining = body.len;
        let mut body = (remaining > 0).then_some((body, remaining));
        while let Some(current) = body.take() {
            let read = tokio::task::spawn_blocking(move || read_chunk(current)).await;
            let (rest, chunk) = match read {
                Ok(read) => read,
                Err(e) => (None, Err(std::io::Error::other(e.to_string()))),
            };
            if sender.send(chunk).await.is_err() {
                // The client went away.
                return;
            }
            body = rest;
        }
    });
    Box::pin(futures_util::stream::unfold(
        receiver,
        |mut receiver| async move { receiver.recv().await.map(|item| (item, receiver)) },
    ))
}

/// The next chunk of a body with `remaining` bytes to serve, and the body when more remains.
type Remaining = (ObjectBody, u64);

fn read_chunk(
    (mut body, remaining): Remaining,
) -> (Option<Remaining>, Result<Bytes, std::io::Error>) {
    let want = usize::try_from(remaining.min(DOWNLOAD_CHUNK as u64)).unwrap_or(DOWNLOAD_CHUNK);
    let mut buf = vec![0u8; want];
    let mut filled = 0;
    while filled < want {
        match body.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return (None, Err(e)),
        }
    }
    if filled == 0 {
        return (
            None,
            Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the object file ended early",
            )),
        );
    }
    buf.truncate(filled);
    let remaining = remaining - filled as u64;
    let rest = (remaining > 0).then_some((body, remaining));
    (rest, Ok(Bytes::from(buf)))
}

/// Decisions and short store operations (metadata, listings, opening files): on the work
/// pool, which object transfers cannot fill.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, CloudError> + Send + 'static,
) -> Result<T, CloudError> {
    work_pool::run(work)
        .await
        .map_err(|e| CloudError::Unavailable(e.to_string()))?
}

/// The account a caller acts in: the role's (from the assumed-role ARN) or the user's.
fn caller_account(identity: &CallerIdentity) -> Option<&str> {
    let arn = match identity {
        CallerIdentity::Role(credentials) => credentials.assumed_role_arn.as_str(),
        CallerIdentity::User { arn } => arn.as_str(),
    };
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

fn check_bucket(bucket: &str) -> Result<(), CloudError> {
    iam::store::check_bucket_name(bucket).map_err(|e| CloudError::Invalid(e.to_string()))
}

pub fn bucket_arn(bucket: &str) -> String {
    format!("arn:aws:s3:::{bucket}")
}

pub fn object_arn(bucket: &str, key: &str) -> String {
    format!("arn:aws:s3:::{bucket}/{key}")
}

// The boundary's types from and to the local store's own (the same S3 shapes).

impl From<&ListRequest> for iam::store::ListRequest {
    fn from(request: &ListRequest) -> Self {
        iam::store::ListRequest {
            prefix: request.prefix.clone(),
            delimiter: request.delimiter.clone(),
            continuation_token: request.continuation_token.clone(),
            start_after: request.start_after.clone(),
            max_keys: request.max_keys,
        }
    }
}

impl From<ByteRange> for iam::store::ByteRange {
    fn from(range: ByteRange) -> Self {
        match range {
            ByteRange::FromTo { first, last } => iam::store::ByteRange::FromTo { first, last },
            ByteRange::From { first } => iam::store::ByteRange::From { first },
            ByteRange::Suffix { len } => iam::store::ByteRange::Suffix { len },
        }
    }
}

impl From<iam::store::ObjectInfo> for ObjectInfo {
    fn from(info: iam::store::ObjectInfo) -> Self {
        ObjectInfo {
            key: info.key,
            size: info.size,
            etag: info.etag,
            content_type: info.content_type,
            metadata: info.metadata,
            last_modified: info.last_modified,
        }
    }
}

impl From<iam::store::ListPage> for ListPage {
    fn from(page: iam::store::ListPage) -> Self {
        ListPage {
            objects: page.objects.into_iter().map(ObjectInfo::from).collect(),
            common_prefixes: page.common_prefixes,
            is_truncated: page.is_truncated,
            next_continuation_token: page.next_continuation_token,
            key_count: page.key_count,
        }
    }
}

/// Store failures as the boundary reports them: input faults with a message safe to show,
/// the store's own failures logged and hidden.
fn store_error(error: StoreError) -> CloudError {
    match error {
        StoreError::NoSuchBucket { bucket } => {
            CloudError::NotFound(format!("The bucket {bucket} does not exist."))
        }
        StoreError::NoSuchKey { .. } => CloudError::NotFound("The object does not exist.".into()),
        StoreError::TooLarge { limit } => CloudError::TooLarge { limit },
        StoreError::InvalidRange { size } => CloudError::RangeNotSatisfiable { size },
        StoreError::Body { source } => {
            CloudError::Invalid(format!("the upload was interrupted: {source}"))
        }
        e if e.is_client_error() => CloudError::Invalid(e.to_string()),
        e => {
            tracing::error!("object store: {e}");
            CloudError::Unavailable(e.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::*;

    fn request(mfa: bool) -> SwitchRequest {
        SwitchRequest {
            caller_arn: "arn:aws:iam::111122223333:user/alice".into(),
            role_arn: "arn:aws:iam::123456789012:role/UpdateAPP".into(),
            session_name: "alice".into(),
            source_identity: "alice".into(),
            mfa_authenticated_at: mfa.then(crate::clock::now_utc),
            source_ip: IpAddr::from([127, 0, 0, 1]),
            duration: None,
            token_code: None,
            granted: Vec::new(),
            not_after: None,
            external_id: None,
            session_policy: None,
        }
    }

    #[tokio::test]
    async fn alice_with_mfa_gets_credentials_that_survive_a_restart() {
        let dir = tempfile::tempdir().expect("temp dir");
        let directory = Arc::new(Directory::demo());
        let cloud = LocalCloud::open(Arc::clone(&directory), dir.path()).expect("open");
        let held = cloud.assume_role(&request(true)).await.expect("allowed");
        assert!(held.access_key_id.starts_with("ASIA"));
        assert_eq!(
            held.assumed_role_arn,
            "arn:aws:sts::123456789012:assumed-role/UpdateAPP/alice"
        );
        assert!(!format!("{held:?}").contains(&held.secret_access_key));

        let reopened = LocalCloud::open(directory, dir.path()).expect("reopen");
        let now = CallerContext::at(crate::clock::now_utc());
        let get = reopened
            .sts()
            .authorize(
                &held.access_key_id,
                &held.session_token,
                "s3:GetObject",
                "arn:aws:s3:::productionapp/x",
                &now,
            )
            .expect("credentials still known");
        assert!(get.is_allowed());

        reopened.release(&held).await.expect("release");
        assert!(
            reopened
                .sts()
                .authorize(
                    &held.access_key_id,
                    &held.session_token,
                    "s3:GetObject",
                    "arn:aws:s3:::productionapp/x",
                    &now
                )
                .is_err()
        );
    }

    #[tokio::test]
    async fn without_mfa_the_trust_policy_denies_with_a_reason_for_the_audit_trail() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cloud = LocalCloud::open(Arc::new(Directory::demo()), dir.path()).expect("open");
        match cloud.assume_role(&request(false)).await {
            Err(CloudError::Denied { detail }) => {
                assert_eq!(
                    detail["role_arn"],
                    "arn:aws:iam::123456789012:role/UpdateAPP"
                );
                assert!(
                    detail["explanation"]
                        .as_array()
                        .is_some_and(|e| !e.is_empty()),
                    "{detail}"
                );
            }
            other => panic!("expected a denial, got {other:?}"),
        }
    }

    // Object operations.

    const ALICE: &str = "arn:aws:iam::111122223333:user/alice";

    fn as_role(held: &HeldCredentials) -> ObjectCaller {
        ObjectCaller {
            identity: CallerIdentity::Role(held.clone()),
            mfa_authenticated_at: Some(crate::clock::now_utc()),
            source_ip: IpAddr::from([127, 0, 0, 1]),
        }
    }

    fn as_user(arn: &str) -> ObjectCaller {
        ObjectCaller {
            identity: CallerIdentity::User { arn: arn.into() },
            mfa_authenticated_at: None,
            source_ip: IpAddr::from([127, 0, 0, 1]),
        }
    }

    fn upload(bytes: &'static [u8]) -> ObjectUpload {
        let chunks: Vec<Result<Bytes, std::io::Error>> =
            bytes.chunks(3).map(|c| Ok(Bytes::from_static(c))).collect();
        ObjectUpload {
            content_type: Some("text/plain".into()),
            metadata: Default::default(),
            content_length: Some(bytes.len() as u64),
            body: Box::pin(futures_util::stream::iter(chunks)),
        }
    }

    async fn collect(download: ObjectDownload) -> Vec<u8> {
        let mut body = download.body;
        let mut out = Vec::new();
        while let Some(chunk) = body.next().await {
            out.extend_from_slice(&chunk.expect("chunk"));
        }
        out
    }

    fn listing(prefix: Option<&str>, delimiter: Option<&str>) -> ListRequest {
        ListRequest {
            prefix: prefix.map(str::to_string),
            delimiter: delimiter.map(str::to_string),
            ..Default::default()
        }
    }

    async fn alice_in_update_app() -> (tempfile::TempDir, LocalCloud, HeldCredentials) {
        let dir = tempfile::tempdir().expect("temp dir");
        let cloud = LocalCloud::open(Arc::new(Directory::demo()), dir.path()).expect("open");
        let held = cloud.assume_role(&request(true)).await.expect("allowed");
        (dir, cloud, held)
    }

    #[tokio::test]
    async fn the_role_reads_and_writes_productionapp_and_nothing_else() {
        let (_dir, cloud, held) = alice_in_update_app().await;
        let caller = as_role(&held);

        let page = cloud
            .list_objects(&caller, "productionapp", &listing(None, Some("/")))
            .await
            .expect("list allowed");
        assert_eq!(page.common_prefixes, vec!["app/", "assets/"]);
        assert_eq!(page.objects[0].key, "index.html");

        let put = cloud
            .put_object(
                &caller,
                "productionapp",
                "notes/hello.txt",
                upload(b"hello, bucket"),
            )
            .await
            .expect("put allowed");
        assert_eq!(put.size, 13);
        let got = cloud
            .get_object(&caller, "productionapp", "notes/hello.txt", None)
            .await
            .expect("get allowed");
        assert_eq!(collect(got).await, b"hello, bucket");
        let ranged = cloud
            .get_object(
                &caller,
                "productionapp",
                "notes/hello.txt",
                Some(ByteRange::FromTo { first: 7, last: 9 }),
            )
            .await
            .expect("range");
        assert!(ranged.partial);
        assert_eq!(collect(ranged).await, b"buc");
        assert!(matches!(
            cloud
                .get_object(
                    &caller,
                    "productionapp",
                    "notes/hello.txt",
                    Some(ByteRange::From { first: 99 })
                )
                .await,
            Err(CloudError::RangeNotSatisfiable { size: 13 })
        ));
        let head = cloud
            .head_object(&caller, "productionapp", "notes/hello.txt")
            .await
            .expect("head");
        assert_eq!(head.etag, put.etag);

        let outcome = cloud
            .delete_objects(&caller, "productionapp", &["notes/hello.txt".into()])
            .await
            .expect("delete");
        assert_eq!(outcome.deleted, vec!["notes/hello.txt"]);
        assert!(matches!(
            cloud
                .head_object(&caller, "productionapp", "notes/hello.txt")
                .await,
            Err(CloudError::NotFound(_))
        ));

        // Everything else is denied, with the reason for the audit trail.
        for result in [
            cloud
                .list_objects(&caller, "production-logs", &listing(None, None))
                .await
                .map(|_| ()),
            cloud
                .get_object(&caller, "production-logs", "2025/01/31/access.log", None)
                .await
                .map(|_| ()),
            cloud.list_buckets(&caller).await.map(|_| ()),
            cloud
                .put_object(&caller, "production-logs", "x", upload(b"x"))
                .await
                .map(|_| ()),
        ] {
            match result {
                Err(CloudError::Denied { detail }) => {
                    assert!(detail["action"].is_string(), "{detail}")
                }
                other => panic!("expected a denial, got {other:?}"),
            }
        }
        let outcome = cloud
            .delete_objects(
                &caller,
                "production-logs",
                &["2025/01/31/access.log".into()],
            )
            .await
            .expect("answered key by key");
        assert!(outcome.deleted.is_empty());
        assert_eq!(outcome.failed.len(), 1);
    }

    #[tokio::test]
    async fn without_a_role_the_users_own_permissions_apply() {
        let (_dir, cloud, _held) = alice_in_update_app().await;
        let alice = as_user(ALICE);
        assert!(matches!(
            cloud
                .list_objects(&alice, "productionapp", &listing(None, None))
                .await,
            Err(CloudError::Denied { .. })
        ));
        assert!(matches!(
            cloud
                .get_object(&alice, "productionapp", "index.html", None)
                .await,
            Err(CloudError::Denied { .. })
        ));
        assert!(matches!(
            cloud.list_buckets(&alice).await,
            Err(CloudError::Denied { .. })
        ));
        // The admin may list the buckets of their own account (none), and still not read
        // another account's bucket without a bucket policy that lets them.
        let admin = as_user("arn:aws:iam::111122223333:user/admin");
        assert_eq!(cloud.list_buckets(&admin).await.expect("allowed"), vec![]);
        assert!(matches!(
            cloud
                .get_object(&admin, "productionapp", "index.html", None)
                .await,
            Err(CloudError::Denied { .. })
        ));
        assert!(matches!(
            cloud
                .list_buckets(&as_user("arn:aws:iam::111122223333:user/nobody"))
                .await,
            Err(CloudError::Denied { .. })
        ));
    }

    #[tokio::test]
    async fn expired_or_released_credentials_are_refused_as_expired() {
        let (_dir, cloud, held) = alice_in_update_app().await;
        let mut stale = held.clone();
        stale.session_token = "not-the-token".into();
        assert!(matches!(
            cloud
                .list_objects(&as_role(&stale), "productionapp", &listing(None, None))
                .await,
            Err(CloudError::Expired)
        ));
        // Ended by the console before the credentials themselves expire (role_session_limit).
        let mut ended = held.clone();
        ended.expiration = crate::clock::now_utc().unix_timestamp() - 1;
        assert!(matches!(
            cloud
                .list_objects(&as_role(&ended), "productionapp", &listing(None, None))
                .await,
            Err(CloudError::Expired)
        ));
        cloud.release(&held).await.expect("release");
        assert!(matches!(
            cloud
                .get_object(&as_role(&held), "productionapp", "index.html", None)
                .await,
            Err(CloudError::Expired)
        ));
        assert!(matches!(
            cloud
                .put_object(&as_role(&held), "productionapp", "x", upload(b"x"))
                .await,
            Err(CloudError::Expired)
        ));
    }

    const HOMES: &str = r#"
[[accounts]]
id = "111122223333"
alias = "development"

  [[accounts.users]]
  name = "carol"
  groups = ["Staff"]

  [[accounts.groups]]
  name = "Staff"
    [[accounts.groups.inline_policies]]
    name = "OwnHomeFolder"
    document = '''
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "s3:ListBucket",
      "Resource": "arn:aws:s3:::homes",
      "Condition": {
        "StringLike": { "s3:prefix": ["", "home/", "home/${aws:username}/*"] },
        "StringEquals": { "s3:delimiter": "/" }
      }
    },
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:PutObject"],
      "Resource": "arn:aws:s3:::homes/home/${aws:username}/*"
    }
  ]
}
'''

  [[accounts.buckets]]
  name = "homes"
    [[accounts.buckets.sample_objects]]
    key = "home/carol/todo.txt"
    content_type = "text/plain"
    content = "milk"
    [[accounts.buckets.sample_objects]]
    key = "home/dave/secret.txt"
    content_type = "text/plain"
    content = "dave's"
"#;

    #[tokio::test]
    async fn listing_is_decided_with_the_prefix_and_delimiter_keys() {
        let dir = tempfile::tempdir().expect("temp dir");
        let directory = Directory::from_toml(HOMES, "homes.toml").expect("directory");
        let cloud = LocalCloud::open(Arc::new(directory), dir.path()).expect("open");
        let carol = as_user("arn:aws:iam::111122223333:user/carol");
        let list = |prefix: Option<&'static str>, delimiter: Option<&'static str>| {
            let cloud = &cloud;
            let carol = carol.clone();
            async move {
                cloud
                    .list_objects(&carol, "homes", &listing(prefix, delimiter))
                    .await
            }
        };
        let own = list(Some("home/carol/"), Some("/"))
            .await
            .expect("own folder");
        assert_eq!(own.objects[0].key, "home/carol/todo.txt");
        let root = list(None, Some("/")).await.expect("the root, to navigate");
        assert_eq!(root.common_prefixes, vec!["home/"]);
        assert!(list(Some("home/"), Some("/")).await.is_ok());
        assert!(matches!(
            list(Some("home/dave/"), Some("/")).await,
            Err(CloudError::Denied { .. })
        ));
        // Without the delimiter the whole bucket would show: refused.
        assert!(matches!(
            list(Some("home/"), None).await,
            Err(CloudError::Denied { .. })
        ));
        assert!(
            cloud
                .get_object(&carol, "homes", "home/carol/todo.txt", None)
                .await
                .is_ok()
        );
        assert!(matches!(
            cloud
                .get_object(&carol, "homes", "home/dave/secret.txt", None)
                .await,
            Err(CloudError::Denied { .. })
        ));
    }

    #[tokio::test]
    async fn a_body_of_many_small_chunks_arrives_whole() {
        let (_dir, cloud, held) = alice_in_update_app().await;
        let caller = as_role(&held);
        let data: Vec<u8> = (0..1_000_003u32).map(|i| (i * 7 % 251) as u8).collect();
        let chunks: Vec<Result<Bytes, std::io::Error>> = data
            .chunks(4096)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let upload = ObjectUpload {
            content_type: None,
            metadata: Default::default(),
            content_length: None,
            body: Box::pin(futures_util::stream::iter(chunks)),
        };
        let info = cloud
            .put_object(&caller, "productionapp", "big/chunks.bin", upload)
            .await
            .expect("put");
        assert_eq!(info.size, data.len() as u64);
        let got = cloud
            .get_object(&caller, "productionapp", "big/chunks.bin", None)
            .await
            .expect("get");
        assert_eq!(collect(got).await, data);
    }

    #[tokio::test]
    async fn an_upload_over_the_limit_or_interrupted_stores_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let directory = Arc::new(Directory::demo());
        let cloud = LocalCloud::open_with_upload_limit(Arc::clone(&directory), dir.path(), 1000)
            .expect("open");
        let held = cloud.assume_role(&request(true)).await.expect("allowed");
        let caller = as_role(&held);
        // Declared too large: refused before reading.
        assert!(matches!(
            cloud
                .put_object(&caller, "productionapp", "big", upload(&[b'x'; 1200]))
                .await,
            Err(CloudError::TooLarge { limit: 1000 })
        ));
        // Undeclared, found too large while streaming.
        let mut undeclared = upload(&[b'x'; 1200]);
        undeclared.content_length = None;
        assert!(matches!(
            cloud
                .put_object(&caller, "productionapp", "big", undeclared)
                .await,
            Err(CloudError::TooLarge { limit: 1000 })
        ));
        // The body fails half-way.
        let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
            Ok(Bytes::from_static(b"abc")),
            Err(std::io::Error::other("connection reset")),
        ];
        let broken = ObjectUpload {
            content_type: None,
            metadata: Default::default(),
            content_length: None,
            body: Box::pin(futures_util::stream::iter(chunks)),
        };
        assert!(matches!(
            cloud
                .put_object(&caller, "productionapp", "broken", broken)
                .await,
            Err(CloudError::Invalid(_))
        ));
        for key in ["big", "broken"] {
            assert!(matches!(
                cloud.head_object(&caller, "productionapp", key).await,
                Err(CloudError::NotFound(_))
            ));
        }
    }
}
