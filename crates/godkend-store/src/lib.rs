//! The case store (docs/lager.md): accepted case versions per handlekommune, the
//! delivery log and the receipts, changed only by whole transactions, read by counting through
//! [`CaseStore::live_cases`] and [`CaseStore::read_log`]. Also how every output is written
//! ([`fil::write_atomic`]), so that no crate needs to know about temporary files and renames.
//!
//! It knows nothing of delivery files or CPR numbers: godkend-ingest validates and pseudonymises,
//! and hands the store only [`Sag`]s, [`LogEntry`]s and the text of receipts.

mod case_store;
pub mod fil;
mod fsck;
mod manifest;
mod per_core;
mod tables;
mod transaction;

pub use case_store::{CaseStore, KeyFingerprint};
pub use fsck::{Fejl, Kopieret, backup, fsck};
pub use godkend_model::dato::EPOCH;
pub use godkend_model::leveringslog::{LogEntry, Poster, Voksenposter};
pub use per_core::{each_per_core, per_core, per_core_heaviest_first};
pub use tables::{LIVE_COLUMNS, Sag};
pub use transaction::{MAX_TILLAEG, TILLAEG_ANDEL, Transaction};

use std::path::PathBuf;

/// What can go wrong with the store or an output file. Bad records are never an `Err`: they are
/// findings in a receipt.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {}", path.display(), io_tekst(source))]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: {message}")]
    Store { path: PathBuf, message: String },
    /// The store contradicts itself: a file that does not match the manifest, a manifest that does not
    /// match its checksum, files the manifest should name. Never a figure from such a store.
    #[error("{}: {message}", path.display())]
    Damaged { path: PathBuf, message: String },
    #[error("{0}")]
    Key(String),
    #[error("{}: en anden proces skriver til lageret{}", path.display(), pid.map(|p| format!(" (pid {p})")).unwrap_or_default())]
    Busy { path: PathBuf, pid: Option<u32> },
}

impl Error {
    /// `map_err(Error::io(path))`: an IO error with the file it happened to.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }

    /// Whether the error is a full disk (or quota): nothing is damaged, there is only no room.
    pub fn is_disk_full(&self) -> bool {
        matches!(self, Error::Io { source, .. } if matches!(source.kind(), std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded))
    }

    /// What the user can do about it.
    pub fn hint(&self) -> Option<&'static str> {
        if self.is_disk_full() {
            return Some(
                "disken er fuld: frigør plads og kør samme kommando igen; det, der var gemt før, er uskadt, og intet halvt skrevet bliver læst",
            );
        }
        match self {
            Error::Io { .. } => Some("tjek at stien findes og kan læses"),
            Error::Store { .. } => Some(
                "lageret kan være beskadiget eller fra en anden version; genskab det fra en sikkerhedskopi, eller indlæs leveringerne i en ny mappe",
            ),
            Error::Damaged { .. } => Some(
                "intet er læst eller ændret; `godkend fsck --store DIR` viser, hvad der er galt, og hvad der kan genskabes (docs/lager.md: Backup and recovery)",
            ),
            Error::Busy { .. } => Some(
                "kun én indlæsning kan skrive til et lager ad gangen; vent til den anden er færdig, og kør så denne igen (intet er ændret)",
            ),
            Error::Key(_) => Some(
                "sæt GODKEND_NOEGLE eller angiv --noegle-fil FIL (en privat fil, chmod 600, uden for lageret) med en hemmelighed på mindst 32 tegn, heraf 12 forskellige, fx fra `head -c 32 /dev/urandom | base64`; brug --demo-noegle til de medfølgende demodata",
            ),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

pub use godkend_model::tekst::io_fejl as io_tekst;

/// A test hook for the kill-and-resume tests: `GODKEND_AFBRYD=<step>` aborts the process right
/// after that step of an ingest, as a power cut or `kill -9` would.
#[doc(hidden)]
pub fn crash_point(step: &str) {
    if std::env::var_os("GODKEND_AFBRYD").is_some_and(|v| v == step) {
        std::process::abort();
    }
}
