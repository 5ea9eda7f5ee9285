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

/// A key has at least this many characters (characters, not bytes: 16 × `æ` is 16)…
const MIN_KEY_CHARS: usize = 32;

/// …of which at least this many differ (`a` × 32 is no secret). A base64 or hex string of 32 random
/// bytes has about 25 or all 16.
const MIN_DISTINCT_CHARS: usize = 12;

/// A key file larger than this is not a key file (and `/dev/zero` is not read at all).
const MAX_KEY_FILE_BYTES: u64 = 4096;

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
    /// A key from `secret`: at least 32 characters of UTF-8, at least 12 of them different. The public
    /// demo key passes only through [`Noegle::demo`] (`--demo-noegle`).
    pub fn new(secret: &[u8]) -> Result<Noegle> {
        if secret == DEMO_KEY.as_bytes() {
            return Err(Error::Key(
                "pseudonymnøglen er den offentlige demonøgle, som alle kan læse i kildekoden; den må kun bruges med --demo-noegle til de syntetiske demodata".into(),
            ));
        }
        Noegle::checked(secret)
    }

    fn checked(secret: &[u8]) -> Result<Noegle> {
        let text = std::str::from_utf8(secret).map_err(|_| {
            Error::Key("pseudonymnøglen er ikke tekst (UTF-8); brug fx base64 af 32 tilfældige bytes".into())
        })?;
        let chars = text.chars().count();
        if chars < MIN_KEY_CHARS {
            return Err(Error::Key(format!("pseudonymnøglen er {chars} tegn; den skal være mindst {MIN_KEY_CHARS}")));
        }
        let distinct = text.chars().collect::<std::collections::BTreeSet<char>>().len();
        if distinct < MIN_DISTINCT_CHARS {
            return Err(Error::Key(format!(
                "pseudonymnøglen har kun {distinct} forskellige tegn (mindst {MIN_DISTINCT_CHARS}); den er ikke tilfældig"
            )));
        }
        let mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
        Ok(Noegle { mac, is_demo: secret == DEMO_KEY.as_bytes() })
    }

    pub fn demo() -> Noegle {
        Noegle::checked(DEMO_KEY.as_bytes()).expect("the demo key passes the rules")
    }

    /// The key from a file (trailing newline ignored) or, without one, from `GODKEND_NOEGLE`. The file
    /// must be a regular file of at most 4 KB that neither group nor others may read.
    pub fn from_file_or_env(file: Option<&Path>) -> Result<Noegle> {
        if let Some(file) = file {
            let refuse = |why: String| Error::Key(format!("{}: {why}", file.display()));
            let meta = std::fs::metadata(file).map_err(|e| refuse(format!("kan ikke læse pseudonymnøglen: {e}")))?;
            if !meta.is_file() {
                return Err(refuse(
                    "pseudonymnøglens fil er ikke en almindelig fil (et rør, en enhed eller en mappe)".into(),
                ));
            }
            if meta.len() > MAX_KEY_FILE_BYTES {
                return Err(refuse(format!("{} bytes er ingen nøglefil (højst {MAX_KEY_FILE_BYTES})", meta.len())));
            }
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = meta.permissions().mode() & 0o777;
                if mode & 0o077 != 0 {
                    return Err(refuse(format!(
                        "pseudonymnøglens fil kan læses af andre (rettigheder {mode:03o}); gør den privat: chmod 600"
                    )));
                }
            }
            let bytes = std::fs::read(file).map_err(|e| refuse(format!("kan ikke læse pseudonymnøglen: {e}")))?;
            let trimmed = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
            let trimmed = trimmed.strip_suffix(b"\r").unwrap_or(trimmed);
            return Noegle::new(trimmed);
        }
        match std::env::var(KEY_ENV) {
            Ok(v) if !v.is_empty() => Noegle::new(v.as_bytes()),
            _ => {
                Err(Error::Key(format!("ingen pseudonymnøgle: {KEY_ENV} er ikke sat, og --noegle-fil er ikke angivet")))
            }
        }
    }

    pub fn is_demo(&self) -> bool {
        self.is_demo
    }

    pub fn pseudonym(&self, person: &PersonId) -> u64 {
        let mut mac = self.mac.clone();
        mac.update(person.secret_key());
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
        let k2 = Noegle::new(b"Zk3q9VbT1xRm7LpW2sYc8NdH4uFa6JeG").unwrap();
        assert_eq!(k1.pseudonym(&a), k1.pseudonym(&a2));
        assert_ne!(k1.pseudonym(&a), k1.pseudonym(&b));
        assert_ne!(k1.pseudonym(&a), k2.pseudonym(&a));
        assert_ne!(k1.fingerprint(), k2.fingerprint());
        assert!(k1.is_demo() && !k2.is_demo());
        assert!(Noegle::new(b"short").is_err());
    }

    fn refused(secret: &[u8]) -> String {
        Noegle::new(secret).map(|_| "accepted".into()).unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn weak_keys_and_the_demo_key_are_refused() {
        assert!(refused(DEMO_KEY.as_bytes()).contains("offentlige demonøgle"));
        assert!(refused(&[b'a'; 32]).contains("kun 1 forskellige tegn"));
        assert!(refused("æ".repeat(16).as_bytes()).contains("16 tegn"), "32 bytes are 16 tegn");
        assert!(refused(&[0xff; 40]).contains("ikke tekst"));
        assert_eq!(refused(b"Zk3q9VbT1xRm7LpW2sYc8NdH4uFa6JeG"), "accepted");
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_must_be_a_private_regular_file() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("noegle");
        std::fs::write(&file, "Zk3q9VbT1xRm7LpW2sYc8NdH4uFa6JeG\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = Noegle::from_file_or_env(Some(&file)).unwrap_err().to_string();
        assert!(err.contains("kan læses af andre (rettigheder 644)") && err.contains("chmod 600"), "{err}");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(Noegle::from_file_or_env(Some(&file)).is_ok());
        let err = Noegle::from_file_or_env(Some(Path::new("/dev/zero"))).unwrap_err().to_string();
        assert!(err.contains("ikke en almindelig fil"), "{err}");
    }
}
