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
    let now = CaseStore::open(&store).unwrap().case_files(101)[0].clone();
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
    let other = Noegle::new(b"Qw8eR2tY6uI0oP4aS9dF3gH7jK1lZ5xC").unwrap();
    let err = CaseStore::open_or_create(&store, &other.aftryk()).unwrap_err().to_string();
    assert!(err.contains("en anden pseudonymnøgle"), "{err}");
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

fn month(dir: &Path, name: &str, rows: &[String]) -> PathBuf {
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    write(dir, name, &rows)
}

fn case_row(i: usize, end: &str, deleted: bool) -> String {
    // Born 1950–1957 on day 1–28 of January, serial 1001: a distinct valid CPR for each i < 224.
    let (d, y) = (1 + i % 28, 50 + i / 28);
    format!("101;K{i};{d:02}01{y:02}1001;1.1;6;2024-01-{d:02};{end};{}", if deleted { "1" } else { "" })
}

#[test]
fn small_re_deliveries_become_delta_files_and_read_as_the_merged_state() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let base = month(d, "101_2024-01.csv", &(0..200).map(|i| case_row(i, "", false)).collect::<Vec<_>>());
    let mut later = vec![
        // K1 ends, K2 is deleted, K200 is new.
        month(
            d,
            "101_2024-02.csv",
            &[case_row(1, "2024-02-10", false), case_row(2, "", true), case_row(200, "", false)],
        ),
        // A re-delivery of February moves K1's end date again.
        month(d, "101_2024-02_2.csv", &[case_row(1, "2024-02-12", false)]),
        // An older version arriving later: January's re-delivery must not undo February.
        month(d, "101_2024-01_2.csv", &[case_row(1, "2024-01-20", false), case_row(3, "2024-01-25", false)]),
    ];
    // Further months, one changed case each, to pass the limit on delta files: one ingest compacts.
    for k in 0..godkend_store::MAX_TILLAEG - 1 {
        let (y, m) = (2024 + (2 + k) / 12, (2 + k) % 12 + 1);
        later.push(month(d, &format!("101_{y}-{m:02}.csv"), &[case_row(10 + k, "2024-06-30", false)]));
    }
    // After the compaction: an older version of K1 again, now against a base that holds a newer one.
    later.push(month(d, "101_2024-01_3.csv", &[case_row(1, "2024-01-15", false)]));

    let all_at_once = d.join("samlet");
    run(&all_at_once, &[&[base.clone()][..], &later].concat());
    let one_by_one = d.join("enkeltvis");
    run(&one_by_one, std::slice::from_ref(&base));
    let mut files_seen = Vec::new();
    for f in &later {
        run(&one_by_one, std::slice::from_ref(f));
        let s = CaseStore::open(&one_by_one).unwrap();
        files_seen.push(s.case_files(101).len());
        // After every ingest the merged state equals the one a single ingest of the same files gives.
        let expected = {
            let upto = d.join(format!("til-{}", files_seen.len()));
            let n = files_seen.len();
            run(&upto, &[&[base.clone()][..], &later[..n]].concat());
            upto
        };
        assert_eq!(cases(&one_by_one, 101), cases(&expected, 101), "after {}", f.display());
        let live = |p: &Path| CaseStore::open(p).unwrap().live_cases(&[101]).unwrap();
        assert!(live(&one_by_one).equals_missing(&live(&expected)), "live cases after {}", f.display());
    }
    // Each small ingest added a delta file, until the limit: then base and deltas were merged.
    let mut expected_files: Vec<usize> = (2..=godkend_store::MAX_TILLAEG + 1).collect();
    expected_files.extend([1, 2, 3]);
    assert_eq!(files_seen, expected_files);
    let got = cases(&one_by_one, 101);
    assert_eq!(got, cases(&all_at_once, 101));
    assert_eq!(got["K1"], "1.1 2024-01-02..2024-02-12", "the newest version wins, not the last to arrive");
    assert_eq!(got["K2"], " 1970-01-01.. slettet");
    assert_eq!(got["K3"], "1.1 2024-01-04..2024-01-25");
    assert!(got.contains_key("K200") && got.len() == 201);
    // Superseded files are gone: the case folder holds exactly the files the manifest names.
    let s = CaseStore::open(&one_by_one).unwrap();
    let mut named: Vec<PathBuf> = s.case_files(101);
    named.sort();
    drop(s);
    let mut on_disk: Vec<PathBuf> =
        std::fs::read_dir(one_by_one.join("sager")).unwrap().map(|e| e.unwrap().path()).collect();
    on_disk.sort();
    assert_eq!(on_disk, named);
}

#[test]
fn a_format_2_store_is_read_and_upgraded_and_an_unknown_format_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let files = deliveries(tmp.path());
    let store = tmp.path().join("lager");
    run(&store, &files[..1]);
    let manifest = store.join("godkend-store.json");
    // A store written before delta files and checksums existed: format 2, no `tillaeg`, no checksums.
    let mut old: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    assert_eq!(old["format"], 4);
    old["format"] = 2.into();
    for field in ["tjeksum", "kontrol", "ersattet"] {
        old.as_object_mut().unwrap().remove(field);
    }
    std::fs::write(&manifest, serde_json::to_string_pretty(&old).unwrap()).unwrap();
    assert_eq!(cases(&store, 101).len(), 3);
    run(&store, &files[1..]);
    assert_eq!(cases(&store, 101)["A"], "1.1 2024-01-05..2024-02-21");
    let upgraded: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    assert_eq!(upgraded["format"], 4);
    assert!(upgraded["tjeksum"].is_string() && upgraded["kontrol"].as_object().unwrap().len() == 2, "{upgraded}");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, text.replace("\"format\": 4", "\"format\": 5")).unwrap();
    let err = CaseStore::open(&store).unwrap_err().to_string();
    assert!(err.contains("lagerformat 5") && err.contains("format 2 til 4"), "{err}");
}

/// `read_cases_since` gives exactly the current cases `Sag::since` keeps: from one base file (the rows
/// chosen before they become cases) and from a base with a delta file, where a re-delivery ends a case the
/// base still has open. At the day: an end on it is kept, the day before is not; a delivery for its month
/// is kept, one for the month before is not.
#[test]
fn the_cases_since_a_day_are_the_current_ones_that_can_matter_from_it() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("lager");
    let ends = ["2022-12-30", "2022-12-31", "2023-01-01", "2023-01-02", ""];
    let rows: Vec<String> =
        (0..40).map(|i| format!("101;S{i:02};0101901235;1.1;6;2022-01-{:02};{};", 1 + i % 28, ends[i % 5])).collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    run(&store, &[write(tmp.path(), "101_2022-06.csv", &rows)]);

    let day = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
    let since = |from: &str| -> (Vec<String>, Vec<String>) {
        let s = CaseStore::open(&store).unwrap();
        let chosen: Vec<String> = s.read_cases_since(101, day(from)).unwrap().into_iter().map(|c| c.sagsid).collect();
        let all = s.read_cases(101).unwrap();
        (chosen, all.into_iter().filter(|c| c.since(day(from))).map(|c| c.sagsid).collect())
    };
    let (chosen, by_definition) = since("2023-01-01");
    assert_eq!(chosen, by_definition);
    assert_eq!(chosen.len(), 24, "ends on 2023-01-01, 2023-01-02 and open: {chosen:?}");
    assert!(chosen.contains(&"S02".to_string()) && !chosen.contains(&"S01".to_string()), "{chosen:?}");

    // January 2023: S00 sent again as it was, S04 (open in the base) ended in November.
    run(
        &store,
        &[write(
            tmp.path(),
            "101_2023-01.csv",
            &["101;S00;0101901235;1.1;6;2022-01-01;2022-12-30;", "101;S04;0101901235;1.1;6;2022-01-05;2022-11-30;"],
        )],
    );
    assert_eq!(CaseStore::open(&store).unwrap().case_files(101).len(), 2, "a base and a delta file");
    let (chosen, by_definition) = since("2023-01-01");
    assert_eq!(chosen, by_definition);
    assert!(chosen.contains(&"S00".to_string()) && chosen.contains(&"S04".to_string()), "delivered in January");
    let (chosen, by_definition) = since("2023-02-01");
    assert_eq!(chosen, by_definition);
    assert!(!chosen.contains(&"S04".to_string()), "ended in November by the delta: {chosen:?}");
    assert_eq!(chosen.len(), 7, "the open ones, S04 no longer: {chosen:?}");
}
