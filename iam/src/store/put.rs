use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use md5::{Digest, Md5};

use super::{LocalObjectStore, ObjectInfo, StoreError, now, object_file};

const WRITE_BUFFER: usize = 256 * 1024;

/// A streaming upload: [`write_chunk`](Self::write_chunk) as the bytes
/// arrive, then [`commit`](Self::commit). Memory stays bounded by the write
/// buffer whatever the object's size. Dropping the writer without
/// committing (an aborted request, an error) removes the temporary file and
/// leaves the previous version of the object as it was.
pub struct PutWriter {
    store: LocalObjectStore,
    bucket: String,
    key: String,
    content_type: Option<String>,
    metadata: BTreeMap<String, String>,
    temp: PathBuf,
    /// `None` once committed or failed.
    file: Option<BufWriter<File>>,
    md5: Md5,
    size: u64,
}

impl std::fmt::Debug for PutWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PutWriter")
            .field("bucket", &self.bucket)
            .field("key", &self.key)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl PutWriter {
    pub(super) fn create(
        store: LocalObjectStore,
        bucket: &str,
        key: &str,
        content_type: Option<String>,
        metadata: BTreeMap<String, String>,
    ) -> Result<Self, StoreError> {
        let temp = store.temp_path();
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(StoreError::io("create", &temp))?;
        Ok(PutWriter {
            store,
            bucket: bucket.to_string(),
            key: key.to_string(),
            content_type,
            metadata,
            temp,
            file: Some(BufWriter::with_capacity(WRITE_BUFFER, file)),
            md5: Md5::new(),
            size: 0,
        })
    }

    /// Bytes accepted so far.
    pub fn written(&self) -> u64 {
        self.size
    }

    /// Appends bytes to the upload. Past the store's size limit the upload
    /// fails with [`StoreError::TooLarge`] and further calls fail too.
    pub fn write_chunk(&mut self, chunk: &[u8]) -> Result<(), StoreError> {
        let limit = self.store.max_object_size();
        let Some(file) = self.file.as_mut() else {
            return Err(StoreError::InvalidArgument {
                reason: "the upload has already failed",
            });
        };
        let size = self.size.saturating_add(chunk.len() as u64);
        if size > limit {
            self.discard();
            return Err(StoreError::TooLarge { limit });
        }
        if let Err(e) = file.write_all(chunk) {
            self.discard();
            return Err(StoreError::io("write", &self.temp)(e));
        }
        self.md5.update(chunk);
        self.size = size;
        Ok(())
    }

    /// Finishes the upload: appends the record, syncs, and atomically
    /// replaces the object. Returns what HeadObject will now return.
    pub fn commit(mut self) -> Result<ObjectInfo, StoreError> {
        let Some(mut file) = self.file.take() else {
            return Err(StoreError::InvalidArgument {
                reason: "the upload has already failed",
            });
        };
        let digest = std::mem::take(&mut self.md5).finalize();
        let mut etag = String::with_capacity(34);
        etag.push('"');
        for b in digest {
            etag.push_str(&format!("{b:02x}"));
        }
        etag.push('"');
        let info = ObjectInfo {
            key: std::mem::take(&mut self.key),
            size: self.size,
            etag,
            content_type: self.content_type.take(),
            metadata: std::mem::take(&mut self.metadata),
            last_modified: now(),
        };
        object_file::write_trailer(&mut file, &info)
            .and_then(|()| file.into_inner().map_err(|e| e.into_error()))
            .and_then(|f| f.sync_all())
            .map_err(StoreError::io("write", &self.temp))?;
        // On error `self` drops and removes the temporary file.
        self.store.install(&self.bucket, &self.temp, info)
    }

    fn discard(&mut self) {
        self.file = None;
        let _ = fs::remove_file(&self.temp);
    }
}

impl Drop for PutWriter {
    fn drop(&mut self) {
        // After a successful rename the temporary file no longer exists;
        // otherwise this is an abort. Either way nothing else is touched.
        let _ = fs::remove_file(&self.temp);
    }
}
