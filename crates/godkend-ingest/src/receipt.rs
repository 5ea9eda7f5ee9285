//! Receipts (kvitteringer): what the municipality and DST learn about one delivery.
//!
//! Exact counts per finding code, a capped sample of lines per code, accepted/rejected totals, and
//! the fatal finding if the delivery was rejected. Rendered as JSON and as Danish text. Samples show
//! line numbers and sagsid only; no CPR ever reaches a receipt.

use crate::filename::LeveringNavn;
use crate::table::Fatal;
use godkend_store::{LogEntry, Poster, Voksenposter};

/// How many example lines a receipt shows per finding code.
pub const SAMPLES_PER_CODE: usize = 10;
use godkend_model::{Alvor, FundKode, Maaned};
use std::collections::BTreeMap;
use std::fmt::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Accepted, no finding.
    Godkendt,
    /// Accepted; some records rejected or warned about.
    GodkendtMedFund,
    /// The whole delivery was rejected (a fatal finding).
    Afvist,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Sample {
    pub linje: usize,
    pub sagsid: Option<String>,
    pub tekst: String,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FundAntal {
    pub kode: FundKode,
    pub alvor: Alvor,
    pub antal: usize,
    pub beskrivelse: String,
    pub eksempler: Vec<Sample>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Kvittering {
    pub fil: String,
    pub kommunekode: Option<u16>,
    pub maaned: Option<Maaned>,
    pub loebenummer: Option<u16>,
    pub sha256: String,
    pub status: Status,
    /// Data lines (CSV) or rows (Parquet) read; 0 when the file could not be read.
    pub raekker: usize,
    pub accepterede: usize,
    pub afviste: usize,
    /// Accepted lines that delete a case.
    pub slettede: usize,
    /// Per handlekommune: accepted records of adult services (deletions aside), and how many of them
    /// lack a target group. The data-quality rule on target groups is a share of these, per
    /// municipality (Ishøj's files carry Vallensbæk's records too).
    #[serde(default)]
    pub voksenposter: BTreeMap<u16, Voksenposter>,
    /// Per handlekommune: the records read and how many were rejected (the rejected-records rule is a
    /// share of these, per municipality).
    #[serde(default)]
    pub poster: BTreeMap<u16, Poster>,
    pub fund: Vec<FundAntal>,
    /// Every rejected record (the findings above keep ten examples per code): what the municipality's
    /// report lists by sagsid, month, line and code.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub afviste_poster: Vec<godkend_model::leveringslog::AfvistPost>,
    pub fatal: Option<Fatal>,
}

impl Kvittering {
    /// The delivery-log row of this receipt; `None` when the file name did not say whose and which
    /// month (such a delivery is rejected and only its receipt is kept).
    pub fn log_entry(&self) -> Option<LogEntry> {
        Some(LogEntry {
            fil: self.fil.clone(),
            kommunekode: self.kommunekode?,
            maaned: self.maaned?.to_string(),
            loebenummer: self.loebenummer?,
            sha256: self.sha256.clone(),
            status: serde_json::to_value(self.status).ok()?.as_str()?.to_string(),
            raekker: self.raekker as u64,
            accepterede: self.accepterede as u64,
            afviste: self.afviste as u64,
            slettede: self.slettede as u64,
            maalgruppe_mangler: self.antal(godkend_model::FundKode::MaalgruppeMangler) as u64,
            voksenposter: serde_json::to_string(&self.voksenposter).expect("counts serialise"),
            poster: serde_json::to_string(&self.poster).expect("counts serialise"),
            fund: serde_json::to_string(&self.counts().iter().map(|(c, n)| (c.code(), *n)).collect::<BTreeMap<_, _>>())
                .expect("counts serialise"),
        })
    }

    pub fn new(fil: String, navn: Option<LeveringNavn>, sha256: String) -> Kvittering {
        Kvittering {
            fil,
            kommunekode: navn.map(|n| n.kommunekode),
            maaned: navn.map(|n| n.maaned),
            loebenummer: navn.map(|n| n.loebenummer),
            sha256,
            status: Status::Godkendt,
            raekker: 0,
            accepterede: 0,
            afviste: 0,
            slettede: 0,
            voksenposter: BTreeMap::new(),
            poster: BTreeMap::new(),
            fund: Vec::new(),
            afviste_poster: Vec::new(),
            fatal: None,
        }
    }

    /// Counts one finding, keeping the first few lines as examples.
    pub fn add(&mut self, kode: FundKode, sample: Sample) {
        self.add_with(kode, || sample);
    }

    /// As [`Kvittering::add`], making the example only if it is kept: a million findings of one code cost
    /// a count, not a million texts.
    pub fn add_with(&mut self, kode: FundKode, sample: impl FnOnce() -> Sample) {
        let entry = match self.fund.iter_mut().position(|f| f.kode == kode) {
            Some(i) => &mut self.fund[i],
            None => {
                self.fund.push(FundAntal {
                    kode,
                    alvor: kode.alvor(),
                    antal: 0,
                    beskrivelse: kode.beskrivelse().to_string(),
                    eksempler: Vec::new(),
                });
                self.fund.last_mut().expect("just pushed")
            }
        };
        entry.antal += 1;
        if entry.eksempler.len() < SAMPLES_PER_CODE {
            entry.eksempler.push(sample());
        }
    }

    /// Orders the findings (severity, then code; examples by line) and sets the status.
    pub fn finish(&mut self) {
        self.fund.sort_by_key(|f| (f.alvor, f.kode));
        for f in &mut self.fund {
            f.eksempler.sort_by_key(|s| s.linje);
        }
        let any_finding = self.fund.iter().any(|f| f.alvor != Alvor::Info);
        self.status = if self.fatal.is_some() {
            Status::Afvist
        } else if any_finding {
            Status::GodkendtMedFund
        } else {
            Status::Godkendt
        };
    }

    /// Rejects the whole delivery: nothing from it is stored.
    pub fn reject(&mut self, fatal: Fatal) {
        self.afviste = self.raekker;
        self.accepterede = 0;
        self.slettede = 0;
        self.voksenposter.clear();
        self.poster.clear();
        self.fund.clear();
        self.add(fatal.kode, Sample { linje: fatal.linje.unwrap_or(0), sagsid: None, tekst: fatal.tekst.clone() });
        self.fatal = Some(fatal);
        self.finish();
    }

    /// Exact count per finding code (what ground truth and tests compare).
    pub fn counts(&self) -> BTreeMap<FundKode, usize> {
        self.fund.iter().map(|f| (f.kode, f.antal)).collect()
    }

    pub fn antal(&self, kode: FundKode) -> usize {
        self.fund.iter().find(|f| f.kode == kode).map_or(0, |f| f.antal)
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("receipt serialises");
        s.push('\n');
        s
    }

    /// The receipt as a municipality's data officer reads it.
    pub fn to_text(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(t, "Kvittering for levering {}", self.fil);
        let _ = writeln!(t, "{}", "=".repeat(24 + self.fil.chars().count()));
        if let (Some(k), Some(m)) = (self.kommunekode, self.maaned) {
            let seq =
                self.loebenummer.filter(|n| *n > 1).map(|n| format!(" (genlevering nr. {n})")).unwrap_or_default();
            let _ = writeln!(t, "Kommune:    {k:03}\nMåned:      {m}{seq}");
        }
        let status = match self.status {
            Status::Godkendt => "MODTAGET uden bemærkninger",
            Status::GodkendtMedFund => "MODTAGET med bemærkninger",
            Status::Afvist => "AFVIST - intet fra leveringen er gemt",
        };
        let _ = writeln!(t, "Status:     {status}");
        let _ = writeln!(t, "SHA-256:    {}", self.sha256);
        let _ = writeln!(
            t,
            "Poster:     {} læst, {} modtaget ({} sletninger), {} afvist",
            self.raekker, self.accepterede, self.slettede, self.afviste
        );
        if let Some(f) = &self.fatal {
            let at = f.linje.map(|l| format!(" (linje {l})")).unwrap_or_default();
            let _ = writeln!(t, "\nAfvisning [{}]{at}: {}\nGør sådan: {}", f.kode, f.tekst, f.hint);
        }
        if !self.fund.is_empty() {
            let _ = writeln!(t, "\nFund:");
            for f in &self.fund {
                let _ = writeln!(t, "  {:<9} {:<24} {:>7}  {}", f.alvor.code(), f.kode.code(), f.antal, f.beskrivelse);
            }
            let _ = writeln!(t, "\nEksempler (højst {SAMPLES_PER_CODE} pr. kode):");
            for f in &self.fund {
                for s in &f.eksempler {
                    let sagsid = s.sagsid.as_deref().map(|id| format!(" sagsid {id}:")).unwrap_or_default();
                    let _ = writeln!(t, "  linje {:>6} [{}]{sagsid} {}", s.linje, f.kode, s.tekst);
                }
            }
        }
        t
    }
}
