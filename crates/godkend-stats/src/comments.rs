//! Municipalities' comments on flags: read from CSV (`;`) or XLSX files — each municipality returns its
//! own workbook, so a run takes several files or a folder of them — and matched to flags by
//! (kommunekode, series, kvartal, regel); the service may be any code of the series.

use crate::flags::{Markering, Regel};
use crate::{Error, Result};
use godkend_model::Reference;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One comment as the municipality wrote it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Kommentar {
    pub kommunekode: u16,
    pub ydelse: String,
    pub kvartal: String,
    pub regel: String,
    pub kommentar: String,
    /// The comments file's name (without its folder, so reports do not depend on where it lies).
    pub fil: String,
    /// Line in the comments file (the header is line 1).
    pub linje: usize,
}

const COLUMNS: [&str; 5] = ["kommunekode", "ydelse", "kvartal", "regel", "kommentar"];

/// Reads every comments file named, where a folder stands for its `.csv` and `.xlsx` files (sorted by
/// name; Excel's `~$` lock files and hidden files are skipped).
pub fn read_all(paths: &[PathBuf]) -> Result<Vec<Kommentar>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let listing =
                std::fs::read_dir(path).map_err(|e| Error::File { path: path.clone(), message: e.to_string() })?;
            let mut files: Vec<PathBuf> = listing
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    let name = p.file_name().unwrap_or_default().to_string_lossy();
                    let ext = p.extension().unwrap_or_default().to_ascii_lowercase();
                    !name.starts_with("~$") && !name.starts_with('.') && (ext == "csv" || ext == "xlsx")
                })
                .collect();
            files.sort();
            for f in files {
                out.extend(read(&f)?);
            }
        } else {
            out.extend(read(path)?);
        }
    }
    Ok(out)
}

/// Reads a comments file; the format follows the extension (`.xlsx`, otherwise CSV).
pub fn read(path: &Path) -> Result<Vec<Kommentar>> {
    let rows = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx")) {
        xlsx_rows(path)?
    } else {
        csv_rows(path)?
    };
    parse_rows(path, rows)
}

fn csv_rows(path: &Path) -> Result<Vec<Vec<String>>> {
    let bytes = std::fs::read(path).map_err(|e| Error::File { path: path.to_path_buf(), message: e.to_string() })?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        Error::Comments { path: path.to_path_buf(), line, message: "not UTF-8".into() }
    })?;
    let mut reader =
        csv::ReaderBuilder::new().delimiter(b';').has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| Error::Comments {
            path: path.to_path_buf(),
            line: e.position().map_or(0, |p| p.line() as usize),
            message: e.to_string(),
        })?;
        rows.push(rec.iter().map(str::to_string).collect());
    }
    Ok(rows)
}

fn xlsx_rows(path: &Path) -> Result<Vec<Vec<String>>> {
    use calamine::{Data, Reader};
    let fail = |m: String| Error::File { path: path.to_path_buf(), message: m };
    let mut wb = calamine::open_workbook_auto(path).map_err(|e| fail(format!("cannot open as XLSX: {e}")))?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or_else(|| fail("the workbook has no sheet".into()))?
        .map_err(|e| fail(e.to_string()))?;
    Ok(range
        .rows()
        .map(|row| {
            row.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
                    Data::Float(f) => f.to_string(),
                    Data::Int(i) => i.to_string(),
                    Data::Bool(b) => b.to_string(),
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect())
}

fn parse_rows(path: &Path, rows: Vec<Vec<String>>) -> Result<Vec<Kommentar>> {
    let fil = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
    let err = |line: usize, message: String| Error::Comments { path: path.to_path_buf(), line, message };
    let mut rows = rows.into_iter();
    let header: Vec<String> = rows
        .next()
        .ok_or_else(|| err(1, "the file is empty".into()))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let mut at = [0usize; 5];
    for (i, name) in COLUMNS.iter().enumerate() {
        at[i] = header.iter().position(|h| h == name).ok_or_else(|| err(1, format!("column `{name}` is missing")))?;
    }
    let mut out = Vec::new();
    for (i, row) in rows.enumerate() {
        let line = i + 2;
        // An unquoted `;` inside the comment splits it into extra fields: when the comment is the last
        // column, they are the rest of the comment; anywhere else the line cannot be read safely.
        let mut row = row;
        if row.len() > header.len() {
            if at[4] + 1 != header.len() {
                return Err(err(
                    line,
                    format!("{} fields, the header has {}; put the comment in quotes", row.len(), header.len()),
                ));
            }
            let rest = row.split_off(at[4]).join(";");
            row.push(rest);
        }
        let get = |c: usize| row.get(at[c]).map_or("", |s| s.trim());
        if row.iter().all(|c| c.trim().is_empty()) || get(4).is_empty() {
            continue; // an empty line, or a flag not yet answered
        }
        let kommunekode: u16 = get(0)
            .parse()
            .ok()
            .filter(|_| get(0).len() == 3)
            .ok_or_else(|| err(line, format!("kommunekode `{}` is not a 3-digit code", get(0))))?;
        out.push(Kommentar {
            kommunekode,
            ydelse: get(1).to_string(),
            kvartal: get(2).to_uppercase(),
            regel: get(3).to_string(),
            kommentar: get(4).to_string(),
            fil: fil.clone(),
            linje: line,
        });
    }
    Ok(out)
}

/// Series key for what a comment names: a service code of any legal basis, a series key, or nothing.
fn serie_of(reference: &Reference, ydelse: &str) -> String {
    if ydelse.is_empty() {
        return String::new();
    }
    reference
        .ydelser
        .get(ydelse)
        .map(|y| y.serie.clone())
        .or_else(|| reference.serier.contains_key(ydelse).then(|| ydelse.to_string()))
        .unwrap_or_else(|| format!("?{ydelse}"))
}

/// Puts each comment beside its flag; returns the comments that match no flag.
pub fn attach(flags: &mut [Markering], comments: &[Kommentar], reference: &Reference) -> Vec<Kommentar> {
    let mut by_key: BTreeMap<(u16, String, String, Regel), Vec<&Kommentar>> = BTreeMap::new();
    let mut unmatched = Vec::new();
    for c in comments {
        match Regel::parse(&c.regel) {
            Some(regel) => by_key
                .entry((c.kommunekode, serie_of(reference, &c.ydelse), c.kvartal.clone(), regel))
                .or_default()
                .push(c),
            None => unmatched.push(c.clone()),
        }
    }
    let mut used = std::collections::BTreeSet::new();
    for f in flags.iter_mut() {
        if let Some(cs) = by_key.get(&f.key()) {
            f.kommentar = Some(cs.iter().map(|c| c.kommentar.as_str()).collect::<Vec<_>>().join(" / "));
            used.insert(f.key());
        }
    }
    for (key, cs) in by_key {
        if !used.contains(&key) {
            unmatched.extend(cs.into_iter().cloned());
        }
    }
    unmatched.sort_by(|a, b| (a.kommunekode, &a.fil, a.linje).cmp(&(b.kommunekode, &b.fil, b.linje)));
    unmatched
}
