//! Dates as days since 1970-01-01: the one conversion between `NaiveDate` and the day numbers polars and
//! Parquet store dates as.

use chrono::{Datelike, NaiveDate};

pub const EPOCH: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");

/// [`EPOCH`]'s day counted from 1 January of year 1 (day 1), as chrono's `num_days_from_ce` counts.
const EPOCH_FROM_CE: i32 = 719_163;

/// Days since [`EPOCH`].
pub fn days(d: NaiveDate) -> i32 {
    d.num_days_from_ce() - EPOCH_FROM_CE
}

/// The date `days` after [`EPOCH`]. Computed from the day number directly: adding a duration to the epoch
/// walks chrono's slower path for every date outside 1970, and a case file has three dates per case.
pub fn date(days: i32) -> NaiveDate {
    days.checked_add(EPOCH_FROM_CE)
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .expect("a date within chrono's range")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_dates_as_chrono_counts_them() {
        for d in (-800_000..800_000).step_by(7).chain([-1, 0, 1, 19_723, 20_089]) {
            let by_duration = EPOCH + chrono::Duration::days(i64::from(d));
            assert_eq!(date(d), by_duration, "{d}");
            assert_eq!(days(by_duration), d);
            assert_eq!(days(by_duration), (by_duration - EPOCH).num_days() as i32);
        }
    }
}
