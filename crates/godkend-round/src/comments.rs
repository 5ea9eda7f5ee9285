//! Municipalities' comments on flags: read from CSV (`;`) or XLSX files — each municipality returns its
//! own workbook, so a run takes several files or a folder of them — and matched to flags by the flag's
//! id (column `id`) or by (kommunekode, series, kvartal, regel); the service may be any code of the
//! series.

use crate::{Error, Result};
use godkend_model::Reference;
use godkend_model::tekst::{capped, renset};
use godkend_rules::{Markering, Regel, flag_id};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One comment as the municipality wrote it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Kommentar {
    /// The flag's id (`101-2025K2-V-1.1-KK`) when the file has an `id` column and the line fills it;
    /// it then decides which flag the comment belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
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

const UNREADABLE: &str =
    "--comments tager kommentarfiler (CSV med ; eller XLSX) eller mapper med dem; tjek stien, og at filen kan læses";
const NOT_XLSX: &str =
    "regnearket kan ikke læses som XLSX: åbn det i Excel og gem det igen som .xlsx, eller gem arket som CSV (;)";

/// The columns naming a flag by its place; a file with an `id` column may leave them out.
const COLUMNS: [&str; 5] = ["kommunekode", "ydelse", "kvartal", "regel", "kommentar"];

/// The comments files that could be read, and an error for each that could not (it is skipped:
/// one bad file must not stop the other municipalities' reports).
#[derive(Debug, Default)]
pub struct Read {
    pub kommentarer: Vec<Kommentar>,
    pub fejl: Vec<Error>,
}

/// Reads every comments file named, where a folder stands for its `.csv` and `.xlsx` files (sorted by
/// name; Excel's `~$` lock files and hidden files are skipped). A file with more than `max_rows`
/// lines is far larger than the flags it can answer and is skipped with an error before it costs
/// memory.
pub fn read_all(paths: &[PathBuf], max_rows: usize) -> Read {
    let mut out = Read::default();
    let one = |out: &mut Read, f: &Path| match read(f, max_rows) {
        Ok(k) => out.kommentarer.extend(k),
        Err(e) => out.fejl.push(e),
    };
    for path in paths {
        if path.is_dir() {
            let listing = match std::fs::read_dir(path) {
                Ok(l) => l,
                Err(e) => {
                    out.fejl.push(Error::File {
                        path: path.clone(),
                        message: godkend_model::tekst::io_fejl(&e),
                        hint: UNREADABLE,
                    });
                    continue;
                }
            };
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
                one(&mut out, &f);
            }
        } else {
            one(&mut out, path);
        }
    }
    out
}

/// Reads a comments file; the format follows the extension (`.xlsx`, otherwise CSV).
pub fn read(path: &Path, max_rows: usize) -> Result<Vec<Kommentar>> {
    let rows = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx")) {
        // A sheet's row is its line.
        xlsx_rows(path, max_rows)?.into_iter().enumerate().map(|(i, row)| (i + 1, row)).collect()
    } else {
        csv_rows(path, max_rows)?
    };
    parse_rows(path, rows)
}

fn too_many(path: &Path, max_rows: usize) -> Error {
    Error::Comments {
        path: path.to_path_buf(),
        line: max_rows + 1,
        message: format!(
            "mere end {max_rows} linjer, langt flere end der er markeringer at besvare; filen springes over"
        ),
    }
}

/// The most text a comments sheet may hold, all cells together (each cut at an XLSX cell's 32,767
/// characters first).
const MAX_TEXT_BYTES: u64 = 64 * 1024 * 1024;

/// A cell's text, at most one character over what a comment keeps (so the cut stays visible).
fn cell_text(s: &str) -> String {
    if s.len() <= godkend_model::tekst::XLSX_CELLE_MAX {
        return s.to_string();
    }
    s.chars().take(godkend_model::tekst::XLSX_CELLE_MAX + 1).collect()
}

/// Columns read from a comments sheet; the flags workbook has 7.
const MAX_COLUMNS: usize = 32;

/// The rows of a CSV comments file, each with the line it starts on as an editor shows it (`\r\n`, `\n`
/// and `\r` each end a line; those inside a quoted comment and of empty lines count too).
fn csv_rows(path: &Path, max_rows: usize) -> Result<Vec<(usize, Vec<String>)>> {
    let file = godkend_model::sidefil::open(path).map_err(|e| Error::File {
        path: path.to_path_buf(),
        message: godkend_model::tekst::io_fejl(&e),
        hint: UNREADABLE,
    })?;
    let bytes = read_capped(path, file)?;
    let mut reader =
        csv::ReaderBuilder::new().delimiter(b';').has_headers(false).flexible(true).from_reader(&bytes[..]);
    let mut lines = Lines::default();
    let mut rows = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        let more = reader.read_byte_record(&mut record).map_err(|e| Error::Comments {
            path: path.to_path_buf(),
            line: lines.clone().at(&bytes, e.position().map_or(bytes.len(), |p| p.byte() as usize)),
            message: e.to_string(),
        })?;
        if !more {
            break;
        }
        if rows.len() > max_rows {
            return Err(too_many(path, max_rows));
        }
        let line = lines.at(&bytes, record.position().map_or(0, |p| p.byte() as usize));
        let mut row = Vec::with_capacity(record.len().min(MAX_COLUMNS));
        for (i, field) in record.iter().enumerate() {
            // A BOM before the header, as Excel writes it.
            let field =
                if rows.is_empty() && i == 0 { field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field) } else { field };
            // Danish Excel saves "CSV (semikolonsepareret)" in Windows-1252: a field that is not UTF-8 is
            // read as that (every byte is a character there), so `æøå` arrive as the municipality wrote them.
            let text = match std::str::from_utf8(field) {
                Ok(text) => text.to_string(),
                Err(_) => encoding_rs::WINDOWS_1252.decode_without_bom_handling(field).0.into_owned(),
            };
            row.push(text);
        }
        rows.push((line, row));
    }
    Ok(rows)
}

/// The whole file, if it is at most [`MAX_TEXT_BYTES`]: a comments CSV that large is no round's answers.
fn read_capped(path: &Path, file: std::fs::File) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    file.take(MAX_TEXT_BYTES + 1).read_to_end(&mut bytes).map_err(|e| Error::File {
        path: path.to_path_buf(),
        message: godkend_model::tekst::io_fejl(&e),
        hint: UNREADABLE,
    })?;
    if bytes.len() as u64 > MAX_TEXT_BYTES {
        return Err(Error::File {
            path: path.to_path_buf(),
            message: format!(
                "filen er større end {} MB, langt mere end en rundes kommentarer fylder; filen springes over",
                MAX_TEXT_BYTES >> 20
            ),
            hint: UNREADABLE,
        });
    }
    Ok(bytes)
}

/// Line numbers of positions in a text, counted forward from the last one asked for.
#[derive(Clone)]
struct Lines {
    /// The byte counted up to, and the line it is on.
    at: usize,
    line: usize,
}

impl Default for Lines {
    fn default() -> Lines {
        Lines { at: 0, line: 1 }
    }
}

impl Lines {
    /// The line of the first byte at or after `from` that is not a line end: where the `csv` reader's
    /// record begins (its position is where its read began, before empty lines and the `\n` of a `\r\n`).
    fn at(&mut self, text: &[u8], from: usize) -> usize {
        let from = from.max(self.at).min(text.len());
        let start = text[from..].iter().position(|b| !matches!(b, b'\r' | b'\n')).map_or(text.len(), |i| from + i);
        // A `\r` just before `start` is a line end of its own: `start` is never a `\n`.
        (self.at, self.line) = (start, self.line + godkend_model::tekst::line_ends(&text[self.at..start]));
        self.line
    }
}

/// Reads the first sheet cell by cell: a sheet's claimed dimensions (a lone cell at XFD1048576)
/// never decide how much memory is taken; rows past `max_rows` reject the file.
fn xlsx_rows(path: &Path, max_rows: usize) -> Result<Vec<Vec<String>>> {
    use calamine::{DataRef, Reader};
    let fail = |m: String| Error::File { path: path.to_path_buf(), message: m, hint: NOT_XLSX };
    // A file that is not there is a path to check, not a workbook to save again.
    let file = godkend_model::sidefil::open(path).map_err(|e| Error::File {
        path: path.to_path_buf(),
        message: godkend_model::tekst::io_fejl(&e),
        hint: UNREADABLE,
    })?;
    let mut wb: calamine::Xlsx<_> = calamine::Reader::new(std::io::BufReader::new(file))
        .map_err(|e| fail(format!("kan ikke åbnes som XLSX: {e}")))?;
    // The sheet `Markeringer` when there is one (a workbook of today starts with `Vejledning`), otherwise
    // the first: a workbook saved before the instructions sheet, or a sheet the municipality made.
    let names = wb.sheet_names();
    let first = names
        .iter()
        .find(|n| n.as_str() == "Markeringer")
        .or(names.first())
        .cloned()
        .ok_or_else(|| fail("the workbook has no sheet".into()))?;
    let mut cells = wb.worksheet_cells_reader(&first).map_err(|e| fail(e.to_string()))?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut total = 0u64;
    while let Some(cell) = cells.next_cell().map_err(|e| fail(e.to_string()))? {
        let (r, c) = cell.get_position();
        let (r, c) = (r as usize, c as usize);
        // A cell's text is cut where a comment would be cut anyway, as it is read: a shared string is
        // one copy in the workbook, but one per cell here.
        let text = match cell.get_value() {
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => cell_text(s),
            DataRef::SharedString(s) => cell_text(s),
            DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
            DataRef::Float(f) => f.to_string(),
            DataRef::Int(i) => i.to_string(),
            DataRef::Bool(b) => b.to_string(),
            _ => String::new(),
        };
        if c >= MAX_COLUMNS || text.is_empty() {
            continue;
        }
        total += text.len() as u64;
        if total > MAX_TEXT_BYTES {
            return Err(fail(format!(
                "arket indeholder mere end {} MB tekst, langt mere end en rundes kommentarer fylder; filen springes over",
                MAX_TEXT_BYTES >> 20
            )));
        }
        if r >= max_rows {
            return Err(too_many(path, max_rows));
        }
        if rows.len() <= r {
            rows.resize_with(r + 1, Vec::new);
        }
        let row = &mut rows[r];
        if row.len() <= c {
            row.resize(c + 1, String::new());
        }
        row[c] = text;
    }
    Ok(rows)
}

fn parse_rows(path: &Path, rows: Vec<(usize, Vec<String>)>) -> Result<Vec<Kommentar>> {
    let fil = renset(&path.file_name().unwrap_or_default().to_string_lossy());
    let err = |line: usize, message: String| Error::Comments { path: path.to_path_buf(), line, message };
    let mut rows = rows.into_iter();
    let (header_line, header) = rows.next().ok_or_else(|| err(1, "filen er tom".into()))?;
    let header: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    let find = |name: &str| header.iter().position(|h| h == name);
    let id_at = find("id");
    let mut at = [usize::MAX; 5];
    for (i, name) in COLUMNS.iter().enumerate() {
        match find(name) {
            Some(c) => at[i] = c,
            // With an id, the place columns are optional; the comment never is.
            None if id_at.is_some() && i < 4 => {}
            None => {
                return Err(err(header_line, format!("kolonnen `{name}` mangler")));
            }
        }
    }
    let last = header.len() - 1;
    let mut out = Vec::new();
    for (line, row) in rows {
        // An unquoted `;` inside the comment splits it into extra fields: when the comment is the last
        // column, they are the rest of the comment; anywhere else the line cannot be read safely.
        let mut row = row;
        if row.len() > header.len() {
            if at[4] != last {
                return Err(err(
                    line,
                    format!("{} felter, overskriften har {}; sæt kommentaren i anførselstegn", row.len(), header.len()),
                ));
            }
            let rest = row.split_off(at[4]).join(";");
            row.push(rest);
        }
        let cell = |c: usize| row.get(c).map_or("", |s| s.trim());
        let get = |c: usize| cell(at[c]);
        if row.iter().all(|c| c.trim().is_empty()) || get(4).is_empty() {
            continue; // an empty line, or a flag not yet answered
        }
        let id = id_at.map(cell).filter(|s| !s.is_empty()).map(renset);
        // The municipality is the id's first three digits when the id is given.
        let code = match &id {
            Some(id) if get(0).is_empty() => id.get(..3).unwrap_or(""),
            _ => get(0),
        };
        let kommunekode: u16 = code.parse().ok().filter(|_| code.len() == 3).ok_or_else(|| {
            let what = if id.is_some() && get(0).is_empty() { "id'ets kommunekode" } else { "kommunekode" };
            err(line, format!("{what} `{}` er ikke en kode på tre cifre", renset(&capped(code, 20))))
        })?;
        // Everything a municipality wrote reaches the JSON, the workbook and the PDF: CPR-shaped
        // numbers masked, control characters dropped, cut to what an XLSX cell holds.
        out.push(Kommentar {
            id,
            kommunekode,
            ydelse: renset(get(1)),
            kvartal: renset(get(2)).to_uppercase(),
            regel: renset(get(3)),
            kommentar: renset(get(4)),
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

/// The id of the flag a comment answers: its own `id`, or the id of its place; `None` when its rule
/// is not a rule.
pub fn flag_id_of(c: &Kommentar, reference: &Reference) -> Option<String> {
    match &c.id {
        Some(id) => Some(id.clone()),
        None => Regel::parse(&c.regel)
            .map(|regel| flag_id(c.kommunekode, &serie_of(reference, &c.ydelse), &c.kvartal, regel)),
    }
}

/// Puts each comment beside its flag — by id when the comment has one, otherwise by place; returns
/// the comments that match no flag.
pub fn attach(flags: &mut [Markering], comments: &[Kommentar], reference: &Reference) -> Vec<Kommentar> {
    let mut by_id: BTreeMap<String, Vec<&Kommentar>> = BTreeMap::new();
    let mut unmatched = Vec::new();
    for c in comments {
        let Some(id) = flag_id_of(c, reference) else {
            unmatched.push(c.clone());
            continue;
        };
        by_id.entry(id).or_default().push(c);
    }
    let mut used = std::collections::BTreeSet::new();
    for f in flags.iter_mut() {
        if let Some(cs) = by_id.get(&f.id) {
            let joined = cs.iter().map(|c| c.kommentar.as_str()).collect::<Vec<_>>().join(" / ");
            f.kommentar = Some(capped(&joined, godkend_model::tekst::XLSX_CELLE_MAX).into_owned());
            used.insert(f.id.clone());
        }
    }
    for (id, cs) in by_id {
        if !used.contains(&id) {
            unmatched.extend(cs.into_iter().cloned());
        }
    }
    unmatched.sort_by(|a, b| (a.kommunekode, &a.fil, a.linje).cmp(&(b.kommunekode, &b.fil, b.linje)));
    unmatched
}
