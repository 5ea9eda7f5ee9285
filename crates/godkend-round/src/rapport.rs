//! The report model: one municipality's report for a year (`KommuneRapport`) as the round assembles it.
//! Its serde form is the report JSON (`<kode>-<år>.json`, docs/rapport-json.md), which godkend-outputs
//! writes and the next round reads back (`dialog`, `approved`); fields the JSON does not carry live beside
//! it in [`crate::Rapport`].

use crate::comments::Kommentar;
use crate::godkendelser::Godkendelse;
use godkend_model::{Kontakt, Kvartal, Periode, Register};
use godkend_rules::{Alvor, Datakvalitet, HbOpsummering, HbPlacering, Markering, Tilstand};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KvartalsTal {
    pub kvartal: Kvartal,
    pub modtagere: u32,
    pub helaarsaekvivalenter: f64,
    pub national_modtagere: u32,
    /// The national series scaled so that it starts where the municipality's does (the first
    /// quarter where both are above 0), for the chart; `null` when they have no such quarter.
    #[serde(default)]
    pub national_indekseret: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SerieRapport {
    pub register: Register,
    pub serie: String,
    /// The service code the municipality knows the series by (the newest legal basis).
    pub ydelse: String,
    /// Every legal basis of the series (`SEL32`, `BL82-1`).
    pub koder: Vec<String>,
    pub paragraf: String,
    pub betegnelse: String,
    pub kvartaler: Vec<KvartalsTal>,
    /// Change in recipients from the first to the last quarter shown, percent; `null` from 0.
    pub pct_udvikling: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Antal {
    /// Red and yellow flags of the report year that are not resolved.
    pub roede: usize,
    pub gule: usize,
    /// Of those, the ones without a comment: what the municipality must still answer.
    pub uden_kommentar: usize,
    /// Against the previous report (`--forrige`): flags that are new, whose figures moved, and that
    /// no longer fire.
    #[serde(default)]
    pub nye: usize,
    #[serde(default)]
    pub aendrede: usize,
    #[serde(default)]
    pub loeste: usize,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Frister {
    pub data_indberettet: String,
    pub rapport_udsendt: String,
    pub godkendelse: String,
    pub statusbrev: String,
    /// The new deadline the status letter gives (absent in reports written before it was kept).
    #[serde(default)]
    pub ny_frist: String,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KommuneRapport {
    pub kommunekode: u16,
    pub navn: String,
    pub region: String,
    pub aar: i32,
    pub taerskler_version: String,
    pub frister: Frister,
    /// The quarters counted (the window), oldest first.
    pub kvartaler: Vec<Kvartal>,
    pub serier: Vec<SerieRapport>,
    /// Every flag: the report year's first, then earlier quarters (kept for history).
    pub markeringer: Vec<Markering>,
    /// Flags of the report year.
    pub antal: Antal,
    pub klar_til_godkendelse: bool,
    /// The municipality's approval, when DST has received it (`--godkendelser`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub godkendelse: Option<Godkendelse>,
    /// Whether the flags' states are against a previous report of the year (`--forrige`).
    #[serde(default)]
    pub sammenholdt_med_forrige: bool,
    pub kommentarer_uden_markering: Vec<Kommentar>,
    pub datakvalitet: Datakvalitet,
    /// Whether last year's approved figures were compared (the revision rule), and against what.
    pub revision: String,
    /// Every Hidiroglou–Berthelot test of the report year (national, per series and quarter): the
    /// quartiles, the intervals and the units used and skipped.
    #[serde(default)]
    pub hb_test: Vec<HbOpsummering>,
    /// A note on the report as a whole (e.g. a store without accepted deliveries); absent when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bemaerkning: Option<String>,
    /// The round: 1 for the first report of the year, n + 1 for one regenerated against round n
    /// (`--forrige`).
    #[serde(default = "first_round")]
    pub runde: u32,
    /// The newest month with an accepted delivery in the store (`2025-12`): what the figures are as of.
    #[serde(default)]
    pub data_til_og_med: Option<String>,
    /// Where the municipality answers and asks (`reference-data/kontakt.csv`).
    #[serde(default)]
    pub kontakt: Kontakt,
    /// The municipality's own placement in each HB test of the report year (its change, score and the
    /// intervals): the report's comparison appendix. The national summaries (`hb_test`) are shown once, in
    /// the status overview.
    #[serde(default)]
    pub hb_placering: Vec<HbPlacering>,
}

fn first_round() -> u32 {
    1
}

/// How a cell of Table 1 (series × quarter) is marked: a report-year mark to answer, or a mark of an
/// earlier year, shown for history and not to be answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cellemarkering {
    Roed,
    Gul,
    Tidligere,
}

/// Where a municipality stands in the approval round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Godkendelsesstatus {
    Godkendt,
    /// Every flag of the year has a comment, but no approval has arrived.
    KlarTilGodkendelse,
    /// Flags without a comment remain.
    IkkeGodkendt,
}

impl Godkendelsesstatus {
    pub fn code(self) -> &'static str {
        match self {
            Godkendelsesstatus::Godkendt => "godkendt",
            Godkendelsesstatus::KlarTilGodkendelse => "klar_til_godkendelse",
            Godkendelsesstatus::IkkeGodkendt => "ikke_godkendt",
        }
    }

    /// Danish, for the status overview.
    pub fn navn(self) -> &'static str {
        match self {
            Godkendelsesstatus::Godkendt => "godkendt",
            Godkendelsesstatus::KlarTilGodkendelse => "klar til godkendelse",
            Godkendelsesstatus::IkkeGodkendt => "ikke godkendt",
        }
    }
}

impl KommuneRapport {
    pub fn godkendelsesstatus(&self) -> Godkendelsesstatus {
        if self.godkendelse.is_some() {
            Godkendelsesstatus::Godkendt
        } else if self.klar_til_godkendelse {
            Godkendelsesstatus::KlarTilGodkendelse
        } else {
            Godkendelsesstatus::IkkeGodkendt
        }
    }
}

impl KommuneRapport {
    /// Per (series, quarter): how the cell of Table 1 is marked. A report-year flag that still fires
    /// marks it red or yellow (the stronger wins); otherwise a flag of an earlier year marks it as
    /// history. Resolved flags mark nothing.
    pub fn markering_per_celle(&self) -> BTreeMap<(String, Periode), Cellemarkering> {
        let mut m: BTreeMap<(String, Periode), Cellemarkering> = BTreeMap::new();
        for f in self.markeringer.iter().filter(|f| !f.serie.is_empty()) {
            let mark = match (f.i_rapportaaret, f.alvor) {
                (true, _) if f.tilstand == Tilstand::Loest => continue,
                (true, Alvor::Roed) => Cellemarkering::Roed,
                (true, Alvor::Gul) => Cellemarkering::Gul,
                (false, _) => Cellemarkering::Tidligere,
            };
            let e = m.entry((f.serie.clone(), f.kvartal)).or_insert(mark);
            *e = (*e).min(mark);
        }
        m
    }

    /// A series' marked quarters, oldest first, with how each is marked.
    pub fn markerede_kvartaler(&self, serie: &SerieRapport) -> Vec<(Kvartal, Cellemarkering)> {
        let cells = self.markering_per_celle();
        serie
            .kvartaler
            .iter()
            .filter_map(|q| cells.get(&(serie.serie.clone(), q.kvartal.into())).map(|m| (q.kvartal, *m)))
            .collect()
    }

    /// The report year's marks to answer, each with the flags answered under it (other rules on the same
    /// cell), in the report's order.
    pub fn marks_with_members(&self) -> Vec<(&Markering, Vec<&Markering>)> {
        self.markeringer
            .iter()
            .filter(|m| m.i_rapportaaret && m.hoerer_til.is_none())
            .map(|m| (m, self.markeringer.iter().filter(|x| x.hoerer_til.as_deref() == Some(m.id.as_str())).collect()))
            .collect()
    }

    /// Flags of earlier years, kept for history (the report lists only the report year's).
    pub fn tidligere_markeringer(&self) -> usize {
        self.markeringer.iter().filter(|m| !m.i_rapportaaret).count()
    }
}
