//! `HANDGK3`: recipients per region (and the whole country) × series × sex × age group × quarter,
//! protected together with `HANDGK1`. Each (series, quarter) is one [`Kube`] of område × køn × alder;
//! its cells for both sexes and all ages are `HANDGK1`'s regions and country, so they are joined to
//! `HANDGK1`'s column, locked with the status `HANDGK1` gave them, and the attack runs on both tables'
//! equations at once: nothing `HANDGK1` hides can be recomputed with `HANDGK3`'s figures.

use crate::failure::Failure;
use godkend_count::fordeling::EfterKoenOgAlder;
use godkend_model::{Koen, Kvartal, Reference};
use godkend_publicering::diskretion::{self, Opgoerelse};
use godkend_publicering::kube::{Dimension, Kube};
use godkend_publicering::tabel::Raekke;
use godkend_publicering::{Celle, Tabel};
use std::collections::BTreeMap;

/// The protected table: one cube per `HANDGK1` column (`serie|kvartal`).
pub struct KoenOgAlder {
    pub dimensioner: Vec<Dimension>,
    pub kuber: BTreeMap<String, Kube>,
    pub opgoerelse: Opgoerelse,
}

const KOEN: [(&str, &str); 3] = [("TOT", "I alt"), ("M", "Mænd"), ("K", "Kvinder")];

fn codes(navn: &str, total: (&str, &str), leaves: impl Iterator<Item = (String, String)>) -> Dimension {
    let mut koder = vec![Raekke { kode: total.0.into(), tekst: total.1.into(), foraelder: None }];
    koder.extend(leaves.map(|(kode, tekst)| Raekke { kode, tekst, foraelder: Some(total.0.into()) }));
    Dimension { navn: navn.into(), koder }
}

/// Builds and protects `HANDGK3` from the breakdown `f` and the protected `HANDGK1` table `t`.
pub fn byg(t: &Tabel, f: &EfterKoenOgAlder, reference: &Reference, n: u64) -> Result<KoenOgAlder, Failure> {
    let regions: Vec<&Raekke> = t.raekker.iter().filter(|r| r.foraelder.as_deref() == Some("000")).collect();
    let dimensioner = vec![
        codes("område", ("000", "Hele landet"), regions.iter().map(|r| (r.kode.clone(), r.tekst.clone()))),
        codes("køn", KOEN[0], KOEN[1..].iter().map(|(k, t)| (k.to_string(), t.to_string()))),
        codes(
            "alder",
            ("TOT", "Alder i alt"),
            reference.aldersgrupper.iter().map(|g| (g.kode.clone(), g.tekst.clone())),
        ),
    ];
    // The regions' leaves: (region, series, quarter, sex, age group) summed over their municipalities.
    let mut by_region: BTreeMap<(String, &str, Kvartal, Koen, usize), u64> = BTreeMap::new();
    for ((kommune, serie, q, koen, group), count) in f {
        let Some(k) = reference.kommune(*kommune) else { continue };
        *by_region.entry((k.regionskode.to_string(), serie, *q, *koen, *group)).or_default() += u64::from(*count);
    }
    let row_of = |kode: &str| t.raekker.iter().position(|r| r.kode == kode).expect("a row of HANDGK1");
    let mut kuber = BTreeMap::new();
    for col in &t.kolonner {
        let (serie, q) = col.split_once('|').expect("a HANDGK1 column is serie|kvartal");
        let q: Kvartal = q.parse().map_err(|_| Failure::new(format!("HANDGK1-kolonnen {col}"), ""))?;
        let mut kube = Kube::summed(dimensioner.clone(), |idx| {
            let region = &dimensioner[0].koder[idx[0]].kode;
            let koen = if idx[1] == 1 { Koen::Mand } else { Koen::Kvinde };
            by_region.get(&(region.clone(), serie, q, koen, idx[2] - 1)).copied().unwrap_or(0)
        });
        // One source, two tables: both sexes and all ages are HANDGK1's figure.
        for (a, area) in dimensioner[0].koder.iter().enumerate() {
            let (ours, theirs) = (kube.cell(&[a, 0, 0]).vaerdi, t.cell(&area.kode, col).vaerdi);
            if ours != theirs {
                return Err(Failure::new(
                    format!("intern fejl: HANDGK3 {} {col} er {ours}, HANDGK1 {theirs}", area.kode),
                    "meld fejlen; intet er skrevet",
                ));
            }
        }
        let mut joined = t.gitter(col);
        joined.laast.iter_mut().for_each(|l| *l = true);
        let same: Vec<(usize, usize)> =
            dimensioner[0].koder.iter().enumerate().map(|(a, r)| (row_of(&r.kode), kube.index(&[a, 0, 0]))).collect();
        let (mut g, map) = joined.med(&kube.gitter(), &same);
        diskretion::primaer(&mut g, n);
        diskretion::sekundaer(&mut g, n).map_err(|cells| {
            Failure::new(
                format!("HANDGK3 {col}: {} undertrykte celler kan genberegnes; intet er skrevet", cells.len()),
                "en fejl i den sekundære undertrykkelse: meld den med tabellen",
            )
        })?;
        for (i, c) in kube.celler.iter_mut().enumerate() {
            c.status = g.celler[map[i]].status;
        }
        kuber.insert(col.clone(), kube);
    }
    let all: Vec<Celle> = kuber.values().flat_map(|k| k.celler.iter().copied()).collect();
    let leaves: Vec<Celle> = kuber
        .values()
        .flat_map(|k| {
            let sizes = k.sizes();
            let mut out = Vec::new();
            for a in 1..sizes[0] {
                for s in 1..sizes[1] {
                    for g in 1..sizes[2] {
                        out.push(k.cell(&[a, s, g]));
                    }
                }
            }
            out
        })
        .collect();
    let opgoerelse = diskretion::opgoer(all.into_iter(), leaves.into_iter());
    Ok(KoenOgAlder { dimensioner, kuber, opgoerelse })
}
