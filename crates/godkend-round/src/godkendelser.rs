//! The municipalities' approvals (`--godkendelser`): a CSV with `kommunekode;dato;godkendt_af`, one
//! line per approval DST has received. A municipality that approved more than once counts by its
//! latest approval.

use crate::{Error, Result};
use godkend_model::Reference;
use godkend_model::tekst::{capped, renset};
use std::collections::BTreeMap;
use std::path::Path;

/// One municipality's approval of its data for the report year.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Godkendelse {
    /// `YYYY-MM-DD`.
    pub dato: String,
    /// Who approved (a name or a title, as the municipality wrote it).
    pub godkendt_af: String,
}

const COLUMNS: [&str; 3] = ["kommunekode", "dato", "godkendt_af"];

/// More lines than municipalities many times over is not an approvals file.
const MAX_LINES: usize = 10_000;

/// Reads the approvals file; any line that cannot be read is an error naming the line (an approval
/// must never be guessed).
pub fn read(path: &Path, reference: &Reference) -> Result<BTreeMap<u16, Godkendelse>> {
    let err = |line: usize, message: String| Error::Godkendelser { path: path.to_path_buf(), line, message };
    let bytes = godkend_model::sidefil::read(path).map_err(|e| Error::File {
        path: path.to_path_buf(),
        message: godkend_model::tekst::io_fejl(&e),
        hint: "--godkendelser tager godkendelsesfilen (CSV: kommunekode;dato;godkendt_af); tjek stien",
    })?;
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes))
        .map_err(|_| err(1, "ikke UTF-8; gem filen som CSV UTF-8".into()))?;
    let mut lines = text.lines().enumerate();
    let header: Vec<String> = lines
        .next()
        .ok_or_else(|| err(1, "filen er tom".into()))?
        .1
        .split(';')
        .map(|h| h.trim().to_lowercase())
        .collect();
    let mut at = [0usize; 3];
    for (i, name) in COLUMNS.iter().enumerate() {
        at[i] = header.iter().position(|h| h == name).ok_or_else(|| err(1, format!("kolonnen `{name}` mangler")))?;
    }
    let mut out: BTreeMap<u16, Godkendelse> = BTreeMap::new();
    for (i, line) in lines {
        let n = i + 1;
        if n > MAX_LINES {
            return Err(err(n, format!("mere end {MAX_LINES} linjer; det er ikke en godkendelsesfil")));
        }
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(';').map(str::trim).collect();
        if fields.len() != header.len() {
            return Err(err(n, format!("{} felter, overskriften har {}", fields.len(), header.len())));
        }
        let shown = |s: &str| renset(&capped(s, 20));
        let code = fields[at[0]];
        let kommunekode: u16 = code
            .parse()
            .ok()
            .filter(|k| code.len() == 3 && reference.kommune(*k).is_some())
            .ok_or_else(|| err(n, format!("kommunekode `{}` er ikke en kommunekode", shown(code))))?;
        let dato = fields[at[1]];
        // Exactly YYYY-MM-DD: chrono alone takes `+2026-03-20` and `2026-3-4`, and the text of a date is
        // what orders two approvals of one municipality.
        let is_iso = dato.len() == 10
            && dato.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
        let parsed = chrono::NaiveDate::parse_from_str(dato, "%Y-%m-%d").ok().filter(|_| is_iso);
        let Some(parsed) = parsed else {
            return Err(err(n, format!("dato `{}` er ikke en dato ÅÅÅÅ-MM-DD, fx 2026-03-05", shown(dato))));
        };
        let godkendt_af = renset(fields[at[2]]);
        if godkendt_af.is_empty() {
            return Err(err(n, "godkendt_af er tom; angiv hvem der har godkendt".into()));
        }
        let new = Godkendelse { dato: parsed.format("%Y-%m-%d").to_string(), godkendt_af };
        keep_latest(&mut out, kommunekode, new);
    }
    Ok(out)
}

/// Records `new` for `kommunekode` unless an approval of a later date is there (a municipality that
/// approved more than once counts by its latest approval).
pub fn keep_latest(approvals: &mut BTreeMap<u16, Godkendelse>, kommunekode: u16, new: Godkendelse) {
    match approvals.get(&kommunekode) {
        Some(old) if old.dato > new.dato => {}
        _ => {
            approvals.insert(kommunekode, new);
        }
    }
}
