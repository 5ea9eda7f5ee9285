//! The Hidiroglou–Berthelot outlier test across municipalities (Statistics Norway's KOSTRA defaults).
//!
//! For units i with values x_i(t−1), x_i(t) (both > 0): r_i = x_i(t)/x_i(t−1), r_med the median ratio;
//! s_i = 1 − r_med/r_i if r_i < r_med, else r_i/r_med − 1; E_i = s_i · max(x_i(t), x_i(t−1))^U.
//! With Q1, M, Q3 of the E_i: d_low = max(M − Q1, |A·M|), d_high = max(Q3 − M, |A·M|), and unit i is an
//! outlier at level C if E_i < M − C·d_low or E_i > M + C·d_high. Quartiles interpolate linearly
//! between order statistics (Hyndman–Fan type 7, as R's default).
//!
//! One guard beyond the textbook: when d_low and d_high are both 0 (at least half the units have the
//! same score and the median score is 0 — typical of small, unchanged series), the interval has no
//! width and every unit that moved at all would be an outlier. The test says nothing then, so no
//! unit is scored; large moves in such series are still caught by the quarter and year rules.

/// One unit's test result.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HbScore {
    pub unit: u16,
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

/// Scores every usable unit (both values > 0); empty if fewer than `min_units` are usable.
pub fn scores(units: &[(u16, f64, f64)], u: f64, a: f64, min_units: usize) -> Vec<HbScore> {
    let usable: Vec<(u16, f64, f64)> =
        units.iter().copied().filter(|(_, prev, cur)| *prev > 0.0 && *cur > 0.0).collect();
    if usable.len() < min_units || usable.is_empty() {
        return Vec::new();
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
    let d_low = (m - q1).max((a * m).abs());
    let d_high = (q3 - m).max((a * m).abs());
    if d_low == 0.0 && d_high == 0.0 {
        return Vec::new();
    }
    usable
        .iter()
        .zip(ratios.iter().zip(&es))
        .map(|((unit, _, _), (r, e))| HbScore {
            unit: *unit,
            ratio: *r,
            median_ratio: r_med,
            e: *e,
            median_e: m,
            d_low,
            d_high,
        })
        .collect()
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
        assert!((ten.d_low - 0.1492552840).abs() < 1e-6 && (ten.d_high - 0.1243066882).abs() < 1e-6, "{ten:?}");
        let (lo, hi) = ten.bounds(20.0);
        assert!((lo + 2.98510).abs() < 1e-4 && (hi - 2.48613).abs() < 1e-4, "{lo} {hi}");
        assert!(ten.outside(20.0));
        assert!(s.iter().filter(|x| x.unit != 10).all(|x| !x.outside(10.0)));
    }

    #[test]
    fn no_spread_no_test() {
        // Nine unchanged units and one that lost a single person: E of the nine is 0, so Q1 = M = Q3 = 0.
        let mut units: Vec<(u16, f64, f64)> = (1..=9).map(|i| (i, 45.0, 45.0)).collect();
        units.push((10, 45.0, 44.0));
        assert!(scores(&units, 0.5, 0.05, 10).is_empty());
    }

    #[test]
    fn needs_enough_units() {
        let units: Vec<(u16, f64, f64)> = (1..=9).map(|i| (i, 10.0, 11.0)).collect();
        assert!(scores(&units, 0.5, 0.05, 10).is_empty());
    }
}
