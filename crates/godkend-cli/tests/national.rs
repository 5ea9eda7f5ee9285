//! The annual run over the whole nation's demo (98 municipalities, 2022–2025), in the profile the tests
//! are built in: as a statistician runs it, and as issue 20's figures were measured.

#[allow(dead_code, reason = "each test file uses part of the shared helpers")]
mod common;

use common::{godkend, p};

/// Before, the dev build aborted with "stack overflow" here, every time: the run's worker threads had
/// std's 2 MB, and typst's layout of the larger reports, unoptimised, needs more. Every mark a report
/// asks to have answered, and every mark answered under another, points at a mark of the same report.
#[test]
fn the_national_demo_runs_and_every_mark_is_answered_in_its_own_report() {
    let dir = tempfile::tempdir().unwrap();
    let (lev, store, out) = (dir.path().join("lev"), dir.path().join("lager"), dir.path().join("ud"));
    let args = ["demo-data", "--out", p(&lev), "--kommuner", "alle", "--fra", "2022-01", "--til", "2025-12"];
    let (_, err, code) = godkend(&args);
    assert_eq!(code, 0, "{err}");
    let (_, err, code) = godkend(&["ingest", p(&lev), "--store", p(&store), "--demo-noegle"]);
    assert_eq!(code, 2, "the demo has rejected deliveries: {err}");
    let (_, err, code) = godkend(&["run", "--store", p(&store), "--year", "2025", "--out", p(&out)]);
    assert_eq!(code, 0, "{err}");

    let mut reports = 0;
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if !(name.len() == 13 && name.ends_with("-2025.json")) {
            continue;
        }
        reports += 1;
        let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let marks = json["markeringer"].as_array().unwrap();
        let ids: std::collections::BTreeSet<&str> = marks.iter().map(|m| m["id"].as_str().unwrap()).collect();
        for m in marks {
            if let Some(main) = m.get("hoerer_til").and_then(|h| h.as_str()) {
                assert!(ids.contains(main), "{name}: {} is answered under {main}, which the report lacks", m["id"]);
                let main = marks.iter().find(|x| x["id"] == main).unwrap();
                assert!(main.get("hoerer_til").is_none_or(|h| h.is_null()), "{name}: {main} is itself under another");
            }
        }
    }
    assert_eq!(reports, 98);
}
