//! `cargo xtask bench`: godkend at national scale, release build, as a new user runs it — ingest, the
//! annual run, one municipality (København and Læsø), a month re-delivered by all 98 — and two peers on
//! the same files in the same run, DuckDB and polars (Python; read, keep the last version, distinct count
//! per cell), with the ratios. Wall time and peak
//! memory of each process come from `/usr/bin/time`; no figure is asserted, they are printed (and kept in
//! `target/xtask/bench/bench.md` for docs/PERFORMANCE.md).

use crate::{godkend, national_demo_data, option, root, s};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// One measured step.
struct Step {
    name: String,
    seconds: f64,
    peak_mb: f64,
    target: &'static str,
}

/// Runs `program args` under `/usr/bin/time`; returns (stdout, stderr, wall seconds, peak MB).
fn timed(program: &Path, args: &[&str], cwd: &Path) -> Result<(String, String, f64, f64)> {
    let report = root().join("target/xtask/.time");
    // On a fresh clone nothing has made target/xtask yet, and /usr/bin/time cannot create its report there.
    std::fs::create_dir_all(report.parent().expect("inside target/"))?;
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%e %M", "-o", s(&report)])
        .arg(program)
        .args(args)
        .current_dir(cwd)
        .env_remove("GODKEND_NOEGLE")
        .output()
        .context("/usr/bin/time is needed (apt-get install time)")?;
    let text = std::fs::read_to_string(&report)?;
    let last = text.lines().last().unwrap_or("");
    let mut it = last.split_whitespace();
    let seconds: f64 = it.next().and_then(|v| v.parse().ok()).context("no time")?;
    let kb: f64 = it.next().and_then(|v| v.parse().ok()).context("no peak memory")?;
    let (stdout, stderr) =
        (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
    eprintln!("$ {} {} ({seconds:.2} s, {:.0} MB)", program.display(), args.join(" "), kb / 1024.0);
    if !out.status.success() && out.status.code() != Some(1) && out.status.code() != Some(2) {
        bail!("{} failed:\n{stderr}", program.display());
    }
    Ok((stdout, stderr, seconds, kb / 1024.0))
}

/// The national-scale deliveries, generated once per (skala, seed) and kept under target/. Without
/// injected problems: the peer reads them as plain CSV, and the figures are about speed, not findings.
/// The folder's name carries the generator's version (2: no § 82 a–b case before 2018), so a set kept by
/// an earlier generator is not measured as this one's.
pub(crate) fn data(bin: &Path, skala: &str, seed: &str) -> Result<PathBuf> {
    let dir = root().join("target/xtask/bench-data").join(format!("skala-{skala}-seed-{seed}-ren-v2"));
    if dir.join("sandhed.json").is_file() {
        eprintln!("(national-scale deliveries cached in {})", dir.display());
        return Ok(dir);
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    let args = national_demo_data(&dir, &["--skala", skala, "--seed", seed]);
    let (out, err, _, _) = timed(bin, &args, &root())?;
    if !dir.join("sandhed.json").is_file() {
        bail!("demo-data failed:\n{err}");
    }
    print!("{out}");
    Ok(dir)
}

/// The month every municipality re-delivers (`<kode>_<måned>_2`): copies of its first delivery of that
/// month. Returns the folder, the number of files and of CSV rows.
fn redelivery(deliveries: &Path, work: &Path, maaned: &str) -> Result<(PathBuf, usize, usize)> {
    let dir = work.join("genlevering");
    std::fs::create_dir_all(&dir)?;
    let (mut files, mut rows) = (0, 0);
    for e in std::fs::read_dir(deliveries)? {
        let path = e?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
        let Some((stem, ext)) = name.rsplit_once('.') else { continue };
        if stem.len() == 11 && stem.ends_with(maaned) && (ext == "csv" || ext == "parquet") {
            std::fs::copy(&path, dir.join(format!("{stem}_2.{ext}")))?;
            files += 1;
            if ext == "csv" {
                rows += std::fs::read_to_string(&path)?.lines().count().saturating_sub(1);
            }
        }
    }
    Ok((dir, files, rows))
}

/// A comments CSV answering the first report-year mark of a report's JSON.
fn one_comment(report: &Path) -> Result<String> {
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(report)?)?;
    let m = r["markeringer"]
        .as_array()
        .and_then(|a| a.iter().find(|m| m["i_rapportaaret"] == true))
        .context("København has no mark in the report year")?;
    let field = |k: &str| m[k].as_str().unwrap_or_default().to_string();
    Ok(format!(
        "kommunekode;ydelse;kvartal;regel;kommentar\n{};{};{};{};Forklaret i benchmarken\n",
        r["kommunekode"],
        field("ydelse"),
        field("kvartal"),
        field("regel")
    ))
}

/// The size of the delivery set: files, CSV rows (Parquet files counted as files only) and MB.
fn size(dir: &Path) -> Result<(usize, usize, u64)> {
    let (mut files, mut rows, mut bytes) = (0, 0, 0);
    for e in std::fs::read_dir(dir)? {
        let path = e?.path();
        let ext = path.extension().and_then(|x| x.to_str()).unwrap_or("");
        if ext == "csv" || ext == "parquet" {
            files += 1;
            bytes += path.metadata()?.len();
            if ext == "csv" {
                rows += std::fs::read(&path)?.iter().filter(|b| **b == b'\n').count().saturating_sub(1);
            }
        }
    }
    Ok((files, rows, bytes / 1_000_000))
}

/// The rows ingest accepted and read, from its summary line (`… N poster …`).
fn rows_read(stdout: &str) -> Option<u64> {
    let words: Vec<&str> = stdout.split_whitespace().collect();
    words
        .windows(2)
        .find(|w| w[1].starts_with("poster") || w[1] == "læst,")
        .and_then(|w| w[0].replace('.', "").parse().ok())
}

pub fn bench(args: &[String]) -> Result<()> {
    let skala = option(args, "--skala", "14");
    let seed = option(args, "--seed", "2026");
    let bin = godkend()?;
    let deliveries = data(&bin, &skala, &seed)?;
    let (files, csv_rows, set_mb) = size(&deliveries)?;
    let work = root().join("target/xtask/bench");
    // The previous bench's folder is moved aside now and deleted after the measurements: on ext4 without
    // a journal (these virtual machines) the kernel skips inodes freed in the last minutes when it hands
    // out new ones, and after 26,000 files were deleted just before, the ingest's sys time was 2–4 times
    // what it is on a fresh disk (perf: `recently_deleted`, `find_inode_bit`; docs/PERFORMANCE.md).
    let old = root().join(format!("target/xtask/bench-slettes-{}", std::process::id()));
    if work.exists() {
        std::fs::rename(&work, &old)?;
    }
    std::fs::create_dir_all(&work)?;
    let mut steps = Vec::new();
    let mut step = |name: &str, target: &'static str, args: &[&str]| -> Result<(String, String, f64)> {
        let (out, err, seconds, peak_mb) = timed(&bin, args, &work)?;
        steps.push(Step { name: name.to_string(), seconds, peak_mb, target });
        Ok((out, err, seconds))
    };
    let (ingest_out, ingest_err, ingest_s) = step(
        "ingest (validate, pseudonymise, receipts, store)",
        "≥ 3 M rows/s",
        &["ingest", s(&deliveries), "--store", "lager", "--demo-noegle"],
    )?;
    print!("{ingest_out}");
    eprintln!("{}", ingest_err.lines().last().unwrap_or(""));
    let (_, _, run_s) = step(
        "annual run, 98 PDFs + status",
        "≤ 5 s",
        &["run", "--store", "lager", "--year", "2025", "--out", "rapporter"],
    )?;
    // As a statistician regenerates one municipality: into the run's folder, with the counts it kept.
    fn report<'a>(k: &'a str, out: &'a str) -> [&'a str; 9] {
        ["report", "--store", "lager", "--year", "2025", "--kommune", k, "--out", out]
    }
    step("one municipality: København (report, counts kept by the run)", "≤ 0.2 s", &report("101", "rapporter"))?;
    step("one municipality: Læsø (report, counts kept by the run)", "≤ 0.2 s", &report("825", "rapporter"))?;
    step("one municipality: Læsø (report into a new folder: the nation counted)", "—", &report("825", "en"))?;
    step(
        "annual run again, same store (counts kept; nothing changed, no PDF rendered)",
        "≤ 5 s",
        &["run", "--store", "lager", "--year", "2025", "--out", "rapporter"],
    )?;
    // A regeneration after comments: København answers one mark, the run renders its PDF only.
    let svar = work.join("svar.csv");
    std::fs::write(&svar, one_comment(&work.join("rapporter/101-2025.json"))?)?;
    step(
        "annual run after one municipality's comment (one PDF rendered)",
        "≤ 5 s",
        &["run", "--store", "lager", "--year", "2025", "--out", "rapporter", "--comments", s(&svar)],
    )?;
    let (again, again_files, again_rows) = redelivery(&deliveries, &work, "2025-11")?;
    step(
        &format!("one month re-delivered by all ({again_files} files, {again_rows} CSV rows)"),
        "≤ 0.5 s",
        &["ingest", s(&again), "--store", "lager", "--demo-noegle"],
    )?;

    // The peers, same files, same machine, same run.
    let duck = peer("duckdb", &deliveries, &work)?;
    let pola = peer("polars", &deliveries, &work)?;

    let rows = rows_read(&ingest_out).unwrap_or(csv_rows as u64);
    let mut table = String::new();
    let machine = machine();
    table.push_str(&format!(
        "National-scale set: {files} deliveries, {rows} rows, {set_mb} MB (demo-data --skala {skala} --seed {seed} --problemer ingen, 98 municipalities, 2015-01..2025-12)\nMachine: {machine}\n\n"
    ));
    table.push_str("| step | godkend | peak memory | target |\n|---|---|---|---|\n");
    for st in &steps {
        table.push_str(&format!("| {} | {:.2} s | {:.0} MB | {} |\n", st.name, st.seconds, st.peak_mb, st.target));
    }
    table.push_str(&format!("\nIngest: {:.2} M rows/s.\n\n", rows as f64 / ingest_s / 1e6));
    table.push_str("| peers on the same files | DuckDB | polars (Python, lazy) |\n|---|---|---|\n");
    for (label, d, p) in [
        ("read every delivery", duck.read, pola.read),
        ("keep the last version", duck.keep_last, pola.keep_last),
        ("distinct count per kommune × service × quarter", duck.count, pola.count),
        ("the three steps", duck.steps(), pola.steps()),
    ] {
        table.push_str(&format!("| {label} | {d:.2} s | {p:.2} s |\n"));
    }
    table.push_str(&format!(
        "| the script, wall (peak memory) | {:.2} s ({:.0} MB) | {:.2} s ({:.0} MB) |\n",
        duck.wall, duck.peak_mb, pola.wall, pola.peak_mb
    ));
    let ours = ingest_s + run_s;
    let fastest = duck.steps().min(pola.steps());
    table.push_str(&format!(
        "\ngodkend ingest + run: {ours:.2} s. godkend is {:.2}× DuckDB's speed and {:.2}× polars'; against the faster peer ({fastest:.2} s) {:.2}× (target ≥ 2×).\n",
        duck.steps() / ours,
        pola.steps() / ours,
        fastest / ours
    ));
    println!("\n{table}");
    std::fs::write(work.join("bench.md"), &table)?;
    println!("(kept in {})", work.join("bench.md").display());
    // This run's old folder, and any an interrupted run left.
    for e in std::fs::read_dir(root().join("target/xtask"))? {
        let path = e?.path();
        if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("bench-slettes-")) {
            std::fs::remove_dir_all(&path)?;
        }
    }
    Ok(())
}

/// A peer's three steps and its process, in seconds.
struct Peer {
    read: f64,
    keep_last: f64,
    count: f64,
    wall: f64,
    peak_mb: f64,
}

impl Peer {
    fn steps(&self) -> f64 {
        self.read + self.keep_last + self.count
    }
}

/// Runs `xtask/scripts/<name>_bench.py` on the deliveries and reads its `<name> <step> <seconds>` lines.
fn peer(name: &str, deliveries: &Path, work: &Path) -> Result<Peer> {
    let script = root().join(format!("xtask/scripts/{name}_bench.py"));
    let (out, err, wall, peak_mb) =
        timed(&PathBuf::from("python3"), &[s(&script), s(deliveries), "2015", "2025"], work)
            .with_context(|| format!("python3 with {name} is needed for the peer (pip install {name})"))?;
    if !out.contains(&format!("{name} count")) {
        bail!("the {name} peer failed:\n{err}");
    }
    let part = |step: &str| -> f64 {
        out.lines()
            .find(|l| l.starts_with(&format!("{name} {step} ")))
            .and_then(|l| l.split_whitespace().nth(2))
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    };
    Ok(Peer { read: part("read"), keep_last: part("keep-last"), count: part("count"), wall, peak_mb })
}

/// CPU model, cores and memory, for the table.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| t.lines().next().and_then(|l| l.split_whitespace().nth(1)).and_then(|kb| kb.parse::<u64>().ok()))
        .map_or(0, |kb| kb / 1024 / 1024);
    format!("{cpu}, {cores} cores, {mem} GB")
}
