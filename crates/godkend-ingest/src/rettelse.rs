//! Corrections of cases the store already holds (docs/portal.md, "Rettelser"): a municipality edits a
//! case's service, target group or dates, or deletes it, where its old case system can no longer send
//! them. A correction is a delivery like any other: its rows are checked by the same record checks
//! (`validate_bytes`, with the person given by the birth date and sex the store holds, since DST has no
//! CPR), it gets a receipt and a log row, and its case versions go through the same transaction — but
//! it keeps each case's person (the stored pseudonym), and it may not add a case.

use crate::receipt::{Kvittering, Status};
use godkend_model::{Maaned, Reference, Version};
use godkend_store::{CaseStore, Result, Sag};
use std::collections::BTreeMap;

/// One case as corrected (its sagsid must exist).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rettelse {
    pub sagsid: String,
    pub ydelse: String,
    pub maalgruppe: String,
    pub startdato: String,
    pub slutdato: String,
    pub slettet: bool,
}

/// What became of a correction.
#[derive(Debug)]
pub enum Rettet {
    /// Stored as the delivery of the receipt.
    Gemt(Kvittering),
    /// A check rejected a row: nothing stored (the receipt says why).
    Afvist(Kvittering),
    /// A sagsid the store does not hold (a new case is a delivery, not a correction).
    UkendtSag(String),
}

/// The delivery name of a correction made in `maaned`: the month's next sequence number (at least 2).
pub fn file_name(store: &CaseStore, kommune: u16, maaned: Maaned) -> Result<String> {
    let n = store
        .read_log()?
        .iter()
        .filter(|e| e.kommunekode == kommune && e.maaned == maaned.to_string())
        .map(|e| e.loebenummer)
        .max()
        .unwrap_or(1)
        + 1;
    Ok(format!("{kommune:03}_{maaned}_{n}.csv"))
}

/// Checks and stores `rettelser` of municipality `kommune`'s cases as one delivery made in `maaned`.
/// `store` must be open as the writer.
pub fn correct(
    store: &CaseStore,
    reference: &Reference,
    kommune: u16,
    maaned: Maaned,
    rettelser: &[Rettelse],
) -> Result<Rettet> {
    let held: BTreeMap<String, Sag> =
        store.read_cases(kommune)?.into_iter().filter(|s| !s.slettet).map(|s| (s.sagsid.clone(), s)).collect();
    let mut text = String::from(
        "kommunekode;sagsid;cpr;udlaendingenr;foedselsdato;koen;ydelse;maalgruppe;startdato;slutdato;slettet\n",
    );
    for r in rettelser {
        let Some(old) = held.get(&r.sagsid) else {
            return Ok(Rettet::UkendtSag(godkend_model::tekst::shown(&r.sagsid).into_owned()));
        };
        let clean = |v: &str| v.replace([';', '\n', '\r', '"'], " ");
        text.push_str(&format!(
            "{kommune:03};{};;rettelse;{};{};{};{};{};{};{}\n",
            clean(&r.sagsid),
            old.foedselsdato,
            old.koen.code(),
            clean(&r.ydelse),
            clean(&r.maalgruppe),
            clean(&r.startdato),
            clean(&r.slutdato),
            if r.slettet { "1" } else { "" }
        ));
    }
    let fil = file_name(store, kommune, maaned)?;
    let v = crate::validate::validate_bytes(&fil, text.as_bytes(), reference, Default::default());
    if v.kvittering.status == Status::Afvist || v.kvittering.afviste > 0 {
        return Ok(Rettet::Afvist(v.kvittering));
    }
    let version = crate::LeveringNavn::parse(std::path::Path::new(&fil))
        .map(|n| n.version())
        .unwrap_or_else(|| Version::new(maaned, 2));
    let sager: Vec<Sag> = v
        .records
        .into_iter()
        .map(|r| {
            let old = &held[&r.sagsid];
            match r.sag {
                Some(c) if !r.slettet => Sag {
                    kommunekode: kommune,
                    sagsid: r.sagsid,
                    person: old.person,
                    foedselsdato: old.foedselsdato,
                    koen: old.koen,
                    ydelse: c.ydelse,
                    maalgruppe: c.maalgruppe,
                    startdato: c.startdato,
                    slutdato: c.slutdato,
                    slettet: false,
                    version,
                },
                _ => Sag::tombstone(kommune, r.sagsid, version),
            }
        })
        .collect();
    let mut log = store.read_log()?;
    let tx = store.begin()?;
    tx.stage_receipt(&v.kvittering.fil, &v.kvittering.to_text(), &v.kvittering.to_json())?;
    tx.add_cases(kommune, sager)?;
    log.extend(v.kvittering.log_entry());
    tx.commit(&mut log)?;
    Ok(Rettet::Gemt(v.kvittering))
}
