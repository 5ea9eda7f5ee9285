//! `godkend run` (the annual run for every municipality) and `godkend report` (one municipality):
//! counts, flags and comments into `<kode>-<navn>-<år>.pdf`, `<kode>-<år>.json` and
//! `<kode>-<år>-markeringer.xlsx`, and for the run `status-<år>.pdf` and `.csv`.

use crate::failure::Failure;
use godkend_model::Reference;
use godkend_stats::Status;
use godkend_stats::report::{self, KommuneRapport, RunOptions};
use godkend_store::CaseStore;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(clap::Args)]
pub struct Common {
    /// The case store written by `godkend ingest`.
    #[arg(long, value_name = "DIR")]
    store: PathBuf,
    /// The report year (its four quarters are flagged).
    #[arg(long, value_name = "YYYY")]
    year: i32,
    /// Output folder (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The municipalities' comments: CSV (;) or XLSX with kommunekode, ydelse, kvartal, regel, kommentar
    /// (e.g. the returned `-markeringer.xlsx` workbooks). Repeat it, or name a folder of such files.
    #[arg(long, value_name = "FILE|DIR")]
    comments: Vec<PathBuf>,
    /// Last year's output folder, to flag revisions of the figures approved then.
    #[arg(long, value_name = "DIR")]
    approved: Option<PathBuf>,
    /// An earlier output folder of the same year: each flag is shown as new, unchanged, changed or
    /// resolved against it, and the comments given there follow their flag.
    #[arg(long, value_name = "DIR")]
    forrige: Option<PathBuf>,
    /// The approvals received: CSV (;) with kommunekode;dato;godkendt_af.
    #[arg(long, value_name = "FILE")]
    godkendelser: Option<PathBuf>,
}

#[derive(clap::Args)]
#[command(
    about = "The annual run: every municipality's approval report (PDF, JSON, flags workbook) and the status overview",
    after_help = "Exit: 0 · 2 error (the other municipalities are still written)\n\n\
Example:\n  godkend run --store out/lager --year 2025 --out out/rapporter --comments svar/"
)]
pub struct RunArgs {
    #[command(flatten)]
    common: Common,
}

#[derive(clap::Args)]
#[command(
    about = "Regenerate one municipality's approval report after corrections or comments",
    after_help = "Exit: 0 · 2 error\n\nExample:\n  godkend report --store out/lager --year 2025 --kommune 101 --out out/rapporter --comments 101-svar.xlsx"
)]
pub struct ReportArgs {
    #[command(flatten)]
    common: Common,
    /// The municipality's code.
    #[arg(long, value_name = "KODE")]
    kommune: u16,
}

fn prepare(c: &Common) -> Result<(CaseStore, RunOptions), Failure> {
    let store = CaseStore::open(&c.store)?;
    std::fs::create_dir_all(&c.out)
        .map_err(|e| Failure::new(format!("{}: {e}", c.out.display()), "choose an output folder you can write to"))?;
    if !(2013..=2100).contains(&c.year) {
        return Err(Failure::new(format!("--year {} is not a report year", c.year), "example: --year 2025"));
    }
    Ok((
        store,
        RunOptions {
            year: c.year,
            comments: c.comments.clone(),
            approved: c.approved.clone(),
            forrige: c.forrige.clone(),
            godkendelser: c.godkendelser.clone(),
            kept: Some(c.out.join(".godkend")),
        },
    ))
}

/// Writes one municipality's PDF, JSON and workbook.
fn write_one(out: &Path, r: &KommuneRapport) -> Result<(), Failure> {
    report::write_outputs(out, r)?;
    let pdf = godkend_report::render_report(r)
        .map_err(|e| Failure::new(e.to_string(), "a template or chart failed; the JSON and workbook were written"))?;
    let path = out.join(format!("{:03}-{}-{}.pdf", r.kommunekode, r.navn, r.aar));
    godkend_store::fil::write_atomic(&path, &pdf)?;
    Ok(())
}

/// Writes every report's files, one municipality per core; returns how many failed (each printed).
fn write_all(out: &Path, rapporter: &[KommuneRapport]) -> usize {
    let bar = crate::progress::bar(rapporter.len() as u64, "rapporter");
    let failures: Vec<Failure> = rapporter
        .par_iter()
        .filter_map(|r| {
            let result = write_one(out, r);
            bar.inc(1);
            result.err().map(|mut f| {
                f.message = format!("kommune {:03}: {}", r.kommunekode, f.message);
                f
            })
        })
        .collect();
    bar.finish_and_clear();
    for f in &failures {
        f.print();
    }
    failures.len()
}

pub fn run_all(args: RunArgs, reference: &Reference) -> Result<u8, Failure> {
    let started = Instant::now();
    let (store, options) = prepare(&args.common)?;
    let run = report::run(&store, reference, &options, None)?;
    let counted = started.elapsed().as_secs_f64();
    let counted_mb = crate::ingest::peak_memory_mb();
    let failed = write_all(&args.common.out, &run.rapporter);
    let status = Status::of(&run.rapporter, options.year, &run.frister);
    let out = |ext: &str| args.common.out.join(format!("status-{}.{ext}", options.year));
    godkend_store::fil::write_atomic(&out("csv"), status.csv().as_bytes())?;
    godkend_store::fil::write_atomic(&out("json"), status.json().as_bytes())?;
    let status_pdf = godkend_report::render_status(&status).map_err(|e| {
        Failure::new(e.to_string(), "the status template failed; the municipalities' files were written")
    })?;
    godkend_store::fil::write_atomic(&out("pdf"), &status_pdf)?;
    summarise(&run.rapporter, &args.common.out);
    let skipped = report_skipped(&run.sprunget_over);
    let mb = |m: Option<u64>| m.map(|mb| format!(", maks. hukommelse {mb} MB")).unwrap_or_default();
    eprintln!(
        "(optælling og markeringer {counted:.2} s{}; i alt {:.2} s{})",
        mb(counted_mb),
        started.elapsed().as_secs_f64(),
        mb(crate::ingest::peak_memory_mb())
    );
    Ok(if failed + skipped > 0 { 2 } else { 0 })
}

pub fn report_one(args: ReportArgs, reference: &Reference) -> Result<u8, Failure> {
    let started = Instant::now();
    if reference.kommune(args.kommune).is_none() {
        return Err(Failure::new(
            format!("--kommune {} is not a municipality code", args.kommune),
            "example: --kommune 101",
        ));
    }
    let (store, options) = prepare(&args.common)?;
    let run = report::run(&store, reference, &options, Some(args.kommune))?;
    let failed = write_all(&args.common.out, &run.rapporter);
    summarise(&run.rapporter, &args.common.out);
    let skipped = report_skipped(&run.sprunget_over);
    eprintln!("({:.2} s)", started.elapsed().as_secs_f64());
    Ok(if failed + skipped > 0 { 2 } else { 0 })
}

/// Prints each side file that was skipped (the reports were written without it); returns how many.
pub(crate) fn report_skipped(skipped: &[godkend_stats::Error]) -> usize {
    for e in skipped {
        let mut f = Failure::from_stats(e);
        f.message = format!("sprunget over: {}", f.message);
        f.print();
    }
    skipped.len()
}

fn summarise(rapporter: &[KommuneRapport], out: &Path) {
    let klar = rapporter.iter().filter(|r| r.klar_til_godkendelse).count();
    let roede: usize = rapporter.iter().map(|r| r.antal.roede).sum();
    let gule: usize = rapporter.iter().map(|r| r.antal.gule).sum();
    let unmatched: usize = rapporter.iter().map(|r| r.kommentarer_uden_markering.len()).sum();
    println!(
        "{} kommuner: {roede} røde og {gule} gule markeringer i året; {klar} klar til godkendelse; filer i {}",
        rapporter.len(),
        out.display()
    );
    if unmatched > 0 {
        println!("{unmatched} kommentarer passer ikke til nogen markering (se kommentarer_uden_markering i JSON)");
    }
}
