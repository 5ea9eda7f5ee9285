//! Start dates per municipality and quarter of the window, read off the live cases: what the
//! systemskifte rule (`godkend_rules::quality`) judges.

use crate::Result;
use godkend_model::Window;
use godkend_model::counts::{Startdatoer, Starter};
use godkend_model::dato::{date, days};
use polars_core::prelude::DataFrame;

/// Per (kommune, quarter) within `window`: the live cases starting in it, its busiest start date (the
/// earliest of equals) and how many start on that date.
pub fn starts(cases: &DataFrame, window: Window) -> Result<Startdatoer> {
    if cases.height() == 0 {
        return Ok(Startdatoer::new());
    }
    let quarters = window.quarters();
    let (w0, w1) = (days(window.fra.first_day()), days(window.til.last_day()));
    let kommune = cases.column("kommunekode")?.i32()?;
    let start = cases.column("startdato")?.date()?.physical();
    // Per kommune, the cases starting on each day of the window, counted in place (no sort of the
    // cases). A frame is one municipality's, or a few: found by a look along a short list.
    let width = (w1 - w0 + 1) as usize;
    let mut per_day: Vec<(u16, Vec<u64>)> = Vec::new();
    let mut at = 0;
    for (k, d) in kommune.iter().zip(start.iter()) {
        let (Some(k), Some(d)) = (k, d) else { continue };
        if !(w0..=w1).contains(&d) {
            continue;
        }
        let k = k as u16;
        if per_day.get(at).is_none_or(|(x, _)| *x != k) {
            at = per_day.iter().position(|(x, _)| *x == k).unwrap_or_else(|| {
                per_day.push((k, vec![0; width]));
                per_day.len() - 1
            });
        }
        per_day[at].1[(d - w0) as usize] += 1;
    }
    let mut out = Startdatoer::new();
    for (k, counts) in per_day {
        for q in &quarters {
            // Day by day through the quarter: a tie keeps the earliest date.
            let (first, last) = (days(q.first_day()), days(q.last_day()));
            let (mut total, mut busiest, mut on_day) = (0u64, first, 0u64);
            for d in first..=last {
                let n = counts[(d - w0) as usize];
                total += n;
                if n > on_day {
                    (busiest, on_day) = (d, n);
                }
            }
            if total > 0 {
                out.insert((k, *q), Starter { i_kvartalet: total, dato: date(busiest), paa_datoen: on_day });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use godkend_model::Kvartal;
    use polars_core::prelude::{DataType, NamedFrom, Series};

    fn frame(rows: &[(i32, &str)]) -> DataFrame {
        let d = |s: &str| days(s.parse().unwrap());
        let kommune = Series::new("kommunekode".into(), rows.iter().map(|r| r.0).collect::<Vec<_>>());
        let start = Series::new("startdato".into(), rows.iter().map(|r| d(r.1)).collect::<Vec<_>>())
            .cast(&DataType::Date)
            .unwrap();
        DataFrame::new(rows.len(), vec![kommune.into(), start.into()]).unwrap()
    }

    #[test]
    fn busiest_date_per_quarter_with_ties_to_the_earliest() {
        let q = |s: &str| s.parse::<Kvartal>().unwrap();
        let window = Window { fra: q("2025K1"), til: q("2025K4") };
        let cases = frame(&[
            (101, "2025-04-02"),
            (101, "2025-04-02"),
            (101, "2025-04-01"),
            (101, "2025-04-01"),
            (147, "2025-07-02"), // a frame of two municipalities, interleaved
            (101, "2025-05-09"),
            (101, "2024-12-31"), // before the window
            (147, "2025-07-01"),
        ]);
        let s = starts(&cases, window).unwrap();
        let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[&(101, q("2025K2"))], Starter { i_kvartalet: 5, dato: d("2025-04-01"), paa_datoen: 2 });
        assert_eq!(s[&(147, q("2025K3"))], Starter { i_kvartalet: 2, dato: d("2025-07-01"), paa_datoen: 1 });
    }
}
