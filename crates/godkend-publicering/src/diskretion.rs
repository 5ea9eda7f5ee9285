//! Disclosure control of a [`Tabel`]: no published cell may reveal fewer than `n` persons.
//!
//! - **Primary suppression**: every cell with 0 < value < `n` is `..`; a true zero is published (it
//!   reveals no person). Rows held back (municipalities that have not approved) are `..` too and
//!   protected the same way.
//! - **Secondary suppression**, per column and per group of the hierarchy (a parent and its children,
//!   parent = Σ children), repeated until nothing changes: a group with exactly one suppressed cell
//!   gets a second (else it is the difference of the others); a group whose parent is published gets
//!   more suppressed children until what they sum to — all an attacker learns of them — is at least
//!   `n`. The cell added is the published child with the smallest value above 0 (the least
//!   information lost; a zero only when there is no other), or, when only the parent is left, the
//!   parent. This is the greedy method of τ-ARGUS's "hypercube"-free modular approaches on a
//!   hierarchical one-dimensional table; [`crate::angreb`] checks the result.

use crate::tabel::{Status, Tabel};
use std::collections::BTreeSet;

/// What the protection cost.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Opgoerelse {
    pub celler: usize,
    pub primaere: usize,
    pub sekundaere: usize,
    pub tilbageholdte: usize,
    /// Percent of the bottom rows' total value that is not published (suppressed or held back).
    pub andel_tabt: f64,
}

/// Protects `t` in place with minimum `n`; `tilbagehold` names bottom rows to hold back.
pub fn beskyt(t: &mut Tabel, n: u64, tilbagehold: &BTreeSet<String>) -> Opgoerelse {
    for ((row, _), c) in t.celler.iter_mut() {
        if tilbagehold.contains(row) {
            c.status = Status::Tilbageholdt;
        } else if c.vaerdi > 0 && c.vaerdi < n {
            c.status = Status::Primaer;
        }
    }
    let groups: Vec<(String, Vec<String>)> = t
        .groups()
        .into_iter()
        .map(|(p, cs)| (p.kode.clone(), cs.into_iter().map(|c| c.kode.clone()).collect()))
        .collect();
    for col in t.kolonner.clone() {
        loop {
            let mut changed = false;
            for (parent, children) in &groups {
                let key = |r: &String| (r.clone(), col.clone());
                let hidden = |t: &Tabel, r: &String| t.celler[&key(r)].status.skjult();
                let suppressed: Vec<&String> = children.iter().filter(|c| hidden(t, c)).collect();
                let parent_hidden = hidden(t, parent);
                let count = suppressed.len() + usize::from(parent_hidden);
                let known_sum: u64 = suppressed.iter().map(|c| t.celler[&key(c)].vaerdi).sum();
                let needs = count == 1 || (!parent_hidden && !suppressed.is_empty() && known_sum < n);
                if !needs {
                    continue;
                }
                let candidate = children
                    .iter()
                    .filter(|c| !hidden(t, c))
                    .min_by_key(|c| {
                        let v = t.celler[&key(c)].vaerdi;
                        (v == 0, v)
                    })
                    .cloned()
                    .or_else(|| (!parent_hidden).then(|| parent.clone()));
                if let Some(c) = candidate {
                    t.celler.get_mut(&key(&c)).expect("a cell").status = Status::Sekundaer;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }
    let bottom: BTreeSet<&String> = t
        .raekker
        .iter()
        .filter(|r| !t.raekker.iter().any(|c| c.foraelder.as_ref() == Some(&r.kode)))
        .map(|r| &r.kode)
        .collect();
    let (mut total, mut lost) = (0u64, 0u64);
    for ((row, _), c) in &t.celler {
        if bottom.contains(row) {
            total += c.vaerdi;
            if c.status.skjult() {
                lost += c.vaerdi;
            }
        }
    }
    Opgoerelse {
        celler: t.celler.len(),
        primaere: t.count(Status::Primaer),
        sekundaere: t.count(Status::Sekundaer),
        tilbageholdte: t.count(Status::Tilbageholdt),
        andel_tabt: if total == 0 { 0.0 } else { godkend_model::talformat::round2(lost as f64 / total as f64 * 100.0) },
    }
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
