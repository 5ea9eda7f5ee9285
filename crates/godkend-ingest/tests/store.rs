//! The case store through `ingest`: upserts and deletions by (kommune, sagsid), order
//! independence, idempotence, and that a rejected delivery leaves the store as it was.

use godkend_ingest::{CaseStore, IngestOptions, Noegle, Sag, ingest};
use godkend_model::Reference;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const HEAD: &str = "kommunekode;sagsid;cpr;ydelse;maalgruppe;startdato;slutdato;slettet";

fn write(dir: &Path, name: &str, rows: &[&str]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("{HEAD}\n{}\n", rows.join("\n"))).unwrap();
    path
}

fn run(store: &Path, files: &[PathBuf]) -> godkend_ingest::IngestSummary {
    let reference = Reference::embedded().unwrap();
    let key = Noegle::demo();
    let s = CaseStore::open_or_create(store, &key.aftryk()).unwrap();
    ingest(files, &s, &reference, &key, IngestOptions::default(), &|_| {}).unwrap()
}

/// sagsid → (ydelse, start, end, deleted) of the cases a store holds for one municipality.
fn cases(store: &Path, kommune: u16) -> BTreeMap<String, String> {
    let s = CaseStore::open(store).unwrap();
    s.read_cases(kommune)
        .unwrap()
        .into_iter()
        .map(|c: Sag| {
            let end = c.slutdato.map(|d| d.to_string()).unwrap_or_default();
            (c.sagsid, format!("{} {}..{end}{}", c.ydelse, c.startdato, if c.slettet { " slettet" } else { "" }))
        })
        .collect()
}

fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p)
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn deliveries(dir: &Path) -> Vec<PathBuf> {
    vec![
        write(
            dir,
            "101_2024-01.csv",
            &[
                "101;A;0101901235;1.1;6;2024-01-05;;",
                "101;B;0101901237;1.8.2;2;2023-06-01;;",
                "101;C;0202801234;1.4;1;2024-01-10;;",
            ],
        ),
        // February: A ends, B moves service (same sagsid), C is deleted.
        write(
            dir,
            "101_2024-02.csv",
            &[
                "101;A;0101901235;1.1;6;2024-01-05;2024-02-20;",
                "101;B;0101901237;1.8.1;2;2023-06-01;;",
                "101;C;0202801234;1.4;1;2024-01-10;;1",
            ],
        ),
        // A re-delivery of February corrects A's end date.
        write(dir, "101_2024-02_2.csv", &["101;A;0101901235;1.1;6;2024-01-05;2024-02-21;"]),
    ]
}

#[test]
fn upserts_deletions_and_moves() {
    let tmp = tempfile::tempdir().unwrap();
    let files = deliveries(tmp.path());
    let store = tmp.path().join("lager");
    let summary = run(&store, &files);
    assert_eq!(summary.exit_code(), 0);
    let got = cases(&store, 101);
    assert_eq!(got["A"], "1.1 2024-01-05..2024-02-21");
    assert_eq!(got["B"], "1.8.1 2023-06-01..");
    assert_eq!(got["C"], " 1970-01-01.. slettet", "a deletion leaves a bare tombstone");
}

#[test]
fn order_of_arrival_does_not_matter_and_twice_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let files = deliveries(tmp.path());
    let forward = tmp.path().join("frem");
    for f in &files {
        run(&forward, std::slice::from_ref(f));
    }
    let backward = tmp.path().join("baglaens");
    for f in files.iter().rev() {
        run(&backward, std::slice::from_ref(f));
    }
    assert_eq!(cases(&forward, 101), cases(&backward, 101));

    let before = snapshot(&forward);
    let again = run(&forward, &files);
    assert_eq!(again.kvitteringer.len(), 0);
    assert_eq!(again.allerede_indlaest.len(), 3);
    assert_eq!(snapshot(&forward), before, "ingesting the same files again changes nothing");
}

#[test]
fn rejected_delivery_leaves_cases_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let files = deliveries(tmp.path());
    let store = tmp.path().join("lager");
    run(&store, &files);
    let cases_before = std::fs::read(store.join("sager/101-g1.parquet")).unwrap();
    let bad = write(
        tmp.path(),
        "101_2024-03.csv",
        &["101;A;0101901235;1.1;6;2024-03-01;;", "147;Z;0101901235;1.1;6;2024-03-01;;"],
    );
    let summary = run(&store, &[bad]);
    assert_eq!(summary.exit_code(), 2);
    let now = CaseStore::open(&store).unwrap().cases_path(101).unwrap();
    assert_eq!(now, store.join("sager/101-g1.parquet"), "a rejected delivery writes no case file");
    assert_eq!(std::fs::read(now).unwrap(), cases_before);
    assert!(store.join("kvitteringer/101_2024-03.csv.json").exists(), "a rejected delivery still gets a receipt");
    let leftovers: Vec<_> =
        snapshot(&store).into_keys().filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(".tmp")).collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn store_holds_no_cpr_and_refuses_another_key() {
    let tmp = tempfile::tempdir().unwrap();
    let files = deliveries(tmp.path());
    let store = tmp.path().join("lager");
    run(&store, &files);
    for (path, bytes) in snapshot(&store) {
        let text = String::from_utf8_lossy(&bytes);
        for cpr in ["0101901235", "0101901237", "0202801234"] {
            assert!(!text.contains(cpr), "{cpr} in {}", path.display());
        }
    }
    let other = Noegle::new(&[42u8; 32]).unwrap();
    let err = CaseStore::open_or_create(&store, &other.aftryk()).unwrap_err().to_string();
    assert!(err.contains("another pseudonym key"), "{err}");
}

#[test]
fn each_municipality_has_its_own_file_and_behalf_rows_land_in_their_own() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write(
        tmp.path(),
        "183_2024-01.csv",
        &["183;I;0101901235;1.1;6;2024-01-05;;", "187;V;0101901237;1.1;6;2024-01-05;;"],
    );
    let store = tmp.path().join("lager");
    run(&store, &[f]);
    assert_eq!(CaseStore::open(&store).unwrap().kommuner().unwrap(), vec![183, 187]);
    assert_eq!(cases(&store, 187).keys().collect::<Vec<_>>(), ["V"]);
}
