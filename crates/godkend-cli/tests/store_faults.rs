//! The case store's promises (docs/lager.md) under faults, with the real binary on real files: two
//! municipalities writing the same case file in one ingest, two ingests at once, a kill at every
//! step of an ingest and at random moments, and a delivery whose receipt cannot be written. Each
//! test kills only the processes it started, by their pid.

use godkend_ingest::CaseStore;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

const HEAD: &str = "kommunekode;sagsid;cpr;ydelse;maalgruppe;startdato;slutdato;slettet";
/// The ingest date the tests pass, so no clock decides what is accepted.
const DATO: &str = "2026-01-15";

fn godkend() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_godkend"));
    c.env_remove("GODKEND_NOEGLE").env_remove("GODKEND_AFBRYD");
    c
}

fn ingest_cmd(files: &[&Path], store: &Path) -> Command {
    let mut c = godkend();
    c.arg("ingest").args(files).arg("--store").arg(store).args(["--demo-noegle", "--dato", DATO]);
    c
}

fn output(mut c: Command) -> (String, String, i32) {
    let out: Output = c.output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

/// A CSV delivery of `n` one-person cases of `kommune`, sagsid `<prefix>-<i>`, CPRs made from `i`.
fn delivery(dir: &Path, name: &str, kommune: u16, prefix: &str, n: usize, month: u32) -> PathBuf {
    let mut s = format!("{HEAD}\n");
    for i in 0..n {
        // Born 1950–1989 (day 01–28, month 01–12), serial 1000–3999 (a 1900s century digit).
        let (d, m, y, serial) = (1 + i % 28, 1 + (i / 28) % 12, 50 + (i / 336) % 40, 1000 + i % 3000);
        writeln!(s, "{kommune};{prefix}-{i};{d:02}{m:02}{y:02}{serial:04};1.1;6;2024-{month:02}-01;;").unwrap();
    }
    let path = dir.join(name);
    std::fs::write(&path, s).unwrap();
    path
}

/// What the store holds, as a reader sees it: every case of every municipality, the delivery
/// log, and the receipts (file name → bytes).
fn content(store: &Path) -> String {
    let s = CaseStore::open(store).unwrap();
    let mut out = String::new();
    for k in s.kommuner().unwrap() {
        for c in s.read_cases(k).unwrap() {
            writeln!(out, "{k} {} {} {} {:?} {} {}", c.sagsid, c.person, c.ydelse, c.slutdato, c.slettet, c.version)
                .unwrap();
        }
    }
    for e in s.read_log().unwrap() {
        writeln!(out, "log {} {} {} {}", e.fil, e.status, e.accepterede, e.afviste).unwrap();
    }
    let mut receipts: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for e in std::fs::read_dir(store.join("kvitteringer")).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            receipts.insert(p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap());
        }
    }
    for (name, bytes) in receipts {
        writeln!(out, "receipt {name} {}", bytes.len()).unwrap();
    }
    out
}

/// Files that no committed state names and that should not outlive an ingest.
fn leftovers(store: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![store.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with(".tmp") || name.starts_with(".g") {
                out.push(name.clone());
            }
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    out
}

#[test]
fn one_ingest_of_two_files_for_one_municipality_keeps_every_case() {
    // Ishøj (183) reports for Vallensbæk (187): Ishøj's file carries Vallensbæk's rows, and
    // Vallensbæk sends a file of its own. Before the fix the two reporter groups ran in parallel
    // and both rewrote sager/187.parquet: half the cases were lost, or the file was torn.
    let tmp = tempfile::tempdir().unwrap();
    let n = 30_000;
    let a = delivery(tmp.path(), "183_2024-01.csv", 187, "I", n, 1);
    let b = delivery(tmp.path(), "187_2024-01.csv", 187, "V", n, 1);
    for round in 0..3 {
        let store = tmp.path().join(format!("lager{round}"));
        let (out, err, code) = output(ingest_cmd(&[&a, &b], &store));
        assert_eq!(code, 0, "{out}\n{err}");
        let s = CaseStore::open(&store).unwrap();
        assert_eq!(s.read_cases(187).unwrap().len(), 2 * n, "round {round}: every case kept");
        assert!(s.read_cases(183).unwrap().is_empty());
    }
}

#[test]
fn a_second_ingest_is_refused_while_one_is_writing() {
    let tmp = tempfile::tempdir().unwrap();
    let big: Vec<PathBuf> = (1..=12)
        .map(|m| delivery(tmp.path(), &format!("101_2024-{m:02}.csv"), 101, &format!("K{m}"), 25_000, m))
        .collect();
    let small = delivery(tmp.path(), "147_2024-01.csv", 147, "F", 10, 1);
    let store = tmp.path().join("lager");
    let refs: Vec<&Path> = big.iter().map(PathBuf::as_path).collect();
    let mut first: Child = ingest_cmd(&refs, &store).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();

    // Wait until the first ingest holds the writer lock (it writes its pid there once it has it).
    let lock = store.join("skriver.lock");
    let pid = first.id().to_string();
    let t0 = std::time::Instant::now();
    while std::fs::read_to_string(&lock).unwrap_or_default() != pid {
        assert!(t0.elapsed().as_secs() < 60, "the first ingest never took the lock");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let (out, err, code) = output(ingest_cmd(&[&small], &store));
    let first_still_running = first.try_wait().unwrap().is_none();
    assert!(first_still_running, "the first ingest ended too soon for this test to mean anything");
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("error: ") && err.contains("en anden proces skriver") && err.contains(&pid), "{err}");
    assert!(err.contains("hint: kun én indlæsning"), "{err}");

    assert!(first.wait().unwrap().success());
    let s = CaseStore::open(&store).unwrap();
    assert_eq!(s.kommuner().unwrap(), [101], "the refused ingest wrote nothing");
    assert_eq!(s.read_cases(101).unwrap().len(), 12 * 25_000);
    assert_eq!(s.read_log().unwrap().len(), 12);
    drop(s);
    // Run again once the first has finished, it goes through.
    let (_, err, code) = output(ingest_cmd(&[&small], &store));
    assert_eq!(code, 0, "{err}");
    assert_eq!(CaseStore::open(&store).unwrap().kommuner().unwrap(), [101, 147]);
}

/// Two ingests: a first one, then a second that changes cases (new ones, an end date, a deletion),
/// re-delivers a month, adds a few cases to a municipality (a delta file) and brings a rejected
/// delivery.
struct Scenario {
    _tmp: tempfile::TempDir,
    first: Vec<PathBuf>,
    second: Vec<PathBuf>,
}

fn scenario() -> Scenario {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let first = vec![
        delivery(d, "101_2024-01.csv", 101, "A", 2000, 1),
        delivery(d, "147_2024-01.csv", 147, "B", 500, 1),
        delivery(d, "183_2024-01.csv", 187, "C", 300, 1),
        delivery(d, "151_2024-01.csv", 151, "E0", 1000, 1),
    ];
    let mut second = vec![
        delivery(d, "101_2024-02.csv", 101, "A", 2500, 1),
        delivery(d, "147_2024-01_2.csv", 147, "B", 400, 1),
        delivery(d, "187_2024-02.csv", 187, "D", 200, 2),
        delivery(d, "151_2024-02.csv", 151, "E", 100, 2),
    ];
    let bad = d.join("157_2024-02.csv");
    std::fs::write(&bad, format!("{HEAD}\n101;X;0101901235;1.1;6;2024-02-01;;\n")).unwrap();
    second.push(bad);
    Scenario { _tmp: tmp, first, second }
}

fn ingest_ok(files: &[PathBuf], store: &Path) {
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let (out, err, code) = output(ingest_cmd(&refs, store));
    assert!(code == 0 || code == 2, "{code}\n{out}\n{err}");
}

/// The reference: the store's content after the first ingest and after both, never interrupted.
fn clean_states(sc: &Scenario) -> (String, String) {
    let clean = sc._tmp.path().join("ren");
    ingest_ok(&sc.first, &clean);
    let before = content(&clean);
    ingest_ok(&sc.second, &clean);
    let after = content(&clean);
    assert_ne!(before, after);
    // The second ingest rewrites 101's base file and adds a delta file to 151's: both kinds of
    // case file are written when the kills below strike.
    let s = CaseStore::open(&clean).unwrap();
    assert_eq!((s.case_files(101).len(), s.case_files(151).len()), (1, 2));
    (before, after)
}

/// A store's cases and log without its receipts (which an interrupted commit may not have moved yet).
fn cases_and_log(content: &str) -> String {
    content.lines().filter(|l| !l.starts_with("receipt")).collect::<Vec<_>>().join("\n")
}

#[test]
fn a_kill_at_any_step_leaves_the_store_before_or_after_and_a_rerun_completes_it() {
    let sc = scenario();
    let root = sc._tmp.path();
    let (before, after) = clean_states(&sc);

    // Abort right after each step of the second ingest (GODKEND_AFBRYD, a test hook that calls
    // abort(): no destructor runs, as with kill -9).
    for (step, committed) in [
        ("kvittering", false),
        ("sager", false),
        ("log", false),
        ("manifest", true),
        ("en-kvittering", true),
        ("kvitteringer", true),
    ] {
        let store = root.join(format!("afbrudt-{step}"));
        ingest_ok(&sc.first, &store);
        let refs: Vec<&Path> = sc.second.iter().map(PathBuf::as_path).collect();
        let mut cmd = ingest_cmd(&refs, &store);
        cmd.env("GODKEND_AFBRYD", step);
        let (_, err, code) = output(cmd);
        assert_eq!(code, -1, "{step}: the process should have been aborted\n{err}");

        let seen = content(&store);
        let expected = if committed { &after } else { &before };
        assert_eq!(cases_and_log(&seen), cases_and_log(expected), "{step}: a reader sees one whole state");

        // Running the same ingest again completes it: the store equals the clean one, and nothing
        // of the interrupted run is left.
        ingest_ok(&sc.second, &store);
        assert_eq!(content(&store), after, "{step}: resumed store differs from a clean ingest");
        assert_eq!(leftovers(&store), Vec::<String>::new(), "{step}");
    }
}

#[test]
fn a_real_kill_at_random_moments_never_leaves_a_mixed_store() {
    let sc = scenario();
    let root = sc._tmp.path();
    let (before, after) = clean_states(&sc);

    for (i, delay_ms) in [5u64, 20, 40, 80, 120, 200, 400].into_iter().enumerate() {
        let store = root.join(format!("dræbt-{i}"));
        ingest_ok(&sc.first, &store);
        let refs: Vec<&Path> = sc.second.iter().map(PathBuf::as_path).collect();
        let mut child = ingest_cmd(&refs, &store).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL to this child only (by its pid)
        let _ = child.wait();
        let seen = cases_and_log(&content(&store));
        assert!(seen == cases_and_log(&before) || seen == cases_and_log(&after), "kill after {delay_ms} ms: mixed");
        ingest_ok(&sc.second, &store);
        assert_eq!(content(&store), after, "kill after {delay_ms} ms: resume");
        assert_eq!(leftovers(&store), Vec::<String>::new());
    }
}

#[test]
fn a_delivery_whose_receipt_cannot_be_written_is_rejected_and_the_rest_commits() {
    let tmp = tempfile::tempdir().unwrap();
    let good = delivery(tmp.path(), "101_2024-01.csv", 101, "A", 50, 1);
    // 252 characters: its receipt name (`….csv.json`) is longer than a file name may be (255).
    let long_name = format!("{}.csv", "x".repeat(248));
    let long = delivery(tmp.path(), &long_name, 101, "L", 5, 1);
    let store = tmp.path().join("lager");
    let (out, err, code) = output(ingest_cmd(&[&good, &long], &store));
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("error: ") && err.contains("ikke indlæst") && err.contains("xxxx"), "{err}");
    assert!(err.contains("hint: "), "{err}");
    let s = CaseStore::open(&store).unwrap();
    assert_eq!(s.read_cases(101).unwrap().len(), 50);
    let log = s.read_log().unwrap();
    assert_eq!(log.iter().map(|e| e.fil.as_str()).collect::<Vec<_>>(), ["101_2024-01.csv"]);
    assert!(store.join("kvitteringer/101_2024-01.csv.json").exists());
    assert_eq!(leftovers(&store), Vec::<String>::new());
}
