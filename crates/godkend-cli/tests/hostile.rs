//! Hostile and broken input through the real binary: side files that must not stop the annual run,
//! a store where every delivery was rejected, file names that must not win, and CPR numbers where
//! they do not belong.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{HEAD, godkend, p};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn ingest(files: &[&Path], store: &Path) -> (String, String, i32) {
    let mut args = vec!["ingest"];
    args.extend(files.iter().map(|f| p(f)));
    args.extend(["--store", p(store), "--demo-noegle", "--dato", "2026-11-23"]);
    godkend(&args)
}

/// A CPR number as people write it: with a space, in groups, with a slash, with dots, in fullwidth and in
/// Arabic-Indic digits.
const CPR_NOTATIONS: [&str; 6] = [
    "010180 1234",
    "0101 80 1234",
    "010180/1234",
    "01.01.80-1234",
    "\u{FF10}\u{FF11}\u{FF10}\u{FF11}\u{FF18}\u{FF10}\u{FF0D}\u{FF11}\u{FF12}\u{FF13}\u{FF14}",
    "\u{660}\u{661}\u{660}\u{661}\u{668}\u{660}\u{661}\u{662}\u{663}\u{664}",
];

fn pdftotext(pdf: &Path) -> String {
    let out = Command::new("pdftotext").arg(pdf).arg("-").output().expect("pdftotext (poppler-utils)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_bad_comments_file_or_approved_file_is_skipped_and_every_report_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("lager");
    let (_, err, code) = ingest(&[&root().join("fixtures/demo")], &store);
    assert_eq!(code, 2, "the demo holds rejected deliveries by design\n{err}");
    let svar = tmp.path().join("svar");
    std::fs::create_dir(&svar).unwrap();
    std::fs::write(svar.join("a-beskadiget.xlsx"), b"PK\x03\x04 not really a workbook").unwrap();
    std::fs::write(
        svar.join("b-god.csv"),
        format!(
            "kommunekode;ydelse;kvartal;regel;kommentar\n101;1.1;2025K1;aar_til_aar;Borger 0101801234 er flyttet\u{0} ({})\n",
            CPR_NOTATIONS.join(", ")
        ),
    )
    .unwrap();
    let approved = tmp.path().join("2024");
    std::fs::create_dir(&approved).unwrap();
    std::fs::write(approved.join("101-2024.json"), "{ not json").unwrap();
    let out = tmp.path().join("rapporter");
    let (stdout, err, code) = godkend(&[
        "run",
        "--store",
        p(&store),
        "--year",
        "2025",
        "--out",
        p(&out),
        "--comments",
        p(&svar),
        "--approved",
        p(&approved),
    ]);
    assert_eq!(code, 2, "something was skipped\n{stdout}\n{err}");
    assert!(err.contains("error: sprunget over: ") && err.contains("a-beskadiget.xlsx"), "{err}");
    assert!(err.contains("101-2024.json") && err.contains("ikke en rapport-JSON"), "{err}");
    assert!(err.contains("hint: "), "{err}");
    let pdfs =
        std::fs::read_dir(&out).unwrap().filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "pdf"));
    assert_eq!(pdfs.count(), 7 + 1, "seven municipalities and the status overview");
    assert!(out.join("status-2025.csv").exists());

    // The readable comment arrived, masked and without its NUL, in the JSON and the PDF.
    let json = std::fs::read_to_string(out.join("101-2025.json")).unwrap();
    assert!(!json.contains("0101801234"), "a CPR in the JSON");
    assert!(json.contains("Borger [CPR skjult] er flyttet ([CPR skjult], [CPR skjult], [CPR skjult], [CPR skjult], [CPR skjult], [CPR skjult])"), "{json}");
    let pdf = out.join("101-København-2025.pdf");
    let text = pdftotext(&pdf);
    assert!(!text.contains("0101801234"));
    for cpr in CPR_NOTATIONS {
        assert!(!json.contains(cpr) && !text.contains(cpr), "{cpr} reached the JSON or the PDF");
    }
    assert!(text.contains("[CPR skjult]"), "{text}");
}

#[test]
fn a_store_where_every_delivery_was_rejected_gives_reports_of_zeros_with_a_note() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("101_2025-01.csv");
    std::fs::write(&bad, format!("{HEAD}\n147;A;0101901235;1.1;6;2025-01-01;;\n")).unwrap();
    let store = tmp.path().join("lager");
    let (_, _, code) = ingest(&[&bad], &store);
    assert_eq!(code, 2);
    let out = tmp.path().join("r");
    let (stdout, err, code) = godkend(&["run", "--store", p(&store), "--year", "2025", "--out", p(&out)]);
    assert_eq!(code, 0, "before: exit 2 and 'the case store may be damaged'\n{stdout}\n{err}");
    assert!(!err.contains("damaged"), "{err}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("101-2025.json")).unwrap()).unwrap();
    assert!(json["bemaerkning"].as_str().unwrap().contains("ingen godkendte leveringer"), "{json}");
    assert!(
        json["serier"].as_array().unwrap().iter().all(|s| s["kvartaler"]
            .as_array()
            .unwrap()
            .iter()
            .all(|q| q["modtagere"] == 0))
    );
    let text = pdftotext(&out.join("101-København-2025.pdf"));
    assert!(text.contains("ingen godkendte leveringer"), "{text}");
}

#[test]
fn a_future_month_or_an_overlong_sequence_never_beats_a_later_correction() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let write = |name: &str, end: &str| {
        let path = d.join(name);
        std::fs::write(&path, format!("{HEAD}\n101;A;0101901235;1.1;6;2024-01-05;{end};\n")).unwrap();
        path
    };
    let future = write("101_2099-01.csv", "2024-12-31");
    let seq150 = write("101_2024-01_150.csv", "2024-06-30");
    let january = write("101_2024-01.csv", "");
    let february = write("101_2024-02.csv", "2024-02-20");
    let store = d.join("lager");
    let (_, err, code) = ingest(&[&future, &seq150, &january, &february], &store);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("101_2099-01.csv: afvist: leveringsmåneden 2099-01 i filnavnet ligger efter"), "{err}");
    assert!(err.contains("101_2024-01_150.csv: afvist: filnavnet"), "{err}");
    let receipt = std::fs::read_to_string(store.join("kvitteringer/101_2099-01.csv.json")).unwrap();
    assert!(receipt.contains("maaned_i_fremtiden"), "{receipt}");
    let cases = godkend_ingest::CaseStore::open(&store).unwrap().read_cases(101).unwrap();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].slutdato.map(|d| d.to_string()).as_deref(), Some("2024-02-20"), "February's correction wins");
}

#[test]
fn a_sagsid_carrying_a_cpr_never_reaches_the_store() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("101_2024-01.csv");
    // Before: 4 of these 6 notations were stored beside the pseudonym.
    let lines: String = CPR_NOTATIONS
        .iter()
        .enumerate()
        .map(|(i, cpr)| format!("101;S-{cpr};01019012{:02};1.1;6;2024-01-05;;\n", 35 + 2 * i))
        .collect();
    std::fs::write(
        &f,
        format!(
            "{HEAD}\n101;S-0101801234;0101901235;1.1;6;2024-01-05;;\n{lines}101;S-17;0101901237;1.1;6;2024-01-05;;\n"
        ),
    )
    .unwrap();
    let store = tmp.path().join("lager");
    let (stdout, err, code) = ingest(&[&f], &store);
    assert_eq!(code, 1, "a record rejected\n{stdout}\n{err}");
    let mut everything = stdout + &err;
    let mut stack = vec![store.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                everything.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
            }
        }
    }
    for cpr in CPR_NOTATIONS.iter().chain(&["0101801234"]) {
        assert!(!everything.contains(cpr), "{cpr} in a sagsid reached the store or the terminal");
    }
    let cases = godkend_ingest::CaseStore::open(&store).unwrap().read_cases(101).unwrap();
    assert_eq!(cases.iter().map(|c| c.sagsid.as_str()).collect::<Vec<_>>(), ["S-17"]);
    let receipt = std::fs::read_to_string(store.join("kvitteringer/101_2024-01.csv.txt")).unwrap();
    assert!(receipt.contains("sagsid_cpr") && receipt.contains("linje      2"), "{receipt}");
    for line in 2..=8 {
        assert!(receipt.contains(&format!("linje {line:>6} [sagsid_cpr]")), "every notation rejected\n{receipt}");
    }
}

#[test]
fn a_file_name_with_escape_codes_and_a_cpr_reaches_the_terminal_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("\u{1b}[2J0101801234.csv");
    std::fs::write(&f, format!("{HEAD}\n101;A;0101901235;1.1;6;2024-01-05;;\n")).unwrap();
    let (stdout, err, code) = ingest(&[&f], &tmp.path().join("lager"));
    assert_eq!(code, 2, "{stdout}\n{err}");
    assert!(err.contains("error: ") && err.contains("[CPR skjult]"), "{err}");
    assert!(!err.contains('\u{1b}') && !err.contains("0101801234"), "{err:?}");
}

#[test]
fn a_parquet_delivery_with_a_decimal_column_is_one_rejected_delivery_not_a_lost_ingest() {
    // Before: exit 101 with a polars backtrace; no delivery of the ingest stored, no receipt written.
    let tmp = tempfile::tempdir().unwrap();
    let decimal = root().join("fixtures/fjendtlige/101_2024-01.parquet");
    let good = tmp.path().join("101_2024-02.csv");
    std::fs::write(&good, format!("{HEAD}\n101;A;0101901235;1.1;6;2024-01-05;;\n")).unwrap();
    let store = tmp.path().join("lager");
    let (stdout, err, code) = ingest(&[&decimal, &good], &store);
    assert_eq!(code, 2, "{stdout}\n{err}");
    assert!(err.contains("101_2024-01.parquet: afvist: kolonnen `kommunekode` har typen decimal(3,0)"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let receipt = std::fs::read_to_string(store.join("kvitteringer/101_2024-01.parquet.txt")).unwrap();
    assert!(receipt.contains("decimal(3,0)"), "{receipt}");
    let cases = godkend_ingest::CaseStore::open(&store).unwrap().read_cases(101).unwrap();
    assert_eq!(cases.len(), 1, "the good delivery of the same ingest is stored");
}

#[test]
fn the_public_demo_key_or_a_weak_key_is_refused_for_a_real_store() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("101_2024-01.csv");
    std::fs::write(&f, format!("{HEAD}\n101;A;0101901235;1.1;6;2024-01-05;;\n")).unwrap();
    let store = tmp.path().join("lager");
    for (key, expected) in [
        (godkend_ingest::pseudonym::DEMO_KEY.to_string(), "offentlige demonøgle"),
        ("a".repeat(32), "kun 1 forskellige tegn"),
        ("æ".repeat(16), "er 16 tegn"),
    ] {
        // Before: each was accepted without a word.
        let out = Command::new(env!("CARGO_BIN_EXE_godkend"))
            .args(["ingest", p(&f), "--store", p(&store), "--dato", "2026-11-23"])
            .env("GODKEND_NOEGLE", &key)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{expected}: {err}");
        assert!(err.contains(expected) && err.contains("hint: "), "{expected}: {err}");
        assert!(!store.join("godkend-store.json").exists(), "{expected}: a store was made");
    }
}

#[test]
fn any_character_a_comment_can_hold_reaches_the_pdf_or_a_visible_stand_in() {
    // Before: each of these comments gave exit 2 and no PDF for København (a glyph no font holds, or a PDF
    // string over 32,767 characters).
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("lager");
    ingest(&[&root().join("fixtures/demo")], &store);
    let long = "æ".repeat(40_000);
    for (comment, shown) in [
        ("Smil 😀 tak", "Smil [U+1F600] tak"),
        ("中文 tekst", "[U+4E2D][U+6587] tekst"),
        ("Tal １２３ i fuld bredde", "Tal 123 i fuld bredde"),
        ("Slut \u{10FFFF} her", "Slut [U+10FFFF] her"),
        (long.as_str(), "[afkortet i PDF'en;"),
    ] {
        let svar = tmp.path().join("svar.csv");
        std::fs::write(
            &svar,
            format!("kommunekode;ydelse;kvartal;regel;kommentar\n101;1.1;2025K1;aar_til_aar;{comment}\n"),
        )
        .unwrap();
        let out = tmp.path().join("r");
        let _ = std::fs::remove_dir_all(&out);
        let (stdout, err, code) = godkend(&[
            "report",
            "--store",
            p(&store),
            "--year",
            "2025",
            "--kommune",
            "101",
            "--out",
            p(&out),
            "--comments",
            p(&svar),
        ]);
        assert_eq!(code, 0, "{shown}\n{stdout}\n{err}");
        let text = pdftotext(&out.join("101-København-2025.pdf"));
        assert!(text.contains(shown), "{shown} not in the PDF");
    }
}

/// A PDF worker that dies with a report in hand (the crash hook aborts each one at its first report):
/// every municipality's PDF fails with an error naming it, every JSON and workbook is still written, the
/// status too, and the run ends (exit 2) instead of waiting for the dead worker.
#[test]
fn a_pdf_worker_that_dies_fails_its_report_and_the_run_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let (store, out) = (tmp.path().join("lager"), tmp.path().join("rapporter"));
    ingest(&[&root().join("fixtures/demo")], &store);
    let run = Command::new(env!("CARGO_BIN_EXE_godkend"))
        .args(["run", "--store", p(&store), "--year", "2025", "--out", p(&out)])
        .env_remove("GODKEND_NOEGLE")
        .env("GODKEND_AFBRYD", "tegn-pdf")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{err}");
    let names: Vec<String> =
        std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    let jsons: Vec<&String> = names.iter().filter(|n| n.len() == 13 && n.ends_with("-2025.json")).collect();
    assert!(jsons.len() >= 2, "the demo's municipalities: {names:?}");
    for json in &jsons {
        let kode = &json[..3];
        assert!(names.contains(&format!("{kode}-2025-markeringer.xlsx")), "{kode}: {names:?}");
        assert!(!names.iter().any(|n| n.starts_with(kode) && n.ends_with("-2025.pdf")), "{kode}: no PDF");
        assert!(
            err.contains(&format!("kommune {kode}: PDF'en godkend-{kode}-2025 kunne ikke dannes")),
            "{kode}: {err}"
        );
    }
    assert!(names.contains(&"status-2025.pdf".to_string()), "the status is rendered in the run's own process");
    assert!(err.contains("hint: JSON-filen og regnearket er skrevet"), "{err}");
}

/// A run killed while its workers render (`kill -9` of the run, by its pid): each worker ends by itself
/// when the run's end of its pipes closes, and says nothing (no `Broken pipe` error on the terminal).
/// Killed at once when the first worker starts, and later, with reports on their way.
#[test]
fn a_run_killed_while_rendering_leaves_no_worker_and_no_error() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("lager");
    ingest(&[&root().join("fixtures/demo")], &store);
    for delay_ms in [0, 60, 250] {
        let out = tmp.path().join(format!("rapporter-{delay_ms}"));
        kill_while_rendering(&store, &out, delay_ms);
    }
}

fn kill_while_rendering(store: &Path, out: &Path, delay_ms: u64) {
    let mut run = Command::new(env!("CARGO_BIN_EXE_godkend"))
        .args(["run", "--store", p(store), "--year", "2025", "--out", p(out)])
        .env_remove("GODKEND_NOEGLE")
        .env_remove("GODKEND_AFBRYD")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The run's children are its workers; they start with the first PDF.
    let children = |pid: u32| -> Vec<u32> {
        let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).map(|d| d.flatten().collect()).unwrap_or(Vec::new());
        tasks
            .iter()
            .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
            .flat_map(|c| c.split_whitespace().filter_map(|p| p.parse().ok()).collect::<Vec<u32>>())
            .collect()
    };
    let started = std::time::Instant::now();
    let workers = loop {
        let found = children(run.id());
        if !found.is_empty() || started.elapsed().as_secs() > 120 {
            break found;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    assert!(!workers.is_empty(), "the run started no worker");
    std::thread::sleep(std::time::Duration::from_millis(delay_ms));
    // Only the run this test started, by its pid (a run that has finished meanwhile is no failure).
    let _ = run.kill();
    run.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut run.stderr.take().unwrap(), &mut stderr).unwrap();
    // A worker has ended when its process is gone or a zombie waiting for whoever adopted it.
    let alive = |pid: u32| {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|s| s.rsplit(')').next().and_then(|r| r.split_whitespace().next()) != Some("Z"))
    };
    let started = std::time::Instant::now();
    while workers.iter().any(|&w| alive(w)) && started.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(!workers.iter().any(|&w| alive(w)), "{delay_ms} ms: workers {workers:?} still running after the kill");
    assert!(!stderr.contains("Broken pipe") && !stderr.contains("tegn-pdf"), "{delay_ms} ms: {stderr}");
}
