//! A table of several dimensions, each a hierarchy of codes (region → the whole country, sex → both
//! sexes, age group → all ages): one cell per combination of codes, a parent's value the sum over its
//! children in every dimension. Its [`Gitter`] has one equation per dimension, group and combination of
//! the other dimensions' codes, so the protection and the attack see every margin.

use crate::gitter::{Celle, Gitter, Ligning, Status};
use crate::tabel::Raekke;

/// One dimension: its name (as PX names the variable) and its codes in the order shown.
#[derive(Clone, Debug)]
pub struct Dimension {
    pub navn: String,
    pub koder: Vec<Raekke>,
}

impl Dimension {
    /// The groups of the hierarchy as (parent, children) positions.
    fn groups(&self) -> Vec<(usize, Vec<usize>)> {
        (0..self.koder.len())
            .map(|p| {
                let kids = (0..self.koder.len())
                    .filter(|&c| self.koder[c].foraelder.as_deref() == Some(self.koder[p].kode.as_str()))
                    .collect::<Vec<_>>();
                (p, kids)
            })
            .filter(|(_, kids)| !kids.is_empty())
            .collect()
    }

    /// For each code, the leaves at or below it.
    fn leaves(&self) -> Vec<Vec<usize>> {
        let groups = self.groups();
        let children = |p: usize| groups.iter().find(|(g, _)| *g == p).map(|(_, k)| k.clone()).unwrap_or_default();
        (0..self.koder.len())
            .map(|start| {
                let (mut out, mut todo) = (Vec::new(), vec![start]);
                while let Some(x) = todo.pop() {
                    let kids = children(x);
                    if kids.is_empty() {
                        out.push(x);
                    } else {
                        todo.extend(kids);
                    }
                }
                out.sort();
                out
            })
            .collect()
    }
}

#[derive(Clone, Debug)]
pub struct Kube {
    pub dimensioner: Vec<Dimension>,
    /// Row-major: the last dimension fastest.
    pub celler: Vec<Celle>,
}

impl Kube {
    /// A table from the leaves' values (`bottom` gets one leaf code position per dimension): every
    /// other cell is the sum of the leaves below it; every cell shown.
    pub fn summed(dimensioner: Vec<Dimension>, bottom: impl Fn(&[usize]) -> u64) -> Kube {
        let leaves: Vec<Vec<Vec<usize>>> = dimensioner.iter().map(Dimension::leaves).collect();
        let sizes: Vec<usize> = dimensioner.iter().map(|d| d.koder.len()).collect();
        let total: usize = sizes.iter().product();
        let mut celler = Vec::with_capacity(total);
        for flat in 0..total {
            let idx = unflatten(flat, &sizes);
            let mut sum = 0;
            let choices: Vec<&Vec<usize>> = idx.iter().enumerate().map(|(d, &i)| &leaves[d][i]).collect();
            for_each_combination(&choices, &mut |combo| sum += bottom(combo));
            celler.push(Celle { vaerdi: sum, status: Status::Vist });
        }
        Kube { dimensioner, celler }
    }

    pub fn sizes(&self) -> Vec<usize> {
        self.dimensioner.iter().map(|d| d.koder.len()).collect()
    }

    /// The position in [`Kube::celler`] of a combination of code positions.
    pub fn index(&self, idx: &[usize]) -> usize {
        idx.iter().zip(self.sizes()).fold(0, |acc, (&i, n)| acc * n + i)
    }

    pub fn cell(&self, idx: &[usize]) -> Celle {
        self.celler[self.index(idx)]
    }

    /// The cells and every equation between them.
    pub fn gitter(&self) -> Gitter {
        let sizes = self.sizes();
        let mut ligninger = Vec::new();
        for (d, dim) in self.dimensioner.iter().enumerate() {
            for (parent, kids) in dim.groups() {
                for flat in 0..self.celler.len() {
                    let mut idx = unflatten(flat, &sizes);
                    if idx[d] != parent {
                        continue;
                    }
                    let total = self.index(&idx);
                    let dele = kids
                        .iter()
                        .map(|&k| {
                            idx[d] = k;
                            self.index(&idx)
                        })
                        .collect();
                    ligninger.push(Ligning { total, dele });
                }
            }
        }
        Gitter::new(self.celler.clone(), ligninger)
    }
}

fn unflatten(mut flat: usize, sizes: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; sizes.len()];
    for d in (0..sizes.len()).rev() {
        idx[d] = flat % sizes[d];
        flat /= sizes[d];
    }
    idx
}

fn for_each_combination(choices: &[&Vec<usize>], f: &mut dyn FnMut(&[usize])) {
    fn go(choices: &[&Vec<usize>], at: usize, combo: &mut Vec<usize>, f: &mut dyn FnMut(&[usize])) {
        if at == choices.len() {
            f(combo);
            return;
        }
        for &c in choices[at] {
            combo.push(c);
            go(choices, at + 1, combo, f);
            combo.pop();
        }
    }
    go(choices, 0, &mut Vec::new(), f);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dim(navn: &str, total: &str, leaves: &[&str]) -> Dimension {
        let mut koder = vec![Raekke { kode: total.into(), tekst: total.into(), foraelder: None }];
        koder.extend(leaves.iter().map(|l| Raekke {
            kode: (*l).into(),
            tekst: (*l).into(),
            foraelder: Some(total.into()),
        }));
        Dimension { navn: navn.into(), koder }
    }

    #[test]
    fn margins_are_sums_and_every_margin_is_an_equation() {
        let k = Kube::summed(vec![dim("køn", "T", &["M", "K"]), dim("alder", "A", &["u", "v", "w"])], |i| {
            (i[0] * 10 + i[1]) as u64
        });
        // M row: 11 + 12 + 13, K row: 21 + 22 + 23.
        assert_eq!(k.cell(&[1, 0]).vaerdi, 36);
        assert_eq!(k.cell(&[2, 0]).vaerdi, 66);
        assert_eq!(k.cell(&[0, 2]).vaerdi, 12 + 22);
        assert_eq!(k.cell(&[0, 0]).vaerdi, 102);
        // Sex: one group × 4 age codes; age: one group × 3 sex codes.
        assert_eq!(k.gitter().ligninger.len(), 4 + 3);
    }

    #[test]
    fn a_protected_cube_holds_against_the_attack_with_a_known_answer() {
        // One small cell (M, u) = 1: it needs partners in its row and its column, and the rectangle
        // closes: (M,u), (M,v), (K,u), (K,v) — the cheapest rectangle — and nothing else.
        let values = [[1, 4, 30], [6, 5, 40]];
        let k = Kube::summed(vec![dim("køn", "T", &["M", "K"]), dim("alder", "A", &["u", "v", "w"])], |i| {
            values[i[0] - 1][i[1] - 1]
        });
        let mut g = k.gitter();
        crate::diskretion::primaer(&mut g, 3);
        crate::diskretion::sekundaer(&mut g, 3).unwrap();
        assert!(crate::angreb::bestemte(&g).is_empty());
        let hidden: Vec<usize> = (0..g.celler.len()).filter(|&i| g.skjult(i)).collect();
        assert_eq!(hidden, vec![k.index(&[1, 1]), k.index(&[1, 2]), k.index(&[2, 1]), k.index(&[2, 2])]);
    }

    #[test]
    fn locked_cells_are_never_chosen_and_a_locked_suppressed_cell_is_protected() {
        let values = [[10, 14, 30], [6, 5, 40]];
        let k = Kube::summed(vec![dim("køn", "T", &["M", "K"]), dim("alder", "A", &["u", "v", "w"])], |i| {
            values[i[0] - 1][i[1] - 1]
        });
        let mut g = k.gitter();
        // Another table suppressed both sexes' totals and published the grand total: with every inner
        // cell shown, each sex's total is the sum of its row, so inner cells must go, never the total.
        for (idx, status) in [([1, 0], Status::Sekundaer), ([2, 0], Status::Sekundaer), ([0, 0], Status::Vist)] {
            let i = k.index(&idx);
            g.celler[i].status = status;
            g.laast[i] = true;
        }
        crate::diskretion::primaer(&mut g, 3);
        crate::diskretion::sekundaer(&mut g, 3).unwrap();
        assert!(crate::angreb::bestemte(&g).is_empty());
        assert_eq!(g.celler[k.index(&[0, 0])].status, Status::Vist, "a locked published cell stays published");
        assert!((1..3).any(|a| g.skjult(k.index(&[1, a]))), "an inner cell of the M row protects its total");
    }
}
