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
