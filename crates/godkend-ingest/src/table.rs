//! Reading a delivery file into a table of text fields, or the fatal finding that stops it.
//!
//! CSV (UTF-8 with optional BOM, or Windows-1252 on request; `;` separator; header row) and Parquet
//! with the same columns. Column names are case-insensitive. Everything becomes text here so that
//! one validator serves both formats and can name the line of every bad value.

use crate::filename::Format;
use godkend_model::FundKode;
use polars_core::prelude::*;
use polars_io::prelude::*;

/// Longest field accepted at all; longer ones mean a broken file, not a long value.
pub const MAX_FIELD_BYTES: usize = 1000;

/// Most records one delivery may hold. København's largest month is about 20,000; a file far
/// beyond this is broken or hostile, and reading it would cost memory out of all proportion.
pub const MAX_ROWS: usize = 500_000;

/// Largest delivery file read at all (500,000 full rows are about 60 MB as CSV). With [`MAX_ROWS`] it keeps
/// one delivery's validation within [`DELIVERY_BUDGET`] (docs/leveringer.md).
pub const MAX_BYTES: u64 = 128 * 1024 * 1024;

/// The memory one delivery's validation may take, as measured at the caps (docs/leveringer.md).
pub const DELIVERY_BUDGET: u64 = 512 * 1024 * 1024;

/// Most bytes a Parquet delivery's own columns may take decoded (docs/leveringer.md): 500,000 full rows
/// are about 60 MB of text.
pub const PARQUET_BUDGET: u64 = 160 * 1024 * 1024;

/// Reads a delivery file, or the fatal finding of a file that cannot or should not be read.
pub fn read_delivery(path: &std::path::Path) -> Result<Vec<u8>, Fatal> {
    let unreadable = |e: std::io::Error| {
        Fatal::new(
            FundKode::FilUlaeselig,
            None,
            format!("filen kan ikke læses: {}", godkend_model::tekst::io_fejl(&e)),
            "tjek stien og rettighederne",
        )
    };
    let size = std::fs::metadata(path).map_err(unreadable)?.len();
    if size > MAX_BYTES {
        return Err(too_large(format!("filen er {} MB (højst {} MB)", size >> 20, MAX_BYTES >> 20)));
    }
    std::fs::read(path).map_err(unreadable)
}

fn too_large(what: String) -> Fatal {
    Fatal::new(
        FundKode::LeveringForStor,
        None,
        what,
        "en levering dækker én kommune og én måned; del ikke-månedlige udtræk op, eller tjek at filen ikke er beskadiget",
    )
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    #[default]
    Utf8,
    Windows1252,
}

impl std::str::FromStr for Encoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Encoding, String> {
        match s.to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "windows-1252" | "cp1252" | "latin1" | "iso-8859-1" => Ok(Encoding::Windows1252),
            _ => Err(format!("unknown encoding `{s}`; use utf-8 or windows-1252")),
        }
    }
}

/// The columns of the delivery contract (docs/leveringer.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Col {
    Kommunekode,
    Sagsid,
    Cpr,
    Udlaendingenr,
    Foedselsdato,
    Koen,
    Ydelse,
    Maalgruppe,
    Startdato,
    Slutdato,
    Slettet,
}

impl Col {
    pub const ALL: [Col; 11] = [
        Col::Kommunekode,
        Col::Sagsid,
        Col::Cpr,
        Col::Udlaendingenr,
        Col::Foedselsdato,
        Col::Koen,
        Col::Ydelse,
        Col::Maalgruppe,
        Col::Startdato,
        Col::Slutdato,
        Col::Slettet,
    ];
    const REQUIRED: [Col; 4] = [Col::Kommunekode, Col::Sagsid, Col::Ydelse, Col::Startdato];

    pub fn name(self) -> &'static str {
        match self {
            Col::Kommunekode => "kommunekode",
            Col::Sagsid => "sagsid",
            Col::Cpr => "cpr",
            Col::Udlaendingenr => "udlaendingenr",
            Col::Foedselsdato => "foedselsdato",
            Col::Koen => "koen",
            Col::Ydelse => "ydelse",
            Col::Maalgruppe => "maalgruppe",
            Col::Startdato => "startdato",
            Col::Slutdato => "slutdato",
            Col::Slettet => "slettet",
        }
    }

    fn parse(name: &str) -> Option<Col> {
        let name = name.trim().trim_matches('"').to_lowercase();
        Col::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// A fatal finding: the delivery cannot be read as a whole.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Fatal {
    pub kode: FundKode,
    /// 1-based line (CSV; the header is line 1) or row (Parquet); `None` for the file as a whole.
    pub linje: Option<usize>,
    pub tekst: String,
    pub hint: String,
}

impl Fatal {
    pub fn new(kode: FundKode, linje: Option<usize>, tekst: impl Into<String>, hint: impl Into<String>) -> Fatal {
        Fatal { kode, linje, tekst: tekst.into(), hint: hint.into() }
    }
}

/// A delivery as text: where each contract column is, and the rows with their line numbers.
#[derive(Debug)]
pub struct Table {
    /// Index of each contract column in a row, if the file has it.
    pub columns: [Option<usize>; 11],
    pub unknown_columns: Vec<String>,
    pub rows: Rows,
}

impl Table {
    /// The trimmed field of `col` in `row`, or "" if the file has no such column.
    pub fn get<'r>(&self, row: Row<'r>, col: Col) -> &'r str {
        self.columns[col as usize].and_then(|i| row.get(i)).map_or("", trimmed)
    }
}

/// `str::trim`, without its Unicode search for the common field that begins and ends in an ASCII byte
/// that is not white space (a character of its own, which trim would keep).
fn trimmed(field: &str) -> &str {
    match field.as_bytes() {
        [] => field,
        [first, .., last] | [first @ last] if is_kept(*first) && is_kept(*last) => field,
        _ => field.trim(),
    }
}

fn is_kept(b: u8) -> bool {
    b.is_ascii() && !char::from(b).is_whitespace()
}

/// Every row's fields in one buffer: a row costs its text and four bytes per field (and per line
/// number), not two allocations of its own — a million-row delivery is read in a third of the memory.
/// Within a row the fields are separated by one byte (`;`), so that an unquoted CSV record is taken in
/// with one copy of its line.
#[derive(Debug, Default)]
pub struct Rows {
    width: usize,
    text: String,
    ends: Vec<u32>,
    lines: Vec<u32>,
}

/// One row of [`Rows`].
#[derive(Clone, Copy, Debug)]
pub struct Row<'t> {
    rows: &'t Rows,
    i: usize,
}

impl<'t> Row<'t> {
    /// The field at `index`, untrimmed.
    pub fn get(self, index: usize) -> Option<&'t str> {
        if index >= self.rows.width {
            return None;
        }
        let at = self.i * self.rows.width + index;
        let start = match (at, index) {
            (0, _) => 0,
            (_, 0) => self.rows.ends[at - 1] as usize,
            _ => self.rows.ends[at - 1] as usize + 1,
        };
        Some(&self.rows.text[start..self.rows.ends[at] as usize])
    }
}

impl Rows {
    fn new(width: usize) -> Rows {
        Rows { width, ..Rows::default() }
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Adds a row of exactly `width` fields (the readers check the count first).
    fn push<'f>(&mut self, line: usize, fields: impl Iterator<Item = &'f str>) {
        for (i, field) in fields.enumerate() {
            if i > 0 {
                self.text.push(';');
            }
            self.text.push_str(field);
            self.ends.push(offset(self.text.len()));
        }
        self.lines.push(u32::try_from(line).expect("a delivery has far fewer than 4 G lines"));
    }

    /// Adds a CSV record of exactly `width` fields, in one copy when its fields lie in its line as the
    /// rows keep them (an unquoted record: fields joined by one separator).
    fn push_record(&mut self, line: usize, record: &crate::csv_records::Fields<'_>) {
        let Some(joined) = record.joined() else { return self.push(line, record.iter()) };
        let base = self.text.len();
        self.text.push_str(joined);
        self.ends.extend(record.ends().map(|end| offset(base + end)));
        self.lines.push(u32::try_from(line).expect("a delivery has far fewer than 4 G lines"));
    }

    /// Each row with its line number.
    pub fn iter(&self) -> impl Iterator<Item = (usize, Row<'_>)> {
        self.lines.iter().enumerate().map(move |(i, &line)| (line as usize, Row { rows: self, i }))
    }
}

fn offset(at: usize) -> u32 {
    u32::try_from(at).expect("a delivery is far below 4 GB")
}

pub fn read_table(bytes: &[u8], format: Format, encoding: Encoding) -> Result<Table, Fatal> {
    match format {
        Format::Csv => read_csv(bytes, encoding),
        Format::Parquet => read_parquet(bytes),
    }
}

/// The contract's columns in a header on `line`.
fn map_header(names: &[String], line: usize) -> Result<([Option<usize>; 11], Vec<String>), Fatal> {
    let mut columns = [None; 11];
    let mut unknown = Vec::new();
    for (i, name) in names.iter().enumerate() {
        match Col::parse(name) {
            Some(col) if columns[col as usize].is_some() => {
                return Err(Fatal::new(
                    FundKode::KolonneDublet,
                    Some(line),
                    format!("kolonnen `{}` findes to gange i overskriften", col.name()),
                    "fjern den ene af de to kolonner",
                ));
            }
            Some(col) => columns[col as usize] = Some(i),
            None => unknown.push(godkend_model::tekst::shown(name.trim()).into_owned()),
        }
    }
    let missing: Vec<&str> =
        Col::REQUIRED.iter().filter(|c| columns[**c as usize].is_none()).map(|c| c.name()).collect();
    if !missing.is_empty() {
        return Err(Fatal::new(
            FundKode::KolonneMangler,
            Some(line),
            format!("påkrævet kolonne mangler: {}", missing.join(", ")),
            "overskriften skal mindst have kommunekode;sagsid;ydelse;startdato og enten cpr eller udlaendingenr;foedselsdato;koen",
        ));
    }
    let has = |c: Col| columns[c as usize].is_some();
    let alternative = has(Col::Udlaendingenr) && has(Col::Foedselsdato) && has(Col::Koen);
    if !(has(Col::Cpr) || alternative) {
        return Err(Fatal::new(
            FundKode::KolonneMangler,
            Some(line),
            "kolonnen cpr mangler, og det alternative id (udlaendingenr, foedselsdato, koen) er ikke komplet",
            "tilføj kolonnen cpr eller alle tre kolonner udlaendingenr;foedselsdato;koen",
        ));
    }
    Ok((columns, unknown))
}

fn decode(bytes: &[u8], encoding: Encoding) -> Result<std::borrow::Cow<'_, str>, Fatal> {
    match encoding {
        Encoding::Utf8 => {
            let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            std::str::from_utf8(bytes).map(std::borrow::Cow::Borrowed).map_err(|e| {
                let line = godkend_model::tekst::line_ends(&bytes[..e.valid_up_to()]) + 1;
                Fatal::new(
                    FundKode::IkkeUtf8,
                    Some(line),
                    format!("linje {line} er ikke gyldig UTF-8"),
                    "gem filen som UTF-8, eller angiv --encoding windows-1252 hvis den kommer fra et ældre system",
                )
            })
        }
        Encoding::Windows1252 => Ok(encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0),
    }
}

fn read_csv(bytes: &[u8], encoding: Encoding) -> Result<Table, Fatal> {
    let text = decode(bytes, encoding)?;
    if text.trim().is_empty() {
        return Err(Fatal::new(
            FundKode::TomFil,
            None,
            "filen er tom",
            "send leveringen igen med overskrift og poster",
        ));
    }
    let first_line = text.lines().next().unwrap_or("");
    if !first_line.contains(';') && (first_line.contains(',') || first_line.contains('\t')) {
        return Err(Fatal::new(
            FundKode::ForkertSeparator,
            Some(1),
            "overskriften er ikke adskilt med semikolon (fandt komma eller tabulator)",
            "brug ; som separator, som i kommunekode;sagsid;cpr;ydelse;…",
        ));
    }
    let mut records = crate::csv_records::Records::new(&text);
    let Some((header_line, header)) = records.next_record() else {
        return Err(Fatal::new(FundKode::TomFil, None, "filen er tom", "send leveringen igen"));
    };
    let names: Vec<String> = header.iter().map(str::to_string).collect();
    check_field_lengths(header.iter(), header_line, &names)?;
    let (columns, unknown_columns) = map_header(&names, header_line)?;
    let mut rows = Rows::new(names.len());
    while let Some((line, record)) = records.next_record() {
        if record.len() == 1 && record.get(0).is_some_and(|f| f.trim().is_empty()) {
            continue;
        }
        if record.len() != names.len() {
            return Err(Fatal::new(
                FundKode::UjaevnRaekke,
                Some(line),
                format!("linje {line} har {} felter, overskriften har {}", record.len(), names.len()),
                "tjek for semikolon inde i et felt (sæt feltet i anførselstegn) eller manglende felter",
            ));
        }
        // Only a record longer than a field may be can hold a field that is too long.
        if record.text_len() > MAX_FIELD_BYTES {
            check_field_lengths(record.iter(), line, &names)?;
        }
        if rows.len() == MAX_ROWS {
            return Err(too_large(format!("filen har mere end {MAX_ROWS} poster")));
        }
        rows.push_record(line, &record);
    }
    if rows.is_empty() {
        return Err(Fatal::new(
            FundKode::KunOverskrift,
            None,
            "filen har en overskrift men ingen poster",
            "en levering skal indeholde mindst én post; send måneden igen med data",
        ));
    }
    Ok(Table { columns, unknown_columns, rows })
}

fn check_field_lengths<'f>(fields: impl Iterator<Item = &'f str>, line: usize, names: &[String]) -> Result<(), Fatal> {
    for (i, field) in fields.enumerate() {
        if field.len() > MAX_FIELD_BYTES {
            let col = names.get(i).map_or("?", |s| s.as_str());
            return Err(Fatal::new(
                FundKode::FeltForLangt,
                Some(line),
                format!(
                    "linje {line}, kolonne {}: feltet er {} tegn (højst {MAX_FIELD_BYTES})",
                    godkend_model::tekst::shown(col),
                    field.chars().count()
                ),
                "filen er sandsynligvis beskadiget, eller et anførselstegn mangler sin afslutning",
            ));
        }
    }
    Ok(())
}

/// The name of a Parquet column type that is not read as a delivery's text, in Danish; `None` for a type
/// that is (text, whole numbers, decimal numbers with a point, dates, booleans, empty).
fn unreadable_type(dtype: &ArrowDataType) -> Option<String> {
    use ArrowDataType as T;
    Some(match dtype {
        T::Null | T::Boolean | T::Int8 | T::Int16 | T::Int32 | T::Int64 => return None,
        T::UInt8 | T::UInt16 | T::UInt32 | T::UInt64 | T::Float32 | T::Float64 => return None,
        T::Date32 | T::Utf8 | T::LargeUtf8 | T::Utf8View => return None,
        T::Decimal(p, s) | T::Decimal32(p, s) | T::Decimal64(p, s) | T::Decimal256(p, s) => format!("decimal({p},{s})"),
        T::Int128 | T::UInt128 => "128-bit heltal".into(),
        T::Float16 => "16-bit kommatal".into(),
        T::Timestamp(..) | T::Date64 => "tidsstempel".into(),
        T::Time32(_) | T::Time64(_) => "klokkeslæt".into(),
        T::Duration(_) | T::Interval(_) => "varighed".into(),
        T::Binary | T::LargeBinary | T::BinaryView | T::FixedSizeBinary(_) => "binær".into(),
        T::List(_) | T::LargeList(_) | T::FixedSizeList(..) => "liste".into(),
        T::Struct(_) | T::Map(..) | T::Union(_) => "sammensat (struct)".into(),
        T::Dictionary(..) => "kategori (dictionary)".into(),
        T::Extension(_) | T::Unknown => "ukendt".into(),
    })
}

/// What the projected columns take decoded: the uncompressed size of their pages (a dictionary page once)
/// and a 16-byte view per value, summed over row groups.
fn decoded_size(metadata: &polars_io::parquet::read::FileMetadata, projection: &[usize], names: &[String]) -> u64 {
    let mut bytes = 0u64;
    for group in &metadata.row_groups {
        for &i in projection {
            for chunk in group.columns_under_root_iter(&names[i]).into_iter().flatten() {
                let pages = u64::try_from(chunk.uncompressed_size()).unwrap_or(u64::MAX);
                let views = u64::try_from(chunk.num_values()).unwrap_or(u64::MAX).saturating_mul(16);
                bytes = bytes.saturating_add(pages).saturating_add(views);
            }
        }
    }
    bytes
}

fn read_parquet(bytes: &[u8]) -> Result<Table, Fatal> {
    let unreadable = |what: String| {
        Fatal::new(
            FundKode::FilUlaeselig,
            None,
            format!("filen kan ikke læses som Parquet: {what}"),
            "tjek at filen er en gyldig Parquet-fil med leveringens kolonner",
        )
    };
    // Everything is checked against the file's footer before anything is decoded: a few MB can claim
    // tens of millions of rows, hold thousands of columns, or a type the decoder does not know.
    let mut reader = ParquetReader::new(std::io::Cursor::new(bytes));
    let claimed = reader.num_rows().map_err(|e| unreadable(e.to_string()))?;
    if claimed > MAX_ROWS {
        return Err(too_large(format!("filen angiver {claimed} rækker (højst {MAX_ROWS})")));
    }
    let schema = reader.schema().map_err(|e| unreadable(e.to_string()))?;
    let names: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
    let (in_file, unknown_columns) = map_header(&names, 1)?;
    // Only the delivery's own columns are decoded, in the file's order; an unknown column is named, never read.
    let mut projection: Vec<usize> = in_file.iter().flatten().copied().collect();
    projection.sort_unstable();
    for &i in &projection {
        let field =
            schema.get_at_index(i).map(|(_, f)| f).ok_or_else(|| unreadable("skemaet er ufuldstændigt".into()))?;
        if let Some(type_name) = unreadable_type(&field.dtype) {
            return Err(Fatal::new(
                FundKode::FilUlaeselig,
                None,
                format!("kolonnen `{}` har typen {type_name}", godkend_model::tekst::shown(&names[i])),
                "gem kolonnen som tekst, heltal eller dato (ÅÅÅÅ-MM-DD)",
            ));
        }
    }
    let metadata = reader.get_metadata().map_err(|e| unreadable(e.to_string()))?;
    let decoded = decoded_size(metadata, &projection, &names);
    if decoded > PARQUET_BUDGET {
        return Err(too_large(format!(
            "leveringens kolonner fylder {} MB udpakket (højst {} MB)",
            decoded >> 20,
            PARQUET_BUDGET >> 20
        )));
    }
    let columns = in_file.map(|i| i.and_then(|i| projection.iter().position(|&p| p == i)));
    let names: Vec<String> = projection.iter().map(|&i| names[i].clone()).collect();
    let df = reader
        .with_projection(Some(projection))
        .with_slice(Some((0, MAX_ROWS)))
        .finish()
        .map_err(|e| unreadable(e.to_string()))?;
    if df.height() == 0 {
        return Err(Fatal::new(
            FundKode::KunOverskrift,
            None,
            "filen har kolonner men ingen rækker",
            "en levering skal indeholde mindst én post",
        ));
    }
    let mut text_columns = Vec::with_capacity(df.width());
    for column in df.columns() {
        let s = column.as_materialized_series().cast(&DataType::String).map_err(|e| unreadable(e.to_string()))?;
        text_columns.push(s);
    }
    let chunked: Vec<&StringChunked> = text_columns.iter().map(|s| s.str().expect("cast to String")).collect();
    let mut iters: Vec<_> = chunked.iter().map(|c| c.iter()).collect();
    let mut rows = Rows::new(iters.len());
    let mut record: Vec<&str> = Vec::with_capacity(iters.len());
    for row in 0..df.height() {
        record.clear();
        record.extend(iters.iter_mut().map(|it| it.next().flatten().unwrap_or("")));
        check_field_lengths(record.iter().copied(), row + 1, &names)?;
        rows.push(row + 1, record.iter().copied());
    }
    Ok(Table { columns, unknown_columns, rows })
}

#[cfg(test)]
mod tests {
    use super::trimmed;

    #[test]
    fn trimmed_is_trim() {
        let ends: Vec<String> = (0u8..128)
            .map(|b| char::from(b).to_string())
            .chain(["\u{A0}", "\u{85}", "\u{3000}", "\u{200B}", "æ", ""].map(String::from))
            .collect();
        for a in &ends {
            for b in &ends {
                for middle in ["", "x", " y ", "\u{2003}"] {
                    let field = format!("{a}{middle}{b}");
                    assert_eq!(trimmed(&field), field.trim(), "{field:?}");
                }
            }
        }
    }
}
