//! `godkend validate FILE`: check one delivery and print its receipt; touches nothing.

use crate::failure::Failure;
use godkend_ingest::{Encoding, Status, validate_file};
use godkend_model::Reference;
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(
    about = "Kontrollér én levering og skriv dens kvittering (rører intet lager)",
    after_help = "Afslutningskode: 0 ingen fund · 1 fund, leveringen godkendt · 2 leveringen afvist eller fejl\n\nEksempel:\n  godkend validate fixtures/demo/101_2024-03.csv"
)]
pub struct Args {
    /// Leveringen: <kommunekode>_<ÅÅÅÅ-MM>[_N].csv eller .parquet
    #[arg(value_name = "LEVERING")]
    file: PathBuf,
    /// Tegnsæt i en CSV-levering.
    #[arg(long, default_value = "utf-8", value_name = "utf-8|windows-1252")]
    encoding: Encoding,
    /// Skriv kvitteringen som JSON i stedet for tekst.
    #[arg(long)]
    json: bool,
    /// Dagen, leveringen kontrolleres (standard: i dag); en senere leveringsmåned afvises.
    #[arg(long, value_name = "ÅÅÅÅ-MM-DD")]
    dato: Option<chrono::NaiveDate>,
}

pub fn run(args: Args, reference: &Reference) -> Result<u8, Failure> {
    if !args.file.is_file() {
        return Err(Failure::new(
            format!("{}: filen findes ikke", args.file.display()),
            "angiv stien til én leveringsfil",
        ));
    }
    let idag = args.dato.unwrap_or_else(crate::ingest::today);
    let v = validate_file(&args.file, reference, args.encoding, Some(godkend_model::Maaned::of_date(idag)));
    let k = &v.kvittering;
    print!("{}", if args.json { k.to_json() } else { k.to_text() });
    Ok(match k.status {
        Status::Godkendt => 0,
        Status::GodkendtMedFund => 1,
        Status::Afvist => {
            if let Some(f) = &k.fatal {
                let at = f.linje.map(|l| format!(":{l}")).unwrap_or_default();
                Failure::new(format!("{}{at}: {}", args.file.display(), f.tekst), f.hint.clone()).print();
            }
            2
        }
    })
}
