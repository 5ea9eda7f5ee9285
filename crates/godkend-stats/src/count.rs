//! Recipients (distinct citizens) and full-time equivalents per kommune × series × quarter, with polars.
//!
//! A citizen's overlapping and adjacent periods in one series (and one handlekommune) are merged first,
//! so a citizen counts once per quarter and their days are not counted twice. Each merged period then
//! becomes a quarter range with its days in the first and last quarter; the counts are running sums of
//! the changes at the ends of the ranges, so the work grows with the number of periods, not with how
//! many quarters they span (no row per period and quarter).

use crate::Result;
use godkend_model::{Kvartal, Reference};
use polars::prelude::*;
use std::collections::BTreeMap;

/// The quarters counted: from the first quarter with deliveries to K4 of the report year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub fra: Kvartal,
    pub til: Kvartal,
}

impl Window {
    pub fn quarters(&self) -> Vec<Kvartal> {
        self.fra.through(self.til).collect()
    }
}

/// One figure of a series.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct Tal {
    pub modtagere: u32,
    pub helaarsaekvivalenter: f64,
}

/// All counts: per (kommune, series) a value for every quarter of the window (zeros included),
/// and the national series (distinct citizens across municipalities).
#[derive(Clone, Debug, Default)]
pub struct Counts {
    pub window: Option<Window>,
    pub kommune: BTreeMap<(u16, String), BTreeMap<Kvartal, Tal>>,
    pub national: BTreeMap<String, BTreeMap<Kvartal, Tal>>,
}

impl Counts {
    pub fn get(&self, kommune: u16, serie: &str, q: Kvartal) -> Tal {
        self.kommune.get(&(kommune, serie.to_string())).and_then(|m| m.get(&q)).copied().unwrap_or_default()
    }

    pub fn national(&self, serie: &str, q: Kvartal) -> Tal {
        self.national.get(serie).and_then(|m| m.get(&q)).copied().unwrap_or_default()
    }
}

const EPOCH: chrono::NaiveDate = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");

fn days(d: chrono::NaiveDate) -> i32 {
    (d - EPOCH).num_days() as i32
}

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
    Ok(sorted
        .with_column(same.fill_null(lit(false)).not().cast(DataType::Int64).cum_sum(false).alias("g"))
        .with_column((col("g") * lit(GROUP) + col("slut")).cum_max(false).shift(lit(1)).alias("reach"))
        .with_column(
            col("reach")
                .is_null()
                .or((col("g") * lit(GROUP) + col("start")).gt(col("reach") + lit(1)))
                .or(col("g").neq(col("g").shift(lit(1))))
                .cast(DataType::Int64)
                .cum_sum(false)
                .alias("blok"),
        )
        .group_by_stable([col("blok")]) // in sort order, which `recipient_changes` relies on
        .agg([
            col("kommunekode").first(),
            col("serie").first(),
            col("person").first(),
            col("start").min(),
            col("slut").max(),
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

/// Running totals per key and quarter, built from changes: `add(key, q, d)` adds d from quarter q on.
/// Summing changes instead of listing every (period, quarter) keeps the work proportional to the
/// number of periods, not to their length.
#[derive(Default)]
struct Changes<K: Ord> {
    at: BTreeMap<K, BTreeMap<i32, i64>>,
}

impl<K: Ord + Clone> Changes<K> {
    fn read(&mut self, df: &DataFrame, key: impl Fn(usize) -> Option<K>, q: &str, d: &str) -> Result<()> {
        let (q, d) = (df.column(q)?.cast(&DataType::Int32)?, df.column(d)?.cast(&DataType::Int64)?);
        let (q, d) = (q.i32()?, d.i64()?);
        for i in 0..df.height() {
            let (Some(k), Some(q), Some(d)) = (key(i), q.get(i), d.get(i)) else { continue };
            *self.at.entry(k).or_default().entry(q).or_default() += d;
        }
        Ok(())
    }

    /// The running total of every key in every quarter of the window.
    fn totals(&self, window: Window) -> BTreeMap<K, Vec<i64>> {
        let qs = window.quarters();
        self.at
            .iter()
            .map(|(k, changes)| {
                let mut run = 0;
                let v = qs.iter().map(|q| {
                    run += changes.get(&q.index()).copied().unwrap_or(0);
                    run
                });
                (k.clone(), v.collect())
            })
            .collect()
    }
}

/// Changes in the number of distinct citizens per `keys` × quarter. Taken in (keys, person, qa) order,
/// each range adds only the quarters beyond the furthest its citizen already had (two periods may touch
/// the same quarter): +1 from there, −1 after `qb`. `sorted`: the rows are already in that order.
fn recipient_changes(ranges: LazyFrame, keys: &[&str], sorted: bool) -> Result<DataFrame> {
    const GROUP: i64 = 1_000_000; // > any quarter index: keeps citizens apart in a global cum_max
    let key_cols = || keys.iter().map(|k| col(*k));
    let mut same = col("person").eq(col("person").shift(lit(1)));
    for k in keys {
        same = same.and(col(*k).eq(col(*k).shift(lit(1))));
    }
    let mut frame = ranges.select(key_cols().chain([col("person"), col("qa"), col("qb")]).collect::<Vec<_>>());
    if !sorted {
        let order: Vec<&str> = keys.iter().copied().chain(["person", "qa"]).collect();
        frame = frame.sort(order, SortMultipleOptions::default());
    }
    let base = col("g") * lit(GROUP);
    let ranges = frame
        .with_column(same.fill_null(lit(false)).not().cast(DataType::Int64).cum_sum(false).alias("g"))
        .with_column((base.clone() + col("qb").cast(DataType::Int64)).cum_max(false).shift(lit(1)).alias("reach"))
        .with_column(
            when(col("reach").is_null().or(col("reach").lt(base.clone())))
                .then(col("qa").cast(DataType::Int64))
                .otherwise(larger(col("qa").cast(DataType::Int64), col("reach") - base + lit(1)))
                .alias("fra"),
        )
        .filter(col("fra").lt_eq(col("qb").cast(DataType::Int64)));
    let plus =
        ranges.clone().select(key_cols().chain([col("fra").alias("q"), lit(1i64).alias("d")]).collect::<Vec<_>>());
    let minus = ranges.select(
        key_cols()
            .chain([(col("qb").cast(DataType::Int64) + lit(1)).alias("q"), lit(-1i64).alias("d")])
            .collect::<Vec<_>>(),
    );
    let by: Vec<Expr> = key_cols().chain([col("q")]).collect();
    Ok(concat([plus, minus], UnionArgs::default())?.group_by(by).agg([col("d").sum()]).collect()?)
}

fn larger(a: Expr, b: Expr) -> Expr {
    when(a.clone().gt(b.clone())).then(a).otherwise(b)
}

/// Changes in service-days per (kommune, serie) × quarter: each period's days in its first and last
/// quarter (`dage`), and +1/−1 for the whole quarters between them (`hele`).
fn day_changes(ranges: LazyFrame) -> Result<(DataFrame, DataFrame)> {
    let keys = [col("kommunekode"), col("serie"), col("q")];
    let first =
        ranges.clone().select([col("kommunekode"), col("serie"), col("qa").alias("q"), col("dage_a").alias("dage")]);
    let last = ranges.clone().filter(col("qb").gt(col("qa"))).select([
        col("kommunekode"),
        col("serie"),
        col("qb").alias("q"),
        col("dage_b").alias("dage"),
    ]);
    let partial = concat([first, last], UnionArgs::default())?
        .group_by(keys.clone())
        .agg([col("dage").cast(DataType::Int64).sum()])
        .collect()?;
    let inner = ranges.filter(col("qb").gt(col("qa") + lit(1)));
    let start = inner.clone().select([
        col("kommunekode"),
        col("serie"),
        (col("qa") + lit(1)).alias("q"),
        lit(1i64).alias("hele"),
    ]);
    let end = inner.select([col("kommunekode"), col("serie"), col("qb").alias("q"), lit(-1i64).alias("hele")]);
    let whole = concat([start, end], UnionArgs::default())?.group_by(keys).agg([col("hele").sum()]).collect()?;
    Ok((partial, whole))
}

/// Counts every municipality's series over the window, and the national series.
///
/// Recipients are distinct citizens (across municipalities for the national series); full-time
/// equivalents are service-days over the quarter's days, with a citizen's days merged within one
/// municipality (the national figure is the sum of the municipalities').
pub fn count(cases: DataFrame, reference: &Reference, window: Window) -> Result<Counts> {
    let (series, names) = series_frame(reference)?;
    let merged = merged_periods(cases, series)?;
    let ranges = clipped(&merged, window)?.collect()?.lazy();
    // `ranges` keeps the (kommune, serie, person, start) order of `merged`.
    let per_kommune = recipient_changes(ranges.clone(), &["kommunekode", "serie"], true)?;
    let national = recipient_changes(ranges.clone(), &["serie"], false)?;
    let (partial, whole) = day_changes(ranges)?;

    let kommune_key = |df: &DataFrame| -> Result<Vec<Option<(u16, String)>>> {
        let (k, s) = (df.column("kommunekode")?.i32()?, df.column("serie")?.i32()?);
        Ok((0..df.height()).map(|i| Some((k.get(i)? as u16, names[s.get(i)? as usize].clone()))).collect())
    };
    let mut recipients = Changes::default();
    let keys = kommune_key(&per_kommune)?;
    recipients.read(&per_kommune, |i| keys[i].clone(), "q", "d")?;
    let (mut part, mut full) = (Changes::default(), Changes::default());
    let keys = kommune_key(&partial)?;
    part.read(&partial, |i| keys[i].clone(), "q", "dage")?;
    let keys = kommune_key(&whole)?;
    full.read(&whole, |i| keys[i].clone(), "q", "hele")?;
    let mut national_recipients = Changes::default();
    let s = national.column("serie")?.i32()?;
    national_recipients.read(&national, |i| s.get(i).map(|nr| names[nr as usize].clone()), "q", "d")?;

    let qs = window.quarters();
    let (part, full) = (part.at, full.totals(window));
    let mut counts = Counts { window: Some(window), ..Counts::default() };
    let mut national_days: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for (key, n) in recipients.totals(window) {
        let whole = full.get(&key);
        let partial = part.get(&key);
        let series = counts.kommune.entry(key.clone()).or_default();
        let nat = national_days.entry(key.1.clone()).or_insert_with(|| vec![0; qs.len()]);
        for (i, q) in qs.iter().enumerate() {
            let days =
                whole.map_or(0, |w| w[i]) * q.days() + partial.and_then(|p| p.get(&q.index())).copied().unwrap_or(0);
            nat[i] += days;
            if n[i] > 0 {
                series.insert(*q, Tal { modtagere: n[i] as u32, helaarsaekvivalenter: days as f64 / q.days() as f64 });
            }
        }
    }
    for (serie, n) in national_recipients.totals(window) {
        let days = national_days.get(&serie);
        let series = counts.national.entry(serie.clone()).or_default();
        for (i, q) in qs.iter().enumerate() {
            if n[i] > 0 {
                let d = days.map_or(0, |d| d[i]);
                series.insert(*q, Tal { modtagere: n[i] as u32, helaarsaekvivalenter: d as f64 / q.days() as f64 });
            }
        }
    }
    Ok(counts)
}
