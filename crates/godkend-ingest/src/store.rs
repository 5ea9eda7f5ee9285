//! The case store: accepted case versions per municipality, the delivery log and the receipts.
//!
//! Layout (all Parquet, one municipality readable without the others):
//! ```text
//! STORE/godkend-store.json          format version and the pseudonym key's fingerprint
//! STORE/sager/<kode>.parquet        the current version of every case of one handlekommune
//! STORE/leveringer.parquet          the delivery log: one row per delivery ingested
//! STORE/kvitteringer/<fil>.txt|json one receipt per delivery
//! ```
//! Every file is written to a temporary name and renamed, so a crash leaves the old file whole.
//! Deleted cases stay as tombstones (`slettet = true`) so that the order deliveries are ingested in
//! does not matter: a case's version is its delivery's month and sequence number.

use crate::receipt::Kvittering;
use crate::{Error, Result};
use chrono::NaiveDate;
use polars::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const FORMAT: u32 = 1;
const META: &str = "godkend-store.json";

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
    /// `YYYYMMNN` of the delivery this version came from (month and sequence number).
    pub version: i32,
}

/// One row of the delivery log.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LogEntry {
    pub fil: String,
    pub kommunekode: u16,
    pub maaned: String,
    pub loebenummer: u16,
    pub sha256: String,
    pub status: String,
    pub raekker: u64,
    pub accepterede: u64,
    pub afviste: u64,
    pub slettede: u64,
    pub maalgruppe_mangler: u64,
    /// Counts per finding code as JSON (`{"cpr_ugyldig": 3}`), for the data-quality section.
    pub fund: String,
}

impl LogEntry {
    pub fn from_receipt(k: &Kvittering) -> Option<LogEntry> {
        Some(LogEntry {
            fil: k.fil.clone(),
            kommunekode: k.kommunekode?,
            maaned: k.maaned?.to_string(),
            loebenummer: k.loebenummer?,
            sha256: k.sha256.clone(),
            status: serde_json::to_value(k.status).ok()?.as_str()?.to_string(),
            raekker: k.raekker as u64,
            accepterede: k.accepterede as u64,
            afviste: k.afviste as u64,
            slettede: k.slettede as u64,
            maalgruppe_mangler: k.antal(godkend_model::FundKode::MaalgruppeMangler) as u64,
            fund: serde_json::to_string(&k.counts().iter().map(|(c, n)| (c.code(), *n)).collect::<BTreeMap<_, _>>())
                .expect("counts serialise"),
        })
    }

    pub fn is_rejected(&self) -> bool {
        self.status == "afvist"
    }
}

#[derive(Debug)]
pub struct CaseStore {
    root: PathBuf,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Meta {
    format: u32,
    noegle_fingeraftryk: String,
    demo_noegle: bool,
}

impl CaseStore {
    /// Opens the store at `root`, creating it if it does not exist. A store made under another
    /// pseudonym key is refused: its pseudonyms would not match the new ones.
    pub fn open_or_create(root: &Path, key: &crate::Noegle) -> Result<CaseStore> {
        let store = CaseStore { root: root.to_path_buf() };
        let meta_path = root.join(META);
        if meta_path.exists() {
            let text = std::fs::read_to_string(&meta_path).map_err(Error::io(&meta_path))?;
            let meta: Meta = serde_json::from_str(&text)
                .map_err(|e| Error::Store { path: meta_path.clone(), message: format!("not a godkend store: {e}") })?;
            if meta.format != FORMAT {
                return Err(Error::Store {
                    path: meta_path,
                    message: format!("store format {} (this godkend reads {FORMAT})", meta.format),
                });
            }
            if meta.noegle_fingeraftryk != key.fingerprint() {
                return Err(Error::Key(format!(
                    "{}: the store was made with another pseudonym key{}",
                    root.display(),
                    if meta.demo_noegle { " (the demo key: use --demo-noegle)" } else { "" }
                )));
            }
        } else {
            if root.exists() && std::fs::read_dir(root).map_err(Error::io(root))?.next().is_some() {
                return Err(Error::Store {
                    path: root.to_path_buf(),
                    message: "the folder exists, is not empty and is not a godkend store".into(),
                });
            }
            for dir in [root.to_path_buf(), root.join("sager"), root.join("kvitteringer")] {
                std::fs::create_dir_all(&dir).map_err(Error::io(&dir))?;
            }
            let meta = Meta { format: FORMAT, noegle_fingeraftryk: key.fingerprint(), demo_noegle: key.is_demo() };
            write_atomic(&meta_path, serde_json::to_string_pretty(&meta).expect("meta").as_bytes())?;
        }
        Ok(store)
    }

    /// Opens an existing store for reading only.
    pub fn open(root: &Path) -> Result<CaseStore> {
        let meta_path = root.join(META);
        if !meta_path.exists() {
            return Err(Error::Store {
                path: root.to_path_buf(),
                message: "not a godkend store (no godkend-store.json)".into(),
            });
        }
        Ok(CaseStore { root: root.to_path_buf() })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn cases_path(&self, kommunekode: u16) -> PathBuf {
        self.root.join("sager").join(format!("{kommunekode:03}.parquet"))
    }

    pub fn log_path(&self) -> PathBuf {
        self.root.join("leveringer.parquet")
    }

    /// The municipalities that have a case file, in code order.
    pub fn kommuner(&self) -> Result<Vec<u16>> {
        let dir = self.root.join("sager");
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(Error::io(&dir))? {
            let name = entry.map_err(Error::io(&dir))?.file_name();
            if let Some(k) = name.to_str().and_then(|n| n.strip_suffix(".parquet")).and_then(|k| k.parse().ok()) {
                out.push(k);
            }
        }
        out.sort_unstable();
        Ok(out)
    }

    /// Every stored version of one municipality's cases (tombstones included).
    pub fn read_cases(&self, kommunekode: u16) -> Result<Vec<Sag>> {
        let path = self.cases_path(kommunekode);
        if !path.exists() {
            return Ok(Vec::new());
        }
        let df = read_parquet(&path)?;
        cases_from_frame(&df).map_err(|e| Error::Store { path, message: e.to_string() })
    }

    /// Replaces one municipality's case file (sorted by sagsid, written atomically).
    pub fn write_cases(&self, kommunekode: u16, cases: &mut [Sag]) -> Result<()> {
        cases.sort_by(|a, b| a.sagsid.cmp(&b.sagsid));
        let path = self.cases_path(kommunekode);
        let mut df = cases_to_frame(cases).map_err(|e| Error::Store { path: path.clone(), message: e.to_string() })?;
        write_parquet_atomic(&path, &mut df)
    }

    pub fn read_log(&self) -> Result<Vec<LogEntry>> {
        let path = self.log_path();
        if !path.exists() {
            return Ok(Vec::new());
        }
        let df = read_parquet(&path)?;
        log_from_frame(&df).map_err(|e| Error::Store { path, message: e.to_string() })
    }

    /// Replaces the delivery log, ordered by municipality, month and sequence.
    pub fn write_log(&self, entries: &mut [LogEntry]) -> Result<()> {
        entries.sort_by(|a, b| {
            (a.kommunekode, &a.maaned, a.loebenummer, &a.sha256).cmp(&(
                b.kommunekode,
                &b.maaned,
                b.loebenummer,
                &b.sha256,
            ))
        });
        let path = self.log_path();
        let mut df = log_to_frame(entries).map_err(|e| Error::Store { path: path.clone(), message: e.to_string() })?;
        write_parquet_atomic(&path, &mut df)
    }

    /// Writes a receipt as `<fil>.txt` and `<fil>.json` under `kvitteringer/`.
    pub fn write_receipt(&self, k: &Kvittering) -> Result<PathBuf> {
        let base = self.root.join("kvitteringer").join(&k.fil);
        write_atomic(&base.with_extension(ext(&k.fil, "txt")), k.to_text().as_bytes())?;
        let json = base.with_extension(ext(&k.fil, "json"));
        write_atomic(&json, k.to_json().as_bytes())?;
        Ok(json)
    }

    pub fn receipt_path(&self, fil: &str) -> PathBuf {
        self.root.join("kvitteringer").join(fil).with_extension(ext(fil, "json"))
    }
}

/// `101_2024-03.csv` → `csv.json`, so receipts of a CSV and a Parquet delivery of the same month differ.
fn ext(fil: &str, kind: &str) -> String {
    let e = Path::new(fil).extension().and_then(|e| e.to_str()).unwrap_or("");
    if e.is_empty() { kind.to_string() } else { format!("{e}.{kind}") }
}

pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = tmp_path(path);
    std::fs::write(&tmp, bytes).map_err(Error::io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(Error::io(path))
}

fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.tmp", std::process::id()));
    path.with_file_name(name)
}

fn write_parquet_atomic(path: &Path, df: &mut DataFrame) -> Result<()> {
    let tmp = tmp_path(path);
    let file = std::fs::File::create(&tmp).map_err(Error::io(&tmp))?;
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(df)
        .map_err(|e| Error::Store { path: tmp.clone(), message: e.to_string() })?;
    std::fs::rename(&tmp, path).map_err(Error::io(path))
}

fn read_parquet(path: &Path) -> Result<DataFrame> {
    let file = std::fs::File::open(path).map_err(Error::io(path))?;
    ParquetReader::new(file).finish().map_err(|e| Error::Store { path: path.to_path_buf(), message: e.to_string() })
}

pub(crate) const EPOCH: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");

fn days(d: NaiveDate) -> i32 {
    (d - EPOCH).num_days() as i32
}

fn date(days: i32) -> NaiveDate {
    EPOCH + chrono::Duration::days(i64::from(days))
}

fn date_series(name: &str, values: Vec<Option<i32>>) -> PolarsResult<Column> {
    Ok(Series::new(name.into(), values).cast(&DataType::Date)?.into())
}

fn cases_to_frame(cases: &[Sag]) -> PolarsResult<DataFrame> {
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
            col("version", Series::new("".into(), cases.iter().map(|c| c.version).collect::<Vec<_>>())),
        ],
    )
}

fn cases_from_frame(df: &DataFrame) -> PolarsResult<Vec<Sag>> {
    let kommune = df.column("kommunekode")?.i32()?;
    let sagsid = df.column("sagsid")?.str()?;
    let person = df.column("person")?.u64()?;
    let foedt = df.column("foedselsdato")?.date()?.physical();
    let koen = df.column("koen")?.str()?;
    let ydelse = df.column("ydelse")?.str()?;
    let maalgruppe = df.column("maalgruppe")?.i32()?;
    let start = df.column("startdato")?.date()?.physical();
    let slut = df.column("slutdato")?.date()?.physical();
    let slettet = df.column("slettet")?.bool()?;
    let version = df.column("version")?.i32()?;
    let missing = || PolarsError::ComputeError("null in a required column".into());
    let mut out = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        out.push(Sag {
            kommunekode: kommune.get(i).ok_or_else(missing)? as u16,
            sagsid: sagsid.get(i).ok_or_else(missing)?.to_string(),
            person: person.get(i).ok_or_else(missing)?,
            foedselsdato: date(foedt.get(i).ok_or_else(missing)?),
            koen: godkend_model::Koen::parse(koen.get(i).ok_or_else(missing)?).ok_or_else(missing)?,
            ydelse: ydelse.get(i).ok_or_else(missing)?.to_string(),
            maalgruppe: maalgruppe.get(i).map(|m| m as u8),
            startdato: date(start.get(i).ok_or_else(missing)?),
            slutdato: slut.get(i).map(date),
            slettet: slettet.get(i).ok_or_else(missing)?,
            version: version.get(i).ok_or_else(missing)?,
        });
    }
    Ok(out)
}

fn log_to_frame(entries: &[LogEntry]) -> PolarsResult<DataFrame> {
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
            s("fund", entries.iter().map(|e| e.fund.as_str()).collect()),
        ],
    )
}

fn log_from_frame(df: &DataFrame) -> PolarsResult<Vec<LogEntry>> {
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
            fund: fund[i].clone(),
        })
        .collect())
}
