//! Encryption at rest of TOTP secrets: AES-256-GCM, a fresh random nonce per secret, the
//! owner's name as associated data (a secret copied to another user's row does not decrypt).

use std::io::Write;
use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload, rand_core::RngCore};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

const NONCE_LEN: usize = 12;
pub const KEY_FILE: &str = "keys/mfa-encryption.key";

#[derive(Debug, thiserror::Error)]
pub enum CipherError {
    #[error("the MFA encryption key must be 32 bytes, base64-encoded")]
    BadKey,
    #[error("cannot read or create the MFA key file {path}: {source}")]
    KeyFile {
        path: String,
        source: std::io::Error,
    },
    #[error("a stored secret does not decrypt (wrong key or tampered)")]
    Tampered,
    #[error("encryption failed")]
    Encrypt,
}

pub struct MfaCipher {
    cipher: Aes256Gcm,
}

impl MfaCipher {
    pub fn from_key(key: &[u8]) -> Result<Self, CipherError> {
        if key.len() != 32 {
            return Err(CipherError::BadKey);
        }
        Ok(MfaCipher {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key)),
        })
    }

    pub fn from_base64(key: &str) -> Result<Self, CipherError> {
        let bytes = STANDARD
            .decode(key.trim())
            .map_err(|_| CipherError::BadKey)?;
        Self::from_key(&bytes)
    }

    /// The configured key, or else the one kept in `DATA_DIR/keys/` (created once, mode 0600).
    pub fn load(configured: Option<&str>, data_dir: &Path) -> Result<Self, CipherError> {
        if let Some(key) = configured {
            return Self::from_base64(key);
        }
        let path = data_dir.join(KEY_FILE);
        let io = |source| CipherError::KeyFile {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::from_base64(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(io)?;
                }
                let mut key = [0u8; 32];
                OsRng.fill_bytes(&mut key);
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    options.mode(0o600);
                }
                let mut file = options.open(&path).map_err(io)?;
                file.write_all(STANDARD.encode(key).as_bytes())
                    .map_err(io)?;
                Self::from_key(&key)
            }
            Err(e) => Err(io(e)),
        }
    }

    pub fn encrypt(&self, plaintext: &[u8], owner: &str) -> Result<Vec<u8>, CipherError> {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: owner.as_bytes(),
                },
            )
            .map_err(|_| CipherError::Encrypt)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    pub fn decrypt(&self, sealed: &[u8], owner: &str) -> Result<Vec<u8>, CipherError> {
        if sealed.len() <= NONCE_LEN {
            return Err(CipherError::Tampered);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: owner.as_bytes(),
                },
            )
            .map_err(|_| CipherError::Tampered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper_detection() {
        let cipher = MfaCipher::from_key(&[7u8; 32]).unwrap();
        let sealed = cipher.encrypt(b"secret", "111122223333/alice").unwrap();
        assert_eq!(
            cipher.decrypt(&sealed, "111122223333/alice").unwrap(),
            b"secret"
        );
        // Another owner, a flipped bit, a truncated record, another key: all refused.
        assert!(cipher.decrypt(&sealed, "111122223333/bob").is_err());
        let mut flipped = sealed.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(cipher.decrypt(&flipped, "111122223333/alice").is_err());
        assert!(cipher.decrypt(&sealed[..10], "111122223333/alice").is_err());
        let other = MfaCipher::from_key(&[8u8; 32]).unwrap();
        assert!(other.decrypt(&sealed, "111122223333/alice").is_err());
        // Two encryptions of one secret differ (fresh nonce).
        assert_ne!(
            sealed,
            cipher.encrypt(b"secret", "111122223333/alice").unwrap()
        );
    }

    #[test]
    fn generated_key_is_kept_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = MfaCipher::load(None, dir.path()).unwrap();
        let sealed = first.encrypt(b"x", "o").unwrap();
        let second = MfaCipher::load(None, dir.path()).unwrap();
        assert_eq!(second.decrypt(&sealed, "o").unwrap(), b"x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(MfaCipher::from_base64("c2hvcnQ=").is_err());
    }
}
