//! The `godkend` binary as a user runs it: exit codes, receipts, errors with hints, and the bundled
//! demo data ingested and checked against its ground truth.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(rel: &str) -> PathBuf {
    root().join("fixtures").join(rel)
}

fn godkend(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_godkend")).args(args).env_remove("GODKEND_NOEGLE").output().unwrap()
}

fn text(out: &Output) -> (String, String, i32) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `godkend report` for one municipality of 2025, with extra arguments.
fn report_one(store: &Path, kommune: &str, out: &Path, extra: &[&str]) -> (String, String, i32) {
    let mut args = vec!["report", "--store", p(store), "--year", "2025", "--kommune", kommune, "--out", p(out)];
    args.extend_from_slice(extra);
    text(&godkend(&args))
}

#[test]
fn validate_exit_codes_follow_the_contract() {
    let (out, _, code) = text(&godkend(&["validate", p(&fixture("leveringer/101_2024-03.csv"))]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("MODTAGET uden bemærkninger") && out.contains("4 læst, 4 modtaget"), "{out}");

    let (out, _, code) = text(&godkend(&["validate", p(&fixture("leveringer/147_2024-03.csv"))]));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("4 læst, 1 modtaget (0 sletninger), 3 afvist"), "{out}");
    assert!(out.contains("linje      3 [cpr_ugyldig] sagsid F-2"), "{out}");
    assert!(!out.contains("3113901234"), "a CPR in the receipt:\n{out}");

    let (out, err, code) = text(&godkend(&["validate", p(&fixture("leveringer/151_2024-03.csv"))]));
    assert_eq!(code, 2);
    assert!(out.contains("AFVIST"), "{out}");
    assert!(
        err.starts_with("error: ") && err.contains("151_2024-03.csv:3: linje 3: posten tilhører kommune 101"),
        "{err}"
    );
    assert!(err.contains("\nhint: "), "{err}");

    let (_, err, code) = text(&godkend(&["validate", p(&fixture("leveringer/153_2024-03.csv"))]));
    assert_eq!(code, 2);
    assert!(err.contains("ingen poster"), "{err}");
}

#[test]
fn windows_1252_needs_the_flag() {
    let f = fixture("leveringer/101_2024-04.csv");
    let (_, err, code) = text(&godkend(&["validate", p(&f)]));
    assert_eq!(code, 2);
    assert!(
        err.contains("101_2024-04.csv:2: linje 2 er ikke gyldig UTF-8") && err.contains("--encoding windows-1252"),
        "{err}"
    );
    let (out, _, code) = text(&godkend(&["validate", "--encoding", "windows-1252", p(&f)]));
    assert_eq!(code, 0, "{out}");
    let (out, _, code) = text(&godkend(&["validate", "--json", "--encoding", "windows-1252", p(&f)]));
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["accepterede"], 1);
}

#[test]
fn ingest_needs_a_key_and_says_how_to_give_one() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("lager");
    let (_, err, code) = text(&godkend(&["ingest", p(&fixture("leveringer/101_2024-03.csv")), "--store", p(&store)]));
    assert_eq!(code, 2);
    assert!(err.contains("error: ingen pseudonymnøgle") && err.contains("hint: sæt GODKEND_NOEGLE"), "{err}");
    assert!(!store.exists(), "nothing is created without a key");
}

#[test]
fn ingest_folder_writes_receipts_and_reports_rejections() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("lager");
    let (out, err, code) =
        text(&godkend(&["ingest", p(&fixture("leveringer")), "--store", p(&store), "--demo-noegle"]));
    assert_eq!(code, 2, "a delivery was rejected\n{out}\n{err}");
    assert!(out.contains("5 leveringer indlæst: 1 uden bemærkninger, 1 med bemærkninger, 3 afvist"), "{out}");
    assert!(err.contains("error: 151_2024-03.csv:3: afvist:"), "{err}");
    let receipt: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(store.join("kvitteringer/147_2024-03.csv.json")).unwrap())
            .unwrap();
    assert_eq!((receipt["accepterede"].as_u64(), receipt["afviste"].as_u64()), (Some(1), Some(3)));
    assert!(store.join("kvitteringer/147_2024-03.csv.txt").exists());
    assert!(store.join("sager/101-g1.parquet").exists() && store.join("sager/147-g1.parquet").exists());
    assert!(!store.join("sager/151-g1.parquet").exists(), "nothing from a rejected delivery is stored");

    // Only records rejected: exit 1.
    let store2 = tmp.path().join("lager2");
    let (_, _, code) =
        text(&godkend(&["ingest", p(&fixture("leveringer/147_2024-03.csv")), "--store", p(&store2), "--demo-noegle"]));
    assert_eq!(code, 1);
}

#[test]
fn bundled_demo_is_reproducible_and_ingests_to_its_ground_truth() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = tmp.path().join("demo");
    let (_, err, code) = text(&godkend(&["demo-data", "--out", p(&demo)]));
    assert_eq!(code, 0, "{err}");
    let bundled = fixture("demo");
    let mut names: Vec<_> = std::fs::read_dir(&bundled).unwrap().map(|e| e.unwrap().file_name()).collect();
    names.sort();
    for name in &names {
        let a = std::fs::read(bundled.join(name)).unwrap();
        let b = std::fs::read(demo.join(name)).unwrap_or_default();
        assert!(
            a == b,
            "fixtures/demo/{} differs from `godkend demo-data` output; regenerate the bundled set",
            name.to_string_lossy()
        );
    }
    assert_eq!(std::fs::read_dir(&demo).unwrap().count(), names.len());

    let store = tmp.path().join("lager");
    let (out, err, code) = text(&godkend(&["ingest", p(&bundled), "--store", p(&store), "--demo-noegle"]));
    assert_eq!(code, 2, "the demo holds rejected deliveries by design\n{out}{err}");
    let (out, _, code) = text(&godkend(&["demo-check", "--demo", p(&bundled), "--store", p(&store)]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("194 kvitteringer stemmer med sandheden"), "{out}");

    // The check bites: a receipt that disagrees is reported.
    let receipt = store.join("kvitteringer/101_2023-01.csv.json");
    let tampered = std::fs::read_to_string(&receipt).unwrap().replacen("\"afviste\": ", "\"afviste\": 1", 1);
    std::fs::write(&receipt, tampered).unwrap();
    let (out, _, code) = text(&godkend(&["demo-check", "--demo", p(&bundled), "--store", p(&store)]));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("101_2023-01.csv: afviste: expected"), "{out}");
}

/// A clean demo that begins before § 82 a–b existed (2018) holds no record the validator rejects. Before,
/// new cases of 1.18.1/1.18.2 started in 2015–2017 (rejected: "gælder ikke på startdatoen"), and the first
/// month's stock of them started on 2018-01-01 (rejected: "startdato efter leveringsmåneden"): 3.8 % of
/// the national bench set's rows, which the ground truth called clean.
#[test]
fn a_clean_demo_from_2015_ingests_without_a_rejected_record() {
    let tmp = tempfile::tempdir().unwrap();
    let (demo, store) = (tmp.path().join("demo"), tmp.path().join("lager"));
    let args = [
        "demo-data",
        "--out",
        p(&demo),
        "--kommuner",
        "101",
        "--fra",
        "2015-01",
        "--til",
        "2018-03",
        "--problemer",
        "ingen",
    ];
    let (_, err, code) = text(&godkend(&args));
    assert_eq!(code, 0, "{err}");
    let (out, err, _) = text(&godkend(&["ingest", p(&demo), "--store", p(&store), "--demo-noegle"]));
    assert!(out.contains(" 0 afvist\n"), "{out}{err}");
    let rejected = out.lines().find(|l| l.contains("poster læst")).unwrap_or_default();
    assert!(rejected.ends_with(" 0 afvist"), "{rejected}\n{err}");
    let (out, _, code) = text(&godkend(&["demo-check", "--demo", p(&demo), "--store", p(&store)]));
    assert_eq!(code, 0, "{out}");
}

#[test]
fn every_command_has_help_in_danish_with_an_example() {
    let (top, _, code) = text(&godkend(&["--help"]));
    assert_eq!(code, 0);
    let commands: Vec<&str> = top
        .lines()
        .skip_while(|l| !l.starts_with("Kommandoer:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(commands.len() >= 15, "could not read the commands from --help:\n{top}");
    // clap's own frame and our earlier English texts; none may be left in any help.
    let frame = ["Usage", "Options", "Commands", "Arguments", "Print ", "[default", "[aliases", "Example", "Exit:"];
    let value_names = ["<DIR>", "<FILE", "DIR>", "<YYYY", "HOST:", "ADDR:"];
    for cmd in commands.into_iter().filter(|c| *c != "help") {
        let (out, _, code) = text(&godkend(&[cmd, "--help"]));
        assert_eq!(code, 0, "{cmd}");
        assert!(out.contains("Eksempel") || out.contains("Eksempler:"), "{cmd} --help has no example:\n{out}");
        for word in frame.iter().chain(&value_names) {
            assert!(!out.contains(word) && !top.contains(word), "{cmd} --help has `{word}`:\n{out}");
        }
    }
    let (out, _, _) = text(&godkend(&["noegle", "opret", "--help"]));
    assert!(out.contains("Brug: godkend noegle opret [TILVALG] --dialog <FIL>"), "{out}");
    // Column widths follow the longest option, so spaces are compared as one.
    let words = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("--afsender <KODE> Kommunen, hvis sagssystem sender"), "{out}");
}

#[test]
fn broken_reference_file_names_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ref");
    std::fs::create_dir(&dir).unwrap();
    for e in std::fs::read_dir(root().join("reference-data")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    let ydelser =
        std::fs::read_to_string(dir.join("ydelser.csv")).unwrap().replace("1.4;voksne;§ 103", "1.4;voksen;§ 103");
    std::fs::write(dir.join("ydelser.csv"), ydelser).unwrap();
    let (_, err, code) =
        text(&godkend(&["--reference", p(&dir), "validate", p(&fixture("leveringer/101_2024-03.csv"))]));
    assert_eq!(code, 2);
    assert!(err.contains("ydelser.csv:4: register `voksen` er hverken"), "{err}");
    assert!(err.contains("hint: "), "{err}");
}

fn ingested_demo(dir: &Path) -> PathBuf {
    let store = dir.join("lager");
    let (out, err, code) = text(&godkend(&["ingest", p(&fixture("demo")), "--store", p(&store), "--demo-noegle"]));
    assert_eq!(code, 2, "{out}{err}");
    store
}

#[test]
fn annual_run_writes_reports_flags_workbooks_and_status_reproducibly() {
    let tmp = tempfile::tempdir().unwrap();
    let store = ingested_demo(tmp.path());
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for out in [&a, &b] {
        let (stdout, err, code) = text(&godkend(&["run", "--store", p(&store), "--year", "2025", "--out", p(out)]));
        assert_eq!(code, 0, "{stdout}{err}");
        assert!(stdout.starts_with("7 kommuner: "), "{stdout}");
    }
    let mut names: Vec<String> = std::fs::read_dir(&a)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".godkend") // the kept counts (see kept_counts_…)
        .collect();
    names.sort();
    assert_eq!(names.len(), 7 * 3 + 3, "{names:?}");
    for n in [
        "101-2025.json",
        "101-2025-markeringer.xlsx",
        "101-København-2025.pdf",
        "825-Læsø-2025.pdf",
        "status-2025.pdf",
        "status-2025.csv",
        "status-2025.json",
    ] {
        assert!(names.contains(&n.to_string()), "{n} missing: {names:?}");
    }
    for n in &names {
        assert!(std::fs::read(a.join(n)).unwrap() == std::fs::read(b.join(n)).unwrap(), "{n} differs between two runs");
    }
    let status = std::fs::read_to_string(a.join("status-2025.csv")).unwrap();
    assert!(status.starts_with("kommunekode;navn;roede;gule;uden_kommentar;klar_til_godkendelse"), "{status}");
    assert_eq!(status.lines().count(), 8);

    let json: serde_json::Value = read_json(&a.join("101-2025.json"));
    assert_eq!(json["kommunekode"], 101);
    assert_eq!(json["navn"], "København");
    assert_eq!(json["serier"].as_array().unwrap().len(), 21, "13 adult and 8 children's series");
    let dagtilbud = json["serier"].as_array().unwrap().iter().find(|s| s["serie"] == "B-dagtilbud").unwrap();
    assert_eq!(dagtilbud["koder"], serde_json::json!(["SEL32", "BL82-1"]));
    assert_eq!(dagtilbud["kvartaler"][0]["kvartal"], "2023K1");
    // The injected drop to zero in København's § 103 series (see fixtures/demo/sandhed.json): one
    // event, one flag in the quarter. Before, the year rule was red again in every 2025 quarter the series
    // stayed at 0. In 2025 the service has stopped: one red mark on the year to answer (`ophoert`); before,
    // the red cell of 2024K4 was the only trace and the front page said 0 red.
    let on_103: Vec<String> = json["markeringer"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["ydelse"] == "1.4")
        .map(|m| {
            format!(
                "{} {} {}",
                m["kvartal"].as_str().unwrap(),
                m["regel"].as_str().unwrap(),
                m["alvor"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(on_103, ["2025 ophoert rød", "2024K4 fald_til_nul rød"], "{:#}", json["markeringer"]);
    let surge: serde_json::Value = read_json(&a.join("155-2025.json"));
    assert_eq!(surge["klar_til_godkendelse"], false);
    let prio: Vec<f64> = surge["markeringer"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["alvor"] == "rød")
        .map(|m| m["prioritet"].as_f64().unwrap())
        .collect();
    assert!(prio.windows(2).all(|w| w[0] >= w[1]) && prio[0] > 0.0, "red flags by priority: {prio:?}");
}

#[test]
fn comments_returned_in_the_workbook_make_a_municipality_ready() {
    let tmp = tempfile::tempdir().unwrap();
    let store = ingested_demo(tmp.path());
    let out = tmp.path().join("r");
    let (_, err, code) = text(&godkend(&["run", "--store", p(&store), "--year", "2025", "--out", p(&out)]));
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = read_json(&out.join("360-2025.json"));
    let open: Vec<&serde_json::Value> =
        report["markeringer"].as_array().unwrap().iter().filter(|m| m["i_rapportaaret"] == true).collect();
    assert!(!open.is_empty());
    // The municipality answers every flag of the year (CSV, as a data officer might), plus one stray comment.
    let mut csv = String::from("kommunekode;ydelse;kvartal;regel;kommentar\n");
    for m in &open {
        csv.push_str(&format!(
            "360;{};{};{};Kendt forklaring: [#] *ingen* $fejl$ \\ // @x <y>\n",
            m["ydelse"].as_str().unwrap(),
            m["kvartal"].as_str().unwrap(),
            m["regel"].as_str().unwrap()
        ));
    }
    csv.push_str("360;1.1;2019K1;kvartal_til_kvartal;Ingen markering\n");
    let comments = tmp.path().join("svar.csv");
    std::fs::write(&comments, csv).unwrap();
    let again = tmp.path().join("r2");
    let (stdout, err, code) = report_one(&store, "360", &again, &["--comments", p(&comments)]);
    assert_eq!(code, 0, "{stdout}{err}");
    assert!(stdout.contains("1 kommentarer passer ikke"), "{stdout}");
    let report: serde_json::Value = read_json(&again.join("360-2025.json"));
    assert_eq!(report["klar_til_godkendelse"], true, "{:#}", report["markeringer"]);
    assert_eq!(report["antal"]["uden_kommentar"], 0);
    assert_eq!(report["kommentarer_uden_markering"][0]["kvartal"], "2019K1");
    assert_eq!(
        std::fs::read_dir(&again)
            .unwrap()
            .filter(|e| !e.as_ref().unwrap().file_name().to_string_lossy().starts_with('.'))
            .count(),
        3,
        "report writes one municipality's PDF, JSON and workbook (and keeps the counts in .godkend/)"
    );
    // The workbook now carries the comments, and reads back as a comments file.
    let (_, err, code) =
        report_one(&store, "360", &tmp.path().join("r3"), &["--comments", p(&again.join("360-2025-markeringer.xlsx"))]);
    assert_eq!(code, 0, "{err}");
    let r3: serde_json::Value = read_json(&tmp.path().join("r3/360-2025.json"));
    assert_eq!(r3["klar_til_godkendelse"], true);
}

#[test]
fn run_errors_name_the_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, err, code) = text(&godkend(&[
        "run",
        "--store",
        p(&tmp.path().join("none")),
        "--year",
        "2025",
        "--out",
        p(&tmp.path().join("o")),
    ]));
    assert_eq!(code, 2);
    // A store that is not there is a path to check, not a damaged store.
    assert!(err.contains("none: findes ikke") && err.contains("hint: tjek at stien findes"), "{err}");
    std::fs::create_dir(tmp.path().join("tom")).unwrap();
    let (_, err, code) = text(&godkend(&[
        "run",
        "--store",
        p(&tmp.path().join("tom")),
        "--year",
        "2025",
        "--out",
        p(&tmp.path().join("o")),
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("ikke et godkend-lager") && err.contains("hint: "), "{err}");
    let store = ingested_demo(tmp.path());
    let bad = tmp.path().join("svar.csv");
    std::fs::write(&bad, "kommunekode;ydelse;kvartal;kommentar\n").unwrap();
    let (_, err, code) = text(&godkend(&[
        "run",
        "--store",
        p(&store),
        "--year",
        "2025",
        "--out",
        p(&tmp.path().join("o")),
        "--comments",
        p(&bad),
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("svar.csv:1: kolonnen `regel` mangler") && err.contains("hint: "), "{err}");
}

/// Each side file's error carries the hint for that file. Before, every unreadable side file got the
/// same hint ("--approved takes the output folder of last year's run …"), also a missing comments file.
#[test]
fn a_side_file_that_cannot_be_read_gets_the_hint_for_that_file() {
    let tmp = tempfile::tempdir().unwrap();
    let store = ingested_demo(tmp.path());
    let out = tmp.path().join("o");
    let missing = tmp.path().join("svar-mangler.xlsx");
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "--store", p(&store), "--year", "2025", "--out", p(&out)];
        args.extend_from_slice(extra);
        text(&godkend(&args))
    };
    let (_, err, code) = run(&["--comments", p(&missing)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("svar-mangler.xlsx") && err.contains("hint: --comments tager"), "{err}");
    assert!(!err.contains("--approved"), "{err}");
    let (_, err, code) = run(&["--forrige", p(&missing)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("hint: --forrige tager en tidligere udmappe"), "{err}");
    let (_, err, code) = run(&["--approved", p(&missing)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("hint: --approved tager sidste års udmappe"), "{err}");
    // An XLSX that is not one: the hint says how to save it again.
    let fake = tmp.path().join("101-2025-markeringer.xlsx");
    std::fs::write(&fake, "kommunekode;ydelse\n").unwrap();
    let (_, err, _) = run(&["--comments", p(&fake)]);
    assert!(err.contains("hint: regnearket kan ikke læses som XLSX"), "{err}");
}

/// Shared options have one name and the other language as an alias; values are checked by their
/// parser before anything is read.
#[test]
fn options_take_their_alias_and_values_are_checked_where_they_are_parsed() {
    let tmp = tempfile::tempdir().unwrap();
    let store = ingested_demo(tmp.path());
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let (_, err, code) = text(&godkend(&["run", "--store", p(&store), "--year", "2025", "--out", p(&a)]));
    assert_eq!(code, 0, "{err}");
    let (_, err, code) = text(&godkend(&["run", "--lager", p(&store), "--aar", "2025", "--ud", p(&b)]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read(a.join("101-2025.json")).unwrap(), std::fs::read(b.join("101-2025.json")).unwrap());
    // A regeneration is the next round, says what its figures are as of, and may not overwrite the
    // round it is compared with (before, `--out X --forrige X` silently replaced round 1).
    let (_, err, code) =
        text(&godkend(&["run", "--store", p(&store), "--year", "2025", "--out", p(&a), "--forrige", p(&a)]));
    assert_eq!(code, 2);
    assert!(err.contains("er også --forrige") && err.contains("hint: skriv den nye runde i sin egen mappe"), "{err}");
    let c = tmp.path().join("c");
    let (_, err, code) =
        text(&godkend(&["run", "--store", p(&store), "--year", "2025", "--out", p(&c), "--forrige", p(&a)]));
    assert_eq!(code, 0, "{err}");
    let (first, second) = (read_json(&a.join("101-2025.json")), read_json(&c.join("101-2025.json")));
    assert_eq!((first["runde"].as_u64(), second["runde"].as_u64()), (Some(1), Some(2)));
    assert_eq!(second["data_til_og_med"], "2025-12");
    let (_, err, code) = text(&godkend(&["run", "--store", p(&store), "--year", "1999", "--out", p(&a)]));
    assert_eq!(code, 2);
    assert!(err.contains("1999 er ikke et rapportår"), "{err}");
    let (_, err, code) = text(&godkend(&[
        "systemskifte",
        "--store",
        p(&store),
        "--kommune",
        "101",
        "--date",
        "2025-02-30",
        "--out",
        p(&a),
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("2025-02-30 er ikke en dato efter 2013-10-01"), "{err}");
}

/// The demo ingested and run for 2024 (last year's approved reports): the store, that output folder,
/// and København's report JSON (path and content) for a test to alter.
fn approved_2024(dir: &Path) -> (PathBuf, PathBuf, PathBuf, serde_json::Value) {
    let store = ingested_demo(dir);
    let last = dir.join("2024");
    let (_, err, code) = text(&godkend(&["run", "--store", p(&store), "--year", "2024", "--out", p(&last)]));
    assert_eq!(code, 0, "{err}");
    let path = last.join("101-2024.json");
    let json = read_json(&path);
    (store, last, path, json)
}

#[test]
fn revision_of_last_years_approved_figures_is_flagged() {
    let tmp = tempfile::tempdir().unwrap();
    let (store, last, path, mut json) = approved_2024(tmp.path());
    // Pretend København approved a different 2024K3 figure for § 104 last year.
    let series = json["serier"].as_array_mut().unwrap().iter_mut().find(|s| s["serie"] == "V-1.1").unwrap();
    let q = series["kvartaler"].as_array_mut().unwrap().iter_mut().find(|q| q["kvartal"] == "2024K3").unwrap();
    let now = q["modtagere"].as_u64().unwrap();
    let approved = now * 100 / 80; // the current figure is 20 % below the approved one
    q["modtagere"] = approved.into();
    std::fs::write(&path, serde_json::to_string(&json).unwrap()).unwrap();

    let out = tmp.path().join("2025");
    let (_, err, code) = report_one(&store, "101", &out, &["--approved", p(&last)]);
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = read_json(&out.join("101-2025.json"));
    let revisions: Vec<&serde_json::Value> =
        report["markeringer"].as_array().unwrap().iter().filter(|m| m["regel"] == "revision").collect();
    assert_eq!(revisions.len(), 1, "only the changed figure: {revisions:#?}");
    assert_eq!((revisions[0]["kvartal"].as_str(), revisions[0]["alvor"].as_str()), (Some("2024K3"), Some("rød")));
    let expected = format!("som kommunen godkendte sidste år ({approved}), er nu {now}");
    assert!(revisions[0]["forklaring"].as_str().unwrap().contains(&expected), "{}", revisions[0]["forklaring"]);
    assert!(report["revision"].as_str().unwrap().starts_with("Tallene er sammenholdt"));

    let (_, _, code) = report_one(&store, "101", &out, &[]);
    assert_eq!(code, 0);
    let report: serde_json::Value = read_json(&out.join("101-2025.json"));
    assert!(
        report["revision"].as_str().unwrap().contains("ikke anvendt"),
        "without --approved the report says the rule was skipped"
    );
}

/// The revision rule before the fix: every earlier quarter of last year's report was compared (not
/// only the approved year), a quarter outside today's window read as 0 (a false red), and an
/// approved 0 was never flagged.
#[test]
fn revision_compares_the_approved_year_inside_the_window_and_flags_an_approved_zero() {
    let tmp = tempfile::tempdir().unwrap();
    let (store, last, path, mut json) = approved_2024(tmp.path());
    let series = json["serier"].as_array_mut().unwrap().iter_mut().find(|s| s["serie"] == "V-1.1").unwrap();
    let quarters = series["kvartaler"].as_array_mut().unwrap();
    // 2023K3 is not the approved year: a change there is no revision of what was approved.
    let q23 = quarters.iter_mut().find(|q| q["kvartal"] == "2023K3").unwrap();
    q23["modtagere"] = (q23["modtagere"].as_u64().unwrap() * 2).into();
    // 2024K1 was approved as 0 and is now well above the thresholds.
    let q1 = quarters.iter_mut().find(|q| q["kvartal"] == "2024K1").unwrap();
    let now = q1["modtagere"].as_u64().unwrap();
    assert!(now >= 10);
    q1["modtagere"] = 0.into();
    // A quarter before today's window (the store starts in 2023): unknown now, not 0.
    let mut old = quarters[0].clone();
    old["kvartal"] = "2022K4".into();
    old["modtagere"] = 50.into();
    quarters.insert(0, old);
    std::fs::write(&path, serde_json::to_string(&json).unwrap()).unwrap();

    let out = tmp.path().join("2025");
    let (_, err, code) = report_one(&store, "101", &out, &["--approved", p(&last)]);
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = read_json(&out.join("101-2025.json"));
    let revisions: Vec<String> = report["markeringer"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["regel"] == "revision")
        .map(|m| format!("{} {} {}", m["kvartal"].as_str().unwrap(), m["alvor"].as_str().unwrap(), m["tal"]["nu"]))
        .collect();
    assert_eq!(revisions, [format!("2024K1 rød {}.0", now)]);
}

#[test]
fn a_failing_municipality_does_not_stop_the_others() {
    let tmp = tempfile::tempdir().unwrap();
    let store = ingested_demo(tmp.path());
    let out = tmp.path().join("r");
    // A folder where København's PDF should go: that one write fails.
    std::fs::create_dir_all(out.join("101-København-2025.pdf/blokeret")).unwrap();
    let (stdout, err, code) = text(&godkend(&["run", "--store", p(&store), "--year", "2025", "--out", p(&out)]));
    assert_eq!(code, 2, "{stdout}{err}");
    assert!(err.contains("error: kommune 101:"), "{err}");
    for ok in ["825-Læsø-2025.pdf", "360-Lolland-2025.pdf", "status-2025.pdf", "101-2025.json"] {
        assert!(out.join(ok).is_file(), "{ok} was not written");
    }
}

/// `godkend statusbrev` for 2025.
fn statusbrev(store: &Path, approvals: &Path, out: &Path) -> (String, String, i32) {
    text(&godkend(&[
        "statusbrev",
        "--store",
        p(store),
        "--year",
        "2025",
        "--godkendelser",
        p(approvals),
        "--out",
        p(out),
    ]))
}

#[test]
fn an_unreadable_approvals_file_stops_the_letters_and_is_skipped_by_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let store = ingested_demo(dir.path());
    let bad = dir.path().join("godkendelser.csv");
    // Line 3 has a date that is not a date: a letter must never go to a municipality that approved.
    std::fs::write(&bad, "kommunekode;dato;godkendt_af\n101;2026-03-20;A. Hansen\n147;2026-02-30;B. Jensen\n").unwrap();
    let breve = dir.path().join("breve");
    let (_, err, code) = statusbrev(&store, &bad, &breve);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("godkendelser.csv:3: dato `2026-02-30` er ikke en dato ÅÅÅÅ-MM-DD"), "{err}");
    assert!(err.contains("hint: godkendelsesfilen er CSV"), "{err}");
    assert!(!breve.exists(), "nothing is written");

    let out = dir.path().join("rapporter");
    let (_, err, code) = report_one(&store, "101", &out, &["--godkendelser", p(&bad)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("sprunget over:") && err.contains("godkendelser.csv:3"), "{err}");
    assert!(out.join("101-2025.json").exists(), "the report is still written");
    assert!(read_json(&out.join("101-2025.json")).get("godkendelse").is_none());

    // Fixed, the approval reaches the report and the letters go to the others only.
    std::fs::write(&bad, "kommunekode;dato;godkendt_af\n101;2026-03-20;A. Hansen\n").unwrap();
    let (_, err, code) = report_one(&store, "101", &out, &["--godkendelser", p(&bad)]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(read_json(&out.join("101-2025.json"))["godkendelse"]["godkendt_af"], "A. Hansen");
    let (msg, err, code) = statusbrev(&store, &bad, &breve);
    assert_eq!(code, 0, "{err}");
    let list = std::fs::read_to_string(breve.join("statusbreve-2025.csv")).unwrap();
    assert!(!list.lines().any(|l| l.starts_with("101;")), "København approved:\n{list}");
    let letters = std::fs::read_dir(&breve)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "pdf"));
    assert_eq!(letters.count(), list.lines().count() - 1, "{msg}");
    // Each letter gives the new deadline of the årshjul (ny_frist), in the summary and in what to do.
    let letter = breve.join("360-Lolland-statusbrev-2025.pdf");
    let words = pdf_text(&letter).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("Den nye frist er 1. juni 2026."), "{words}");
    assert!(words.contains("Det skal kommunen gøre senest 1. juni 2026"), "{words}");
}

/// The files kept in `<out>/.godkend` whose names begin with `prefix`, in name order.
fn kept_files(out: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(out.join(".godkend"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .collect();
    v.sort();
    v
}

/// The kept national counts in `<out>/.godkend`: one file per report year, named by its key.
fn kept(out: &Path) -> Vec<PathBuf> {
    kept_files(out, "optaelling-")
}

fn recipients(json: &serde_json::Value, serie: &str, kvartal: &str) -> u64 {
    let s = json["serier"].as_array().unwrap().iter().find(|s| s["serie"] == serie).unwrap();
    let q = s["kvartaler"].as_array().unwrap().iter().find(|q| q["kvartal"] == kvartal).unwrap();
    q["modtagere"].as_u64().unwrap()
}

#[test]
fn kept_counts_serve_report_while_the_store_is_unchanged_and_are_recounted_after_an_ingest() {
    let tmp = tempfile::tempdir().unwrap();
    let store = ingested_demo(tmp.path());
    let out = tmp.path().join("rapporter");
    let (_, err, code) = text(&godkend(&["run", "--store", p(&store), "--year", "2025", "--out", p(&out)]));
    assert_eq!(code, 0, "{err}");
    let first = kept(&out);
    assert_eq!(first.len(), 1, "{first:?}");
    let from_run = std::fs::read(out.join("101-2025.json")).unwrap();
    let first_counts = std::fs::read(&first[0]).unwrap();

    // `report` with the kept counts writes what the run wrote.
    let (_, err, code) = report_one(&store, "101", &out, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read(out.join("101-2025.json")).unwrap() == from_run, "report differs from the run");

    // A correction for København: 6 more citizens in § 104 from November 2025.
    let delivery = tmp.path().join("101_2025-12_2.csv");
    let mut text_ = String::from(
        "kommunekode;sagsid;cpr;udlaendingenr;foedselsdato;koen;ydelse;maalgruppe;startdato;slutdato;slettet\n",
    );
    for i in 0..6 {
        text_.push_str(&format!("101;KEPT-{i};01017{i}1234;;;;1.1;6;2025-11-0{};;\n", i + 1));
    }
    std::fs::write(&delivery, text_).unwrap();
    let (o, err, code) = text(&godkend(&["ingest", p(&delivery), "--store", p(&store), "--demo-noegle"]));
    assert_eq!(code, 0, "{o}{err}");
    let (_, err, code) = report_one(&store, "101", &out, &[]);
    assert_eq!(code, 0, "{err}");
    let before: serde_json::Value = serde_json::from_slice(&from_run).unwrap();
    let after = read_json(&out.join("101-2025.json"));
    assert_eq!(recipients(&after, "V-1.1", "2025K4"), recipients(&before, "V-1.1", "2025K4") + 6, "recounted");
    let second = kept(&out);
    assert_eq!(second.len(), 1, "the older key's file is removed: {second:?}");
    assert_ne!(first, second, "a new key for the new store state");

    // What report reads is the kept file: put the first state's counts under the new key and the
    // report shows the old figures (which is why the key holds the store's state).
    std::fs::write(&second[0], &first_counts).unwrap();
    let (_, err, code) = report_one(&store, "101", &out, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        recipients(&read_json(&out.join("101-2025.json")), "V-1.1", "2025K4"),
        recipients(&before, "V-1.1", "2025K4")
    );
    // A kept file that cannot be read is no file: counted afresh.
    std::fs::write(&second[0], b"not parquet").unwrap();
    let (_, err, code) = report_one(&store, "101", &out, &[]);
    assert_eq!(code, 0, "an unreadable kept file is counted afresh: {err}");
    assert_eq!(
        recipients(&read_json(&out.join("101-2025.json")), "V-1.1", "2025K4"),
        recipients(&after, "V-1.1", "2025K4")
    );
}

/// The kept cases behind a municipality's flags in `<out>/.godkend` (one file, named by its key).
fn kept_cases(out: &Path, kommune: &str) -> Vec<PathBuf> {
    kept_files(out, &format!("sager-2025-{kommune}-"))
}

#[test]
fn a_report_with_kept_counts_reads_no_case_for_the_cases_behind_its_flags() {
    let tmp = tempfile::tempdir().unwrap();
    let store = ingested_demo(tmp.path());
    let out = tmp.path().join("rapporter");
    let (_, err, code) = text(&godkend(&["run", "--store", p(&store), "--year", "2025", "--out", p(&out)]));
    assert_eq!(code, 0, "{err}");
    let json = std::fs::read(out.join("101-2025.json")).unwrap();
    let workbook = std::fs::read(out.join("101-2025-markeringer.xlsx")).unwrap();
    let sager: u64 = read_json(&out.join("101-2025.json"))["markeringer"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["sager_i_alt"].as_u64().unwrap())
        .sum();
    assert!(sager > 0, "København's flags have cases behind them");
    assert_eq!(kept_cases(&out, "101").len(), 1);

    // København's case files damaged: with the counts, start dates and cases behind its flags kept, its
    // report reads none of them and is what the run wrote.
    let cases: Vec<PathBuf> = std::fs::read_dir(store.join("sager"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("101-"))
        .collect();
    assert!(!cases.is_empty());
    let originals: Vec<Vec<u8>> = cases.iter().map(|c| std::fs::read(c).unwrap()).collect();
    for c in &cases {
        std::fs::write(c, b"not Parquet").unwrap();
    }
    let (_, err, code) = report_one(&store, "101", &out, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read(out.join("101-2025.json")).unwrap() == json, "the report differs from the run's");
    assert!(std::fs::read(out.join("101-2025-markeringer.xlsx")).unwrap() == workbook, "the workbook differs");

    // A kept file that cannot be read is no file: the cases are read (here: the damaged files, an error).
    std::fs::write(&kept_cases(&out, "101")[0], b"{").unwrap();
    let (_, err, code) = report_one(&store, "101", &out, &[]);
    assert_eq!(code, 2, "the damaged case files are read now: {err}");
    for (c, bytes) in cases.iter().zip(&originals) {
        std::fs::write(c, bytes).unwrap();
    }
    let (_, err, code) = report_one(&store, "101", &out, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read(out.join("101-2025.json")).unwrap() == json, "found again, the same cases");
    assert!(std::fs::read(&kept_cases(&out, "101")[0]).unwrap() != b"{", "and kept again");
}

fn pdf_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext").args(["-layout"]).arg(pdf).arg("-").output().expect("pdftotext");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn systemskifte_and_status_letters_name_cases_by_sagsid_never_by_cpr() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("lager");
    // Brønderslev's new case system re-creates 12 cases on 2025-04-01 (fixtures/golden/dialog/README.md).
    let leveringer = fixture("golden/dialog/leveringer");
    let (o, err, code) = text(&godkend(&["ingest", p(&leveringer), "--store", p(&store), "--demo-noegle"]));
    assert!(code <= 1, "{o}{err}");
    let out = tmp.path().join("skift");
    let args = ["systemskifte", "--store", p(&store), "--kommune", "810", "--dato", "2025-04-01", "--out", p(&out)];
    let (stdout, err, code) = text(&godkend(&args));
    assert_eq!(code, 0, "{stdout}{err}");
    assert!(stdout.contains("12 sager starter 2025-04-01") && stdout.contains("12 genoprettede"), "{stdout}");
    let breve = tmp.path().join("breve");
    let approvals = fixture("golden/dialog/godkendelser.csv");
    let (stdout, err, code) = statusbrev(&store, &approvals, &breve);
    assert_eq!(code, 0, "{stdout}{err}");
    let mut seen = 0;
    for dir in [&out, &breve] {
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            let body = match path.extension().and_then(|x| x.to_str()) {
                Some("pdf") => pdf_text(&path),
                Some("csv") => std::fs::read_to_string(&path).unwrap(),
                _ => continue,
            };
            seen += 1;
            for line in body.lines() {
                assert!(!godkend_model::tekst::contains_cpr(line), "{}: a CPR-shaped number: {line}", path.display());
            }
        }
    }
    assert_eq!(seen, 3 + 6 + 1, "the systemskifte PDF and two CSVs, six letters and their list");
    let sager = std::fs::read_to_string(out.join("810-systemskifte-2025-04-01-sager.csv")).unwrap();
    assert_eq!(sager.lines().nth(1), Some("810-0055;1.1;2025-04-01;;810-0001"), "{sager}");
}

#[test]
fn a_command_line_clap_cannot_read_is_told_in_danish() {
    let run = |args: &[&str]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_godkend")).args(args).output().unwrap();
        (String::from_utf8_lossy(&o.stderr).into_owned(), o.status.code())
    };
    let (err, code) = run(&["run", "--store", "lager"]);
    assert_eq!(code, Some(2));
    assert!(err.starts_with("error: mangler --year <ÅÅÅÅ>"), "{err}");
    assert!(err.contains("\nhint: brug: godkend run"), "{err}");
    let (err, _) = run(&["reprot"]);
    assert!(err.contains("error: ukendt kommando reprot; mente du report?"), "{err}");
    let (err, _) = run(&["run", "--stroe", "x"]);
    assert!(err.contains("error: ukendt tilvalg --stroe; mente du --store?"), "{err}");
    let (err, _) = run(&["run", "--store", "x", "--year", "1999", "--out", "y"]);
    assert!(err.contains("error: --year <ÅÅÅÅ>: 1999 er ikke et rapportår"), "{err}");
    let (err, _) = run(&["ingest", "x", "--store", "y", "--demo-noegle", "--noegle-fil", "z"]);
    assert!(err.contains("kan ikke bruges sammen med"), "{err}");
    for e in [run(&["rnu"]).0, run(&["run"]).0] {
        assert!(!e.contains("Usage:") && !e.contains("unexpected") && !e.contains("required"), "English left: {e}");
    }
    // Help is still help.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_godkend")).args(["run", "--help"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("--store"));
}

/// The PDFs of one folder, by name: (bytes, modification time).
fn pdfs(dir: &Path) -> std::collections::BTreeMap<String, (Vec<u8>, std::time::SystemTime)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "pdf") && !p.to_string_lossy().contains("status-"))
        .map(|p| {
            let meta = std::fs::metadata(&p).unwrap();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                (std::fs::read(&p).unwrap(), meta.modified().unwrap()),
            )
        })
        .collect()
}

#[test]
fn a_run_again_renders_only_the_reports_that_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let store = ingested_demo(tmp.path());
    let out = tmp.path().join("r");
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "--store", p(&store), "--year", "2025", "--out", p(&out)];
        args.extend_from_slice(extra);
        let (stdout, err, code) = text(&godkend(&args));
        assert_eq!(code, 0, "{stdout}{err}");
        err
    };
    let err = run(&[]);
    assert!(!err.contains("ikke dannet igen"), "nothing to keep in a new folder: {err}");
    let first = pdfs(&out);
    let n = first.len();
    assert!(n >= 7, "{n}");

    // The same input again: every PDF is kept as it is, not written.
    let err = run(&[]);
    assert!(err.contains(&format!("({n} af {n} PDF'er er uændrede siden sidst")), "{err}");
    assert_eq!(pdfs(&out), first, "same bytes, same modification times");

    // An altered PDF is not trusted: it is rendered again, to the bytes it had.
    let (name, (bytes, _)) = first.iter().next().unwrap();
    std::fs::write(out.join(name), [bytes.as_slice(), b"x"].concat()).unwrap();
    let err = run(&[]);
    assert!(err.contains(&format!("({} af {n} PDF'er", n - 1)), "{err}");
    assert_eq!(&pdfs(&out)[name].0, bytes);

    // A comment for one municipality: only its report is rendered again, and it shows the comment.
    let first = pdfs(&out);
    let report = read_json(&out.join("360-2025.json"));
    let m = report["markeringer"].as_array().unwrap().iter().find(|m| m["i_rapportaaret"] == true).unwrap().clone();
    let comments = tmp.path().join("svar.csv");
    std::fs::write(
        &comments,
        format!(
            "kommunekode;ydelse;kvartal;regel;kommentar\n360;{};{};{};Genbrugstest\n",
            m["ydelse"].as_str().unwrap(),
            m["kvartal"].as_str().unwrap(),
            m["regel"].as_str().unwrap()
        ),
    )
    .unwrap();
    let err = run(&["--comments", p(&comments)]);
    assert!(err.contains(&format!("({} af {n} PDF'er", n - 1)), "{err}");
    let after = pdfs(&out);
    for (name, (bytes, modified)) in &first {
        if name.starts_with("360-") {
            assert_ne!(&after[name].0, bytes, "360's report has the comment");
        } else {
            assert_eq!(&after[name], &(bytes.clone(), *modified), "{name} is untouched");
        }
    }
}
