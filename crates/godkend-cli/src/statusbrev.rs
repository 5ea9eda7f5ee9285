//! `godkend statusbrev`: the May letter to the municipal director of every municipality that has not
//! approved its data (`<kode>-<navn>-statusbrev-<år>.pdf`), and `statusbreve-<år>.csv` listing them.

use crate::args;
use crate::failure::Failure;
use godkend_model::Reference;
use godkend_round::statusbrev::Statusbrev;
use godkend_round::{RunOptions, Udvalg};
use godkend_store::CaseStore;
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(
    about = "Skriv statusbrevet til kommunaldirektøren i hver kommune, der ikke har godkendt sine data",
    after_help = "Afslutningskode: 0 · 2 fejl (en godkendelseslinje, der ikke kan læses: intet skrives)\n\nEksempel:\n  \
godkend statusbrev --store out/lager --year 2025 --godkendelser godkendelser.csv --out out/breve --comments svar/"
)]
pub struct Args {
    #[command(flatten)]
    store: args::Store,
    #[command(flatten)]
    year: args::Year,
    /// De modtagne godkendelser: CSV (;) med kommunekode;dato;godkendt_af.
    #[arg(long, visible_alias = "approvals", value_name = "FIL")]
    godkendelser: PathBuf,
    #[command(flatten)]
    out: args::Out,
    /// De hidtil modtagne kommentarer (som for `run`), så brevene kun tæller de markeringer, der stadig er åbne.
    #[arg(long, visible_alias = "kommentarer", value_name = "FIL|MAPPE")]
    comments: Vec<PathBuf>,
    /// En tidligere udmappe for året, hvis kommentarer følger deres markeringer (som for `run`).
    #[arg(long, visible_alias = "previous", value_name = "MAPPE")]
    forrige: Option<PathBuf>,
    #[command(flatten)]
    dialog: args::Dialog,
}

pub fn run(args: Args, reference: &Reference) -> Result<u8, Failure> {
    // A letter to a municipality that has approved would be wrong: the approvals must all be read.
    godkend_round::godkendelser::read(&args.godkendelser, reference)?;
    let store = CaseStore::open(&args.store.store)?;
    let out = args.out.create(&args.store.store)?;
    let options = RunOptions {
        year: args.year.year,
        comments: args.comments.clone(),
        approved: None,
        forrige: args.forrige.clone(),
        godkendelser: Some(args.godkendelser.clone()),
        kept: None,
        dialog: args.dialog.svar(args.year.year)?,
    };
    let run = godkend_round::run(&store, reference, &options, Udvalg::Alle)?;
    let breve: Vec<Statusbrev> = run.rapporter.iter().filter_map(|r| Statusbrev::of(&r.model)).collect();
    let bar = crate::progress::bar(breve.len() as u64, "breve");
    // One letter per core on plain threads, as the reports (typst renders on rayon's pool).
    let written = godkend_store::each_per_core(breve.iter().collect(), |b| {
        let result = godkend_outputs::write_statusbrev(out, b).map_err(|e| {
            let mut f = Failure::from(e);
            f.message = format!("kommune {:03}: {}", b.kommunekode, f.message);
            f
        });
        bar.inc(1);
        result.err()
    });
    let failures: Vec<Failure> = written.into_iter().flatten().collect();
    bar.finish_and_clear();
    godkend_outputs::write_statusbreve(out, args.year.year, &breve)?;
    for f in &failures {
        f.print();
    }
    let skipped = crate::run::report_skipped(&run.sprunget_over);
    let approved = run.rapporter.len() - breve.len();
    println!(
        "{} breve til kommuner, der ikke har godkendt ({approved} har godkendt); filer i {}",
        breve.len(),
        out.display()
    );
    Ok(if failures.len() + skipped > 0 { 2 } else { 0 })
}
