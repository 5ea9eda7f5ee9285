//! The delivery log's rows as every stage reads them: one `LogEntry` per delivery received. The store
//! keeps them (its Parquet columns are the store's own); the data-quality rules read them.

use std::collections::BTreeMap;

/// One row of the delivery log.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LogEntry {
    pub fil: String,
    pub kommunekode: u16,
    pub maaned: String,
    pub loebenummer: u16,
    pub sha256: String,
    pub status: String,
    pub raekker: u64,
    pub accepterede: u64,
    pub afviste: u64,
    pub slettede: u64,
    pub maalgruppe_mangler: u64,
    /// Accepted adult records per handlekommune, and those without a target group, as JSON
    /// (`{"183": {"i_alt": 305, "uden_maalgruppe": 134}}`).
    pub voksenposter: String,
    /// Counts per finding code as JSON (`{"cpr_ugyldig": 3}`), for the data-quality section.
    pub fund: String,
    /// Records and rejected records per handlekommune as JSON (`{"155": {"poster": 40, "afviste": 2}}`), so
    /// a municipality delivered by another is judged by its own records; empty in logs written before it,
    /// and for a delivery rejected as a whole.
    pub poster: String,
}

/// A record a delivery rejected, as the municipality can find it in its own system: the line, the
/// handlekommune, the sagsid (shown as `tekst::shown` shows it: never a CPR) and the codes of its errors.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AfvistPost {
    pub linje: usize,
    pub kommunekode: u16,
    pub sagsid: String,
    pub koder: Vec<String>,
}

/// One handlekommune's records in a delivery, and how many of them were rejected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Poster {
    pub poster: usize,
    pub afviste: usize,
}

/// One municipality's accepted adult records in a delivery (deletions aside), and how many of them
/// lack a target group: the data-quality rule on target groups is a share of these.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Voksenposter {
    pub i_alt: usize,
    pub uden_maalgruppe: usize,
}

impl LogEntry {
    pub fn is_rejected(&self) -> bool {
        self.status == "afvist"
    }

    /// One municipality's accepted adult records in this delivery: (all, without target group).
    pub fn voksenposter_for(&self, kommunekode: u16) -> (u64, u64) {
        let map: BTreeMap<u16, Voksenposter> = serde_json::from_str(&self.voksenposter).unwrap_or_default();
        map.get(&kommunekode).map_or((0, 0), |v| (v.i_alt as u64, v.uden_maalgruppe as u64))
    }

    /// One handlekommune's (records, rejected records) in this delivery. When the log does not have them
    /// per municipality (an older log, a delivery rejected as a whole) every record is the sender's.
    pub fn poster_for(&self, kommunekode: u16) -> (u64, u64) {
        let map: Option<BTreeMap<u16, Poster>> = serde_json::from_str(&self.poster).ok();
        match map {
            Some(map) if !map.is_empty() => {
                map.get(&kommunekode).map_or((0, 0), |p| (p.poster as u64, p.afviste as u64))
            }
            _ if kommunekode == self.kommunekode => (self.raekker, self.afviste),
            _ => (0, 0),
        }
    }

    /// Records per finding code in this delivery (`fund`, decoded).
    pub fn fund_counts(&self) -> BTreeMap<String, u64> {
        serde_json::from_str(&self.fund).unwrap_or_default()
    }
}
