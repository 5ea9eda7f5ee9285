//! Flags (markeringer): the rule, the figures and threshold that fired it, and one Danish sentence; the
//! severity helpers every rule shares. The rules themselves are `series`, `hb_flags`, `never_reported`,
//! `quality` and `revision`.

use godkend_model::taerskler::GulRoed;
use godkend_model::talformat::tal;
use godkend_model::{Kvartal, Periode, Reference, Register};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Alvor {
    #[serde(rename = "rød")]
    Roed,
    #[serde(rename = "gul")]
    Gul,
}

impl Alvor {
    pub fn code(self) -> &'static str {
        match self {
            Alvor::Roed => "rød",
            Alvor::Gul => "gul",
        }
    }
}

/// The rules of docs/markeringer.md; the code names the rule's section in `taerskler.toml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Regel {
    KvartalTilKvartal,
    AarTilAar,
    FaldTilNul,
    StigningFraNul,
    HidiroglouBerthelot,
    ManglendeLevering,
    ManglendeMaalgruppe,
    AfvistePoster,
    Systemskifte,
    Revision,
    AldrigIndberettet,
    Ophoert,
}

impl Regel {
    pub const ALL: [Regel; 12] = [
        Regel::KvartalTilKvartal,
        Regel::AarTilAar,
        Regel::FaldTilNul,
        Regel::StigningFraNul,
        Regel::HidiroglouBerthelot,
        Regel::ManglendeLevering,
        Regel::ManglendeMaalgruppe,
        Regel::AfvistePoster,
        Regel::Systemskifte,
        Regel::Revision,
        Regel::AldrigIndberettet,
        Regel::Ophoert,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Regel::KvartalTilKvartal => "kvartal_til_kvartal",
            Regel::AarTilAar => "aar_til_aar",
            Regel::FaldTilNul => "fald_til_nul",
            Regel::StigningFraNul => "stigning_fra_nul",
            Regel::HidiroglouBerthelot => "hidiroglou_berthelot",
            Regel::ManglendeLevering => "manglende_levering",
            Regel::ManglendeMaalgruppe => "manglende_maalgruppe",
            Regel::AfvistePoster => "afviste_poster",
            Regel::Systemskifte => "systemskifte",
            Regel::Revision => "revision",
            Regel::AldrigIndberettet => "aldrig_indberettet",
            Regel::Ophoert => "ophoert",
        }
    }

    /// Two letters for the rule in a flag's id (`101-2025K2-V-1.1-KK`).
    pub fn kort(self) -> &'static str {
        match self {
            Regel::KvartalTilKvartal => "KK",
            Regel::AarTilAar => "AA",
            Regel::FaldTilNul => "FN",
            Regel::StigningFraNul => "SN",
            Regel::HidiroglouBerthelot => "HB",
            Regel::ManglendeLevering => "ML",
            Regel::ManglendeMaalgruppe => "MM",
            Regel::AfvistePoster => "AP",
            Regel::Systemskifte => "SS",
            Regel::Revision => "RV",
            Regel::AldrigIndberettet => "AI",
            Regel::Ophoert => "OP",
        }
    }

    /// A rule by its code (`aar_til_aar`) or its Danish name as the workbook shows it (`Ændring fra
    /// samme kvartal sidste år`), case-insensitive.
    pub fn parse(s: &str) -> Option<Regel> {
        let s = s.trim().to_lowercase();
        Regel::ALL.into_iter().find(|r| r.code() == s || r.navn().to_lowercase() == s)
    }

    /// Danish name, for tables.
    pub fn navn(self) -> &'static str {
        match self {
            Regel::KvartalTilKvartal => "Ændring fra forrige kvartal",
            Regel::AarTilAar => "Ændring fra samme kvartal sidste år",
            Regel::FaldTilNul => "Fald til nul",
            Regel::StigningFraNul => "Stigning fra nul",
            Regel::HidiroglouBerthelot => "Afviger fra andre kommuner (HB)",
            Regel::ManglendeLevering => "Manglende levering",
            Regel::ManglendeMaalgruppe => "Manglende målgruppe",
            Regel::AfvistePoster => "Afviste poster",
            Regel::Systemskifte => "Mulig systemskifte",
            Regel::Revision => "Revision af godkendte tal",
            Regel::AldrigIndberettet => "Aldrig indberettet",
            Regel::Ophoert => "Ydelsen er ophørt",
        }
    }
}

/// Where a flag stands against the previous report of the same year (docs/markeringer.md, "Dialogen").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tilstand {
    /// Not in the previous report (every flag of a first report).
    #[default]
    Ny,
    /// In the previous report with the same severity and figures.
    Uaendret,
    /// In the previous report, but its severity or figures moved.
    Aendret,
    /// In the previous report, but no longer fires: kept with its comment for the record, not open.
    Loest,
}

impl Tilstand {
    pub fn code(self) -> &'static str {
        match self {
            Tilstand::Ny => "ny",
            Tilstand::Uaendret => "uaendret",
            Tilstand::Aendret => "aendret",
            Tilstand::Loest => "loest",
        }
    }

    /// Danish, for the report and the workbook.
    pub fn navn(self) -> &'static str {
        match self {
            Tilstand::Ny => "ny",
            Tilstand::Uaendret => "uændret",
            Tilstand::Aendret => "ændret",
            Tilstand::Loest => "løst",
        }
    }
}

/// A flag's stable id: municipality, quarter (or year), series and rule, e.g. `101-2025K2-V-1.1-KK`
/// or `101-2025-MM` for a flag on the municipality's data as a whole. It does not depend on the
/// thresholds, so a comment follows its flag across runs and threshold versions.
pub fn flag_id(kommunekode: u16, serie: &str, kvartal: impl std::fmt::Display, regel: Regel) -> String {
    if serie.is_empty() {
        format!("{kommunekode:03}-{kvartal}-{}", regel.kort())
    } else {
        format!("{kommunekode:03}-{kvartal}-{serie}-{}", regel.kort())
    }
}

/// One flag.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Markering {
    /// The stable id ([`flag_id`]); empty in JSON written before ids existed.
    #[serde(default)]
    pub id: String,
    pub kommunekode: u16,
    /// `None` for flags on the municipality's data as a whole (deliveries, start dates).
    pub register: Option<Register>,
    /// Series key (`V-1.1`, `B-dagtilbud`); empty for whole-municipality flags.
    pub serie: String,
    /// The service code the municipality knows the series by (`1.1`, `BL82-1`); empty as above.
    pub ydelse: String,
    /// `2025K2`, or the year (`2025`) for flags on the year as a whole.
    pub kvartal: Periode,
    pub regel: Regel,
    pub alvor: Alvor,
    /// The figures that fired the rule (named, e.g. `forrige`, `aktuel`, `procent`).
    pub tal: BTreeMap<String, f64>,
    /// The threshold, in words.
    pub taerskel: String,
    /// One Danish sentence explaining the flag.
    pub forklaring: String,
    pub kommentar: Option<String>,
    /// Whether the flag belongs to the report year and so must be commented before approval.
    pub i_rapportaaret: bool,
    /// Selective-editing priority (docs/markeringer.md): how far the figure is from what the rule expected, as
    /// a percentage of the national total of the series (the larger of the flagged quarter's and the
    /// compared quarter's). 0 for flags on a
    /// municipality's deliveries as a whole (no series).
    #[serde(default)]
    pub prioritet: f64,
    /// Against the previous report of the same year (`--forrige`); `ny` without one.
    #[serde(default)]
    pub tilstand: Tilstand,
    /// How many of the municipality's cases explain the flag (the workbook's `Sager` sheet lists
    /// them, capped); 0 for rules no case explains (deliveries, rejected records, never reported).
    #[serde(default)]
    pub sager_i_alt: usize,
    /// The id of the mark this flag is answered under, when several rules fire on one cell (kommune,
    /// series, quarter): the cell shows one mark — the most severe — and one comment answers them all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hoerer_til: Option<String>,
}

impl Markering {
    /// A flag with its place and rule; figures, threshold and sentence are filled in by the rule.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        kommunekode: u16,
        register: Option<Register>,
        serie: &str,
        ydelse: &str,
        kvartal: Periode,
        regel: Regel,
        alvor: Alvor,
        i_rapportaaret: bool,
    ) -> Markering {
        Markering {
            id: flag_id(kommunekode, serie, kvartal, regel),
            kommunekode,
            register,
            serie: serie.to_string(),
            ydelse: ydelse.to_string(),
            kvartal,
            regel,
            alvor,
            tal: BTreeMap::new(),
            taerskel: String::new(),
            forklaring: String::new(),
            kommentar: None,
            i_rapportaaret,
            prioritet: 0.0,
            tilstand: Tilstand::Ny,
            sager_i_alt: 0,
            hoerer_til: None,
        }
    }

    /// The figure the rule expected and the one it found, from the flag's own figures.
    fn expected_and_actual(&self) -> Option<(f64, f64)> {
        let t = |k: &str| self.tal.get(k).copied();
        match self.regel {
            Regel::HidiroglouBerthelot => Some((t("median_forhold")? * t("forrige")?, t("aktuel")?)),
            Regel::Revision => Some((t("godkendt")?, t("nu")?)),
            Regel::AldrigIndberettet | Regel::Ophoert => Some((t("forventet")?, t("aktuel")?)),
            _ => Some((t("forrige")?, t("aktuel")?)),
        }
    }

    /// Sets [`Markering::prioritet`] from the national total of the flag's series and quarter.
    pub fn set_priority(&mut self, national: u32) {
        self.prioritet = match self.expected_and_actual() {
            Some((expected, actual)) if !self.serie.is_empty() => {
                ((actual - expected).abs() / f64::from(national.max(1)) * 100.0 * 1000.0).round() / 1000.0
            }
            _ => 0.0,
        };
    }

    /// Flag lists are ordered by severity, then priority (highest first), then place and rule.
    pub fn severity_then_priority(a: &Markering, b: &Markering) -> std::cmp::Ordering {
        a.alvor.cmp(&b.alvor).then(b.prioritet.total_cmp(&a.prioritet))
    }

    /// The key a comment is matched on.
    pub fn key(&self) -> (u16, String, Periode, Regel) {
        (self.kommunekode, self.serie.clone(), self.kvartal, self.regel)
    }

    /// Whether the municipality must answer it: a report-year flag, not resolved, and the cell's own mark
    /// (not one answered under another).
    pub fn to_answer(&self) -> bool {
        self.i_rapportaaret && self.tilstand != Tilstand::Loest && self.hoerer_til.is_none()
    }

    /// Whether the municipality must still answer it: a mark to answer without a comment.
    pub fn is_open(&self) -> bool {
        self.to_answer() && self.kommentar.as_deref().is_none_or(str::is_empty)
    }
}

/// Severity of a change from `prev` to `cur` against a relative-and-absolute threshold pair, with the
/// change in percent; `None` below yellow or from 0.
pub fn change_severity(prev: u32, cur: u32, g: &GulRoed) -> Option<(Alvor, f64)> {
    if prev == 0 {
        return None;
    }
    let diff = f64::from(cur.abs_diff(prev));
    let p = diff / f64::from(prev) * 100.0;
    if p >= g.roed.procent && diff >= f64::from(g.roed.personer) {
        Some((Alvor::Roed, p))
    } else if p >= g.gul.procent && diff >= f64::from(g.gul.personer) {
        Some((Alvor::Gul, p))
    } else {
        None
    }
}

/// Severity of a share (percent) against `gul_over` / `roed_over`.
pub fn share_severity(share: f64, t: &godkend_model::taerskler::Andel) -> Option<Alvor> {
    if share > t.roed_over {
        Some(Alvor::Roed)
    } else if share > t.gul_over {
        Some(Alvor::Gul)
    } else {
        None
    }
}

pub fn threshold_text(g: &GulRoed, alvor: Alvor) -> String {
    let t = if alvor == Alvor::Roed { g.roed } else { g.gul };
    format!("≥ {}\u{a0}% og ≥ {} personer", tal(t.procent, 0), t.personer)
}

/// Builds a series rule's flag at its place; the rule fills in figures, threshold and sentence.
pub(crate) struct Ctx<'a> {
    pub(crate) reference: &'a Reference,
    pub(crate) year: i32,
}

impl Ctx<'_> {
    pub(crate) fn flag(&self, kommune: u16, serie: &str, q: Kvartal, regel: Regel, alvor: Alvor) -> Markering {
        let register = self.reference.serier.get(serie).map(|s| s.register);
        let ydelse = self.reference.display_code(serie);
        Markering::new(kommune, register, serie, &ydelse, q.into(), regel, alvor, q.year() == self.year)
    }
}

/// The (kommune, series) a drop to 0 in the report year already marks: the year rules on a series at 0
/// (never reported, stopped) stay silent there — one event, one flag.
pub(crate) fn dropped_in_year(earlier: &[Markering]) -> std::collections::BTreeSet<(u16, &str)> {
    earlier
        .iter()
        .filter(|m| m.regel == Regel::FaldTilNul && m.i_rapportaaret)
        .map(|m| (m.kommunekode, m.serie.as_str()))
        .collect()
}
