//! A store that was tampered with, restored in part or copied from another: the real binary must say
//! which file is wrong and never count from it, an ingest must never delete or overwrite what it did
//! not write, and `fsck` and `backup` must do what docs/lager.md says.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{HEAD, godkend, p};

/// A delivery of `n` cases for `kommune` in 2025-`month`.
fn delivery(dir: &Path, kommune: u16, month: u32, n: usize) -> PathBuf {
    let path = dir.join(format!("{kommune}_2025-{month:02}.csv"));
    let rows: String = (0..n)
        .map(|i| format!("{kommune};{kommune}-{month}-{i};01019{:05};1.1;6;2025-{month:02}-01;;\n", 1235 + 2 * i))
        .collect();
    std::fs::write(&path, format!("{HEAD}\n{rows}")).unwrap();
    path
}

fn ingest(store: &Path, files: &[PathBuf]) -> (String, String, i32) {
    let mut args = vec!["ingest".to_string()];
    args.extend(files.iter().map(|f| p(f).to_string()));
    args.extend(["--store", p(store), "--demo-noegle", "--dato", "2026-11-23"].map(String::from));
    godkend(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

fn report(store: &Path, out: &Path) -> (String, String, i32) {
    godkend(&["report", "--store", p(store), "--year", "2025", "--kommune", "101", "--out", p(out)])
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[test]
fn a_case_file_from_another_store_is_named_and_no_figure_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let (ours, theirs) = (tmp.path().join("lager"), tmp.path().join("andet"));
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    assert_eq!(ingest(&ours, &[delivery(&a, 101, 1, 30)]).2, 0);
    assert_eq!(ingest(&theirs, &[delivery(&b, 101, 1, 3)]).2, 0);
    std::fs::copy(theirs.join("sager/101-g1.parquet"), ours.join("sager/101-g1.parquet")).unwrap();
    let out = tmp.path().join("r");
    let (stdout, err, code) = report(&ours, &out);
    // Before: exit 0 and a report of 3 recipients instead of 30.
    assert_eq!(code, 2, "{stdout}\n{err}");
    assert!(err.contains("sager/101-g1.parquet: filen passer ikke med lagerets manifest"), "{err}");
    assert!(err.contains("hint: ") && err.contains("godkend fsck"), "{err}");
    assert!(!out.join("101-2025.json").exists(), "a figure from a damaged store");
    let (stdout, _, code) = godkend(&["fsck", "--store", p(&ours)]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("sager/101-g1.parquet: filen passer ikke") && stdout.contains("råd: genskab"), "{stdout}");
}

#[test]
fn a_manifest_restored_from_an_older_copy_is_refused_and_nothing_is_deleted() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("lager");
    let d = tmp.path().join("d");
    std::fs::create_dir_all(&d).unwrap();
    assert_eq!(ingest(&store, &[delivery(&d, 101, 1, 30)]).2, 0);
    let generation_1 = std::fs::read(store.join("godkend-store.json")).unwrap();
    assert_eq!(ingest(&store, &[delivery(&d, 101, 2, 30), delivery(&d, 147, 2, 5)]).2, 0);
    let before = files_in(&store.join("sager"));
    std::fs::write(store.join("godkend-store.json"), generation_1).unwrap();

    let (stdout, err, code) = report(&store, &tmp.path().join("r"));
    assert_eq!(code, 2, "{stdout}\n{err}");
    assert!(err.contains("en fil fra generation 2, nyere end manifestets 1"), "{err}");
    // Before: the ingest deleted generation 2's files as leftovers and skipped nothing.
    let (stdout, err, code) = ingest(&store, &[delivery(&d, 101, 3, 30)]);
    assert_eq!(code, 2, "{stdout}\n{err}");
    assert!(err.contains("nyere end manifestets 1"), "{err}");
    assert_eq!(files_in(&store.join("sager")), before, "the ingest deleted or wrote case files");
    let (stdout, _, code) = godkend(&["fsck", "--store", p(&store)]);
    assert_eq!(code, 1);
    assert!(stdout.contains("147-g2.parquet") && stdout.contains("genskab godkend-store.json"), "{stdout}");
}

#[test]
fn an_edited_manifest_is_refused_by_its_checksum() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("lager");
    let d = tmp.path().join("d");
    std::fs::create_dir_all(&d).unwrap();
    assert_eq!(ingest(&store, &[delivery(&d, 101, 1, 30), delivery(&d, 147, 1, 5)]).2, 0);
    let manifest = store.join("godkend-store.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    for (what, edited) in [
        ("a municipality dropped", text.replace(",\n    \"147\": \"sager/147-g1.parquet\"", "")),
        (
            "another municipality's file",
            text.replace("\"147\": \"sager/147-g1.parquet\"", "\"147\": \"sager/101-g1.parquet\""),
        ),
        ("the generation lowered", text.replace("\"generation\": 1", "\"generation\": 0")),
        ("the generation at its end", text.replace("\"generation\": 1", "\"generation\": 18446744073709551615")),
    ] {
        assert_ne!(edited, text, "{what}: the edit did not apply\n{text}");
        std::fs::write(&manifest, &edited).unwrap();
        let (stdout, err, code) = report(&store, &tmp.path().join("r"));
        assert_eq!(code, 2, "{what}\n{stdout}\n{err}");
        assert!(err.contains("godkend-store.json: manifestets kontrolsum passer ikke"), "{what}: {err}");
        let (_, err, code) = ingest(&store, &[delivery(&d, 101, 2, 3)]);
        assert_eq!(code, 2, "{what}: {err}");
        assert_eq!(files_in(&store.join("sager")), ["101-g1.parquet", "147-g1.parquet"], "{what}");
    }
    std::fs::write(&manifest, &text).unwrap();
    assert_eq!(godkend(&["fsck", "--store", p(&store)]).2, 0);
}

#[test]
fn a_backup_is_a_store_with_the_same_cases_and_refuses_an_existing_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("lager");
    let d = tmp.path().join("d");
    std::fs::create_dir_all(&d).unwrap();
    assert_eq!(ingest(&store, &[delivery(&d, 101, 1, 30)]).2, 0);
    assert_eq!(ingest(&store, &[delivery(&d, 101, 2, 3)]).2, 0);
    let copy = tmp.path().join("kopi");
    let (stdout, err, code) = godkend(&["backup", "--store", p(&store), "--til", p(&copy)]);
    assert_eq!(code, 0, "{stdout}\n{err}");
    assert!(stdout.contains("generation 2 kopieret"), "{stdout}");
    assert_eq!(godkend(&["fsck", "--store", p(&copy)]).2, 0);
    let (a, b) = (tmp.path().join("ra"), tmp.path().join("rb"));
    assert_eq!(report(&store, &a).2, 0);
    assert_eq!(report(&copy, &b).2, 0);
    assert_eq!(std::fs::read(a.join("101-2025.json")).unwrap(), std::fs::read(b.join("101-2025.json")).unwrap());
    assert_eq!(files_in(&copy.join("kvitteringer")), files_in(&store.join("kvitteringer")));
    let (_, err, code) = godkend(&["backup", "--store", p(&store), "--til", p(&copy)]);
    assert_eq!(code, 2);
    assert!(err.contains("findes allerede"), "{err}");
}

#[cfg(unix)]
#[test]
fn files_honour_the_umask_so_colleagues_can_read_them() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let (store, out, d) = (tmp.path().join("lager"), tmp.path().join("r"), tmp.path().join("d"));
    std::fs::create_dir_all(&d).unwrap();
    let f = delivery(&d, 101, 1, 5);
    let bin = env!("CARGO_BIN_EXE_godkend");
    let script = format!(
        "umask 027 && {bin} ingest {} --store {} --demo-noegle --dato 2026-11-23 && {bin} run --store {} --year 2025 --out {}",
        p(&f),
        p(&store),
        p(&store),
        p(&out)
    );
    let status = Command::new("sh").arg("-c").arg(&script).env_remove("GODKEND_NOEGLE").status().unwrap();
    assert!(status.success());
    let mode = |path: PathBuf| std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    // Before: 0600 for all of these whatever the umask.
    for path in [
        store.join("godkend-store.json"),
        store.join("sager/101-g1.parquet"),
        store.join("leveringer-g1.parquet"),
        store.join("kvitteringer/101_2025-01.csv.txt"),
        out.join("101-København-2025.pdf"),
        out.join("101-2025.json"),
        out.join("101-2025-markeringer.xlsx"),
        out.join("status-2025.csv"),
    ] {
        assert_eq!(mode(path.clone()), 0o640, "{}", path.display());
    }
}

#[test]
fn two_stores_never_write_into_one_output_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, d) = (tmp.path().join("a"), tmp.path().join("b"), tmp.path().join("d"));
    std::fs::create_dir_all(&d).unwrap();
    assert_eq!(ingest(&a, &[delivery(&d, 101, 1, 30)]).2, 0);
    assert_eq!(ingest(&b, &[delivery(&d, 101, 1, 3)]).2, 0);
    let out = tmp.path().join("r");
    assert_eq!(report(&a, &out).2, 0);
    let before = std::fs::read(out.join("101-2025.json")).unwrap();
    // Before: the second store's report silently replaced the first's.
    let (_, err, code) = report(&b, &out);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("indeholder et andet lagers uddata") && err.contains("hint: "), "{err}");
    assert_eq!(std::fs::read(out.join("101-2025.json")).unwrap(), before);
    assert_eq!(report(&a, &out).2, 0, "the same store again is fine");
}

#[test]
fn a_folder_holding_only_a_subfolder_is_an_error_not_an_empty_ingest() {
    let tmp = tempfile::tempdir().unwrap();
    let outer = tmp.path().join("leveringer");
    std::fs::create_dir_all(outer.join("2025")).unwrap();
    delivery(&outer.join("2025"), 101, 1, 3);
    let store = tmp.path().join("lager");
    // Before: exit 0 and nothing ingested.
    let mut args = vec!["ingest", p(&outer), "--store", p(&store), "--demo-noegle"];
    args.extend(["--dato", "2026-11-23"]);
    let (_, err, code) = godkend(&args);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("ingen leveringer") && err.contains("undermapper gennemsøges ikke"), "{err}");
    assert!(!store.exists(), "no store was made");
}

#[test]
fn a_file_sent_again_with_other_content_keeps_its_earlier_receipt() {
    let tmp = tempfile::tempdir().unwrap();
    let (store, d) = (tmp.path().join("lager"), tmp.path().join("d"));
    std::fs::create_dir_all(&d).unwrap();
    assert_eq!(ingest(&store, &[delivery(&d, 101, 1, 30)]).2, 0);
    let first = std::fs::read_to_string(store.join("kvitteringer/101_2025-01.csv.txt")).unwrap();
    // Before: the second receipt replaced the first.
    assert_eq!(ingest(&store, &[delivery(&d, 101, 1, 3)]).2, 0);
    let kept = std::fs::read_to_string(store.join("kvitteringer/101_2025-01.csv.foer-g2.txt")).unwrap();
    assert_eq!(kept, first);
    assert!(store.join("kvitteringer/101_2025-01.csv.foer-g2.json").exists());
    let newest = std::fs::read_to_string(store.join("kvitteringer/101_2025-01.csv.txt")).unwrap();
    assert_ne!(newest, first);
}

/// As another user (`nobody`, through `runuser`), when the tests run as root; elsewhere the test says so
/// and checks nothing.
#[cfg(unix)]
#[test]
fn a_reader_that_cannot_take_the_reader_lock_refuses_rather_than_read_unprotected() {
    use std::os::unix::fs::PermissionsExt;
    let is_root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if !is_root || Command::new("runuser").arg("--help").output().is_err() {
        eprintln!("skipped: needs root and runuser to act as another user");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    // The binary where `nobody` may run it.
    let bin = tmp.path().join("godkend");
    std::fs::copy(env!("CARGO_BIN_EXE_godkend"), &bin).unwrap();
    let (store, d, out) = (tmp.path().join("lager"), tmp.path().join("d"), tmp.path().join("r"));
    std::fs::create_dir_all(&d).unwrap();
    assert_eq!(ingest(&store, &[delivery(&d, 101, 1, 5)]).2, 0);
    std::fs::create_dir_all(&out).unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o777)).unwrap();
    let as_nobody = || {
        let o = Command::new("runuser")
            .args(["-u", "nobody", "--"])
            .arg(&bin)
            .args(["report", "--store", p(&store), "--year", "2025", "--kommune", "101", "--out", p(&out)])
            .output()
            .unwrap();
        (String::from_utf8_lossy(&o.stderr).into_owned(), o.status.code())
    };
    // The lock file is there and readable: the reader takes it through a read-only handle.
    let (err, code) = as_nobody();
    assert_eq!(code, Some(0), "{err}");
    // No lock file, and no right to make one. Before: the report was made without the lock (exit 0).
    std::fs::remove_file(store.join("laeser.lock")).unwrap();
    let (err, code) = as_nobody();
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("kan ikke tage læselåsen") && err.contains("chmod 644"), "{err}");
}
