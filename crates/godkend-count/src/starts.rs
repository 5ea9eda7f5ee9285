//! Start dates per municipality and quarter of the window, read off the live cases: what the
//! systemskifte rule (`godkend_rules::quality`) judges.

use crate::Result;
use godkend_model::counts::{Startdatoer, Starter};
use godkend_model::dato::{date, days};
use godkend_model::{Kvartal, Window};
use polars_core::prelude::DataFrame;
use std::collections::BTreeMap;

/// Per (kommune, quarter) within `window`: the live cases starting in it, its busiest start date (the
/// earliest of equals) and how many start on that date.
pub fn starts(cases: &DataFrame, window: Window) -> Result<Startdatoer> {
    if cases.height() == 0 {
        return Ok(Startdatoer::new());
    }
    let (w0, w1) = (days(window.fra.first_day()), days(window.til.last_day()));
    let kommune = cases.column("kommunekode")?.i32()?;
    let start = cases.column("startdato")?.date()?.physical();
    // (kommune, start date) of every case starting in the window, sorted: equal dates are neighbours.
    let mut starting: Vec<(i32, i32)> = kommune
        .iter()
        .zip(start.iter())
        .filter_map(|(k, d)| Some((k?, d?)))
        .filter(|&(_, d)| (w0..=w1).contains(&d))
        .collect();
    starting.sort_unstable();
    // (kommune, quarter) → (starts, busiest date, its starts); dates come in order, so a tie keeps the
    // earliest.
    let mut per: BTreeMap<(u16, Kvartal), (u64, i32, u64)> = BTreeMap::new();
    for same in starting.chunk_by(|a, b| a == b) {
        let ((k, day), n) = (same[0], same.len() as u64);
        let e = per.entry((k as u16, Kvartal::of_date(date(day)))).or_insert((0, 0, 0));
        e.0 += n;
        if n > e.2 {
            e.1 = day;
            e.2 = n;
        }
    }
    Ok(per
        .into_iter()
        .map(|(key, (total, day, on_day))| (key, Starter { i_kvartalet: total, dato: date(day), paa_datoen: on_day }))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
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
            (101, "2025-05-09"),
            (101, "2024-12-31"), // before the window
            (147, "2025-07-01"),
        ]);
        let s = starts(&cases, window).unwrap();
        let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[&(101, q("2025K2"))], Starter { i_kvartalet: 5, dato: d("2025-04-01"), paa_datoen: 2 });
        assert_eq!(s[&(147, q("2025K3"))], Starter { i_kvartalet: 1, dato: d("2025-07-01"), paa_datoen: 1 });
    }
}
