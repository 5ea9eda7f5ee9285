//! Golden-file checks: every case in `fixtures/golden/<case>/` is ingested and run with the real
//! binary, and what a reader would see — receipts (text), report JSON, the text of each PDF page by
//! page (pdftotext), the PDFs' SHA-256 and the exit codes — is compared with `<case>/forventet/`.
//!
//! `cargo xtask golden` and `cargo xtask bless` drive this crate; `crates/godkend-cli/tests/golden.rs`
//! shows that it bites (a changed threshold, a stale or a missing expectation all fail).
//!
//! A case folder holds `case.conf` (see [`Conf`]), its deliveries and optionally `taerskler.toml`,
//! which replaces the reference thresholds for that case. Live output stays in
//! `target/golden/<case>/` so a person can open the PDFs.

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Output files of a case: path relative to `forventet/` → content.
pub type Files = BTreeMap<String, Vec<u8>>;

/// How many lines of one file's diff are printed before the rest is summarised.
const DIFF_LINES: usize = 80;

#[derive(Debug)]
pub struct Case {
    pub name: String,
    pub dir: PathBuf,
}

/// The cases under `root`, sorted by name; only `only` if given.
pub fn cases(root: &Path, only: Option<&str>) -> Result<Vec<Case>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(root).with_context(|| format!("reading {}", root.display()))? {
        let dir = e?.path();
        let name = dir.file_name().unwrap_or_default().to_string_lossy().into_owned();
        if dir.join("case.conf").is_file() && only.is_none_or(|o| o == name) {
            out.push(Case { name, dir });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(o) = only
        && out.is_empty()
    {
        bail!("no golden case `{o}` in {} (a case is a folder with a case.conf)", root.display());
    }
    Ok(out)
}

/// `case.conf`: `key = value` lines, `#` starts a comment. Paths are relative to the case folder.
#[derive(Debug)]
pub struct Conf {
    /// `aar`: the report year.
    pub aar: i32,
    /// `leveringer`: the deliveries (default `leveringer`).
    pub leveringer: String,
    /// `kommentarer`: comments files or folders (CSV or XLSX), comma separated; each becomes a
    /// `run --comments`.
    pub kommentarer: Vec<String>,
    /// `godkendt_leveringer`: deliveries ingested first and run for `aar − 1`; that run's output is
    /// then passed as `--approved`, so the revision rule has last year's approved figures.
    pub godkendt_leveringer: Option<String>,
    /// `svar`: the municipalities' answers to the first report (returned workbooks, CSV), comma
    /// separated: a second run with `--forrige rapporter --comments …` writes `kommenteret/`.
    pub svar: Vec<String>,
    /// `rettelser`: corrections ingested after that; a further run with `--forrige` (the previous
    /// run's folder) writes `genudsendt/` — flag states, kept comments.
    pub rettelser: Option<String>,
    /// `godkendelser`: the approvals file, passed to the last run and to `statusbrev` (→ `breve/`).
    pub godkendelser: Option<String>,
    /// `systemskifte`: `KODE YYYY-MM-DD`, a systemskifte report on the final store (→ `systemskifte/`).
    pub systemskifte: Option<(String, String)>,
    /// `publicering = ja`: the publication tables of the final store (→ `publicering/`), only the
    /// approved municipalities when the case has `godkendelser`.
    pub publicering: bool,
}

/// The folders of the dialogue's later steps, in the order they are written.
const STEP_FOLDERS: [&str; 5] = ["kommenteret", "genudsendt", "breve", "systemskifte", "publicering"];

impl Conf {
    pub fn read(case: &Case) -> Result<Conf> {
        let path = case.dir.join("case.conf");
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let mut conf = Conf {
            aar: 0,
            leveringer: "leveringer".into(),
            kommentarer: Vec::new(),
            godkendt_leveringer: None,
            svar: Vec::new(),
            rettelser: None,
            godkendelser: None,
            systemskifte: None,
            publicering: false,
        };
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let at = || format!("{}:{}", path.display(), n + 1);
            let (key, value) = line.split_once('=').with_context(|| format!("{}: expected `key = value`", at()))?;
            let value = value.trim().to_string();
            match key.trim() {
                "aar" => conf.aar = value.parse().with_context(|| format!("{}: aar must be a year", at()))?,
                "leveringer" => conf.leveringer = value,
                "kommentarer" => conf.kommentarer = value.split(',').map(|v| v.trim().to_string()).collect(),
                "godkendt_leveringer" => conf.godkendt_leveringer = Some(value),
                "svar" => conf.svar = value.split(',').map(|v| v.trim().to_string()).collect(),
                "rettelser" => conf.rettelser = Some(value),
                "godkendelser" => conf.godkendelser = Some(value),
                "systemskifte" => {
                    let (k, d) =
                        value.split_once(' ').with_context(|| format!("{}: systemskifte = KODE YYYY-MM-DD", at()))?;
                    conf.systemskifte = Some((k.trim().to_string(), d.trim().to_string()));
                }
                "publicering" => conf.publicering = value == "ja",
                other => bail!(
                    "{}: unknown key `{other}` (known: aar, leveringer, kommentarer, godkendt_leveringer, svar, rettelser, godkendelser, systemskifte, publicering)",
                    at()
                ),
            }
        }
        if conf.aar == 0 {
            bail!("{}: needs `aar = YYYY`", path.display());
        }
        Ok(conf)
    }
}

/// Runs one case into `live` (emptied first) and returns the files to compare.
///
/// Every command runs inside `live` with relative paths for the store and the reports, so nothing a
/// reader sees depends on where the repository is checked out.
pub fn produce(bin: &Path, repo: &Path, case: &Case, live: &Path) -> Result<Files> {
    let conf = Conf::read(case)?;
    if live.exists() {
        std::fs::remove_dir_all(live)?;
    }
    std::fs::create_dir_all(live)?;
    let mut common: Vec<String> = Vec::new();
    if case.dir.join("taerskler.toml").is_file() {
        let reference = live.join("reference");
        std::fs::create_dir_all(&reference)?;
        for e in std::fs::read_dir(repo.join("reference-data"))? {
            let e = e?;
            std::fs::copy(e.path(), reference.join(e.file_name()))?;
        }
        std::fs::copy(case.dir.join("taerskler.toml"), reference.join("taerskler.toml"))?;
        common = vec!["--reference".into(), "reference".into()];
    }
    let godkend = |args: &[&str]| -> Result<i32> {
        let out = Command::new(bin)
            .args(&common)
            .args(args)
            .current_dir(live)
            .env_remove("GODKEND_NOEGLE")
            .output()
            .with_context(|| format!("running {}", bin.display()))?;
        Ok(out.status.code().unwrap_or(-1))
    };
    let path = |rel: &str| case.dir.join(rel).display().to_string();
    let mut codes = String::new();
    let mut run_args = vec!["run", "--store", "lager", "--out", "rapporter"];
    let previous = (conf.aar - 1).to_string();
    if let Some(earlier) = &conf.godkendt_leveringer {
        let ingest = godkend(&["ingest", &path(earlier), "--store", "lager", "--demo-noegle"])?;
        let run = godkend(&["run", "--store", "lager", "--year", &previous, "--out", "godkendt"])?;
        codes.push_str(&format!("ingest {earlier} {ingest}\nrun {previous} {run}\n"));
        run_args.extend(["--approved", "godkendt"]);
    }
    let ingest = godkend(&["ingest", &path(&conf.leveringer), "--store", "lager", "--demo-noegle"])?;
    let year = conf.aar.to_string();
    run_args.extend(["--year", &year]);
    let comments: Vec<String> = conf.kommentarer.iter().map(|c| path(c)).collect();
    for c in &comments {
        run_args.extend(["--comments", c]);
    }
    let run = godkend(&run_args)?;
    codes.push_str(&format!("ingest {} {ingest}\nrun {year} {run}\n", conf.leveringer));

    // The dialogue: answers, corrections, approvals, letters — each step reads the previous one's folder.
    let mut previous = "rapporter".to_string();
    if !conf.svar.is_empty() {
        let mut args =
            vec!["run", "--store", "lager", "--year", &year, "--out", "kommenteret", "--forrige", "rapporter"];
        let svar: Vec<String> = conf.svar.iter().map(|c| path(c)).collect();
        for c in &svar {
            args.extend(["--comments", c]);
        }
        codes.push_str(&format!("run {year} --comments {} {}\n", conf.svar.join(","), godkend(&args)?));
        previous = "kommenteret".into();
    }
    let godkendelser = conf.godkendelser.as_ref().map(|g| path(g));
    if let Some(rettelser) = &conf.rettelser {
        let ingest = godkend(&["ingest", &path(rettelser), "--store", "lager", "--demo-noegle"])?;
        let mut args = vec!["run", "--store", "lager", "--year", &year, "--out", "genudsendt", "--forrige", &previous];
        if let Some(g) = &godkendelser {
            args.extend(["--godkendelser", g]);
        }
        codes.push_str(&format!("ingest {rettelser} {ingest}\nrun {year} --forrige {previous} {}\n", godkend(&args)?));
        previous = "genudsendt".into();
    }
    if let Some(g) = &godkendelser {
        let args = [
            "statusbrev",
            "--store",
            "lager",
            "--year",
            &year,
            "--godkendelser",
            g,
            "--out",
            "breve",
            "--forrige",
            &previous,
        ];
        codes.push_str(&format!("statusbrev {year} {}\n", godkend(&args)?));
    }
    if let Some((k, d)) = &conf.systemskifte {
        let args = ["systemskifte", "--store", "lager", "--kommune", k, "--dato", d, "--out", "systemskifte"];
        codes.push_str(&format!("systemskifte {k} {d} {}\n", godkend(&args)?));
    }

    if conf.publicering {
        let mut args = vec!["publicer", "--store", "lager", "--year", &year, "--out", "publicering"];
        if let Some(g) = &godkendelser {
            args.extend(["--godkendelser", g, "--kun-godkendte"]);
        }
        codes.push_str(&format!("publicer {year} {}\n", godkend(&args)?));
    }

    let mut files = Files::new();
    files.insert("exitkoder.txt".to_string(), codes.into_bytes());
    let receipts = live.join("lager/kvitteringer");
    if receipts.is_dir() {
        for e in sorted(&receipts)? {
            let name = file_name(&e);
            if name.ends_with(".txt") {
                files.insert(format!("kvitteringer/{name}"), std::fs::read(&e)?);
            }
        }
    }
    let mut hashes = String::new();
    // The first run's files keep their bare names; later steps' go under their folder's name.
    for (folder, prefix) in
        std::iter::once(("rapporter", String::new())).chain(STEP_FOLDERS.map(|f| (f, format!("{f}/"))))
    {
        let dir = live.join(folder);
        if !dir.is_dir() {
            continue;
        }
        for e in sorted(&dir)? {
            let name = file_name(&e);
            if name.ends_with(".json") || name.ends_with(".csv") || name.ends_with(".px") {
                files.insert(format!("{prefix}{name}"), std::fs::read(&e)?);
            } else if name.ends_with(".pdf") {
                files.insert(format!("{prefix}{}.txt", name.trim_end_matches(".pdf")), pdf_text(&e)?);
                let sum: String = Sha256::digest(std::fs::read(&e)?).iter().map(|b| format!("{b:02x}")).collect();
                hashes.push_str(&format!("{sum}  {prefix}{name}\n"));
            } else if name.ends_with(".xlsx") {
                files.insert(format!("{prefix}{name}.txt"), xlsx_text(&e)?);
            }
        }
    }
    files.insert("pdf-sha256.txt".to_string(), hashes.into_bytes());
    Ok(files)
}

/// The text a reader sees, page by page (pdftotext -layout; a form feed becomes a marked line).
fn pdf_text(pdf: &Path) -> Result<Vec<u8>> {
    let out = Command::new("pdftotext")
        .args(["-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .context("pdftotext is missing (apt-get install poppler-utils)")?;
    if !out.status.success() {
        bail!("pdftotext could not read {}", pdf.display());
    }
    Ok(String::from_utf8_lossy(&out.stdout).replace('\u{c}', "\n---- ny side ----\n").into_bytes())
}

/// A workbook as a reader sees it: each sheet's name, then its rows, cells separated by ` | `.
fn xlsx_text(path: &Path) -> Result<Vec<u8>> {
    use calamine::{Data, Reader};
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook(path).with_context(|| format!("opening {}", path.display()))?;
    let mut out = String::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).with_context(|| format!("{}: sheet {name}", path.display()))?;
        out.push_str(&format!("== ark {name}\n"));
        for row in range.rows() {
            let cells: Vec<String> = row
                .iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
                    other => other.to_string(),
                })
                .collect();
            out.push_str(cells.join(" | ").trim_end());
            out.push('\n');
        }
    }
    Ok(out.into_bytes())
}

fn file_name(p: &Path) -> String {
    p.file_name().unwrap_or_default().to_string_lossy().into_owned()
}

fn sorted(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
    v.sort();
    Ok(v)
}

/// The expectations stored for a case (empty when `forventet/` is missing).
pub fn expected(case: &Case) -> Result<Files> {
    let root = case.dir.join("forventet");
    let mut out = Files::new();
    if !root.is_dir() {
        return Ok(out);
    }
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for p in sorted(&d)? {
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(&root)?.to_string_lossy().replace('\\', "/");
                out.insert(rel, std::fs::read(&p)?);
            }
        }
    }
    Ok(out)
}

/// Human-readable differences (a unified diff per changed file), empty when everything matches.
pub fn differences(case: &Case, want: &Files, got: &Files) -> Vec<String> {
    let mut out = Vec::new();
    if want.is_empty() {
        out.push(format!("{}: no expectations (forventet/ is missing or empty)", case.name));
        return out;
    }
    for (name, bytes) in got {
        match want.get(name) {
            None => out.push(format!("{}: new output {name} has no expectation", case.name)),
            Some(w) if w != bytes => out.push(format!("{}: {name} differs\n{}", case.name, unified(name, w, bytes))),
            Some(_) => {}
        }
    }
    for name in want.keys().filter(|n| !got.contains_key(*n)) {
        out.push(format!("{}: expected output {name} was not produced", case.name));
    }
    out
}

fn unified(name: &str, want: &[u8], got: &[u8]) -> String {
    let (want, got) = (String::from_utf8_lossy(want), String::from_utf8_lossy(got));
    let diff = similar::TextDiff::from_lines(&*want, &*got)
        .unified_diff()
        .context_radius(3)
        .header(&format!("forventet/{name}"), &format!("nu/{name}"))
        .to_string();
    let total = diff.lines().count();
    let mut shown: String = diff.lines().take(DIFF_LINES).map(|l| format!("{l}\n")).collect();
    if total > DIFF_LINES {
        shown.push_str(&format!("… ({} more diff lines)\n", total - DIFF_LINES));
    }
    shown
}

/// What `cargo xtask golden` found.
#[derive(Debug)]
pub struct Outcome {
    /// The names of the cases that differ.
    pub failed: Vec<String>,
    /// The full report: a line per passing case, the diffs, a summary and the bless commands.
    pub text: String,
}

/// Runs and compares every case under `cases_root` (only `only` if given); live output goes to
/// `live_root/<case>/`.
pub fn check(bin: &Path, repo: &Path, cases_root: &Path, live_root: &Path, only: Option<&str>) -> Result<Outcome> {
    let cases = cases(cases_root, only)?;
    let (mut failed, mut text) = (Vec::new(), String::new());
    for case in &cases {
        let got = produce(bin, repo, case, &live_root.join(&case.name))?;
        let diffs = differences(case, &expected(case)?, &got);
        if diffs.is_empty() {
            text.push_str(&format!("golden {}: ok ({} files)\n", case.name, got.len()));
        } else {
            for d in &diffs {
                text.push_str(&format!("{d}\n"));
            }
            failed.push(case.name.clone());
        }
    }
    text.push_str(&format!("{} passed, {} failed\n", cases.len() - failed.len(), failed.len()));
    for f in &failed {
        text.push_str(&format!("If the change is intended: cargo xtask bless {f}\n"));
    }
    Ok(Outcome { failed, text })
}

/// Replaces a case's expectations with `got`; returns what changed (`+` new, `~` changed, `-` gone).
pub fn bless(case: &Case, got: &Files) -> Result<Vec<String>> {
    let want = expected(case)?;
    let mut changes = Vec::new();
    for (name, bytes) in got {
        match want.get(name) {
            None => changes.push(format!("+ {name}")),
            Some(w) if w != bytes => changes.push(format!("~ {name}")),
            _ => {}
        }
    }
    changes.extend(want.keys().filter(|n| !got.contains_key(*n)).map(|n| format!("- {n}")));
    let root = case.dir.join("forventet");
    if root.exists() {
        std::fs::remove_dir_all(&root)?;
    }
    for (name, bytes) in got {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().expect("file in a folder"))?;
        std::fs::write(path, bytes)?;
    }
    Ok(changes)
}

/// Where `bless` runs: expectations are only ever rewritten by a person, never by CI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// The `CI` environment variable is set.
    Ci,
    Local,
}

impl Place {
    pub fn from_env() -> Place {
        if std::env::var_os("CI").is_some() { Place::Ci } else { Place::Local }
    }

    /// Whether expectations may be rewritten here.
    pub fn may_bless(self) -> Result<()> {
        if self == Place::Ci {
            bail!(
                "refusing to bless expectations in CI (CI is set); run `cargo xtask bless` locally and commit the result"
            );
        }
        Ok(())
    }
}

/// Runs every case (or `only`) and rewrites its expectations; returns a report of what changed.
/// Refused in CI, where a bless would turn any difference into a pass.
pub fn bless_cases(
    bin: &Path,
    repo: &Path,
    cases_root: &Path,
    live_root: &Path,
    only: Option<&str>,
    place: Place,
) -> Result<String> {
    place.may_bless()?;
    let mut text = String::new();
    for case in cases(cases_root, only)? {
        let got = produce(bin, repo, &case, &live_root.join(&case.name))?;
        let changes = bless(&case, &got)?;
        if changes.is_empty() {
            text.push_str(&format!("bless {}: unchanged\n", case.name));
        } else {
            text.push_str(&format!("bless {}: {} files changed\n", case.name, changes.len()));
            for c in changes {
                text.push_str(&format!("  {c}\n"));
            }
        }
    }
    Ok(text)
}
