//! The simulated citizens: a birth date, sex, CPR number (or, for about 2 %, the alternative id) and
//! their age; `population` makes them. Age is computed here, not by the validator's code, so
//! the ground truth stays an independent check.

use chrono::{Datelike, NaiveDate};
use std::collections::HashMap;

pub(crate) struct Person {
    pub cpr: Option<String>,
    pub udl: Option<String>,
    pub born: NaiveDate,
    pub male: bool,
    /// Per series: the end of the person's latest case there (`NaiveDate::MAX` while open).
    pub busy: HashMap<&'static str, NaiveDate>,
}

/// Completed years of a citizen born on `born`, on `at`.
pub(crate) fn age_on(born: NaiveDate, at: NaiveDate) -> i32 {
    let before_birthday = (at.month(), at.day()) < (born.month(), born.day());
    at.year() - born.year() - i32::from(before_birthday)
}

#[cfg(test)]
mod tests {
    use super::age_on;
    use chrono::NaiveDate;

    #[test]
    fn age_counts_completed_years() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(age_on(d(2006, 5, 10), d(2024, 5, 9)), 17);
        assert_eq!(age_on(d(2006, 5, 10), d(2024, 5, 10)), 18);
        assert_eq!(age_on(d(2008, 2, 29), d(2024, 2, 28)), 15);
    }
}
