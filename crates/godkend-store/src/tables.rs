//! The store's two tables: cases (`Sag`, one file per handlekommune) and the delivery log
//! (`LogEntry`, a vocabulary type of godkend-model), and how they are laid out in Parquet. Only this module
//! knows the store's column names; the live-case frame's are [`LIVE_COLUMNS`], which counting reads by name.

use crate::{Error, Result};
use chrono::NaiveDate;
use godkend_model::Prefiks;
use godkend_model::dato::{date, days};
use godkend_model::leveringslog::LogEntry;
use polars_core::prelude::*;
use polars_io::prelude::*;
use std::fs::File;
use std::path::Path;

/// One case as stored: no CPR, only the pseudonym, birth date and sex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sag {
    pub kommunekode: u16,
    pub sagsid: String,
    pub person: u64,
    pub foedselsdato: NaiveDate,
    pub koen: godkend_model::Koen,
    pub ydelse: String,
    pub maalgruppe: Option<u8>,
    pub startdato: NaiveDate,
    pub slutdato: Option<NaiveDate>,
    pub slettet: bool,
    /// The delivery this version came from (month and sequence number).
    pub version: godkend_model::Version,
}

impl Sag {
    /// A deletion: a tombstone with nothing but its key and version.
    pub fn tombstone(kommunekode: u16, sagsid: String, version: godkend_model::Version) -> Sag {
        Sag {
            kommunekode,
            sagsid,
            person: 0,
            foedselsdato: godkend_model::dato::EPOCH,
            koen: godkend_model::Koen::Kvinde,
            ydelse: String::new(),
            maalgruppe: None,
            startdato: godkend_model::dato::EPOCH,
            slutdato: None,
            slettet: true,
            version,
        }
    }

    /// Whether the case is active on some day of quarter `q` (how counting sees it): the one definition
    /// the cases behind a flag and the systemskifte report share.
    pub fn active_in(&self, q: godkend_model::Kvartal) -> bool {
        self.active_during(q.first_day(), q.last_day())
    }

    /// [`Sag::active_in`] with the quarter's first and last day computed once by the caller, for loops
    /// over many cases.
    pub fn active_during(&self, first: NaiveDate, last: NaiveDate) -> bool {
        self.startdato <= last && self.slutdato.is_none_or(|d| d >= first)
    }

    /// Whether the case can matter to what happened from `from` on: it may be active on or after that
    /// day (no end, or an end on or after it), or its version came in a delivery for that month or later
    /// ([`crate::CaseStore::read_cases_since`]).
    pub fn since(&self, from: NaiveDate) -> bool {
        Siden::new(from).keeps(self.slutdato.map(days), self.version.raw())
    }
}

/// [`Sag::since`]'s day as the store's columns hold it (day number, and the month's first version), so
/// that the check on a frame's columns and the one on a case are one.
#[derive(Clone, Copy)]
struct Siden {
    day: i32,
    version: i32,
}

impl Siden {
    fn new(from: NaiveDate) -> Siden {
        // A version is YYYYMMNN: sequence 0 is below every delivery for the month.
        let maaned = godkend_model::Maaned::of_date(from);
        Siden { day: days(from), version: godkend_model::Version::new(maaned, 0).raw() }
    }

    fn keeps(self, slut: Option<i32>, version: i32) -> bool {
        slut.is_none_or(|d| d >= self.day) || version >= self.version
    }
}

/// A case file's cases that [`Sag::since`] `from` keeps: the rows left out are dropped from the frame
/// before any becomes a [`Sag`] (whose strings are copied one by one).
pub(crate) fn read_case_file_since(path: &Path, from: NaiveDate) -> Result<Vec<Sag>> {
    let store_err = |e: PolarsError| Error::Store { path: path.to_path_buf(), message: e.to_string() };
    let df = read_parquet(path)?;
    let siden = Siden::new(from);
    let slut = df.column("slutdato").map_err(store_err)?.date().map_err(store_err)?.physical();
    let version = df.column("version").map_err(store_err)?.i32().map_err(store_err)?;
    let keep: BooleanChunked =
        slut.iter().zip(version.iter()).map(|(e, v)| Some(v.is_none_or(|v| siden.keeps(e, v)))).collect();
    let df = df.filter(&keep).map_err(store_err)?;
    cases_from_frame(&df).map_err(store_err)
}

/// The newest version of each case among `versions`, sorted by sagsid. `versions` must be in the order
/// they arrived (delivery order within an ingest, file order across a base and its deltas). The newest is
/// the greatest version (delivery month and sequence), and of equal versions the one that arrived last. A
/// deletion is a bare tombstone carrying its version, so an older version arriving later cannot bring the
/// case back, and the result never depends on how versions are spread over deliveries or files. Ingest
/// and the readers of delta files both decide with it (and [`merge`]).
pub(crate) fn newest(versions: Vec<Sag>) -> Vec<Sag> {
    // Positions are sorted, not the cases (a case is ~100 bytes to move), by sagsid, version and arrival,
    // with each sagsid's first 16 bytes and the version beside the position: for sagsids of at most 16
    // bytes (most, and all of demo-data's) the sort never reads a case, whose strings are spread over
    // the heap.
    let mut order: Vec<(Prefiks, godkend_model::Version, u32)> =
        versions.iter().enumerate().map(|(i, s)| (Prefiks::of(&s.sagsid), s.version, i as u32)).collect();
    let sagsid = |i: u32| versions[i as usize].sagsid.as_str();
    let same_case = |a: &(Prefiks, godkend_model::Version, u32), b: &(Prefiks, godkend_model::Version, u32)| {
        a.0.cmp_with(sagsid(a.2), b.0, sagsid(b.2))
    };
    if order.iter().all(|a| a.0.is_whole()) {
        // The tuples alone order as the cases do (the common case, and a sort without a call per comparison).
        order.sort_unstable();
    } else {
        order.sort_unstable_by(|a, b| same_case(a, b).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    }
    // The last of each sagsid's run: its greatest version, of equal versions the one that arrived last.
    let winners: Vec<u32> = order
        .iter()
        .enumerate()
        .filter(|&(n, a)| order.get(n + 1).is_none_or(|b| same_case(a, b).is_ne()))
        .map(|(_, a)| a.2)
        .collect();
    let mut slots: Vec<Option<Sag>> = versions.into_iter().map(Some).collect();
    winners.into_iter().map(|i| slots[i as usize].take().expect("each position once")).collect()
}

/// `stored` with `newer` taken in, both sorted by sagsid with one version each (as [`newest`] gives): a
/// newer version replaces the stored one unless the stored one's version is greater. Sorted by sagsid.
pub(crate) fn merge(stored: Vec<Sag>, newer: Vec<Sag>) -> Vec<Sag> {
    if stored.is_empty() {
        return newer;
    }
    let mut newer = newer.into_iter().peekable();
    let mut out = Vec::with_capacity(stored.len() + newer.len());
    for old in stored {
        while let Some(new) = newer.next_if(|n| n.sagsid < old.sagsid) {
            out.push(new);
        }
        match newer.next_if(|n| n.sagsid == old.sagsid) {
            Some(new) if new.version >= old.version => out.push(new),
            _ => out.push(old),
        }
    }
    out.extend(newer);
    out
}

/// The columns of the live-case frame that counting reads ([`crate::CaseStore::live_cases`]):
/// `kommunekode` (i32), `person` (u64 pseudonym), `ydelse` (str), `maalgruppe` (i32, null when
/// missing), `startdato` and `slutdato` (date; `slutdato` null while open).
pub const LIVE_COLUMNS: [&str; 6] = ["kommunekode", "person", "ydelse", "maalgruppe", "startdato", "slutdato"];

/// One case file's live cases (tombstones dropped), only [`LIVE_COLUMNS`].
pub(crate) fn read_live(path: &Path) -> Result<DataFrame> {
    let file = File::open(path).map_err(Error::io(path))?;
    let mut cols: Vec<String> = LIVE_COLUMNS.iter().map(|c| c.to_string()).collect();
    cols.push("slettet".into());
    let store_err = |e: PolarsError| Error::Store { path: path.to_path_buf(), message: e.to_string() };
    let df = ParquetReader::new(file).with_columns(Some(cols)).finish().map_err(store_err)?;
    live_only(&df).map_err(store_err)
}

/// The live rows (tombstones dropped) of a frame with `slettet`, only [`LIVE_COLUMNS`].
fn live_only(df: &DataFrame) -> PolarsResult<DataFrame> {
    let live = !df.column("slettet")?.bool()?;
    df.filter(&live)?.select(LIVE_COLUMNS)
}

/// One municipality's live cases from its base file and delta files: the frame [`read_live`] would give
/// for the one compacted file holding the merged cases, row for row (sorted by sagsid), without building
/// a [`Sag`] per case. Each file is sorted by sagsid and holds a sagsid once; a delta's version replaces the
/// base's unless the base's is newer ([`merge`]), and of two deltas with the same version the later wins.
pub(crate) fn read_live_merged(files: &[std::path::PathBuf]) -> Result<DataFrame> {
    let [base_path, ..] = files else {
        return Ok(DataFrame::empty());
    };
    let store_err = |e: PolarsError| Error::Store { path: base_path.clone(), message: e.to_string() };
    let mut cols: Vec<String> = LIVE_COLUMNS.iter().map(|c| c.to_string()).collect();
    cols.extend(["slettet", "sagsid", "version"].map(String::from));
    let frames = files
        .iter()
        .map(|path| {
            let file = File::open(path).map_err(Error::io(path))?;
            ParquetReader::new(file)
                .with_columns(Some(cols.clone()))
                .finish()
                .map_err(|e| Error::Store { path: path.clone(), message: e.to_string() })
        })
        .collect::<Result<Vec<_>>>()?;
    let keys = frames
        .iter()
        .map(|df| Ok((df.column("sagsid")?.str()?.clone(), df.column("version")?.i32()?.clone())))
        .collect::<PolarsResult<Vec<_>>>()
        .map_err(store_err)?;
    let order = merged_rows(&keys);
    // Rows of all files stacked, then taken in merged order.
    let offsets: Vec<usize> =
        frames.iter().scan(0, |acc, df| Some(std::mem::replace(acc, *acc + df.height()))).collect();
    let idx: Vec<IdxSize> = order.iter().map(|&(file, row)| (offsets[file] + row) as IdxSize).collect();
    let mut all = frames[0].clone();
    for df in &frames[1..] {
        all.vstack_mut(df).map_err(store_err)?;
    }
    let merged = all.take(&IdxCa::from_vec("".into(), idx)).map_err(store_err)?;
    live_only(&merged).map_err(store_err)
}

/// Which rows make up the merged cases, as (file, row) in sagsid order, given each file's sagsid and
/// version columns (file 0 the base, then the deltas oldest first; each sorted by sagsid, a sagsid once).
/// The same decision as [`newest`] and [`merge`], on row numbers instead of cases.
fn merged_rows(keys: &[(StringChunked, Int32Chunked)]) -> Vec<(usize, usize)> {
    // The newest version of each sagsid the deltas hold: the greatest, of equal ones the later file's.
    let mut newest: foldhash::HashMap<&str, (usize, usize, i32)> = foldhash::HashMap::default();
    for (file, (sagsid, version)) in keys.iter().enumerate().skip(1) {
        for (row, (s, v)) in sagsid.iter().zip(version.iter()).enumerate() {
            let (Some(s), Some(v)) = (s, v) else { continue };
            if newest.get(s).is_none_or(|n| v >= n.2) {
                newest.insert(s, (file, row, v));
            }
        }
    }
    let mut from_deltas: Vec<(&str, usize, usize, i32)> =
        newest.into_iter().map(|(s, (file, row, v))| (s, file, row, v)).collect();
    from_deltas.sort_unstable();
    // Merged with the base's rows: a delta's version replaces the base's unless the base's is greater.
    let (base_sagsid, base_version) = &keys[0];
    let mut order = Vec::with_capacity(base_sagsid.len() + from_deltas.len());
    let mut next = from_deltas.iter().peekable();
    for (row, (s, v)) in base_sagsid.iter().zip(base_version.iter()).enumerate() {
        let s = s.unwrap_or_default();
        while let Some(&(_, file, drow, _)) = next.next_if(|d| d.0 < s) {
            order.push((file, drow));
        }
        match next.next_if(|d| d.0 == s) {
            Some(&(_, file, drow, dv)) => order.push(if v.is_some_and(|v| v > dv) { (0, row) } else { (file, drow) }),
            None => order.push((0, row)),
        }
    }
    order.extend(next.map(|&(_, file, drow, _)| (file, drow)));
    order
}

/// Every row of one case file.
pub(crate) fn read_case_file(path: &Path) -> Result<Vec<Sag>> {
    let df = read_parquet(path)?;
    cases_from_frame(&df).map_err(|e| Error::Store { path: path.to_path_buf(), message: e.to_string() })
}

/// The row count a Parquet file's footer gives.
pub(crate) fn parquet_rows(path: &Path) -> Result<u64> {
    let file = File::open(path).map_err(Error::io(path))?;
    let rows = ParquetReader::new(file)
        .num_rows()
        .map_err(|e| Error::Store { path: path.to_path_buf(), message: e.to_string() })?;
    Ok(rows as u64)
}

pub(crate) fn read_parquet(path: &Path) -> Result<DataFrame> {
    let file = File::open(path).map_err(Error::io(path))?;
    ParquetReader::new(file).finish().map_err(|e| Error::Store { path: path.to_path_buf(), message: e.to_string() })
}

fn date_series(name: &str, values: Vec<Option<i32>>) -> PolarsResult<Column> {
    Ok(Series::new(name.into(), values).cast(&DataType::Date)?.into())
}

pub(crate) fn cases_to_frame(cases: &[Sag]) -> PolarsResult<DataFrame> {
    let col = |name: &str, s: Series| -> Column { s.with_name(name.into()).into() };
    DataFrame::new(
        cases.len(),
        vec![
            col(
                "kommunekode",
                Series::new("".into(), cases.iter().map(|c| i32::from(c.kommunekode)).collect::<Vec<_>>()),
            ),
            col("sagsid", Series::new("".into(), cases.iter().map(|c| c.sagsid.as_str()).collect::<Vec<_>>())),
            col("person", Series::new("".into(), cases.iter().map(|c| c.person).collect::<Vec<_>>())),
            date_series("foedselsdato", cases.iter().map(|c| Some(days(c.foedselsdato))).collect())?,
            col("koen", Series::new("".into(), cases.iter().map(|c| c.koen.code()).collect::<Vec<_>>())),
            col("ydelse", Series::new("".into(), cases.iter().map(|c| c.ydelse.as_str()).collect::<Vec<_>>())),
            col(
                "maalgruppe",
                Series::new("".into(), cases.iter().map(|c| c.maalgruppe.map(i32::from)).collect::<Vec<_>>()),
            ),
            date_series("startdato", cases.iter().map(|c| Some(days(c.startdato))).collect())?,
            date_series("slutdato", cases.iter().map(|c| c.slutdato.map(days)).collect())?,
            col("slettet", Series::new("".into(), cases.iter().map(|c| c.slettet).collect::<Vec<_>>())),
            col("version", Series::new("".into(), cases.iter().map(|c| c.version.raw()).collect::<Vec<_>>())),
        ],
    )
}

pub(crate) fn cases_from_frame(df: &DataFrame) -> PolarsResult<Vec<Sag>> {
    // Each column walked once by its iterator (chunk by chunk), not looked up row by row.
    let mut kommune = df.column("kommunekode")?.i32()?.iter();
    let mut sagsid = df.column("sagsid")?.str()?.iter();
    let mut person = df.column("person")?.u64()?.iter();
    let mut foedt = df.column("foedselsdato")?.date()?.physical().iter();
    let mut koen = df.column("koen")?.str()?.iter();
    let mut ydelse = df.column("ydelse")?.str()?.iter();
    let mut maalgruppe = df.column("maalgruppe")?.i32()?.iter();
    let mut start = df.column("startdato")?.date()?.physical().iter();
    let mut slut = df.column("slutdato")?.date()?.physical().iter();
    let mut slettet = df.column("slettet")?.bool()?.iter();
    let mut version = df.column("version")?.i32()?.iter();
    let mut out = Vec::with_capacity(df.height());
    for _ in 0..df.height() {
        out.push(Sag {
            kommunekode: required(&mut kommune)? as u16,
            sagsid: required(&mut sagsid)?.to_string(),
            person: required(&mut person)?,
            foedselsdato: date(required(&mut foedt)?),
            koen: godkend_model::Koen::parse(required(&mut koen)?).ok_or_else(missing)?,
            ydelse: required(&mut ydelse)?.to_string(),
            maalgruppe: maalgruppe.next().flatten().map(|m| m as u8),
            startdato: date(required(&mut start)?),
            slutdato: slut.next().flatten().map(date),
            slettet: required(&mut slettet)?,
            version: godkend_model::Version::from_raw(required(&mut version)?),
        });
    }
    Ok(out)
}

/// A required column's next value: a null (or a column shorter than the frame) is an error.
fn required<T>(column: &mut impl Iterator<Item = Option<T>>) -> PolarsResult<T> {
    column.next().flatten().ok_or_else(missing)
}

fn missing() -> PolarsError {
    PolarsError::ComputeError("null in a required column".into())
}

pub(crate) fn log_to_frame(entries: &[LogEntry]) -> PolarsResult<DataFrame> {
    let s = |name: &str, v: Vec<&str>| -> Column { Series::new(name.into(), v).into() };
    let n = |name: &str, v: Vec<u64>| -> Column { Series::new(name.into(), v).into() };
    DataFrame::new(
        entries.len(),
        vec![
            s("fil", entries.iter().map(|e| e.fil.as_str()).collect()),
            Series::new("kommunekode".into(), entries.iter().map(|e| i32::from(e.kommunekode)).collect::<Vec<_>>())
                .into(),
            s("maaned", entries.iter().map(|e| e.maaned.as_str()).collect()),
            Series::new("loebenummer".into(), entries.iter().map(|e| i32::from(e.loebenummer)).collect::<Vec<_>>())
                .into(),
            s("sha256", entries.iter().map(|e| e.sha256.as_str()).collect()),
            s("status", entries.iter().map(|e| e.status.as_str()).collect()),
            n("raekker", entries.iter().map(|e| e.raekker).collect()),
            n("accepterede", entries.iter().map(|e| e.accepterede).collect()),
            n("afviste", entries.iter().map(|e| e.afviste).collect()),
            n("slettede", entries.iter().map(|e| e.slettede).collect()),
            n("maalgruppe_mangler", entries.iter().map(|e| e.maalgruppe_mangler).collect()),
            s("voksenposter", entries.iter().map(|e| e.voksenposter.as_str()).collect()),
            s("fund", entries.iter().map(|e| e.fund.as_str()).collect()),
            s("poster", entries.iter().map(|e| e.poster.as_str()).collect()),
        ],
    )
}

pub(crate) fn log_from_frame(df: &DataFrame) -> PolarsResult<Vec<LogEntry>> {
    let text = |name: &str| -> PolarsResult<Vec<String>> {
        Ok(df.column(name)?.str()?.iter().map(|v| v.unwrap_or_default().to_string()).collect())
    };
    let num =
        |name: &str| -> PolarsResult<Vec<u64>> { Ok(df.column(name)?.u64()?.iter().map(|v| v.unwrap_or(0)).collect()) };
    let int =
        |name: &str| -> PolarsResult<Vec<i32>> { Ok(df.column(name)?.i32()?.iter().map(|v| v.unwrap_or(0)).collect()) };
    let (fil, kommune, maaned, seq, sha, status) =
        (text("fil")?, int("kommunekode")?, text("maaned")?, int("loebenummer")?, text("sha256")?, text("status")?);
    let (raekker, acc, afv, slet, mm, fund) = (
        num("raekker")?,
        num("accepterede")?,
        num("afviste")?,
        num("slettede")?,
        num("maalgruppe_mangler")?,
        text("fund")?,
    );
    let voksne = text("voksenposter")?;
    // A log written before records were counted per handlekommune has no such column.
    let poster = if df.column("poster").is_ok() { text("poster")? } else { vec![String::new(); df.height()] };
    Ok((0..df.height())
        .map(|i| LogEntry {
            fil: fil[i].clone(),
            kommunekode: kommune[i] as u16,
            maaned: maaned[i].clone(),
            loebenummer: seq[i] as u16,
            sha256: sha[i].clone(),
            status: status[i].clone(),
            raekker: raekker[i],
            accepterede: acc[i],
            afviste: afv[i],
            slettede: slet[i],
            maalgruppe_mangler: mm[i],
            voksenposter: voksne[i].clone(),
            fund: fund[i].clone(),
            poster: poster[i].clone(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use godkend_model::dato::EPOCH;

    fn sag(sagsid: &str, version: i32, ydelse: &str) -> Sag {
        Sag {
            kommunekode: 101,
            sagsid: sagsid.into(),
            person: 1,
            foedselsdato: EPOCH,
            koen: godkend_model::Koen::Kvinde,
            ydelse: ydelse.into(),
            maalgruppe: None,
            startdato: EPOCH,
            slutdato: None,
            slettet: false,
            version: godkend_model::Version::from_raw(version),
        }
    }

    fn shown(cases: &[Sag]) -> Vec<String> {
        cases.iter().map(|c| format!("{} {} {}", c.sagsid, c.version, c.ydelse)).collect()
    }

    /// The definition `newest` implements: a stable sort by (sagsid, version), the last of each sagsid.
    fn newest_by_definition(mut versions: Vec<Sag>) -> Vec<Sag> {
        versions.sort_by(|a, b| a.sagsid.cmp(&b.sagsid).then(a.version.cmp(&b.version)));
        let mut out: Vec<Sag> = Vec::new();
        for v in versions {
            if out.last().is_some_and(|l| l.sagsid == v.sagsid) {
                out.pop();
            }
            out.push(v);
        }
        out
    }

    #[test]
    fn newest_equals_its_definition_for_long_shared_prefixes_and_ties() {
        // Sagsids that agree in their first 16 bytes (and beyond), are prefixes of each other, or hold
        // a NUL; versions that tie; the arrival order scrambled by a small LCG.
        let ids = [
            "101-000000000000001",
            "101-000000000000002",
            "101-0000000000000",
            "101-00000000000000",
            "a",
            "a\0",
            "",
            "101-000000000000001x",
        ];
        let mut x: u64 = 7;
        let mut arrived = Vec::new();
        for n in 0..400 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let id = ids[(x >> 33) as usize % ids.len()];
            let version = 20240100 + ((x >> 20) % 3) as i32 * 100;
            arrived.push(sag(id, version, &format!("arrival {n}")));
        }
        assert_eq!(shown(&newest(arrived.clone())), shown(&newest_by_definition(arrived)));
    }

    #[test]
    fn newest_keeps_the_greatest_version_and_of_equal_ones_the_last_to_arrive() {
        let arrived = vec![
            sag("B", 20240200, "feb"),
            sag("A", 20240100, "jan"),
            sag("B", 20240100, "jan, later"), // older, arriving later: ignored
            sag("C", 20240100, "first"),
            sag("C", 20240100, "second"), // the same version again: the later wins
        ];
        assert_eq!(shown(&newest(arrived)), ["A 20240100 jan", "B 20240200 feb", "C 20240100 second"]);
    }

    #[test]
    fn merge_takes_newer_and_equal_versions_and_keeps_a_newer_stored_one() {
        let stored = vec![sag("A", 20240200, "stored"), sag("C", 20240100, "stored"), sag("E", 20240100, "stored")];
        let newer = vec![
            sag("A", 20240100, "older"),
            sag("B", 20240100, "new"),
            sag("C", 20240100, "equal"),
            sag("F", 20240100, "new"),
        ];
        assert_eq!(
            shown(&merge(stored, newer)),
            ["A 20240200 stored", "B 20240100 new", "C 20240100 equal", "E 20240100 stored", "F 20240100 new"]
        );
    }
}
