//! `Kvartal`: a calendar quarter, written the Danish way (`2024K1`).

use chrono::{Datelike, NaiveDate};
use std::fmt;
use std::str::FromStr;

/// A calendar quarter. Ordered by time; `index()` gives a dense integer (year·4 + quarter − 1)
/// used wherever quarters are counted or stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Kvartal {
    year: i32,
    quarter: u8,
}

impl Kvartal {
    pub fn new(year: i32, quarter: u8) -> Option<Kvartal> {
        (1..=4).contains(&quarter).then_some(Kvartal { year, quarter })
    }

    pub fn of_date(date: NaiveDate) -> Kvartal {
        Kvartal { year: date.year(), quarter: (date.month0() / 3 + 1) as u8 }
    }

    pub fn from_index(index: i32) -> Kvartal {
        Kvartal { year: index.div_euclid(4), quarter: (index.rem_euclid(4) + 1) as u8 }
    }

    pub fn index(self) -> i32 {
        self.year * 4 + i32::from(self.quarter) - 1
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn quarter(self) -> u8 {
        self.quarter
    }

    pub fn next(self) -> Kvartal {
        Kvartal::from_index(self.index() + 1)
    }

    pub fn previous(self) -> Kvartal {
        Kvartal::from_index(self.index() - 1)
    }

    /// The same quarter one year earlier (the base of year-on-year comparisons).
    pub fn same_last_year(self) -> Kvartal {
        Kvartal { year: self.year - 1, quarter: self.quarter }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, u32::from(self.quarter) * 3 - 2, 1).expect("valid quarter")
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().expect("not the first day of time")
    }

    pub fn days(self) -> i64 {
        (self.last_day() - self.first_day()).num_days() + 1
    }

    /// Every quarter from `self` to `last`, both included.
    pub fn through(self, last: Kvartal) -> impl Iterator<Item = Kvartal> {
        (self.index()..=last.index()).map(Kvartal::from_index)
    }
}

impl fmt::Display for Kvartal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}K{}", self.year, self.quarter)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' er ikke et kvartal; skriv det som 2024K1 (år, K, 1-4)")]
pub struct ParseKvartalError(String);

impl FromStr for Kvartal {
    type Err = ParseKvartalError;

    fn from_str(s: &str) -> Result<Kvartal, ParseKvartalError> {
        let err = || ParseKvartalError(s.to_string());
        let (year, quarter) = s.trim().split_once(['K', 'k']).ok_or_else(err)?;
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        let year: i32 = year.parse().map_err(|_| err())?;
        let quarter: u8 = quarter.parse().map_err(|_| err())?;
        Kvartal::new(year, quarter).ok_or_else(err)
    }
}

crate::serde_as_text!(Kvartal);

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn parses_and_formats() {
        let k: Kvartal = "2024K1".parse().unwrap();
        assert_eq!(k.to_string(), "2024K1");
        assert_eq!("2024k4".parse::<Kvartal>().unwrap().to_string(), "2024K4");
        for bad in ["2024Q1", "2024K0", "2024K5", "24K1", "2024", "K1", "2024K", "2024K1x"] {
            assert!(bad.parse::<Kvartal>().is_err(), "{bad} should not parse");
        }
    }

    #[test]
    fn steps_across_years() {
        let k: Kvartal = "2024K1".parse().unwrap();
        assert_eq!(k.previous().to_string(), "2023K4");
        assert_eq!(k.previous().next(), k);
        assert_eq!("2023K4".parse::<Kvartal>().unwrap().next().to_string(), "2024K1");
        assert_eq!(k.same_last_year().to_string(), "2023K1");
        assert_eq!(Kvartal::from_index(k.index()), k);
        let all: Vec<String> = "2023K3".parse::<Kvartal>().unwrap().through(k).map(|q| q.to_string()).collect();
        assert_eq!(all, ["2023K3", "2023K4", "2024K1"]);
    }

    #[test]
    fn knows_its_days() {
        let q1_2024: Kvartal = "2024K1".parse().unwrap();
        assert_eq!(q1_2024.first_day(), d(2024, 1, 1));
        assert_eq!(q1_2024.last_day(), d(2024, 3, 31));
        assert_eq!(q1_2024.days(), 91, "2024 is a leap year");
        assert_eq!("2023K1".parse::<Kvartal>().unwrap().days(), 90);
        assert_eq!("2023K3".parse::<Kvartal>().unwrap().days(), 92);
        assert_eq!("2023K4".parse::<Kvartal>().unwrap().last_day(), d(2023, 12, 31));
        assert_eq!(Kvartal::of_date(d(2024, 3, 31)), q1_2024);
        assert_eq!(Kvartal::of_date(d(2024, 4, 1)).to_string(), "2024K2");
    }
}
