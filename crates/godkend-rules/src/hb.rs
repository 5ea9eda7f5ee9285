//! The Hidiroglou–Berthelot outlier test across municipalities (Statistics Norway's KOSTRA defaults).
//!
//! For units i with values x_i(t−1), x_i(t) (both > 0): r_i = x_i(t)/x_i(t−1), r_med the median ratio;
//! s_i = 1 − r_med/r_i if r_i < r_med, else r_i/r_med − 1; E_i = s_i · max(x_i(t), x_i(t−1))^U.
//! With Q1, M, Q3 of the E_i: d_low = max(M − Q1, |A·M|), d_high = max(Q3 − M, |A·M|), and unit i is an
//! outlier at level C if E_i < M − C·d_low or E_i > M + C·d_high. Quartiles interpolate linearly
//! between order statistics (Hyndman–Fan type 7, as R's default).
//!
//! As SSB's own `Hb` (R package Kostra) runs it: units with 0 (or nothing) in either period are
//! skipped; when half or more of the rest are unchanged (x(t) = x(t−1)), the quartiles are taken over
//! the changed units only and the unchanged are not tested (otherwise M = Q1 = Q3 = 0 and a one-person
//! change is an outlier); when M is 0, d_low and d_high use A itself in place of |A·M|. The test
//! needs `min_units` units in the quartiles. [`HbTest`] keeps what Banff's outlier summary prints:
//! the quartiles, the interval, and the units used and skipped.

/// One unit's test result.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HbScore {
    pub unit: u16,
    pub prev: f64,
    pub cur: f64,
    pub ratio: f64,
    pub median_ratio: f64,
    pub e: f64,
    pub median_e: f64,
    pub d_low: f64,
    pub d_high: f64,
}

impl HbScore {
    /// The interval E must lie in at level `c`.
    pub fn bounds(&self, c: f64) -> (f64, f64) {
        (self.median_e - c * self.d_low, self.median_e + c * self.d_high)
    }

    pub fn outside(&self, c: f64) -> bool {
        let (lo, hi) = self.bounds(c);
        self.e < lo || self.e > hi
    }
}

/// One test (one series, one quarter): its quartiles and which units it used.
#[derive(Clone, Debug, PartialEq)]
pub struct HbTest {
    pub median_ratio: f64,
    pub q1: f64,
    pub m: f64,
    pub q3: f64,
    pub d_low: f64,
    pub d_high: f64,
    /// Units in the quartiles (and tested).
    pub used: usize,
    /// Units skipped for 0 in either period.
    pub skipped_zero: usize,
    /// Unchanged units left out because they were half or more of the rest.
    pub skipped_unchanged: usize,
    pub scores: Vec<HbScore>,
}

impl HbTest {
    /// The interval at level `c`.
    pub fn bounds(&self, c: f64) -> (f64, f64) {
        (self.m - c * self.d_low, self.m + c * self.d_high)
    }
}

/// Tests `units` (unit, x(t−1), x(t)); `None` if fewer than `min_units` remain for the quartiles.
pub fn test(units: &[(u16, f64, f64)], u: f64, a: f64, min_units: usize) -> Option<HbTest> {
    let positive: Vec<(u16, f64, f64)> =
        units.iter().copied().filter(|(_, prev, cur)| *prev > 0.0 && *cur > 0.0).collect();
    let skipped_zero = units.len() - positive.len();
    let unchanged = positive.iter().filter(|(_, p, c)| p == c).count();
    let usable: Vec<(u16, f64, f64)> = if !positive.is_empty() && unchanged * 2 >= positive.len() {
        positive.iter().copied().filter(|(_, p, c)| p != c).collect()
    } else {
        positive.clone()
    };
    let skipped_unchanged = positive.len() - usable.len();
    if usable.len() < min_units.max(1) {
        return None;
    }
    let ratios: Vec<f64> = usable.iter().map(|(_, p, c)| c / p).collect();
    let r_med = quantile(&ratios, 0.5);
    let es: Vec<f64> = usable
        .iter()
        .zip(&ratios)
        .map(|((_, p, c), r)| {
            let s = if *r < r_med { 1.0 - r_med / r } else { r / r_med - 1.0 };
            s * p.max(*c).powf(u)
        })
        .collect();
    let (q1, m, q3) = (quantile(&es, 0.25), quantile(&es, 0.5), quantile(&es, 0.75));
    let floor = if m != 0.0 { (a * m).abs() } else { a };
    let (d_low, d_high) = ((m - q1).max(floor), (q3 - m).max(floor));
    let scores = usable
        .iter()
        .zip(ratios.iter().zip(&es))
        .map(|((unit, prev, cur), (r, e))| HbScore {
            unit: *unit,
            prev: *prev,
            cur: *cur,
            ratio: *r,
            median_ratio: r_med,
            e: *e,
            median_e: m,
            d_low,
            d_high,
        })
        .collect();
    Some(HbTest {
        median_ratio: r_med,
        q1,
        m,
        q3,
        d_low,
        d_high,
        used: usable.len(),
        skipped_zero,
        skipped_unchanged,
        scores,
    })
}

/// Type-7 quantile of unsorted values (non-empty).
pub fn quantile(values: &[f64], p: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let h = (v.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scores every tested unit; empty if the test cannot run.
    fn scores(units: &[(u16, f64, f64)], u: f64, a: f64, min_units: usize) -> Vec<HbScore> {
        test(units, u, a, min_units).map(|t| t.scores).unwrap_or_default()
    }

    #[test]
    fn quantiles_interpolate() {
        assert_eq!(quantile(&[4.0, 1.0, 3.0, 2.0], 0.5), 2.5);
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.25), 2.0);
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.25), 1.75);
    }

    /// Ten municipalities, nine growing 0–4 %, one jumping from 100 to 200. Worked by hand:
    /// ratios 1.00,1.01,…,1.04 (twice) and 2.0; r_med = 1.02 (the 5th/6th of the sorted ratios).
    #[test]
    fn hand_computed_example() {
        let units: Vec<(u16, f64, f64)> = vec![
            (1, 100.0, 100.0),  // r 1.00
            (2, 100.0, 101.0),  // 1.01
            (3, 100.0, 102.0),  // 1.02
            (4, 100.0, 103.0),  // 1.03
            (5, 100.0, 104.0),  // 1.04
            (6, 100.0, 100.0),  // 1.00
            (7, 100.0, 101.0),  // 1.01
            (8, 100.0, 103.0),  // 1.03
            (9, 100.0, 104.0),  // 1.04
            (10, 100.0, 200.0), // 2.00
            (11, 0.0, 50.0),    // skipped: 0 in one period
        ];
        let s = scores(&units, 0.5, 0.05, 10);
        assert_eq!(s.len(), 10);
        let r_med = s[0].median_ratio;
        assert!(
            (r_med - 1.025).abs() < 1e-12,
            "sorted ratios 1.00 1.00 1.01 1.01 1.02 1.03 1.03 1.04 1.04 2.00 → (1.02+1.03)/2, got {r_med}"
        );
        // Unit 10: s = 2.0/1.025 − 1 = 0.951219…, E = s · 200^0.5 = 13.4522…
        let ten = s.iter().find(|x| x.unit == 10).unwrap();
        assert!((ten.e - (2.0 / 1.025 - 1.0) * 200f64.sqrt()).abs() < 1e-9);
        // Unit 1: r = 1.00 < r_med: s = 1 − 1.025 = −0.025, E = −0.025 · 10 = −0.25.
        let one = s.iter().find(|x| x.unit == 1).unwrap();
        assert!((one.e + 0.25).abs() < 1e-9, "{}", one.e);
        // E sorted: −0.25 −0.25 −0.14926 −0.14926 −0.04951 0.04951 0.04951 0.14924 0.14924 13.45228;
        // Q1 = −0.149256, M = −0.0000003, Q3 = 0.124306 (type 7), so d_low = 0.149255, d_high = 0.124307
        // (|A·M| is tiny). Bounds at C = 20: [−2.985, 2.486]; unit 10 (13.45) is outside, the rest inside C = 10.
        assert_eq!(s.iter().filter(|x| x.prev == x.cur).count(), 2, "fewer than half unchanged: all tested");
        assert!((ten.d_low - 0.1492552840).abs() < 1e-6 && (ten.d_high - 0.1243066882).abs() < 1e-6, "{ten:?}");
        let (lo, hi) = ten.bounds(20.0);
        assert!((lo + 2.98510).abs() < 1e-4 && (hi - 2.48613).abs() < 1e-4, "{lo} {hi}");
        assert!(ten.outside(20.0));
        assert!(s.iter().filter(|x| x.unit != 10).all(|x| !x.outside(10.0)));
    }

    /// København BL82-2 2025K1 before the fix: most municipalities unchanged, so M = Q1 = 0 and
    /// the lower bound was 0 — a one- or two-person drop scored −0.14 and was red.
    #[test]
    fn mostly_unchanged_units_leave_the_quartiles_to_the_changed_ones() {
        let mut units: Vec<(u16, f64, f64)> = (1..=60).map(|i| (i, 40.0, 40.0)).collect();
        units.push((101, 197.0, 195.0));
        let changes = [(30.0, 31.0), (50.0, 52.0), (20.0, 19.0), (80.0, 83.0), (12.0, 13.0), (44.0, 42.0)];
        for (i, (p, c)) in changes.iter().enumerate() {
            units.push((200 + i as u16, *p, *c));
        }
        units.extend([(300, 25.0, 25.0 * 3.0), (301, 60.0, 61.0), (302, 70.0, 68.0), (303, 0.0, 9.0)]);
        let t = test(&units, 0.5, 0.05, 10).unwrap();
        assert_eq!((t.used, t.skipped_unchanged, t.skipped_zero), (10, 60, 1));
        let kbh = t.scores.iter().find(|s| s.unit == 101).unwrap();
        assert!(!kbh.outside(20.0) && !kbh.outside(10.0), "{kbh:?}");
        let tripled = t.scores.iter().find(|s| s.unit == 300).unwrap();
        assert!(tripled.outside(20.0), "{tripled:?}");
        assert!(t.scores.iter().all(|s| s.prev != s.cur), "the unchanged are not tested");
    }

    #[test]
    fn a_zero_median_score_uses_a_itself() {
        // Changed units only, half of them moving with the median: M = 0, so d = max(M − Q1, A).
        let units: Vec<(u16, f64, f64)> =
            (1..=10).map(|i| (i, 100.0, if i <= 5 { 110.0 } else { 110.0 + f64::from(i) })).collect();
        let t = test(&units, 0.5, 0.05, 10).unwrap();
        assert_eq!(t.skipped_unchanged, 0);
        assert!(t.d_low >= 0.05 && t.d_high >= 0.05, "{t:?}");
    }

    #[test]
    fn needs_enough_units() {
        let units: Vec<(u16, f64, f64)> = (1..=9).map(|i| (i, 10.0, 11.0)).collect();
        assert!(scores(&units, 0.5, 0.05, 10).is_empty());
    }
}
