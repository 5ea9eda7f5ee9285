//! The attack that proves the protection: per column, every equation of the hierarchy (parent = Σ
//! children) with the published values moved to the right-hand side, solved for the suppressed cells
//! by Gaussian elimination. A suppressed cell the equations determine uniquely (its column is a pivot
//! with no free variable in its row of the reduced form) is disclosed. Exact: the coefficients are
//! −1, 0 and 1 and elimination is done in rationals (i128 numerators and denominators).

use crate::tabel::Tabel;

/// A fraction, kept reduced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Q(i128, i128);

fn gcd(a: i128, b: i128) -> i128 {
    if b == 0 { a.abs().max(1) } else { gcd(b, a % b) }
}

impl Q {
    fn new(n: i128, d: i128) -> Q {
        let g = gcd(n, d);
        let s = if d < 0 { -1 } else { 1 };
        Q(s * n / g, s * d / g)
    }
    fn zero(self) -> bool {
        self.0 == 0
    }
    fn sub(self, o: Q) -> Q {
        Q::new(self.0 * o.1 - o.0 * self.1, self.1 * o.1)
    }
    fn mul(self, o: Q) -> Q {
        Q::new(self.0 * o.0, self.1 * o.1)
    }
    fn div(self, o: Q) -> Q {
        Q::new(self.0 * o.1, self.1 * o.0)
    }
}

/// The suppressed cells (row, column) the published cells and the hierarchy's equations determine:
/// empty when the table is protected.
pub fn angrib(t: &Tabel) -> Vec<(String, String, u64)> {
    let groups = t.groups();
    let mut disclosed = Vec::new();
    for col in &t.kolonner {
        let unknowns: Vec<&String> = t
            .raekker
            .iter()
            .map(|r| &r.kode)
            .filter(|r| t.celler[&((*r).clone(), col.clone())].status.skjult())
            .collect();
        if unknowns.is_empty() {
            continue;
        }
        let at = |r: &str| unknowns.iter().position(|u| u.as_str() == r);
        // One row per equation: coefficients of the unknowns (the right-hand side is not needed to
        // know which are determined).
        let mut m: Vec<Vec<Q>> = Vec::new();
        for (parent, children) in &groups {
            let mut row = vec![Q(0, 1); unknowns.len()];
            let mut any = false;
            if let Some(i) = at(&parent.kode) {
                row[i] = Q(1, 1);
                any = true;
            }
            for c in children {
                if let Some(i) = at(&c.kode) {
                    row[i] = Q(-1, 1);
                    any = true;
                }
            }
            if any {
                m.push(row);
            }
        }
        // Reduced row echelon form.
        let (rows, cols) = (m.len(), unknowns.len());
        let mut pivot_row = 0;
        let mut pivots = Vec::new();
        for c in 0..cols {
            let Some(p) = (pivot_row..rows).find(|&r| !m[r][c].zero()) else { continue };
            m.swap(pivot_row, p);
            let lead = m[pivot_row][c];
            for x in m[pivot_row].iter_mut() {
                *x = x.div(lead);
            }
            for r in 0..rows {
                if r != pivot_row && !m[r][c].zero() {
                    let f = m[r][c];
                    let base = m[pivot_row].clone();
                    for (x, b) in m[r].iter_mut().zip(base) {
                        *x = x.sub(f.mul(b));
                    }
                }
            }
            pivots.push((pivot_row, c));
            pivot_row += 1;
            if pivot_row == rows {
                break;
            }
        }
        for (r, c) in pivots {
            if m[r].iter().enumerate().all(|(j, x)| j == c || x.zero()) {
                let row = unknowns[c];
                disclosed.push((row.clone(), col.clone(), t.celler[&(row.clone(), col.clone())].vaerdi));
            }
        }
    }
    disclosed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tabel::Status;

    #[test]
    fn a_lone_suppressed_cell_is_found_and_a_pair_is_not() {
        let mut t = crate::tabel::tests_support::small(&[("a", 2), ("b", 40), ("c", 10), ("d", 0), ("e", 7)]);
        t.celler.get_mut(&("a".into(), "Q".into())).unwrap().status = Status::Primaer;
        assert_eq!(angrib(&t), vec![("a".to_string(), "Q".to_string(), 2)], "a = R1 − b");
        t.celler.get_mut(&("b".into(), "Q".into())).unwrap().status = Status::Sekundaer;
        assert!(angrib(&t).is_empty());
        // A pair in R1 whose region is also suppressed, with the region recomputable from the country:
        // R1 = 000 − R2, and then a + b is known but neither alone.
        t.celler.get_mut(&("R1".into(), "Q".into())).unwrap().status = Status::Sekundaer;
        let found = angrib(&t);
        assert_eq!(found, vec![("R1".to_string(), "Q".to_string(), 42)], "R1 alone at its level is disclosed");
    }
}
