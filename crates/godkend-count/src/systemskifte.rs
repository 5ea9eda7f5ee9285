//! The systemskifte report (`godkend systemskifte`): one municipality around the go-live date of a new
//! case system. Per service series, recipients, starts and ends in the four quarters before and the
//! four from the go-live quarter on; the cases that start on the date; and the re-created ones — the
//! same citizen and series ended the day before and started on the date — which add starts and ends
//! without any real change. Cases are named by sagsid only.

use crate::Result;
use chrono::NaiveDate;
use godkend_model::{Kvartal, Reference, Register};
use godkend_store::{CaseStore, Sag};
use std::collections::BTreeMap;

/// One quarter of one series.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SkifteKvartal {
    pub kvartal: String,
    /// Distinct citizens with a case of the series active in the quarter.
    pub modtagere: usize,
    /// Cases starting, and ending, in the quarter.
    pub starter: usize,
    pub ophoer: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SkifteSerie {
    pub register: Register,
    pub serie: String,
    pub ydelse: String,
    pub betegnelse: String,
    pub kvartaler: Vec<SkifteKvartal>,
}

/// A case that starts on the go-live date.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SkifteSag {
    pub sagsid: String,
    pub ydelse: String,
    pub startdato: String,
    pub slutdato: Option<String>,
    /// The sagsid of the same citizen's case in the same series that ended the day before, when there
    /// is one: the case was re-created by the change of system.
    pub genoprettet_fra: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Systemskifte {
    pub kommunekode: u16,
    pub navn: String,
    pub dato: String,
    /// The go-live quarter.
    pub kvartal: String,
    pub serier: Vec<SkifteSerie>,
    /// Live cases starting on the date, by sagsid.
    pub sager: Vec<SkifteSag>,
    pub starter_paa_datoen: usize,
    pub genoprettede: usize,
    /// Every live case starting in the go-live quarter.
    pub starter_i_kvartalet: usize,
}

/// The report for municipality `kommune` around `dato`, from the store's live cases.
pub fn systemskifte(store: &CaseStore, reference: &Reference, kommune: u16, dato: NaiveDate) -> Result<Systemskifte> {
    let cases: Vec<Sag> = store.read_cases(kommune)?.into_iter().filter(|s| !s.slettet).collect();
    let serie_of = |s: &Sag| reference.ydelser.get(&s.ydelse).map(|y| y.serie.clone());
    let q0 = Kvartal::of_date(dato);
    let mut first = q0;
    for _ in 0..4 {
        first = first.previous();
    }
    let mut last = q0;
    for _ in 0..3 {
        last = last.next();
    }
    let quarters: Vec<Kvartal> = first.through(last).collect();
    let mut by_serie: BTreeMap<String, Vec<&Sag>> = BTreeMap::new();
    for s in &cases {
        if let Some(serie) = serie_of(s) {
            by_serie.entry(serie).or_default().push(s);
        }
    }
    let mut serier = Vec::new();
    for register in [Register::Voksne, Register::Boern] {
        for def in reference.serier_of(register) {
            let Some(of) = by_serie.get(&def.serie) else { continue };
            let kvartaler: Vec<SkifteKvartal> = quarters
                .iter()
                .map(|q| {
                    let mut persons: Vec<u64> = of.iter().filter(|s| s.active_in(*q)).map(|s| s.person).collect();
                    persons.sort_unstable();
                    persons.dedup();
                    SkifteKvartal {
                        kvartal: q.to_string(),
                        modtagere: persons.len(),
                        starter: of.iter().filter(|s| Kvartal::of_date(s.startdato) == *q).count(),
                        ophoer: of.iter().filter(|s| s.slutdato.is_some_and(|d| Kvartal::of_date(d) == *q)).count(),
                    }
                })
                .collect();
            if kvartaler.iter().all(|k| k.modtagere == 0 && k.starter == 0 && k.ophoer == 0) {
                continue;
            }
            serier.push(SkifteSerie {
                register,
                serie: def.serie.clone(),
                ydelse: reference.display_code(&def.serie),
                betegnelse: def.betegnelse.clone(),
                kvartaler,
            });
        }
    }
    let day_before = dato.pred_opt().expect("a date after the first");
    // The cases that ended the day before, by citizen: looked up per starting case, not scanned.
    let mut ended: std::collections::HashMap<u64, Vec<&Sag>> = std::collections::HashMap::new();
    for a in cases.iter().filter(|a| a.slutdato == Some(day_before)) {
        ended.entry(a.person).or_default().push(a);
    }
    let mut sager: Vec<SkifteSag> = cases
        .iter()
        .filter(|s| s.startdato == dato)
        .map(|s| {
            let serie = serie_of(s);
            let genoprettet_fra = ended
                .get(&s.person)
                .into_iter()
                .flatten()
                .filter(|a| serie_of(a) == serie)
                .map(|a| a.sagsid.clone())
                .min();
            SkifteSag {
                sagsid: s.sagsid.clone(),
                ydelse: s.ydelse.clone(),
                startdato: s.startdato.to_string(),
                slutdato: s.slutdato.map(|d| d.to_string()),
                genoprettet_fra,
            }
        })
        .collect();
    sager.sort_by(|a, b| (&a.ydelse, &a.sagsid).cmp(&(&b.ydelse, &b.sagsid)));
    let navn = reference.kommune(kommune).map_or_else(String::new, |k| k.navn.clone());
    Ok(Systemskifte {
        kommunekode: kommune,
        navn,
        dato: dato.to_string(),
        kvartal: q0.to_string(),
        serier,
        starter_paa_datoen: sager.len(),
        genoprettede: sager.iter().filter(|s| s.genoprettet_fra.is_some()).count(),
        starter_i_kvartalet: cases.iter().filter(|s| Kvartal::of_date(s.startdato) == q0).count(),
        sager,
    })
}
