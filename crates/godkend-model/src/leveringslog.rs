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

/// One handlekommune's records in a delivery, how many of them were rejected, and why (records per error
/// code; a record with two errors counts under both).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Poster {
    pub poster: usize,
    pub afviste: usize,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub koder: BTreeMap<String, usize>,
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

    /// Why a handlekommune's records in this delivery were rejected: records per error code (record-level
    /// errors only; a whole delivery's rejection is in [`LogEntry::fund_counts`]). A log row
    /// written before the codes were kept per handlekommune gives the delivery's own codes to the
    /// municipality that sent it, and none to the others (they would be another municipality's reasons).
    pub fn afvisningsaarsager_for(&self, kommunekode: u16) -> BTreeMap<String, u64> {
        let map: Option<BTreeMap<u16, Poster>> = serde_json::from_str(&self.poster).ok();
        let own = map.as_ref().and_then(|m| m.get(&kommunekode));
        match own {
            Some(p) if p.afviste == 0 || !p.koder.is_empty() => {
                p.koder.iter().map(|(k, n)| (k.clone(), *n as u64)).collect()
            }
            _ if kommunekode == self.kommunekode => {
                let record_level = |c: &str| crate::FundKode::parse(c).is_some_and(|k| k.alvor() == crate::Alvor::Fejl);
                self.fund_counts().into_iter().filter(|(c, _)| record_level(c)).collect()
            }
            _ => BTreeMap::new(),
        }
    }

    /// Records per finding code in this delivery (`fund`, decoded).
    pub fn fund_counts(&self) -> BTreeMap<String, u64> {
        serde_json::from_str(&self.fund).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tårnby(poster: &str) -> LogEntry {
        LogEntry {
            fil: "185_2025-03.csv".into(),
            kommunekode: 185,
            maaned: "2025-03".into(),
            loebenummer: 1,
            sha256: String::new(),
            status: "godkendt_med_fund".into(),
            raekker: 50,
            accepterede: 47,
            afviste: 3,
            slettede: 0,
            maalgruppe_mangler: 0,
            voksenposter: String::new(),
            fund: r#"{"cpr_ugyldig": 2, "sagsid_dublet": 1, "overlap": 4}"#.into(),
            poster: poster.into(),
        }
    }

    #[test]
    fn each_municipality_gets_its_own_rejection_reasons() {
        let e = tårnby(
            r#"{"185": {"poster": 40, "afviste": 2, "koder": {"cpr_ugyldig": 2}}, "155": {"poster": 10, "afviste": 1, "koder": {"sagsid_dublet": 1}}}"#,
        );
        assert_eq!(e.afvisningsaarsager_for(185), BTreeMap::from([("cpr_ugyldig".into(), 2)]));
        assert_eq!(e.afvisningsaarsager_for(155), BTreeMap::from([("sagsid_dublet".into(), 1)]));
        // A log row from before the codes were kept per municipality: the sender's own record-level codes
        // for the sender, none for Dragør (they would be Tårnby's reasons).
        let old = tårnby(r#"{"185": {"poster": 40, "afviste": 2}, "155": {"poster": 10, "afviste": 1}}"#);
        let sender = old.afvisningsaarsager_for(185);
        assert_eq!(
            sender,
            BTreeMap::from([("cpr_ugyldig".into(), 2), ("sagsid_dublet".into(), 1)]),
            "no warning codes"
        );
        assert!(old.afvisningsaarsager_for(155).is_empty());
    }
}
