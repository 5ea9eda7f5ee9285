//! `Maaned`: a calendar month (`2024-03`), the period one delivery covers.

use crate::Kvartal;
use chrono::{Datelike, NaiveDate};
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Maaned {
    year: i32,
    month: u8,
}

impl Maaned {
    pub fn new(year: i32, month: u8) -> Option<Maaned> {
        (1..=12).contains(&month).then_some(Maaned { year, month })
    }

    pub fn of_date(date: NaiveDate) -> Maaned {
        Maaned { year: date.year(), month: date.month() as u8 }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    /// Dense index (year·12 + month − 1), for ranges and differences.
    pub fn index(self) -> i32 {
        self.year * 12 + i32::from(self.month) - 1
    }

    pub fn from_index(i: i32) -> Maaned {
        Maaned { year: i.div_euclid(12), month: (i.rem_euclid(12) + 1) as u8 }
    }

    pub fn next(self) -> Maaned {
        Maaned::from_index(self.index() + 1)
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, u32::from(self.month), 1).expect("valid month")
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().expect("not the first day of time")
    }

    pub fn days(self) -> u32 {
        self.last_day().day()
    }

    pub fn kvartal(self) -> Kvartal {
        Kvartal::of_date(self.first_day())
    }

    /// Every month from `self` to `last`, both included.
    pub fn through(self, last: Maaned) -> impl Iterator<Item = Maaned> {
        (self.index()..=last.index()).map(Maaned::from_index)
    }
}

impl fmt::Display for Maaned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' er ikke en måned; skriv den som 2024-03 (ÅÅÅÅ-MM)")]
pub struct ParseMaanedError(String);

impl FromStr for Maaned {
    type Err = ParseMaanedError;

    fn from_str(s: &str) -> Result<Maaned, ParseMaanedError> {
        let err = || ParseMaanedError(s.to_string());
        let (y, m) = s.split_once('-').ok_or_else(err)?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        Maaned::new(y.parse().map_err(|_| err())?, m.parse().map_err(|_| err())?).ok_or_else(err)
    }
}

crate::serde_as_text!(Maaned);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_steps_and_bounds() {
        let m: Maaned = "2024-02".parse().unwrap();
        assert_eq!(m.to_string(), "2024-02");
        assert_eq!(m.days(), 29);
        assert_eq!("2023-12".parse::<Maaned>().unwrap().next().to_string(), "2024-01");
        assert_eq!(m.kvartal().to_string(), "2024K1");
        assert_eq!(Maaned::from_index(m.index()), m);
        for bad in ["2024-13", "2024-00", "2024-1", "24-01", "2024/01", "2024-01-01"] {
            assert!(bad.parse::<Maaned>().is_err(), "{bad}");
        }
    }
}
