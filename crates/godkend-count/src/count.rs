//! Recipients (distinct citizens) and full-time equivalents per kommune × series × quarter: the live
//! cases' columns read once into plain rows, sorted and merged in Rust; one pass over dense
//! per-(kommune, serie) tables sums the changes.
//!
//! A citizen's overlapping and adjacent periods in one series (and one handlekommune) are merged first,
//! so a citizen counts once per quarter and their days are not counted twice. Each merged period then
//! becomes a quarter range with its days in the first and last quarter; the counts are running sums of
//! the changes at the ends of the ranges, so the work grows with the number of periods, not with how
//! many quarters they span (no row per period and quarter).

use crate::Result;
use godkend_model::dato::days;
use godkend_model::{Counts, Reference, Tal, Window};
use polars_core::prelude::DataFrame;
use rayon::slice::ParallelSliceMut;

/// Beyond any real end (year 4707): the end of an open period.
const OPEN: i32 = 1_000_000;

/// Municipality codes are below 1000: the dense tables have a slot for each.
const KOMMUNER: usize = 1000;

/// One case period as counting sees it: its (kommune, series) slot, the citizen, first and last day
/// (day numbers since 1970-01-01). Sorted as a tuple: by kommune, series, person, start.
pub type Periode = (u16, u16, u64, i32, i32);

/// The series counted, in the order [`periods`] numbers them: the reference's series keys, sorted.
pub fn series_names(reference: &Reference) -> Vec<String> {
    reference.serier.keys().cloned().collect()
}

/// The live cases' periods in a series (services without one are not counted), unsorted. Series are
/// numbered by their position in `names` ([`series_names`]). A frame of some municipalities gives their
/// periods: the periods of several frames, put together, count as one frame of all their cases would.
pub fn periods(cases: &DataFrame, reference: &Reference, names: &[String]) -> Result<Vec<Periode>> {
    let serie_of: foldhash::HashMap<&str, u16> = reference
        .ydelser
        .values()
        .filter_map(|yd| Some((yd.kode.as_str(), names.binary_search(&yd.serie).ok()? as u16)))
        .collect();
    let kommune = cases.column("kommunekode")?.i32()?;
    let ydelse = cases.column("ydelse")?.str()?;
    let person = cases.column("person")?.u64()?;
    let start = cases.column("startdato")?.date()?.physical();
    let slut = cases.column("slutdato")?.date()?.physical();
    let mut out = Vec::with_capacity(cases.height());
    // The series of the row before's service when the service is the same (neighbouring cases often are).
    let mut before = godkend_model::forrige::Forrige::default();
    let rows = kommune.iter().zip(ydelse.iter()).zip(person.iter()).zip(start.iter()).zip(slut.iter());
    for ((((k, y), p), s), e) in rows {
        let (Some(k), Some(y), Some(p), Some(s)) = (k, y, p, s) else { continue };
        let serie = before.get(y, |y| serie_of.get(y).copied());
        let Some(serie) = serie else { continue };
        out.push(((k as usize).min(KOMMUNER - 1) as u16, serie, p, s, e.unwrap_or(OPEN)));
    }
    Ok(out)
}

/// A merged period clipped to the window, as a quarter range: `qa`..=`qb` (quarter indices) with the
/// days the period covers in its first quarter (`dage_a`) and, when it spans more than one, its last
/// (`dage_b`). 32 bytes: at ten times national scale there are about 66 million (docs/PERFORMANCE.md).
struct Range {
    person: u64,
    kommune: u16,
    serie: u16,
    qa: i32,
    qb: i32,
    dage_a: i32,
    dage_b: i32,
}

/// (serie, person, qa) as one number, which orders as the tuple does and compares in two steps instead of
/// three: the national series' sort of every range.
fn national_order(r: &Range) -> u128 {
    // The sign bit flipped, so that a negative quarter index still orders below a positive one.
    let qa = u128::from((r.qa as u32) ^ 0x8000_0000);
    (u128::from(r.serie) << 96) | (u128::from(r.person) << 32) | qa
}

/// Some municipalities' periods as counting takes them: each citizen's periods per (kommune, series)
/// merged and clipped to the window, as quarter ranges in (kommune, serie, person, start) order.
/// Made from each municipality's periods on the thread that read them ([`ranges`]) and counted
/// together ([`count_ranges`]).
pub struct Ranges {
    ranges: Vec<Range>,
}

/// The periods (in any order) as [`Ranges`]: sorted; within one (kommune, serie, person), a period
/// opens a new block unless it starts at most one day after the furthest end so far; each block that
/// touches the window becomes a quarter range. One pass, no merged copy of the periods.
pub fn ranges(mut periods: Vec<Periode>, window: Window) -> Ranges {
    periods.sort_unstable_by_key(period_order);
    merged_ranges(&periods, window)
}

/// (kommune, serie, person, start) as one number, which orders as the tuple does: two comparisons per
/// step of the sort instead of four. Periods equal in all four may come in any order (merging them gives
/// the same block whatever their ends).
fn period_order(p: &Periode) -> u128 {
    // The sign bit flipped, so that a start before 1970 still orders below a later one.
    let start = u128::from((p.3 as u32) ^ 0x8000_0000);
    (u128::from(p.0) << 112) | (u128::from(p.1) << 96) | (u128::from(p.2) << 32) | start
}

fn merged_ranges(sorted: &[Periode], window: Window) -> Ranges {
    let clip = Clip::new(window);
    let mut ranges = Vec::with_capacity(sorted.len());
    let mut block: Option<Periode> = None;
    for &p in sorted {
        match &mut block {
            Some(b) if (b.0, b.1, b.2) == (p.0, p.1, p.2) && i64::from(p.3) <= i64::from(b.4) + 1 => b.4 = b.4.max(p.4),
            _ => {
                if let Some(done) = block.replace(p) {
                    ranges.extend(clip.range(done));
                }
            }
        }
    }
    ranges.extend(block.and_then(|done| clip.range(done)));
    Ranges { ranges }
}

/// The window's quarters as a day's quarter: a table from each day of the window to its quarter, so
/// that a period's quarters are two lookups (a binary search over the quarters' first days mispredicts
/// its branches on every period).
struct Clip {
    /// The window's first and last day (day numbers).
    w0: i32,
    w1: i32,
    /// Per day of the window, from `w0`: its quarter's position in the window.
    quarter_of: Vec<u16>,
    first: Vec<i32>,
    last: Vec<i32>,
    index: Vec<i32>,
}

impl Clip {
    fn new(window: Window) -> Clip {
        let qs = window.quarters();
        let first: Vec<i32> = qs.iter().map(|q| days(q.first_day())).collect();
        let last: Vec<i32> = qs.iter().map(|q| days(q.last_day())).collect();
        let (w0, w1) = (first[0], last[last.len() - 1]);
        let mut quarter_of = Vec::with_capacity((w1 - w0 + 1) as usize);
        for (i, (&a, &b)) in first.iter().zip(&last).enumerate() {
            // The quarters are consecutive: each day of the window is in exactly one.
            quarter_of.extend(std::iter::repeat_n(i as u16, (b - a + 1) as usize));
        }
        Clip { w0, w1, quarter_of, first, last, index: qs.iter().map(|q| q.index()).collect() }
    }

    /// A merged period as a quarter range, if it touches the window.
    fn range(&self, (kommune, serie, person, start, slut): Periode) -> Option<Range> {
        let (start, slut) = (start.max(self.w0), slut.min(self.w1));
        if start > slut {
            return None;
        }
        let a = usize::from(self.quarter_of[(start - self.w0) as usize]);
        let b = usize::from(self.quarter_of[(slut - self.w0) as usize]);
        Some(Range {
            person,
            kommune,
            serie,
            qa: self.index[a],
            qb: self.index[b],
            dage_a: slut.min(self.last[a]) - start + 1,
            dage_b: slut - self.first[b] + 1,
        })
    }
}

/// Changes per (kommune, serie) and quarter of the window, dense: the counts are their running sums.
/// Summing changes instead of listing every (period, quarter) keeps the work proportional to the
/// number of periods, not to their length; a dense table (municipality codes are below 1000, series
/// are numbered) keeps it a single pass over the ranges.
struct Dense {
    /// Quarters in the window, plus one for the changes just past its end.
    width: usize,
    series: usize,
    fra: i32,
    v: Vec<i64>,
}

impl Dense {
    fn new(window: Window, series: usize, kommuner: usize) -> Dense {
        let width = window.quarters().len() + 1;
        Dense { width, series, fra: window.fra.index(), v: vec![0; kommuner * series * width] }
    }

    fn add(&mut self, kommune: usize, serie: usize, q: i64, d: i64) {
        let at = q - i64::from(self.fra);
        if at >= 0 && (at as usize) < self.width {
            self.v[(kommune * self.series + serie) * self.width + at as usize] += d;
        }
    }

    fn at(&self, kommune: usize, serie: usize) -> &[i64] {
        let i = (kommune * self.series + serie) * self.width;
        &self.v[i..i + self.width]
    }
}

/// +1 from the first quarter a range adds for its citizen, −1 after it: taken in (slot, person, qa)
/// order, each range adds only the quarters beyond the furthest its citizen already had (two
/// periods may touch the same quarter). `slot`: the (kommune, serie) a range counts in.
fn recipient_changes(into: &mut Dense, ranges: &[Range], slot: impl Fn(&Range) -> (usize, usize)) {
    let mut reach = i64::MIN;
    let mut previous = None;
    for r in ranges {
        let (k, s) = slot(r);
        if previous != Some((k, s, r.person)) {
            reach = i64::MIN;
            previous = Some((k, s, r.person));
        }
        let (qa, qb) = (i64::from(r.qa), i64::from(r.qb));
        let fra = if reach >= qa { reach + 1 } else { qa };
        if fra <= qb {
            into.add(k, s, fra, 1);
            into.add(k, s, qb + 1, -1);
        }
        reach = reach.max(qb);
    }
}

/// Counts every municipality's series over the window, and the national series.
///
/// Recipients are distinct citizens (across municipalities for the national series); full-time
/// equivalents are service-days over the quarter's days, with a citizen's days merged within one
/// municipality (the national figure is the sum of the municipalities').
pub fn count(cases: DataFrame, reference: &Reference, window: Window) -> Result<Counts> {
    let names = series_names(reference);
    let periods = periods(&cases, reference, &names)?;
    drop(cases);
    Ok(count_periods(periods, &names, window))
}

/// [`count`] over the periods ([`periods`]) of every municipality's live cases, in any order; `names`
/// is [`series_names`].
pub fn count_periods(mut periods: Vec<Periode>, names: &[String], window: Window) -> Counts {
    periods.par_sort_unstable_by_key(period_order);
    let ranges = merged_ranges(&periods, window);
    drop(periods);
    count_in_order(ranges.ranges, names, window)
}

/// [`count`] over the [`Ranges`] of some parts of the store, each made from the periods of its own
/// municipalities; `names` is [`series_names`]. `None` when two parts have a municipality in common:
/// a citizen's periods in one municipality must be merged together, so such parts cannot be counted
/// apart (the store keeps each municipality's cases in one file, so parts read per file never do).
pub fn count_ranges(parts: Vec<Ranges>, names: &[String], window: Window) -> Option<Counts> {
    // Each part's municipalities come in order; the parts, put in the order of their first, must then
    // follow each other without a municipality in two.
    let mut parts: Vec<Vec<Range>> = parts.into_iter().map(|p| p.ranges).filter(|r| !r.is_empty()).collect();
    parts.sort_unstable_by_key(|r| r[0].kommune);
    if parts.windows(2).any(|w| w[0][w[0].len() - 1].kommune >= w[1][0].kommune) {
        return None;
    }
    let mut ranges = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for part in parts {
        ranges.extend(part);
    }
    Some(count_in_order(ranges, names, window))
}

/// The counts of ranges in (kommune, serie, person, start) order.
fn count_in_order(mut ranges: Vec<Range>, names: &[String], window: Window) -> Counts {
    let slot = |r: &Range| (usize::from(r.kommune), usize::from(r.serie));

    let n = names.len();
    let mut recipients = Dense::new(window, n, KOMMUNER);
    recipient_changes(&mut recipients, &ranges, slot);
    // Days: each range's days in its first and last quarter, and +1/−1 for the whole quarters between.
    let (mut partial, mut whole) = (Dense::new(window, n, KOMMUNER), Dense::new(window, n, KOMMUNER));
    // The slots with a range, each once: the ranges come in slot order.
    let mut present: Vec<(usize, usize)> = Vec::new();
    for r in &ranges {
        let (kk, ss) = slot(r);
        if present.last() != Some(&(kk, ss)) {
            present.push((kk, ss));
        }
        let (qa, qb) = (i64::from(r.qa), i64::from(r.qb));
        partial.add(kk, ss, qa, i64::from(r.dage_a));
        if qb > qa {
            partial.add(kk, ss, qb, i64::from(r.dage_b));
        }
        if qb > qa + 1 {
            whole.add(kk, ss, qa + 1, 1);
            whole.add(kk, ss, qb, -1);
        }
    }
    // The national series: the same ranges in (serie, person, qa) order, across municipalities (the
    // order among equal keys does not change the changes).
    ranges.par_sort_unstable_by_key(national_order);
    let mut national = Dense::new(window, n, 1);
    recipient_changes(&mut national, &ranges, |r| (0, usize::from(r.serie)));
    drop(ranges);

    let qs = window.quarters();
    let mut counts = Counts { window: Some(window), ..Counts::default() };
    let mut national_days = vec![vec![0i64; qs.len()]; n];
    for (kk, ss) in present {
        let (r, p, w) = (recipients.at(kk, ss), partial.at(kk, ss), whole.at(kk, ss));
        let series = counts.kommune.entry((kk as u16, names[ss].clone())).or_default();
        let (mut run, mut full) = (0, 0);
        for (i, q) in qs.iter().enumerate() {
            run += r[i];
            full += w[i];
            let days = full * q.days() + p[i];
            national_days[ss][i] += days;
            if run > 0 {
                series.insert(*q, Tal { modtagere: run as u32, helaarsaekvivalenter: days as f64 / q.days() as f64 });
            }
        }
    }
    for (ss, name) in names.iter().enumerate() {
        let r = national.at(0, ss);
        let mut run = 0;
        for (i, q) in qs.iter().enumerate() {
            run += r[i];
            if run > 0 {
                let d = national_days[ss][i];
                counts
                    .national
                    .entry(name.clone())
                    .or_default()
                    .insert(*q, Tal { modtagere: run as u32, helaarsaekvivalenter: d as f64 / q.days() as f64 });
            }
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use godkend_model::Kvartal;
    use godkend_model::dato::date;

    fn range(serie: u16, person: u64, qa: i32) -> Range {
        Range { person, kommune: 0, serie, qa, qb: qa, dage_a: 1, dage_b: 1 }
    }

    /// The packed key orders every range as the tuple (serie, person, qa) does, negative quarters and
    /// the extremes included.
    #[test]
    fn the_national_order_is_the_tuples_order() {
        let (mut x, mut ranges) = (0x9e37_79b9_7f4a_7c15_u64, Vec::new());
        let persons = [0, 1, u64::MAX, u64::MAX - 1, 1 << 63];
        let quarters = [i32::MIN, -1, 0, 1, 44, i32::MAX];
        for i in 0..2_000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let person = if i % 3 == 0 { persons[(x >> 60) as usize % persons.len()] } else { x };
            let qa = if i % 2 == 0 { quarters[(x >> 50) as usize % quarters.len()] } else { (x >> 33) as i32 };
            ranges.push(range((x >> 40) as u16 % 4, person, qa));
        }
        let mut tuple: Vec<(u16, u64, i32)> = ranges.iter().map(|r| (r.serie, r.person, r.qa)).collect();
        tuple.sort_unstable();
        ranges.sort_unstable_by_key(national_order);
        assert_eq!(ranges.iter().map(|r| (r.serie, r.person, r.qa)).collect::<Vec<_>>(), tuple);
    }

    /// The packed key orders periods as the tuple (kommune, serie, person, start) does, negative starts
    /// and the extremes included.
    #[test]
    fn the_period_order_is_the_tuples_order() {
        let (mut x, mut periods) = (0x2545_f491_4f6c_dd1d_u64, Vec::new());
        let persons = [0, 1, u64::MAX, u64::MAX - 1, 1 << 63];
        let days = [i32::MIN, -1, 0, 1, 20_000, OPEN, i32::MAX];
        for i in 0..3_000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let person = if i % 3 == 0 { persons[(x >> 60) as usize % persons.len()] } else { x % 50 };
            let start = if i % 2 == 0 { days[(x >> 50) as usize % days.len()] } else { (x >> 33) as i32 };
            periods.push(([0, 101, 999, u16::MAX][(x >> 20) as usize % 4], (x >> 40) as u16 % 3, person, start, 0));
        }
        let mut tuple: Vec<(u16, u16, u64, i32)> = periods.iter().map(|p| (p.0, p.1, p.2, p.3)).collect();
        tuple.sort_unstable();
        periods.sort_unstable_by_key(period_order);
        assert_eq!(periods.iter().map(|p| (p.0, p.1, p.2, p.3)).collect::<Vec<_>>(), tuple);
    }

    fn window(fra: &str, til: &str) -> Window {
        Window { fra: fra.parse().unwrap(), til: til.parse().unwrap() }
    }

    /// A period's first and last day land in the quarter the calendar puts them in, at the window's
    /// edges and across leap days, with the days it covers in each.
    #[test]
    fn a_periods_quarters_are_the_calendars() {
        let w = window("2023K3", "2025K2");
        let clip = Clip::new(w);
        let (w0, w1) = (days(w.fra.first_day()), days(w.til.last_day()));
        for start in w0 - 3..=w1 + 3 {
            for slut in [start, start + 1, start + 91, start + 400, OPEN] {
                let got = clip.range((101, 0, 7, start, slut));
                let (a, b) = (start.max(w0), slut.min(w1));
                if a > b {
                    assert!(got.is_none(), "{start}..{slut}");
                    continue;
                }
                let r = got.expect("touches the window");
                let (qa, qb) = (Kvartal::of_date(date(a)), Kvartal::of_date(date(b)));
                assert_eq!((r.qa, r.qb), (qa.index(), qb.index()), "{start}..{slut}");
                assert_eq!(r.dage_a, b.min(days(qa.last_day())) - a + 1);
                assert_eq!(r.dage_b, b - days(qb.first_day()) + 1);
            }
        }
    }

    /// Periods of 40 citizens in three municipalities and three series, some overlapping, adjacent or
    /// outside the window, some citizens in more than one municipality.
    fn some_periods() -> Vec<Periode> {
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let base = days(chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap());
        (0..3_000)
            .map(|_| {
                let kommune = [101, 147, 825][(next() % 3) as usize];
                let start = base + (next() % 1_200) as i32;
                let slut = if next() % 5 == 0 { OPEN } else { start + (next() % 200) as i32 };
                (kommune, (next() % 3) as u16, next() % 40, start, slut)
            })
            .collect()
    }

    /// Recipients against their definition, by brute force: the distinct citizens with a period that
    /// touches the quarter — per municipality and series, and across municipalities for the nation.
    #[test]
    fn recipients_are_the_distinct_citizens_with_a_period_in_the_quarter() {
        let (w, names) = (window("2023K2", "2025K4"), vec!["a".to_string(), "b".to_string(), "c".to_string()]);
        let periods = some_periods();
        let counts = count_periods(periods.clone(), &names, w);
        for q in w.quarters() {
            let (first, last) = (days(q.first_day()), days(q.last_day()));
            let touching = |p: &&Periode| p.3 <= last && p.4 >= first;
            for (s, name) in names.iter().enumerate() {
                let in_series = || periods.iter().filter(|p| usize::from(p.1) == s).filter(touching);
                let nation: std::collections::BTreeSet<u64> = in_series().map(|p| p.2).collect();
                assert_eq!(counts.national(name, q).modtagere as usize, nation.len(), "{name} {q}");
                for k in [101, 147, 825] {
                    let here: std::collections::BTreeSet<u64> = in_series().filter(|p| p.0 == k).map(|p| p.2).collect();
                    assert_eq!(counts.get(k, name, q).modtagere as usize, here.len(), "{k} {name} {q}");
                }
            }
        }
    }

    /// The counts of each municipality's ranges, made apart and given in any order, are those of all
    /// the periods at once; parts with a municipality in common are refused, not miscounted.
    #[test]
    fn municipalities_counted_apart_count_as_all_at_once() {
        let (w, names) = (window("2023K2", "2025K4"), vec!["a".to_string(), "b".to_string(), "c".to_string()]);
        let periods = some_periods();
        let all = count_periods(periods.clone(), &names, w);
        let part = |k: u16| ranges(periods.iter().copied().filter(|p| p.0 == k).collect(), w);
        let apart = count_ranges(vec![part(825), part(101), part(147)], &names, w).expect("disjoint parts");
        assert_eq!(format!("{apart:?}"), format!("{all:?}"));
        assert!(all.kommune.len() == 9 && all.national.len() == 3, "{all:?}");

        let (a, b): (Vec<Periode>, Vec<Periode>) = periods.iter().partition(|p| p.2 % 2 == 0);
        assert!(count_ranges(vec![ranges(a, w), ranges(b, w)], &names, w).is_none());
    }
}
