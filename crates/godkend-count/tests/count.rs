//! Counting edge cases, through the real ingest into a store and the polars aggregation.

use godkend_count::count;
use godkend_ingest::{CaseStore, IngestOptions, Noegle, ingest};
use godkend_model::Window;
use godkend_model::{Kvartal, Reference};
use std::path::Path;

const HEAD: &str = "kommunekode;sagsid;cpr;ydelse;maalgruppe;startdato;slutdato;slettet";

fn store_with(dir: &Path, deliveries: &[(&str, &[&str])]) -> CaseStore {
    let reference = Reference::embedded().unwrap();
    let key = Noegle::demo();
    let store = CaseStore::open_or_create(&dir.join("lager"), &key.aftryk()).unwrap();
    let mut files = Vec::new();
    for (name, rows) in deliveries {
        let path = dir.join(name);
        std::fs::write(&path, format!("{HEAD}\n{}\n", rows.join("\n"))).unwrap();
        files.push(path);
    }
    let s = ingest(&files, &store, &reference, &key, IngestOptions::default(), &|_| {}).unwrap();
    assert!(s.kvitteringer.iter().all(|k| k.afviste == 0), "{:#?}", s.kvitteringer);
    store
}

fn q(s: &str) -> Kvartal {
    s.parse().unwrap()
}

/// "modtagere/fte" per quarter of 2025 for one municipality and series.
fn series(store: &CaseStore, kommune: u16, serie: &str) -> String {
    let reference = Reference::embedded().unwrap();
    let window = Window { fra: q("2024K1"), til: q("2025K4") };
    let cases = store.live_cases(&store.kommuner().unwrap()).unwrap();
    let counts = count::count(cases, &reference, window).unwrap();
    q("2025K1")
        .through(q("2025K4"))
        .map(|k| {
            let t = counts.get(kommune, serie, k);
            format!("{}/{:.4}", t.modtagere, t.helaarsaekvivalenter)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn quarter_edges_open_ends_and_single_days() {
    let tmp = tempfile::tempdir().unwrap();
    let store = store_with(
        tmp.path(),
        &[(
            "101_2025-12.csv",
            &[
                "101;A;0101901235;1.1;6;2025-03-31;2025-04-01;", // last day of K1, first of K2
                "101;B;0101901237;1.3;6;2025-01-01;;",           // open
                "101;C;0101901239;1.4;6;2025-05-05;2025-05-05;", // one day
            ],
        )],
    );
    assert_eq!(series(&store, 101, "V-1.1"), format!("1/{:.4} 1/{:.4} 0/0.0000 0/0.0000", 1.0 / 90.0, 1.0 / 91.0));
    assert_eq!(series(&store, 101, "V-1.3"), "1/1.0000 1/1.0000 1/1.0000 1/1.0000");
    assert_eq!(series(&store, 101, "V-1.4"), format!("0/0.0000 1/{:.4} 0/0.0000 0/0.0000", 1.0 / 91.0));
}

#[test]
fn overlapping_and_adjacent_periods_of_one_citizen_count_once() {
    let tmp = tempfile::tempdir().unwrap();
    let store = store_with(
        tmp.path(),
        &[(
            "101_2025-12.csv",
            &[
                "101;O1;0101901235;1.12.0.2;6;2025-01-01;2025-02-28;",
                "101;O2;0101901235;1.12.0.2;6;2025-02-01;2025-03-31;", // overlaps O1
                "101;A1;0101901237;1.12.0.2;6;2025-04-01;2025-04-30;",
                "101;A2;0101901237;1.12.0.2;6;2025-05-01;2025-06-30;", // adjacent to A1
                "101;D1;0101901235;1.12.0.1;6;2025-01-01;2025-03-31;", // same citizen, other series
            ],
        )],
    );
    assert_eq!(series(&store, 101, "V-1.12.0.2"), "1/1.0000 1/1.0000 0/0.0000 0/0.0000");
    assert_eq!(series(&store, 101, "V-1.12.0.1"), "1/1.0000 0/0.0000 0/0.0000 0/0.0000");
}

#[test]
fn moved_deleted_and_two_municipalities() {
    let tmp = tempfile::tempdir().unwrap();
    let store = store_with(
        tmp.path(),
        &[
            ("101_2025-01.csv", &["101;M;0101901235;1.8.2;6;2025-01-10;;", "101;X;0101901237;1.8.2;6;2025-01-10;;"]),
            // The case moves to § 108 (same sagsid); X is deleted.
            ("101_2025-02.csv", &["101;M;0101901235;1.8.1;6;2025-01-10;;", "101;X;;;;;;1"]),
            // The same citizen also has a case in Frederiksberg.
            ("147_2025-01.csv", &["147;F;0101901235;1.8.1;6;2025-01-01;;"]),
        ],
    );
    assert_eq!(series(&store, 101, "V-1.8.2"), "0/0.0000 0/0.0000 0/0.0000 0/0.0000", "moved away, X deleted");
    let k1 = 81.0 / 90.0; // 10 January to 31 March
    assert_eq!(series(&store, 101, "V-1.8.1"), format!("1/{k1:.4} 1/1.0000 1/1.0000 1/1.0000"));
    assert_eq!(series(&store, 147, "V-1.8.1"), "1/1.0000 1/1.0000 1/1.0000 1/1.0000");
    let reference = Reference::embedded().unwrap();
    let cases = store.live_cases(&store.kommuner().unwrap()).unwrap();
    let counts = count::count(cases, &reference, Window { fra: q("2025K1"), til: q("2025K4") }).unwrap();
    assert_eq!(
        counts.national("V-1.8.1", q("2025K2")).modtagere,
        1,
        "one citizen nationally, though in two municipalities"
    );
}

#[test]
fn law_change_is_one_series() {
    let tmp = tempfile::tempdir().unwrap();
    let store = store_with(
        tmp.path(),
        &[(
            "101_2025-12.csv",
            &[
                "101;S;1505204321;SEL32;;2023-03-01;;",            // old legal basis, still open
                "101;B;1505204323;BL82-1;;2025-04-01;;",           // new decision under Barnets Lov
                "101;H;1505204325;BL82-3;;2025-01-01;2025-12-31;", // hjemmetræning, not dagtilbud
            ],
        )],
    );
    assert_eq!(series(&store, 101, "B-dagtilbud"), "1/1.0000 2/2.0000 2/2.0000 2/2.0000");
    assert_eq!(series(&store, 101, "B-hjemmetraening"), "1/1.0000 1/1.0000 1/1.0000 1/1.0000");
}

#[test]
fn two_periods_with_a_gap_inside_one_quarter_count_once_there() {
    let tmp = tempfile::tempdir().unwrap();
    let store = store_with(
        tmp.path(),
        &[
            (
                "101_2025-12.csv",
                &[
                    "101;G2;0101901235;1.1;6;2025-05-20;2025-11-30;", // delivered before G1: order must not matter
                    "101;G1;0101901235;1.1;6;2025-01-01;2025-05-10;", // 9 days' gap, both in 2025K2
                ],
            ),
            // The same citizen in Frederiksberg over the gap: one citizen nationally, days added.
            ("147_2025-12.csv", &["147;F;0101901235;1.1;6;2025-05-01;2025-08-31;"]),
        ],
    );
    let k2 = (40.0 + 42.0) / 91.0; // 1 April – 10 May, 20 May – 30 June
    assert_eq!(series(&store, 101, "V-1.1"), format!("1/1.0000 1/{k2:.4} 1/1.0000 1/{:.4}", 61.0 / 92.0));
    let reference = Reference::embedded().unwrap();
    let cases = store.live_cases(&store.kommuner().unwrap()).unwrap();
    let counts = count::count(cases, &reference, Window { fra: q("2025K1"), til: q("2025K4") }).unwrap();
    let national: Vec<(u32, String)> = ["2025K1", "2025K2", "2025K3", "2025K4"]
        .iter()
        .map(|k| counts.national("V-1.1", q(k)))
        .map(|t| (t.modtagere, format!("{:.4}", t.helaarsaekvivalenter)))
        .collect();
    let k2_national = (40.0 + 42.0 + 61.0) / 91.0; // plus Frederiksberg's 1 May – 30 June
    let k3_national = (92.0 + 62.0) / 92.0;
    assert_eq!(
        national,
        [
            (1, "1.0000".to_string()),
            (1, format!("{k2_national:.4}")),
            (1, format!("{k3_national:.4}")),
            (1, format!("{:.4}", 61.0 / 92.0))
        ]
    );
}

/// A report with kept counts takes the start dates kept beside them and reads no case: its municipality's
/// case file made unreadable after the first run does not stop the count (before, it read them again).
#[test]
fn kept_counts_bring_their_start_dates() {
    let tmp = tempfile::tempdir().unwrap();
    let store = store_with(
        tmp.path(),
        &[
            ("101_2025-03.csv", &["101;A;0101801234;1.1;5;2025-02-10;;", "101;B;0202801234;1.1;5;2025-02-10;;"]),
            ("147_2025-03.csv", &["147;C;0303801234;1.1;5;2025-01-05;;"]),
        ],
    );
    let reference = Reference::embedded().unwrap();
    let window = Window { fra: q("2024K1"), til: q("2025K4") };
    let kept = tmp.path().join("kept");
    let first = godkend_count::count_store(&store, &reference, window, Some(&kept), None).unwrap();
    for file in store.case_files(101) {
        std::fs::write(&file, b"not Parquet").unwrap();
    }
    let only = std::collections::BTreeSet::from([101]);
    let again = godkend_count::count_store(&store, &reference, window, Some(&kept), Some(&only)).unwrap();
    let starts_101: Vec<_> = first.starts.iter().filter(|((k, _), _)| *k == 101).collect();
    assert_eq!(again.starts.iter().collect::<Vec<_>>(), starts_101);
    assert_eq!(starts_101.len(), 1, "{:?}", first.starts);
    assert_eq!(again.starts[&(101, q("2025K1"))].paa_datoen, 2);
    assert_eq!(again.counts.get(101, "V-1.1", q("2025K1")).modtagere, 2);
}
