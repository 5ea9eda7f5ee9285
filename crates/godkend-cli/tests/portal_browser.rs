//! The portal in a real browser: `tests/browser/portal.mjs` drives Debian's chromium with
//! playwright-core against the real binary on loopback — a municipality logs in, reads a mark and its
//! cases, comments, writes to DST, approves; another municipality is refused; DST sees the approval and
//! regenerates the report — and scans every page with axe-core. Then the regenerated PDF must carry the
//! comment. `.ci/run` installs chromium and the two npm packages; without them the test fails (set
//! GODKEND_UDEN_BROWSER=1 to skip it knowingly on a machine that has no browser).

mod portal;

use portal::Portal;
use std::path::PathBuf;
use std::process::Command;

fn browser_dir() -> PathBuf {
    portal::repo().join("crates/godkend-cli/tests/browser")
}

/// Where the screenshots go: beside the build (`$CARGO_TARGET_DIR/portal-skaermbilleder`).
fn screenshots() -> PathBuf {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| portal::repo().join("target"));
    target.join("portal-skaermbilleder")
}

#[test]
fn a_municipality_answers_and_approves_in_a_real_browser() {
    if std::env::var_os("GODKEND_UDEN_BROWSER").is_some() {
        eprintln!("springer browsertesten over (GODKEND_UDEN_BROWSER er sat)");
        return;
    }
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        PathBuf::from(&chromium).exists() && browser_dir().join("node_modules/playwright-core").is_dir(),
        "the browser test needs {chromium} and tests/browser/node_modules: run .ci/run, or \
         `apt-get install chromium` and `npm ci --prefix crates/godkend-cli/tests/browser`"
    );
    let portal = Portal::start();
    let made = Command::new(portal::bin())
        .args(["bruger", "tilfoej", "--dialog", portal.dialog.to_str().unwrap(), "--kommune", "101"])
        .args(["--rolle", "laeser", "--email", "ny.laeser@kk.dk", "--url", &portal.url()])
        .output()
        .unwrap();
    let link = String::from_utf8_lossy(&made.stdout);
    let path = link
        .lines()
        .find_map(|l| l.split_once(&portal.url()).map(|(_, p)| p.trim().to_string()))
        .expect("a one-time link");
    let out = Command::new("node")
        .arg(browser_dir().join("portal.mjs"))
        .args([&portal.url(), screenshots().to_str().unwrap()])
        .env("CHROMIUM", &chromium)
        .env("AKTIVER_STI", &path)
        .output()
        .expect("node");
    let log = String::from_utf8_lossy(&out.stdout);
    println!("{log}{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "the browser test failed:\n{log}");
    assert!(log.contains("alt i orden"));

    // DST's "regenerate" wrote København's report from the store and the dialogue store.
    let pdf = portal.out.join("101-København-2025.pdf");
    let text =
        Command::new("pdftotext").args([pdf.to_str().unwrap(), "-"]).output().expect("pdftotext (poppler-utils)");
    let text = String::from_utf8_lossy(&text.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        text.contains("systemskifte i oktober"),
        "the comment given in the browser is not in the regenerated PDF:\n{text}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(portal.out.join("101-2025.json")).unwrap()).unwrap();
    assert_eq!(json["godkendelse"]["godkendt_af"], "Jens Hansen, kontorchef");
}
