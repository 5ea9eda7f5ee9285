//! A publication table: per column (a series × quarter, say) one value per row of a two-level
//! hierarchy — municipalities, their regions, the whole country — where each region is the sum of its
//! municipalities and the country the sum of the regions (the published figures add up).

pub use crate::gitter::{Celle, Status};
use std::collections::BTreeMap;

/// One row of the hierarchy.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Raekke {
    /// `101`, `1081` (a region code), `000` (hele landet).
    pub kode: String,
    pub tekst: String,
    /// The row this one adds up into (`None` for the country).
    pub foraelder: Option<String>,
}

/// The table: rows in the order shown, columns in the order shown, cells by (row, column).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Tabel {
    pub raekker: Vec<Raekke>,
    pub kolonner: Vec<String>,
    pub celler: BTreeMap<(String, String), Celle>,
}

impl Tabel {
    /// A table from the bottom rows' values: the parents' values are summed, every cell shown.
    pub fn summed(raekker: Vec<Raekke>, kolonner: Vec<String>, bottom: &BTreeMap<(String, String), u64>) -> Tabel {
        let mut celler = BTreeMap::new();
        // Leaves first, then parents in reverse row order (a child is listed after… anywhere; sum by depth).
        let depth = |r: &Raekke| {
            let mut d = 0;
            let mut at = r.foraelder.clone();
            while let Some(p) = at {
                d += 1;
                at = raekker.iter().find(|x| x.kode == p).and_then(|x| x.foraelder.clone());
            }
            d
        };
        let mut order: Vec<&Raekke> = raekker.iter().collect();
        order.sort_by_key(|r| std::cmp::Reverse(depth(r)));
        for r in &order {
            for k in &kolonner {
                let children: Vec<&Raekke> =
                    raekker.iter().filter(|c| c.foraelder.as_deref() == Some(r.kode.as_str())).collect();
                let v = if children.is_empty() {
                    bottom.get(&(r.kode.clone(), k.clone())).copied().unwrap_or(0)
                } else {
                    children
                        .iter()
                        .map(|c| celler.get(&(c.kode.clone(), k.clone())).map_or(0, |x: &Celle| x.vaerdi))
                        .sum()
                };
                celler.insert((r.kode.clone(), k.clone()), Celle { vaerdi: v, status: Status::Vist });
            }
        }
        Tabel { raekker, kolonner, celler }
    }

    /// The groups of the hierarchy: each parent with its children.
    pub fn groups(&self) -> Vec<(&Raekke, Vec<&Raekke>)> {
        self.raekker
            .iter()
            .map(|p| {
                (p, self.raekker.iter().filter(|c| c.foraelder.as_deref() == Some(p.kode.as_str())).collect::<Vec<_>>())
            })
            .filter(|(_, c)| !c.is_empty())
            .collect()
    }

    /// One column as cells in row order and the hierarchy's equations (parent = Σ children).
    pub fn gitter(&self, col: &str) -> crate::gitter::Gitter {
        let at = |kode: &str| self.raekker.iter().position(|r| r.kode == kode).expect("a row of the table");
        let celler = self.raekker.iter().map(|r| self.cell(&r.kode, col)).collect();
        let ligninger = self
            .groups()
            .into_iter()
            .map(|(p, cs)| crate::gitter::Ligning {
                total: at(&p.kode),
                dele: cs.iter().map(|c| at(&c.kode)).collect(),
            })
            .collect();
        crate::gitter::Gitter::new(celler, ligninger)
    }

    /// Takes the statuses of a column's [`Tabel::gitter`] back.
    pub fn set_statuses(&mut self, col: &str, g: &crate::gitter::Gitter) {
        for (r, c) in self.raekker.iter().zip(&g.celler) {
            self.celler.get_mut(&(r.kode.clone(), col.to_string())).expect("a cell").status = c.status;
        }
    }

    pub fn cell(&self, row: &str, col: &str) -> Celle {
        self.celler[&(row.to_string(), col.to_string())]
    }

    /// Cells by status.
    pub fn count(&self, s: Status) -> usize {
        self.celler.values().filter(|c| c.status == s).count()
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::{Raekke, Tabel};
    use std::collections::BTreeMap;

    /// Two regions of two and three municipalities, one column.
    pub(crate) fn small(values: &[(&str, u64)]) -> Tabel {
        let row =
            |k: &str, p: Option<&str>| Raekke { kode: k.into(), tekst: k.into(), foraelder: p.map(str::to_string) };
        let rows = vec![
            row("000", None),
            row("R1", Some("000")),
            row("a", Some("R1")),
            row("b", Some("R1")),
            row("R2", Some("000")),
            row("c", Some("R2")),
            row("d", Some("R2")),
            row("e", Some("R2")),
        ];
        let bottom: BTreeMap<(String, String), u64> =
            values.iter().map(|(k, v)| ((k.to_string(), "Q".into()), *v)).collect();
        Tabel::summed(rows, vec!["Q".into()], &bottom)
    }
}
