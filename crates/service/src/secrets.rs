//! Secrets at rest (mailbox passwords): XChaCha20-Poly1305 with a key derived from the
//! configured passphrase (`HELPDESK_ENCRYPTION_KEY`). Stored as `v1:` + base64(nonce ‖ ciphertext).
//! Without a configured key nothing secret can be stored, rather than stored in the clear.

use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};

#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(<key>)")
    }
}

impl SecretBox {
    /// A box keyed by SHA-256 of the passphrase; `None` for one shorter than 16 characters.
    pub fn from_passphrase(passphrase: &str) -> Option<SecretBox> {
        if passphrase.chars().count() < 16 {
            return None;
        }
        let key = Sha256::digest(passphrase.as_bytes());
        Some(SecretBox {
            cipher: XChaCha20Poly1305::new(&key),
        })
    }

    pub fn seal(&self, plain: &str) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        // Encryption of an in-memory buffer cannot fail for these sizes.
        let sealed = self
            .cipher
            .encrypt(&nonce, plain.as_bytes())
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend(sealed);
        format!(
            "v1:{}",
            base64::engine::general_purpose::STANDARD.encode(out)
        )
    }

    /// The plain text, or `None` when the text was sealed with another key or is damaged.
    pub fn open(&self, sealed: &str) -> Option<String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(sealed.strip_prefix("v1:")?)
            .ok()?;
        if bytes.len() < 24 {
            return None;
        }
        let (nonce, body) = bytes.split_at(24);
        let nonce: [u8; 24] = nonce.try_into().ok()?;
        let plain = self.cipher.decrypt(&XNonce::from(nonce), body).ok()?;
        String::from_utf8(plain).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key() {
        let a = SecretBox::from_passphrase("correct horse battery staple").unwrap();
        let b = SecretBox::from_passphrase("another long passphrase!").unwrap();
        let sealed = a.seal("imap-password");
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains("imap-password"));
        assert_ne!(sealed, a.seal("imap-password"), "a fresh nonce each time");
        assert_eq!(a.open(&sealed).as_deref(), Some("imap-password"));
        assert_eq!(b.open(&sealed), None);
        assert_eq!(a.open("v1:garbage"), None);
        assert!(SecretBox::from_passphrase("short").is_none());
    }
}
