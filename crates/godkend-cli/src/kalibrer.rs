//! `godkend kalibrer`: graded anomalies injected into a store's counts; how the series rules catch
//! them and how many clean cells they flag (see `godkend_rules::kalibrering`).

use crate::args;
use crate::failure::Failure;
use godkend_model::{Maaned, Reference};
use godkend_store::CaseStore;

#[derive(clap::Args)]
#[command(
    about = "Kalibrér markeringsreglerne: læg afvigelser i kendt størrelse ind i et lagers tal, og vis fangst og falske alarmer",
    after_help = "Afslutningskode: 0 · 2 fejl\n\nEksempel (alle 98 kommuner, ingen indlagte leveringsproblemer):\n  \
godkend demo-data --out out/kal --kommuner alle --fra 2015-01 --til 2025-12 --problemer ingen\n  \
godkend ingest out/kal --store out/kal-lager --demo-noegle\n  godkend kalibrer --store out/kal-lager --year 2025"
)]
pub struct Args {
    #[command(flatten)]
    store: args::Store,
    /// Rapportåret, hvis kvartaler hændelserne lægges i.
    #[arg(long, visible_alias = "aar", value_name = "ÅÅÅÅ", value_parser = args::report_year)]
    year: i32,
    /// Startværdi for tilfældighederne (samme værdi, samme hændelser).
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

pub fn run(args: Args, reference: &Reference) -> Result<u8, Failure> {
    let store = CaseStore::open(&args.store.store)?;
    let first = store
        .read_log()?
        .iter()
        .filter(|e| !e.is_rejected())
        .filter_map(|e| e.maaned.parse::<Maaned>().ok())
        .min()
        .ok_or_else(|| {
            Failure::new("lageret indeholder ingen godkendt levering", "indlæs først demodata (se --help)")
        })?;
    // The window every report counts (first quarter shown: `vises_fra`), so the calibration judges the
    // series the reports flag.
    let window = godkend_round::scope::window(reference, args.year, Some(first));
    let cases = store.live_cases(&store.kommuner()?)?;
    let counts = godkend_count::count(cases, reference, window)?;
    let k = godkend_rules::kalibrering::calibrate(&counts, reference, &reference.taerskler, args.year, args.seed);
    println!("Tærskler {} · rapportår {} · seed {}\n", reference.taerskler.version, args.year, args.seed);
    print!("{}", k.table());
    Ok(0)
}
