//! `godkend demo-check`: do a store's receipts say exactly what a demo run's ground truth expects?

use crate::failure::Failure;
use godkend_demo::{Sandhed, check_receipts};
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(
    about = "Compare the receipts in a store with the ground truth of the demo data ingested into it",
    after_help = "Exit: 0 every receipt agrees · 1 differences (listed) · 2 error\n\nExample:\n  godkend demo-data --out out/demo && godkend ingest out/demo --store out/lager --demo-noegle\n  godkend demo-check --demo out/demo --store out/lager"
)]
pub struct Args {
    /// Folder written by `godkend demo-data` (holds sandhed.json).
    #[arg(long, value_name = "DIR")]
    demo: PathBuf,
    /// The store the demo data was ingested into.
    #[arg(long, value_name = "DIR")]
    store: PathBuf,
}

pub fn run(args: Args) -> Result<u8, Failure> {
    let path = args.demo.join("sandhed.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Failure::new(format!("{}: {e}", path.display()), "point --demo at a folder written by `godkend demo-data`")
    })?;
    let truth: Sandhed = serde_json::from_str(&text)
        .map_err(|e| Failure::new(format!("{}: {e}", path.display()), "the file is not a godkend ground-truth file"))?;
    let problems = check_receipts(&truth, &args.store.join("kvitteringer"));
    let expected_findings: usize = truth.leveringer.iter().map(|l| l.fund.values().sum::<usize>()).sum();
    if problems.is_empty() {
        println!(
            "{} kvitteringer stemmer med sandheden ({} fund, {} afviste leveringer)",
            truth.leveringer.len(),
            expected_findings,
            truth.leveringer.iter().filter(|l| l.status == "afvist").count()
        );
        return Ok(0);
    }
    for p in &problems {
        println!("{p}");
    }
    println!("{} afvigelser i {} kvitteringer", problems.len(), truth.leveringer.len());
    Ok(1)
}
