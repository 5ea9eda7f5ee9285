//! The cases behind a flag (docs/markeringer.md, "Sagerne bag en markering"): the municipality's own
//! sagsid of the cases that explain each flag of the report year, so it can look them up in its case
//! system. Never a CPR number or a pseudonym: the pseudonym only links a citizen's cases here.
//!
//! - Change rules (quarter, year, to and from 0, HB): the citizens who are recipients in one of the
//!   two compared quarters and not in the other — their cases active in the quarter where they are
//!   recipients. Citizens in both quarters do not move the count and are not listed.
//! - Revision: the cases active in the quarter whose current version was delivered in the report year.
//! - Missing target group: adult cases without one, delivered in the report year.
//! - Piled-up start dates: the cases that start on the piled-up date.

use crate::sager_kept;
use chrono::NaiveDate;
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use godkend_model::{Kvartal, Periode, Reference, Register};
use godkend_rules::{Datakvalitet, Markering, Regel, Tilstand};
use godkend_store::Sag;

/// One case behind one flag: a row of the workbook's `Sager` sheet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SagBag {
    /// The flag's id.
    pub id: String,
    pub sagsid: String,
    pub ydelse: String,
    pub startdato: String,
    pub slutdato: Option<String>,
    /// What happened, in Danish: `startet`, `ophørt`, `skiftet til BL82-1`, `mangler målgruppe` …
    pub haendelse: String,
}

/// The quarter a change rule compares the flagged quarter with.
fn base(regel: Regel, q: Kvartal) -> Option<Kvartal> {
    match regel {
        Regel::KvartalTilKvartal | Regel::FaldTilNul | Regel::StigningFraNul | Regel::HidiroglouBerthelot => {
            Some(q.previous())
        }
        Regel::AarTilAar => Some(q.same_last_year()),
        _ => None,
    }
}

/// The first day a report year's flags can need a case from: a change rule compares a quarter of the
/// year with the one before it or the same quarter a year earlier, so nothing that ended before the year
/// before began explains one; the rules on deliveries (revision, missing target group) take cases by the
/// month of their version, which [`godkend_store::Sag::since`] keeps too.
pub fn needed_from(year: i32) -> NaiveDate {
    Kvartal::new(year - 1, 1).expect("quarter 1 exists").first_day()
}

/// Lists the cases behind each report-year flag of one municipality (`cases`: its stored cases) and
/// sets each flag's `sager_i_alt`; returns every row (the workbook lists them all), in flag order.
pub fn behind(
    flags: &mut [Markering],
    cases: &[Sag],
    reference: &Reference,
    dq: &Datakvalitet,
    year: i32,
) -> Vec<SagBag> {
    let found = find(flags, cases, reference, dq, year);
    rows(flags, dq, &found)
}

/// As [`behind`], with the cases kept by an earlier run or report of the same store when every flag's
/// are there ([`crate::sager_kept`]); otherwise the municipality's cases are read (`read`), searched and
/// kept.
pub fn behind_kept(
    flags: &mut [Markering],
    read: impl FnOnce() -> Result<Vec<Sag>, godkend_store::Error>,
    reference: &Reference,
    dq: &Datakvalitet,
    year: i32,
    kept: Option<sager_kept::Kept>,
) -> Result<Vec<SagBag>, godkend_store::Error> {
    let Some(kommunekode) = explained(flags).next().map(|f| f.kommunekode) else { return Ok(Vec::new()) };
    let loaded = kept.and_then(|k| sager_kept::load(k, year, kommunekode));
    if let Some(found) = loaded
        && explained(flags).all(|f| found.contains_key(&sager_kept::flag_key(f, dq)))
    {
        return Ok(rows(flags, dq, &found));
    }
    let found = find(flags, &read()?, reference, dq, year);
    if let Some(k) = kept {
        sager_kept::save(k, year, kommunekode, &found);
    }
    Ok(rows(flags, dq, &found))
}

/// Whether a flag's cases are listed: the report year's, standing, each cell's own mark.
fn is_explained(f: &Markering) -> bool {
    f.i_rapportaaret && f.tilstand != Tilstand::Loest && f.hoerer_til.is_none()
}

fn explained(flags: &[Markering]) -> impl Iterator<Item = &Markering> {
    flags.iter().filter(|f| is_explained(f))
}

/// Each listed flag's cases by [`sager_kept::flag_key`], sorted by start date and sagsid.
fn find(flags: &[Markering], cases: &[Sag], reference: &Reference, dq: &Datakvalitet, year: i32) -> sager_kept::Rows {
    let cases = Cases::of(cases, reference);
    let mut out = sager_kept::Rows::new();
    for f in explained(flags) {
        let key = sager_kept::flag_key(f, dq);
        if out.contains_key(&key) {
            continue;
        }
        let mut found = cases.explaining(f, dq, year);
        found.sort_by(|(a, _), (b, _)| (a.startdato, &a.sagsid).cmp(&(b.startdato, &b.sagsid)));
        let bags = found
            .into_iter()
            .map(|(s, haendelse)| sager_kept::Row {
                sagsid: s.sagsid.clone(),
                ydelse: s.ydelse.clone(),
                startdato: s.startdato.to_string(),
                slutdato: s.slutdato.map(|d| d.to_string()),
                haendelse,
            })
            .collect();
        out.insert(key, bags);
    }
    out
}

/// The workbook's rows in flag order, each flag's `sager_i_alt` set.
fn rows(flags: &mut [Markering], dq: &Datakvalitet, found: &sager_kept::Rows) -> Vec<SagBag> {
    let mut rows = Vec::new();
    for f in flags.iter_mut().filter(|f| is_explained(f)) {
        let kept = found.get(&sager_kept::flag_key(f, dq)).map_or(&[][..], Vec::as_slice);
        f.sager_i_alt = kept.len();
        rows.extend(kept.iter().map(|r| SagBag {
            id: f.id.clone(),
            sagsid: r.sagsid.clone(),
            ydelse: r.ydelse.clone(),
            startdato: r.startdato.clone(),
            slutdato: r.slutdato.clone(),
            haendelse: r.haendelse.clone(),
        }));
    }
    rows
}

/// A live case with its citizen's pseudonym and its series (`None`: a service the reference does not know).
type PersonSag<'a> = (u64, &'a Sag, Option<(&'a str, Register)>);

/// One municipality's live cases, by series, and all of them by citizen (for "moved to another
/// service": looked up per listed case, not scanned). Each distinct service is looked up in the
/// reference once, not once per case.
struct Cases<'a> {
    by_series: HashMap<&'a str, Vec<&'a Sag>>,
    /// Every live case with its series, by pseudonym.
    by_person: Vec<PersonSag<'a>>,
    reference: &'a Reference,
}

/// A quarter's first and last day, computed once per flag instead of once per case.
#[derive(Clone, Copy)]
struct Days(NaiveDate, NaiveDate);

impl Days {
    fn of(q: Kvartal) -> Days {
        Days(q.first_day(), q.last_day())
    }

    fn active(self, s: &Sag) -> bool {
        s.active_during(self.0, self.1)
    }
}

impl<'a> Cases<'a> {
    fn of(cases: &'a [Sag], reference: &'a Reference) -> Cases<'a> {
        let mut serie: HashMap<&str, Option<(&str, Register)>> = HashMap::new();
        let mut by_series: HashMap<&str, Vec<&Sag>> = HashMap::new();
        let mut by_person = Vec::with_capacity(cases.len());
        for s in cases.iter().filter(|s| !s.slettet) {
            let of = *serie
                .entry(s.ydelse.as_str())
                .or_insert_with(|| reference.ydelser.get(&s.ydelse).map(|y| (y.serie.as_str(), y.register)));
            if let Some((x, _)) = of {
                by_series.entry(x).or_default().push(s);
            }
            by_person.push((s.person, s, of));
        }
        by_person.sort_unstable_by_key(|&(p, _, _)| p);
        Cases { by_series, by_person, reference }
    }

    fn serie_of(&self, s: &Sag) -> Option<(&'a str, Register)> {
        self.reference.ydelser.get(&s.ydelse).map(|y| (y.serie.as_str(), y.register))
    }

    fn in_series(&self, serie: &str) -> &[&'a Sag] {
        self.by_series.get(serie).map_or(&[], Vec::as_slice)
    }

    /// A citizen's live cases, each with its series.
    fn of_person(&self, person: u64) -> &[PersonSag<'a>] {
        let from = self.by_person.partition_point(|&(p, _, _)| p < person);
        let to = self.by_person.partition_point(|&(p, _, _)| p <= person);
        &self.by_person[from..to]
    }

    /// Every live case of a known service, series by series in table order.
    fn live(&self) -> impl Iterator<Item = &'a Sag> + '_ {
        let mut series: Vec<&&str> = self.by_series.keys().collect();
        series.sort_by_key(|s| self.reference.serier.get(**s).map(|x| x.raekkefoelge));
        series.into_iter().flat_map(|s| self.by_series[*s].iter().copied())
    }

    /// The cases that explain flag `f`, each with what happened, in Danish.
    fn explaining(&self, f: &Markering, dq: &Datakvalitet, year: i32) -> Vec<(&'a Sag, String)> {
        let q = f.kvartal.kvartal();
        let mut found = Vec::new();
        match (f.regel, q) {
            (regel, Some(q)) if base(regel, q).is_some() => {
                found = self.changed(&f.serie, q, base(regel, q).expect("checked"));
            }
            (Regel::Revision, Some(q)) => {
                let days = Days::of(q);
                for &s in self.in_series(&f.serie) {
                    if days.active(s) && s.version.maaned().year() == year {
                        let maaned = s.version.maaned();
                        found.push((s, format!("indberettet eller rettet i leveringen for {maaned}")));
                    }
                }
            }
            (Regel::ManglendeMaalgruppe, _) => {
                for s in self.live() {
                    let adult = self.serie_of(s).is_some_and(|(_, r)| r == Register::Voksne);
                    if adult && s.maalgruppe.is_none() && s.version.maaned().year() == year {
                        found.push((s, "mangler målgruppe".to_string()));
                    }
                }
            }
            (Regel::Systemskifte, _) => {
                let dato = dq
                    .systemskifte
                    .iter()
                    .find(|p| Periode::Kvartal(p.kvartal) == f.kvartal)
                    .and_then(|p| p.dato.parse::<NaiveDate>().ok());
                for s in self.live().filter(|s| Some(s.startdato) == dato) {
                    found.push((s, "startdato på den ophobede dato".to_string()));
                }
            }
            _ => {}
        }
        found
    }

    /// A change rule's cases: the citizens who are recipients of `serie` in one of quarters `q` and `b`
    /// and not in the other, by their cases active in the quarter where they are.
    fn changed(&self, serie: &str, q: Kvartal, b: Kvartal) -> Vec<(&'a Sag, String)> {
        let of_series = self.in_series(serie);
        let (dq, db) = (Days::of(q), Days::of(b));
        let persons = |at: Days| -> HashSet<u64> {
            let mut set = HashSet::with_capacity(of_series.len());
            set.extend(of_series.iter().filter(|s| at.active(s)).map(|s| s.person));
            set
        };
        let (then, now) = (persons(db), persons(dq));
        let register = self.reference.serier.get(serie).map(|s| s.register);
        // Another series of the same register the citizen is in, in the given quarter.
        let elsewhere = |person: u64, at: Days| -> Option<String> {
            self.of_person(person)
                .iter()
                .filter(|(_, s, of)| at.active(s) && of.is_some_and(|(x, r)| x != serie && Some(r) == register))
                .map(|(_, s, _)| s.ydelse.clone())
                .min()
        };
        let mut found = Vec::new();
        for &s in of_series {
            if dq.active(s) && !then.contains(&s.person) {
                let what = match elsewhere(s.person, db) {
                    Some(y) => format!("ny modtager (skiftet fra {y})"),
                    None => "ny modtager".to_string(),
                };
                found.push((s, what));
            } else if db.active(s) && !now.contains(&s.person) {
                let what = match elsewhere(s.person, dq) {
                    Some(y) => format!("ophørt (skiftet til {y})"),
                    None => "ophørt".to_string(),
                };
                found.push((s, what));
            }
        }
        found
    }
}
