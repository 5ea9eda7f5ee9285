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
    CASES_DIR, FORMAT, MANIFEST, Manifest, RECEIPTS_DIR, file_generation, publish_receipts, read_manifest,
    staged_generation, write_manifest,
};
use crate::tables::{
    Sag, log_from_frame, merge, newest, parquet_rows, read_case_file, read_live, read_live_merged, read_parquet,
};
use crate::{Error, Result};
use godkend_model::LogEntry;
use polars::prelude::DataFrame;
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

/// A case store opened for reading (`open`) or as its one writer (`open_or_create`).
#[derive(Debug)]
pub struct CaseStore {
    pub(crate) root: PathBuf,
    /// The committed state; a commit through this store replaces it.
    pub(crate) manifest: std::sync::RwLock<Manifest>,
    pub(crate) writer: bool,
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
                noegle_fingeraftryk: key.fingerprint.clone(),
                demo_noegle: key.demo,
                generation: 0,
                leveringer: None,
                sager: BTreeMap::new(),
                tillaeg: BTreeMap::new(),
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

    /// How many rows one municipality's base file and delta files hold (footers only).
    pub(crate) fn case_file_rows(&self, kommunekode: u16) -> Result<CaseFileRows> {
        let files = self.case_files(kommunekode);
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
            let path = self.root.join(log);
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
        let files = self.case_files(kommunekode);
        let [base, deltas @ ..] = files.as_slice() else {
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

    /// The live cases (tombstones dropped) of the given municipalities in one frame, read in
    /// parallel; columns [`crate::LIVE_COLUMNS`]. What counting reads.
    pub fn live_cases(&self, kommuner: &[u16]) -> Result<DataFrame> {
        let frames = kommuner
            .par_iter()
            .filter_map(|&k| match self.case_files(k).as_slice() {
                [] => None,
                [base] => Some(read_live(base)),
                files => Some(read_live_merged(files)),
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

    /// The delivery log as committed: one row per delivery ever ingested (rejected ones included).
    pub fn read_log(&self) -> Result<Vec<LogEntry>> {
        let Some(file) = self.manifest().leveringer.clone() else {
            return Ok(Vec::new());
        };
        let path = self.root.join(file);
        let df = read_parquet(&path)?;
        log_from_frame(&df).map_err(|e| Error::Store { path, message: e.to_string() })
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
    pub(crate) fn collect_garbage(&self) -> Result<()> {
        let reader_lock = File::options().create(true).truncate(false).write(true).open(self.root.join(READER_LOCK));
        let no_readers = reader_lock.as_ref().is_ok_and(|f| f.try_lock().is_ok());
        let manifest = self.manifest().clone();
        let named: Vec<PathBuf> = manifest.files().map(|f| self.root.join(f)).collect();
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
