//! The simulation: each municipality's citizens, cases and monthly changes, as delivery lines.
//!
//! Clean by construction: a citizen never holds two overlapping cases in one series, ages fit the
//! services, codes fit the start dates. Every finding a line will cause is recorded on the line
//! (`Expect`), so the ground truth is exact.

use crate::rng::Rng;
use crate::sandhed::{Anomali, AnomaliType};
use crate::{DemoOptions, Problem};
use chrono::{Datelike, Months, NaiveDate};
use godkend_model::{FundKode, Maaned, Reference, Register};
use std::collections::{BTreeMap, HashMap};

/// What validation must say about a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    Clean,
    Warn(FundKode),
    Reject(FundKode),
    Delete,
}

/// One delivery line, in the contract's column order.
#[derive(Clone, Debug)]
pub struct Line {
    pub kommunekode: String,
    pub sagsid: String,
    pub cpr: String,
    pub udlaendingenr: String,
    pub foedselsdato: String,
    pub koen: String,
    pub ydelse: String,
    pub maalgruppe: String,
    pub startdato: String,
    pub slutdato: String,
    pub slettet: String,
    pub expect: Expect,
}

pub const HEADER: [&str; 11] = [
    "kommunekode",
    "sagsid",
    "cpr",
    "udlaendingenr",
    "foedselsdato",
    "koen",
    "ydelse",
    "maalgruppe",
    "startdato",
    "slutdato",
    "slettet",
];

impl Line {
    pub fn fields(&self) -> [&str; 11] {
        [
            &self.kommunekode,
            &self.sagsid,
            &self.cpr,
            &self.udlaendingenr,
            &self.foedselsdato,
            &self.koen,
            &self.ydelse,
            &self.maalgruppe,
            &self.startdato,
            &self.slutdato,
            &self.slettet,
        ]
    }
}

/// How a municipality writes its files (vendors differ; all of it is valid).
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub danish_dates: bool,
    pub cpr_dash: bool,
    pub parquet: bool,
}

impl Style {
    pub fn of(index: usize) -> Style {
        Style { danish_dates: index % 7 == 3, cpr_dash: index % 5 == 2, parquet: index % 9 == 4 }
    }

    pub fn date(&self, d: NaiveDate) -> String {
        if self.danish_dates { d.format("%d-%m-%Y").to_string() } else { d.format("%Y-%m-%d").to_string() }
    }
}

/// Share of a municipality's stock per adult service, and the monthly chance a case ends.
const ADULT: [(&str, f64, f64); 13] = [
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
const CHILD: [(&str, Option<&str>, &str, f64, f64); 8] = [
    ("B-dagtilbud", Some("SEL32"), "BL82-1", 0.15, 0.03),
    ("B-hjemmetraening", Some("SEL32a"), "BL82-3", 0.03, 0.03),
    ("B-klubtilbud", Some("SEL36"), "BL82-2", 0.12, 0.03),
    ("B-bl82-4", None, "BL82-4", 0.05, 0.03),
    ("B-personlig-hjaelp", Some("SEL44-83"), "BL90-1", 0.10, 0.02),
    ("B-aflastning", Some("SEL44-84"), "BL90-2", 0.40, 0.03),
    ("B-vedligeholdelse", Some("SEL44-86"), "BL90-3", 0.05, 0.03),
    ("B-ledsageordning", Some("SEL45"), "BL89-1", 0.10, 0.03),
];

const ADULT_BASE: f64 = 600.0;
const CHILD_BASE: f64 = 120.0;

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
fn child_code(serie: usize, start: NaiveDate) -> Option<&'static str> {
    let (_, old, new, _, _) = CHILD[serie];
    if start >= law_change() { Some(new) } else { old }
}

struct Person {
    cpr: Option<String>,
    udl: Option<String>,
    born: NaiveDate,
    male: bool,
    /// Per series: the end of the person's latest case there (`NaiveDate::MAX` while open).
    busy: HashMap<&'static str, NaiveDate>,
}

struct Case {
    sagsid: String,
    person: usize,
    serie: &'static str,
    ydelse: String,
    register: Register,
    maalgruppe: Option<u8>,
    start: NaiveDate,
    end: Option<NaiveDate>,
}

/// One municipality's simulation state.
struct Kommune<'a> {
    kode: u16,
    rng: Rng,
    style: Style,
    reference: &'a Reference,
    persons: Vec<Person>,
    adults: Vec<usize>,
    children: Vec<usize>,
    cases: Vec<Case>,
    next_case: u64,
    /// Per birth date and sex: how many CPR numbers were handed out (keeps them unique).
    serials: HashMap<(NaiveDate, bool), u32>,
    missing_target_share: f64,
    cpr_offset: u32,
}

/// The lines of one municipality per month, and the anomalies injected there.
pub struct KommuneOutput {
    pub kode: u16,
    pub months: BTreeMap<Maaned, Vec<Line>>,
    pub anomalies: Vec<Anomali>,
}

/// Which anomaly (if any) a municipality gets: spread round-robin so a small set still holds every kind.
pub fn anomaly_kind(
    index: usize,
    seed: u64,
    reporting_itself: bool,
    problems: &std::collections::BTreeSet<Problem>,
) -> Option<AnomaliType> {
    const CYCLE: [Option<(AnomaliType, Problem)>; 8] = [
        Some((AnomaliType::ManglendeLevering, Problem::ManglendeMaaned)),
        Some((AnomaliType::Systemskifte, Problem::Systemskifte)),
        Some((AnomaliType::FaldTilNul, Problem::FaldTilNul)),
        Some((AnomaliType::Stigning, Problem::Stigning)),
        Some((AnomaliType::ManglendeMaalgruppe, Problem::ManglendeMaalgruppe)),
        Some((AnomaliType::AfvistePoster, Problem::AfvistePoster)),
        None,
        None,
    ];
    let (kind, problem) = CYCLE[(index + seed as usize) % CYCLE.len()]?;
    if !problems.contains(&problem) || (kind == AnomaliType::ManglendeLevering && !reporting_itself) {
        return None;
    }
    Some(kind)
}

pub fn simulate_kommune(reference: &Reference, options: &DemoOptions, index: usize) -> KommuneOutput {
    let kode = options.kommuner[index];
    let reporter = reference.reporter_of(kode);
    let mut k = Kommune {
        kode,
        rng: Rng::new(options.seed.wrapping_mul(1_000_003).wrapping_add(u64::from(kode))),
        style: Style::of(options.kommuner.iter().position(|x| *x == reporter).unwrap_or(index)),
        reference,
        persons: Vec::new(),
        adults: Vec::new(),
        children: Vec::new(),
        cases: Vec::new(),
        next_case: 1,
        serials: HashMap::new(),
        missing_target_share: 0.01,
        cpr_offset: index as u32 * 20,
    };
    let scale = weight(kode) * options.skala;
    let months: Vec<Maaned> = options.fra.through(options.til).collect();
    let kind = anomaly_kind(index, options.seed, reporter == kode, &options.problemer);
    let mut anomalies = Vec::new();
    // The anomaly happens in a month away from both ends, the last month of a quarter for a drop.
    let anomaly_month = if months.len() >= 12 {
        let lo = 6.min(months.len() - 1);
        let hi = months.len().saturating_sub(6).max(lo + 1);
        let mut m = months[lo + k.rng.below((hi - lo) as u64) as usize];
        if kind == Some(AnomaliType::FaldTilNul) {
            while m.month() % 3 != 0 {
                m = Maaned::from_index(m.index() - 1);
            }
        }
        Some(m)
    } else {
        None
    };
    let kind = kind.filter(|_| anomaly_month.is_some());
    let mut closed: Option<&'static str> = None;
    let mut out: BTreeMap<Maaned, Vec<Line>> = BTreeMap::new();

    for (i, &month) in months.iter().enumerate() {
        let mut lines: Vec<Line> = Vec::new();
        let mut index_of: HashMap<String, usize> = HashMap::new();
        let mut emit = |line: Line| match index_of.get(&line.sagsid) {
            Some(&at) => lines[at] = line,
            None => {
                index_of.insert(line.sagsid.clone(), lines.len());
                lines.push(line);
            }
        };
        if i == 0 {
            k.initial_stock(month, scale);
            for c in 0..k.cases.len() {
                emit(k.line(c, Expect::Clean));
            }
        }
        // Cases that ended before this month were delivered with their end already.
        k.cases.retain(|c| c.end.is_none_or(|e| e >= month.first_day()));

        let here = kind.filter(|_| Some(month) == anomaly_month);
        if let Some(kind) = here {
            let serie = match kind {
                AnomaliType::FaldTilNul => Some("V-1.4"),
                AnomaliType::Stigning => Some("V-1.1"),
                _ => None,
            };
            // Where a flag should point: the quarter, or the year for the year-level rules.
            let kvartal = match kind {
                AnomaliType::FaldTilNul => month.kvartal().next().to_string(),
                AnomaliType::ManglendeMaalgruppe | AnomaliType::AfvistePoster => month.year().to_string(),
                _ => month.kvartal().to_string(),
            };
            anomalies.push(Anomali {
                kind,
                kommunekode: kode,
                maaned: month.to_string(),
                kvartal,
                serie: serie.map(str::to_string),
            });
        }
        match here {
            Some(AnomaliType::Systemskifte) => {
                for c in 0..k.cases.len() {
                    if k.cases[c].register == Register::Voksne && k.cases[c].end.is_none() {
                        k.cases[c].start = month.first_day();
                        emit(k.line(c, Expect::Clean));
                    }
                }
            }
            Some(AnomaliType::FaldTilNul) => {
                closed = Some("V-1.4");
                for c in 0..k.cases.len() {
                    if k.cases[c].serie == "V-1.4" && k.cases[c].end.is_none_or(|e| e > month.last_day()) {
                        let end = k.day_in(month).max(k.cases[c].start);
                        k.end_case(c, end);
                        emit(k.line(c, Expect::Clean));
                    }
                }
            }
            Some(AnomaliType::ManglendeMaalgruppe) => {
                // A new vendor stops sending target groups: open adult cases are re-delivered
                // without one, and new cases come without one.
                k.missing_target_share = 1.0;
                for c in 0..k.cases.len() {
                    if k.cases[c].register == Register::Voksne && k.cases[c].end.is_none() {
                        k.cases[c].maalgruppe = None;
                        emit(k.line(c, Expect::Clean));
                    }
                }
            }
            _ => {}
        }

        // Monthly churn of the open cases.
        let mut c = 0;
        while c < k.cases.len() {
            if k.cases[c].end.is_some() {
                c += 1;
                continue;
            }
            let hazard = k.hazard(c);
            let roll = k.rng.unit();
            if roll < hazard {
                let end = k.day_in(month).max(k.cases[c].start);
                k.end_case(c, end);
                emit(k.line(c, Expect::Clean));
            } else if roll < hazard + 0.001 {
                emit(k.line(c, Expect::Delete));
                k.delete_case(c);
                continue;
            } else if roll < hazard + 0.004 && k.cases[c].register == Register::Voksne {
                if k.move_case(c, closed) {
                    emit(k.line(c, Expect::Clean));
                }
            } else if roll < hazard + 0.014 {
                emit(k.line(c, Expect::Clean)); // an unchanged re-delivery
            }
            c += 1;
        }

        // New cases.
        for (serie, share, hazard) in ADULT {
            let serie_key = k.reference.ydelser[serie].serie.as_str();
            if closed == Some(serie_key) {
                continue;
            }
            let noise = 0.9 + 0.2 * k.rng.unit();
            let n = k.rng.poisson(share * ADULT_BASE * scale * hazard * noise);
            if here == Some(AnomaliType::Stigning) && serie == "1.1" {
                // The surge: extra cases that all end six months later.
                for _ in 0..(share * ADULT_BASE * scale * 0.6).round() as usize {
                    let start = k.day_in(month);
                    if let Some(c) = k.new_case(Register::Voksne, serie, start) {
                        let end = start.checked_add_months(Months::new(6)).expect("date");
                        k.end_case(c, end);
                        emit(k.line(c, Expect::Clean));
                    }
                }
            }
            for _ in 0..n {
                let start = k.day_in(month);
                if let Some(c) = k.new_case(Register::Voksne, serie, start) {
                    emit(k.line(c, Expect::Clean));
                }
            }
        }
        for (s, (_, _, _, share, hazard)) in CHILD.iter().enumerate() {
            let noise = 0.9 + 0.2 * k.rng.unit();
            let n = k.rng.poisson(share * CHILD_BASE * scale * hazard * noise);
            for _ in 0..n {
                let start = k.day_in(month);
                if let Some(code) = child_code(s, start) {
                    if let Some(c) = k.new_case(Register::Boern, code, start) {
                        emit(k.line(c, Expect::Clean));
                    }
                }
            }
        }
        // A month with nothing new is still delivered: one open case re-sent unchanged (a delivery
        // without records is rejected). Small municipalities have such months.
        if lines.is_empty() {
            if let Some(c) = (0..k.cases.len()).find(|&c| k.cases[c].end.is_none()) {
                lines.push(k.line(c, Expect::Clean));
            }
        }
        out.insert(month, lines);
    }
    KommuneOutput { kode, months: out, anomalies }
}

impl Kommune<'_> {
    fn day_in(&mut self, month: Maaned) -> NaiveDate {
        month.first_day() + chrono::Duration::days(self.rng.below(u64::from(month.days())) as i64)
    }

    fn hazard(&self, c: usize) -> f64 {
        let case = &self.cases[c];
        match case.register {
            Register::Voksne => ADULT.iter().find(|a| a.0 == case.ydelse).map_or(0.02, |a| a.2),
            Register::Boern => CHILD.iter().find(|a| a.0 == case.serie).map_or(0.03, |a| a.4),
        }
    }

    /// The stock of open cases on the first month: started any time in the last eight years.
    fn initial_stock(&mut self, month: Maaned, scale: f64) {
        let earliest = godkend_model::earliest_start().max(month.first_day() - chrono::Duration::days(8 * 365));
        let span = (month.last_day() - earliest).num_days();
        for (ydelse, share, _) in ADULT {
            let y_from = self.reference.ydelser[ydelse].gyldig_fra.max(earliest);
            let n = self.rng.count(share * ADULT_BASE * scale);
            for _ in 0..n {
                let start = (earliest + chrono::Duration::days(self.rng.below(span as u64 + 1) as i64)).max(y_from);
                self.new_case(Register::Voksne, ydelse, start);
            }
        }
        for s in 0..CHILD.len() {
            let n = self.rng.count(CHILD[s].3 * CHILD_BASE * scale);
            for _ in 0..n {
                let start = earliest + chrono::Duration::days(self.rng.below(span as u64 + 1) as i64);
                if let Some(code) = child_code(s, start) {
                    self.new_case(Register::Boern, code, start);
                }
            }
        }
    }

    /// Opens a case for a citizen who may hold it (a known one about a quarter of the time).
    fn new_case(&mut self, register: Register, ydelse: &str, start: NaiveDate) -> Option<usize> {
        let y = &self.reference.ydelser[ydelse];
        let serie: &'static str = series_key(&y.serie);
        let (age_min, age_max) = (y.alder_min, y.alder_max);
        let fits = |p: &Person| {
            let age = godkend_model::cpr::age_at(p.born, start);
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

    /// A citizen aged between `lo` and `hi` (completed years) on `at`.
    fn new_person(&mut self, at: NaiveDate, lo: i32, hi: i32) -> usize {
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

    fn end_case(&mut self, c: usize, end: NaiveDate) {
        let case = &mut self.cases[c];
        case.end = Some(end);
        self.persons[case.person].busy.insert(case.serie, end);
    }

    fn delete_case(&mut self, c: usize) {
        let case = self.cases.swap_remove(c);
        let before = case.start.pred_opt().expect("date");
        self.persons[case.person].busy.insert(case.serie, before);
    }

    /// Moves an adult case to another service (same sagsid and start), if the citizen is free there.
    fn move_case(&mut self, c: usize, closed: Option<&str>) -> bool {
        let target = ADULT[self.rng.below(ADULT.len() as u64) as usize].0;
        let y = &self.reference.ydelser[target];
        let serie = series_key(&y.serie);
        let case = &self.cases[c];
        let person = &self.persons[case.person];
        if serie == case.serie
            || Some(serie) == closed
            || !y.valid_at(case.start)
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

    fn line(&self, c: usize, expect: Expect) -> Line {
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
