//! Last year's approved figures (`--approved`): the `<kode>-<år−1>.json` reports of last year's run,
//! decoded into the figures the revision rule compares (`godkend_rules::revision`).

use crate::Error;
use crate::rapport::KommuneRapport;
use crate::scope::Scope;
use godkend_rules::GodkendtTal;
use std::path::Path;

const APPROVED: &str = "--approved tager sidste års udmappe (dens <kode>-<år>.json-filer)";

/// The approved figures of the scope's municipalities; a folder or file that cannot be used is pushed
/// to `skipped` (the rule is then not applied to it) and the run goes on.
pub fn read(dir: &Path, scope: &Scope, skipped: &mut Vec<Error>) -> Vec<GodkendtTal> {
    if !dir.is_dir() {
        skipped.push(Error::File {
            path: dir.to_path_buf(),
            message: "--approved er ikke en mappe; revisionsreglen anvendes ikke".into(),
            hint: APPROVED,
        });
        return Vec::new();
    }
    let mut out = Vec::new();
    for &k in &scope.kommuner {
        let path = dir.join(format!("{k:03}-{}.json", scope.year - 1));
        if !path.exists() {
            continue;
        }
        let old =
            godkend_model::sidefil::read_to_string(&path).map_err(|e| godkend_model::tekst::io_fejl(&e)).and_then(
                |text| serde_json::from_str::<KommuneRapport>(&text).map_err(|e| format!("ikke en rapport-JSON: {e}")),
            );
        let old = match old {
            Ok(old) => old,
            Err(message) => {
                let message = format!("{message}; revisionsreglen anvendes ikke på {k:03}");
                skipped.push(Error::File { path, message, hint: APPROVED });
                continue;
            }
        };
        for s in &old.serier {
            for q in &s.kvartaler {
                out.push(GodkendtTal {
                    kommunekode: k,
                    register: s.register,
                    serie: s.serie.clone(),
                    ydelse: s.ydelse.clone(),
                    kvartal: q.kvartal,
                    modtagere: q.modtagere,
                });
            }
        }
    }
    out
}
