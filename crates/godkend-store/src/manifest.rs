//! The store's manifest (`godkend-store.json`, the commit point) and the names of the store's files and
//! folders: which generation is committed and which files it consists of; reading it, replacing it,
//! and publishing a committed generation's receipts.

use crate::fil::{sync_dir, write_durably};
use crate::{Error, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Format 3 added delta files. A format-2 store (no delta files) is read as it is and becomes format 3
/// at its next commit; a godkend that reads only format 2 refuses a format-3 store rather than
/// ignoring its delta files.
pub(crate) const FORMAT: u32 = 3;
pub(crate) const READABLE: [u64; 2] = [2, 3];
pub(crate) const MANIFEST: &str = "godkend-store.json";
pub(crate) const CASES_DIR: &str = "sager";
pub(crate) const RECEIPTS_DIR: &str = "kvitteringer";

/// What the store's manifest says: who may open it, and which files are the committed state.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Manifest {
    pub(crate) format: u32,
    pub(crate) noegle_fingeraftryk: String,
    pub(crate) demo_noegle: bool,
    /// The committed generation; 0 for a new store.
    pub(crate) generation: u64,
    /// The delivery log (relative to the store), once a delivery has been ingested.
    pub(crate) leveringer: Option<String>,
    /// Each municipality's base case file, relative to the store.
    pub(crate) sager: BTreeMap<u16, String>,
    /// Each municipality's delta files, oldest first (only municipalities with a base file).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) tillaeg: BTreeMap<u16, Vec<String>>,
}

impl Manifest {
    /// Every file the committed state consists of, relative to the store.
    pub(crate) fn files(&self) -> impl Iterator<Item = &String> {
        self.sager.values().chain(self.tillaeg.values().flatten()).chain(&self.leveringer)
    }
}

pub(crate) fn read_manifest(root: &Path) -> Result<Manifest> {
    let path = root.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(Error::io(&path))?;
    let format =
        serde_json::from_str::<serde_json::Value>(&text).ok().and_then(|v| v.get("format").and_then(|f| f.as_u64()));
    if let Some(f) = format.filter(|f| !READABLE.contains(f)) {
        return Err(Error::Store {
            path,
            message: format!(
                "store format {f} (this godkend reads formats 2 and {FORMAT}); ingest the deliveries into a new store"
            ),
        });
    }
    serde_json::from_str(&text).map_err(|e| Error::Store { path, message: format!("not a godkend store: {e}") })
}

/// The commit point: a new manifest, fsynced, renamed over the old one, and the folder fsynced.
pub(crate) fn write_manifest(root: &Path, manifest: &Manifest) -> Result<()> {
    let json = serde_json::to_string_pretty(manifest).expect("manifest serialises");
    write_durably(&root.join(MANIFEST), json.as_bytes())
}

/// `.g7` → 7 (a staging folder of receipts).
pub(crate) fn staged_generation(path: &Path) -> Option<u64> {
    // The name first: the folder holds a receipt per delivery, and a stat of each costs more than the rest.
    let g = path.file_name()?.to_str()?.strip_prefix(".g")?.parse().ok()?;
    path.is_dir().then_some(g)
}

/// `101-g7.parquet`, `leveringer-g7.parquet` → 7.
pub(crate) fn file_generation(name: &str) -> Option<u64> {
    name.strip_suffix(".parquet")?.rsplit_once("-g")?.1.parse().ok()
}

/// Moves a committed generation's staged receipts into `kvitteringer/`; idempotent.
pub(crate) fn publish_receipts(staging: &Path) -> Result<()> {
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
            crate::crash_point("en-kvittering");
        }
    }
    sync_dir(target)?;
    std::fs::remove_dir(staging).map_err(Error::io(staging))
}
