//! One municipality's population of cases: the stock on the first month, new cases, ends, deletions
//! and moves between services, each kept clean by construction (no overlapping cases of one citizen
//! in a series, ages and codes that fit the start date). Validity is read from the reference data's
//! fields here, not through the validator's code.

use crate::line::{Expect, Line, Style};
use crate::person::{Person, age_on};
use chrono::{Datelike, Months, NaiveDate};
use godkend_model::rng::Rng;
use godkend_model::{FundKode, Maaned, Reference, Register, Ydelse};
use std::collections::HashMap;

/// Share of a municipality's stock per adult service, and the monthly chance a case ends.
pub(crate) const ADULT: [(&str, f64, f64); 13] = [
    ("1.1", 0.12, 0.02),
    ("1.3", 0.04, 0.05),
    ("1.4", 0.08, 0.015),
    ("1.8.1", 0.08, 0.008),
    ("1.8.2", 0.06, 0.04),
    ("1.12.0.1", 0.10, 0.015),
    ("1.12.0.2", 0.35, 0.03),
    ("1.13.2", 0.03, 0.01),
    ("1.13.3", 0.005, 0.01),
    ("1.13.4", 0.04, 0.02),
    ("1.17", 0.02, 0.01),
    ("1.18.1", 0.04, 0.04),
    ("1.18.2", 0.035, 0.06),
];

/// Children's series, with the Serviceloven and Barnets Lov codes.
pub(crate) const CHILD: [(&str, Option<&str>, &str, f64, f64); 8] = [
    ("B-dagtilbud", Some("SEL32"), "BL82-1", 0.15, 0.03),
    ("B-hjemmetraening", Some("SEL32a"), "BL82-3", 0.03, 0.03),
    ("B-klubtilbud", Some("SEL36"), "BL82-2", 0.12, 0.03),
    ("B-bl82-4", None, "BL82-4", 0.05, 0.03),
    ("B-personlig-hjaelp", Some("SEL44-83"), "BL90-1", 0.10, 0.02),
    ("B-aflastning", Some("SEL44-84"), "BL90-2", 0.40, 0.03),
    ("B-vedligeholdelse", Some("SEL44-86"), "BL90-3", 0.05, 0.03),
    ("B-ledsageordning", Some("SEL45"), "BL89-1", 0.10, 0.03),
];

pub(crate) const ADULT_BASE: f64 = 600.0;
pub(crate) const CHILD_BASE: f64 = 120.0;

fn law_change() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).expect("date")
}

/// Relative size: København ≈ 10× a small municipality, the big cities between.
pub fn weight(kommune: u16) -> f64 {
    match kommune {
        101 => 10.0,
        751 => 6.0,
        461 | 851 => 4.0,
        147 | 561 | 621 | 630 | 657 | 615 => 2.5,
        825 | 492 | 411 | 563 => 0.3,
        k => 1.0 + f64::from(k % 3) * 0.4,
    }
}

/// The code of a series for a decision starting on `start`, if the series exists then.
pub(crate) fn child_code(serie: usize, start: NaiveDate) -> Option<&'static str> {
    let (_, old, new, _, _) = CHILD[serie];
    if start >= law_change() { Some(new) } else { old }
}

pub(crate) struct Case {
    pub(crate) sagsid: String,
    pub(crate) person: usize,
    pub(crate) serie: &'static str,
    pub(crate) ydelse: String,
    pub(crate) register: Register,
    pub(crate) maalgruppe: Option<u8>,
    pub(crate) start: NaiveDate,
    pub(crate) end: Option<NaiveDate>,
}

/// One municipality's simulation state.
pub(crate) struct Kommune<'a> {
    pub(crate) kode: u16,
    pub(crate) rng: Rng,
    pub(crate) style: Style,
    pub(crate) reference: &'a Reference,
    pub(crate) persons: Vec<Person>,
    pub(crate) adults: Vec<usize>,
    pub(crate) children: Vec<usize>,
    pub(crate) cases: Vec<Case>,
    pub(crate) next_case: u64,
    /// Per birth date and sex: how many CPR numbers were handed out (keeps them unique).
    pub(crate) serials: HashMap<(NaiveDate, bool), u32>,
    pub(crate) missing_target_share: f64,
    pub(crate) cpr_offset: u32,
}

/// Whether a decision starting on `start` may carry the code `y` (its validity period, both ends included).
pub(crate) fn valid_on(y: &Ydelse, start: NaiveDate) -> bool {
    y.gyldig_fra <= start && y.gyldig_til.is_none_or(|til| start <= til)
}

impl Kommune<'_> {
    pub(crate) fn day_in(&mut self, month: Maaned) -> NaiveDate {
        month.first_day() + chrono::Duration::days(self.rng.below(u64::from(month.days())) as i64)
    }

    pub(crate) fn hazard(&self, c: usize) -> f64 {
        let case = &self.cases[c];
        match case.register {
            Register::Voksne => ADULT.iter().find(|a| a.0 == case.ydelse).map_or(0.02, |a| a.2),
            Register::Boern => CHILD.iter().find(|a| a.0 == case.serie).map_or(0.03, |a| a.4),
        }
    }

    /// The stock of open cases on the first month: started any time in the last eight years.
    pub(crate) fn initial_stock(&mut self, month: Maaned, scale: f64) {
        let earliest = godkend_model::earliest_start().max(month.first_day() - chrono::Duration::days(8 * 365));
        let span = (month.last_day() - earliest).num_days();
        for (ydelse, share, _) in ADULT {
            let y_from = self.reference.ydelser[ydelse].gyldig_fra.max(earliest);
            // No stock of a service that does not exist yet (§ 82 a–b from 2018): its cases would start
            // after the delivery month.
            if y_from > month.last_day() {
                continue;
            }
            let n = self.rng.count(share * ADULT_BASE * scale);
            for _ in 0..n {
                let start = (earliest + chrono::Duration::days(self.rng.below(span as u64 + 1) as i64)).max(y_from);
                self.new_case(Register::Voksne, ydelse, start);
            }
        }
        for (s, child) in CHILD.iter().enumerate() {
            let n = self.rng.count(child.3 * CHILD_BASE * scale);
            for _ in 0..n {
                let start = earliest + chrono::Duration::days(self.rng.below(span as u64 + 1) as i64);
                if let Some(code) = child_code(s, start) {
                    self.new_case(Register::Boern, code, start);
                }
            }
        }
    }

    /// Opens a case for a citizen who may hold it (a known one about a quarter of the time).
    pub(crate) fn new_case(&mut self, register: Register, ydelse: &str, start: NaiveDate) -> Option<usize> {
        let y = &self.reference.ydelser[ydelse];
        let serie: &'static str = series_key(&y.serie);
        let (age_min, age_max) = (y.alder_min, y.alder_max);
        let fits = |p: &Person| {
            let age = age_on(p.born, start);
            p.busy.get(serie).is_none_or(|end| *end < start)
                && age_min.is_none_or(|m| age >= m)
                && age_max.is_none_or(|m| age <= m)
                && (register == Register::Boern || age >= 18)
        };
        let pool = if register == Register::Voksne { &self.adults } else { &self.children };
        let reuse = if !pool.is_empty() && self.rng.chance(0.25) {
            let p = pool[self.rng.below(pool.len() as u64) as usize];
            fits(&self.persons[p]).then_some(p)
        } else {
            None
        };
        let person = match reuse {
            Some(p) => p,
            None => {
                let (lo, hi) = match register {
                    Register::Voksne => (18, 85),
                    Register::Boern => (age_min.unwrap_or(0), age_max.unwrap_or(17)),
                };
                let p = self.new_person(start, lo, hi);
                if register == Register::Voksne {
                    self.adults.push(p)
                } else {
                    self.children.push(p)
                }
                p
            }
        };
        let maalgruppe = (register == Register::Voksne && !self.rng.chance(self.missing_target_share))
            .then(|| self.rng.range(1, 12) as u8);
        self.persons[person].busy.insert(serie, NaiveDate::MAX);
        let sagsid = format!("{}-{:07}", self.kode, self.next_case);
        self.next_case += 1;
        self.cases.push(Case {
            sagsid,
            person,
            serie,
            ydelse: ydelse.to_string(),
            register,
            maalgruppe,
            start,
            end: None,
        });
        Some(self.cases.len() - 1)
    }

    pub(crate) fn end_case(&mut self, c: usize, end: NaiveDate) {
        let case = &mut self.cases[c];
        case.end = Some(end);
        self.persons[case.person].busy.insert(case.serie, end);
    }

    pub(crate) fn delete_case(&mut self, c: usize) {
        let case = self.cases.swap_remove(c);
        let before = case.start.pred_opt().expect("date");
        self.persons[case.person].busy.insert(case.serie, before);
    }

    /// Moves an adult case to another service (same sagsid and start), if the citizen is free there.
    pub(crate) fn move_case(&mut self, c: usize, closed: Option<&str>) -> bool {
        let target = ADULT[self.rng.below(ADULT.len() as u64) as usize].0;
        let y = &self.reference.ydelser[target];
        let serie = series_key(&y.serie);
        let case = &self.cases[c];
        let person = &self.persons[case.person];
        if serie == case.serie
            || Some(serie) == closed
            || !valid_on(y, case.start)
            || person.busy.get(serie).is_some_and(|end| *end >= case.start)
        {
            return false;
        }
        let (old, start, p) = (case.serie, case.start, case.person);
        self.persons[p].busy.insert(old, start.pred_opt().expect("date"));
        self.persons[p].busy.insert(serie, NaiveDate::MAX);
        let case = &mut self.cases[c];
        case.serie = serie;
        case.ydelse = target.to_string();
        true
    }

    pub(crate) fn line(&self, c: usize, expect: Expect) -> Line {
        let case = &self.cases[c];
        let p = &self.persons[case.person];
        let alt = p.cpr.is_none();
        let expect = match expect {
            Expect::Clean if case.register == Register::Voksne && case.maalgruppe.is_none() => {
                Expect::Warn(FundKode::MaalgruppeMangler)
            }
            e => e,
        };
        Line {
            kommunekode: format!("{:03}", self.kode),
            sagsid: case.sagsid.clone(),
            cpr: p.cpr.clone().unwrap_or_default(),
            udlaendingenr: p.udl.clone().unwrap_or_default(),
            foedselsdato: if alt { self.style.date(p.born) } else { String::new() },
            koen: if alt { (if p.male { "M" } else { "K" }).to_string() } else { String::new() },
            ydelse: case.ydelse.clone(),
            maalgruppe: case.maalgruppe.map(|m| m.to_string()).unwrap_or_default(),
            startdato: self.style.date(case.start),
            slutdato: case.end.map(|e| self.style.date(e)).unwrap_or_default(),
            slettet: if expect == Expect::Delete { "1".into() } else { String::new() },
            expect,
        }
    }
}

/// Series keys as `'static` (the reference outlives the run, but keys are few and fixed).
fn series_key(serie: &str) -> &'static str {
    const KEYS: [&str; 21] = [
        "V-1.1",
        "V-1.3",
        "V-1.4",
        "V-1.8.1",
        "V-1.8.2",
        "V-1.12.0.1",
        "V-1.12.0.2",
        "V-1.13.2",
        "V-1.13.3",
        "V-1.13.4",
        "V-1.17",
        "V-1.18.1",
        "V-1.18.2",
        "B-dagtilbud",
        "B-hjemmetraening",
        "B-klubtilbud",
        "B-bl82-4",
        "B-personlig-hjaelp",
        "B-aflastning",
        "B-vedligeholdelse",
        "B-ledsageordning",
    ];
    KEYS.iter().find(|k| **k == serie).copied().unwrap_or("ukendt")
}

/// New citizens: a birth date and sex for the wanted age, and a valid, unique CPR number.
impl Kommune<'_> {
    /// A citizen aged between `lo` and `hi` (completed years) on `at`.
    pub(crate) fn new_person(&mut self, at: NaiveDate, lo: i32, hi: i32) -> usize {
        let age = self.rng.range(i64::from(lo), i64::from(hi)) as i32;
        // Born between (age+1) years and age years before `at`, exclusive of the upper birthday.
        let latest = at.checked_sub_months(Months::new(12 * age as u32)).expect("date");
        let earliest =
            at.checked_sub_months(Months::new(12 * (age as u32 + 1))).expect("date") + chrono::Duration::days(1);
        let born = earliest + chrono::Duration::days(self.rng.below((latest - earliest).num_days() as u64 + 1) as i64);
        let male = self.rng.chance(0.5);
        let (cpr, udl) = if self.rng.chance(0.02) {
            (None, Some(format!("U{:09}", self.rng.below(1_000_000_000))))
        } else {
            (Some(self.cpr(born, male)), None)
        };
        self.persons.push(Person { cpr, udl, born, male, busy: HashMap::new() });
        self.persons.len() - 1
    }

    /// A valid, unique CPR for the birth date (century digit per CPR-kontoret's table).
    fn cpr(&mut self, born: NaiveDate, male: bool) -> String {
        let yy = born.year() % 100;
        let centuries: &[u32] = match born.year() {
            1900..=1936 => &[0, 1, 2, 3],
            1937..=1999 => &[0, 1, 2, 3, 4, 9],
            2000..=2036 => &[4, 9, 5, 6, 7, 8],
            _ => &[5, 6, 7, 8],
        };
        let n = self.serials.entry((born, male)).or_insert(0);
        // Each municipality has its own block of serial numbers, so CPRs are unique across them.
        let c = *n + self.cpr_offset;
        *n += 1;
        let seventh = centuries[c as usize % centuries.len()];
        let rest = c / centuries.len() as u32;
        let middle = rest % 100;
        let last = 2 * ((rest / 100) % 5) + u32::from(male);
        let digits = format!("{:02}{:02}{:02}{seventh}{middle:02}{last}", born.day(), born.month(), yy);
        if self.style.cpr_dash { format!("{}-{}", &digits[..6], &digits[6..]) } else { digits }
    }
}
