//! Comparing an ingest's receipts with a demo run's ground truth, delivery by delivery.

use crate::Sandhed;
use std::collections::BTreeMap;
use std::path::Path;

/// Every difference between what `sandhed` expects and the receipts (JSON) in `receipts`;
/// empty when they agree exactly.
pub fn check_receipts(sandhed: &Sandhed, receipts: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for want in &sandhed.leveringer {
        let path = receipts.join(format!("{}.json", want.fil));
        let got: serde_json::Value = match std::fs::read_to_string(&path).map(|t| serde_json::from_str(&t)) {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => {
                problems.push(format!("{}: not a receipt: {e}", path.display()));
                continue;
            }
            Err(e) => {
                problems.push(format!("{}: missing receipt: {e}", path.display()));
                continue;
            }
        };
        let num = |k: &str| got[k].as_u64().unwrap_or(u64::MAX) as usize;
        let mut diff = |what: &str, want: String, got: String| {
            if want != got {
                problems.push(format!("{}: {what}: expected {want}, receipt says {got}", want_fil(&path)));
            }
        };
        diff("status", want.status.clone(), got["status"].as_str().unwrap_or("?").to_string());
        diff("raekker", want.raekker.to_string(), num("raekker").to_string());
        diff("accepterede", want.accepterede.to_string(), num("accepterede").to_string());
        diff("afviste", want.afviste.to_string(), num("afviste").to_string());
        diff("slettede", want.slettede.to_string(), num("slettede").to_string());
        let got_fund: BTreeMap<String, usize> = got["fund"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|f| f["alvor"] != "info")
                    .map(|f| (f["kode"].as_str().unwrap_or("?").to_string(), f["antal"].as_u64().unwrap_or(0) as usize))
                    .collect()
            })
            .unwrap_or_default();
        diff("fund", format!("{:?}", want.fund), format!("{got_fund:?}"));
    }
    problems
}

fn want_fil(path: &Path) -> String {
    path.file_name().map_or_else(String::new, |n| n.to_string_lossy().trim_end_matches(".json").to_string())
}

/// What the flag check found: problems (an anomaly without its flag) and the false-alarm figures.
#[derive(Debug, Default)]
pub struct FlagCheck {
    pub problems: Vec<String>,
    pub anomalies_checked: usize,
    /// Series × quarters of the report years with nothing injected, and how many carry a red series flag.
    pub clean_cells: usize,
    pub clean_cells_red: usize,
}

/// Does every injected anomaly get the flag it should? Reads `<kode>-<år>.json` for each year an
/// anomaly points at (run `godkend run` for those years into `rapporter`).
pub fn check_flags(sandhed: &Sandhed, rapporter: &Path) -> FlagCheck {
    use crate::AnomaliType as A;
    let mut out = FlagCheck::default();
    let mut cache: BTreeMap<(u16, String), Option<serde_json::Value>> = BTreeMap::new();
    let mut load = |k: u16, year: &str| -> Option<serde_json::Value> {
        cache
            .entry((k, year.to_string()))
            .or_insert_with(|| {
                let path = rapporter.join(format!("{k:03}-{year}.json"));
                std::fs::read_to_string(path).ok().and_then(|t| serde_json::from_str(&t).ok())
            })
            .clone()
    };
    for a in &sandhed.anomalier {
        let year = &a.kvartal[..4];
        let Some(report) = load(a.kommunekode, year) else {
            out.problems.push(format!(
                "{:03}-{year}.json is missing (needed for {:?} in {})",
                a.kommunekode, a.kind, a.kvartal
            ));
            continue;
        };
        out.anomalies_checked += 1;
        let rules: &[&str] = match a.kind {
            A::ManglendeLevering => &["manglende_levering"],
            A::Systemskifte => &["systemskifte"],
            A::FaldTilNul => &["fald_til_nul"],
            A::Stigning => &["kvartal_til_kvartal", "hidiroglou_berthelot"],
            A::ManglendeMaalgruppe => &["manglende_maalgruppe"],
            A::AfvistePoster => &["afviste_poster"],
        };
        let hit = report["markeringer"].as_array().into_iter().flatten().any(|m| {
            rules.contains(&m["regel"].as_str().unwrap_or(""))
                && m["kvartal"] == a.kvartal.as_str()
                && a.serie.as_deref().is_none_or(|s| m["serie"] == s)
        });
        if !hit {
            out.problems.push(format!(
                "{:03} {:?} {} {}: no {} flag",
                a.kommunekode,
                a.kind,
                a.kvartal,
                a.serie.as_deref().unwrap_or(""),
                rules.join("/")
            ));
        }
    }
    // False alarms: red series flags on series nobody touched, in every report of the run.
    let (first, last) = (sandhed.fra[..4].to_string(), sandhed.til[..4].to_string());
    for k in &sandhed.kommuner {
        for year in first.parse::<i32>().unwrap_or(0)..=last.parse::<i32>().unwrap_or(-1) {
            load(*k, &year.to_string());
        }
    }
    let touched = |k: u16, serie: &str| {
        sandhed.anomalier.iter().any(|a| {
            a.kommunekode == k
                && match a.kind {
                    A::FaldTilNul | A::Stigning => a.serie.as_deref() == Some(serie),
                    A::Systemskifte => serie.starts_with("V-"),
                    _ => false,
                }
        })
    };
    for ((k, _), report) in cache.iter().filter_map(|(key, v)| v.as_ref().map(|v| (key, v))) {
        for s in report["serier"].as_array().into_iter().flatten() {
            let serie = s["serie"].as_str().unwrap_or("");
            if touched(*k, serie) {
                continue;
            }
            let year = report["aar"].to_string();
            for q in s["kvartaler"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|q| q["kvartal"].as_str().is_some_and(|x| x.starts_with(&year)))
            {
                out.clean_cells += 1;
                let red = report["markeringer"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|m| m["serie"] == serie && m["kvartal"] == q["kvartal"] && m["alvor"] == "rød");
                out.clean_cells_red += usize::from(red);
            }
        }
    }
    out
}
