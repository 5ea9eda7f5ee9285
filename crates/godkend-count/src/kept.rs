//! The national counts kept between runs (docs/rapporter.md, "Kept counts"): every municipality's
//! series and the national series are what make a run slow, and one municipality's report needs
//! them all (HB, the national series, the never-reported hint). `run` and `report` keep them in
//! `<out>/.godkend/optaelling-<år>-<nøgle>.parquet`, keyed by the store's committed state, the
//! service → series table, the window and this program's version; a later run or report with the same
//! key reads them instead of counting the nation again. Any other key counts afresh: a kept file
//! can be stale only if one of those did not change while the counts would have. Beside them, under the
//! same key, the start dates per municipality and quarter (`startdatoer-<år>-<nøgle>.parquet`, what the
//! systemskifte rule reads), so that a run or report with kept counts reads no case at all.

use crate::{Error, Result};
use godkend_model::counts::{Startdatoer, Starter};
use godkend_model::dato::{date, days};
use godkend_model::{Counts, Kvartal, Reference, Tal, Window};
use godkend_store::CaseStore;
use polars_core::prelude::*;
use polars_io::prelude::*;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Bumped whenever counting changes what it computes, so kept counts of an older build are not used.
const COUNTING: &str = "optaelling-1";

/// The key of the counts of `store` over `window`.
pub fn key(store: &CaseStore, reference: &Reference, window: Window) -> Result<String> {
    let mut h = Sha256::new();
    h.update(COUNTING.as_bytes());
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(store.state_fingerprint()?.as_bytes());
    for y in reference.ydelser.values() {
        h.update(format!("{}={};", y.kode, y.serie).as_bytes());
    }
    h.update(format!("{}..{}", window.fra, window.til).as_bytes());
    Ok(h.finalize().iter().take(12).map(|b| format!("{b:02x}")).collect())
}

fn path(dir: &Path, year: i32, key: &str) -> PathBuf {
    dir.join(format!("optaelling-{year}-{key}.parquet"))
}

/// The kept counts for `key`, if `dir` has them and they can be read (anything else: `None`, count).
pub fn load(dir: &Path, year: i32, key: &str, window: Window) -> Option<Counts> {
    let file = std::fs::File::open(path(dir, year, key)).ok()?;
    let df = ParquetReader::new(file).finish().ok()?;
    let get = || -> PolarsResult<Counts> {
        let k = df.column("kommunekode")?.i32()?;
        let s = df.column("serie")?.str()?;
        let q = df.column("kvartal")?.i32()?;
        let n = df.column("modtagere")?.u32()?;
        let h = df.column("helaarsaekvivalenter")?.f64()?;
        let mut counts = Counts { window: Some(window), ..Counts::default() };
        for i in 0..df.height() {
            let (Some(k), Some(s), Some(q), Some(n), Some(h)) = (k.get(i), s.get(i), q.get(i), n.get(i), h.get(i))
            else {
                continue;
            };
            let tal = Tal { modtagere: n, helaarsaekvivalenter: h };
            let q = Kvartal::from_index(q);
            if k < 0 {
                counts.national.entry(s.to_string()).or_default().insert(q, tal);
            } else {
                counts.kommune.entry((k as u16, s.to_string())).or_default().insert(q, tal);
            }
        }
        Ok(counts)
    };
    get().ok()
}

/// Keeps `counts` under `key` in `dir` (written atomically) and removes the year's older files.
pub fn save(dir: &Path, year: i32, key: &str, counts: &Counts) -> Result<()> {
    let (mut k, mut s, mut q, mut n, mut h) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut push = |kode: i32, serie: &str, series: &std::collections::BTreeMap<Kvartal, Tal>| {
        for (kv, t) in series {
            k.push(kode);
            s.push(serie.to_string());
            q.push(kv.index());
            n.push(t.modtagere);
            h.push(t.helaarsaekvivalenter);
        }
    };
    for ((kode, serie), series) in &counts.kommune {
        push(i32::from(*kode), serie, series);
    }
    for (serie, series) in &counts.national {
        push(-1, serie, series);
    }
    let mut df = DataFrame::new(
        k.len(),
        vec![
            Series::new("kommunekode".into(), k).into(),
            Series::new("serie".into(), s).into(),
            Series::new("kvartal".into(), q).into(),
            Series::new("modtagere".into(), n).into(),
            Series::new("helaarsaekvivalenter".into(), h).into(),
        ],
    )?;
    write_replacing(dir, &path(dir, year, key), &format!("optaelling-{year}-"), &mut df)
}

fn starts_path(dir: &Path, year: i32, key: &str) -> PathBuf {
    dir.join(format!("startdatoer-{year}-{key}.parquet"))
}

/// Keeps the start dates counted with the counts of `key`.
pub fn save_starts(dir: &Path, year: i32, key: &str, starts: &Startdatoer) -> Result<()> {
    let (mut k, mut q, mut n, mut d, mut on_day) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for ((kode, kvartal), s) in starts {
        k.push(i32::from(*kode));
        q.push(kvartal.index());
        n.push(s.i_kvartalet);
        d.push(days(s.dato));
        on_day.push(s.paa_datoen);
    }
    let mut df = DataFrame::new(
        k.len(),
        vec![
            Series::new("kommunekode".into(), k).into(),
            Series::new("kvartal".into(), q).into(),
            Series::new("i_kvartalet".into(), n).into(),
            Series::new("dato".into(), d).into(),
            Series::new("paa_datoen".into(), on_day).into(),
        ],
    )?;
    write_replacing(dir, &starts_path(dir, year, key), &format!("startdatoer-{year}-"), &mut df)
}

/// The kept start dates of `key` for the municipalities in `only` (all without it), if `dir` has them and
/// they can be read; `None` otherwise (the cases are read).
pub fn load_starts(
    dir: &Path,
    year: i32,
    key: &str,
    only: Option<&std::collections::BTreeSet<u16>>,
) -> Option<Startdatoer> {
    let file = std::fs::File::open(starts_path(dir, year, key)).ok()?;
    let df = ParquetReader::new(file).finish().ok()?;
    let get = || -> PolarsResult<Startdatoer> {
        let k = df.column("kommunekode")?.i32()?;
        let q = df.column("kvartal")?.i32()?;
        let n = df.column("i_kvartalet")?.u64()?;
        let d = df.column("dato")?.i32()?;
        let on_day = df.column("paa_datoen")?.u64()?;
        let mut starts = Startdatoer::new();
        for i in 0..df.height() {
            let (Some(k), Some(q), Some(n), Some(d), Some(on_day)) =
                (k.get(i), q.get(i), n.get(i), d.get(i), on_day.get(i))
            else {
                return Err(PolarsError::NoData("a kept start date without a value".into()));
            };
            let Ok(k) = u16::try_from(k) else {
                return Err(PolarsError::NoData("a kept start date of no municipality".into()));
            };
            if only.is_none_or(|only| only.contains(&k)) {
                let starter = Starter { i_kvartalet: n, dato: date(d), paa_datoen: on_day };
                starts.insert((k, Kvartal::from_index(q)), starter);
            }
        }
        Ok(starts)
    };
    get().ok()
}

/// Writes `df` to `target` atomically and removes the other files of `dir` named `<prefix>…parquet` (the
/// kept files of earlier keys).
fn write_replacing(dir: &Path, target: &Path, prefix: &str, df: &mut DataFrame) -> Result<()> {
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes).finish(df)?;
    std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
    godkend_store::fil::write_atomic(target, &bytes)?;
    if let Ok(listing) = std::fs::read_dir(dir) {
        for e in listing.flatten() {
            let p = e.path();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with(prefix) && name.ends_with(".parquet") && p != target {
                let _ = std::fs::remove_file(&p);
            }
        }
    }
    Ok(())
}
