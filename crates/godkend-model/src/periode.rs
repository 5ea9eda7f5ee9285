//! A flag's period: a quarter (`2025K2`) for the series rules, or a year (`2025`) for a flag on the
//! year's deliveries as a whole. Parsed once where it is read (a report JSON, a rule), written back as
//! the same text.

use crate::Kvartal;
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Periode {
    Kvartal(Kvartal),
    Aar(i32),
}

impl Periode {
    pub fn year(self) -> i32 {
        match self {
            Periode::Kvartal(q) => q.year(),
            Periode::Aar(y) => y,
        }
    }

    /// The quarter, when the period is one.
    pub fn kvartal(self) -> Option<Kvartal> {
        match self {
            Periode::Kvartal(q) => Some(q),
            Periode::Aar(_) => None,
        }
    }
}

/// A year comes before its quarters, and the quarters in order: the order of the written form.
impl Ord for Periode {
    fn cmp(&self, other: &Periode) -> std::cmp::Ordering {
        let key = |p: &Periode| (p.year(), p.kvartal().map_or(0, Kvartal::quarter));
        key(self).cmp(&key(other))
    }
}

impl PartialOrd for Periode {
    fn partial_cmp(&self, other: &Periode) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl From<Kvartal> for Periode {
    fn from(q: Kvartal) -> Periode {
        Periode::Kvartal(q)
    }
}

impl fmt::Display for Periode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Periode::Kvartal(q) => write!(f, "{q}"),
            Periode::Aar(y) => write!(f, "{y}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' er ikke en periode; skriv et kvartal som 2024K1 eller et år som 2024")]
pub struct ParsePeriodeError(String);

impl FromStr for Periode {
    type Err = ParsePeriodeError;

    fn from_str(s: &str) -> Result<Periode, ParsePeriodeError> {
        let t = s.trim();
        if t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(Periode::Aar(t.parse().expect("four digits")));
        }
        t.parse::<Kvartal>().map(Periode::Kvartal).map_err(|_| ParsePeriodeError(s.to_string()))
    }
}

crate::serde_as_text!(Periode);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_form_round_trips_and_orders_as_it_reads() {
        let p = |s: &str| s.parse::<Periode>().unwrap();
        assert_eq!(p("2025K2").to_string(), "2025K2");
        assert_eq!(p("2025"), Periode::Aar(2025));
        assert!("25K1".parse::<Periode>().is_err() && "2025K5".parse::<Periode>().is_err());
        let mut v = [p("2025K1"), p("2025"), p("2024K4"), p("2026")];
        v.sort();
        let strings: Vec<String> = v.iter().map(Periode::to_string).collect();
        let mut sorted = strings.clone();
        sorted.sort();
        assert_eq!(strings, sorted, "the same order as the text");
    }
}
