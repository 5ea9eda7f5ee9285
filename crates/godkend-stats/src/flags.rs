//! Flags (markeringer): the rule, the figures and threshold that fired it, and one Danish sentence.
//!
//! This module holds the series rules (change vs previous quarter and vs last year, to and from zero,
//! Hidiroglou–Berthelot); `quality` holds the rules on deliveries and start dates.

use crate::count::{Counts, Tal};
use crate::hb;
use godkend_model::taerskler::GulRoed;
use godkend_model::{Kvartal, Reference, Register, Taerskler};
use std::collections::BTreeMap;

/// One municipality's figures for one series, by quarter.
type Figures = BTreeMap<Kvartal, Tal>;

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
}

impl Regel {
    pub const ALL: [Regel; 11] = [
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
        }
    }

    pub fn parse(s: &str) -> Option<Regel> {
        let s = s.trim().to_lowercase();
        Regel::ALL.into_iter().find(|r| r.code() == s)
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
pub fn flag_id(kommunekode: u16, serie: &str, kvartal: &str, regel: Regel) -> String {
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
    pub kvartal: String,
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
}

impl Markering {
    /// A flag with its place and rule; figures, threshold and sentence are filled in by the rule.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        kommunekode: u16,
        register: Option<Register>,
        serie: &str,
        ydelse: &str,
        kvartal: String,
        regel: Regel,
        alvor: Alvor,
        i_rapportaaret: bool,
    ) -> Markering {
        Markering {
            id: flag_id(kommunekode, serie, &kvartal, regel),
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
        }
    }

    /// The figure the rule expected and the one it found, from the flag's own figures.
    fn expected_and_actual(&self) -> Option<(f64, f64)> {
        let t = |k: &str| self.tal.get(k).copied();
        match self.regel {
            Regel::HidiroglouBerthelot => Some((t("median_forhold")? * t("forrige")?, t("aktuel")?)),
            Regel::Revision => Some((t("godkendt")?, t("nu")?)),
            Regel::AldrigIndberettet => Some((t("forventet")?, t("aktuel")?)),
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
    pub fn key(&self) -> (u16, String, String, Regel) {
        (self.kommunekode, self.serie.clone(), self.kvartal.clone(), self.regel)
    }

    /// Whether the municipality must still answer it: a report-year flag, not resolved, no comment.
    pub fn is_open(&self) -> bool {
        self.i_rapportaaret && self.tilstand != Tilstand::Loest && self.kommentar.as_deref().is_none_or(str::is_empty)
    }
}

/// Danish number formatting: `1.234`, `12,5`.
pub fn tal(n: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, n.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    let sign = if n < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') { "−" } else { "" };
    match frac {
        Some(f) => format!("{sign}{grouped},{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// A signed percentage: `+12,5 %`, `−20,0 %`.
pub fn pct(p: f64) -> String {
    let sign = if p > 0.0 { "+" } else { "" };
    format!("{sign}{} %", tal(p, 1))
}

/// The code a municipality knows a series by: the newest service code of the series.
pub fn display_code(reference: &Reference, serie: &str) -> String {
    reference.ydelser_in_serie(serie).last().map(|y| y.kode.clone()).unwrap_or_default()
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
    format!("≥ {} % og ≥ {} personer", tal(t.procent, 0), t.personer)
}

struct Ctx<'a> {
    reference: &'a Reference,
    year: i32,
}

impl Ctx<'_> {
    fn flag(&self, kommune: u16, serie: &str, q: Kvartal, regel: Regel, alvor: Alvor) -> Markering {
        let register = self.reference.serier.get(serie).map(|s| s.register);
        let ydelse = display_code(self.reference, serie);
        Markering::new(kommune, register, serie, &ydelse, q.to_string(), regel, alvor, q.year() == self.year)
    }
}

/// Every series rule for every municipality and every quarter that has a predecessor in the window.
pub fn series_flags(counts: &Counts, reference: &Reference, t: &Taerskler, year: i32) -> Vec<Markering> {
    let Some(window) = counts.window else { return Vec::new() };
    let ctx = Ctx { reference, year };
    let quarters = window.quarters();
    let mut out = Vec::new();
    for ((kommune, serie), figures) in &counts.kommune {
        let x = |q: Kvartal| figures.get(&q).map_or(0, |t| t.modtagere);
        // One event, one flag: while a series stays at 0 after a flagged drop, and in the quarter it
        // appears from 0, the change rules are silent (their change is that event).
        let mut at_zero_after_drop = false;
        for &q in quarters.iter().skip(1) {
            let (prev, cur) = (x(q.previous()), x(q));
            if cur > 0 {
                at_zero_after_drop = false;
            }
            let mut event = at_zero_after_drop;
            if prev >= t.fald_til_nul.fra_mindst && cur == 0 {
                event = true;
                at_zero_after_drop = true;
                let mut m = ctx.flag(*kommune, serie, q, Regel::FaldTilNul, Alvor::Roed);
                m.tal = BTreeMap::from([("forrige".into(), f64::from(prev)), ("aktuel".into(), 0.0)]);
                m.taerskel = format!("fra ≥ {} til 0", t.fald_til_nul.fra_mindst);
                m.forklaring = format!("Serien faldt fra {prev} modtagere i {} til 0 i {q}.", q.previous());
                out.push(m);
            }
            if prev == 0 && cur >= t.stigning_fra_nul.til_mindst {
                event = true;
                let mut m = ctx.flag(*kommune, serie, q, Regel::StigningFraNul, Alvor::Gul);
                m.tal = BTreeMap::from([("forrige".into(), 0.0), ("aktuel".into(), f64::from(cur))]);
                m.taerskel = format!("fra 0 til ≥ {}", t.stigning_fra_nul.til_mindst);
                m.forklaring = format!("Serien steg fra 0 modtagere i {} til {cur} i {q}.", q.previous());
                out.push(m);
            }
            if event {
                continue;
            }
            if let Some((alvor, p)) = change_severity(prev, cur, &t.kvartal_til_kvartal) {
                out.push(change_flag(
                    &ctx,
                    *kommune,
                    serie,
                    q,
                    q.previous(),
                    prev,
                    cur,
                    p,
                    alvor,
                    Regel::KvartalTilKvartal,
                    &t.kvartal_til_kvartal,
                ));
            }
            let base = q.same_last_year();
            if base >= window.fra {
                let prev_y = x(base);
                if let Some((alvor, p)) = change_severity(prev_y, cur, &t.aar_til_aar) {
                    out.push(change_flag(
                        &ctx,
                        *kommune,
                        serie,
                        q,
                        base,
                        prev_y,
                        cur,
                        p,
                        alvor,
                        Regel::AarTilAar,
                        &t.aar_til_aar,
                    ));
                }
            }
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn change_flag(
    ctx: &Ctx,
    kommune: u16,
    serie: &str,
    q: Kvartal,
    base: Kvartal,
    prev: u32,
    cur: u32,
    p: f64,
    alvor: Alvor,
    regel: Regel,
    g: &GulRoed,
) -> Markering {
    let mut m = ctx.flag(kommune, serie, q, regel, alvor);
    let signed = if cur >= prev { p } else { -p };
    m.tal = BTreeMap::from([
        ("forrige".into(), f64::from(prev)),
        ("aktuel".into(), f64::from(cur)),
        ("procent".into(), (signed * 10.0).round() / 10.0),
    ]);
    m.taerskel = threshold_text(g, alvor);
    let verb = if cur >= prev { "steg" } else { "faldt" };
    let diff = i64::from(cur) - i64::from(prev);
    let diff = if diff > 0 { format!("+{diff}") } else { tal(diff as f64, 0) };
    m.forklaring = format!(
        "Antallet af modtagere {verb} fra {prev} i {base} til {cur} i {q} ({}, {diff} personer); grænsen for {} er {}.",
        pct(signed),
        alvor.code(),
        m.taerskel
    );
    m
}

/// What one HB test used: per series and quarter, for the report's appendix (Banff's outlier summary).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HbOpsummering {
    pub serie: String,
    pub kvartal: String,
    pub median_forhold: f64,
    pub q1: f64,
    pub m: f64,
    pub q3: f64,
    /// The interval at the yellow and the red level.
    pub gul: [f64; 2],
    pub roed: [f64; 2],
    pub enheder_brugt: usize,
    pub sprunget_over_nul: usize,
    pub sprunget_over_uaendret: usize,
    /// A unit whose change is fewer persons than this is not flagged (`personer` of the thresholds).
    #[serde(default)]
    pub personer: u32,
}

/// The HB flags and the summary of every test that ran.
pub fn hb_flags(
    counts: &Counts,
    reference: &Reference,
    t: &Taerskler,
    year: i32,
) -> (Vec<Markering>, Vec<HbOpsummering>) {
    let Some(window) = counts.window else { return (Vec::new(), Vec::new()) };
    let ctx = Ctx { reference, year };
    let quarters = window.quarters();
    let p = &t.hidiroglou_berthelot;
    // Each series' municipalities with their figures, looked up by quarter without building a key.
    let mut by_serie: BTreeMap<&str, Vec<(u16, &Figures)>> = BTreeMap::new();
    for ((kommune, serie), figures) in &counts.kommune {
        by_serie.entry(serie.as_str()).or_default().push((*kommune, figures));
    }
    let (mut out, mut summary) = (Vec::new(), Vec::new());
    for (serie, kommuner) in by_serie {
        for &q in quarters.iter().skip(1) {
            let x =
                |figures: &BTreeMap<Kvartal, Tal>, q: Kvartal| f64::from(figures.get(&q).map_or(0, |t| t.modtagere));
            let units: Vec<(u16, f64, f64)> =
                kommuner.iter().map(|&(k, figures)| (k, x(figures, q.previous()), x(figures, q))).collect();
            let Some(test) = hb::test(&units, p.u, p.a, p.min_enheder) else { continue };
            let r2 = |x: f64| (x * 10_000.0).round() / 10_000.0;
            let interval = |c: f64| {
                let (lo, hi) = test.bounds(c);
                [r2(lo), r2(hi)]
            };
            summary.push(HbOpsummering {
                serie: serie.to_string(),
                kvartal: q.to_string(),
                median_forhold: r2(test.median_ratio),
                q1: r2(test.q1),
                m: r2(test.m),
                q3: r2(test.q3),
                gul: interval(p.gul_c),
                roed: interval(p.roed_c),
                enheder_brugt: test.used,
                sprunget_over_nul: test.skipped_zero,
                sprunget_over_uaendret: test.skipped_unchanged,
                personer: p.personer,
            });
            for s in &test.scores {
                // A change of a few persons says nothing about the data, whatever its score.
                if (s.cur - s.prev).abs() < f64::from(p.personer) {
                    continue;
                }
                let alvor = if s.outside(p.roed_c) {
                    Alvor::Roed
                } else if s.outside(p.gul_c) {
                    Alvor::Gul
                } else {
                    continue;
                };
                let c = if alvor == Alvor::Roed { p.roed_c } else { p.gul_c };
                let (lo, hi) = s.bounds(c);
                let (prev, cur) = (s.prev, s.cur);
                let mut m = ctx.flag(s.unit, serie, q, Regel::HidiroglouBerthelot, alvor);
                m.tal = BTreeMap::from([
                    ("forrige".into(), prev),
                    ("aktuel".into(), cur),
                    ("forhold".into(), s.ratio),
                    ("median_forhold".into(), s.median_ratio),
                    ("e".into(), s.e),
                    ("nedre".into(), lo),
                    ("oevre".into(), hi),
                ]);
                m.taerskel = format!(
                    "C = {} (U = {}, A = {}) og ≥ {} personer",
                    tal(c, 0),
                    tal(p.u, 2),
                    tal(p.a, 2),
                    p.personer
                );
                m.forklaring = format!(
                    "Udviklingen fra {} til {q} ({} → {}, faktor {}) afviger fra de øvrige kommuners (median faktor {}): HB-score {} ligger uden for [{}; {}].",
                    q.previous(),
                    tal(prev, 0),
                    tal(cur, 0),
                    tal(s.ratio, 2),
                    tal(s.median_ratio, 2),
                    tal(s.e, 2),
                    tal(lo, 2),
                    tal(hi, 2)
                );
                out.push(m);
            }
        }
    }
    (out, summary)
}

/// The "never reported" hint (docs/markeringer.md): an adult service with no recipients in a
/// municipality in any quarter of the report year, while at least `andel_kommuner` % of the
/// municipalities with adult recipients report it and the municipality's own size leads one to expect
/// `min_forventede` recipients a quarter (its adult recipients × the service's share of all adult
/// recipients). Silent where a drop to 0 in the report year already marks the series.
pub fn never_reported_flags(
    counts: &Counts,
    reference: &Reference,
    t: &Taerskler,
    year: i32,
    earlier: &[Markering],
) -> Vec<Markering> {
    let g = &t.aldrig_indberettet;
    let quarters: Vec<Kvartal> = (1..=4).filter_map(|n| Kvartal::new(year, n)).collect();
    if counts.window.is_none_or(|w| w.til < quarters[3] || w.fra > quarters[0])
        || reference.vises_fra(Register::Voksne) > quarters[0]
    {
        return Vec::new();
    }
    let series: Vec<&str> = reference.serier_of(Register::Voksne).iter().map(|s| s.serie.as_str()).collect();
    let in_year = |k: u16, s: &str| -> u64 { quarters.iter().map(|q| u64::from(counts.get(k, s, *q).modtagere)).sum() };
    // Per municipality with adult recipients in the year: recipients (person-quarters) per series.
    let mut per: BTreeMap<u16, BTreeMap<&str, u64>> = BTreeMap::new();
    for (k, _) in counts.kommune.keys() {
        if per.contains_key(k) {
            continue;
        }
        let row: BTreeMap<&str, u64> = series.iter().map(|s| (*s, in_year(*k, s))).collect();
        if row.values().any(|n| *n > 0) {
            per.insert(*k, row);
        }
    }
    if per.len() < g.min_kommuner {
        return Vec::new();
    }
    let all: u64 = per.values().flat_map(|r| r.values()).sum();
    let dropped: std::collections::BTreeSet<(u16, &str)> = earlier
        .iter()
        .filter(|m| m.regel == Regel::FaldTilNul && m.i_rapportaaret)
        .map(|m| (m.kommunekode, m.serie.as_str()))
        .collect();
    let ctx = Ctx { reference, year };
    let mut out = Vec::new();
    for s in &series {
        let reporting = per.values().filter(|r| r[s] > 0).count();
        let share = reporting as f64 / per.len() as f64 * 100.0;
        if share < g.andel_kommuner {
            continue;
        }
        let of_series: u64 = per.values().map(|r| r[s]).sum();
        for (k, row) in &per {
            if row[s] > 0 || dropped.contains(&(*k, *s)) {
                continue;
            }
            let own: u64 = row.values().sum();
            let expected = own as f64 * of_series as f64 / all as f64 / 4.0;
            if expected < g.min_forventede {
                continue;
            }
            let expected = (expected * 10.0).round() / 10.0;
            let mut m = ctx.flag(*k, s, quarters[0], Regel::AldrigIndberettet, Alvor::Gul);
            m.kvartal = year.to_string();
            m.id = flag_id(*k, s, &m.kvartal, Regel::AldrigIndberettet);
            m.tal = BTreeMap::from([
                ("aktuel".into(), 0.0),
                ("forventet".into(), expected),
                ("kommuner".into(), per.len() as f64),
                ("kommuner_med_ydelsen".into(), reporting as f64),
            ]);
            m.taerskel = format!(
                "≥ {} % af kommunerne indberetter ydelsen, og ≥ {} modtagere forventet pr. kvartal",
                tal(g.andel_kommuner, 0),
                tal(g.min_forventede, 0)
            );
            let betegnelse = reference.serier.get(*s).map_or("", |x| x.betegnelse.as_str());
            m.forklaring = format!(
                "Kommunen har ingen modtagere af {} {} i {year}, men {reporting} af de {} kommuner med modtagere af voksenydelser har; ud fra kommunens øvrige tal ventes omkring {} modtagere pr. kvartal. Ydelsen registreres ofte af en anden afdeling eller i et andet fagsystem: kontrollér, at den indberettes.",
                m.ydelse,
                betegnelse,
                per.len(),
                tal(expected, 0)
            );
            out.push(m);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_numbers() {
        assert_eq!(tal(1234567.0, 0), "1.234.567");
        assert_eq!(tal(12.345, 1), "12,3");
        assert_eq!(tal(-5.0, 0), "−5");
        assert_eq!(tal(-0.0, 1), "0,0");
        assert_eq!(pct(12.54), "+12,5 %");
        assert_eq!(pct(-20.0), "−20,0 %");
    }
}
