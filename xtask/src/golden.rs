//! Golden-file checks: every case in `fixtures/golden/<case>/` is ingested and run with the real
//! binary, and what a reader would see — receipts (text), report JSON, the text of each PDF page by
//! page (pdftotext), the PDFs' SHA-256 and the exit codes — is compared with `<case>/forventet/`.
//!
//! A case folder holds `case.conf` (`aar = 2025`, optional `kommentarer = FILE`, optional
//! `leveringer = DIR` relative to the case), `leveringer/` unless named otherwise, and optionally
//! `taerskler.toml`, which replaces the reference thresholds for that case. Live output stays in
//! `target/golden/<case>/` so a person can open the PDFs.

use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Case {
    pub name: String,
    pub dir: PathBuf,
}

/// The cases under `root`, sorted; only `only` if given.
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
    if let Some(o) = only {
        if out.is_empty() {
            bail!("no golden case `{o}` in {}", root.display());
        }
    }
    Ok(out)
}

fn conf(case: &Case) -> Result<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(case.dir.join("case.conf"))?;
    Ok(text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect())
}

/// Runs one case into `live` and returns the files to compare (relative path → bytes).
pub fn produce(bin: &Path, repo: &Path, case: &Case, live: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
    let conf = conf(case)?;
    let year = conf.get("aar").context("case.conf needs `aar = YYYY`")?.clone();
    if live.exists() {
        std::fs::remove_dir_all(live)?;
    }
    std::fs::create_dir_all(live)?;
    let mut reference_args: Vec<String> = Vec::new();
    if case.dir.join("taerskler.toml").is_file() {
        let reference = live.join("reference");
        std::fs::create_dir_all(&reference)?;
        for e in std::fs::read_dir(repo.join("reference-data"))? {
            let e = e?;
            std::fs::copy(e.path(), reference.join(e.file_name()))?;
        }
        std::fs::copy(case.dir.join("taerskler.toml"), reference.join("taerskler.toml"))?;
        reference_args = vec!["--reference".into(), reference.display().to_string()];
    }
    let deliveries = case.dir.join(conf.get("leveringer").map_or("leveringer", String::as_str));
    let (store, reports) = (live.join("lager"), live.join("rapporter"));
    let run = |args: Vec<String>| -> Result<i32> {
        let out = Command::new(bin).args(&reference_args).args(&args).output()?;
        Ok(out.status.code().unwrap_or(-1))
    };
    let ingest = run(vec![
        "ingest".into(),
        deliveries.display().to_string(),
        "--store".into(),
        store.display().to_string(),
        "--demo-noegle".into(),
    ])?;
    let mut args = vec![
        "run".into(),
        "--store".into(),
        store.display().to_string(),
        "--year".into(),
        year,
        "--out".into(),
        reports.display().to_string(),
    ];
    if let Some(c) = conf.get("kommentarer") {
        args.extend(["--comments".into(), case.dir.join(c).display().to_string()]);
    }
    let run_code = run(args)?;

    let mut files = BTreeMap::new();
    files.insert("exitkoder.txt".to_string(), format!("ingest {ingest}\nrun {run_code}\n").into_bytes());
    let receipts = store.join("kvitteringer");
    if receipts.is_dir() {
        for e in sorted(&receipts)? {
            let name = e.file_name().unwrap_or_default().to_string_lossy().into_owned();
            if name.ends_with(".txt") {
                files.insert(format!("kvitteringer/{name}"), std::fs::read(&e)?);
            }
        }
    }
    let mut hashes = String::new();
    if reports.is_dir() {
        for e in sorted(&reports)? {
            let name = e.file_name().unwrap_or_default().to_string_lossy().into_owned();
            if name.ends_with(".json") || name.ends_with(".csv") {
                files.insert(name, std::fs::read(&e)?);
            } else if name.ends_with(".pdf") {
                let text = Command::new("pdftotext")
                    .args(["-layout"])
                    .arg(&e)
                    .arg("-")
                    .output()
                    .context("pdftotext (poppler-utils)")?;
                let pages = String::from_utf8_lossy(&text.stdout).replace('\u{c}', "\n---- ny side ----\n");
                files.insert(format!("{}.txt", name.trim_end_matches(".pdf")), pages.into_bytes());
                let sha = Command::new("sha256sum").arg(&e).output()?;
                let sum = String::from_utf8_lossy(&sha.stdout).split_whitespace().next().unwrap_or("").to_string();
                hashes.push_str(&format!("{sum}  {name}\n"));
            }
        }
    }
    files.insert("pdf-sha256.txt".to_string(), hashes.into_bytes());
    Ok(files)
}

fn sorted(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
    v.sort();
    Ok(v)
}

/// The expectations stored for a case.
pub fn expected(case: &Case) -> Result<BTreeMap<String, Vec<u8>>> {
    let root = case.dir.join("forventet");
    let mut out = BTreeMap::new();
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

/// Human-readable differences (unified diffs), empty when everything matches.
pub fn differences(
    case: &Case,
    live: &Path,
    want: &BTreeMap<String, Vec<u8>>,
    got: &BTreeMap<String, Vec<u8>>,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    if want.is_empty() {
        out.push(format!("{}: no expectations (forventet/ is missing or empty)", case.name));
        return Ok(out);
    }
    let scratch = live.join("actual");
    for (name, bytes) in got {
        match want.get(name) {
            None => out.push(format!("{}: new output {name} has no expectation", case.name)),
            Some(w) if w != bytes => {
                let actual = scratch.join(name);
                std::fs::create_dir_all(actual.parent().expect("file in a folder"))?;
                std::fs::write(&actual, bytes)?;
                let diff = Command::new("diff")
                    .args(["-u", "--label", &format!("forventet/{name}"), "--label", &format!("nu/{name}")])
                    .arg(case.dir.join("forventet").join(name))
                    .arg(&actual)
                    .output()
                    .context("diff (diffutils)")?;
                let text = String::from_utf8_lossy(&diff.stdout);
                let shown: String = text.lines().take(80).map(|l| format!("{l}\n")).collect();
                let more = text.lines().count().saturating_sub(80);
                out.push(format!(
                    "{}: {name} differs\n{shown}{}",
                    case.name,
                    if more > 0 { format!("… ({more} more diff lines)\n") } else { String::new() }
                ));
            }
            Some(_) => {}
        }
    }
    for name in want.keys().filter(|n| !got.contains_key(*n)) {
        out.push(format!("{}: expected output {name} was not produced", case.name));
    }
    Ok(out)
}

/// Replaces a case's expectations; returns a summary of what changed.
pub fn bless(case: &Case, got: &BTreeMap<String, Vec<u8>>) -> Result<Vec<String>> {
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
