//! `godkend demo-data --out DIR`: synthetic deliveries with injected problems and ground truth.

use crate::failure::Failure;
use godkend_demo::{DemoOptions, Problem, generate};
use godkend_model::{Maaned, Reference};
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(
    about = "Skriv syntetiske månedlige indberetninger med indlagte problemer og en facitfil (sandhed.json)",
    after_help = "Uden tilvalg skrives det medfølgende demosæt (fixtures/demo): syv kommuner, 2023-01..2025-12.\n\n\
Eksempler:\n  godkend demo-data --out out/demo\n  \
godkend demo-data --out out/national --kommuner alle --fra 2021-01 --til 2025-12\n  \
godkend demo-data --out out/clean --kommuner 101,751 --problemer ingen"
)]
pub struct Args {
    /// Udmappe (oprettes, hvis den mangler).
    #[arg(long, value_name = "MAPPE")]
    out: PathBuf,
    /// Kommunekoder adskilt af komma, eller `alle` for alle 98.
    #[arg(long, value_name = "KODER")]
    kommuner: Option<String>,
    /// Første leveringsmåned.
    #[arg(long, value_name = "ÅÅÅÅ-MM")]
    fra: Option<Maaned>,
    /// Sidste leveringsmåned.
    #[arg(long, value_name = "ÅÅÅÅ-MM")]
    til: Option<Maaned>,
    /// Startværdi for tilfældighederne (samme værdi, samme data).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Ganger antallet af sager (1,0 ≈ landets størrelse pr. kommune).
    #[arg(long, value_name = "X")]
    skala: Option<f64>,
    /// Problemer at indlægge, adskilt af komma: linjer, afviste-leveringer, manglende-maaned, systemskifte,
    /// fald-til-nul, stigning, manglende-maalgruppe, afviste-poster; eller alle / ingen.
    #[arg(long, value_name = "LISTE")]
    problemer: Option<String>,
}

pub fn run(args: Args, reference: &Reference) -> Result<u8, Failure> {
    let mut o = DemoOptions::bundled();
    if let Some(k) = &args.kommuner {
        o.kommuner = parse_kommuner(k, reference)?;
        o.skala = 1.0;
    }
    o.fra = args.fra.unwrap_or(o.fra);
    o.til = args.til.unwrap_or(o.til);
    o.seed = args.seed.unwrap_or(o.seed);
    o.skala = args.skala.unwrap_or(o.skala);
    if let Some(p) = &args.problemer {
        o.problemer =
            Problem::parse_list(p).map_err(|e| Failure::new(e, "example: --problemer linjer,systemskifte"))?;
    }
    let started = std::time::Instant::now();
    let truth = generate(&args.out, reference, &o)?;
    let rows: usize = truth.leveringer.iter().map(|l| l.raekker).sum();
    println!(
        "{} leveringer med {rows} poster for {} kommuner ({}..{}) skrevet til {}; sandhed i {}",
        truth.leveringer.len(),
        truth.kommuner.len(),
        truth.fra,
        truth.til,
        args.out.display(),
        args.out.join("sandhed.json").display()
    );
    eprintln!("({:.2} s)", started.elapsed().as_secs_f64());
    Ok(0)
}

fn parse_kommuner(s: &str, reference: &Reference) -> Result<Vec<u16>, Failure> {
    if s.trim() == "alle" {
        return Ok(reference.kommuner.keys().copied().collect());
    }
    let mut out = Vec::new();
    for part in s.split(',') {
        let kode: u16 = part.trim().parse().map_err(|_| {
            Failure::new(
                format!("--kommuner: `{}` er ikke en kommunekode", part.trim()),
                "example: --kommuner 101,751 or --kommuner alle",
            )
        })?;
        out.push(kode);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}
