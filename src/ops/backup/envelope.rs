//! The backup file around a snapshot: a magic header, zstd compression and, unless
//! asked otherwise, AES-256-GCM under a key derived from the passphrase with Argon2id.
//! The header is authenticated too, so any change to the file is detected.

use aes_gcm::{
    Aes256Gcm, Nonce,
    aead::{Aead, KeyInit, Payload},
};
use argon2::Argon2;

use super::BackupError;
use crate::security::opaque::random_bytes;

const MAGIC: &[u8; 8] = b"MANABAK1";
const PLAIN: u8 = 0;
const SEALED: u8 = 1;
const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 12;
const COMPRESSION_LEVEL: i32 = 9;

pub fn seal(plaintext: &[u8], passphrase: Option<&str>) -> Result<Vec<u8>, BackupError> {
    let compressed = zstd::encode_all(plaintext, COMPRESSION_LEVEL).map_err(|e| BackupError::Format(e.to_string()))?;
    let mut file = MAGIC.to_vec();
    let Some(passphrase) = passphrase else {
        file.push(PLAIN);
        file.extend_from_slice(&compressed);
        return Ok(file);
    };
    let salt = random_bytes(SALT_LEN);
    let nonce = random_bytes(NONCE_LEN);
    file.push(SEALED);
    file.extend_from_slice(&salt);
    file.extend_from_slice(&nonce);
    let cipher = cipher(passphrase, &salt)?;
    let sealed = cipher
        .encrypt(&nonce_of(&nonce)?, Payload { msg: &compressed, aad: &file })
        .map_err(|_| BackupError::Format("encryption failed".into()))?;
    file.extend_from_slice(&sealed);
    Ok(file)
}

pub fn open(file: &[u8], passphrase: Option<&str>) -> Result<Vec<u8>, BackupError> {
    let header_len = MAGIC.len() + 1;
    if file.len() < header_len || &file[..MAGIC.len()] != MAGIC {
        return Err(BackupError::Format("not a mana-auth backup file".into()));
    }
    let compressed = match file[MAGIC.len()] {
        PLAIN => file[header_len..].to_vec(),
        SEALED => {
            let passphrase = passphrase.ok_or(BackupError::KeyNeeded)?;
            let body = header_len + SALT_LEN + NONCE_LEN;
            if file.len() < body {
                return Err(BackupError::Format("the file is truncated".into()));
            }
            let salt = &file[header_len..header_len + SALT_LEN];
            let nonce = &file[header_len + SALT_LEN..body];
            cipher(passphrase, salt)?
                .decrypt(&nonce_of(nonce)?, Payload { msg: &file[body..], aad: &file[..body] })
                .map_err(|_| BackupError::WrongKeyOrCorrupt)?
        }
        other => return Err(BackupError::Format(format!("unknown backup mode {other}"))),
    };
    zstd::decode_all(compressed.as_slice()).map_err(|e| BackupError::Format(format!("cannot decompress: {e}")))
}

fn cipher(passphrase: &str, salt: &[u8]) -> Result<Aes256Gcm, BackupError> {
    let mut key = [0u8; 32];
    Argon2::default()
        .hash_password_into(passphrase.as_bytes(), salt, &mut key)
        .map_err(|e| BackupError::Format(format!("key derivation: {e}")))?;
    Aes256Gcm::new_from_slice(&key).map_err(|e| BackupError::Format(format!("key: {e}")))
}

fn nonce_of(bytes: &[u8]) -> Result<Nonce<aes_gcm::aes::cipher::consts::U12>, BackupError> {
    let array: [u8; NONCE_LEN] = bytes.try_into().map_err(|_| BackupError::Format("bad nonce".into()))?;
    Ok(Nonce::from(array))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_files_open_only_with_their_key_and_unchanged() {
        let file = seal(b"rows", Some("passphrase")).expect("seal");
        assert_eq!(open(&file, Some("passphrase")).expect("open"), b"rows");
        assert!(matches!(open(&file, Some("other")), Err(BackupError::WrongKeyOrCorrupt)));
        assert!(matches!(open(&file, None), Err(BackupError::KeyNeeded)));
        let mut flipped = file.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(matches!(open(&flipped, Some("passphrase")), Err(BackupError::WrongKeyOrCorrupt)));
        assert!(open(&file[..20], Some("passphrase")).is_err());
        let plain = seal(b"rows", None).expect("seal");
        assert_eq!(open(&plain, None).expect("open"), b"rows");
    }
}
