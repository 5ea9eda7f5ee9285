//! Deliveries in: read and validate delivery files, write receipts, keep the case store.
//!
//! The only crate that reads deliveries and the only one that ever holds a CPR number (in memory,
//! while validating). What it stores is a keyed pseudonym, the birth date and the sex.

mod csv_records;
pub mod filename;
pub mod ingest;
pub mod pseudonym;
pub mod receipt;
pub mod rettelse;
pub mod table;
pub mod validate;

pub use filename::LeveringNavn;
pub use godkend_store::{CaseStore, Error, Result, Sag};
pub use ingest::{IngestOptions, IngestSummary, ingest};
pub use pseudonym::Noegle;
pub use receipt::{Kvittering, Status};
pub use table::Encoding;
pub use validate::{Validated, validate_file};
