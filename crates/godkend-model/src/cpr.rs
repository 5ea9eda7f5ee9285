//! Personal identification: CPR numbers and the alternative id (udlændingenummer + birth date + sex).
//!
//! Nothing here ever formats the number itself: errors say what is wrong, never the digits, so that
//! a CPR cannot leak through a receipt, a log line or an error message.

use chrono::{Datelike, NaiveDate};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum Koen {
    #[serde(rename = "M")]
    Mand,
    #[serde(rename = "K")]
    Kvinde,
}

impl Koen {
    pub fn code(self) -> &'static str {
        match self {
            Koen::Mand => "M",
            Koen::Kvinde => "K",
        }
    }

    pub fn parse(s: &str) -> Option<Koen> {
        match s.trim() {
            "M" | "m" => Some(Koen::Mand),
            "K" | "k" => Some(Koen::Kvinde),
            _ => None,
        }
    }
}

/// Why a CPR number was refused. Deliberately carries no digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CprError {
    #[error("CPR-nummeret skal have 10 cifre (DDMMÅÅSSSS eller DDMMÅÅ-SSSS)")]
    Length,
    #[error("CPR-nummeret indeholder andet end cifre")]
    NotDigits,
    #[error("CPR-nummerets første seks cifre er ikke en gyldig dato")]
    NoSuchDate,
}

/// A citizen as the case store knows them: derived birth date and sex, plus the normalised
/// identifier the pseudonym is made from. `Debug` and `Display` hide the identifier.
#[derive(Clone, PartialEq, Eq)]
pub struct PersonId {
    key: Key,
    pub foedselsdato: NaiveDate,
    pub koen: Koen,
}

/// The normalised identifier: `C` + 10 digits for a CPR (kept inline: ingest makes one per record),
/// `U` + the udlændingenummer for the alternative id. The two never spell the same text.
#[derive(Clone, PartialEq, Eq)]
enum Key {
    Cpr([u8; 11]),
    Alternativ(String),
}

impl fmt::Debug for PersonId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PersonId")
            .field("key", &"<skjult>")
            .field("foedselsdato", &self.foedselsdato)
            .field("koen", &self.koen)
            .finish()
    }
}

impl PersonId {
    /// Parses `DDMMYYSSSS` or `DDMMYY-SSSS`. Modulus 11 is not checked (abandoned in 2007).
    pub fn from_cpr(raw: &str) -> Result<PersonId, CprError> {
        let raw = raw.trim();
        let bytes = raw.as_bytes();
        let mut digits = [0u8; 10];
        let mut body = [0u8; 10];
        match bytes.len() {
            10 => body.copy_from_slice(bytes),
            11 if bytes[6] == b'-' => {
                body[..6].copy_from_slice(&bytes[..6]);
                body[6..].copy_from_slice(&bytes[7..]);
            }
            _ => return Err(CprError::Length),
        }
        for (slot, b) in digits.iter_mut().zip(&body) {
            if !b.is_ascii_digit() {
                return Err(CprError::NotDigits);
            }
            *slot = b - b'0';
        }
        let day = u32::from(digits[0] * 10 + digits[1]);
        let month = u32::from(digits[2] * 10 + digits[3]);
        let yy = i32::from(digits[4] * 10 + digits[5]);
        let year = century(digits[6], yy) + yy;
        let foedselsdato = NaiveDate::from_ymd_opt(year, month, day).ok_or(CprError::NoSuchDate)?;
        let koen = if digits[9] % 2 == 1 { Koen::Mand } else { Koen::Kvinde };
        let mut key = [b'C'; 11];
        key[1..].copy_from_slice(&body);
        Ok(PersonId { key: Key::Cpr(key), foedselsdato, koen })
    }

    /// The alternative identification for citizens without a CPR number.
    pub fn from_alternative(udlaendingenr: &str, foedselsdato: NaiveDate, koen: Koen) -> PersonId {
        PersonId { key: Key::Alternativ(format!("U{}", udlaendingenr.trim())), foedselsdato, koen }
    }

    /// The normalised identifier's bytes (UTF-8), for the pseudonym and for telling persons apart only.
    /// Never print them. Bytes, not `str`: the ingest asks twice per record, and a CPR's key needs no
    /// check that it is text.
    pub fn secret_key(&self) -> &[u8] {
        match &self.key {
            Key::Cpr(key) => key,
            Key::Alternativ(key) => key.as_bytes(),
        }
    }

    /// Completed years of age on `date`.
    pub fn age_at(&self, date: NaiveDate) -> i32 {
        age_at(self.foedselsdato, date)
    }
}

/// Completed years on `date` for someone born on `born`; a 29 February birthday counts from 1 March
/// in common years.
pub fn age_at(born: NaiveDate, date: NaiveDate) -> i32 {
    let mut age = date.year() - born.year();
    if (date.month(), date.day()) < (born.month(), born.day()) {
        age -= 1;
    }
    age
}

/// The century of a CPR's birth year from its 7th digit (CPR-kontoret's table).
fn century(seventh: u8, yy: i32) -> i32 {
    match seventh {
        0..=3 => 1900,
        4 | 9 => {
            if yy <= 36 {
                2000
            } else {
                1900
            }
        }
        _ => {
            if yy <= 57 {
                2000
            } else {
                1800
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn born(cpr: &str) -> String {
        match PersonId::from_cpr(cpr) {
            Ok(p) => format!("{} {}", p.foedselsdato, p.koen.code()),
            Err(e) => format!("fejl: {e}"),
        }
    }

    #[test]
    fn century_table_edges() {
        // 7th digit 0-3: always 1900s.
        assert_eq!(born("0101000001"), "1900-01-01 M");
        assert_eq!(born("0101993999"), "1999-01-01 M");
        // 4 and 9: 2000s up to YY 36, 1900s from 37.
        assert_eq!(born("0101364000"), "2036-01-01 K");
        assert_eq!(born("0101374000"), "1937-01-01 K");
        assert_eq!(born("0101369000"), "2036-01-01 K");
        assert_eq!(born("0101379000"), "1937-01-01 K");
        // 5-8: 2000s up to YY 57, 1800s from 58.
        for d in ['5', '6', '7', '8'] {
            assert_eq!(born(&format!("010157{d}001")), "2057-01-01 M");
            assert_eq!(born(&format!("010158{d}001")), "1858-01-01 M");
        }
    }

    #[test]
    fn leap_days() {
        const NO_DATE: &str = "fejl: CPR-nummerets første seks cifre er ikke en gyldig dato";
        assert_eq!(born("2902001234"), NO_DATE, "1900 is not a leap year");
        assert_eq!(born("2902041234"), "1904-02-29 K");
        assert_eq!(born("2902964321"), "1996-02-29 M", "7th digit 4, YY 96 → 1900s");
        assert_eq!(born("2902974321"), NO_DATE);
        assert_eq!(born("2902004321"), "2000-02-29 M", "7th digit 4, YY 00 → 2000, a leap year");
    }

    #[test]
    fn dash_and_junk() {
        assert_eq!(born("010190-1235"), "1990-01-01 M");
        assert_eq!(born("0101901235"), "1990-01-01 M");
        assert_eq!(born("01019O1235"), "fejl: CPR-nummeret indeholder andet end cifre");
        assert_eq!(born("010190 1235"), "fejl: CPR-nummeret skal have 10 cifre (DDMMÅÅSSSS eller DDMMÅÅ-SSSS)");
        assert_eq!(born("010190123"), "fejl: CPR-nummeret skal have 10 cifre (DDMMÅÅSSSS eller DDMMÅÅ-SSSS)");
        assert_eq!(born("3204901235"), "fejl: CPR-nummerets første seks cifre er ikke en gyldig dato");
        assert_eq!(born("0113901235"), "fejl: CPR-nummerets første seks cifre er ikke en gyldig dato");
        assert_eq!(born(""), "fejl: CPR-nummeret skal have 10 cifre (DDMMÅÅSSSS eller DDMMÅÅ-SSSS)");
    }

    #[test]
    fn debug_hides_the_number() {
        let p = PersonId::from_cpr("0101901235").unwrap();
        assert!(!format!("{p:?}").contains("0101901235"));
    }

    #[test]
    fn ages() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        let p = PersonId::from_cpr("1505064321").unwrap(); // 7th digit 4, YY 06 -> 2006
        assert_eq!(p.foedselsdato, d(2006, 5, 15));
        assert_eq!(p.age_at(d(2024, 5, 14)), 17);
        assert_eq!(p.age_at(d(2024, 5, 15)), 18);
        assert_eq!(age_at(d(2004, 2, 29), d(2022, 2, 28)), 17);
        assert_eq!(age_at(d(2004, 2, 29), d(2022, 3, 1)), 18);
    }
}
