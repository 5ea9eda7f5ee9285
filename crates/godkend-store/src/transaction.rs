//! One ingest's changes to the case store: receipts staged, case files and the log written under
//! the names of the next generation, and the commit that makes them the store's state.

use crate::case_store::CaseStore;
use crate::fil::{sync_dir, write_parquet_durably};
use crate::manifest::{
    CASES_DIR, FORMAT, Kontrol, Manifest, RECEIPTS_DIR, file_generation, publish_receipts, receipt_ext as ext,
    write_manifest,
};
use crate::tables::{Sag, cases_to_frame, log_to_frame, merge, newest};
use crate::{Error, Result, crash_point};
use godkend_model::LogEntry;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

/// One ingest's changes, invisible to readers until [`Transaction::commit`]. Dropped without a
/// commit, it leaves the store as it was (its files are removed, or at the latest at the next open).
#[derive(Debug)]
pub struct Transaction<'s> {
    store: &'s CaseStore,
    generation: u64,
    staging: PathBuf,
    sager: Mutex<BTreeMap<u16, (String, Fil)>>,
    committed: bool,
}

/// What one municipality's case file of this generation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fil {
    /// Every case of the municipality: replaces its base file and drops its delta files.
    Base,
    /// Only the versions this generation added, read on top of the base file and earlier deltas.
    Tillaeg,
}

/// A municipality keeps at most this many delta files; the ingest that would add one more merges
/// them into a new base file. Twelve is a year of monthly deliveries.
pub const MAX_TILLAEG: usize = 12;

/// Delta files may together hold at most this fraction (1/N) of the base file's rows; beyond it the
/// base is rewritten, so reading merged cases never costs much more than reading the base.
pub const TILLAEG_ANDEL: u64 = 4;

impl CaseStore {
    /// Starts the next generation. Only the writer may.
    pub fn begin(&self) -> Result<Transaction<'_>> {
        assert!(self.writer, "a transaction needs the store opened for writing");
        let generation = self.generation().checked_add(1).ok_or_else(|| Error::Damaged {
            path: self.root.clone(),
            message: format!("generation {} giver ikke plads til flere indlæsninger", self.generation()),
        })?;
        let staging = self.root.join(RECEIPTS_DIR).join(format!(".g{generation}"));
        std::fs::create_dir_all(&staging).map_err(Error::io(&staging))?;
        Ok(Transaction::new(self, generation, staging))
    }
}

impl<'s> Transaction<'s> {
    pub(crate) fn new(store: &'s CaseStore, generation: u64, staging: PathBuf) -> Transaction<'s> {
        Transaction { store, generation, staging, sager: Mutex::new(BTreeMap::new()), committed: false }
    }

    /// Writes a delivery's receipt as `<fil>.txt` and `<fil>.json`, staged until commit. An error
    /// here (a name the file system refuses, a full disk) means the delivery cannot be taken in.
    pub fn stage_receipt(&self, fil: &str, text: &str, json: &str) -> Result<()> {
        let base = self.staging.join(fil);
        if base.parent() != Some(self.staging.as_path()) {
            return Err(Error::Store { path: base, message: "en kvitterings navn må ikke indeholde en mappe".into() });
        }
        let paths = [base.with_extension(ext(fil, "txt")), base.with_extension(ext(fil, "json"))];
        let written = std::fs::write(&paths[0], text)
            .map_err(Error::io(&paths[0]))
            .and_then(|()| std::fs::write(&paths[1], json).map_err(Error::io(&paths[1])));
        if written.is_err() {
            for p in &paths {
                let _ = std::fs::remove_file(p);
            }
        }
        written
    }

    /// Takes in one municipality's new case versions, given in delivery order, and returns how many
    /// versions it wrote (the newest of each sagsid). A municipality with a base file gets a
    /// delta file of them, unless it already has [`MAX_TILLAEG`] delta files or they would hold more than
    /// 1/[`TILLAEG_ANDEL`] of the base's rows: then base and deltas are merged with them into a new base
    /// file. Called at most once per municipality per transaction.
    pub fn add_cases(&self, kommunekode: u16, incoming: Vec<Sag>) -> Result<usize> {
        let mut batch = newest(incoming);
        let versions = batch.len();
        let rows = self.store.case_file_rows(kommunekode)?;
        let small = |base: u64| (rows.tillaeg + versions as u64) * TILLAEG_ANDEL <= base;
        if rows.base.is_some_and(small) && rows.tillaeg_filer < MAX_TILLAEG {
            self.write(kommunekode, &mut batch, Fil::Tillaeg)?;
            return Ok(versions);
        }
        let mut cases = merge(self.store.read_cases(kommunekode)?, batch);
        self.write(kommunekode, &mut cases, Fil::Base)?;
        Ok(versions)
    }

    /// Writes one municipality's case file for this generation (sorted by sagsid, fsynced).
    fn write(&self, kommunekode: u16, cases: &mut [Sag], fil: Fil) -> Result<()> {
        // Sorted already when they come from `newest` and `merge`; checked, since a case file must be.
        if !cases.is_sorted_by(|a, b| a.sagsid <= b.sagsid) {
            cases.sort_by(|a, b| a.sagsid.cmp(&b.sagsid));
        }
        let name = format!("{CASES_DIR}/{kommunekode:03}-g{}.parquet", self.generation);
        let path = self.store.root.join(&name);
        if path.exists() {
            return Err(Error::Damaged {
                path,
                message: "en fil fra den generation, der skrives, findes allerede; lageret overskrives ikke".into(),
            });
        }
        let mut df = cases_to_frame(cases).map_err(|e| Error::Store { path: path.clone(), message: e.to_string() })?;
        write_parquet_durably(&path, &mut df)?;
        self.sager.lock().expect("no panic while holding the lock").insert(kommunekode, (name, fil));
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
        if log_path.exists() {
            return Err(Error::Damaged {
                path: log_path,
                message: "en fil fra den generation, der skrives, findes allerede; lageret overskrives ikke".into(),
            });
        }
        let mut df = log_to_frame(log).map_err(|e| Error::Store { path: log_path.clone(), message: e.to_string() })?;
        write_parquet_durably(&log_path, &mut df)?;
        crash_point("log");
        sync_dir(&self.staging)?;
        sync_dir(&root.join(CASES_DIR))?;

        let old = store.manifest().clone();
        let mut manifest = old.clone();
        manifest.generation = self.generation;
        manifest.leveringer = Some(log_name.clone());
        manifest.format = FORMAT;
        let mut written = vec![log_name];
        for (k, (name, fil)) in std::mem::take(&mut *self.sager.lock().expect("no panic while holding the lock")) {
            written.push(name.clone());
            match fil {
                Fil::Base => {
                    manifest.sager.insert(k, name);
                    manifest.tillaeg.remove(&k);
                }
                Fil::Tillaeg => manifest.tillaeg.entry(k).or_default().push(name),
            }
        }
        self.record_checksums(&old, &mut manifest, &written)?;
        write_manifest(root, &manifest)?;
        self.committed = true;
        *store.manifest.write().expect("no panic while holding the manifest") = manifest;
        crash_point("manifest");

        publish_receipts(&self.staging)?;
        crash_point("kvitteringer");
        store.collect_garbage(None)
    }

    /// The new manifest's checksums: each file it names (carried over, or measured for the files this
    /// transaction wrote), and the files it supersedes added to the superseded list with what they held.
    /// A store older than format 4 has its unnamed files of earlier generations listed as superseded once.
    fn record_checksums(&self, old: &Manifest, manifest: &mut Manifest, written: &[String]) -> Result<()> {
        let root = &self.store.root;
        let mut kontrol = std::collections::BTreeMap::new();
        for file in manifest.files() {
            let known = if written.contains(file) { None } else { old.kontrol.get(file).cloned() };
            let k = match known {
                Some(k) => k,
                None => Kontrol::of(&root.join(file))?,
            };
            kontrol.insert(file.clone(), k);
        }
        let mut ersattet: std::collections::BTreeMap<String, Kontrol> =
            old.ersattet.iter().filter(|(f, _)| root.join(f).exists()).map(|(f, k)| (f.clone(), k.clone())).collect();
        for file in old.files().filter(|f| !kontrol.contains_key(*f)) {
            let k = match old.kontrol.get(file) {
                Some(k) => k.clone(),
                None => Kontrol::of(&root.join(file))?,
            };
            ersattet.insert(file.clone(), k);
        }
        if !old.checked() {
            for (dir, prefix) in [(root.clone(), ""), (root.join(CASES_DIR), "sager/")] {
                for entry in std::fs::read_dir(&dir).map_err(Error::io(&dir))? {
                    let path = entry.map_err(Error::io(&dir))?.path();
                    let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
                    let rel = format!("{prefix}{name}");
                    if file_generation(name).is_some_and(|g| g < self.generation) && !kontrol.contains_key(&rel) {
                        ersattet.insert(rel, Kontrol::of(&path)?);
                    }
                }
            }
        }
        manifest.kontrol = kontrol;
        manifest.ersattet = ersattet;
        Ok(())
    }
}

impl Drop for Transaction<'_> {
    /// Not committed: remove what this transaction wrote (best effort; the next open does it too).
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        // The files first: while the staging folder exists, the next open knows them for this
        // transaction's leftovers.
        if let Ok(sager) = self.sager.lock() {
            for (name, _) in sager.values() {
                let _ = std::fs::remove_file(self.store.root.join(name));
            }
        }
        let _ = std::fs::remove_dir_all(&self.staging);
    }
}
