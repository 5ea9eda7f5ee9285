//! A case version: the delivery it came from, as month and sequence number (`YYYYMMNN`, e.g. `20250302`
//! for the second delivery of March 2025). Later deliveries replace earlier ones: versions order by month,
//! then sequence. The store keeps the number as is; this type is where its digits are read.

use crate::Maaned;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(i32);

impl Version {
    /// The version of a delivery for `maaned` with sequence number `loebenummer` (1 for the first
    /// delivery, 2–99 for re-deliveries); far from overflow (year ≤ 9999 from `Maaned`).
    pub fn new(maaned: Maaned, loebenummer: u16) -> Version {
        Version((maaned.year() * 100 + i32::from(maaned.month())) * 100 + i32::from(loebenummer))
    }

    /// A version as the store keeps it (`YYYYMMNN`).
    pub fn from_raw(raw: i32) -> Version {
        Version(raw)
    }

    pub fn raw(self) -> i32 {
        self.0
    }

    /// The delivery month.
    pub fn maaned(self) -> Maaned {
        Maaned::new(self.0 / 10_000, (self.0 / 100 % 100) as u8).expect("a version is made from a month")
    }

    pub fn loebenummer(self) -> u16 {
        (self.0 % 100) as u16
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_and_sequence_round_trip_and_order() {
        let m: Maaned = "2025-03".parse().unwrap();
        let v = Version::new(m, 2);
        assert_eq!((v.raw(), v.maaned(), v.loebenummer()), (20_250_302, m, 2));
        assert!(Version::new("2025-02".parse().unwrap(), 99) < Version::new(m, 1));
        assert!(Version::new(m, 1) < v);
        assert_eq!(v.to_string(), "20250302");
    }
}
