//! Issued role-session records of the local STS, kept on disk so that held roles survive a
//! server restart like sessions do. Only digests of the secrets are stored (see
//! `iam::StoredSession`); a record is one JSON file, replaced atomically.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{PoisonError, RwLock};

use iam::sts::StoreError;
use iam::{CredentialStore, StoredSession};

pub struct FileCredentialStore {
    dir: PathBuf,
    cache: RwLock<HashMap<String, StoredSession>>,
}

impl FileCredentialStore {
    /// Opens `dir` (created if needed), loading live records and deleting expired ones.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        fs::create_dir_all(dir).map_err(|e| StoreError(format!("{}: {e}", dir.display())))?;
        let now = crate::clock::now_utc();
        let mut cache = HashMap::new();
        let entries =
            fs::read_dir(dir).map_err(|e| StoreError(format!("{}: {e}", dir.display())))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|ext| ext != "json") {
                continue;
            }
            let record = fs::read(&path)
                .ok()
                .and_then(|bytes| serde_json::from_slice::<StoredSession>(&bytes).ok());
            match record {
                Some(session) if session.expires_at > now => {
                    cache.insert(session.access_key_id.clone(), session);
                }
                // Expired or unreadable: it can never authorise anything again.
                _ => {
                    let _ = fs::remove_file(&path);
                }
            }
        }
        Ok(FileCredentialStore {
            dir: dir.to_path_buf(),
            cache: RwLock::new(cache),
        })
    }

    fn path(&self, access_key_id: &str) -> Result<PathBuf, StoreError> {
        // Access key IDs are ours (ASIA + base32); refuse anything else as a file name.
        if access_key_id.is_empty() || !access_key_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(StoreError(format!(
                "malformed access key id {access_key_id:?}"
            )));
        }
        Ok(self.dir.join(format!("{access_key_id}.json")))
    }
}

impl CredentialStore for FileCredentialStore {
    fn put(&self, session: &StoredSession) -> Result<(), StoreError> {
        let path = self.path(&session.access_key_id)?;
        let bytes = serde_json::to_vec(session).map_err(|e| StoreError(e.to_string()))?;
        let temp = path.with_extension("tmp");
        let write = || -> std::io::Result<()> {
            let mut file = fs::File::create(&temp)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            fs::rename(&temp, &path)
        };
        write().map_err(|e| StoreError(format!("{}: {e}", path.display())))?;
        self.cache
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(session.access_key_id.clone(), session.clone());
        Ok(())
    }

    fn get(&self, access_key_id: &str) -> Result<Option<StoredSession>, StoreError> {
        Ok(self
            .cache
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(access_key_id)
            .cloned())
    }

    fn remove(&self, access_key_id: &str) -> Result<(), StoreError> {
        let path = self.path(access_key_id)?;
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(StoreError(format!("{}: {e}", path.display()))),
        }
        self.cache
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(access_key_id);
        Ok(())
    }
}
