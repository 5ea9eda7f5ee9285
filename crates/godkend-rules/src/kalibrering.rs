//! Calibration of the series rules: graded anomalies injected into real counts, how many of each grade
//! the rules catch, and how many clean cells of the report year they flag (`godkend kalibrer`,
//! `cargo xtask kalibrer`).
//!
//! An event shifts one municipality's series by a number of persons from a quarter of the report year
//! onward (a new institution, a lost provider), or drops it to 0. Its grade is the injected change in
//! percent of the previous quarter; what it *should* cause is decided by the quarter rule's own
//! thresholds on the resulting figures (a red-sized change must be red). Every other series is clean:
//! the share of its report-year cells flagged red or yellow (by any series rule, HB included) is the
//! false-alarm rate. A last kind of event stops a series from a quarter of the year before (`ophørt året
//! før`): it has no recipients in the whole report year, which the stopped-service rule must mark, red
//! when the level before the stop is at least the quarter rule's red persons threshold. Deterministic for
//! a seed.

use crate::flags::{self, Alvor, Markering, Regel};
use crate::{hb_flags, series, stopped};
use godkend_model::rng::Rng;
use godkend_model::{Counts, Kvartal, Periode, Reference, Taerskler};
use std::collections::{BTreeMap, BTreeSet};

/// Injected changes in percent of the previous quarter (signed); `None` is a drop to 0.
pub const GRADES: [Option<f64>; 13] = [
    Some(5.0),
    Some(-5.0),
    Some(9.0),
    Some(-9.0),
    Some(15.0),
    Some(-15.0),
    Some(24.0),
    Some(-24.0),
    Some(30.0),
    Some(-30.0),
    Some(60.0),
    Some(200.0),
    None,
];

/// The index of the stopped-service events, after the [`GRADES`].
const OPHOERT: usize = GRADES.len();

/// Events per grade (each on its own series).
const EVENTS_PER_GRADE: usize = 40;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct GradeRow {
    /// `+15 %`, or `fald til 0`.
    pub grade: String,
    pub events: usize,
    /// Events whose resulting quarter change is red-sized by the quarter rule's thresholds, and how
    /// many of those some rule flagged red in the event's quarter.
    pub red_sized: usize,
    pub red_caught: usize,
    /// Events that are yellow-sized (or red-sized), and how many were flagged yellow or red.
    pub yellow_sized: usize,
    pub yellow_caught: usize,
    /// Events whose change is below the yellow thresholds, and how many were flagged all the same.
    pub below: usize,
    pub below_flagged: usize,
    /// Which rules flagged the event's quarter.
    pub by_rule: BTreeMap<Regel, usize>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Kalibrering {
    pub grades: Vec<GradeRow>,
    /// Clean report-year cells (municipality × series × quarter, a figure above 0 in the quarter or
    /// the one before), and how many of them were flagged red, and yellow (not red).
    pub clean_cells: usize,
    pub clean_red: usize,
    pub clean_yellow: usize,
    /// Clean-cell flags per rule and severity.
    pub clean_by_rule: BTreeMap<(Regel, Alvor), usize>,
    /// Red series flags (quarter, year, HB, revision) on a change of fewer than 5 persons, anywhere.
    pub red_below_5_persons: usize,
}

/// One injected event: its grade (index into [`GRADES`], or [`OPHOERT`]), series, quarter, and the figures
/// before and after it (for a stop: the whole level the rule expects, and 0).
type Event = (usize, (u16, String), Kvartal, u32, u32);

/// The flags of the modified counts by cell (kommune, series, quarter).
type FlagsAt<'a> = BTreeMap<(u16, &'a str, Periode), Vec<&'a Markering>>;

/// Injects the graded events into `counts` and runs the series rules of `year`.
pub fn calibrate(counts: &Counts, reference: &Reference, t: &Taerskler, year: i32, seed: u64) -> Kalibrering {
    let quarters: Vec<Kvartal> = (1..=4).filter_map(|q| Kvartal::new(year, q)).collect();
    let (modified, events) = inject(counts, &quarters, seed);
    let mut all = series::series_flags(&modified, reference, t, year);
    all.extend(hb_flags::hb_flags(&modified, reference, t, year).0);
    let stops = stopped::stopped_flags(&modified, reference, t, year, &all);
    all.extend(stops);
    let at: FlagsAt = all.iter().fold(BTreeMap::new(), |mut m, f| {
        m.entry((f.kommunekode, f.serie.as_str(), f.kvartal)).or_default().push(f);
        m
    });
    let mut out = Kalibrering::default();
    for (g, grade) in GRADES.iter().enumerate() {
        out.grades.push(grade_row(g, *grade, &events, &at, t));
    }
    out.grades.push(stopped_row(&events, &at, t, year));
    count_clean(&mut out, &modified, &events, &quarters, &at);
    out.red_below_5_persons = all
        .iter()
        .filter(|f| f.alvor == Alvor::Roed && f.i_rapportaaret)
        .filter(|f| matches!(f.regel, Regel::KvartalTilKvartal | Regel::AarTilAar | Regel::HidiroglouBerthelot))
        .filter(|f| match (f.tal.get("forrige"), f.tal.get("aktuel")) {
            (Some(a), Some(b)) => (a - b).abs() < 5.0,
            _ => false,
        })
        .count();
    out
}

/// The counts with [`EVENTS_PER_GRADE`] events of each grade injected, each into its own series (a
/// figure of at least 5 in the quarter before each report-year quarter) from a random report-year
/// quarter on, and the events.
fn inject(counts: &Counts, quarters: &[Kvartal], seed: u64) -> (Counts, Vec<Event>) {
    let mut rng = Rng::from_state(seed);
    let mut candidates: Vec<(u16, String)> = counts
        .kommune
        .iter()
        .filter(|(_, s)| quarters.iter().all(|q| s.get(&q.previous()).is_some_and(|t| t.modtagere >= 5)))
        .map(|(k, _)| k.clone())
        .collect();
    shuffle(&mut candidates, &mut rng);
    let mut modified = counts.clone();
    let mut events: Vec<Event> = Vec::new();
    let mut next = candidates.into_iter();
    for (g, grade) in GRADES.iter().enumerate() {
        for _ in 0..EVENTS_PER_GRADE {
            let Some(key) = next.next() else { break };
            let q = quarters[rng.below(4) as usize];
            let series = modified.kommune.get_mut(&key).expect("a candidate series");
            let prev = series.get(&q.previous()).map_or(0, |t| t.modtagere);
            let delta: i64 = match grade {
                Some(p) => (f64::from(prev) * p / 100.0).round() as i64,
                None => -i64::from(series.get(&q).map_or(0, |t| t.modtagere)),
            };
            for tal in series.range_mut(q..).map(|(_, tal)| tal) {
                tal.modtagere = if grade.is_none() { 0 } else { (i64::from(tal.modtagere) + delta).max(0) as u32 };
            }
            let cur = series.get(&q).map_or(0, |t| t.modtagere);
            events.push((g, key, q, prev, cur));
        }
    }
    // Stops from a quarter of the year before (Q2–Q4), on series with recipients in every quarter of it.
    let year_before: Vec<Kvartal> = quarters.iter().map(|q| q.previous().previous().previous().previous()).collect();
    let fra = counts.window.map(|w| w.fra);
    for key in next.filter(|k| year_before.iter().all(|q| counts.kommune[k].get(q).is_some_and(|t| t.modtagere >= 1))) {
        if events.iter().filter(|e| e.0 == OPHOERT).count() == EVENTS_PER_GRADE {
            break;
        }
        let stop = year_before[1 + rng.below(3) as usize];
        let series = modified.kommune.get_mut(&key).expect("a candidate series");
        // The level the rule expects: the mean of the (up to) four quarters ending with the last before the stop.
        let level: Vec<u32> = (0..4u32)
            .scan(stop.previous(), |q, _| {
                let here = *q;
                *q = q.previous();
                Some(here)
            })
            .take_while(|q| fra.is_none_or(|f| *q >= f))
            .map(|q| series.get(&q).map_or(0, |t| t.modtagere))
            .collect();
        let expected = level.iter().sum::<u32>() / level.len().max(1) as u32;
        for tal in series.range_mut(stop..).map(|(_, tal)| tal) {
            tal.modtagere = 0;
        }
        events.push((OPHOERT, key, stop, expected, 0));
    }
    (modified, events)
}

/// How the stops were marked: by the stopped-service rule on the report year, against the severity its
/// thresholds give the level before the stop.
fn stopped_row(events: &[Event], at: &FlagsAt, t: &Taerskler, year: i32) -> GradeRow {
    let mut row = GradeRow { grade: "ophørt året før".to_string(), ..GradeRow::default() };
    let g = &t.kvartal_til_kvartal;
    for (_, (k, serie), _, level, _) in events.iter().filter(|e| e.0 == OPHOERT) {
        row.events += 1;
        let here = at.get(&(*k, serie.as_str(), Periode::Aar(year))).cloned().unwrap_or_default();
        let worst = here.iter().map(|f| f.alvor).min();
        for f in &here {
            *row.by_rule.entry(f.regel).or_default() += 1;
        }
        if *level >= g.roed.personer {
            row.red_sized += 1;
            row.yellow_sized += 1;
            row.red_caught += usize::from(worst == Some(Alvor::Roed));
            row.yellow_caught += usize::from(worst.is_some());
        } else if *level >= g.gul.personer {
            row.yellow_sized += 1;
            row.yellow_caught += usize::from(worst.is_some());
        } else {
            row.below += 1;
            row.below_flagged += usize::from(worst.is_some());
        }
    }
    row
}

/// How the events of grade `g` were caught, against the severity the quarter rule's own thresholds
/// give their size.
fn grade_row(g: usize, grade: Option<f64>, events: &[Event], at: &FlagsAt, t: &Taerskler) -> GradeRow {
    let mut row = GradeRow {
        grade: grade.map_or_else(|| "fald til 0".to_string(), |p| format!("{:+} %", p)),
        ..GradeRow::default()
    };
    for (_, (k, serie), q, prev, cur) in events.iter().filter(|e| e.0 == g) {
        row.events += 1;
        let here = at.get(&(*k, serie.as_str(), Periode::Kvartal(*q))).cloned().unwrap_or_default();
        let worst = here.iter().map(|f| f.alvor).min();
        for f in &here {
            *row.by_rule.entry(f.regel).or_default() += 1;
        }
        let expected = if *cur == 0 && *prev >= t.fald_til_nul.fra_mindst {
            Some(Alvor::Roed)
        } else {
            flags::change_severity(*prev, *cur, &t.kvartal_til_kvartal).map(|(a, _)| a)
        };
        match expected {
            Some(Alvor::Roed) => {
                row.red_sized += 1;
                row.yellow_sized += 1;
                row.red_caught += usize::from(worst == Some(Alvor::Roed));
                row.yellow_caught += usize::from(worst.is_some());
            }
            Some(Alvor::Gul) => {
                row.yellow_sized += 1;
                row.yellow_caught += usize::from(worst.is_some());
            }
            None => {
                row.below += 1;
                row.below_flagged += usize::from(worst.is_some());
            }
        }
    }
    row
}

/// The clean report-year cells (series without an event, a figure above 0 in the quarter or the one
/// before) and how many of them were flagged.
fn count_clean(out: &mut Kalibrering, modified: &Counts, events: &[Event], quarters: &[Kvartal], at: &FlagsAt) {
    let injected: BTreeSet<(u16, &str)> = events.iter().map(|e| (e.1.0, e.1.1.as_str())).collect();
    for ((k, serie), series) in &modified.kommune {
        if injected.contains(&(*k, serie.as_str())) {
            continue;
        }
        for q in quarters {
            let active = |q: Kvartal| series.get(&q).is_some_and(|t| t.modtagere > 0);
            if !active(*q) && !active(q.previous()) {
                continue;
            }
            out.clean_cells += 1;
            let here = at.get(&(*k, serie.as_str(), Periode::Kvartal(*q))).cloned().unwrap_or_default();
            for f in &here {
                *out.clean_by_rule.entry((f.regel, f.alvor)).or_default() += 1;
            }
            match here.iter().map(|f| f.alvor).min() {
                Some(Alvor::Roed) => out.clean_red += 1,
                Some(Alvor::Gul) => out.clean_yellow += 1,
                None => {}
            }
        }
    }
}

impl Kalibrering {
    /// The table `godkend kalibrer` prints.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let pct = |a: usize, b: usize| {
            if b == 0 { "–".to_string() } else { format!("{:.1} %", a as f64 * 100.0 / b as f64) }
        };
        s.push_str(&format!(
            "{:<16} {:>6} {:>10} {:>10} {:>12} {:>12} {:>8} {:>12}  flagged by\n",
            "injected", "events", "red-sized", "red", "yellow-sized", "≥ yellow", "below", "below flagged"
        ));
        for r in &self.grades {
            let rules: Vec<String> = r.by_rule.iter().map(|(g, n)| format!("{} {n}", g.code())).collect();
            s.push_str(&format!(
                "{:<16} {:>6} {:>10} {:>10} {:>12} {:>12} {:>8} {:>12}  {}\n",
                r.grade,
                r.events,
                r.red_sized,
                pct(r.red_caught, r.red_sized),
                r.yellow_sized,
                pct(r.yellow_caught, r.yellow_sized),
                r.below,
                pct(r.below_flagged, r.below),
                rules.join(", ")
            ));
        }
        s.push_str(&format!(
            "\nclean report-year cells: {}; red {} ({}), yellow {} ({})\n",
            self.clean_cells,
            self.clean_red,
            pct(self.clean_red, self.clean_cells),
            self.clean_yellow,
            pct(self.clean_yellow, self.clean_cells)
        ));
        for ((regel, alvor), n) in &self.clean_by_rule {
            s.push_str(&format!("  {} {}: {n}\n", regel.code(), alvor.code()));
        }
        s.push_str(&format!("red flags on a change of fewer than 5 persons: {}\n", self.red_below_5_persons));
        s
    }
}

fn shuffle<T>(v: &mut [T], rng: &mut Rng) {
    for i in (1..v.len()).rev() {
        v.swap(i, rng.below(i as u64 + 1) as usize);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use godkend_model::{Tal, Window};

    /// 600 flat series (40 persons, 2024K1–2025K4): every injected event lands on a series of
    /// known size, so the grades' expectations can be checked by hand.
    #[test]
    fn flat_series_sort_events_by_their_size() {
        let reference = Reference::embedded().unwrap();
        let q = |s: &str| s.parse::<Kvartal>().unwrap();
        let window = Window { fra: q("2024K1"), til: q("2025K4") };
        let mut counts = Counts { window: Some(window), ..Counts::default() };
        let codes: Vec<u16> = reference.kommuner.keys().copied().collect();
        for (i, serie) in reference.serier.keys().take(7).enumerate() {
            for k in &codes {
                let s = counts.kommune.entry((*k, serie.clone())).or_default();
                for kv in window.quarters() {
                    s.insert(kv, Tal { modtagere: 40 + i as u32, helaarsaekvivalenter: 0.0 });
                }
            }
        }
        let k = calibrate(&counts, &reference, &reference.taerskler, 2025, 7);
        let row = |g: &str| k.grades.iter().find(|r| r.grade == g).unwrap();
        // +5 %: 2 persons, below every threshold, and nothing flags it.
        assert_eq!((row("+5 %").below, row("+5 %").below_flagged), (40, 0));
        // +30 %: ≥ 12 persons: red-sized, and red.
        assert_eq!((row("+30 %").red_sized, row("+30 %").red_caught), (40, 40));
        assert_eq!(row("fald til 0").red_caught, 40);
        // Stopped in 2024 at a level of 40–46 persons (red ≥ the quarter rule's red persons threshold):
        // the stopped-service rule marks every one red on 2025.
        let stop = row("ophørt året før");
        assert_eq!((stop.events, stop.red_sized, stop.red_caught), (40, 40, 40), "{stop:?}");
        assert_eq!(stop.by_rule.get(&Regel::Ophoert), Some(&40));
        // Flat clean series: nothing flagged, and no red on a change of fewer than 5 persons.
        assert_eq!((k.clean_red, k.clean_yellow, k.red_below_5_persons), (0, 0, 0));
        assert!(k.clean_cells > 0);
    }
}
