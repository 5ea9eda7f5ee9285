//! `godkend systemskifte`: one municipality around the go-live date of a new case system — a PDF and
//! two CSVs (`<kode>-systemskifte-<dato>.csv` per series and quarter, `-sager.csv` the cases starting
//! on the date, re-created ones marked).

use crate::failure::Failure;
use godkend_model::Reference;
use godkend_store::CaseStore;
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(
    about = "Recipients, starts and ends around a municipality's change of case system, and the re-created cases",
    after_help = "Exit: 0 · 2 error\n\nExample:\n  \
godkend systemskifte --store out/lager --kommune 461 --dato 2025-04-01 --out out/systemskifte"
)]
pub struct Args {
    /// The case store written by `godkend ingest`.
    #[arg(long, value_name = "DIR")]
    store: PathBuf,
    /// The municipality's code.
    #[arg(long, value_name = "KODE")]
    kommune: u16,
    /// The go-live date of the new system.
    #[arg(long, value_name = "YYYY-MM-DD")]
    dato: String,
    /// Output folder (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

pub fn run(args: Args, reference: &Reference) -> Result<u8, Failure> {
    let Some(kommune) = reference.kommune(args.kommune) else {
        return Err(Failure::new(
            format!("--kommune {} is not a municipality code", args.kommune),
            "example: --kommune 461",
        ));
    };
    let dato = chrono::NaiveDate::parse_from_str(&args.dato, "%Y-%m-%d")
        .ok()
        .filter(|d| *d > godkend_model::earliest_start())
        .ok_or_else(|| {
            Failure::new(
                format!("--dato {} is not a date after 2013-10-01", godkend_model::tekst::shown(&args.dato)),
                "the go-live date as YYYY-MM-DD, e.g. --dato 2025-04-01",
            )
        })?;
    let store = CaseStore::open(&args.store)?;
    std::fs::create_dir_all(&args.out).map_err(|e| {
        Failure::new(format!("{}: {e}", args.out.display()), "choose an output folder you can write to")
    })?;
    let s = godkend_stats::systemskifte::systemskifte(&store, reference, kommune.kode, dato)?;
    let stem = format!("{:03}-systemskifte-{}", s.kommunekode, s.dato);
    godkend_store::fil::write_atomic(&args.out.join(format!("{stem}.csv")), s.csv().as_bytes())?;
    godkend_store::fil::write_atomic(&args.out.join(format!("{stem}-sager.csv")), s.sager_csv().as_bytes())?;
    let pdf = godkend_report::render_systemskifte(&s)
        .map_err(|e| Failure::new(e.to_string(), "the systemskifte template failed; the CSV files were written"))?;
    let path = args.out.join(format!("{:03}-{}-systemskifte-{}.pdf", s.kommunekode, s.navn, s.dato));
    godkend_store::fil::write_atomic(&path, &pdf)?;
    println!(
        "{} {}: {} sager starter {} ({} af kvartalets {}), heraf {} genoprettede; filer i {}",
        s.kommunekode,
        s.navn,
        s.starter_paa_datoen,
        s.dato,
        s.starter_paa_datoen,
        s.starter_i_kvartalet,
        s.genoprettede,
        args.out.display()
    );
    Ok(0)
}
