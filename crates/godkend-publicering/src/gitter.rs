//! A table as the protection sees it: cells, and the equations between them (a total is the sum of
//! its parts). A `Tabel` gives one per column (municipalities → regions → country); a table with
//! more dimensions (region × sex × age group) gives one per block of cells its equations link, and
//! cells another table already publishes are *locked*: their status is given and never changed.

/// How a cell is published.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Vist,
    /// Below the minimum: `..`.
    Primaer,
    /// Suppressed so that a primary cell cannot be recomputed: `..`.
    Sekundaer,
    /// Held back (the municipality has not approved): `..`, protected like a primary cell.
    Tilbageholdt,
}

impl Status {
    pub fn skjult(self) -> bool {
        self != Status::Vist
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Celle {
    pub vaerdi: u64,
    pub status: Status,
}

/// `total = Σ dele` (indices into [`Gitter::celler`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ligning {
    pub total: usize,
    pub dele: Vec<usize>,
}

impl Ligning {
    /// Every cell of the equation, the total first.
    pub fn celler(&self) -> impl Iterator<Item = usize> + '_ {
        std::iter::once(self.total).chain(self.dele.iter().copied())
    }
}

#[derive(Clone, Debug, Default)]
pub struct Gitter {
    pub celler: Vec<Celle>,
    pub ligninger: Vec<Ligning>,
    /// Cells whose status is fixed (published or suppressed by another table).
    pub laast: Vec<bool>,
}

impl Gitter {
    pub fn new(celler: Vec<Celle>, ligninger: Vec<Ligning>) -> Gitter {
        let laast = vec![false; celler.len()];
        Gitter { celler, ligninger, laast }
    }

    pub fn skjult(&self, i: usize) -> bool {
        self.celler[i].status.skjult()
    }

    /// Suppresses cell `i` as a secondary cell.
    pub(crate) fn skjul(&mut self, i: usize) {
        debug_assert!(!self.laast[i] && !self.skjult(i));
        self.celler[i].status = Status::Sekundaer;
    }

    /// May cell `i` be chosen for secondary suppression?
    pub(crate) fn kandidat(&self, i: usize) -> bool {
        !self.laast[i] && !self.skjult(i)
    }
}

impl Gitter {
    /// `self` and `other` as one: `same` pairs a cell of `self` with the cell of `other` that is the same
    /// figure (a total both tables publish), which keeps `self`'s status and lock. Returns the joined
    /// table and where each of `other`'s cells went.
    pub fn med(mut self, other: &Gitter, same: &[(usize, usize)]) -> (Gitter, Vec<usize>) {
        let mut map = vec![usize::MAX; other.celler.len()];
        for &(a, b) in same {
            map[b] = a;
        }
        for (b, slot) in map.iter_mut().enumerate() {
            if *slot == usize::MAX {
                *slot = self.celler.len();
                self.celler.push(other.celler[b]);
                self.laast.push(other.laast[b]);
            }
        }
        for l in &other.ligninger {
            self.ligninger.push(Ligning { total: map[l.total], dele: l.dele.iter().map(|&d| map[d]).collect() });
        }
        (self, map)
    }
}
