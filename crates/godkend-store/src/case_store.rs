//! The case store itself: accepted case versions per municipality, the delivery log and the receipts,
//! changed only by whole transactions (docs/lager.md).
//!
//! Layout:
//! ```text
//! STORE/godkend-store.json           the manifest: format, key fingerprint, committed generation, its files
//! STORE/sager/<kode>-g<N>.parquet    one handlekommune's cases as generation N wrote them: its base
//!                                    file, or a delta file of the versions generation N added
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
//! A small ingest into a municipality that has a base file writes a delta file instead of rewriting
//! the base ([`crate::Transaction::add_cases`]); readers merge the base and its deltas with the same
//! rule as ingest ([`crate::tables::newest`], [`crate::tables::merge`]), so what they see does not depend on how the versions are
//! spread over files. Deleted cases stay as tombstones (`slettet = true`) so that the order deliveries are ingested in
//! does not matter: a case's version is its delivery's month and sequence number.

use crate::manifest::{
    CASES_DIR, FORMAT, Kontrol, MANIFEST, Manifest, RECEIPTS_DIR, file_generation, publish_receipts, read_manifest,
    staged_generation, write_manifest,
};
use crate::tables::{
    Sag, log_from_frame, merge, newest, parquet_rows, read_case_file, read_case_file_since, read_live,
    read_live_merged, read_parquet,
};
use crate::{Error, Result};
use godkend_model::LogEntry;
use polars_core::prelude::DataFrame;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

const WRITER_LOCK: &str = "skriver.lock";
const READER_LOCK: &str = "laeser.lock";
/// Who may open a store: the fingerprint of the pseudonym key that made it (never the key), and
/// whether that key is the public demo key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyFingerprint {
    pub fingerprint: String,
    pub demo: bool,
}

/// How one municipality's cases are spread over files, from the Parquet footers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct CaseFileRows {
    /// Rows of the base file; `None` when the municipality has no case file yet.
    pub(crate) base: Option<u64>,
    /// Rows of all its delta files together.
    pub(crate) tillaeg: u64,
    /// How many delta files it has.
    pub(crate) tillaeg_filer: usize,
}

/// The current version of each case in a base file and its delta files (verified, oldest first), by sagsid.
fn merged_cases(files: &[PathBuf]) -> Result<Vec<Sag>> {
    let [base, deltas @ ..] = files else {
        return Ok(Vec::new());
    };
    let base = read_case_file(base)?;
    if deltas.is_empty() {
        return Ok(base);
    }
    // The deltas' newest versions (few), merged into the base; all are sorted by sagsid.
    let mut versions = Vec::new();
    for path in deltas {
        versions.extend(read_case_file(path)?);
    }
    Ok(merge(base, newest(versions)))
}

/// A case store opened for reading (`open`) or as its one writer (`open_or_create`).
#[derive(Debug)]
pub struct CaseStore {
    pub(crate) root: PathBuf,
    /// The committed state; a commit through this store replaces it.
    pub(crate) manifest: std::sync::RwLock<Manifest>,
    pub(crate) writer: bool,
    /// The files whose size and SHA-256 this process has checked against the manifest.
    verified: std::sync::Mutex<std::collections::BTreeSet<String>>,
    /// The writer lock or a shared reader lock, released when the store is dropped.
    _lock: Option<File>,
}

impl CaseStore {
    /// Opens the store at `root` as its one writer, creating it if it does not exist. Another
    /// process writing to it is an error ([`Error::Busy`]); what an interrupted transaction left is
    /// cleaned up (rolled back, or its receipts moved into place if it had committed). A store made
    /// under another pseudonym key is refused: its pseudonyms would not match the new ones.
    pub fn open_or_create(root: &Path, key: &KeyFingerprint) -> Result<CaseStore> {
        std::fs::create_dir_all(root).map_err(Error::io(root))?;
        let lock = lock_writer(root)?;
        let manifest_path = root.join(MANIFEST);
        let manifest = if manifest_path.exists() {
            let manifest = read_manifest(root)?;
            if manifest.noegle_fingeraftryk != key.fingerprint {
                return Err(Error::Key(format!(
                    "{}: lageret er lavet med en anden pseudonymnøgle{}",
                    root.display(),
                    if manifest.demo_noegle { " (demonøglen: brug --demo-noegle)" } else { "" }
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
                    message: "mappen findes, er ikke tom og er ikke et godkend-lager".into(),
                });
            }
            for dir in [root.join(CASES_DIR), root.join(RECEIPTS_DIR)] {
                std::fs::create_dir_all(&dir).map_err(Error::io(&dir))?;
            }
            let manifest = Manifest {
                format: FORMAT,
                noegle_fingeraftryk: key.fingerprint.clone(),
                demo_noegle: key.demo,
                generation: 0,
                leveringer: None,
                sager: BTreeMap::new(),
                tillaeg: BTreeMap::new(),
                kontrol: BTreeMap::new(),
                ersattet: BTreeMap::new(),
                tjeksum: None,
            };
            write_manifest(root, &manifest)?;
            manifest
        };
        let store = CaseStore::new(root, manifest, true, Some(lock));
        store.recover()?;
        Ok(store)
    }

    /// Opens an existing store for reading. Takes a shared lock so that a writer never deletes the
    /// files this reader's manifest names while it reads them (on a read-only store, no lock).
    pub fn open(root: &Path) -> Result<CaseStore> {
        if !root.exists() {
            return Err(Error::Io { path: root.to_path_buf(), source: std::io::ErrorKind::NotFound.into() });
        }
        if !root.join(MANIFEST).exists() {
            return Err(Error::Store {
                path: root.to_path_buf(),
                message: "ikke et godkend-lager (ingen godkend-store.json)".into(),
            });
        }
        let lock = Some(lock_reader(root)?);
        let manifest = read_manifest(root)?;
        let store = CaseStore::new(root, manifest, false, lock);
        if let Some(problem) = store.unexplained_files()?.into_iter().next() {
            return Err(problem);
        }
        Ok(store)
    }

    /// A reader on a manifest already read, without the checks `open` makes: for `fsck`, which reports
    /// what they would refuse.
    pub(crate) fn open_unchecked(root: &Path, manifest: Manifest) -> Result<CaseStore> {
        Ok(CaseStore::new(root, manifest, false, Some(lock_reader(root)?)))
    }

    fn new(root: &Path, manifest: Manifest, writer: bool, lock: Option<File>) -> CaseStore {
        let verified = Default::default();
        CaseStore { root: root.to_path_buf(), manifest: manifest.into(), writer, verified, _lock: lock }
    }

    /// The path of a file the manifest names, once its size and SHA-256 are what the manifest says
    /// (checked once per process; a store older than format 4 has no checksums to check).
    pub(crate) fn verified(&self, file: &str) -> Result<PathBuf> {
        let path = self.root.join(file);
        let expected = self.manifest().kontrol.get(file).cloned();
        let Some(expected) = expected else { return Ok(path) };
        if self.verified.lock().expect("no panic while holding the lock").contains(file) {
            return Ok(path);
        }
        let now = Kontrol::of(&path)?;
        if now != expected {
            let what = if now.bytes == expected.bytes { "dens SHA-256" } else { "dens størrelse" };
            return Err(Error::Damaged {
                path,
                message: format!(
                    "filen passer ikke med lagerets manifest ({what} er anderledes): den er rullet tilbage, udskiftet eller beskadiget"
                ),
            });
        }
        self.verified.lock().expect("no panic while holding the lock").insert(file.to_string());
        Ok(path)
    }

    /// One municipality's case files as [`CaseStore::case_files`], each checked against the manifest.
    fn verified_case_files(&self, kommunekode: u16) -> Result<Vec<PathBuf>> {
        let names: Vec<String> = {
            let manifest = self.manifest();
            let base = manifest.sager.get(&kommunekode);
            base.into_iter().chain(manifest.tillaeg.get(&kommunekode).into_iter().flatten()).cloned().collect()
        };
        names.iter().map(|n| self.verified(n)).collect()
    }

    /// Files of a generation in the store's folders that the manifest neither names nor lists as
    /// superseded, and that are no leftover of an interrupted transaction: a sign of a manifest
    /// restored from an old copy or edited. Each is an [`Error::Damaged`].
    pub(crate) fn unexplained_files(&self) -> Result<Vec<Error>> {
        let manifest = self.manifest().clone();
        if !manifest.checked() {
            return Ok(Vec::new());
        }
        let next = manifest.generation.saturating_add(1);
        let staged_next = self.root.join(RECEIPTS_DIR).join(format!(".g{next}")).is_dir();
        let named: std::collections::BTreeSet<&String> = manifest.files().collect();
        let mut problems = Vec::new();
        for (dir, prefix) in [(self.root.clone(), ""), (self.root.join(CASES_DIR), "sager/")] {
            for entry in std::fs::read_dir(&dir).map_err(Error::io(&dir))? {
                let path = entry.map_err(Error::io(&dir))?.path();
                let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
                let Some(g) = file_generation(name) else { continue };
                let rel = format!("{prefix}{name}");
                if named.contains(&rel) || manifest.ersattet.contains_key(&rel) || (g == next && staged_next) {
                    continue;
                }
                let why = if g > manifest.generation {
                    format!(
                        "en fil fra generation {g}, nyere end manifestets {}: manifestet er genskabt fra en ældre kopi eller redigeret",
                        manifest.generation
                    )
                } else {
                    "en gemt fil, som manifestet ikke nævner: manifestet er redigeret eller et andet lagers".into()
                };
                problems.push(Error::Damaged { path, message: why });
            }
        }
        Ok(problems)
    }
    pub fn root(&self) -> &Path {
        &self.root
    }

    pub(crate) fn manifest(&self) -> std::sync::RwLockReadGuard<'_, Manifest> {
        self.manifest.read().expect("no panic while holding the manifest")
    }

    /// The committed generation (0 for a store nothing has been ingested into).
    pub fn generation(&self) -> u64 {
        self.manifest().generation
    }

    /// One municipality's case files: the base file, then its delta files, oldest first.
    pub fn case_files(&self, kommunekode: u16) -> Vec<PathBuf> {
        let manifest = self.manifest();
        let base = manifest.sager.get(&kommunekode);
        let deltas = manifest.tillaeg.get(&kommunekode).into_iter().flatten();
        base.into_iter().chain(deltas).map(|f| self.root.join(f)).collect()
    }

    /// The bytes of one municipality's case files (0 for a file that cannot be read): how much a job that
    /// reads them has to do, to start the largest first ([`crate::per_core_heaviest_first`]).
    pub fn case_bytes(&self, kommunekode: u16) -> u64 {
        self.case_files(kommunekode).iter().map(|f| std::fs::metadata(f).map_or(0, |m| m.len())).sum()
    }

    /// How many rows one municipality's base file and delta files hold (footers only).
    pub(crate) fn case_file_rows(&self, kommunekode: u16) -> Result<CaseFileRows> {
        let files = self.verified_case_files(kommunekode)?;
        let Some((base, deltas)) = files.split_first() else {
            return Ok(CaseFileRows::default());
        };
        let mut rows = CaseFileRows { base: Some(parquet_rows(base)?), tillaeg: 0, tillaeg_filer: deltas.len() };
        for d in deltas {
            rows.tillaeg += parquet_rows(d)?;
        }
        Ok(rows)
    }

    /// A fingerprint of the committed state: the manifest (generation, key, files) and the delivery log's
    /// bytes, which name every delivery by its SHA-256. Two stores with the same fingerprint hold the
    /// same cases; any commit changes it. What cached results are keyed by.
    pub fn state_fingerprint(&self) -> Result<String> {
        use sha2::{Digest, Sha256};
        let manifest = self.manifest().clone();
        let mut h = Sha256::new();
        h.update(serde_json::to_vec(&manifest).expect("the manifest serialises"));
        if let Some(log) = &manifest.leveringer {
            let path = self.verified(log)?;
            h.update(std::fs::read(&path).map_err(Error::io(path))?);
        }
        Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The municipalities that have a case file, in code order.
    pub fn kommuner(&self) -> Result<Vec<u16>> {
        Ok(self.manifest().sager.keys().copied().collect())
    }

    /// The current version of each of one municipality's cases (tombstones included), by sagsid: the
    /// base file merged with its delta files.
    pub fn read_cases(&self, kommunekode: u16) -> Result<Vec<Sag>> {
        merged_cases(&self.verified_case_files(kommunekode)?)
    }

    /// [`CaseStore::read_cases`], only the cases that can matter from `from` on ([`Sag::since`]): what a
    /// report year's flags are explained by, without making a case of every earlier one. With delta files
    /// the cases are merged first and then chosen (a delta's version may end a case the base has open).
    pub fn read_cases_since(&self, kommunekode: u16, from: chrono::NaiveDate) -> Result<Vec<Sag>> {
        let files = self.verified_case_files(kommunekode)?;
        match files.as_slice() {
            [] => Ok(Vec::new()),
            [base] => read_case_file_since(base, from),
            files => {
                let mut cases = merged_cases(files)?;
                cases.retain(|c| c.since(from));
                Ok(cases)
            }
        }
    }

    /// The live cases (tombstones dropped) of the given municipalities in one frame, read in
    /// parallel; columns [`crate::LIVE_COLUMNS`]. What counting reads.
    pub fn live_cases(&self, kommuner: &[u16]) -> Result<DataFrame> {
        let frames = kommuner
            .par_iter()
            .filter_map(|&k| match self.verified_case_files(k) {
                Err(e) => Some(Err(e)),
                Ok(files) => match files.as_slice() {
                    [] => None,
                    [base] => Some(read_live(base)),
                    files => Some(read_live_merged(files)),
                },
            })
            .collect::<Result<Vec<_>>>()?;
        let mut iter = frames.into_iter();
        let Some(mut all) = iter.next() else {
            return Ok(DataFrame::empty());
        };
        for df in iter {
            all.vstack_mut(&df).map_err(|e| Error::Store { path: self.root.clone(), message: e.to_string() })?;
        }
        Ok(all)
    }

    /// The JSON receipt of the delivery `fil` (as the log names it), if there is one.
    pub fn receipt_json(&self, fil: &str) -> Result<Option<String>> {
        self.receipt(fil, "json")
    }

    /// The text receipt of the delivery `fil` (what the municipality reads), if there is one.
    pub fn receipt_text(&self, fil: &str) -> Result<Option<String>> {
        self.receipt(fil, "txt")
    }

    fn receipt(&self, fil: &str, kind: &str) -> Result<Option<String>> {
        let path = self.root.join(RECEIPTS_DIR).join(fil).with_extension(crate::manifest::receipt_ext(fil, kind));
        if path.parent() != Some(self.root.join(RECEIPTS_DIR).as_path()) || !path.is_file() {
            return Ok(None);
        }
        std::fs::read_to_string(&path).map(Some).map_err(Error::io(&path))
    }

    /// The delivery log as committed: one row per delivery ever ingested (rejected ones included).
    pub fn read_log(&self) -> Result<Vec<LogEntry>> {
        let Some(file) = self.manifest().leveringer.clone() else {
            return Ok(Vec::new());
        };
        let path = self.verified(&file)?;
        let df = read_parquet(&path)?;
        log_from_frame(&df).map_err(|e| Error::Store { path, message: e.to_string() })
    }

    /// After a kill: staged receipts of a committed generation are moved into place, everything
    /// an uncommitted transaction wrote is deleted, and superseded files go if no reader holds them.
    /// A store with files the manifest cannot explain is refused ([`CaseStore::unexplained_files`]):
    /// an ingest would otherwise delete or overwrite them.
    fn recover(&self) -> Result<()> {
        if let Some(problem) = self.unexplained_files()?.into_iter().next() {
            return Err(problem);
        }
        let generation = self.generation();
        let receipts = self.root.join(RECEIPTS_DIR);
        let mut interrupted = None;
        for entry in std::fs::read_dir(&receipts).map_err(Error::io(&receipts))? {
            let path = entry.map_err(Error::io(&receipts))?.path();
            let Some(g) = staged_generation(&path) else { continue };
            if g <= generation {
                publish_receipts(&path)?;
            } else {
                interrupted = interrupted.max(Some(g));
                std::fs::remove_dir_all(&path).map_err(Error::io(&path))?;
            }
        }
        self.collect_garbage(interrupted)
    }

    /// Deletes temporary files, the files of `interrupted` (a generation whose transaction did not
    /// commit) and, when no reader holds the store, superseded files that still hold what they held
    /// when superseded. Any other file is left alone. A store older than format 4 has no list of
    /// superseded files: there, a file of a committed generation that the manifest does not name is
    /// taken for superseded, as before.
    pub(crate) fn collect_garbage(&self, interrupted: Option<u64>) -> Result<()> {
        let reader_lock = File::options().create(true).truncate(false).write(true).open(self.root.join(READER_LOCK));
        let no_readers = reader_lock.as_ref().is_ok_and(|f| f.try_lock().is_ok());
        let manifest = self.manifest().clone();
        for (dir, prefix) in [(self.root.clone(), ""), (self.root.join(CASES_DIR), "sager/")] {
            for entry in std::fs::read_dir(&dir).map_err(Error::io(&dir))? {
                let path = entry.map_err(Error::io(&dir))?.path();
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                let rel = format!("{prefix}{name}");
                let doomed = if name.starts_with(".tmp") {
                    true
                } else if let Some(g) = file_generation(name) {
                    let named = manifest.files().any(|f| *f == rel);
                    let superseded = match manifest.ersattet.get(&rel) {
                        Some(kontrol) => no_readers && Kontrol::of(&path).is_ok_and(|now| now == *kontrol),
                        None => !manifest.checked() && no_readers && g <= manifest.generation,
                    };
                    !named && (Some(g) == interrupted || superseded)
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

/// The shared reader lock, through a read-only handle when this user may not write the store (a lock
/// works as well through one). A reader that cannot take it refuses rather than read unprotected: an
/// ingest's cleanup could delete the files under it.
fn lock_reader(root: &Path) -> Result<File> {
    let path = root.join(READER_LOCK);
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .or_else(|_| File::open(&path))
        .map_err(|e| Error::Store {
            path: path.clone(),
            message: format!(
                "kan ikke tage læselåsen ({e}); uden den kunne en indlæsning slette filer, mens de læses. Bed lagerets ejer gøre den læsbar for dig: touch {0}; chmod 644 {0}",
                path.display()
            ),
        })?;
    file.lock_shared().map_err(Error::io(&path))?;
    Ok(file)
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
