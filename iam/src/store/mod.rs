//! The local object store: S3-style buckets and objects on the local disk,
//! below the cloud boundary of local mode. No web dependency; the server
//! streams through [`PutWriter`] and [`ObjectBody`].
//!
//! # On-disk layout
//!
//! ```text
//! <root>/
//!   tmp/                              uploads in flight (`<random>.part`), emptied at open
//!   buckets/<bucket>/bucket.json      {"name", "owner_account_id", "created"}; the bucket exists
//!                                     once this file does (it is written last, atomically)
//!   buckets/<bucket>/objects/<h2>/<h>  one file per object; h = sha256(key) in hex, h2 = its
//!                                     first two digits
//! ```
//!
//! An object file is the body, then the object's record ([`ObjectInfo`] as
//! JSON: key, size, ETag, content type, metadata, last modified), then the
//! record's length (u32 LE) and an 8-byte magic. At open the store reads
//! every record into a sorted in-memory index per bucket (a `BTreeMap` by
//! key), which serves listings and lookups; files that fail their checks are
//! left untouched, reported by [`LocalObjectStore::skipped`], and not served.
//!
//! # Key safety
//!
//! A key is any UTF-8 string of 1 to 1024 bytes, as in S3 (`../x`, `a//b`,
//! `/`, `.`, NUL...). Keys never become paths: a file's name is the SHA-256
//! of its key, so no key can name a file outside the bucket's directory, and
//! the key itself round-trips exactly through the record. Bucket names are
//! checked against S3's rules, which also makes them safe directory names.
//!
//! # Atomicity
//!
//! A put streams into `tmp/<random>.part` (same filesystem), computing the
//! MD5 (the ETag, on a second thread for large objects) and enforcing the
//! size limit as it goes, starting writeback every 8 MiB, appends the
//! record, `fsync`s, then under the bucket's write lock `rename`s it over
//! the object's file and `fsync`s the directory. `rename` replaces body and
//! record in one step: a crash or an error at any earlier point leaves the
//! previous version whole, and a partial object is never listed or read
//! (temporary files live outside `buckets/` and are removed at the next
//! open). A reader that opened the previous version keeps reading it.
//!
//! # Several processes
//!
//! Opened with [`LocalObjectStore::open_shared`], several processes (console instances) may
//! use one root on a shared file system. Each put or delete then also replaces the bucket's
//! `changed` file (a new inode each time); before a lookup or listing, a process whose last
//! seen `changed` differs reads the bucket's records again, and an object's record is read
//! from the very file handle its body is served from. Concurrent puts of one key from two
//! processes each `rename` a whole file: one of them is the object, never a mix. Temporary
//! files are removed at open only once they are a day old (another process may be writing
//! them). Otherwise one process owns a root at a time.

mod error;
mod list;
mod names;
mod object_file;
mod put;

#[cfg(test)]
mod list_tests;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Take};
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub use error::StoreError;
pub use list::{ListPage, ListRequest, MAX_KEYS};
pub use names::{MAX_KEY_BYTES, MAX_METADATA_BYTES, check_bucket_name, check_key};
pub use put::PutWriter;

/// ListObjectsV2 over a bare index sorted by key, as [`LocalObjectStore::list_objects_v2`] pages a
/// bucket's; no files involved, so the fuzz crate can page through any set of keys quickly.
#[doc(hidden)]
pub fn list_index(
    objects: &BTreeMap<String, ObjectInfo>,
    req: &ListRequest,
) -> Result<ListPage, StoreError> {
    list::list_page(objects, req)
}

use crate::Directory;

/// S3's limit for a single PUT, the default upload limit.
pub const DEFAULT_MAX_OBJECT_SIZE: u64 = 5 * 1024 * 1024 * 1024;
/// S3's limit on keys in one DeleteObjects request.
pub const MAX_DELETE_KEYS: usize = 1000;
const COPY_BUFFER: usize = 256 * 1024;

/// What the store knows about an object (HeadObject).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectInfo {
    pub key: String,
    pub size: u64,
    /// As S3 computes it for a single PUT: the quoted lowercase hex MD5.
    pub etag: String,
    pub content_type: Option<String>,
    /// User metadata, names in lowercase.
    pub metadata: BTreeMap<String, String>,
    #[serde(with = "time::serde::rfc3339")]
    pub last_modified: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketInfo {
    pub name: String,
    pub owner_account_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
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

impl ByteRange {
    /// `(start, length)` within an object of `size` bytes, or `InvalidRange`
    /// (HTTP 416) when no byte of it exists.
    pub fn resolve(self, size: u64) -> Result<(u64, u64), StoreError> {
        let invalid = Err(StoreError::InvalidRange { size });
        match self {
            ByteRange::FromTo { first, last } if first <= last && first < size => {
                Ok((first, last.min(size - 1) - first + 1))
            }
            ByteRange::From { first } if first < size => Ok((first, size - first)),
            ByteRange::Suffix { len } if len > 0 && size > 0 => {
                let len = len.min(size);
                Ok((size - len, len))
            }
            _ => invalid,
        }
    }
}

/// The body of a GetObject: a file handle positioned at `start` and limited
/// to `len` bytes. Reading it never loads the object into memory.
#[derive(Debug)]
pub struct ObjectBody {
    pub info: ObjectInfo,
    /// First byte served.
    pub start: u64,
    /// Bytes served.
    pub len: u64,
    /// Whether a range was asked for (HTTP 206 rather than 200).
    pub partial: bool,
    reader: Take<File>,
}

impl ObjectBody {
    /// The file, positioned at `start`; the caller must read at most `len`
    /// bytes of it (the object's record follows the body in the file).
    pub fn into_file(self) -> File {
        self.reader.into_inner()
    }
}

impl Read for ObjectBody {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reader.read(buf)
    }
}

/// The outcome of DeleteObjects, key by key.
#[derive(Debug, Default)]
pub struct DeleteReport {
    pub deleted: Vec<String>,
    pub errors: Vec<(String, StoreError)>,
}

struct BucketState {
    info: BucketInfo,
    objects: BTreeMap<String, ObjectInfo>,
    /// Shared mode: the bucket's `changed` file as last read (`None`: not read yet).
    seen: Option<ChangeMark>,
}

/// Which version of a bucket's `changed` file was seen: its inode and modification time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ChangeMark {
    inode: u64,
    modified: Option<std::time::SystemTime>,
}

/// Temporary files younger than this may belong to another process's upload (shared mode).
const SHARED_TEMP_AGE: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

struct Inner {
    root: PathBuf,
    max_object_size: u64,
    /// Other processes use this root too (see the module documentation).
    shared: bool,
    buckets: RwLock<BTreeMap<String, BucketState>>,
    skipped: Vec<(PathBuf, String)>,
}

/// The store. Cheap to clone (one `Arc`); safe to share between threads.
#[derive(Clone)]
pub struct LocalObjectStore {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for LocalObjectStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalObjectStore")
            .field("root", &self.inner.root)
            .field("max_object_size", &self.inner.max_object_size)
            .finish_non_exhaustive()
    }
}

impl LocalObjectStore {
    /// Opens (creating if needed) the store at `root`, with the default 5 GiB
    /// object size limit.
    pub fn open(root: &Path) -> Result<Self, StoreError> {
        Self::open_with_limit(root, DEFAULT_MAX_OBJECT_SIZE)
    }

    /// Opens the store with an object size limit enforced while uploads stream.
    pub fn open_with_limit(root: &Path, max_object_size: u64) -> Result<Self, StoreError> {
        Self::open_mode(root, max_object_size, false)
    }

    /// Opens a store that other processes use at the same time (console instances sharing
    /// `objects_dir`): their puts and deletes are seen here, and theirs here.
    pub fn open_shared(root: &Path, max_object_size: u64) -> Result<Self, StoreError> {
        Self::open_mode(root, max_object_size, true)
    }

    fn open_mode(root: &Path, max_object_size: u64, shared: bool) -> Result<Self, StoreError> {
        let buckets_dir = root.join("buckets");
        let tmp = root.join("tmp");
        for dir in [&buckets_dir, &tmp] {
            fs::create_dir_all(dir).map_err(StoreError::io("create", dir))?;
        }
        // What is in tmp/ is uploads a crash interrupted: never committed.
        for entry in fs::read_dir(&tmp).map_err(StoreError::io("read", &tmp))? {
            let path = entry.map_err(StoreError::io("read", &tmp))?.path();
            if path.extension().is_some_and(|e| e == "part") && (!shared || is_stale(&path)) {
                fs::remove_file(&path).map_err(StoreError::io("remove", &path))?;
            }
        }
        let mut skipped = Vec::new();
        let mut buckets = BTreeMap::new();
        for entry in fs::read_dir(&buckets_dir).map_err(StoreError::io("read", &buckets_dir))? {
            let dir = entry.map_err(StoreError::io("read", &buckets_dir))?.path();
            let marker = dir.join("bucket.json");
            if !marker.is_file() {
                // A creation that did not finish; its objects load when it does.
                continue;
            }
            let info = match read_bucket_info(&marker, &dir) {
                Ok(info) => info,
                Err(e) => {
                    skipped.push((marker, e.to_string()));
                    continue;
                }
            };
            let seen = change_mark(&dir);
            let objects = load_objects(&dir, &mut skipped)?;
            buckets.insert(
                info.name.clone(),
                BucketState {
                    info,
                    objects,
                    seen,
                },
            );
        }
        Ok(LocalObjectStore {
            inner: Arc::new(Inner {
                root: root.to_path_buf(),
                max_object_size,
                shared,
                buckets: RwLock::new(buckets),
                skipped,
            }),
        })
    }

    pub fn root(&self) -> &Path {
        &self.inner.root
    }

    pub fn max_object_size(&self) -> u64 {
        self.inner.max_object_size
    }

    /// Files found at open that failed their checks, with the reason. They are
    /// left on disk for an administrator and not served.
    pub fn skipped(&self) -> &[(PathBuf, String)] {
        &self.inner.skipped
    }

    fn read(&self) -> RwLockReadGuard<'_, BTreeMap<String, BucketState>> {
        self.inner
            .buckets
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, BTreeMap<String, BucketState>> {
        self.inner
            .buckets
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn bucket_dir(&self, bucket: &str) -> PathBuf {
        self.inner.root.join("buckets").join(bucket)
    }

    /// Creates the bucket for `owner_account_id` unless it exists. Returns
    /// whether it was created; a bucket of another account is an error.
    pub fn ensure_bucket(&self, name: &str, owner_account_id: &str) -> Result<bool, StoreError> {
        self.ensure_bucket_seeded(name, owner_account_id, &[])
    }

    /// Creates the bucket and puts `seed` into it, only if the bucket did not
    /// exist: existing data is never overwritten.
    fn ensure_bucket_seeded(
        &self,
        name: &str,
        owner_account_id: &str,
        seed: &[crate::SampleObject],
    ) -> Result<bool, StoreError> {
        check_bucket_name(name)?;
        if !crate::policy::is_account_id(owner_account_id) {
            return Err(StoreError::InvalidArgument {
                reason: "the owner must be a 12-digit account ID",
            });
        }
        let mut buckets = self.write();
        if let Some(existing) = buckets.get(name) {
            return if existing.info.owner_account_id == owner_account_id {
                Ok(false)
            } else {
                Err(StoreError::BucketAlreadyExists {
                    bucket: name.to_string(),
                    owner: existing.info.owner_account_id.clone(),
                })
            };
        }
        let dir = self.bucket_dir(name);
        let objects_dir = dir.join("objects");
        fs::create_dir_all(&objects_dir).map_err(StoreError::io("create", &objects_dir))?;
        let mut skipped = Vec::new();
        let seen = change_mark(&dir);
        let objects = load_objects(&dir, &mut skipped)?;
        let info = BucketInfo {
            name: name.to_string(),
            owner_account_id: owner_account_id.to_string(),
            created: now(),
        };
        buckets.insert(
            name.to_string(),
            BucketState {
                info,
                objects,
                seen,
            },
        );
        drop(buckets);
        // Seed before the marker: a crash in between leaves no bucket, and
        // the next start seeds again.
        let created = (|| {
            for sample in seed {
                self.put_object(
                    name,
                    &sample.key,
                    Some(&sample.content_type),
                    BTreeMap::new(),
                    sample.content.as_bytes(),
                )?;
            }
            let buckets = self.read();
            let info = buckets.get(name).map(|b| b.info.clone());
            drop(buckets);
            match info {
                Some(info) => write_bucket_info(&dir, &info),
                None => Ok(()),
            }
        })();
        if created.is_err() {
            self.write().remove(name);
        }
        created.map(|()| true)
    }

    /// Creates every bucket of the directory that does not exist yet, owned
    /// by its account and seeded with its sample objects. Returns the names
    /// of the buckets created.
    pub fn seed_from_directory(&self, directory: &Directory) -> Result<Vec<String>, StoreError> {
        let mut created = Vec::new();
        for account in directory.accounts() {
            for bucket in account.buckets() {
                if self.ensure_bucket_seeded(
                    bucket.name(),
                    account.id(),
                    bucket.sample_objects(),
                )? {
                    created.push(bucket.name().to_string());
                }
            }
        }
        Ok(created)
    }

    /// All buckets, sorted by name (ListBuckets).
    pub fn list_buckets(&self) -> Vec<BucketInfo> {
        self.read().values().map(|b| b.info.clone()).collect()
    }

    pub fn head_bucket(&self, bucket: &str) -> Result<BucketInfo, StoreError> {
        self.read()
            .get(bucket)
            .map(|b| b.info.clone())
            .ok_or_else(|| no_such_bucket(bucket))
    }

    /// Starts a streaming upload. Nothing is visible until
    /// [`PutWriter::commit`]; dropping the writer discards the upload.
    pub fn begin_put(
        &self,
        bucket: &str,
        key: &str,
        content_type: Option<&str>,
        metadata: BTreeMap<String, String>,
    ) -> Result<PutWriter, StoreError> {
        check_key(key)?;
        if let Some(ct) = content_type {
            names::check_content_type(ct)?;
        }
        let metadata = names::normalize_metadata(metadata)?;
        if !self.read().contains_key(bucket) {
            return Err(no_such_bucket(bucket));
        }
        PutWriter::create(
            self.clone(),
            bucket,
            key,
            content_type.map(str::to_string),
            metadata,
        )
    }

    /// PutObject from a reader, streamed in 256 KiB chunks. An error from
    /// `body` ([`StoreError::Body`]) or the size limit stores nothing.
    pub fn put_object(
        &self,
        bucket: &str,
        key: &str,
        content_type: Option<&str>,
        metadata: BTreeMap<String, String>,
        mut body: impl Read,
    ) -> Result<ObjectInfo, StoreError> {
        let mut writer = self.begin_put(bucket, key, content_type, metadata)?;
        let mut buf = vec![0u8; COPY_BUFFER];
        loop {
            let n = match body.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => return Err(StoreError::Body { source }),
            };
            writer.write_chunk(&buf[..n])?;
        }
        writer.commit()
    }

    /// HeadObject.
    pub fn head_object(&self, bucket: &str, key: &str) -> Result<ObjectInfo, StoreError> {
        check_key(key)?;
        self.refresh(bucket)?;
        let buckets = self.read();
        let state = buckets.get(bucket).ok_or_else(|| no_such_bucket(bucket))?;
        state
            .objects
            .get(key)
            .cloned()
            .ok_or_else(|| no_such_key(bucket, key))
    }

    /// GetObject, whole or a byte range.
    pub fn get_object(
        &self,
        bucket: &str,
        key: &str,
        range: Option<ByteRange>,
    ) -> Result<ObjectBody, StoreError> {
        check_key(key)?;
        self.refresh(bucket)?;
        let path = self
            .bucket_dir(bucket)
            .join(object_file::relative_path(key));
        // Open under the read lock: a put renames under the write lock, so
        // the file opened is the one `info` describes.
        let (info, mut file) = {
            let buckets = self.read();
            let state = buckets.get(bucket).ok_or_else(|| no_such_bucket(bucket))?;
            let info = state
                .objects
                .get(key)
                .cloned()
                .ok_or_else(|| no_such_key(bucket, key))?;
            let mut file = File::open(&path).map_err(StoreError::io("open", &path))?;
            // Another process may have replaced the file since the index was read: the
            // record of the version opened is the truth.
            let info = if self.inner.shared {
                object_file::read_record_of(&mut file, &path)?
            } else {
                info
            };
            (info, file)
        };
        let (start, len) = match range {
            Some(r) => r.resolve(info.size)?,
            None => (0, info.size),
        };
        file.seek(SeekFrom::Start(start))
            .map_err(StoreError::io("seek", &path))?;
        Ok(ObjectBody {
            info,
            start,
            len,
            partial: range.is_some(),
            reader: file.take(len),
        })
    }

    /// DeleteObject: succeeds whether or not the key exists, as in S3.
    pub fn delete_object(&self, bucket: &str, key: &str) -> Result<(), StoreError> {
        check_key(key)?;
        let rel = object_file::relative_path(key);
        let dir = self.bucket_dir(bucket);
        let mut buckets = self.write();
        let state = buckets
            .get_mut(bucket)
            .ok_or_else(|| no_such_bucket(bucket))?;
        // Shared: the object may be another process's, not in this index yet.
        if self.inner.shared || state.objects.contains_key(key) {
            let path = dir.join(&rel);
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(StoreError::io("remove", &path)(e)),
            }
            if let Some(parent) = path.parent() {
                sync_dir(parent)?;
            }
            state.objects.remove(key);
            self.mark_changed(bucket)?;
        }
        Ok(())
    }

    /// DeleteObjects: up to 1000 keys, each deleted or refused on its own.
    pub fn delete_objects(
        &self,
        bucket: &str,
        keys: &[String],
    ) -> Result<DeleteReport, StoreError> {
        if keys.len() > MAX_DELETE_KEYS {
            return Err(StoreError::TooManyKeys {
                max: MAX_DELETE_KEYS,
            });
        }
        self.head_bucket(bucket)?;
        let mut report = DeleteReport::default();
        for key in keys {
            match self.delete_object(bucket, key) {
                Ok(()) => report.deleted.push(key.clone()),
                Err(e) => report.errors.push((key.clone(), e)),
            }
        }
        Ok(report)
    }

    /// ListObjectsV2.
    pub fn list_objects_v2(&self, bucket: &str, req: &ListRequest) -> Result<ListPage, StoreError> {
        self.refresh(bucket)?;
        let buckets = self.read();
        let state = buckets.get(bucket).ok_or_else(|| no_such_bucket(bucket))?;
        list::list_page(&state.objects, req)
    }

    /// Makes a finished upload the current version of its key. Called by
    /// [`PutWriter::commit`] once the temporary file is complete and synced.
    fn install(
        &self,
        bucket: &str,
        temp: &Path,
        info: ObjectInfo,
    ) -> Result<ObjectInfo, StoreError> {
        let path = self
            .bucket_dir(bucket)
            .join(object_file::relative_path(&info.key));
        let mut buckets = self.write();
        let state = buckets
            .get_mut(bucket)
            .ok_or_else(|| no_such_bucket(bucket))?;
        let shard = path
            .parent()
            .ok_or_else(|| StoreError::io("locate", &path)(io::ErrorKind::NotFound.into()))?;
        if !shard.is_dir() {
            fs::create_dir_all(shard).map_err(StoreError::io("create", shard))?;
            if let Some(objects) = shard.parent() {
                sync_dir(objects)?;
            }
        }
        fs::rename(temp, &path).map_err(StoreError::io("rename", &path))?;
        sync_dir(shard)?;
        state.objects.insert(info.key.clone(), info.clone());
        drop(buckets);
        self.mark_changed(bucket)?;
        Ok(info)
    }

    /// Shared mode: tells the other processes that `bucket` changed (a new `changed` file).
    /// This process reads the bucket again at its next lookup too: between its last look and
    /// this rename another process may have changed the bucket, and only a reload is sure to
    /// see that.
    fn mark_changed(&self, bucket: &str) -> Result<(), StoreError> {
        if !self.inner.shared {
            return Ok(());
        }
        let dir = self.bucket_dir(bucket);
        let marker = dir.join("changed");
        let temp = self.temp_path();
        fs::write(&temp, rand::random::<u64>().to_le_bytes())
            .map_err(StoreError::io("write", &temp))?;
        fs::rename(&temp, &marker).map_err(StoreError::io("rename", &marker))?;
        Ok(())
    }

    /// Shared mode: reads the bucket's records again when another process changed it since
    /// this one last looked.
    fn refresh(&self, bucket: &str) -> Result<(), StoreError> {
        if !self.inner.shared {
            return Ok(());
        }
        let dir = self.bucket_dir(bucket);
        let mark = change_mark(&dir);
        let current = self.read().get(bucket).map(|state| state.seen);
        match current {
            None => Err(no_such_bucket(bucket)),
            Some(seen) if seen == mark => Ok(()),
            Some(_) => {
                // Files failing their checks stay on disk unserved, as at open.
                let objects = load_objects(&dir, &mut Vec::new())?;
                if let Some(state) = self.write().get_mut(bucket) {
                    state.objects = objects;
                    state.seen = mark;
                }
                Ok(())
            }
        }
    }

    fn temp_path(&self) -> PathBuf {
        let name: u128 = rand::random();
        self.inner
            .root
            .join("tmp")
            .join(format!("{name:032x}.part"))
    }
}

/// The bucket's `changed` file as it is now (`None` before any change).
fn change_mark(bucket_dir: &Path) -> Option<ChangeMark> {
    use std::os::unix::fs::MetadataExt as _;
    let metadata = fs::metadata(bucket_dir.join("changed")).ok()?;
    Some(ChangeMark {
        inode: metadata.ino(),
        modified: metadata.modified().ok(),
    })
}

/// Whether a temporary file is old enough to be nobody's upload any more.
fn is_stale(path: &Path) -> bool {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|modified| modified.elapsed().ok())
        .is_none_or(|age| age > SHARED_TEMP_AGE)
}

fn no_such_bucket(bucket: &str) -> StoreError {
    StoreError::NoSuchBucket {
        bucket: bucket.to_string(),
    }
}

fn no_such_key(bucket: &str, key: &str) -> StoreError {
    StoreError::NoSuchKey {
        bucket: bucket.to_string(),
        key: key.to_string(),
    }
}

/// S3 keeps milliseconds.
fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(now.millisecond() as u32 * 1_000_000)
        .unwrap_or(now)
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(StoreError::io("sync", dir))
}

fn read_bucket_info(marker: &Path, dir: &Path) -> Result<BucketInfo, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt {
        path: marker.to_path_buf(),
        reason,
    };
    let bytes = fs::read(marker).map_err(StoreError::io("read", marker))?;
    let info: BucketInfo = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
    check_bucket_name(&info.name)?;
    if dir.file_name().and_then(|n| n.to_str()) != Some(info.name.as_str()) {
        return Err(corrupt("the name differs from the directory's".into()));
    }
    Ok(info)
}

/// Writes `bucket.json` atomically: temporary file, fsync, rename, fsync.
fn write_bucket_info(dir: &Path, info: &BucketInfo) -> Result<(), StoreError> {
    let marker = dir.join("bucket.json");
    let temp = dir.join("bucket.json.part");
    let bytes = serde_json::to_vec_pretty(info).map_err(|e| StoreError::Corrupt {
        path: marker.clone(),
        reason: e.to_string(),
    })?;
    (|| {
        let mut f = File::create(&temp)?;
        io::Write::write_all(&mut f, &bytes)?;
        f.sync_all()
    })()
    .map_err(StoreError::io("write", &temp))?;
    fs::rename(&temp, &marker).map_err(StoreError::io("rename", &marker))?;
    sync_dir(dir)?;
    // The bucket's own directory entry, created just before.
    match dir.parent() {
        Some(buckets) => sync_dir(buckets),
        None => Ok(()),
    }
}

fn load_objects(
    bucket_dir: &Path,
    skipped: &mut Vec<(PathBuf, String)>,
) -> Result<BTreeMap<String, ObjectInfo>, StoreError> {
    let mut objects = BTreeMap::new();
    let objects_dir = bucket_dir.join("objects");
    let shards = match fs::read_dir(&objects_dir) {
        Ok(shards) => shards,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(objects),
        Err(e) => return Err(StoreError::io("read", &objects_dir)(e)),
    };
    for shard in shards {
        let shard = shard.map_err(StoreError::io("read", &objects_dir))?.path();
        if !shard.is_dir() {
            skipped.push((shard, "not an object shard directory".into()));
            continue;
        }
        for entry in fs::read_dir(&shard).map_err(StoreError::io("read", &shard))? {
            let path = entry.map_err(StoreError::io("read", &shard))?.path();
            match object_file::read_record(&path) {
                Ok(info) => {
                    objects.insert(info.key.clone(), info);
                }
                Err(e) => skipped.push((path, e.to_string())),
            }
        }
    }
    Ok(objects)
}
