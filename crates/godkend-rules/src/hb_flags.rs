//! The Hidiroglou–Berthelot rule over the counts (docs/markeringer.md): each series and quarter tested
//! across the municipalities with [`crate::hb::test`], the flags, and a summary of every test for the
//! report's appendix.

use crate::flags::{Alvor, Ctx, Markering, Regel};
use crate::hb;
use godkend_model::taerskler::HidiroglouBerthelot;
use godkend_model::talformat::tal;
use godkend_model::{Counts, Kvartal, Reference, Taerskler, Tal};
use std::collections::BTreeMap;

/// One municipality's figures for one series, by quarter.
type Figures = BTreeMap<Kvartal, Tal>;

/// What one HB test used: per series and quarter, for the report's appendix (Banff's outlier summary).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HbOpsummering {
    pub serie: String,
    pub kvartal: Kvartal,
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

/// Where one municipality lies in one HB test of the report year: its change, its score and the intervals
/// it is judged against (the report's own comparison appendix).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HbPlacering {
    pub serie: String,
    pub kvartal: Kvartal,
    pub forrige: f64,
    pub aktuel: f64,
    pub forhold: f64,
    pub score: f64,
    pub gul: [f64; 2],
    pub roed: [f64; 2],
}

/// Where a placement lies against its intervals, as the HB rule judges it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placering {
    Inden,
    UdenforGul,
    UdenforRoed,
    /// Outside the yellow interval, but the change is fewer persons than the rule flags.
    UnderPersoner,
}

impl HbPlacering {
    /// The rule's verdict on this placement: outside red, outside yellow, inside, or outside but too
    /// small a change (fewer than `personer` persons) to be flagged.
    pub fn vurdering(&self, personer: u32) -> Placering {
        let outside = |i: [f64; 2]| self.score < i[0] || self.score > i[1];
        if outside(self.gul) && (self.aktuel - self.forrige).abs() < f64::from(personer) {
            Placering::UnderPersoner
        } else if outside(self.roed) {
            Placering::UdenforRoed
        } else if outside(self.gul) {
            Placering::UdenforGul
        } else {
            Placering::Inden
        }
    }
}

/// What the HB rule gives a run: its flags, every test's summary, and each municipality's placement in
/// the report year's tests.
#[derive(Debug, Default)]
pub struct HbRun {
    pub flags: Vec<Markering>,
    pub summary: Vec<HbOpsummering>,
    pub placering: BTreeMap<u16, Vec<HbPlacering>>,
}

/// The HB flags and the summary of every test that ran.
pub fn hb_flags(
    counts: &Counts,
    reference: &Reference,
    t: &Taerskler,
    year: i32,
) -> (Vec<Markering>, Vec<HbOpsummering>) {
    let run = hb_run(counts, reference, t, year);
    (run.flags, run.summary)
}

/// Every HB test of the window: the flags, the summaries, and the report year's placements.
pub fn hb_run(counts: &Counts, reference: &Reference, t: &Taerskler, year: i32) -> HbRun {
    let Some(window) = counts.window else { return HbRun::default() };
    let ctx = Ctx { reference, year };
    let quarters = window.quarters();
    let p = &t.hidiroglou_berthelot;
    // Each series' municipalities with their figures, looked up by quarter without building a key.
    let mut by_serie: BTreeMap<&str, Vec<(u16, &Figures)>> = BTreeMap::new();
    for ((kommune, serie), figures) in &counts.kommune {
        by_serie.entry(serie.as_str()).or_default().push((*kommune, figures));
    }
    let (mut out, mut summary, mut placering) = (Vec::new(), Vec::new(), BTreeMap::<u16, Vec<HbPlacering>>::new());
    for (serie, kommuner) in by_serie {
        for &q in quarters.iter().skip(1) {
            let x =
                |figures: &BTreeMap<Kvartal, Tal>, q: Kvartal| f64::from(figures.get(&q).map_or(0, |t| t.modtagere));
            let units: Vec<(u16, f64, f64)> =
                kommuner.iter().map(|&(k, figures)| (k, x(figures, q.previous()), x(figures, q))).collect();
            let Some(test) = hb::test(&units, p.u, p.a, p.min_enheder) else { continue };
            summary.push(summarise(serie, q, &test, p));
            if q.year() == year {
                for s in &test.scores {
                    placering.entry(s.unit).or_default().push(place(serie, q, s, p));
                }
            }
            out.extend(test.scores.iter().filter_map(|s| flag(&ctx, serie, q, s, p)));
        }
    }
    HbRun { flags: out, summary, placering }
}

/// HB figures are kept to four decimals, as the appendices show them.
fn r4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// An interval `(lo, hi)` to four decimals.
fn r4_interval((lo, hi): (f64, f64)) -> [f64; 2] {
    [r4(lo), r4(hi)]
}

fn place(serie: &str, q: Kvartal, s: &hb::HbScore, p: &HidiroglouBerthelot) -> HbPlacering {
    let interval = |c: f64| r4_interval(s.bounds(c));
    HbPlacering {
        serie: serie.to_string(),
        kvartal: q,
        forrige: s.prev,
        aktuel: s.cur,
        forhold: r4(s.ratio),
        score: r4(s.e),
        gul: interval(p.gul_c),
        roed: interval(p.roed_c),
    }
}

/// What one test used, rounded to four decimals as the appendix shows it.
fn summarise(serie: &str, q: Kvartal, test: &hb::HbTest, p: &HidiroglouBerthelot) -> HbOpsummering {
    let interval = |c: f64| r4_interval(test.bounds(c));
    HbOpsummering {
        serie: serie.to_string(),
        kvartal: q,
        median_forhold: r4(test.median_ratio),
        q1: r4(test.q1),
        m: r4(test.m),
        q3: r4(test.q3),
        gul: interval(p.gul_c),
        roed: interval(p.roed_c),
        enheder_brugt: test.used,
        sprunget_over_nul: test.skipped_zero,
        sprunget_over_uaendret: test.skipped_unchanged,
        personer: p.personer,
    }
}

/// The flag of one unit's score, when it is outside the yellow or red interval and its change is at
/// least `personer` persons (a change of a few persons says nothing about the data, whatever its score).
fn flag(ctx: &Ctx, serie: &str, q: Kvartal, s: &hb::HbScore, p: &HidiroglouBerthelot) -> Option<Markering> {
    if (s.cur - s.prev).abs() < f64::from(p.personer) {
        return None;
    }
    let alvor = if s.outside(p.roed_c) {
        Alvor::Roed
    } else if s.outside(p.gul_c) {
        Alvor::Gul
    } else {
        return None;
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
    m.taerskel = format!("C = {} (U = {}, A = {}) og ≥ {} personer", tal(c, 0), tal(p.u, 2), tal(p.a, 2), p.personer);
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
    Some(m)
}
