//! The stopped-service rule (docs/markeringer.md, `ophoert`): a series the municipality reported in
//! earlier years of the window and has no recipients of in the whole report year. It is not a service
//! "never reported" (that hint is for series with no recipients anywhere in the window): the
//! municipality's own history says what was expected, so a large series that stopped is red.

use crate::flags::{Alvor, Ctx, Markering, Regel, dropped_in_year, flag_id};
use godkend_model::talformat::{round1, tal};
use godkend_model::{Counts, Kvartal, Periode, Reference, Taerskler};
use std::collections::BTreeMap;

/// One flag per (kommune, series) with 0 recipients in every quarter of `year` and recipients in an
/// earlier quarter of the window. Its expected figure is the mean of the (up to) four quarters ending
/// with the last one that had recipients; yellow from the quarter rule's yellow persons threshold, red from
/// its red one, nothing below. Silent where a drop to 0 in the report year already marks the series.
pub fn stopped_flags(
    counts: &Counts,
    reference: &Reference,
    t: &Taerskler,
    year: i32,
    earlier: &[Markering],
) -> Vec<Markering> {
    let quarters: Vec<Kvartal> = (1..=4).filter_map(|n| Kvartal::new(year, n)).collect();
    let Some(window) = counts.window.filter(|w| w.til >= quarters[3] && w.fra < quarters[0]) else {
        return Vec::new();
    };
    let dropped = dropped_in_year(earlier);
    let g = &t.kvartal_til_kvartal;
    let ctx = Ctx { reference, year };
    let mut out = Vec::new();
    for ((k, serie), figures) in &counts.kommune {
        let n = |q: &Kvartal| figures.get(q).map_or(0, |t| t.modtagere);
        if quarters.iter().any(|q| n(q) > 0) || dropped.contains(&(*k, serie.as_str())) {
            continue;
        }
        let Some(last) = window.fra.through(quarters[0].previous()).filter(|q| n(q) > 0).last() else { continue };
        let level: Vec<u32> = (0..4)
            .scan(last, |q, _| {
                let here = *q;
                *q = q.previous();
                Some(here)
            })
            .take_while(|q| *q >= window.fra)
            .map(|q| n(&q))
            .collect();
        let forventet = round1(f64::from(level.iter().sum::<u32>()) / level.len() as f64);
        let alvor = if forventet >= f64::from(g.roed.personer) {
            Alvor::Roed
        } else if forventet >= f64::from(g.gul.personer) {
            Alvor::Gul
        } else {
            continue;
        };
        let mut m = ctx.flag(*k, serie, quarters[0], Regel::Ophoert, alvor);
        m.kvartal = Periode::Aar(year);
        m.id = flag_id(*k, serie, m.kvartal, Regel::Ophoert);
        m.tal = BTreeMap::from([("aktuel".into(), 0.0), ("forventet".into(), forventet)]);
        m.taerskel = format!("gul ≥ {} og rød ≥ {} modtagere pr. kvartal før ophøret", g.gul.personer, g.roed.personer);
        let betegnelse = reference.serier.get(serie).map_or("", |x| x.betegnelse.as_str());
        m.forklaring = format!(
            "Kommunen har ingen modtagere af {} {} i {year}, men havde i gennemsnit {} pr. kvartal op til {last}. \
             Er ydelsen ophørt, eller indberettes den ikke længere (fx efter et systemskifte eller en omlægning)? Kontrollér indberetningen.",
            m.ydelse,
            betegnelse,
            tal(forventet, 1)
        );
        out.push(m);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use godkend_model::{Tal, Window};

    /// 2023K1–2025K4 for municipality 101, series V-1.1, and the flags of 2025 as `rule severity expected`.
    fn check(values: [u32; 12]) -> Vec<String> {
        let reference = Reference::embedded().unwrap();
        let q = |s: &str| s.parse::<Kvartal>().unwrap();
        let window = Window { fra: q("2023K1"), til: q("2025K4") };
        let mut counts = Counts { window: Some(window), ..Counts::default() };
        let s = counts.kommune.entry((101, "V-1.1".into())).or_default();
        for (kv, v) in window.quarters().into_iter().zip(values) {
            s.insert(kv, Tal { modtagere: v, helaarsaekvivalenter: 0.0 });
        }
        let flags = stopped_flags(&counts, &reference, &reference.taerskler, 2025, &[]);
        flags.iter().map(|m| format!("{} {} {}", m.regel.code(), m.alvor.code(), m.tal["forventet"])).collect()
    }

    #[test]
    fn a_series_that_stopped_is_judged_by_its_own_level() {
        // ≈ 490 a quarter until 2024K4, then nothing: red, not a yellow "never reported".
        assert_eq!(check([480, 485, 490, 495, 490, 492, 488, 490, 0, 0, 0, 0]), ["ophoert rød 490"]);
        // Stopped in 2024K2: the level is the four quarters up to 2024K1.
        assert_eq!(check([9, 9, 9, 9, 9, 0, 0, 0, 0, 0, 0, 0]), ["ophoert gul 9"]);
        // Just below the yellow persons threshold (8): nothing.
        assert_eq!(check([7, 8, 7, 8, 7, 8, 7, 7, 0, 0, 0, 0]), Vec::<String>::new());
        // Recipients in the report year, or never any in the window: not this rule.
        assert_eq!(check([50, 50, 50, 50, 50, 50, 50, 50, 0, 0, 0, 3]), Vec::<String>::new());
        assert_eq!(check([0; 12]), Vec::<String>::new());
    }
}
