//! The counts every rule reads: recipients and full-time equivalents per kommune × service series ×
//! quarter, and the national series. godkend-count fills them from the case store; the rules, the round
//! and the outputs only read them.

use crate::Kvartal;
use std::collections::BTreeMap;

/// The quarters counted: from the first quarter with deliveries to K4 of the report year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub fra: Kvartal,
    pub til: Kvartal,
}

impl Window {
    pub fn quarters(&self) -> Vec<Kvartal> {
        self.fra.through(self.til).collect()
    }
}

/// One figure of a series.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct Tal {
    pub modtagere: u32,
    pub helaarsaekvivalenter: f64,
}

/// All counts: per (kommune, series) a value for every quarter of the window (zeros included),
/// and the national series (distinct citizens across municipalities).
#[derive(Clone, Debug, Default)]
pub struct Counts {
    pub window: Option<Window>,
    pub kommune: BTreeMap<(u16, String), BTreeMap<Kvartal, Tal>>,
    pub national: BTreeMap<String, BTreeMap<Kvartal, Tal>>,
}

impl Counts {
    pub fn get(&self, kommune: u16, serie: &str, q: Kvartal) -> Tal {
        self.kommune.get(&(kommune, serie.to_string())).and_then(|m| m.get(&q)).copied().unwrap_or_default()
    }

    pub fn national(&self, serie: &str, q: Kvartal) -> Tal {
        self.national.get(serie).and_then(|m| m.get(&q)).copied().unwrap_or_default()
    }

    /// The series of `kommuner` alone (no national series): what a rule on one municipality at a
    /// time needs.
    pub fn only(&self, kommuner: &std::collections::BTreeSet<u16>) -> Counts {
        Counts {
            window: self.window,
            kommune: self
                .kommune
                .iter()
                .filter(|((k, _), _)| kommuner.contains(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            national: BTreeMap::new(),
        }
    }
}

/// One municipality's live cases starting in one quarter (of the window): how many, the date most of
/// them start on (the earliest of equals), and how many start on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Starter {
    pub i_kvartalet: u64,
    pub dato: chrono::NaiveDate,
    pub paa_datoen: u64,
}

/// Start dates per (kommune, quarter): what the systemskifte rule reads.
pub type Startdatoer = BTreeMap<(u16, Kvartal), Starter>;
