//! Disclosure control: no published cell may reveal fewer than `n` persons.
//!
//! - **Primary suppression**: every cell with 0 < value < `n` is `..`; a true zero is published (it
//!   reveals no person). Rows held back (municipalities that have not approved) are `..` too and
//!   protected the same way.
//! - **Secondary suppression** ([`sekundaer`]), per equation of the table (a total and its parts), repeated
//!   until nothing changes: an equation with exactly one suppressed cell gets a second (else it is the
//!   difference of the others); an equation whose total is published gets more suppressed parts until
//!   what they sum to — all an attacker learns of them — is at least `n`. The cell added is the
//!   published part with the smallest value above 0 (the least information lost; a zero only when there
//!   is no other), or, when only the total is left, the total. Then the attack ([`crate::angreb`]) is
//!   run on the result, and while it recomputes a suppressed cell (which a table of more than one
//!   dimension can allow even when every equation holds two unknowns), the smallest published cell of an
//!   equation of that cell is suppressed too. A greedy method in the spirit of τ-ARGUS's modular
//!   approach; not optimal, but checked.

use crate::gitter::Gitter;
use crate::tabel::{Status, Tabel};
use std::collections::BTreeSet;

/// What the protection cost.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Opgoerelse {
    pub celler: usize,
    pub primaere: usize,
    pub sekundaere: usize,
    pub tilbageholdte: usize,
    /// Percent of the bottom cells' total value that is not published (suppressed or held back).
    pub andel_tabt: f64,
}

/// Primary suppression of an unlocked cell: below the minimum and not zero.
pub fn primaer(g: &mut Gitter, n: u64) {
    for (c, laast) in g.celler.iter_mut().zip(&g.laast) {
        if !laast && c.status == Status::Vist && c.vaerdi > 0 && c.vaerdi < n {
            c.status = Status::Primaer;
        }
    }
}

/// The published cell to suppress next among `cells`: the smallest value above 0, a zero last.
fn smallest(g: &Gitter, cells: impl Iterator<Item = usize>) -> Option<usize> {
    cells.filter(|&i| g.kandidat(i)).min_by_key(|&i| (g.celler[i].vaerdi == 0, g.celler[i].vaerdi, i))
}

/// Secondary suppression of `g` with minimum `n`, after the primary (and held-back) cells are set.
/// Fails (with the cells still recomputable) only if the locked cells leave no cell to add.
pub fn sekundaer(g: &mut Gitter, n: u64) -> Result<(), Vec<usize>> {
    loop {
        let mut changed = false;
        for e in 0..g.ligninger.len() {
            let l = &g.ligninger[e];
            let suppressed: Vec<usize> = l.dele.iter().copied().filter(|&d| g.skjult(d)).collect();
            let total_hidden = g.skjult(l.total);
            let count = suppressed.len() + usize::from(total_hidden);
            let known_sum: u64 = suppressed.iter().map(|&d| g.celler[d].vaerdi).sum();
            let needs = count == 1 || (!total_hidden && !suppressed.is_empty() && known_sum < n);
            if !needs {
                continue;
            }
            let candidate = smallest(g, l.dele.iter().copied()).or_else(|| g.kandidat(l.total).then_some(l.total));
            if let Some(c) = candidate {
                g.skjul(c);
                changed = true;
            }
        }
        if changed {
            continue;
        }
        let disclosed = crate::angreb::bestemte(g);
        let Some(&first) = disclosed.first() else { return Ok(()) };
        let candidate = smallest(
            g,
            g.ligninger
                .iter()
                .filter(|l| l.celler().any(|c| c == first))
                .flat_map(|l| l.celler())
                .collect::<Vec<_>>()
                .into_iter(),
        );
        match candidate {
            Some(c) => g.skjul(c),
            None => return Err(disclosed),
        }
    }
}

/// Protects `t` in place with minimum `n`; `tilbagehold` names bottom rows to hold back.
pub fn beskyt(t: &mut Tabel, n: u64, tilbagehold: &BTreeSet<String>) -> Opgoerelse {
    for ((row, _), c) in t.celler.iter_mut() {
        if tilbagehold.contains(row) {
            c.status = Status::Tilbageholdt;
        }
    }
    for col in t.kolonner.clone() {
        let mut g = t.gitter(&col);
        primaer(&mut g, n);
        // Nothing is locked in a table of its own, so a cell to add is always found.
        sekundaer(&mut g, n).expect("an unlocked table can always be protected");
        t.set_statuses(&col, &g);
    }
    let bottom: BTreeSet<&String> = t
        .raekker
        .iter()
        .filter(|r| !t.raekker.iter().any(|c| c.foraelder.as_ref() == Some(&r.kode)))
        .map(|r| &r.kode)
        .collect();
    let cells = t.celler.iter().filter(|((row, _), _)| bottom.contains(row)).map(|(_, c)| *c);
    opgoer(t.celler.values().copied(), cells)
}

/// The cost of a protection: statuses counted over `all`, the share lost over the `bottom` cells.
pub fn opgoer(all: impl Iterator<Item = crate::Celle>, bottom: impl Iterator<Item = crate::Celle>) -> Opgoerelse {
    let mut o = Opgoerelse::default();
    for c in all {
        o.celler += 1;
        match c.status {
            Status::Primaer => o.primaere += 1,
            Status::Sekundaer => o.sekundaere += 1,
            Status::Tilbageholdt => o.tilbageholdte += 1,
            Status::Vist => {}
        }
    }
    let (mut total, mut lost) = (0u64, 0u64);
    for c in bottom {
        total += c.vaerdi;
        if c.status.skjult() {
            lost += c.vaerdi;
        }
    }
    o.andel_tabt = if total == 0 { 0.0 } else { godkend_model::talformat::round2(lost as f64 / total as f64 * 100.0) };
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tabel::tests_support::small;

    fn hidden(t: &Tabel) -> Vec<String> {
        t.celler.iter().filter(|(_, c)| c.status.skjult()).map(|((r, _), _)| r.clone()).collect()
    }

    #[test]
    fn a_small_cell_gets_a_partner_and_the_totals_add_up() {
        let mut t = small(&[("a", 2), ("b", 40), ("c", 10), ("d", 0), ("e", 7)]);
        assert_eq!(t.cell("000", "Q").vaerdi, 59);
        let o = beskyt(&mut t, 3, &BTreeSet::new());
        // a (2) is primary; b is the only other child of R1, so it is suppressed; then R1's level:
        // the country group has R1 published, fine. a + b = 42 ≥ 3.
        assert_eq!(hidden(&t), vec!["a", "b"]);
        assert_eq!((o.primaere, o.sekundaere), (1, 1));
        assert!(crate::angreb::angrib(&t).is_empty());
    }

    #[test]
    fn two_small_cells_that_sum_below_the_minimum_get_a_third() {
        let mut t = small(&[("a", 30), ("b", 30), ("c", 1), ("d", 1), ("e", 50)]);
        beskyt(&mut t, 3, &BTreeSet::new());
        // c + d = 2 < 3 with R2 published: e is added (the only other child).
        assert_eq!(hidden(&t), vec!["c", "d", "e"]);
        assert!(crate::angreb::angrib(&t).is_empty());
    }

    #[test]
    fn a_held_back_municipality_cannot_be_recomputed_from_the_totals() {
        let mut t = small(&[("a", 30), ("b", 30), ("c", 12), ("d", 9), ("e", 50)]);
        let o = beskyt(&mut t, 3, &BTreeSet::from(["d".to_string()]));
        assert_eq!(o.tilbageholdte, 1);
        assert_eq!(hidden(&t), vec!["c", "d"], "the smallest other child of R2 protects d");
        assert!(crate::angreb::angrib(&t).is_empty());
    }
}
