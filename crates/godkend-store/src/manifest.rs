//! The store's manifest (`godkend-store.json`, the commit point) and the names of the store's files and
//! folders: which generation is committed, which files it consists of with the size and SHA-256 of each,
//! which superseded files may be deleted; reading and checking it, replacing it, and publishing a
//! committed generation's receipts.

use crate::fil::{sync_dir, write_durably};
use crate::{Error, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Format 3 added delta files; format 4 checksums (of the manifest and of every file it names) and the
/// list of superseded files. An older store is read as it is and becomes format 4 at its next commit;
/// a godkend that reads only older formats refuses a newer store rather than ignoring what it adds.
pub(crate) const FORMAT: u32 = 4;
pub(crate) const READABLE: [u64; 3] = [2, 3, 4];
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
    /// Size and SHA-256 of every file named above (format 4).
    #[serde(default)]
    pub(crate) kontrol: BTreeMap<String, Kontrol>,
    /// Files earlier commits superseded, with what they held: deleted once no reader holds the store.
    /// A file of a generation the manifest neither names nor lists here is never deleted.
    #[serde(default)]
    pub(crate) ersattet: BTreeMap<String, Kontrol>,
    /// SHA-256 of the manifest written with this field empty (format 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) tjeksum: Option<String>,
}

/// What a store file held when its generation committed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Kontrol {
    pub(crate) bytes: u64,
    pub(crate) sha256: String,
}

impl Kontrol {
    /// The size and SHA-256 of the file at `path` now.
    pub(crate) fn of(path: &Path) -> Result<Kontrol> {
        use sha2::{Digest, Sha256};
        let mut file = std::fs::File::open(path).map_err(Error::io(path))?;
        let mut h = Sha256::new();
        let bytes = std::io::copy(&mut file, &mut h).map_err(Error::io(path))?;
        Ok(Kontrol { bytes, sha256: hex(&h.finalize()) })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Manifest {
    /// Every file the committed state consists of, relative to the store.
    pub(crate) fn files(&self) -> impl Iterator<Item = &String> {
        self.sager.values().chain(self.tillaeg.values().flatten()).chain(&self.leveringer)
    }

    /// Whether the manifest records checksums (format 4 and later); an older one is trusted as it is.
    pub(crate) fn checked(&self) -> bool {
        self.format >= 4
    }

    /// What is inconsistent in the manifest by itself, each as a sentence: a file of a later generation
    /// than the committed one, a municipality's file under another municipality's code, a file without
    /// its checksum, a generation with no room for the next.
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.generation == u64::MAX {
            problems.push(format!("generation {} giver ikke plads til flere indlæsninger", self.generation));
        }
        for file in self.files() {
            match file_generation(file) {
                Some(g) if g <= self.generation => {}
                _ => problems.push(format!(
                    "{file} er ikke en fil fra generation {} eller tidligere: generationen er sat ned, eller navnet er redigeret",
                    self.generation
                )),
            }
            if self.checked() && !self.kontrol.contains_key(file) {
                problems.push(format!("{file} har ingen kontrolsum i manifestet"));
            }
        }
        let cases = self.sager.iter().chain(self.tillaeg.iter().flat_map(|(k, v)| v.iter().map(move |f| (k, f))));
        for (k, file) in cases {
            if !file.starts_with(&format!("{CASES_DIR}/{k:03}-g")) {
                problems.push(format!("{file} er angivet som kommune {k:03}s sagsfil"));
            }
        }
        problems
    }
}

/// The manifest, checked: its own checksum (format 4) and its consistency ([`Manifest::problems`]).
pub(crate) fn read_manifest(root: &Path) -> Result<Manifest> {
    let path = root.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(Error::io(&path))?;
    let format =
        serde_json::from_str::<serde_json::Value>(&text).ok().and_then(|v| v.get("format").and_then(|f| f.as_u64()));
    if let Some(f) = format.filter(|f| !READABLE.contains(f)) {
        return Err(Error::Store {
            path,
            message: format!(
                "lagerformat {f} (denne godkend læser format 2 til {FORMAT}); indlæs leveringerne i et nyt lager"
            ),
        });
    }
    let manifest: Manifest = serde_json::from_str(&text)
        .map_err(|e| Error::Store { path: path.clone(), message: format!("ikke et godkend-lager: {e}") })?;
    let damaged = |message: String| Error::Damaged { path: path.clone(), message };
    match &manifest.tjeksum {
        Some(sum) if *sum != checksum(&manifest) => {
            return Err(damaged(
                "manifestets kontrolsum passer ikke med indholdet: det er redigeret eller beskadiget".into(),
            ));
        }
        None if manifest.checked() => return Err(damaged("manifestet har ingen kontrolsum".into())),
        _ => {}
    }
    if let Some(problem) = manifest.problems().into_iter().next() {
        return Err(damaged(problem));
    }
    Ok(manifest)
}

/// SHA-256 of the manifest as written with an empty `tjeksum`.
fn checksum(manifest: &Manifest) -> String {
    use sha2::{Digest, Sha256};
    let unsummed = Manifest { tjeksum: None, ..manifest.clone() };
    hex(&Sha256::digest(serde_json::to_vec_pretty(&unsummed).expect("manifest serialises")))
}

/// The commit point: a new manifest with its checksum, fsynced, renamed over the old one, and the folder fsynced.
pub(crate) fn write_manifest(root: &Path, manifest: &Manifest) -> Result<()> {
    let summed = Manifest { tjeksum: Some(checksum(manifest)), ..manifest.clone() };
    let json = serde_json::to_string_pretty(&summed).expect("manifest serialises");
    write_durably(&root.join(MANIFEST), json.as_bytes())
}

/// `101_2024-03.csv` → `csv.json`, so receipts of a CSV and a Parquet delivery of the same month differ.
pub(crate) fn receipt_ext(fil: &str, kind: &str) -> String {
    let e = Path::new(fil).extension().and_then(|e| e.to_str()).unwrap_or("");
    if e.is_empty() { kind.to_string() } else { format!("{e}.{kind}") }
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
    // All in one folder: by file name, the order `Path`'s own comparison gives, without parsing components.
    entries.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    let generation = staged_generation(staging).unwrap_or_default();
    for (i, path) in entries.iter().enumerate() {
        let name = path.file_name().expect("a file").to_string_lossy().into_owned();
        let to = target.join(&name);
        // A delivery sent again under the same name keeps its earlier receipt beside the new one.
        if to.exists() {
            let (stem, ext) = name.rsplit_once('.').unwrap_or((&name, ""));
            let kept = target.join(format!("{stem}.foer-g{generation}.{ext}"));
            std::fs::rename(&to, &kept).map_err(Error::io(&kept))?;
        }
        std::fs::rename(path, &to).map_err(Error::io(&to))?;
        if i == 0 {
            crate::crash_point("en-kvittering");
        }
    }
    sync_dir(target)?;
    std::fs::remove_dir(staging).map_err(Error::io(staging))
}
