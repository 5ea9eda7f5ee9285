//! The golden-file check bites: run on a copy of the `ren` case, it passes unchanged and fails with a
//! readable diff when one threshold changes, when an expectation is stale, missing or no longer
//! produced — and `bless` makes it pass again. This is what `cargo xtask golden` runs.

use godkend_golden::{Place, bless_cases, check};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_godkend"))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.path().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// A scratch copy of one golden case: `<tmp>/cases/<name>/`, live output in `<tmp>/live/`.
struct Scratch {
    tmp: tempfile::TempDir,
    name: String,
}

impl Scratch {
    fn of(name: &str) -> Scratch {
        let tmp = tempfile::tempdir().unwrap();
        copy_dir(&root().join("fixtures/golden").join(name), &tmp.path().join("cases").join(name));
        Scratch { tmp, name: name.to_string() }
    }

    fn case(&self, rel: &str) -> PathBuf {
        self.tmp.path().join("cases").join(&self.name).join(rel)
    }

    /// `cargo xtask golden` on the copy: (failed cases, printed text).
    fn golden(&self) -> (Vec<String>, String) {
        let t = self.tmp.path();
        let outcome = check(bin(), &root(), &t.join("cases"), &t.join("live"), None).unwrap();
        (outcome.failed, outcome.text)
    }

    fn bless(&self) -> String {
        let t = self.tmp.path();
        bless_cases(bin(), &root(), &t.join("cases"), &t.join("live"), None, Place::Local).unwrap()
    }
}

#[test]
fn unchanged_case_passes() {
    let s = Scratch::of("ren");
    let (failed, text) = s.golden();
    assert!(failed.is_empty(), "{text}");
    assert!(text.starts_with("golden ren: ok ("), "{text}");
    assert!(text.ends_with("1 passed, 0 failed\n"), "{text}");
}

#[test]
fn one_changed_threshold_fails_with_a_diff_and_bless_accepts_it() {
    let s = Scratch::of("ren");
    // Lower the yellow quarter-on-quarter threshold from 10 % and 8 persons to 2 % and 1 person.
    let thresholds = std::fs::read_to_string(root().join("reference-data/taerskler.toml")).unwrap();
    let changed =
        thresholds.replacen("gul = { procent = 10.0, personer = 8 }", "gul = { procent = 2.0, personer = 1 }", 1);
    assert_ne!(changed, thresholds, "the threshold line to change is gone from taerskler.toml");
    std::fs::write(s.case("taerskler.toml"), changed).unwrap();

    let (failed, text) = s.golden();
    assert_eq!(failed, ["ren"], "{text}");
    // A unified diff of the report JSON, with the new yellow quarter-on-quarter flag as added lines …
    assert!(
        text.contains("ren: 825-2025.json differs\n--- forventet/825-2025.json\n+++ nu/825-2025.json\n@@ "),
        "{text}"
    );
    assert!(text.lines().any(|l| l.starts_with('+') && l.contains("\"regel\": \"kvartal_til_kvartal\"")), "{text}");
    assert!(
        text.lines().any(|l| l.starts_with('+') && l.contains("\"taerskel\": \"≥ 2\u{a0}% og ≥ 1 personer\"")),
        "{text}"
    );
    // … the same change as the reader sees it in the PDF text, and the way to accept it.
    assert!(text.contains("ren: 825-Læsø-2025.txt differs\n"), "{text}");
    assert!(text.contains("ren: pdf-sha256.txt differs\n"), "{text}");
    assert!(text.ends_with("0 passed, 1 failed\nIf the change is intended: cargo xtask bless ren\n"), "{text}");

    let blessed = s.bless();
    assert!(blessed.starts_with("bless ren: "), "{blessed}");
    assert!(blessed.contains("  ~ 825-2025.json\n"), "{blessed}");
    let (failed, text) = s.golden();
    assert!(failed.is_empty(), "after bless: {text}");
}

#[test]
fn a_stale_expectation_fails() {
    let s = Scratch::of("ren");
    let receipt = std::fs::read_dir(s.case("forventet/kvitteringer")).unwrap().next().unwrap().unwrap().path();
    let name = receipt.file_name().unwrap().to_string_lossy().into_owned();
    let text = std::fs::read_to_string(&receipt).unwrap();
    std::fs::write(&receipt, format!("{text}En linje fra en ældre version.\n")).unwrap();

    let (failed, out) = s.golden();
    assert_eq!(failed, ["ren"], "{out}");
    assert!(out.contains(&format!("ren: kvitteringer/{name} differs\n--- forventet/kvitteringer/{name}\n")), "{out}");
    assert!(out.contains("\n-En linje fra en ældre version.\n"), "{out}");
}

#[test]
fn a_missing_expectation_fails() {
    let s = Scratch::of("ren");
    std::fs::remove_file(s.case("forventet/825-2025.json")).unwrap();
    let (failed, out) = s.golden();
    assert_eq!(failed, ["ren"], "{out}");
    assert!(out.contains("ren: new output 825-2025.json has no expectation\n"), "{out}");

    std::fs::remove_dir_all(s.case("forventet")).unwrap();
    let (failed, out) = s.golden();
    assert_eq!(failed, ["ren"], "{out}");
    assert!(out.contains("ren: no expectations (forventet/ is missing or empty)\n"), "{out}");
}

#[test]
fn an_expectation_that_is_no_longer_produced_fails() {
    let s = Scratch::of("ren");
    std::fs::write(s.case("forventet/kvitteringer/825_2024-13.txt"), "gammel kvittering\n").unwrap();
    let (failed, out) = s.golden();
    assert_eq!(failed, ["ren"], "{out}");
    assert!(out.contains("ren: expected output kvitteringer/825_2024-13.txt was not produced\n"), "{out}");
}

#[test]
fn an_unknown_case_conf_key_is_an_error() {
    let s = Scratch::of("ren");
    std::fs::write(s.case("case.conf"), "aar = 2025\nkomentarer = k.csv\n").unwrap();
    let t = s.tmp.path();
    let err = check(bin(), &root(), &t.join("cases"), &t.join("live"), None).unwrap_err();
    assert!(format!("{err:#}").contains("case.conf:2: unknown key `komentarer`"), "{err:#}");
}

#[test]
fn bless_is_refused_in_ci_and_leaves_the_expectations_alone() {
    let s = Scratch::of("ren");
    let before = std::fs::read(s.case("forventet/825-2025.json")).unwrap();
    std::fs::write(s.case("forventet/825-2025.json"), "{}\n").unwrap();
    let t = s.tmp.path();
    let err = bless_cases(bin(), &root(), &t.join("cases"), &t.join("live"), None, Place::Ci).unwrap_err();
    assert!(err.to_string().starts_with("refusing to bless expectations in CI"), "{err}");
    assert_eq!(std::fs::read(s.case("forventet/825-2025.json")).unwrap(), b"{}\n", "nothing was rewritten");
    let (failed, _) = s.golden();
    assert_eq!(failed, ["ren"]);
    assert_ne!(before, b"{}\n");
}
