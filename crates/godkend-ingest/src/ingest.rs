//! `godkend ingest`: validate deliveries, apply them to the case store, write receipts and the log,
//! all in one transaction of the store (docs/lager.md).
//!
//! Deliveries are grouped by the municipality whose case files they can write (a municipality and
//! the ones it reports for, e.g. Ishøj with Vallensbæk), so no two parallel groups ever write the same
//! case file; within a group the files are validated in delivery order and each touched
//! municipality gets one new case file, a delta file or a new base file (the store decides,
//! [`godkend_store::Transaction::add_cases`]). A case's newest version wins (by delivery month and
//! sequence number), so the order files arrive in does not matter and ingesting a file twice changes
//! nothing (it is also skipped by name and content hash).

use crate::filename::LeveringNavn;
use crate::pseudonym::Noegle;
use crate::receipt::{Kvittering, Status};
use crate::table::Encoding;
use crate::validate::{Validated, sha256, unreadable, validate_hashed};
use crate::{Error, Result};
use chrono::NaiveDate;
use foldhash::{HashSet, HashSetExt};
use godkend_model::{Maaned, Reference};
use godkend_store::{CaseStore, Sag, Transaction, crash_point};
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, Default)]
pub struct IngestOptions {
    pub encoding: Encoding,
    /// The day of the ingest: a delivery for a later month is rejected. `None` skips that check
    /// (tests of other rules); the CLI always passes a date, so the clock never reaches a receipt.
    pub idag: Option<NaiveDate>,
}

impl IngestOptions {
    /// The last delivery month this ingest accepts.
    pub fn seneste_maaned(&self) -> Option<Maaned> {
        self.idag.map(Maaned::of_date)
    }
}

#[derive(Debug, Default)]
pub struct IngestSummary {
    /// Receipts of the deliveries ingested now, in delivery order, without their lists of rejected
    /// records (`afviste_poster` is empty here; the receipt files hold it).
    pub kvitteringer: Vec<Kvittering>,
    /// Files skipped because a file of the same name and content was ingested before.
    pub allerede_indlaest: Vec<PathBuf>,
    /// Deliveries that could not be taken in at all because their receipt could not be written:
    /// nothing of them is in the store or the log, so a later ingest tries them again.
    pub ikke_indlaest: Vec<(PathBuf, Error)>,
    pub kommuner_opdateret: usize,
    /// Case versions taken in (the newest of each sagsid per municipality in this ingest).
    pub sagsversioner: usize,
}

impl IngestSummary {
    /// docs/kommandoer.md: 0 clean · 1 some records rejected · 2 a delivery rejected.
    pub fn exit_code(&self) -> u8 {
        if !self.ikke_indlaest.is_empty() || self.kvitteringer.iter().any(|k| k.status == Status::Afvist) {
            2
        } else if self.kvitteringer.iter().any(|k| k.afviste > 0) {
            1
        } else {
            0
        }
    }
}

/// Files named by the user: folders are expanded to their `.csv` and `.parquet` files.
pub fn expand_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(Error::io(path))?;
        if meta.is_dir() {
            let mut files = Vec::new();
            for entry in std::fs::read_dir(path).map_err(Error::io(path))? {
                let p = entry.map_err(Error::io(path))?.path();
                let ext = p.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
                if p.is_file() && matches!(ext.as_deref(), Some("csv" | "parquet")) {
                    files.push(p);
                }
            }
            files.sort();
            out.extend(files);
        } else {
            out.push(path.clone());
        }
    }
    // Delivery order: municipality, month, sequence; unparseable names last (they are rejected). Each
    // name is parsed once, not at every comparison.
    out.sort_by_cached_key(|p| {
        let navn = LeveringNavn::parse(p).map(|n| (n.kommunekode, n.maaned, n.loebenummer));
        (navn.is_none(), navn, p.clone())
    });
    Ok(out)
}

pub fn ingest(
    paths: &[PathBuf],
    store: &CaseStore,
    reference: &Reference,
    key: &Noegle,
    options: IngestOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<IngestSummary> {
    let files = expand_paths(paths)?;
    let mut log = store.read_log()?;
    // A delivery is known by its name and content: two municipalities may send identical bytes
    // (a header-only file), which are still two deliveries.
    let known: HashSet<(String, String)> = log.iter().map(|e| (e.fil.clone(), e.sha256.clone())).collect();

    // One group per set of case files: a file can only touch its sender's cases and those of the
    // municipalities the sender reports for, so grouping by the reporting municipality of the sender
    // (Ishøj for a file from Vallensbæk too) gives groups that share no case file. Groups run in
    // parallel and only one group per core is in memory ([`godkend_store::per_core`]); their receipts and
    // log entries are taken in code order whatever order they ran in.
    let mut groups: BTreeMap<u16, Vec<PathBuf>> = BTreeMap::new();
    for path in files {
        let writer = LeveringNavn::parse(&path).map_or(u16::MAX, |n| reference.reporter_of(n.kommunekode));
        groups.entry(writer).or_default().push(path);
    }
    let tx = store.begin()?;
    let ctx = Group { tx: &tx, reference, key, options, progress, known: &known };
    let groups: Vec<Vec<PathBuf>> = groups.into_values().collect();
    // The largest groups first (bytes to read), so that none is left to run alone at the end.
    let bytes = |files: &Vec<PathBuf>| files.iter().map(|f| std::fs::metadata(f).map_or(0, |m| m.len())).sum();
    let results = godkend_store::per_core_heaviest_first(groups, bytes, |files| ctx.ingest(&files))?;

    let mut summary = IngestSummary::default();
    for r in results {
        for k in &r.kvitteringer {
            log.extend(k.log_entry());
        }
        summary.kvitteringer.extend(r.kvitteringer);
        summary.allerede_indlaest.extend(r.allerede_indlaest);
        summary.ikke_indlaest.extend(r.ikke_indlaest);
        summary.kommuner_opdateret += r.kommuner;
        summary.sagsversioner += r.versions;
    }
    // Nothing new: no new generation, so the same ingest twice leaves the store byte for byte.
    if !summary.kvitteringer.is_empty() {
        tx.commit(&mut log)?;
    }
    Ok(summary)
}

struct Group<'a> {
    tx: &'a Transaction<'a>,
    reference: &'a Reference,
    key: &'a Noegle,
    options: IngestOptions,
    progress: &'a (dyn Fn(u64) + Sync),
    known: &'a HashSet<(String, String)>,
}

#[derive(Default)]
struct GroupResult {
    kvitteringer: Vec<Kvittering>,
    allerede_indlaest: Vec<PathBuf>,
    ikke_indlaest: Vec<(PathBuf, Error)>,
    kommuner: usize,
    versions: usize,
}

impl Group<'_> {
    /// Validates one group's files in delivery order, stages their receipts, and writes the
    /// accepted records into this generation's case files of the municipalities they belong to.
    fn ingest(&self, files: &[PathBuf]) -> Result<GroupResult> {
        let mut out = GroupResult::default();
        let mut seen: HashSet<(String, String)> = HashSet::new();
        // Each municipality's new versions in delivery order (files in order, lines in order).
        let mut by_kommune: BTreeMap<u16, Vec<Sag>> = BTreeMap::new();
        for path in files {
            let fil = crate::filename::shown_name(path);
            let v: Validated = match crate::table::read_delivery(path) {
                Ok(bytes) => {
                    let hash = sha256(&bytes);
                    let id = (fil.clone(), hash.clone());
                    if self.known.contains(&id) || !seen.insert(id) {
                        out.allerede_indlaest.push(path.clone());
                        (self.progress)(1);
                        continue;
                    }
                    let seneste = self.options.seneste_maaned();
                    validate_hashed(&fil, &bytes, hash, self.reference, self.options.encoding, seneste)
                }
                Err(fatal) => unreadable(&fil, fatal),
            };
            (self.progress)(1);
            if let Err(e) = self.tx.stage_receipt(&v.kvittering.fil, &v.kvittering.to_text(), &v.kvittering.to_json()) {
                out.ikke_indlaest.push((path.clone(), e));
                continue;
            }
            crash_point("kvittering");
            if let Some(navn) = LeveringNavn::parse(path) {
                let version = navn.version();
                let n = v.records.len();
                for r in v.records {
                    let list = by_kommune.entry(r.kommunekode).or_default();
                    // Room for the whole delivery at once: a list of ~100-byte cases that doubles is copied each time.
                    if list.len() == list.capacity() {
                        list.reserve(n.max(list.len()));
                    }
                    list.push(to_sag(r, version, self.key));
                }
            }
            // The list of rejected records is in the staged receipt file, which the round reads; the
            // receipt kept for the summary goes without it (a sagsid and codes per rejected record,
            // otherwise held for every delivery until the ingest ends).
            let mut kvittering = v.kvittering;
            kvittering.afviste_poster = Vec::new();
            out.kvitteringer.push(kvittering);
        }
        for (kommune, incoming) in by_kommune {
            let versions = self.tx.add_cases(kommune, incoming)?;
            crash_point("sager");
            out.kommuner += 1;
            out.versions += versions;
        }
        Ok(out)
    }
}

fn to_sag(r: crate::validate::ValidRecord, version: godkend_model::Version, key: &Noegle) -> Sag {
    match (r.sag, r.slettet) {
        (Some(c), false) => Sag {
            kommunekode: r.kommunekode,
            sagsid: r.sagsid,
            person: key.pseudonym(&c.person),
            foedselsdato: c.person.foedselsdato,
            koen: c.person.koen,
            ydelse: c.ydelse,
            maalgruppe: c.maalgruppe,
            startdato: c.startdato,
            slutdato: c.slutdato,
            slettet: false,
            version,
        },
        _ => Sag::tombstone(r.kommunekode, r.sagsid, version),
    }
}
