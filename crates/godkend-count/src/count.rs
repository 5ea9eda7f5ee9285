//! Recipients (distinct citizens) and full-time equivalents per kommune × series × quarter: polars reads,
//! joins, sorts and merges; one pass over dense per-(kommune, serie) tables sums the changes.
//!
//! A citizen's overlapping and adjacent periods in one series (and one handlekommune) are merged first,
//! so a citizen counts once per quarter and their days are not counted twice. Each merged period then
//! becomes a quarter range with its days in the first and last quarter; the counts are running sums of
//! the changes at the ends of the ranges, so the work grows with the number of periods, not with how
//! many quarters they span (no row per period and quarter).

use crate::Result;
use godkend_model::dato::days;
use godkend_model::{Counts, Reference, Tal, Window};
use polars::prelude::*;

/// The service → series table as a frame, for joining. Series are numbered (`serie` is the index into
/// the returned names): sorting and grouping on a number is several times faster than on text.
fn series_frame(reference: &Reference) -> Result<(DataFrame, Vec<String>)> {
    let names: Vec<String> = reference.serier.keys().cloned().collect();
    let (mut y, mut s) = (Vec::new(), Vec::new());
    for yd in reference.ydelser.values() {
        let Ok(nr) = names.binary_search(&yd.serie) else { continue };
        y.push(yd.kode.as_str());
        s.push(nr as i32);
    }
    let df =
        DataFrame::new(y.len(), vec![Series::new("ydelse".into(), y).into(), Series::new("serie".into(), s).into()])?;
    Ok((df, names))
}

/// Quarter index (year·4 + quarter − 1) of a day number.
fn quarter_index(days: Expr) -> Expr {
    let date = days.cast(DataType::Date);
    date.clone().dt().year().cast(DataType::Int32) * lit(4)
        + (date.dt().month().cast(DataType::Int32) - lit(1)) / lit(3)
}

/// Each citizen's merged periods per (kommune, series): columns kommunekode, serie (number), person,
/// start, slut (day numbers; open ends far in the future). Computed once, counted twice.
fn merged_periods(cases: DataFrame, series: DataFrame) -> Result<DataFrame> {
    const OPEN: i64 = 1_000_000; // beyond any real end (year 4707): open periods
    const GROUP: i64 = 10_000_000; // > OPEN: spacing that keeps groups apart in a global cum_max
    let sorted = cases
        .lazy()
        .join(series.lazy(), [col("ydelse")], [col("ydelse")], JoinArgs::new(JoinType::Inner))
        .select([
            col("kommunekode"),
            col("serie"),
            col("person"),
            col("startdato").cast(DataType::Int32).cast(DataType::Int64).alias("start"),
            col("slutdato").cast(DataType::Int32).cast(DataType::Int64).fill_null(lit(OPEN)).alias("slut"),
        ])
        .sort(["kommunekode", "serie", "person", "start"], SortMultipleOptions::default());
    // Within one (kommune, serie, person), a period opens a new block unless it starts at most one
    // day after the furthest end so far. The cumulative max runs over the whole frame; lifting each
    // group by GROUP·g keeps it from seeing earlier groups.
    let same = col("kommunekode")
        .eq(col("kommunekode").shift(lit(1)))
        .and(col("serie").eq(col("serie").shift(lit(1))))
        .and(col("person").eq(col("person").shift(lit(1))));
    // A block's rows are contiguous, so no grouping is needed: lifted by GROUP·g, starts rise through
    // the whole frame, so the running max of the starts of block-opening rows is the current block's
    // start, and the running max of the ends at a block's last row is its end.
    let base = col("g") * lit(GROUP);
    Ok(sorted
        .with_column(same.fill_null(lit(false)).not().cast(DataType::Int64).cum_sum(false).alias("g"))
        .with_column((base.clone() + col("slut")).cum_max(false).alias("reach_here"))
        .with_column(col("reach_here").shift(lit(1)).alias("reach"))
        .with_column(
            col("reach")
                .is_null()
                .or((base.clone() + col("start")).gt(col("reach") + lit(1)))
                .or(col("g").neq(col("g").shift(lit(1))))
                .alias("ny_blok"),
        )
        .with_column(
            when(col("ny_blok"))
                .then(base.clone() + col("start"))
                .otherwise(lit(0i64))
                .cum_max(false)
                .alias("blok_start"),
        )
        .filter(col("ny_blok").shift(lit(-1)).fill_null(lit(true))) // the last row of each block
        .select([
            col("kommunekode"),
            col("serie"),
            col("person"),
            (col("blok_start") - base.clone()).alias("start"),
            (col("reach_here") - base).alias("slut"),
        ])
        .collect()?)
}

/// Merged periods clipped to the window, as quarter ranges: `qa`..=`qb` (quarter indices) with the days
/// the period covers in its first quarter (`dage_a`) and, when it spans more than one, its last (`dage_b`).
fn clipped(merged: &DataFrame, window: Window) -> Result<LazyFrame> {
    let (w0, w1) = (days(window.fra.first_day()), days(window.til.last_day()));
    let quarters = quarter_frame(window)?.lazy();
    let bounds = |q: &str, start: &str, slut: &str| {
        quarters.clone().select([col("q").alias(q), col("q_start").alias(start), col("q_slut").alias(slut)])
    };
    let inner = || {
        let mut args = JoinArgs::new(JoinType::Inner);
        args.maintain_order = MaintainOrderJoin::Left; // the order of `merged` is kept for counting
        args
    };
    Ok(merged
        .clone()
        .lazy()
        .with_columns([
            col("start").clip_min(lit(i64::from(w0))).cast(DataType::Int32).alias("start"),
            col("slut").clip_max(lit(i64::from(w1))).cast(DataType::Int32).alias("slut"),
        ])
        .filter(col("start").lt_eq(col("slut")))
        .with_columns([quarter_index(col("start")).alias("qa"), quarter_index(col("slut")).alias("qb")])
        .join(bounds("qa", "qa_start", "qa_slut"), [col("qa")], [col("qa")], inner())
        .join(bounds("qb", "qb_start", "qb_slut"), [col("qb")], [col("qb")], inner())
        .with_columns([
            (smaller(col("slut"), col("qa_slut")) - col("start") + lit(1)).alias("dage_a"),
            (col("slut") - col("qb_start") + lit(1)).alias("dage_b"),
        ]))
}

fn smaller(a: Expr, b: Expr) -> Expr {
    when(a.clone().lt(b.clone())).then(a).otherwise(b)
}

fn quarter_frame(window: Window) -> Result<DataFrame> {
    let qs = window.quarters();
    Ok(DataFrame::new(
        qs.len(),
        vec![
            Series::new("q".into(), qs.iter().map(|q| q.index()).collect::<Vec<i32>>()).into(),
            Series::new("q_start".into(), qs.iter().map(|q| days(q.first_day())).collect::<Vec<i32>>()).into(),
            Series::new("q_slut".into(), qs.iter().map(|q| days(q.last_day())).collect::<Vec<i32>>()).into(),
        ],
    )?)
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

/// Column `name` as i64 values. The columns read here have no nulls and fit (quarters, days, codes).
fn ints(df: &DataFrame, name: &str) -> Result<Vec<i64>> {
    Ok(df.column(name)?.cast(&DataType::Int64)?.i64()?.into_no_null_iter().collect())
}

/// The pseudonyms (u64: a cast to i64 would lose half of them).
fn persons(df: &DataFrame) -> Result<Vec<u64>> {
    Ok(df.column("person")?.u64()?.into_no_null_iter().collect())
}

/// +1 from the first quarter a range adds for its citizen, −1 after it: taken in (key, person, qa)
/// order, each range adds only the quarters beyond the furthest its citizen already had (two
/// periods may touch the same quarter). `key[i]`: the row's (kommune, serie) slot.
fn recipient_changes(into: &mut Dense, key: &[(usize, usize)], person: &[u64], qa: &[i64], qb: &[i64]) {
    let mut reach = i64::MIN;
    for i in 0..key.len() {
        let same = i > 0 && key[i] == key[i - 1] && person[i] == person[i - 1];
        if !same {
            reach = i64::MIN;
        }
        let fra = if reach >= qa[i] { reach + 1 } else { qa[i] };
        if fra <= qb[i] {
            into.add(key[i].0, key[i].1, fra, 1);
            into.add(key[i].0, key[i].1, qb[i] + 1, -1);
        }
        reach = reach.max(qb[i]);
    }
}

/// Counts every municipality's series over the window, and the national series.
///
/// Recipients are distinct citizens (across municipalities for the national series); full-time
/// equivalents are service-days over the quarter's days, with a citizen's days merged within one
/// municipality (the national figure is the sum of the municipalities').
pub fn count(cases: DataFrame, reference: &Reference, window: Window) -> Result<Counts> {
    const KOMMUNER: usize = 1000;
    let (series, names) = series_frame(reference)?;
    let merged = merged_periods(cases, series)?;
    // `ranges` keeps the (kommune, serie, person, start) order of `merged`.
    let ranges = clipped(&merged, window)?.collect()?;
    let (k, s, person) = (ints(&ranges, "kommunekode")?, ints(&ranges, "serie")?, persons(&ranges)?);
    let (qa, qb) = (ints(&ranges, "qa")?, ints(&ranges, "qb")?);
    let (dage_a, dage_b) = (ints(&ranges, "dage_a")?, ints(&ranges, "dage_b")?);
    let key: Vec<(usize, usize)> =
        k.iter().zip(&s).map(|(k, s)| ((*k as usize).min(KOMMUNER - 1), *s as usize)).collect();

    let n = names.len();
    let mut recipients = Dense::new(window, n, KOMMUNER);
    recipient_changes(&mut recipients, &key, &person, &qa, &qb);
    // Days: each range's days in its first and last quarter, and +1/−1 for the whole quarters between.
    let (mut partial, mut whole) = (Dense::new(window, n, KOMMUNER), Dense::new(window, n, KOMMUNER));
    for i in 0..key.len() {
        let (kk, ss) = key[i];
        partial.add(kk, ss, qa[i], dage_a[i]);
        if qb[i] > qa[i] {
            partial.add(kk, ss, qb[i], dage_b[i]);
        }
        if qb[i] > qa[i] + 1 {
            whole.add(kk, ss, qa[i] + 1, 1);
            whole.add(kk, ss, qb[i], -1);
        }
    }
    // The national series: the same ranges in (serie, person, qa) order, across municipalities.
    let by_citizen = ranges
        .lazy()
        .select([col("serie"), col("person"), col("qa"), col("qb")])
        .sort(["serie", "person", "qa"], SortMultipleOptions::default())
        .collect()?;
    let mut national = Dense::new(window, n, 1);
    let nat_key: Vec<(usize, usize)> = ints(&by_citizen, "serie")?.iter().map(|s| (0, *s as usize)).collect();
    let (np, nqa, nqb) = (persons(&by_citizen)?, ints(&by_citizen, "qa")?, ints(&by_citizen, "qb")?);
    recipient_changes(&mut national, &nat_key, &np, &nqa, &nqb);

    let qs = window.quarters();
    let mut counts = Counts { window: Some(window), ..Counts::default() };
    let mut national_days = vec![vec![0i64; qs.len()]; n];
    let present: std::collections::BTreeSet<(usize, usize)> = key.iter().copied().collect();
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
    Ok(counts)
}
