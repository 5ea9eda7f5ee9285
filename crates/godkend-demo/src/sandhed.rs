//! The ground truth a demo run writes beside its deliveries (`sandhed.json`).

use std::collections::BTreeMap;

/// What the receipt of one delivery must say.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SandLevering {
    pub fil: String,
    pub kommunekode: u16,
    pub maaned: String,
    pub loebenummer: u16,
    /// `godkendt`, `godkendt_med_fund` or `afvist` (as in the receipt).
    pub status: String,
    pub raekker: usize,
    pub accepterede: usize,
    pub afviste: usize,
    pub slettede: usize,
    /// Exact count per finding code.
    pub fund: BTreeMap<String, usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomaliType {
    /// No delivery for a month (the month's cases arrive with the next delivery).
    ManglendeLevering,
    /// A case-system change: every open adult case re-delivered with the go-live date as start.
    Systemskifte,
    /// A series stops: every case ends in the month, none start after.
    FaldTilNul,
    /// A surge of new cases in one month (about 60 % of the series' stock, ending six months later).
    Stigning,
    /// From the month on, no adult case has a target group (open ones are re-delivered without).
    ManglendeMaalgruppe,
    /// From January of the month's year on, about 6 % of lines are bad and rejected.
    AfvistePoster,
}

/// A problem injected into one municipality's data, and where a flag should point.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Anomali {
    #[serde(rename = "type")]
    pub kind: AnomaliType,
    pub kommunekode: u16,
    /// The month it happens in.
    pub maaned: String,
    /// The quarter a flag should mark (`2025K2`), or the year (`2025`) for year-level rules.
    pub kvartal: String,
    /// The series concerned, where there is one.
    pub serie: Option<String>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sandhed {
    pub seed: u64,
    pub fra: String,
    pub til: String,
    pub skala: f64,
    pub kommuner: Vec<u16>,
    pub leveringer: Vec<SandLevering>,
    pub anomalier: Vec<Anomali>,
}
