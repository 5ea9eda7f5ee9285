//! The dialogue across regenerations (docs/markeringer.md, "Dialogen"): each flag's state against the
//! previous report of the same year (`--forrige`), flags that no longer fire kept as resolved with
//! their comment, and comments given earlier carried to their flag so they need not be sent again.

use crate::rapport::KommuneRapport;
use crate::{Error, Result};
use godkend_rules::{Markering, Tilstand, flag_id};
use std::collections::BTreeMap;
use std::path::Path;

pub(crate) const FORRIGE: &str =
    "--forrige tager en tidligere udmappe fra samme rapportår (dens <kode>-<år>.json-filer)";

/// The previous report of municipality `kode` for `year` in `dir` (`<kode>-<år>.json`); `None` when
/// the folder has none for it (the municipality was not in that run).
pub fn read_previous(dir: &Path, kode: u16, year: i32) -> Result<Option<KommuneRapport>> {
    let path = dir.join(format!("{kode:03}-{year}.json"));
    if !path.exists() {
        return Ok(None);
    }
    let fail = |message: String| Error::File { path: path.clone(), message, hint: FORRIGE };
    let text = godkend_model::sidefil::read_to_string(&path).map_err(|e| fail(godkend_model::tekst::io_fejl(&e)))?;
    let mut old: KommuneRapport =
        serde_json::from_str(&text).map_err(|e| fail(format!("ikke en rapport-JSON: {e}")))?;
    if old.aar != year || old.kommunekode != kode {
        return Err(fail(format!(
            "er rapporten for {:03} for {}, ikke for {kode:03} for {year}; --forrige tager en tidligere udmappe fra samme år",
            old.kommunekode, old.aar
        )));
    }
    for m in &mut old.markeringer {
        if m.id.is_empty() {
            m.id = flag_id(m.kommunekode, &m.serie, m.kvartal, m.regel);
        }
    }
    Ok(Some(old))
}

/// Gives every flag its state against `previous`, carries the comments given there, and adds the
/// previous report-year flags that no longer fire as resolved (`loest`). New comments are attached
/// afterwards and replace a carried one.
pub fn carry(flags: &mut Vec<Markering>, kode: u16, previous: &KommuneRapport) {
    let before: BTreeMap<&str, &Markering> = previous.markeringer.iter().map(|m| (m.id.as_str(), m)).collect();
    let mut seen = std::collections::BTreeSet::new();
    for f in flags.iter_mut().filter(|f| f.kommunekode == kode) {
        let Some(old) = before.get(f.id.as_str()) else {
            f.tilstand = Tilstand::Ny;
            continue;
        };
        seen.insert(f.id.clone());
        f.tilstand = if old.tilstand != Tilstand::Loest && old.alvor == f.alvor && old.tal == f.tal {
            Tilstand::Uaendret
        } else {
            Tilstand::Aendret
        };
        if f.kommentar.is_none() {
            f.kommentar = old.kommentar.clone().filter(|c| !c.is_empty());
        }
    }
    for old in previous.markeringer.iter().filter(|m| m.i_rapportaaret && !seen.contains(&m.id)) {
        let mut resolved = old.clone();
        resolved.tilstand = Tilstand::Loest;
        // A resolved flag is shown on its own line, whatever cell it was answered under before.
        resolved.hoerer_til = None;
        flags.push(resolved);
    }
}
