//! Counting: recipients and full-time equivalents per kommune × service series × quarter from the case
//! store (plain Rust over the live-case frame's columns), the counts kept between runs, the start dates the systemskifte rule reads, and the
//! systemskifte report's own counts around a go-live date, and the publication's breakdowns by sex, age
//! group and year (`fordeling`).
//!
//! It fills godkend-model's `Counts`; it knows no rule, threshold or output format.

pub mod count;
pub mod fordeling;
pub mod kept;
pub mod starts;
pub mod systemskifte;

pub use count::count;
pub use starts::starts;

use godkend_model::counts::Startdatoer;
use godkend_model::{Counts, Reference, Window};
use godkend_store::CaseStore;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] godkend_store::Error),
    #[error("optællingen fejlede: {0}")]
    Polars(#[from] polars_core::error::PolarsError),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

impl Error {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Error::Store(e) => e.hint(),
            Error::Polars(_) => Some("lageret kan være beskadiget; indlæs leveringerne igen i et nyt lager"),
            Error::Io { .. } => Some("tjek at mappen kan skrives i, og at disken ikke er fuld"),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What counting gives a run: every municipality's counts (and the national series) and the start
/// dates of the cases read.
#[derive(Debug)]
pub struct Counted {
    pub counts: Counts,
    pub starts: Startdatoer,
    /// The key the counts are kept under ([`kept::key`]), when they are kept.
    pub key: Option<String>,
}

/// Counts the store over `window`. The national series and HB need every municipality, also when
/// one report is made (`only`): counts kept in `kept` by an earlier run of the same store are then
/// used, with the start dates kept beside them; without those, only that report's own cases are read (for
/// its start dates). Without kept counts the nation is counted, and counts and start dates are kept
/// when `kept` is given.
pub fn count_store(
    store: &CaseStore,
    reference: &Reference,
    window: Window,
    kept: Option<&Path>,
    only: Option<&BTreeSet<u16>>,
) -> Result<Counted> {
    let year = window.til.year();
    let with_cases = store.kommuner()?;
    let key = kept.map(|_| kept::key(store, reference, window)).transpose()?;
    let loaded = kept.zip(key.as_deref()).and_then(|(dir, key)| kept::load(dir, year, key, window));
    // With kept counts, the start dates kept beside them: then no case is read at all.
    let kept_starts = match (&loaded, kept.zip(key.as_deref())) {
        (Some(_), Some((dir, key))) => kept::load_starts(dir, year, key, only),
        _ => None,
    };
    let loaded = match (loaded, kept_starts) {
        (Some(counts), Some(starts)) => return Ok(Counted { counts, starts, key }),
        (loaded, None) => loaded,
        (None, Some(_)) => unreachable!("start dates are loaded only with counts"),
    };
    // Every municipality's start dates are read below unless one report's alone are.
    let all_starts = loaded.is_none() || only.is_none();
    let case_kommuner: Vec<u16> = match (&loaded, only) {
        (Some(_), Some(only)) => with_cases.iter().copied().filter(|k| only.contains(k)).collect(),
        _ => with_cases,
    };
    // Each municipality's live cases are read, turned into quarter ranges and start dates, and dropped,
    // two at a time (one per core, [`godkend_store::per_core`]): the nation's cases are never in memory
    // at once (at ten times national scale they held most of the run's 12.7 GB, docs/PERFORMANCE.md).
    // A municipality's periods are sorted and merged on the thread that read them (the store keeps its
    // cases in its own file); counting needs the ranges of all (the national series counts distinct
    // citizens across municipalities).
    let names = count::series_names(reference);
    let want_periods = loaded.is_none();
    let read = godkend_store::per_core_heaviest_first(
        case_kommuner.clone(),
        |&k| store.case_bytes(k),
        |k| -> Result<_> {
            let cases = store.live_cases(&[k])?;
            let ranges = (want_periods && cases.height() > 0)
                .then(|| count::periods(&cases, reference, &names))
                .transpose()?
                .map(|periods| count::ranges(periods, window));
            Ok((cases.height(), ranges, starts::starts(&cases, window)?))
        },
    )?;
    let any_cases = read.iter().any(|(height, _, _)| *height > 0);
    let mut parts = Vec::with_capacity(read.len());
    let mut starts = Startdatoer::new();
    for (_, r, s) in read {
        parts.extend(r);
        starts.extend(s);
    }
    if let (true, Some(dir), Some(key)) = (all_starts, kept, &key) {
        // As the counts below: keeping them saves time later and changes no figure.
        let _ = kept::save_starts(dir, year, key, &starts);
    }
    let counts = match loaded {
        Some(counts) => counts,
        None if !any_cases => Counts { window: Some(window), ..Counts::default() },
        None => {
            let counts = match count::count_ranges(parts, &names, window) {
                Some(counts) => counts,
                // A case filed under another municipality's file (the store never writes one): counted
                // from all the cases at once, as the parts cannot be.
                None => count::count(store.live_cases(&case_kommuner)?, reference, window)?,
            };
            if let (Some(dir), Some(key)) = (kept, &key) {
                // Keeping them only saves time later; a folder that cannot take them changes no figure.
                let _ = kept::save(dir, year, key, &counts);
            }
            counts
        }
    };
    Ok(Counted { starts, counts, key })
}
