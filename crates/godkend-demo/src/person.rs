//! The simulated citizens: a birth date and sex for the wanted age, and a valid, unique CPR number
//! (or, for about 2 %, the alternative id). Age is computed here, not by the validator's code, so
//! the ground truth stays an independent check.

use crate::population::Kommune;
use chrono::{Datelike, Months, NaiveDate};
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

impl Kommune<'_> {
    /// A citizen aged between `lo` and `hi` (completed years) on `at`.
    pub(crate) fn new_person(&mut self, at: NaiveDate, lo: i32, hi: i32) -> usize {
        let age = self.rng.range(i64::from(lo), i64::from(hi)) as i32;
        // Born between (age+1) years and age years before `at`, exclusive of the upper birthday.
        let latest = at.checked_sub_months(Months::new(12 * age as u32)).expect("date");
        let earliest =
            at.checked_sub_months(Months::new(12 * (age as u32 + 1))).expect("date") + chrono::Duration::days(1);
        let born = earliest + chrono::Duration::days(self.rng.below((latest - earliest).num_days() as u64 + 1) as i64);
        let male = self.rng.chance(0.5);
        let (cpr, udl) = if self.rng.chance(0.02) {
            (None, Some(format!("U{:09}", self.rng.below(1_000_000_000))))
        } else {
            (Some(self.cpr(born, male)), None)
        };
        self.persons.push(Person { cpr, udl, born, male, busy: HashMap::new() });
        self.persons.len() - 1
    }

    /// A valid, unique CPR for the birth date (century digit per CPR-kontoret's table).
    fn cpr(&mut self, born: NaiveDate, male: bool) -> String {
        let yy = born.year() % 100;
        let centuries: &[u32] = match born.year() {
            1900..=1936 => &[0, 1, 2, 3],
            1937..=1999 => &[0, 1, 2, 3, 4, 9],
            2000..=2036 => &[4, 9, 5, 6, 7, 8],
            _ => &[5, 6, 7, 8],
        };
        let n = self.serials.entry((born, male)).or_insert(0);
        // Each municipality has its own block of serial numbers, so CPRs are unique across them.
        let c = *n + self.cpr_offset;
        *n += 1;
        let seventh = centuries[c as usize % centuries.len()];
        let rest = c / centuries.len() as u32;
        let middle = rest % 100;
        let last = 2 * ((rest / 100) % 5) + u32::from(male);
        let digits = format!("{:02}{:02}{:02}{seventh}{middle:02}{last}", born.day(), born.month(), yy);
        if self.style.cpr_dash { format!("{}-{}", &digits[..6], &digits[6..]) } else { digits }
    }
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
