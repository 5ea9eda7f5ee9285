//! The case store: accepted case versions per municipality, the delivery log and the receipts,
//! changed only by whole transactions (DESIGN § 9).
//!
//! Layout:
//! ```text
//! STORE/godkend-store.json           the manifest: format, key fingerprint, committed generation, its files
//! STORE/sager/<kode>-g<N>.parquet    one handlekommune's cases as generation N wrote them
//! STORE/leveringer-g<N>.parquet      the delivery log as of generation N
//! STORE/kvitteringer/<fil>.txt|json  one receipt per delivery
//! STORE/kvitteringer/.g<N>/          generation N's receipts, staged until it has committed
//! STORE/skriver.lock                 locked by the one process writing (ingest)
//! STORE/laeser.lock                  locked shared by readers; superseded files go only when no reader holds it
//! ```
//! **Invariant:** the manifest names exactly the committed state. A transaction writes only names
//! of its own new generation, fsyncs them, and commits by replacing the manifest (rename after fsync,
//! then fsync of the folder). A file the manifest does not name is a leftover of an uncommitted
//! transaction (deleted when the store is next opened for writing) or superseded (deleted once no
//! reader holds the store). Staged receipts of a committed generation are moved into place at commit,
//! or at the next open for writing if the process died in between.
//!
//! Deleted cases stay as tombstones (`slettet = true`) so that the order deliveries are ingested in
//! does not matter: a case's version is its delivery's month and sequence number.

use crate::receipt::Kvittering;
use crate::{Error, Result};
use chrono::NaiveDate;
use polars::prelude::*;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

const FORMAT: u32 = 2;
const MANIFEST: &str = "godkend-store.json";
const WRITER_LOCK: &str = "skriver.lock";
const READER_LOCK: &str = "laeser.lock";
const CASES_DIR: &str = "sager";
const RECEIPTS_DIR: &str = "kvitteringer";

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
    /// Accepted adult records per handlekommune, and those without a target group, as JSON
    /// (`{"183": {"i_alt": 305, "uden_maalgruppe": 134}}`).
    pub voksenposter: String,
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
            voksenposter: serde_json::to_string(&k.voksenposter).expect("counts serialise"),
            fund: serde_json::to_string(&k.counts().iter().map(|(c, n)| (c.code(), *n)).collect::<BTreeMap<_, _>>())
                .expect("counts serialise"),
        })
    }

    pub fn is_rejected(&self) -> bool {
        self.status == "afvist"
    }

    /// One municipality's accepted adult records in this delivery: (all, without target group).
    pub fn voksenposter_for(&self, kommunekode: u16) -> (u64, u64) {
        let map: BTreeMap<u16, crate::receipt::Voksenposter> =
            serde_json::from_str(&self.voksenposter).unwrap_or_default();
        map.get(&kommunekode).map_or((0, 0), |v| (v.i_alt as u64, v.uden_maalgruppe as u64))
    }
}

/// What the store's manifest says: who may open it, and which files are the committed state.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Manifest {
    format: u32,
    noegle_fingeraftryk: String,
    demo_noegle: bool,
    /// The committed generation; 0 for a new store.
    generation: u64,
    /// The delivery log (relative to the store), once a delivery has been ingested.
    leveringer: Option<String>,
    /// Each municipality's case file, relative to the store.
    sager: BTreeMap<u16, String>,
}

/// A case store opened for reading (`open`) or as its one writer (`open_or_create`).
#[derive(Debug)]
pub struct CaseStore {
    root: PathBuf,
    /// The committed state; a commit through this store replaces it.
    manifest: std::sync::RwLock<Manifest>,
    writer: bool,
    /// The writer lock or a shared reader lock, released when the store is dropped.
    _lock: Option<File>,
}

impl CaseStore {
    /// Opens the store at `root` as its one writer, creating it if it does not exist. Another
    /// process writing to it is an error ([`Error::Busy`]); what an interrupted transaction left is
    /// cleaned up (rolled back, or its receipts moved into place if it had committed). A store made
    /// under another pseudonym key is refused: its pseudonyms would not match the new ones.
    pub fn open_or_create(root: &Path, key: &crate::Noegle) -> Result<CaseStore> {
        std::fs::create_dir_all(root).map_err(Error::io(root))?;
        let lock = lock_writer(root)?;
        let manifest_path = root.join(MANIFEST);
        let manifest = if manifest_path.exists() {
            let manifest = read_manifest(root)?;
            if manifest.noegle_fingeraftryk != key.fingerprint() {
                return Err(Error::Key(format!(
                    "{}: the store was made with another pseudonym key{}",
                    root.display(),
                    if manifest.demo_noegle { " (the demo key: use --demo-noegle)" } else { "" }
                )));
            }
            manifest
        } else {
            let foreign = std::fs::read_dir(root)
                .map_err(Error::io(root))?
                .filter_map(|e| e.ok())
                .any(|e| ![WRITER_LOCK, READER_LOCK].contains(&e.file_name().to_string_lossy().as_ref()));
            if foreign {
                return Err(Error::Store {
                    path: root.to_path_buf(),
                    message: "the folder exists, is not empty and is not a godkend store".into(),
                });
            }
            for dir in [root.join(CASES_DIR), root.join(RECEIPTS_DIR)] {
                std::fs::create_dir_all(&dir).map_err(Error::io(&dir))?;
            }
            let manifest = Manifest {
                format: FORMAT,
                noegle_fingeraftryk: key.fingerprint(),
                demo_noegle: key.is_demo(),
                generation: 0,
                leveringer: None,
                sager: BTreeMap::new(),
            };
            write_manifest(root, &manifest)?;
            manifest
        };
        let store = CaseStore { root: root.to_path_buf(), manifest: manifest.into(), writer: true, _lock: Some(lock) };
        store.recover()?;
        Ok(store)
    }

    /// Opens an existing store for reading. Takes a shared lock so that a writer never deletes the
    /// files this reader's manifest names while it reads them (on a read-only store, no lock).
    pub fn open(root: &Path) -> Result<CaseStore> {
        if !root.join(MANIFEST).exists() {
            return Err(Error::Store {
                path: root.to_path_buf(),
                message: "not a godkend store (no godkend-store.json)".into(),
            });
        }
        let lock = File::options().create(true).truncate(false).write(true).open(root.join(READER_LOCK)).ok();
        let lock = lock.filter(|f| f.lock_shared().is_ok());
        let manifest = read_manifest(root)?;
        Ok(CaseStore { root: root.to_path_buf(), manifest: manifest.into(), writer: false, _lock: lock })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn manifest(&self) -> std::sync::RwLockReadGuard<'_, Manifest> {
        self.manifest.read().expect("no panic while holding the manifest")
    }

    /// The committed generation (0 for a store nothing has been ingested into).
    pub fn generation(&self) -> u64 {
        self.manifest().generation
    }

    /// One municipality's case file, if it has one.
    pub fn cases_path(&self, kommunekode: u16) -> Option<PathBuf> {
        self.manifest().sager.get(&kommunekode).map(|f| self.root.join(f))
    }

    /// The municipalities that have a case file, in code order.
    pub fn kommuner(&self) -> Result<Vec<u16>> {
        Ok(self.manifest().sager.keys().copied().collect())
    }

    /// Every stored version of one municipality's cases (tombstones included).
    pub fn read_cases(&self, kommunekode: u16) -> Result<Vec<Sag>> {
        let Some(path) = self.cases_path(kommunekode) else {
            return Ok(Vec::new());
        };
        let df = read_parquet(&path)?;
        cases_from_frame(&df).map_err(|e| Error::Store { path, message: e.to_string() })
    }

    pub fn read_log(&self) -> Result<Vec<LogEntry>> {
        let Some(file) = self.manifest().leveringer.clone() else {
            return Ok(Vec::new());
        };
        let path = self.root.join(file);
        let df = read_parquet(&path)?;
        log_from_frame(&df).map_err(|e| Error::Store { path, message: e.to_string() })
    }

    /// Starts the next generation. Only the writer may.
    pub fn begin(&self) -> Result<Transaction<'_>> {
        assert!(self.writer, "a transaction needs the store opened for writing");
        let generation = self.generation() + 1;
        let staging = self.root.join(RECEIPTS_DIR).join(format!(".g{generation}"));
        std::fs::create_dir_all(&staging).map_err(Error::io(&staging))?;
        Ok(Transaction { store: self, generation, staging, sager: Mutex::new(BTreeMap::new()), committed: false })
    }

    /// After a kill: staged receipts of a committed generation are moved into place, everything
    /// an uncommitted transaction wrote is deleted, and superseded files go if no reader holds them.
    fn recover(&self) -> Result<()> {
        let receipts = self.root.join(RECEIPTS_DIR);
        for entry in std::fs::read_dir(&receipts).map_err(Error::io(&receipts))? {
            let path = entry.map_err(Error::io(&receipts))?.path();
            let Some(g) = staged_generation(&path) else { continue };
            if g <= self.generation() {
                publish_receipts(&path)?;
            } else {
                std::fs::remove_dir_all(&path).map_err(Error::io(&path))?;
            }
        }
        self.collect_garbage()
    }

    /// Deletes temporary files, files of uncommitted generations and, when no reader holds the
    /// store, files of superseded generations.
    fn collect_garbage(&self) -> Result<()> {
        let reader_lock = File::options().create(true).truncate(false).write(true).open(self.root.join(READER_LOCK));
        let no_readers = reader_lock.as_ref().is_ok_and(|f| f.try_lock().is_ok());
        let manifest = self.manifest().clone();
        let named: Vec<PathBuf> =
            manifest.sager.values().chain(&manifest.leveringer).map(|f| self.root.join(f)).collect();
        for dir in [self.root.clone(), self.root.join(CASES_DIR)] {
            for entry in std::fs::read_dir(&dir).map_err(Error::io(&dir))? {
                let path = entry.map_err(Error::io(&dir))?.path();
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                let doomed = if name.starts_with(".tmp") {
                    true
                } else if let Some(g) = file_generation(name) {
                    !named.contains(&path) && (g > manifest.generation || no_readers)
                } else {
                    false
                };
                if doomed && path.is_file() {
                    std::fs::remove_file(&path).map_err(Error::io(&path))?;
                }
            }
        }
        Ok(())
    }
}

/// One ingest's changes, invisible to readers until [`Transaction::commit`]. Dropped without a
/// commit, it leaves the store as it was (its files are removed, or at the latest at the next open).
#[derive(Debug)]
pub struct Transaction<'s> {
    store: &'s CaseStore,
    generation: u64,
    staging: PathBuf,
    sager: Mutex<BTreeMap<u16, String>>,
    committed: bool,
}

impl Transaction<'_> {
    /// Writes a receipt as `<fil>.txt` and `<fil>.json`, staged until commit. An error here (a
    /// name the file system refuses, a full disk) means the delivery cannot be taken in.
    pub fn stage_receipt(&self, k: &Kvittering) -> Result<()> {
        let base = self.staging.join(&k.fil);
        if base.parent() != Some(self.staging.as_path()) {
            return Err(Error::Store { path: base, message: "a receipt's name may not contain a folder".into() });
        }
        let paths = [base.with_extension(ext(&k.fil, "txt")), base.with_extension(ext(&k.fil, "json"))];
        let written = std::fs::write(&paths[0], k.to_text())
            .map_err(Error::io(&paths[0]))
            .and_then(|()| std::fs::write(&paths[1], k.to_json()).map_err(Error::io(&paths[1])));
        if written.is_err() {
            for p in &paths {
                let _ = std::fs::remove_file(p);
            }
        }
        written
    }

    /// Writes one municipality's case file for this generation (sorted by sagsid, fsynced).
    pub fn write_cases(&self, kommunekode: u16, cases: &mut [Sag]) -> Result<()> {
        cases.sort_by(|a, b| a.sagsid.cmp(&b.sagsid));
        let name = format!("{CASES_DIR}/{kommunekode:03}-g{}.parquet", self.generation);
        let path = self.store.root.join(&name);
        let mut df = cases_to_frame(cases).map_err(|e| Error::Store { path: path.clone(), message: e.to_string() })?;
        write_parquet_durably(&path, &mut df)?;
        self.sager.lock().expect("no panic while holding the lock").insert(kommunekode, name);
        Ok(())
    }

    /// Writes the new delivery log (ordered by municipality, month and sequence) and commits: the
    /// manifest is replaced in one rename, then the staged receipts move into place.
    pub fn commit(mut self, log: &mut [LogEntry]) -> Result<()> {
        let store = self.store;
        let root = &store.root;
        log.sort_by(|a, b| {
            (a.kommunekode, &a.maaned, a.loebenummer, &a.sha256).cmp(&(
                b.kommunekode,
                &b.maaned,
                b.loebenummer,
                &b.sha256,
            ))
        });
        let log_name = format!("leveringer-g{}.parquet", self.generation);
        let log_path = root.join(&log_name);
        let mut df = log_to_frame(log).map_err(|e| Error::Store { path: log_path.clone(), message: e.to_string() })?;
        write_parquet_durably(&log_path, &mut df)?;
        crash_point("log");
        sync_dir(&self.staging)?;
        sync_dir(&root.join(CASES_DIR))?;

        let mut manifest = store.manifest().clone();
        manifest.generation = self.generation;
        manifest.leveringer = Some(log_name);
        manifest.sager.extend(std::mem::take(&mut *self.sager.lock().expect("no panic while holding the lock")));
        write_manifest(root, &manifest)?;
        self.committed = true;
        *store.manifest.write().expect("no panic while holding the manifest") = manifest;
        crash_point("manifest");

        publish_receipts(&self.staging)?;
        crash_point("kvitteringer");
        store.collect_garbage()
    }
}

impl Drop for Transaction<'_> {
    /// Not committed: remove what this transaction wrote (best effort; the next open does it too).
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        let _ = std::fs::remove_dir_all(&self.staging);
        if let Ok(sager) = self.sager.lock() {
            for name in sager.values() {
                let _ = std::fs::remove_file(self.store.root.join(name));
            }
        }
    }
}

/// A test hook for the kill-and-resume tests: `GODKEND_AFBRYD=<step>` aborts the process right
/// after that step of an ingest, as a power cut or `kill -9` would.
pub(crate) fn crash_point(step: &str) {
    if std::env::var_os("GODKEND_AFBRYD").is_some_and(|v| v == step) {
        std::process::abort();
    }
}

fn lock_writer(root: &Path) -> Result<File> {
    let path = root.join(WRITER_LOCK);
    let mut file =
        File::options().create(true).truncate(false).read(true).write(true).open(&path).map_err(Error::io(&path))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let holder = std::fs::read_to_string(&path).ok().and_then(|s| s.trim().parse::<u32>().ok());
            return Err(Error::Busy { path: root.to_path_buf(), pid: holder });
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(&path)(e)),
    }
    file.set_len(0).and_then(|()| write!(file, "{}", std::process::id())).map_err(Error::io(&path))?;
    Ok(file)
}

fn read_manifest(root: &Path) -> Result<Manifest> {
    let path = root.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(Error::io(&path))?;
    let format =
        serde_json::from_str::<serde_json::Value>(&text).ok().and_then(|v| v.get("format").and_then(|f| f.as_u64()));
    if let Some(f) = format.filter(|f| *f != u64::from(FORMAT)) {
        return Err(Error::Store {
            path,
            message: format!("store format {f} (this godkend reads {FORMAT}); ingest the deliveries into a new store"),
        });
    }
    serde_json::from_str(&text).map_err(|e| Error::Store { path, message: format!("not a godkend store: {e}") })
}

/// The commit point: a new manifest, fsynced, renamed over the old one, and the folder fsynced.
fn write_manifest(root: &Path, manifest: &Manifest) -> Result<()> {
    let json = serde_json::to_string_pretty(manifest).expect("manifest serialises");
    write_durably(&root.join(MANIFEST), json.as_bytes())
}

/// `.g7` → 7 (a staging folder of receipts).
fn staged_generation(path: &Path) -> Option<u64> {
    path.is_dir().then_some(())?;
    path.file_name()?.to_str()?.strip_prefix(".g")?.parse().ok()
}

/// `101-g7.parquet`, `leveringer-g7.parquet` → 7.
fn file_generation(name: &str) -> Option<u64> {
    name.strip_suffix(".parquet")?.rsplit_once("-g")?.1.parse().ok()
}

/// Moves a committed generation's staged receipts into `kvitteringer/`; idempotent.
fn publish_receipts(staging: &Path) -> Result<()> {
    let target = staging.parent().expect("staging is inside kvitteringer/");
    let mut entries: Vec<PathBuf> = std::fs::read_dir(staging)
        .map_err(Error::io(staging))?
        .map(|e| e.map(|e| e.path()).map_err(Error::io(staging)))
        .collect::<Result<_>>()?;
    entries.sort();
    for (i, path) in entries.iter().enumerate() {
        let to = target.join(path.file_name().expect("a file"));
        std::fs::rename(path, &to).map_err(Error::io(&to))?;
        if i == 0 {
            crash_point("en-kvittering");
        }
    }
    sync_dir(target)?;
    std::fs::remove_dir(staging).map_err(Error::io(staging))
}

/// `101_2024-03.csv` → `csv.json`, so receipts of a CSV and a Parquet delivery of the same month differ.
fn ext(fil: &str, kind: &str) -> String {
    let e = Path::new(fil).extension().and_then(|e| e.to_str()).unwrap_or("");
    if e.is_empty() { kind.to_string() } else { format!("{e}.{kind}") }
}

/// Writes `bytes` to `path` through a uniquely named temporary file in the same folder and a
/// rename, so a reader sees the old file or the new one, never part of one. For outputs.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = parent(path);
    let mut tmp = tempfile::Builder::new().prefix(".tmp").tempfile_in(dir).map_err(Error::io(dir))?;
    tmp.write_all(bytes).map_err(Error::io(tmp.path()))?;
    tmp.persist(path).map_err(|e| Error::io(path)(e.error))?;
    Ok(())
}

/// As [`write_atomic`], and the file and its folder are fsynced: for the store's own files.
fn write_durably(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = parent(path);
    let mut tmp = tempfile::Builder::new().prefix(".tmp").tempfile_in(dir).map_err(Error::io(dir))?;
    tmp.write_all(bytes).and_then(|()| tmp.as_file().sync_all()).map_err(Error::io(tmp.path()))?;
    tmp.persist(path).map_err(|e| Error::io(path)(e.error))?;
    sync_dir(dir)
}

fn write_parquet_durably(path: &Path, df: &mut DataFrame) -> Result<()> {
    let dir = parent(path);
    let tmp = tempfile::Builder::new().prefix(".tmp").tempfile_in(dir).map_err(Error::io(dir))?;
    ParquetWriter::new(tmp.as_file())
        .with_compression(ParquetCompression::Zstd(None))
        .finish(df)
        .map_err(|e| Error::Store { path: tmp.path().to_path_buf(), message: e.to_string() })?;
    tmp.as_file().sync_all().map_err(Error::io(tmp.path()))?;
    tmp.persist(path).map_err(|e| Error::io(path)(e.error))?;
    Ok(())
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|f| f.sync_all()).map_err(Error::io(dir))
}

fn read_parquet(path: &Path) -> Result<DataFrame> {
    let file = File::open(path).map_err(Error::io(path))?;
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
            s("voksenposter", entries.iter().map(|e| e.voksenposter.as_str()).collect()),
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
    let voksne = text("voksenposter")?;
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
        })
        .collect())
}
