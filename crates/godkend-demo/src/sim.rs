//! The simulation, month by month: each municipality's stock of cases, the anomaly of its month,
//! the monthly churn (ends, deletions, moves, unchanged re-deliveries) and new cases (a Poisson
//! count per service), as delivery lines.
//!
//! Clean by construction: a citizen never holds two overlapping cases in one series, ages fit the
//! services, codes fit the start dates. Every finding a line will cause is recorded on the line
//! (`Expect`), so the ground truth is exact.

use crate::DemoOptions;
use crate::anomaly;
use crate::line::{Expect, Line, Style};
use crate::population::{ADULT, ADULT_BASE, CHILD, CHILD_BASE, Kommune, child_code, valid_on, weight};
use crate::sandhed::{Anomali, AnomaliType};
use chrono::Months;
use godkend_model::rng::Rng;
use godkend_model::{Maaned, Reference, Register};
use std::collections::{BTreeMap, HashMap};

/// The lines of one municipality per month, and the anomalies injected there.
pub struct KommuneOutput {
    pub kode: u16,
    pub months: BTreeMap<Maaned, Vec<Line>>,
    pub anomalies: Vec<Anomali>,
}

/// One month's lines: a case changed twice in the month is delivered once, in its last state.
#[derive(Default)]
struct MonthLines {
    lines: Vec<Line>,
    index_of: HashMap<String, usize>,
}

impl MonthLines {
    fn emit(&mut self, line: Line) {
        match self.index_of.get(&line.sagsid) {
            Some(&at) => self.lines[at] = line,
            None => {
                self.index_of.insert(line.sagsid.clone(), self.lines.len());
                self.lines.push(line);
            }
        }
    }
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
    let kind = anomaly::anomaly_kind(index, options.seed, reporter == kode, &options.problemer);
    let anomaly_month = anomaly::anomaly_month(&mut k, &months, kind);
    let kind = kind.filter(|_| anomaly_month.is_some());
    let mut anomalies: Vec<Anomali> = Vec::new();
    let mut closed: Option<&'static str> = None;
    let mut out: BTreeMap<Maaned, Vec<Line>> = BTreeMap::new();

    for (i, &month) in months.iter().enumerate() {
        let mut lines = MonthLines::default();
        if i == 0 {
            k.initial_stock(month, scale);
            for c in 0..k.cases.len() {
                lines.emit(k.line(c, Expect::Clean));
            }
        }
        // Cases that ended before this month were delivered with their end already.
        k.cases.retain(|c| c.end.is_none_or(|e| e >= month.first_day()));

        let here = kind.filter(|_| Some(month) == anomaly_month);
        if let Some(kind) = here {
            anomalies.push(anomaly::record(kind, kode, month));
            closed = anomaly::apply(&mut k, kind, month, &mut |l| lines.emit(l)).or(closed);
        }
        churn(&mut k, month, closed, &mut lines);
        new_cases(&mut k, month, scale, closed, here == Some(AnomaliType::Stigning), &mut lines);
        // A month with nothing new is still delivered: one open case re-sent unchanged (a delivery
        // without records is rejected). Small municipalities have such months.
        if lines.lines.is_empty()
            && let Some(c) = (0..k.cases.len()).find(|&c| k.cases[c].end.is_none())
        {
            lines.emit(k.line(c, Expect::Clean));
        }
        out.insert(month, lines.lines);
    }
    KommuneOutput { kode, months: out, anomalies }
}

/// The month's changes to open cases: an end (the service's monthly hazard), a deletion (0.1 %),
/// a move to another adult service (0.3 %) or an unchanged re-delivery (1 %).
fn churn(k: &mut Kommune, month: Maaned, closed: Option<&'static str>, lines: &mut MonthLines) {
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
            lines.emit(k.line(c, Expect::Clean));
        } else if roll < hazard + 0.001 {
            lines.emit(k.line(c, Expect::Delete));
            k.delete_case(c);
            continue;
        } else if roll < hazard + 0.004 && k.cases[c].register == Register::Voksne {
            if k.move_case(c, closed) {
                lines.emit(k.line(c, Expect::Clean));
            }
        } else if roll < hazard + 0.014 {
            lines.emit(k.line(c, Expect::Clean)); // an unchanged re-delivery
        }
        c += 1;
    }
}

/// The month's new cases: per service a Poisson count around its share of the municipality's stock
/// times its hazard (so the stock stays level), none in a closed series; in a surge month extra
/// § 104 cases that all end six months later.
fn new_cases(
    k: &mut Kommune,
    month: Maaned,
    scale: f64,
    closed: Option<&'static str>,
    surge: bool,
    lines: &mut MonthLines,
) {
    for (serie, share, hazard) in ADULT {
        let serie_key = k.reference.ydelser[serie].serie.as_str();
        if closed == Some(serie_key) {
            continue;
        }
        let noise = 0.9 + 0.2 * k.rng.unit();
        let n = k.rng.poisson(share * ADULT_BASE * scale * hazard * noise);
        if surge && serie == "1.1" {
            for _ in 0..(share * ADULT_BASE * scale * 0.6).round() as usize {
                let start = k.day_in(month);
                if let Some(c) = k.new_case(Register::Voksne, serie, start) {
                    let end = start.checked_add_months(Months::new(6)).expect("date");
                    k.end_case(c, end);
                    lines.emit(k.line(c, Expect::Clean));
                }
            }
        }
        for _ in 0..n {
            let start = k.day_in(month);
            // A decision under a code not yet (or no longer) in force is not made.
            if !valid_on(&k.reference.ydelser[serie], start) {
                continue;
            }
            if let Some(c) = k.new_case(Register::Voksne, serie, start) {
                lines.emit(k.line(c, Expect::Clean));
            }
        }
    }
    for (s, (_, _, _, share, hazard)) in CHILD.iter().enumerate() {
        let noise = 0.9 + 0.2 * k.rng.unit();
        let n = k.rng.poisson(share * CHILD_BASE * scale * hazard * noise);
        for _ in 0..n {
            let start = k.day_in(month);
            if let Some(code) = child_code(s, start)
                && let Some(c) = k.new_case(Register::Boern, code, start)
            {
                lines.emit(k.line(c, Expect::Clean));
            }
        }
    }
}
