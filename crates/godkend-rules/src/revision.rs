//! The revision rule (docs/markeringer.md): a figure the municipality approved last year that has
//! since moved. Pure: the approved figures arrive decoded (godkend-round reads last year's JSON).

use crate::flags::{Alvor, Markering, Regel, change_severity, threshold_text};
use godkend_model::taerskler::GulRoed;
use godkend_model::talformat::{pct, round1};
use godkend_model::{Counts, Kvartal, Register, Window};
use std::collections::BTreeMap;

/// One quarter's recipients of one series as the municipality approved them last year.
#[derive(Clone, Debug, PartialEq)]
pub struct GodkendtTal {
    pub kommunekode: u16,
    pub register: Register,
    pub serie: String,
    pub ydelse: String,
    pub kvartal: Kvartal,
    pub modtagere: u32,
}

/// The revision flags of `year`: every approved figure of `year − 1` (inside the window — a quarter
/// outside it is unknown now, not 0) that differs from today's count beyond the thresholds.
pub fn revision_flags(
    approved: &[GodkendtTal],
    counts: &Counts,
    g: &GulRoed,
    window: Window,
    year: i32,
) -> Vec<Markering> {
    let mut out = Vec::new();
    for a in approved {
        if a.kvartal.year() != year - 1 || a.kvartal < window.fra {
            continue;
        }
        let (was, now) = (a.modtagere, counts.get(a.kommunekode, &a.serie, a.kvartal).modtagere);
        let Some((alvor, p)) = revision_severity(was, now, g) else { continue };
        let signed = if now >= was { p } else { -p };
        let kvartal = a.kvartal.to_string();
        let mut m = Markering::new(
            a.kommunekode,
            Some(a.register),
            &a.serie,
            &a.ydelse,
            a.kvartal.into(),
            Regel::Revision,
            alvor,
            true,
        );
        m.tal = BTreeMap::from([
            ("godkendt".into(), f64::from(was)),
            ("nu".into(), f64::from(now)),
            ("procent".into(), round1(signed)),
        ]);
        m.taerskel = threshold_text(g, alvor);
        m.forklaring =
            format!("Tallet for {kvartal}, som kommunen godkendte sidste år ({was}), er nu {now} ({}).", pct(signed));
        out.push(m);
    }
    out
}

/// A revision's severity and percent. From an approved 0 the percentage has no meaning: the persons
/// thresholds alone decide (and the percent is shown as 100).
fn revision_severity(was: u32, now: u32, g: &GulRoed) -> Option<(Alvor, f64)> {
    if was > 0 {
        return change_severity(was, now, g);
    }
    if now >= g.roed.personer {
        Some((Alvor::Roed, 100.0))
    } else if now >= g.gul.personer {
        Some((Alvor::Gul, 100.0))
    } else {
        None
    }
}
