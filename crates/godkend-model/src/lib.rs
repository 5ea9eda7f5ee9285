//! Domain vocabulary of godkend: quarters, personal ids, reference data and thresholds.
//!
//! No IO beyond loading reference files; everything here is shared by every pipeline stage.

pub mod aarshjul;
pub mod cpr;
pub mod fund;
pub mod kvartal;
pub mod maaned;
pub mod reference;
pub mod taerskler;
pub mod tekst;

pub use aarshjul::Frister;
pub use cpr::{Koen, PersonId};
pub use fund::{Alvor, FundKode};
pub use kvartal::Kvartal;
pub use maaned::Maaned;
pub use reference::{Kommune, Maalgruppe, Reference, ReferenceError, Register, Serie, Ydelse};
pub use taerskler::Taerskler;

/// The first day any record may start (adult data exist from 2013K4).
pub fn earliest_start() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2013, 10, 1).expect("valid date")
}
