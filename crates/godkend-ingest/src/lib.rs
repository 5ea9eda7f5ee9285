//! Deliveries in: read and validate delivery files, write receipts, keep the case store.
//!
//! The only crate that reads deliveries and the only one that ever holds a CPR number (in memory,
//! while validating). What it stores is a keyed pseudonym, the birth date and the sex.

pub mod filename;
pub mod ingest;
pub mod pseudonym;
pub mod receipt;
pub mod store;
pub mod table;
pub mod validate;

pub use filename::LeveringNavn;
pub use ingest::{IngestOptions, IngestSummary, ingest};
pub use pseudonym::Noegle;
pub use receipt::{Kvittering, Status};
pub use store::{CaseStore, Sag, Transaction};
pub use table::Encoding;
pub use validate::{Validated, validate_file};

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: {message}")]
    Store { path: PathBuf, message: String },
    #[error("{0}")]
    Key(String),
    #[error("{}: another process is writing to this case store{}", path.display(), pid.map(|p| format!(" (pid {p})")).unwrap_or_default())]
    Busy { path: PathBuf, pid: Option<u32> },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Error::Io { .. } => Some("check that the path exists and is readable"),
            Error::Store { .. } => Some(
                "the case store may be damaged or from another version; restore it from backup or ingest into a new folder",
            ),
            Error::Busy { .. } => Some(
                "only one ingest may write to a store at a time; wait until the other has finished, then run this one again (nothing was changed)",
            ),
            Error::Key(_) => Some(
                "set GODKEND_NOEGLE or pass --noegle-fil FILE (a secret of at least 32 characters kept outside the store); for the bundled demo data use --demo-noegle",
            ),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
