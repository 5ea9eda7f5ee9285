//! Data-quality rules and the data-quality summary: missing months, rejected records, missing target
//! groups (from the delivery log and the case store) and start dates piled on one day (systemskifte).

use crate::Result;
use crate::count::Window;
use crate::flags::{Alvor, Markering, Regel, share_severity, tal};
use godkend_ingest::store::LogEntry;
use godkend_model::{Alvor as FundAlvor, FundKode, Kvartal, Maaned, Reference, Register, Taerskler};
use polars::prelude::*;
use std::collections::BTreeMap;

/// What the report's data-quality section shows for one municipality.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Datakvalitet {
    /// The municipality whose files carry this one's rows, when it is another (Ishøj for Vallensbæk).
    pub indberettes_af: Option<u16>,
    pub leveringer: usize,
    pub afviste_leveringer: usize,
    pub poster: u64,
    pub afviste_poster: u64,
    pub andel_afviste_poster: f64,
    pub manglende_maaneder: Vec<String>,
    /// Rejections per finding code (record and delivery level) over the year's deliveries.
    pub afvisningsaarsager: BTreeMap<String, u64>,
    pub voksensager: u64,
    pub voksensager_uden_maalgruppe: u64,
    pub andel_uden_maalgruppe: f64,
    pub systemskifte: Vec<Startophobning>,
}

/// A quarter whose start dates pile up on one date.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Startophobning {
    pub kvartal: String,
    pub dato: String,
    pub starter_paa_datoen: u64,
    pub starter_i_kvartalet: u64,
    pub andel: f64,
}

pub struct QualityInput<'a> {
    pub reference: &'a Reference,
    pub taerskler: &'a Taerskler,
    pub year: i32,
    pub window: Window,
    pub log: &'a [LogEntry],
    pub cases: &'a DataFrame,
}

/// Data-quality summaries and flags for the given municipalities.
pub fn quality(input: &QualityInput, kommuner: &[u16]) -> Result<(BTreeMap<u16, Datakvalitet>, Vec<Markering>)> {
    let targets = target_groups(input)?;
    let piles = start_piles(input)?;
    let mut summaries = BTreeMap::new();
    let mut flags = Vec::new();
    for &k in kommuner {
        let mut dq = deliveries(input, k, &mut flags);
        let (total, missing) = targets.get(&k).copied().unwrap_or((0, 0));
        dq.voksensager = total;
        dq.voksensager_uden_maalgruppe = missing;
        dq.andel_uden_maalgruppe = round2(share(missing, total));
        let t = &input.taerskler.manglende_maalgruppe;
        if let Some(alvor) = share_severity(dq.andel_uden_maalgruppe, t) {
            let mut m = whole(k, input.year.to_string(), Regel::ManglendeMaalgruppe, alvor, true);
            m.tal = BTreeMap::from([
                ("uden".into(), missing as f64),
                ("i_alt".into(), total as f64),
                ("procent".into(), round1(dq.andel_uden_maalgruppe)),
            ]);
            m.taerskel = format!("gul > {} %, rød > {} %", tal(t.gul_over, 0), tal(t.roed_over, 0));
            m.forklaring = format!(
                "{} % af voksensagerne i {} ({} af {}) mangler målgruppe; grænsen for gul er {} % og for rød {} %.",
                tal(dq.andel_uden_maalgruppe, 1),
                input.year,
                tal(missing as f64, 0),
                tal(total as f64, 0),
                tal(t.gul_over, 0),
                tal(t.roed_over, 0)
            );
            flags.push(m);
        }
        for pile in piles.get(&k).into_iter().flatten() {
            let q: Kvartal = pile.kvartal.parse().expect("quarter we formatted");
            let mut m = whole(k, pile.kvartal.clone(), Regel::Systemskifte, Alvor::Gul, q.year() == input.year);
            m.tal = BTreeMap::from([
                ("paa_datoen".into(), pile.starter_paa_datoen as f64),
                ("i_kvartalet".into(), pile.starter_i_kvartalet as f64),
                ("procent".into(), round1(pile.andel)),
            ]);
            m.taerskel =
                format!("≥ {} % af kvartalets starter på én dato", tal(input.taerskler.systemskifte.gul_mindst, 0));
            m.forklaring = format!(
                "{} % af startdatoerne i {} ({} af {}) ligger på {} – typisk for et systemskifte, hvor startdatoer nulstilles.",
                tal(pile.andel, 0),
                pile.kvartal,
                pile.starter_paa_datoen,
                pile.starter_i_kvartalet,
                pile.dato
            );
            flags.push(m);
        }
        dq.systemskifte = piles.get(&k).cloned().unwrap_or_default();
        summaries.insert(k, dq);
    }
    Ok((summaries, flags))
}

fn share(part: u64, total: u64) -> f64 {
    if total == 0 { 0.0 } else { part as f64 / total as f64 * 100.0 }
}

/// Shares are stored to two decimals (percent); flags compare the stored value, so a report and its
/// flags never disagree about a share.
fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// A flag on the municipality's data as a whole (no series).
fn whole(kommune: u16, kvartal: String, regel: Regel, alvor: Alvor, i_rapportaaret: bool) -> Markering {
    Markering::new(kommune, None, "", "", kvartal, regel, alvor, i_rapportaaret)
}

/// Delivery-log figures for the report year, and the missing-month and rejected-share flags.
fn deliveries(input: &QualityInput, kommune: u16, flags: &mut Vec<Markering>) -> Datakvalitet {
    let reporter = input.reference.reporter_of(kommune);
    let year = input.year.to_string();
    let of_year: Vec<&LogEntry> =
        input.log.iter().filter(|e| e.kommunekode == reporter && e.maaned.starts_with(&year)).collect();
    let mut dq = Datakvalitet {
        indberettes_af: (reporter != kommune).then_some(reporter),
        leveringer: of_year.len(),
        afviste_leveringer: of_year.iter().filter(|e| e.is_rejected()).count(),
        poster: of_year.iter().map(|e| e.raekker).sum(),
        afviste_poster: of_year.iter().map(|e| e.afviste).sum(),
        ..Datakvalitet::default()
    };
    dq.andel_afviste_poster = round2(share(dq.afviste_poster, dq.poster));
    for e in &of_year {
        let counts: BTreeMap<String, u64> = serde_json::from_str(&e.fund).unwrap_or_default();
        for (code, n) in counts {
            if FundKode::parse(&code).is_some_and(|k| matches!(k.alvor(), FundAlvor::Fejl | FundAlvor::Fatal)) {
                *dq.afvisningsaarsager.entry(code).or_default() += n;
            }
        }
    }
    // Months of the year (within the counted window) without an accepted delivery.
    let first = Maaned::of_date(input.window.fra.first_day()).max(Maaned::new(input.year, 1).expect("month"));
    let last = Maaned::new(input.year, 12).expect("month");
    let mut missing_by_quarter: BTreeMap<Kvartal, Vec<String>> = BTreeMap::new();
    if first <= last {
        for m in first.through(last) {
            let ms = m.to_string();
            if !of_year.iter().any(|e| e.maaned == ms && !e.is_rejected()) {
                dq.manglende_maaneder.push(ms.clone());
                missing_by_quarter.entry(m.kvartal()).or_default().push(ms);
            }
        }
    }
    if input.taerskler.manglende_levering.roed {
        for (q, months) in missing_by_quarter {
            let mut m = whole(kommune, q.to_string(), Regel::ManglendeLevering, Alvor::Roed, true);
            m.tal = BTreeMap::from([("maaneder".into(), months.len() as f64)]);
            m.taerskel = "hver måned skal leveres".into();
            let who = if reporter != kommune {
                format!(" (kommune {reporter:03} indberetter for kommunen)")
            } else {
                String::new()
            };
            m.forklaring = format!("Der er ingen godkendt levering for {}{who}.", months.join(", "));
            flags.push(m);
        }
    }
    let t = &input.taerskler.afviste_poster;
    if let Some(alvor) = share_severity(dq.andel_afviste_poster, t) {
        let mut m = whole(kommune, year.clone(), Regel::AfvistePoster, alvor, true);
        m.tal = BTreeMap::from([
            ("afviste".into(), dq.afviste_poster as f64),
            ("poster".into(), dq.poster as f64),
            ("procent".into(), round1(dq.andel_afviste_poster)),
        ]);
        m.taerskel = format!("gul > {} %, rød > {} %", tal(t.gul_over, 0), tal(t.roed_over, 0));
        m.forklaring = format!(
            "{} % af årets poster blev afvist ({} af {}); grænsen for gul er {} % og for rød {} %.",
            tal(dq.andel_afviste_poster, 1),
            tal(dq.afviste_poster as f64, 0),
            tal(dq.poster as f64, 0),
            tal(t.gul_over, 0),
            tal(t.roed_over, 0)
        );
        flags.push(m);
    }
    dq
}

/// Per municipality: adult cases active in the report year, and how many lack a target group.
fn target_groups(input: &QualityInput) -> Result<BTreeMap<u16, (u64, u64)>> {
    if input.cases.height() == 0 {
        return Ok(BTreeMap::new());
    }
    let adult: Vec<&str> =
        input.reference.ydelser.values().filter(|y| y.register == Register::Voksne).map(|y| y.kode.as_str()).collect();
    let (y0, y1) = (
        chrono::NaiveDate::from_ymd_opt(input.year, 1, 1).expect("date"),
        chrono::NaiveDate::from_ymd_opt(input.year, 12, 31).expect("date"),
    );
    let df = input
        .cases
        .clone()
        .lazy()
        .filter(
            col("ydelse")
                .is_in(lit(Series::new("v".into(), adult)).implode(false), false)
                .and(col("startdato").lt_eq(lit(y1)))
                .and(col("slutdato").is_null().or(col("slutdato").gt_eq(lit(y0)))),
        )
        .group_by([col("kommunekode")])
        .agg([
            len().cast(DataType::UInt64).alias("i_alt"),
            col("maalgruppe").null_count().cast(DataType::UInt64).alias("uden"),
        ])
        .collect()?;
    let (k, n, u) = (df.column("kommunekode")?.i32()?, df.column("i_alt")?.u64()?, df.column("uden")?.u64()?);
    Ok((0..df.height()).filter_map(|i| Some((k.get(i)? as u16, (n.get(i)?, u.get(i)?)))).collect())
}

/// Per municipality: the quarters (within the window) whose starts pile up on one date.
fn start_piles(input: &QualityInput) -> Result<BTreeMap<u16, Vec<Startophobning>>> {
    if input.cases.height() == 0 {
        return Ok(BTreeMap::new());
    }
    let (w0, w1) = (input.window.fra.first_day(), input.window.til.last_day());
    let df = input
        .cases
        .clone()
        .lazy()
        .filter(col("startdato").gt_eq(lit(w0)).and(col("startdato").lt_eq(lit(w1))))
        .group_by([col("kommunekode"), col("startdato")])
        .agg([len().cast(DataType::UInt64).alias("n")])
        .collect()?;
    let (k, d, n) =
        (df.column("kommunekode")?.i32()?, df.column("startdato")?.date()?.physical(), df.column("n")?.u64()?);
    // (kommune, quarter) → (starts, busiest date, its starts)
    let mut per: BTreeMap<(u16, Kvartal), (u64, i32, u64)> = BTreeMap::new();
    for i in 0..df.height() {
        let (Some(k), Some(days), Some(n)) = (k.get(i), d.get(i), n.get(i)) else { continue };
        let date =
            chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch") + chrono::Duration::days(i64::from(days));
        let e = per.entry((k as u16, Kvartal::of_date(date))).or_insert((0, 0, 0));
        e.0 += n;
        if n > e.2 || (n == e.2 && days < e.1) {
            e.1 = days;
            e.2 = n;
        }
    }
    let t = &input.taerskler.systemskifte;
    let mut out: BTreeMap<u16, Vec<Startophobning>> = BTreeMap::new();
    for ((k, q), (total, day, on_day)) in per {
        let andel = share(on_day, total);
        if total >= u64::from(t.min_starter) && andel >= t.gul_mindst {
            let dato =
                chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch") + chrono::Duration::days(i64::from(day));
            out.entry(k).or_default().push(Startophobning {
                kvartal: q.to_string(),
                dato: dato.to_string(),
                starter_paa_datoen: on_day,
                starter_i_kvartalet: total,
                andel: round1(andel),
            });
        }
    }
    Ok(out)
}
