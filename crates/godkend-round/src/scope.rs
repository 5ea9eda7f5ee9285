//! What a run covers: the report year's deadlines, the window of quarters counted, the delivery log,
//! and the municipalities that get a report — all of them, or one ([`Udvalg`]).

use crate::rapport::Frister;
use crate::{Error, Result};
use godkend_model::{Kvartal, LogEntry, Maaned, Reference, Register, Window};
use godkend_store::CaseStore;
use std::collections::BTreeSet;

/// Which municipalities get a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Udvalg {
    /// Every municipality with cases or deliveries in the store.
    Alle,
    /// One municipality (`godkend report`).
    Kommune(u16),
}

#[derive(Debug)]
pub struct Scope {
    pub year: i32,
    pub frister: Frister,
    pub window: Window,
    pub log: Vec<LogEntry>,
    /// The municipalities that get a report, in code order.
    pub kommuner: Vec<u16>,
    pub udvalg: Udvalg,
    /// Whether the store holds any accepted delivery (without one, every report says why it is 0).
    pub has_accepted: bool,
    /// The newest month with an accepted delivery: what the figures are as of.
    pub data_til_og_med: Option<Maaned>,
}

impl Scope {
    pub fn of(store: &CaseStore, reference: &Reference, year: i32, udvalg: Udvalg) -> Result<Scope> {
        let frister = frister(reference, year)?;
        let log = store.read_log()?;
        let accepted = || log.iter().filter(|e| !e.is_rejected()).filter_map(|e| e.maaned.parse::<Maaned>().ok());
        let (first_month, data_til_og_med) = (accepted().min(), accepted().max());
        let window = window(reference, year, first_month);
        let kommuner = match udvalg {
            Udvalg::Alle => with_data(store, reference, &log)?,
            Udvalg::Kommune(k) => vec![k],
        };
        Ok(Scope { year, frister, window, log, kommuner, udvalg, has_accepted: first_month.is_some(), data_til_og_med })
    }

    /// The report's municipality when only one is made.
    pub fn only(&self) -> Option<BTreeSet<u16>> {
        match self.udvalg {
            Udvalg::Alle => None,
            Udvalg::Kommune(k) => Some(BTreeSet::from([k])),
        }
    }
}

/// The quarters counted: from the first quarter with an accepted delivery (but not before the first
/// quarter either register is shown from, `vises_fra`) to K4 of the report year. A store where every
/// delivery was rejected still gives reports of the year: zeros, and a note saying why.
pub fn window(reference: &Reference, year: i32, first_month: Option<Maaned>) -> Window {
    let til = Kvartal::new(year, 4).expect("quarter");
    let fra = first_month.map_or(Kvartal::new(year, 1).expect("quarter"), |m| {
        m.kvartal().max(reference.vises_fra(Register::Voksne).min(reference.vises_fra(Register::Boern))).min(til)
    });
    Window { fra, til }
}

/// Every known municipality with cases or deliveries, and those another reports for (Vallensbæk by
/// Ishøj) when they have cases.
fn with_data(store: &CaseStore, reference: &Reference, log: &[LogEntry]) -> Result<Vec<u16>> {
    let with_cases = store.kommuner()?;
    let mut kommuner: BTreeSet<u16> = with_cases.iter().copied().collect();
    kommuner.extend(log.iter().map(|e| e.kommunekode));
    for (reporter, set) in &reference.indberetter_for {
        if kommuner.contains(reporter) {
            kommuner.extend(set.iter().copied().filter(|k| with_cases.contains(k)));
        }
    }
    Ok(kommuner.into_iter().filter(|k| reference.kommune(*k).is_some()).collect())
}

/// The deadlines of the approval round for `year`, as the report shows them (from `aarshjul.csv`).
pub fn frister(reference: &Reference, year: i32) -> Result<Frister> {
    let f = reference.frister(year).ok_or(Error::Aarshjul { year })?;
    Ok(Frister {
        data_indberettet: f.data_indberettet.to_string(),
        rapport_udsendt: f.rapport_udsendt.to_string(),
        godkendelse: f.godkendelse.to_string(),
        statusbrev: f.statusbrev.to_string(),
        ny_frist: f.ny_frist.to_string(),
    })
}
