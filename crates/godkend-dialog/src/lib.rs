//! The dialogue store (docs/portal.md): one SQLite file beside the case store that holds the
//! municipalities' half of the approval round — users and their sessions, every version of every
//! comment, the message threads with DST, DST's review of a comment, the approvals, and an
//! append-only audit log of every write.
//!
//! `run`, `report` and `statusbrev` read comments and approvals from it ([`Dialog::svar`]); the portal
//! (godkend-server) writes them. Everything a user typed is cleaned as it is stored
//! (`godkend_model::tekst::renset`): a CPR number given in a comment is stored masked.

mod hemmelighed;
pub use hemmelighed::token as nyt_token;
mod revision;
mod schema;

pub mod brugere;
pub mod dialogen;
pub mod noegler;
pub mod sessioner;

pub use brugere::{Bruger, Rolle};
pub use dialogen::{Besked, Kommentarversion, Vurdering};
pub use noegler::ApiNoegle;
pub use revision::Revisionspost;
pub use sessioner::Session;

use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {message}")]
    Aabn { path: PathBuf, message: String },
    #[error("dialoglageret: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("dialoglageret {path} har skemaversion {found}; denne udgave af godkend kender op til {known}")]
    Nyere { path: PathBuf, found: i64, known: i64 },
    /// What the user asked for cannot be done (the text says why, in Danish).
    #[error("{0}")]
    Afvist(String),
}

impl Error {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Error::Aabn { .. } => {
                Some("--dialog tager dialoglagerets fil (SQLite); den oprettes, hvis den ikke findes")
            }
            Error::Nyere { .. } => Some("brug den udgave af godkend, der sidst skrev dialoglageret"),
            _ => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The dialogue store: one connection, shared behind a lock (SQLite serialises writers anyway).
#[derive(Debug)]
pub struct Dialog {
    conn: Mutex<Connection>,
    path: PathBuf,
}

impl Dialog {
    /// Opens the dialogue store at `path`, creating it (and bringing its schema up to date).
    pub fn open(path: &Path) -> Result<Dialog> {
        let fail = |e: rusqlite::Error| Error::Aabn { path: path.to_path_buf(), message: e.to_string() };
        if path.is_dir() {
            return Err(Error::Aabn { path: path.to_path_buf(), message: "er en mappe, ikke en fil".into() });
        }
        let mut conn = Connection::open(path).map_err(fail)?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(fail)?;
        conn.pragma_update(None, "foreign_keys", true).map_err(fail)?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).map_err(fail)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Aabn {
                path: path.to_path_buf(),
                message: format!("kan ikke skrive i WAL-tilstand ({mode})"),
            });
        }
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(fail)?;
        schema::migrate(&mut conn, path)?;
        Ok(Dialog { conn: Mutex::new(conn), path: path.to_path_buf() })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite itself consistent (a transaction not
        // committed is rolled back), so the connection is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Now, as the store keeps time: UTC, to the second (`2026-12-02T03:04:05Z`).
pub fn nu() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
