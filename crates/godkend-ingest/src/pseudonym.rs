//! Keyed pseudonyms: HMAC-SHA256 of the person's identifier under a key kept outside the store.
//!
//! A copied store then reveals no CPR: without the key the pseudonyms cannot be recomputed from
//! candidate numbers. The pseudonym is the first 64 bits of the MAC — at national scale
//! (≈ 2 M persons) the chance of any collision is about 1 in 10 million, and a collision could only
//! merge two persons within the same municipality, service and quarter to matter for a count.

use crate::{Error, Result};
use godkend_model::PersonId;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::Path;

/// The public key for the bundled demo data. Never use it for real deliveries.
pub const DEMO_KEY: &str = "godkend-demo-noegle: OFFENTLIG, kun til syntetiske demodata";

/// Name of the environment variable holding the key.
pub const KEY_ENV: &str = "GODKEND_NOEGLE";

const MIN_KEY_LEN: usize = 32;

#[derive(Clone)]
pub struct Noegle {
    mac: Hmac<Sha256>,
    is_demo: bool,
}

impl std::fmt::Debug for Noegle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Noegle({})", self.fingerprint())
    }
}

impl Noegle {
    pub fn new(secret: &[u8]) -> Result<Noegle> {
        if secret.len() < MIN_KEY_LEN {
            return Err(Error::Key(format!(
                "the pseudonym key is {} bytes; it must be at least {MIN_KEY_LEN}",
                secret.len()
            )));
        }
        let mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
        Ok(Noegle { mac, is_demo: secret == DEMO_KEY.as_bytes() })
    }

    pub fn demo() -> Noegle {
        Noegle::new(DEMO_KEY.as_bytes()).expect("demo key is long enough")
    }

    /// The key from a file (trailing newline ignored) or, without one, from `GODKEND_NOEGLE`.
    pub fn from_file_or_env(file: Option<&Path>) -> Result<Noegle> {
        if let Some(file) = file {
            let bytes = std::fs::read(file)
                .map_err(|e| Error::Key(format!("{}: cannot read the pseudonym key: {e}", file.display())))?;
            let trimmed = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
            let trimmed = trimmed.strip_suffix(b"\r").unwrap_or(trimmed);
            return Noegle::new(trimmed);
        }
        match std::env::var(KEY_ENV) {
            Ok(v) if !v.is_empty() => Noegle::new(v.as_bytes()),
            _ => Err(Error::Key(format!("no pseudonym key: {KEY_ENV} is not set and no --noegle-fil was given"))),
        }
    }

    pub fn is_demo(&self) -> bool {
        self.is_demo
    }

    pub fn pseudonym(&self, person: &PersonId) -> u64 {
        let mut mac = self.mac.clone();
        mac.update(person.secret_key().as_bytes());
        let out = mac.finalize().into_bytes();
        u64::from_be_bytes(out[..8].try_into().expect("32-byte MAC"))
    }

    /// Identifies the key (not the secret) so a store refuses rows pseudonymised under another key.
    /// What the store keeps to recognise this key (never the key itself).
    pub fn aftryk(&self) -> godkend_store::KeyFingerprint {
        godkend_store::KeyFingerprint { fingerprint: self.fingerprint(), demo: self.is_demo }
    }

    pub fn fingerprint(&self) -> String {
        let mut mac = self.mac.clone();
        mac.update(b"godkend: fingeraftryk af pseudonymnoegle");
        let out = mac.finalize().into_bytes();
        out[..8].iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_person_same_pseudonym_other_key_other_pseudonym() {
        let a = PersonId::from_cpr("0101901235").unwrap();
        let a2 = PersonId::from_cpr("010190-1235").unwrap();
        let b = PersonId::from_cpr("0101901237").unwrap();
        let k1 = Noegle::demo();
        let k2 = Noegle::new(&[7u8; 32]).unwrap();
        assert_eq!(k1.pseudonym(&a), k1.pseudonym(&a2));
        assert_ne!(k1.pseudonym(&a), k1.pseudonym(&b));
        assert_ne!(k1.pseudonym(&a), k2.pseudonym(&a));
        assert_ne!(k1.fingerprint(), k2.fingerprint());
        assert!(k1.is_demo() && !k2.is_demo());
        assert!(Noegle::new(b"short").is_err());
    }
}
