//! Dates as days since 1970-01-01: the one conversion between `NaiveDate` and the day numbers polars and
//! Parquet store dates as.

use chrono::NaiveDate;

pub const EPOCH: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");

/// Days since [`EPOCH`].
pub fn days(d: NaiveDate) -> i32 {
    (d - EPOCH).num_days() as i32
}

/// The date `days` after [`EPOCH`].
pub fn date(days: i32) -> NaiveDate {
    EPOCH + chrono::Duration::days(i64::from(days))
}
