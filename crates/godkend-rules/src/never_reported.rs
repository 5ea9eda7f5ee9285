//! The never-reported hint (docs/markeringer.md): an adult service a municipality of its size would be
//! expected to report, with no recipients in the report year nor earlier in the window (a service that
//! had recipients earlier has stopped: `stopped`).

use crate::flags::{Alvor, Ctx, Markering, Regel, dropped_in_year, flag_id};
use godkend_model::talformat::{round1, tal};
use godkend_model::{Counts, Kvartal, Periode, Reference, Register, Taerskler};
use std::collections::BTreeMap;

/// The "never reported" hint (docs/markeringer.md): an adult service with no recipients in a
/// municipality in any quarter of the report year, while at least `andel_kommuner` % of the
/// municipalities with adult recipients report it and the municipality's own size leads one to expect
/// `min_forventede` recipients a quarter (its adult recipients × the service's share of all adult
/// recipients). Silent where a drop to 0 in the report year already marks the series.
pub fn never_reported_flags(
    counts: &Counts,
    reference: &Reference,
    t: &Taerskler,
    year: i32,
    earlier: &[Markering],
) -> Vec<Markering> {
    let g = &t.aldrig_indberettet;
    let quarters: Vec<Kvartal> = (1..=4).filter_map(|n| Kvartal::new(year, n)).collect();
    if counts.window.is_none_or(|w| w.til < quarters[3] || w.fra > quarters[0])
        || reference.vises_fra(Register::Voksne) > quarters[0]
    {
        return Vec::new();
    }
    let series: Vec<&str> = reference.serier_of(Register::Voksne).iter().map(|s| s.serie.as_str()).collect();
    let per = adult_recipients(counts, &series, &quarters);
    if per.len() < g.min_kommuner {
        return Vec::new();
    }
    let all: u64 = per.values().flat_map(|r| r.values()).sum();
    let dropped = dropped_in_year(earlier);
    let ctx = Ctx { reference, year };
    let mut out = Vec::new();
    for s in &series {
        let reporting = per.values().filter(|r| r[s] > 0).count();
        let share = reporting as f64 / per.len() as f64 * 100.0;
        if share < g.andel_kommuner {
            continue;
        }
        let of_series: u64 = per.values().map(|r| r[s]).sum();
        for (k, row) in &per {
            let reported_before = counts
                .kommune
                .get(&(*k, s.to_string()))
                .is_some_and(|f| f.range(..quarters[0]).any(|(_, t)| t.modtagere > 0));
            if row[s] > 0 || dropped.contains(&(*k, *s)) || reported_before {
                continue;
            }
            let own: u64 = row.values().sum();
            let expected = own as f64 * of_series as f64 / all as f64 / 4.0;
            if expected < g.min_forventede {
                continue;
            }
            let expected = round1(expected);
            let mut m = ctx.flag(*k, s, quarters[0], Regel::AldrigIndberettet, Alvor::Gul);
            m.kvartal = Periode::Aar(year);
            m.id = flag_id(*k, s, m.kvartal, Regel::AldrigIndberettet);
            m.tal = BTreeMap::from([
                ("aktuel".into(), 0.0),
                ("forventet".into(), expected),
                ("kommuner".into(), per.len() as f64),
                ("kommuner_med_ydelsen".into(), reporting as f64),
            ]);
            m.taerskel = format!(
                "≥ {}\u{a0}% af kommunerne indberetter ydelsen, og ≥ {} modtagere forventet pr. kvartal",
                tal(g.andel_kommuner, 0),
                tal(g.min_forventede, 0)
            );
            let betegnelse = reference.serier.get(*s).map_or("", |x| x.betegnelse.as_str());
            m.forklaring = format!(
                "Kommunen har ingen modtagere af {} {} i {year}, men {reporting} af de {} kommuner med modtagere af voksenydelser har; ud fra kommunens øvrige tal ventes omkring {} modtagere pr. kvartal. Ydelsen registreres ofte af en anden afdeling eller i et andet fagsystem: kontrollér, at den indberettes.",
                m.ydelse,
                betegnelse,
                per.len(),
                tal(expected, 0)
            );
            out.push(m);
        }
    }
    out
}

/// Per municipality with adult recipients in the year: recipients (person-quarters) per adult series.
fn adult_recipients<'s>(
    counts: &Counts,
    series: &[&'s str],
    quarters: &[Kvartal],
) -> BTreeMap<u16, BTreeMap<&'s str, u64>> {
    let in_year = |k: u16, s: &str| -> u64 { quarters.iter().map(|q| u64::from(counts.get(k, s, *q).modtagere)).sum() };
    let mut per: BTreeMap<u16, BTreeMap<&str, u64>> = BTreeMap::new();
    for (k, _) in counts.kommune.keys() {
        if per.contains_key(k) {
            continue;
        }
        let row: BTreeMap<&str, u64> = series.iter().map(|s| (*s, in_year(*k, s))).collect();
        if row.values().any(|n| *n > 0) {
            per.insert(*k, row);
        }
    }
    per
}
