//! `godkend demo-check`: do a store's receipts say exactly what a demo run's ground truth expects?

use crate::failure::Failure;
use godkend_demo::{Sandhed, check_flags, check_receipts};
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(
    about = "Sammenlign kvitteringerne i et lager med facit for de demodata, der er indlæst i det",
    after_help = "Afslutningskode: 0 alle kvitteringer stemmer · 1 forskelle (listet) · 2 fejl\n\nEksempel:\n  godkend demo-data --out out/demo && godkend ingest out/demo --store out/lager --demo-noegle\n  godkend demo-check --demo out/demo --store out/lager\n  godkend run --store out/lager --year 2025 --out out/rapporter && godkend demo-check --demo out/demo --store out/lager --rapporter out/rapporter"
)]
pub struct Args {
    /// Mappen, som `godkend demo-data` skrev (med sandhed.json).
    #[arg(long, value_name = "MAPPE")]
    demo: PathBuf,
    /// Lageret, demodata er indlæst i.
    #[arg(long, value_name = "MAPPE")]
    store: PathBuf,
    /// Kontrollér også markeringerne: en mappe med uddata fra `godkend run` for de år, afvigelserne falder i.
    #[arg(long, value_name = "MAPPE")]
    rapporter: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<u8, Failure> {
    let path = args.demo.join("sandhed.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Failure::new(format!("{}: {e}", path.display()), "lad --demo pege på en mappe skrevet af `godkend demo-data`")
    })?;
    let truth: Sandhed = serde_json::from_str(&text)
        .map_err(|e| Failure::new(format!("{}: {e}", path.display()), "filen er ikke en godkend-sandhedsfil"))?;
    let mut problems = check_receipts(&truth, &args.store.join("kvitteringer"));
    let expected_findings: usize = truth.leveringer.iter().map(|l| l.fund.values().sum::<usize>()).sum();
    if problems.is_empty() {
        println!(
            "{} kvitteringer stemmer med sandheden ({} fund, {} afviste leveringer)",
            truth.leveringer.len(),
            expected_findings,
            truth.leveringer.iter().filter(|l| l.status == "afvist").count()
        );
    }
    if let Some(dir) = &args.rapporter {
        let flags = check_flags(&truth, dir);
        if flags.problems.is_empty() {
            println!("{} indlagte anomalier gav alle den forventede markering", flags.anomalies_checked);
        }
        println!(
            "Røde seriemarkeringer uden indlagt anomali: {} af {} serie-kvartaler ({:.1} %)",
            flags.clean_cells_red,
            flags.clean_cells,
            flags.clean_cells_red as f64 / flags.clean_cells.max(1) as f64 * 100.0
        );
        problems.extend(flags.problems);
    }
    if problems.is_empty() {
        return Ok(0);
    }
    for p in &problems {
        println!("{p}");
    }
    println!("{} afvigelser", problems.len());
    Ok(1)
}
