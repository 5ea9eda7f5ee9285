//! Domain vocabulary of godkend: quarters, personal ids, reference data and thresholds, the delivery log's
//! rows and the counts every rule reads.
//!
//! No IO beyond loading reference files; everything here is shared by every pipeline stage.

/// Serde for a type written as its `Display` text and read back with its `FromStr` (a quarter, a month,
/// a period): the JSON holds the same text a person types.
#[macro_export]
macro_rules! serde_as_text {
    ($ty:ty) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$ty, D::Error> {
                <String as serde::Deserialize>::deserialize(d)?.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

pub mod aarshjul;
pub mod counts;
pub mod cpr;
pub mod dato;
pub mod forrige;
pub mod fund;
pub mod kvartal;
pub mod leveringslog;
pub mod maaned;
pub mod periode;
pub mod prefiks;
pub mod reference;
pub mod rng;
pub mod sidefil;
pub mod taerskler;
pub mod talformat;
pub mod tekst;
pub mod version;

pub use aarshjul::Frister;
pub use counts::{Counts, Tal, Window};
pub use cpr::{Koen, PersonId};
pub use fund::{Alvor, FundKode};
pub use kvartal::Kvartal;
pub use leveringslog::LogEntry;
pub use maaned::Maaned;
pub use periode::Periode;
pub use prefiks::Prefiks;
pub use reference::{Aldersgruppe, Kommune, Kontakt, Maalgruppe, Reference, ReferenceError, Register, Serie, Ydelse};
pub use taerskler::Taerskler;
pub use version::Version;

/// The first day any record may start (adult data exist from 2013K4).
pub fn earliest_start() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2013, 10, 1).expect("valid date")
}
