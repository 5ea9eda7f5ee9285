//! SplitMix64: the one small deterministic random generator (demo data, the calibration's events), so a
//! seed gives the same numbers whatever crate is updated.

#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed` (mixed once, so seeds 0, 1, 2 … start far apart).
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// A generator whose state is `state` as given (the calibration's events were drawn so).
    pub fn from_state(state: u64) -> Rng {
        Rng(state)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    pub fn range(&mut self, lo: i64, hi_inclusive: i64) -> i64 {
        lo + self.below((hi_inclusive - lo + 1) as u64) as i64
    }

    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A Poisson count with mean `mean`: how many of many independent citizens start a service in a
    /// month. Its spread (√mean) is what makes a small municipality's small series noisy. Knuth's
    /// method up to a mean of 30; above, the normal approximation (rounded, never below 0).
    pub fn poisson(&mut self, mean: f64) -> usize {
        if mean <= 0.0 {
            return 0;
        }
        if mean <= 30.0 {
            let limit = (-mean).exp();
            let (mut k, mut p) = (0usize, 1.0);
            loop {
                p *= self.unit();
                if p <= limit {
                    return k;
                }
                k += 1;
            }
        }
        // Box–Muller from two uniforms (the first kept away from 0).
        let (u1, u2) = (self.unit().max(f64::MIN_POSITIVE), self.unit());
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        (mean + z * mean.sqrt()).round().max(0.0) as usize
    }

    /// A count with mean `mean`: its whole part plus one with the fractional part's probability.
    pub fn count(&mut self, mean: f64) -> usize {
        let whole = mean.floor();
        whole as usize + usize::from(self.chance(mean - whole))
    }
}
