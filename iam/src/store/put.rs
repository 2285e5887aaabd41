use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};
use std::thread::{self, JoinHandle};

use md5::{Digest, Md5};

use super::{LocalObjectStore, ObjectInfo, StoreError, now, object_file};

/// Bytes are written and hashed in blocks of this size.
const BLOCK: usize = 256 * 1024;
/// Blocks queued for the hashing thread; with the block being filled and
/// one being hashed, an upload holds at most `QUEUE + 2` blocks (1.5 MiB).
const QUEUE: usize = 4;

/// MD5 is the slowest step of a put (about as slow as the write and fsync
/// together), so an object of more than one block is hashed on its own
/// thread while the writer goes on writing: the two overlap.
struct HashThread {
    blocks: SyncSender<Vec<u8>>,
    spare: Receiver<Vec<u8>>,
    done: JoinHandle<Md5>,
}

/// Writes dirty pages out while the upload goes on (a `sync_data` on a
/// second handle, at most one pending), so the `fsync` before the rename
/// has only the last few MiB left instead of the whole object.
struct Flusher {
    wake: SyncSender<()>,
    done: JoinHandle<io::Result<()>>,
}

/// Bytes written between two early flushes.
const FLUSH_EVERY: u64 = 8 * 1024 * 1024;

impl Flusher {
    fn start(file: File) -> io::Result<Self> {
        let (wake, woken) = sync_channel::<()>(1);
        let done = thread::Builder::new()
            .name("put-flush".into())
            .spawn(move || {
                for () in woken {
                    file.sync_data()?;
                }
                Ok(())
            })?;
        Ok(Flusher { wake, done })
    }

    /// Waits for the flushes asked for; an error of theirs fails the put.
    fn finish(self) -> io::Result<()> {
        drop(self.wake);
        self.done
            .join()
            .map_err(|_| io::Error::other("the flushing thread panicked"))?
    }
}

impl HashThread {
    fn start() -> io::Result<Self> {
        let (blocks, queued) = sync_channel::<Vec<u8>>(QUEUE);
        let (give_back, spare) = channel();
        let done = thread::Builder::new()
            .name("put-md5".into())
            .spawn(move || {
                let mut md5 = Md5::new();
                for block in queued {
                    md5.update(&block);
                    // The writer may be gone (aborted upload): nothing to do.
                    let _ = give_back.send(block);
                }
                md5
            })?;
        Ok(HashThread {
            blocks,
            spare,
            done,
        })
    }
}

pub struct PutWriter {
    store: LocalObjectStore,
    bucket: String,
    key: String,
    content_type: Option<String>,
    metadata: BTreeMap<String, String>,
    temp: PathBuf,
    /// `None` once committed or failed.
    file: Option<File>,
    /// The block being filled.
    pending: Vec<u8>,
    /// Started at the first full block; small objects are hashed inline.
    hash_thread: Option<HashThread>,
    /// Started with the hashing thread.
    flusher: Option<Flusher>,
    /// Bytes written since the last early flush was asked for.
    unflushed: u64,
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
            file: Some(file),
            pending: Vec::with_capacity(BLOCK),
            hash_thread: None,
            flusher: None,
            unflushed: 0,
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
    pub fn write_chunk(&mut self, mut chunk: &[u8]) -> Result<(), StoreError> {
        let limit = self.store.max_object_size();
        if self.file.is_none() {
            return Err(failed());
        }
        let size = self.size.saturating_add(chunk.len() as u64);
        if size > limit {
            self.discard();
            return Err(StoreError::TooLarge { limit });
        }
        while !chunk.is_empty() {
            let take = chunk.len().min(BLOCK - self.pending.len());
            let (now, rest) = chunk.split_at(take);
            self.pending.extend_from_slice(now);
            chunk = rest;
            if self.pending.len() == BLOCK
                && let Err(e) = self.flush_block(true)
            {
                self.discard();
                return Err(StoreError::io("write", &self.temp)(e));
            }
        }
        self.size = size;
        Ok(())
    }

    /// Writes the pending block and hands it to the hasher.
    fn flush_block(&mut self, full: bool) -> io::Result<()> {
        let Some(file) = self.file.as_mut() else {
            return Err(io::Error::other("the upload has already failed"));
        };
        if self.pending.is_empty() {
            return Ok(());
        }
        file.write_all(&self.pending)?;
        if full && self.hash_thread.is_none() {
            // No thread (the system refused one) just means hashing inline
            // and syncing at the end only.
            self.hash_thread = HashThread::start().ok();
            self.flusher = file.try_clone().and_then(Flusher::start).ok();
        }
        self.unflushed += self.pending.len() as u64;
        if self.unflushed >= FLUSH_EVERY
            && let Some(flusher) = &self.flusher
        {
            // Full means a flush is already pending; it will cover these bytes.
            let _ = flusher.wake.try_send(());
            self.unflushed = 0;
        }
        match &self.hash_thread {
            Some(t) => {
                let mut next = t
                    .spare
                    .try_recv()
                    .unwrap_or_else(|_| Vec::with_capacity(BLOCK));
                next.clear();
                let block = std::mem::replace(&mut self.pending, next);
                t.blocks
                    .send(block)
                    .map_err(|_| io::Error::other("the hashing thread stopped"))?;
            }
            None => {
                self.md5.update(&self.pending);
                self.pending.clear();
            }
        }
        Ok(())
    }

    /// Finishes the upload: appends the record, syncs, and atomically
    /// replaces the object. Returns what HeadObject will now return.
    pub fn commit(mut self) -> Result<ObjectInfo, StoreError> {
        if self.file.is_none() {
            return Err(failed());
        }
        let io_err = StoreError::io("write", self.temp.clone());
        let digest = (|| {
            self.flush_block(false)?;
            if let Some(flusher) = self.flusher.take() {
                flusher.finish()?;
            }
            match self.hash_thread.take() {
                Some(t) => {
                    drop(t.blocks);
                    t.done
                        .join()
                        .map_err(|_| io::Error::other("the hashing thread panicked"))
                        .map(Md5::finalize)
                }
                None => Ok(std::mem::take(&mut self.md5).finalize()),
            }
        })()
        .map_err(io_err)?;
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
        let Some(mut file) = self.file.take() else {
            return Err(failed());
        };
        let mut trailer = Vec::with_capacity(512);
        object_file::write_trailer(&mut trailer, &info)
            .and_then(|()| file.write_all(&trailer))
            .and_then(|()| file.sync_all())
            .map_err(StoreError::io("write", &self.temp))?;
        drop(file);
        // On error `self` drops and removes the temporary file.
        self.store.install(&self.bucket, &self.temp, info)
    }

    fn discard(&mut self) {
        self.file = None;
        self.hash_thread = None;
        self.flusher = None;
        let _ = fs::remove_file(&self.temp);
    }
}

fn failed() -> StoreError {
    StoreError::InvalidArgument {
        reason: "the upload has already failed",
    }
}

impl Drop for PutWriter {
    fn drop(&mut self) {
        // After a successful rename the temporary file no longer exists;
        // otherwise this is an abort. Either way nothing else is touched.
        let _ = fs::remove_file(&self.temp);
    }
}
