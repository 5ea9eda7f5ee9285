//! The cases behind the flags kept between runs (docs/rapporter.md, "Kept counts"): finding them means
//! reading every one of a municipality's cases, which is most of what a run or a report with kept counts
//! still did (København: a fifth of its report). Beside the kept counts, under a key of them, of the
//! running binary and of the reference's series, `<out>/.godkend/sager-<år>-<kode>-<nøgle>.json` keeps
//! each flag's cases by what finding them reads of the flag (rule, series, period and, for piled-up start
//! dates, the date). A later run or report whose flags are all there reads no case for them; a flag
//! that is not (a new one) makes the municipality's cases be read and every flag's cases found again.

use godkend_model::Reference;
use godkend_rules::{Datakvalitet, Markering, Regel};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where the cases behind the flags are kept, and under which key.
#[derive(Clone, Copy, Debug)]
pub struct Kept<'a> {
    pub dir: &'a Path,
    pub key: &'a str,
}

/// One case behind a flag: a row of the workbook's `Sager` sheet without the flag's id.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Row {
    pub sagsid: String,
    pub ydelse: String,
    pub startdato: String,
    pub slutdato: Option<String>,
    /// What happened, in Danish: `startet`, `ophørt`, `skiftet til BL82-1`, `mangler målgruppe` …
    pub haendelse: String,
}

/// Each flag's cases by [`flag_key`].
pub type Rows = BTreeMap<String, Vec<Row>>;

/// The key of the kept cases: the kept counts' key (the store's state, the services' series, the
/// window), the running binary (a build that finds other cases never reads an older build's) and
/// the series and registers the search reads from the reference.
pub fn key(counts_key: &str, reference: &Reference) -> String {
    let mut h = Sha256::new();
    h.update(counts_key.as_bytes());
    h.update([0]);
    h.update(godkend_store::fil::binary_fingerprint().as_bytes());
    for y in reference.ydelser.values() {
        h.update(format!("{}={}:{:?};", y.kode, y.serie, y.register).as_bytes());
    }
    for s in reference.serier.values() {
        h.update(format!("{}:{:?}:{};", s.serie, s.register, s.raekkefoelge).as_bytes());
    }
    h.finalize().iter().take(12).map(|b| format!("{b:02x}")).collect()
}

/// What finding a flag's cases reads of it.
pub(crate) fn flag_key(f: &Markering, dq: &Datakvalitet) -> String {
    let dato = match f.regel {
        Regel::Systemskifte => dq
            .systemskifte
            .iter()
            .find(|p| godkend_model::Periode::Kvartal(p.kvartal) == f.kvartal)
            .map_or("", |p| p.dato.as_str()),
        _ => "",
    };
    format!("{}|{}|{}|{}", f.regel.code(), f.serie, f.kvartal, dato)
}

fn path(kept: Kept, year: i32, kommunekode: u16) -> PathBuf {
    kept.dir.join(format!("sager-{year}-{kommunekode:03}-{}.json", kept.key))
}

/// The kept cases of one municipality's flags, if kept and readable.
pub(crate) fn load(kept: Kept, year: i32, kommunekode: u16) -> Option<Rows> {
    let bytes = std::fs::read(path(kept, year, kommunekode)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Keeps `found` and removes the municipality's files of other keys. Keeping only saves time later: a
/// folder that cannot take them changes nothing.
pub(crate) fn save(kept: Kept, year: i32, kommunekode: u16, found: &Rows) {
    let target = path(kept, year, kommunekode);
    let bytes = serde_json::to_vec(found).expect("kept cases serialise");
    if std::fs::create_dir_all(kept.dir).is_err() || godkend_store::fil::write_atomic(&target, &bytes).is_err() {
        return;
    }
    let prefix = format!("sager-{year}-{kommunekode:03}-");
    if let Ok(listing) = std::fs::read_dir(kept.dir) {
        for e in listing.flatten() {
            let p = e.path();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with(&prefix) && name.ends_with(".json") && p != target {
                let _ = std::fs::remove_file(&p);
            }
        }
    }
}
