//! Project chores: `cargo xtask golden` / `bless` (golden files, see `crates/godkend-golden`),
//! `cargo xtask fuzz` (the readers of outside files fuzzed, `crates/godkend-fuzz`),
//! `cargo xtask demo-check` (national-scale ingest and flags against the generator's ground truth,
//! counts against an independent DuckDB recount), `cargo xtask bench` (national scale, every step timed,
//! DuckDB side by side; see `bench`), `cargo xtask bench-ingest` (ingest speed, memory and store size) and
//! `cargo xtask bench-portal` (the portal under 294 users at once; see `portal_load`).
//!
//! The golden check uses the dev binary that `cargo test --workspace` builds; the others build
//! `godkend` in release mode. All run it as a user would; timings come from the binary's own report
//! line (rows/s and peak memory), never from assertions.

mod bench;
mod portal_load;

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("demo-check") => demo_check(&args[1..]),
        Some("bench-ingest") => bench_ingest(&args[1..]),
        Some("bench") => bench::bench(&args[1..]),
        Some("bench-portal") => portal_load::bench(&args[1..]),
        Some("fjendtlig") => hostile(),
        Some("fuzz") => fuzz(&args[1..]),
        Some("kalibrer") => calibrate(&args[1..]),
        Some("golden") => golden_check(args.get(1).map(String::as_str)),
        Some("bless") => golden_bless(args.get(1).map(String::as_str)),
        _ => {
            eprintln!(
                "usage:\n  cargo xtask demo-check [--fra YYYY-MM --til YYYY-MM]   all 98 municipalities: demo-data → ingest → run per year →\n                                                        receipts and flags vs ground truth, counts vs DuckDB\n  \
                 cargo xtask bench [--skala X] [--seed N]               national scale: ingest, run, report, re-delivery, DuckDB side by side\n  \
                 cargo xtask bench-ingest [--skala X] [--fra YYYY-MM]   ingest rows/s, peak memory, store size\n  \
                 cargo xtask bench-portal [--sekunder N] [--taenketid MS] the portal: 294 users at once, p50/p99 per page, nothing lost\n  \
                 cargo xtask fjendtlig                                  peak memory and time of the hostile inputs (issue 9)\n  \
                 cargo xtask fuzz [--minutes N] [--seed S] [--maal NAVN]  the readers of outside files fuzzed (release); findings kept in fixtures/fuzz/\n  \
                 cargo xtask kalibrer [--seed N]                        all 98 municipalities 2015–2025: graded anomalies, recall, false alarms\n  \
                 cargo xtask golden [CASE]                              compare fixtures/golden cases with their expectations\n  \
                 cargo xtask bless [CASE]                               rewrite the expectations (refused when CI is set)"
            );
            std::process::exit(2);
        }
    }
}

/// The workspace root. `cargo run` sets `CARGO_MANIFEST_DIR` at run time; the compile-time value is only
/// a fallback, because a binary restored from a shared target dir may have been built in another clone.
fn root() -> PathBuf {
    let manifest =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest.parent().expect("xtask lives in the workspace").to_path_buf()
}

/// Where cargo puts its builds: `CARGO_TARGET_DIR`, else `target/` in the workspace.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from)
}

/// A `cargo` command for the workspace, without the variables `cargo run` set for xtask itself
/// (`CARGO_PKG_*`, `CARGO_MANIFEST_*`, …), so the inner build sees the same environment as a build
/// started from the shell and reuses its artefacts.
fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        let injected = key.starts_with("CARGO_PKG_")
            || key.starts_with("CARGO_MANIFEST_")
            || matches!(&*key, "CARGO_CRATE_NAME" | "CARGO_BIN_NAME" | "CARGO_PRIMARY_PACKAGE");
        if injected {
            cmd.env_remove(&*key);
        }
    }
    cmd.current_dir(root());
    cmd
}

fn option(args: &[String], name: &str, default: &str) -> String {
    args.windows(2).find(|w| w[0] == name).map_or_else(|| default.to_string(), |w| w[1].clone())
}

/// Builds the dev-profile binary exactly as `cargo test --workspace` does and returns its path.
/// A plain `cargo build` unifies dependency features without the dev-dependencies and would rebuild
/// polars (≈ 7 minutes) right after the tests, and again before the next test run.
fn godkend_dev() -> Result<PathBuf> {
    let status = cargo().args(["test", "--workspace", "--no-run", "--quiet"]).status()?;
    if !status.success() {
        bail!("cargo build failed");
    }
    Ok(target_dir().join("debug/godkend"))
}

fn golden_check(only: Option<&str>) -> Result<()> {
    let (bin, root) = (godkend_dev()?, root());
    let outcome = godkend_golden::check(&bin, &root, &root.join("fixtures/golden"), &root.join("target/golden"), only)?;
    print!("{}", outcome.text);
    if !outcome.failed.is_empty() {
        // The diffs above are the message; a backtrace of this function would only bury them.
        std::process::exit(1);
    }
    Ok(())
}

fn golden_bless(only: Option<&str>) -> Result<()> {
    let place = godkend_golden::Place::from_env();
    place.may_bless()?; // before building anything
    let (bin, root) = (godkend_dev()?, root());
    let (cases, live) = (root.join("fixtures/golden"), root.join("target/golden"));
    print!("{}", godkend_golden::bless_cases(&bin, &root, &cases, &live, only, place)?);
    Ok(())
}

/// Builds the release binary and returns its path.
fn godkend() -> Result<PathBuf> {
    let status = cargo().args(["build", "--release", "--bin", "godkend"]).status()?;
    if !status.success() {
        bail!("cargo build --release failed");
    }
    Ok(target_dir().join("release/godkend"))
}

fn run(bin: &Path, args: &[&str]) -> Result<(String, String, i32)> {
    let started = Instant::now();
    let out = Command::new(bin).args(args).output().with_context(|| format!("running {}", bin.display()))?;
    let (stdout, stderr) =
        (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
    eprintln!("$ godkend {} ({:.2} s)", args.join(" "), started.elapsed().as_secs_f64());
    Ok((stdout, stderr, out.status.code().unwrap_or(-1)))
}

fn work_dir(name: &str) -> Result<PathBuf> {
    let dir = root().join("target/xtask").join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn demo_check(args: &[String]) -> Result<()> {
    let bin = godkend()?;
    let dir = work_dir("demo-check")?;
    let (demo, store, reports) = (dir.join("demo"), dir.join("lager"), dir.join("rapporter"));
    let (fra, til) = (option(args, "--fra", "2021-01"), option(args, "--til", "2025-12"));
    let (out, err, code) =
        run(&bin, &["demo-data", "--out", s(&demo), "--kommuner", "alle", "--fra", &fra, "--til", &til])?;
    if code != 0 {
        bail!("demo-data failed:\n{err}");
    }
    print!("{out}");
    let (out, err, _) = run(&bin, &["ingest", s(&demo), "--store", s(&store), "--demo-noegle"])?;
    print!("{out}");
    println!("{}", err.lines().next().unwrap_or(""));
    // One annual run per year, so every anomaly's year has its reports.
    let (first, last): (i32, i32) = (fra[..4].parse()?, til[..4].parse()?);
    for year in first..=last {
        let (out, err, code) =
            run(&bin, &["run", "--store", s(&store), "--year", &year.to_string(), "--out", s(&reports)])?;
        if code != 0 {
            bail!("run {year} failed:\n{err}");
        }
        print!("{year}: {out}");
        println!("      {}", err.lines().next().unwrap_or(""));
    }
    let (out, _, code) =
        run(&bin, &["demo-check", "--demo", s(&demo), "--store", s(&store), "--rapporter", s(&reports)])?;
    print!("{out}");
    if code != 0 {
        bail!("the receipts or flags disagree with the ground truth");
    }
    // An independent recount of every figure with DuckDB (plain SQL), if Python has it.
    let script = root().join("xtask/scripts/duckdb_counts.py");
    let status = Command::new("python3")
        .arg(&script)
        .args([s(&store), s(&reports), s(&root().join("reference-data"))])
        .status()
        .context("python3 is needed for the DuckDB recount")?;
    if !status.success() {
        bail!("the DuckDB recount disagrees (or duckdb is missing: pip install duckdb)");
    }
    Ok(())
}

fn bench_ingest(args: &[String]) -> Result<()> {
    let bin = godkend()?;
    let dir = work_dir("bench-ingest")?;
    let (demo, store) = (dir.join("demo"), dir.join("lager"));
    let skala = option(args, "--skala", "5");
    let fra = option(args, "--fra", "2015-01");
    let (out, err, code) = run(
        &bin,
        &["demo-data", "--out", s(&demo), "--kommuner", "alle", "--fra", &fra, "--til", "2025-12", "--skala", &skala],
    )?;
    if code != 0 {
        bail!("demo-data failed:\n{err}");
    }
    print!("{out}");
    let (out, err, _) = run(&bin, &["ingest", s(&demo), "--store", s(&store), "--demo-noegle"])?;
    print!("{out}");
    println!("ingest: {}", err.lines().next().unwrap_or(""));
    println!("store: cases {} MB, receipts {} MB", mb(&store.join("sager"))?, mb(&store.join("kvitteringer"))?);
    let (out, err, _) = run(&bin, &["ingest", s(&demo), "--store", s(&store), "--demo-noegle"])?;
    print!("again (all known): {}", out.lines().nth(2).unwrap_or(""));
    println!(" {}", err.lines().next().unwrap_or(""));
    Ok(())
}

/// Calibration of the flag rules: all 98 municipalities 2015–2025 without injected delivery problems,
/// ingested once (cached under target/xtask/kalibrer), then `godkend kalibrer` for 2025.
fn calibrate(args: &[String]) -> Result<()> {
    let bin = godkend()?;
    let dir = root().join("target/xtask/kalibrer");
    let (demo, store) = (dir.join("demo"), dir.join("lager"));
    if !store.join("godkend-store.json").exists() {
        work_dir("kalibrer")?;
        let (out, err, code) = run(&bin, &national_demo_data(&demo, &[]))?;
        if code != 0 {
            bail!("demo-data failed:\n{err}");
        }
        print!("{out}");
        let (out, err, code) = run(&bin, &["ingest", s(&demo), "--store", s(&store), "--demo-noegle"])?;
        print!("{out}");
        if code > 1 {
            bail!("ingest failed (exit {code}):\n{err}");
        }
    }
    let seed = option(args, "--seed", "1");
    let (out, err, code) = run(&bin, &["kalibrer", "--store", s(&store), "--year", "2025", "--seed", &seed])?;
    if code != 0 {
        bail!("kalibrer failed:\n{err}");
    }
    print!("{out}");
    Ok(())
}

/// The hostile inputs of issue 9 through the release binary: each must stay within 2 GB and 60 s.
/// Peak memory comes from GNU time (`/usr/bin/time`, Debian package `time`).
/// The fuzzer (`crates/godkend-fuzz`) built in release mode and run for as long as asked; inputs that broke
/// a promise are written to `fixtures/fuzz/<target>/`, where `cargo test` replays them.
fn fuzz(args: &[String]) -> Result<()> {
    let status = cargo()
        .current_dir(root())
        .args(["build", "--release", "-p", "godkend-fuzz", "--bin", "godkend-fuzz"])
        .status()
        .context("cargo build")?;
    if !status.success() {
        bail!("building godkend-fuzz failed");
    }
    let bin = target_dir().join("release/godkend-fuzz");
    let fixtures = root().join("fixtures/fuzz");
    let mut cmd = Command::new(&bin);
    cmd.args(args).arg("--fixtures").arg(&fixtures);
    let status = cmd.status().with_context(|| bin.display().to_string())?;
    if !status.success() {
        bail!("the fuzzer found inputs that break a promise; they are in {}", fixtures.display());
    }
    Ok(())
}

fn hostile() -> Result<()> {
    let bin = godkend()?;
    let dir = work_dir("fjendtlig")?;
    let files = dir.join("filer");
    let script = root().join("xtask/scripts/fjendtlige_filer.py");
    let status = Command::new("python3").arg(&script).arg(&files).status().context("python3 with pyarrow")?;
    if !status.success() {
        bail!("writing the hostile files failed (pip install pyarrow)");
    }
    let demo = root().join("fixtures/demo");
    let store = dir.join("lager");
    run(&bin, &["ingest", s(&demo), "--store", s(&store), "--demo-noegle"])?;
    let parquet = files.join("101_2024-03.parquet");
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("Parquet claiming 30 M rows (validate)", vec!["validate".into(), s(&parquet).into()]),
        (
            "Parquet claiming 30 M rows (ingest)",
            vec!["ingest".into(), s(&parquet).into(), "--store".into(), s(&store).into(), "--demo-noegle".into()],
        ),
        ("XLSX with a cell at XFD1048576 (run)", run_with_comments(&store, &dir, &files.join("bombe.xlsx"))),
        ("XLSX with a comment at A1048576 (run)", run_with_comments(&store, &dir, &files.join("lang.xlsx"))),
        ("1,000,000 unmatched comment lines (run)", run_with_comments(&store, &dir, &files.join("stor.csv"))),
    ];
    println!("{:<42} {:>5} {:>9} {:>10}", "input", "exit", "seconds", "peak MB");
    for (what, args) in cases {
        let out = Command::new("/usr/bin/time")
            .args(["-f", "%e %M"])
            .arg(&bin)
            .args(&args)
            .output()
            .context("GNU time (/usr/bin/time) is needed: apt-get install time")?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr.lines().last().unwrap_or_default();
        let (secs, kb) = last.split_once(' ').unwrap_or(("?", "0"));
        let mb = kb.trim().parse::<u64>().unwrap_or(0) / 1024;
        let code = stderr.lines().find_map(|l| l.strip_prefix("Command exited with non-zero status ")).unwrap_or("0");
        println!("{what:<42} {code:>5} {secs:>9} {mb:>10}");
    }
    Ok(())
}

fn run_with_comments(store: &Path, dir: &Path, comments: &Path) -> Vec<String> {
    let out = dir.join(format!("rapporter-{}", comments.file_stem().and_then(|n| n.to_str()).unwrap_or("x")));
    ["run", "--store", s(store), "--year", "2025", "--out", s(&out), "--comments", s(comments)]
        .iter()
        .map(|a| a.to_string())
        .collect()
}

/// `godkend demo-data` arguments for the national set of `bench` and `kalibrer`: all 98 municipalities,
/// 2015-01..2025-12, no injected delivery problems, then `extra`.
fn national_demo_data<'a>(out: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "demo-data",
        "--out",
        s(out),
        "--kommuner",
        "alle",
        "--fra",
        "2015-01",
        "--til",
        "2025-12",
        "--problemer",
        "ingen",
    ];
    args.extend_from_slice(extra);
    args
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

fn mb(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for e in std::fs::read_dir(dir)? {
        total += e?.metadata()?.len();
    }
    Ok(total / 1_000_000)
}
