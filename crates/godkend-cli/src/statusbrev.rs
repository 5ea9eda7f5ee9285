//! `godkend statusbrev`: the May letter to the municipal director of every municipality that has not
//! approved its data (`<kode>-<navn>-statusbrev-<år>.pdf`), and `statusbreve-<år>.csv` listing them.

use crate::failure::Failure;
use godkend_model::Reference;
use godkend_stats::report::{self, RunOptions};
use godkend_stats::statusbrev::{self, Statusbrev};
use godkend_store::CaseStore;
use rayon::prelude::*;
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(
    about = "Write the status letter to the municipal director of every municipality that has not approved its data",
    after_help = "Exit: 0 · 2 error (an approvals line that cannot be read: nothing is written)\n\nExample:\n  \
godkend statusbrev --store out/lager --year 2025 --godkendelser godkendelser.csv --out out/breve --comments svar/"
)]
pub struct Args {
    /// The case store written by `godkend ingest`.
    #[arg(long, value_name = "DIR")]
    store: PathBuf,
    /// The report year.
    #[arg(long, value_name = "YYYY")]
    year: i32,
    /// The approvals received: CSV (;) with kommunekode;dato;godkendt_af.
    #[arg(long, value_name = "FILE")]
    godkendelser: PathBuf,
    /// Output folder (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The comments received so far (as for `run`), so the letters count only the marks still open.
    #[arg(long, value_name = "FILE|DIR")]
    comments: Vec<PathBuf>,
    /// An earlier output folder of the year, whose comments follow their flags (as for `run`).
    #[arg(long, value_name = "DIR")]
    forrige: Option<PathBuf>,
}

pub fn run(args: Args, reference: &Reference) -> Result<u8, Failure> {
    // A letter to a municipality that has approved would be wrong: the approvals must all be read.
    godkend_stats::godkendelser::read(&args.godkendelser, reference)?;
    let store = CaseStore::open(&args.store)?;
    std::fs::create_dir_all(&args.out).map_err(|e| {
        Failure::new(format!("{}: {e}", args.out.display()), "choose an output folder you can write to")
    })?;
    let options = RunOptions {
        year: args.year,
        comments: args.comments.clone(),
        approved: None,
        forrige: args.forrige.clone(),
        godkendelser: Some(args.godkendelser.clone()),
        kept: None,
    };
    let run = report::run(&store, reference, &options, None)?;
    let breve: Vec<Statusbrev> = run.rapporter.iter().filter_map(Statusbrev::of).collect();
    let bar = crate::progress::bar(breve.len() as u64, "breve");
    let failures: Vec<Failure> = breve
        .par_iter()
        .filter_map(|b| {
            let result = godkend_report::render_statusbrev(b)
                .map_err(|e| Failure::new(format!("kommune {:03}: {e}", b.kommunekode), "the letter template failed"))
                .and_then(|pdf| {
                    let path = args.out.join(format!("{:03}-{}-statusbrev-{}.pdf", b.kommunekode, b.navn, b.aar));
                    godkend_store::fil::write_atomic(&path, &pdf).map_err(Failure::from)
                });
            bar.inc(1);
            result.err()
        })
        .collect();
    bar.finish_and_clear();
    let list = args.out.join(format!("statusbreve-{}.csv", args.year));
    godkend_store::fil::write_atomic(&list, statusbrev::csv(&breve).as_bytes())?;
    for f in &failures {
        f.print();
    }
    let skipped = crate::run::report_skipped(&run.sprunget_over);
    let approved = run.rapporter.len() - breve.len();
    println!(
        "{} breve til kommuner, der ikke har godkendt ({approved} har godkendt); filer i {}",
        breve.len(),
        args.out.display()
    );
    Ok(if failures.len() + skipped > 0 { 2 } else { 0 })
}
