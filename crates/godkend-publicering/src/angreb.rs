//! The attack that proves the protection: every equation of the table (total = Σ parts) with the
//! published values moved to the right-hand side, solved for the suppressed cells by Gaussian
//! elimination. A suppressed cell the equations determine uniquely (its column is a pivot with no free
//! variable in its row of the reduced form) is disclosed. Exact: the coefficients are −1, 0 and 1 and
//! elimination is done in rationals (i128 numerators and denominators).

use crate::gitter::Gitter;
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

/// The suppressed cells of `g` (indices) that its published cells and equations determine: empty
/// when it is protected.
pub fn bestemte(g: &Gitter) -> Vec<usize> {
    let unknowns: Vec<usize> = (0..g.celler.len()).filter(|&i| g.skjult(i)).collect();
    if unknowns.is_empty() {
        return Vec::new();
    }
    let at = |i: usize| unknowns.binary_search(&i).ok();
    // One row per equation: coefficients of the unknowns (the right-hand side is not needed to know
    // which are determined).
    let mut m: Vec<Vec<Q>> = Vec::new();
    for l in &g.ligninger {
        let mut row = vec![Q(0, 1); unknowns.len()];
        let mut any = false;
        for (i, coefficient) in std::iter::once((l.total, 1)).chain(l.dele.iter().map(|&d| (d, -1))) {
            if let Some(u) = at(i) {
                row[u] = Q(coefficient, 1);
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
        if pivot_row == rows {
            break;
        }
        let Some(p) = (pivot_row..rows).find(|&r| !m[r][c].zero()) else { continue };
        m.swap(pivot_row, p);
        let lead = m[pivot_row][c];
        for x in m[pivot_row].iter_mut() {
            *x = x.div(lead);
        }
        let base = m[pivot_row].clone();
        for (r, row) in m.iter_mut().enumerate() {
            if r != pivot_row && !row[c].zero() {
                let f = row[c];
                for (x, b) in row.iter_mut().zip(&base) {
                    *x = x.sub(f.mul(*b));
                }
            }
        }
        pivots.push((pivot_row, c));
        pivot_row += 1;
    }
    pivots
        .into_iter()
        .filter(|&(r, c)| m[r].iter().enumerate().all(|(j, x)| j == c || x.zero()))
        .map(|(_, c)| unknowns[c])
        .collect()
}

/// The suppressed cells (row, column, value) of a [`Tabel`] that the published cells and the
/// hierarchy's equations determine: empty when the table is protected.
pub fn angrib(t: &Tabel) -> Vec<(String, String, u64)> {
    let mut disclosed = Vec::new();
    for col in &t.kolonner {
        let g = t.gitter(col);
        for i in bestemte(&g) {
            disclosed.push((t.raekker[i].kode.clone(), col.clone(), g.celler[i].vaerdi));
        }
    }
    disclosed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gitter::Ligning;
    use crate::gitter::{Celle, Status};

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

    /// A 2 × 2 table with margins, the known answer of the textbook case: suppressing the four inner
    /// cells protects all of them (each row and column has two unknowns), but suppressing three inner
    /// cells and one margin leaves the cell alone in its column determined.
    #[test]
    fn two_dimensions_the_classic_rectangle_is_safe_and_an_l_is_not() {
        // Cells: 0 a, 1 b, 2 c, 3 d (inner: a b / c d), 4 a+b, 5 c+d, 6 a+c, 7 b+d, 8 total.
        let values = [2, 5, 7, 4, 7, 11, 9, 9, 18];
        let celler = values.iter().map(|&v| Celle { vaerdi: v, status: Status::Vist }).collect();
        let l = |total, dele: &[usize]| Ligning { total, dele: dele.to_vec() };
        let ligninger = vec![l(4, &[0, 1]), l(5, &[2, 3]), l(6, &[0, 2]), l(7, &[1, 3]), l(8, &[4, 5]), l(8, &[6, 7])];
        let mut g = Gitter::new(celler, ligninger);
        for i in [0, 1, 2, 3] {
            g.celler[i].status = Status::Sekundaer;
        }
        assert!(bestemte(&g).is_empty(), "a rectangle of four suppressed cells holds");
        g.celler[3].status = Status::Vist;
        g.celler[5].status = Status::Sekundaer;
        // b = (a+b) − a and a = (a+c) − c: with a, b, c and c+d unknown, column 2 gives b = b+d − d.
        let found = bestemte(&g);
        assert!(found.contains(&1), "b = (b+d) − d is disclosed: {found:?}");
    }
}
