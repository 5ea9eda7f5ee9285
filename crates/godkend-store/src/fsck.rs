//! `godkend fsck` and `godkend backup`: the store checked from the outside, everything that is wrong
//! listed with what can be done about it, and a copy of the committed state that stays consistent while
//! ingests run (docs/lager.md, "Backup and recovery").

use crate::case_store::CaseStore;
use crate::manifest::{Kontrol, MANIFEST, RECEIPTS_DIR, read_manifest};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// One thing wrong with a store: the file, what is wrong, what can be recovered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fejl {
    pub path: PathBuf,
    pub problem: String,
    pub raad: &'static str,
}

const FROM_BACKUP: &str =
    "genskab lageret fra den nyeste sikkerhedskopi (godkend backup), og indlæs så de leveringer, der er kommet siden";
const MANIFEST_FROM_BACKUP: &str = "genskab godkend-store.json fra sikkerhedskopien med den nyeste fils generation, eller indlæs alle leveringer igen i et nyt lager";

/// Everything wrong with the store at `root`, read as a reader does (the writer is not disturbed).
/// Empty for a sound store.
pub fn fsck(root: &Path) -> Result<Vec<Fejl>> {
    let manifest_path = root.join(MANIFEST);
    let manifest = match read_manifest(root) {
        Ok(m) => m,
        Err(Error::Damaged { path, message }) => {
            return Ok(vec![Fejl { path, problem: message, raad: MANIFEST_FROM_BACKUP }]);
        }
        Err(e) => return Err(e),
    };
    let mut fejl = Vec::new();
    if !manifest.checked() {
        fejl.push(Fejl {
            path: manifest_path,
            problem: format!("format {} har ingen kontrolsummer; intet kan efterprøves", manifest.format),
            raad: "næste indlæsning skriver format 4 med kontrolsummer",
        });
    }
    let store = CaseStore::open_unchecked(root, manifest.clone())?;
    for file in manifest.files() {
        let path = root.join(file);
        if !path.is_file() {
            fejl.push(Fejl { path, problem: "nævnt i manifestet, men mangler".into(), raad: FROM_BACKUP });
        } else if let Err(Error::Damaged { path, message }) = store.verified(file) {
            fejl.push(Fejl { path, problem: message, raad: FROM_BACKUP });
        }
    }
    for e in store.unexplained_files()? {
        if let Error::Damaged { path, message } = e {
            fejl.push(Fejl { path, problem: message, raad: MANIFEST_FROM_BACKUP });
        }
    }
    Ok(fejl)
}

/// What [`backup`] copied.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Kopieret {
    pub generation: u64,
    pub filer: usize,
    pub bytes: u64,
}

/// Copies the store's committed state into the new folder `to`: its files, checked against the
/// manifest as they are copied, then the receipts, then the manifest last. Holds the reader lock, so
/// a concurrent ingest may commit but never deletes a file this copy needs.
pub fn backup(root: &Path, to: &Path) -> Result<Kopieret> {
    let store = CaseStore::open(root)?;
    if to.exists() {
        return Err(Error::Store { path: to.to_path_buf(), message: "sikkerhedskopiens mappe findes allerede".into() });
    }
    let manifest = store.manifest().clone();
    let mut copied = Kopieret { generation: manifest.generation, ..Kopieret::default() };
    std::fs::create_dir_all(to.join(crate::manifest::CASES_DIR)).map_err(Error::io(to))?;
    for file in manifest.files() {
        store.verified(file)?;
        let target = to.join(file);
        copied.bytes += std::fs::copy(root.join(file), &target).map_err(Error::io(&target))?;
        copied.filer += 1;
        if let Some(expected) = manifest.kontrol.get(file)
            && Kontrol::of(&target)? != *expected
        {
            return Err(Error::Damaged { path: target, message: "kopien er anderledes end lagerets fil".into() });
        }
    }
    let receipts = root.join(RECEIPTS_DIR);
    std::fs::create_dir_all(to.join(RECEIPTS_DIR)).map_err(Error::io(to))?;
    for entry in std::fs::read_dir(&receipts).map_err(Error::io(&receipts))? {
        let path = entry.map_err(Error::io(&receipts))?.path();
        if path.is_file() {
            let target = to.join(RECEIPTS_DIR).join(path.file_name().expect("a file"));
            copied.bytes += std::fs::copy(&path, &target).map_err(Error::io(&target))?;
        }
    }
    let text = std::fs::read(root.join(MANIFEST)).map_err(Error::io(root.join(MANIFEST)))?;
    let from_disk: crate::manifest::Manifest = serde_json::from_slice(&text)
        .map_err(|e| Error::Store { path: root.join(MANIFEST), message: e.to_string() })?;
    // The manifest as this copy read it: a commit since then names files the copy does not have.
    let manifest_bytes = if from_disk.generation == manifest.generation {
        text
    } else {
        return Err(Error::Store {
            path: root.join(MANIFEST),
            message: "en indlæsning blev gemt under kopieringen; kør sikkerhedskopieringen igen".into(),
        });
    };
    crate::fil::write_atomic(&to.join(MANIFEST), &manifest_bytes)?;
    Ok(copied)
}
