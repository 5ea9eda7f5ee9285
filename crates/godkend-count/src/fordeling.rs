//! The publication's breakdowns that the reports do not count: recipients per kommune × series ×
//! quarter × sex × age group (age in completed years on the quarter's last day), and recipients per
//! kommune × series × calendar year (active on some day of the year). Read from the cases themselves
//! (birth date and sex are kept beside the pseudonym), one municipality at a time, in parallel.
//!
//! A citizen counts once per (kommune, series, quarter) as in [`crate::count`], so the sexes and age
//! groups of a cell add up to the report's figure; of a citizen's cases the one first by sagsid gives
//! the sex and birth date (for a CPR number they are the same on every case).

use crate::Result;
use godkend_model::cpr::age_at;
use godkend_model::{Koen, Kvartal, Reference, Window};
use godkend_store::CaseStore;
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Recipients per (kommune, series, quarter, sex, age group position in `Reference::aldersgrupper`).
pub type EfterKoenOgAlder = BTreeMap<(u16, String, Kvartal, Koen, usize), u32>;

/// Recipients per (kommune, series, year).
pub type PrAar = BTreeMap<(u16, String, i32), u32>;

#[derive(Debug, Default)]
pub struct Fordeling {
    pub efter_koen_og_alder: EfterKoenOgAlder,
    pub pr_aar: PrAar,
}

/// Counts the breakdowns of every municipality's live cases over `window` (years: every year the
/// window touches).
pub fn fordeling(store: &CaseStore, reference: &Reference, window: Window) -> Result<Fordeling> {
    let names: Vec<&String> = reference.serier.keys().collect();
    let serie_of = |ydelse: &str| {
        let serie = &reference.ydelser.get(ydelse)?.serie;
        names.binary_search(&serie).ok()
    };
    let quarters = window.quarters();
    let parts = store
        .kommuner()?
        .par_iter()
        .map(|&k| -> Result<Fordeling> {
            let cases = store.read_cases(k)?;
            // (kommune, series, quarter index, person) → (sex, age group); sorted by sagsid already.
            let mut per_quarter = Vec::new();
            let mut per_year = Vec::new();
            for sag in cases.iter().filter(|s| !s.slettet) {
                let Some(serie) = serie_of(&sag.ydelse) else { continue };
                for q in quarters.iter().filter(|q| sag.active_in(**q)) {
                    let group = reference.aldersgruppe(age_at(sag.foedselsdato, q.last_day()));
                    per_quarter.push((sag.kommunekode, serie, q.index(), sag.person, sag.koen, group));
                }
                let (first, last) = (window.fra.year(), window.til.year());
                let ends = sag.slutdato.map_or(last, |d| chrono::Datelike::year(&d).min(last));
                for year in chrono::Datelike::year(&sag.startdato).max(first)..=ends {
                    per_year.push((sag.kommunekode, serie, year, sag.person));
                }
            }
            // The first case of a citizen (stable sort keeps sagsid order) gives sex and age.
            per_quarter.sort_by_key(|r| (r.0, r.1, r.2, r.3));
            per_quarter.dedup_by_key(|r| (r.0, r.1, r.2, r.3));
            per_year.sort_unstable();
            per_year.dedup();
            let mut out = Fordeling::default();
            for (kommune, serie, q, _, koen, group) in per_quarter {
                *out.efter_koen_og_alder
                    .entry((kommune, names[serie].clone(), Kvartal::from_index(q), koen, group))
                    .or_default() += 1;
            }
            for (kommune, serie, year, _) in per_year {
                *out.pr_aar.entry((kommune, names[serie].clone(), year)).or_default() += 1;
            }
            Ok(out)
        })
        .collect::<Result<Vec<_>>>()?;
    let mut all = Fordeling::default();
    for p in parts {
        for (key, n) in p.efter_koen_og_alder {
            *all.efter_koen_og_alder.entry(key).or_default() += n;
        }
        for (key, n) in p.pr_aar {
            *all.pr_aar.entry(key).or_default() += n;
        }
    }
    Ok(all)
}
