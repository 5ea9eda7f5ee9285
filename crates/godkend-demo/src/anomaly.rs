//! The anomalies the flag rules must find: which municipality gets which, in which month, and what
//! it does to the cases (a systemskifte resets start dates, a series is closed, a vendor stops
//! sending target groups). The surge and the missing month are done where cases are opened and
//! files written.

use crate::Problem;
use crate::line::{Expect, Line};
use crate::population::Kommune;
use crate::sandhed::{Anomali, AnomaliType};
use godkend_model::{Maaned, Register};

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

/// The month an anomaly happens in: away from both ends of the period, and for a drop to zero the
/// last month of a quarter. `None` when the period is shorter than a year.
pub fn anomaly_month(k: &mut Kommune, months: &[Maaned], kind: Option<AnomaliType>) -> Option<Maaned> {
    if months.len() < 12 {
        return None;
    }
    let lo = 6.min(months.len() - 1);
    let hi = months.len().saturating_sub(6).max(lo + 1);
    let mut m = months[lo + k.rng.below((hi - lo) as u64) as usize];
    if kind == Some(AnomaliType::FaldTilNul) {
        while !m.month().is_multiple_of(3) {
            m = Maaned::from_index(m.index() - 1);
        }
    }
    Some(m)
}

/// The ground-truth record of an anomaly: where a flag should point (the quarter, or the year for
/// the year-level rules).
pub fn record(kind: AnomaliType, kommunekode: u16, month: Maaned) -> Anomali {
    let serie = match kind {
        AnomaliType::FaldTilNul => Some(CLOSED_SERIES),
        AnomaliType::Stigning => Some("V-1.1"),
        _ => None,
    };
    let kvartal = match kind {
        AnomaliType::FaldTilNul => month.kvartal().next().to_string(),
        AnomaliType::ManglendeMaalgruppe | AnomaliType::AfvistePoster => month.year().to_string(),
        _ => month.kvartal().to_string(),
    };
    Anomali { kind, kommunekode, maaned: month.to_string(), kvartal, serie: serie.map(str::to_string) }
}

/// The series a drop to zero closes.
pub const CLOSED_SERIES: &str = "V-1.4";

/// Applies an anomaly to the open cases in its month; every changed case is re-delivered through
/// `emit`. Returns the series it closed, if any.
pub fn apply(k: &mut Kommune, kind: AnomaliType, month: Maaned, emit: &mut impl FnMut(Line)) -> Option<&'static str> {
    match kind {
        AnomaliType::Systemskifte => {
            for c in 0..k.cases.len() {
                if k.cases[c].register == Register::Voksne && k.cases[c].end.is_none() {
                    k.cases[c].start = month.first_day();
                    emit(k.line(c, Expect::Clean));
                }
            }
            None
        }
        AnomaliType::FaldTilNul => {
            for c in 0..k.cases.len() {
                if k.cases[c].serie == CLOSED_SERIES && k.cases[c].end.is_none_or(|e| e > month.last_day()) {
                    let end = k.day_in(month).max(k.cases[c].start);
                    k.end_case(c, end);
                    emit(k.line(c, Expect::Clean));
                }
            }
            Some(CLOSED_SERIES)
        }
        AnomaliType::ManglendeMaalgruppe => {
            // A new vendor stops sending target groups: open adult cases are re-delivered
            // without one, and new cases come without one.
            k.missing_target_share = 1.0;
            for c in 0..k.cases.len() {
                if k.cases[c].register == Register::Voksne && k.cases[c].end.is_none() {
                    k.cases[c].maalgruppe = None;
                    emit(k.line(c, Expect::Clean));
                }
            }
            None
        }
        _ => None,
    }
}
