//! One object is one file: the body, then the object's record as JSON, then
//! the record's length (u32, little-endian), then the 8-byte magic. Body and
//! record are replaced together by one `rename`, so they can never disagree.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{ObjectInfo, StoreError};

const MAGIC: &[u8; 8] = b"SWYOBJ01";
const TRAILER_FIXED: u64 = 4 + 8;
/// A record holds a key (1 KiB), metadata (2 KiB), a content type and a few
/// numbers; anything much bigger is not ours.
const MAX_RECORD: u32 = 64 * 1024;

/// `objects/<first two hex digits>/<sha256 of the key, hex>`: the key never
/// becomes part of a path.
pub(crate) fn relative_path(key: &str) -> PathBuf {
    let hash = hash_name(key);
    Path::new("objects").join(&hash[..2]).join(hash)
}

pub(crate) fn hash_name(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let mut hex = String::with_capacity(64);
    for b in digest {
        hex.push_str(&format!("{b:02x}"));
    }
    hex
}

pub(crate) fn write_trailer(out: &mut impl Write, info: &ObjectInfo) -> std::io::Result<()> {
    let record = serde_json::to_vec(info).map_err(std::io::Error::other)?;
    let len = u32::try_from(record.len()).map_err(std::io::Error::other)?;
    out.write_all(&record)?;
    out.write_all(&len.to_le_bytes())?;
    out.write_all(MAGIC)
}

/// Reads and checks the record of an object file: magic, length, JSON, size
/// matching the body, file name matching the key's hash.
pub(crate) fn read_record(path: &Path) -> Result<ObjectInfo, StoreError> {
    let mut file = File::open(path).map_err(StoreError::io("open", path))?;
    read_record_of(&mut file, path)
}

/// [`read_record`] of a file already open (`path` names it, for errors and the hash check):
/// the record read is the one of the version that handle holds, whatever is renamed over
/// the path meanwhile.
pub(crate) fn read_record_of(file: &mut File, path: &Path) -> Result<ObjectInfo, StoreError> {
    let corrupt = |reason: &str| StoreError::Corrupt {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    let total = file.metadata().map_err(StoreError::io("stat", path))?.len();
    if total < TRAILER_FIXED {
        return Err(corrupt("too short for an object file"));
    }
    let mut fixed = [0u8; TRAILER_FIXED as usize];
    file.seek(SeekFrom::Start(total - TRAILER_FIXED))
        .and_then(|_| file.read_exact(&mut fixed))
        .map_err(StoreError::io("read", path))?;
    let (len, magic) = fixed.split_at(4);
    if magic != MAGIC {
        return Err(corrupt("no object trailer"));
    }
    let mut len_bytes = [0u8; 4];
    len_bytes.copy_from_slice(len);
    let len = u32::from_le_bytes(len_bytes);
    if len > MAX_RECORD || u64::from(len) > total - TRAILER_FIXED {
        return Err(corrupt("impossible record length"));
    }
    let body_len = total - TRAILER_FIXED - u64::from(len);
    let mut record = vec![0u8; len as usize];
    file.seek(SeekFrom::Start(body_len))
        .and_then(|_| file.read_exact(&mut record))
        .map_err(StoreError::io("read", path))?;
    let info: ObjectInfo =
        serde_json::from_slice(&record).map_err(|e| corrupt(&format!("record: {e}")))?;
    if info.size != body_len {
        return Err(corrupt("record size differs from the body"));
    }
    let hash = hash_name(&info.key);
    let shard = path.parent().and_then(Path::file_name);
    if path.file_name().and_then(|n| n.to_str()) != Some(hash.as_str())
        || shard.and_then(|s| s.to_str()) != Some(&hash[..2])
    {
        return Err(corrupt("the file's path is not the hash of its key"));
    }
    Ok(info)
}
