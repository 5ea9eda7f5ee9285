//! `godkend systemskifte`: one municipality around the go-live date of a new case system — a PDF and
//! two CSVs (`<kode>-systemskifte-<dato>.csv` per series and quarter, `-sager.csv` the cases starting
//! on the date, re-created ones marked).

use crate::args;
use crate::failure::Failure;
use godkend_model::Reference;
use godkend_store::CaseStore;

#[derive(clap::Args)]
#[command(
    about = "Modtagere, starter og ophør omkring en kommunes skift af sagssystem, og de genoprettede sager",
    after_help = "Afslutningskode: 0 · 2 fejl\n\nEksempel:\n  \
godkend systemskifte --store out/lager --kommune 461 --dato 2025-04-01 --out out/systemskifte"
)]
pub struct Args {
    #[command(flatten)]
    store: args::Store,
    /// Kommunekoden.
    #[arg(long, visible_alias = "municipality", value_name = "KODE", value_parser = args::kommunekode)]
    kommune: u16,
    /// Datoen, det nye system blev taget i brug.
    #[arg(long, visible_alias = "date", value_name = "ÅÅÅÅ-MM-DD", value_parser = args::dato_efter_start)]
    dato: chrono::NaiveDate,
    #[command(flatten)]
    out: args::Out,
}

pub fn run(args: Args, reference: &Reference) -> Result<u8, Failure> {
    let Some(kommune) = reference.kommune(args.kommune) else {
        return Err(Failure::new(format!("--kommune {} er ikke en kommunekode", args.kommune), "fx --kommune 461"));
    };
    let store = CaseStore::open(&args.store.store)?;
    let out = args.out.create(&args.store.store)?;
    let s = godkend_count::systemskifte::systemskifte(&store, reference, kommune.kode, args.dato)?;
    godkend_outputs::write_systemskifte(out, &s)?;
    println!(
        "{} {}: {} sager starter {} ({} af kvartalets {}), heraf {} genoprettede; filer i {}",
        s.kommunekode,
        s.navn,
        s.starter_paa_datoen,
        s.dato,
        s.starter_paa_datoen,
        s.starter_i_kvartalet,
        s.genoprettede,
        out.display()
    );
    Ok(0)
}
