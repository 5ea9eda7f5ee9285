//! The flag rules of docs/markeringer.md as pure functions: counts, the delivery log, start dates and
//! last year's approved figures in (all decoded by earlier stages), flags and the data-quality summary
//! out. No IO, no polars, no file formats: a rule is tested with figures written by hand.
//!
//! [`flag`] runs every rule for the reports' municipalities (series, HB, never reported, stopped, data
//! quality, revision); `kalibrering` runs the series rules on
//! counts with injected anomalies.

pub mod flags;
pub mod hb;
pub mod hb_flags;
pub mod kalibrering;
pub mod never_reported;
pub mod priority;
pub mod quality;
pub mod revision;
pub mod series;
pub mod stopped;

pub use flags::{Alvor, Markering, Regel, Tilstand, flag_id};
pub use hb_flags::{HbOpsummering, HbPlacering};
pub use quality::{Datakvalitet, Startophobning};
pub use revision::GodkendtTal;

use godkend_model::counts::Startdatoer;
use godkend_model::{Counts, LogEntry, Reference, Window};
use std::collections::{BTreeMap, BTreeSet};

/// What the rules read for one run.
pub struct RuleInput<'a> {
    pub reference: &'a Reference,
    pub year: i32,
    pub window: Window,
    /// Every municipality's counts (HB and the never-reported hint compare across them).
    pub counts: &'a Counts,
    pub log: &'a [LogEntry],
    pub starts: &'a Startdatoer,
    /// Last year's approved figures; `None`: the revision rule is not applied.
    pub approved: Option<&'a [GodkendtTal]>,
    /// The municipalities whose reports are made: only their flags are returned.
    pub kommuner: &'a [u16],
}

/// Every flag of the reports' municipalities (each with its priority), every HB test of the report
/// year, and each municipality's data-quality summary.
#[derive(Debug)]
pub struct Flagged {
    pub markeringer: Vec<Markering>,
    pub hb_test: Vec<HbOpsummering>,
    /// Each report municipality's placement in the report year's HB tests.
    pub hb_placering: BTreeMap<u16, Vec<HbPlacering>>,
    pub datakvalitet: BTreeMap<u16, Datakvalitet>,
}

/// Runs every rule: the series rules, HB, the never-reported hint, data quality and revision.
pub fn flag(input: &RuleInput) -> Flagged {
    let (reference, year) = (input.reference, input.year);
    let t = &reference.taerskler;
    // The series rules look at one municipality at a time: only the reports' own series are needed.
    let own: BTreeSet<u16> = input.kommuner.iter().copied().collect();
    let mut all = if input.counts.kommune.keys().all(|(k, _)| own.contains(k)) {
        series::series_flags(input.counts, reference, t, year)
    } else {
        series::series_flags(&input.counts.only(&own), reference, t, year)
    };
    let hb = hb_flags::hb_run(input.counts, reference, t, year);
    let (hb_tests, mut hb_placering) = (hb.summary, hb.placering);
    hb_placering.retain(|k, _| own.contains(k));
    all.extend(hb.flags);
    let never = never_reported::never_reported_flags(input.counts, reference, t, year, &all);
    let stopped = stopped::stopped_flags(input.counts, reference, t, year, &all);
    all.extend(never);
    all.extend(stopped);
    let hb_test = hb_tests.into_iter().filter(|h| h.kvartal.year() == year).collect();
    let quality_input = quality::QualityInput {
        reference,
        taerskler: t,
        year,
        window: input.window,
        log: input.log,
        starts: input.starts,
    };
    let (datakvalitet, quality_flags) = quality::quality(&quality_input, input.kommuner);
    all.extend(quality_flags);
    if let Some(approved) = input.approved {
        all.extend(revision::revision_flags(approved, input.counts, &t.revision, input.window, year));
    }
    all.retain(|f| own.contains(&f.kommunekode));
    priority::prioritise(&mut all, input.counts, year);
    Flagged { markeringer: all, hb_test, hb_placering, datakvalitet }
}
