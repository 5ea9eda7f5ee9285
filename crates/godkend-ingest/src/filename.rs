//! Delivery file names: `<kommunekode>_<YYYY-MM>[_N].csv|parquet`.

use godkend_model::Maaned;
use std::path::Path;

/// The highest sequence number of a re-delivery: two digits, so a version (`YYYYMMNN`) never spills
/// into the month.
pub const MAX_LOEBENUMMER: u16 = 99;

/// What a delivery's file name says about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LeveringNavn {
    pub kommunekode: u16,
    pub maaned: Maaned,
    /// 1 for the first delivery of a month, 2 for `_2` and so on.
    pub loebenummer: u16,
    pub format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    Csv,
    Parquet,
}

impl LeveringNavn {
    pub fn parse(path: &Path) -> Option<LeveringNavn> {
        let name = path.file_name()?.to_str()?;
        let (stem, ext) = name.rsplit_once('.')?;
        let format = match ext.to_ascii_lowercase().as_str() {
            "csv" => Format::Csv,
            "parquet" => Format::Parquet,
            _ => return None,
        };
        let mut parts = stem.split('_');
        let kode = parts.next()?;
        if kode.len() != 3 || !kode.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let maaned: Maaned = parts.next()?.parse().ok()?;
        let loebenummer = match parts.next() {
            None => 1,
            Some(n) if n.starts_with('0') => return None,
            Some(n) => n.parse().ok().filter(|n| (2..=MAX_LOEBENUMMER).contains(n))?,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(LeveringNavn { kommunekode: kode.parse().ok()?, maaned, loebenummer, format })
    }

    /// The version a case gets from this delivery: later deliveries replace earlier ones. Unique per
    /// month and sequence (sequence ≤ 99) and far from overflow (year ≤ 9999 from `Maaned`).
    pub fn version(&self) -> godkend_model::Version {
        godkend_model::Version::new(self.maaned, self.loebenummer)
    }
}

/// A delivery's name as its receipt, the delivery log and every message show it. A name that is not
/// UTF-8, holds a control character or a CPR-shaped number is shown cleaned (`[CPR skjult]`, `�`), with
/// eight hex digits of the SHA-256 of its bytes before the extension, so two such names never share a receipt.
pub fn shown_name(path: &Path) -> String {
    use godkend_model::tekst::{mask_cpr, without_control};
    let raw = path.file_name().unwrap_or(path.as_os_str());
    let lossy = raw.to_string_lossy();
    let cleaned = mask_cpr(&without_control(&lossy)).replace(['/', '\\'], "_");
    if raw.to_str() == Some(cleaned.as_str()) {
        return cleaned;
    }
    use sha2::{Digest, Sha256};
    let hash: String = Sha256::digest(raw.as_encoded_bytes())[..4].iter().map(|b| format!("{b:02x}")).collect();
    match cleaned.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}~{hash}.{ext}"),
        None => format!("{cleaned}~{hash}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &str, expected: Option<&str>) {
        let got = LeveringNavn::parse(Path::new(name))
            .map(|n| format!("{} {} {} {:?} v{}", n.kommunekode, n.maaned, n.loebenummer, n.format, n.version()));
        assert_eq!(got.as_deref(), expected, "{name}");
    }

    #[test]
    fn shown_names() {
        use std::os::unix::ffi::OsStrExt;
        assert_eq!(shown_name(Path::new("d/101_2024-03.csv")), "101_2024-03.csv");
        let cpr = shown_name(Path::new("borger 010180-1234.csv"));
        assert!(cpr.starts_with("borger [CPR skjult]~") && cpr.ends_with(".csv"), "{cpr}");
        let a = shown_name(Path::new(std::ffi::OsStr::from_bytes(b"101_2024-03\xff.csv")));
        let b = shown_name(Path::new(std::ffi::OsStr::from_bytes(b"101_2024-03\xfe.csv")));
        assert_ne!(a, b, "two names that are not UTF-8 get two receipts");
        assert!(a.starts_with("101_2024-03\u{FFFD}~"), "{a}");
    }

    #[test]
    fn names() {
        check("101_2024-03.csv", Some("101 2024-03 1 Csv v20240301"));
        check("dir/101_2024-03_2.csv", Some("101 2024-03 2 Csv v20240302"));
        check("825_2021-12.parquet", Some("825 2021-12 1 Parquet v20211201"));
        check("101_2024-03_1.csv", None);
        check("101_2024-3.csv", None);
        check("1010_2024-03.csv", None);
        check("101-2024-03.csv", None);
        check("101_2024-03.txt", None);
        check("101_2024-13.csv", None);
        check("101_2024-01_99.csv", Some("101 2024-01 99 Csv v20240199"));
        // Before: `_150` became version 20240250 and beat February.
        check("101_2024-01_150.csv", None);
        check("101_2024-01_100.csv", None);
        check("101_2024-01_02.csv", None);
    }
}
