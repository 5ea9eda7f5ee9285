//! Counting and flags: recipients and full-time equivalents per kommune × service series × quarter,
//! the yellow/red rules of docs/markeringer.md, the municipalities' comments, and the per-municipality report
//! data (`<kode>-<år>.json`, `<kode>-<år>-markeringer.xlsx`).
//!
//! Computes every figure a report shows; the report crate only formats them.

pub mod comments;
pub mod count;
pub mod dialog;
pub mod flags;
pub mod godkendelser;
pub mod hb;
pub mod kalibrering;
pub mod optaelling;
pub mod quality;
pub mod report;
pub mod sager;
pub mod status;
pub mod statusbrev;
pub mod systemskifte;
pub mod xlsx;

pub use count::{Counts, Window, count};
pub use flags::{Alvor, Markering, Regel};
pub use report::{KommuneRapport, Run, RunOptions};
pub use status::Status;

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] godkend_store::Error),
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("counting failed: {0}")]
    Polars(#[from] polars::error::PolarsError),
    #[error("{path}:{line}: {message}")]
    Comments { path: PathBuf, line: usize, message: String },
    #[error("{path}:{line}: {message}")]
    Godkendelser { path: PathBuf, line: usize, message: String },
    #[error("aarshjul.csv has no deadlines for report year {year}")]
    Aarshjul { year: i32 },
}

impl Error {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Error::Store(e) => e.hint(),
            Error::File { .. } => Some(
                "check the path; --approved takes the output folder of last year's run, --forrige an earlier output of this year's",
            ),
            Error::Godkendelser { .. } => Some(
                "the approvals file is CSV with ; and the header kommunekode;dato;godkendt_af, e.g. 101;2026-04-28;Jens Hansen, kontorchef",
            ),
            Error::Polars(_) => Some("the case store may be damaged; re-ingest the deliveries into a new store"),
            Error::Aarshjul { .. } => Some(
                "add the year's row (rapportaar;data_indberettet;rapport_udsendt;godkendelse;statusbrev;kilde) to reference-data/aarshjul.csv, or pass --reference DIR with a copy that has it",
            ),
            Error::Comments { .. } => Some(
                "the comments file needs the columns kommunekode;ydelse;kvartal;regel;kommentar (CSV with ; or XLSX), as in the markeringer file",
            ),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
