//! Selective-editing priority (docs/markeringer.md): each flag's distance from what its rule expected,
//! as a share of the national total of its series.

use crate::flags::{Markering, Regel};
use godkend_model::{Counts, Kvartal, Periode};

/// Sets every flag's `prioritet` against the national total of the flagged quarter or of the quarter
/// the rule compared with, whichever is larger: a drop to 0 takes the municipality's own figures out of
/// the flagged quarter's total. A flag on the year as a whole takes the year's largest quarter.
pub fn prioritise(flags: &mut [Markering], counts: &Counts, year: i32) {
    for f in flags {
        let national = match f.kvartal {
            Periode::Kvartal(q) => {
                let base = match f.regel {
                    Regel::AarTilAar => q.same_last_year(),
                    Regel::Revision => q,
                    _ => q.previous(),
                };
                counts.national(&f.serie, q).modtagere.max(counts.national(&f.serie, base).modtagere)
            }
            Periode::Aar(_) => (1..=4)
                .filter_map(|n| Kvartal::new(year, n))
                .map(|q| counts.national(&f.serie, q).modtagere)
                .max()
                .unwrap_or(0),
        };
        f.set_priority(national);
    }
}
