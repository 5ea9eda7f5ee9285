//! `godkend validate FILE`: check one delivery and print its receipt; touches nothing.

use crate::failure::Failure;
use godkend_ingest::{Encoding, Status, validate_file};
use godkend_model::Reference;
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(
    about = "Check one delivery and print its receipt (touches no store)",
    after_help = "Exit: 0 clean · 1 findings, delivery accepted · 2 delivery rejected or error\n\nExample:\n  godkend validate fixtures/demo/101_2024-03.csv"
)]
pub struct Args {
    /// The delivery: <kommunekode>_<YYYY-MM>[_N].csv or .parquet
    file: PathBuf,
    /// Character set of a CSV delivery.
    #[arg(long, default_value = "utf-8", value_name = "utf-8|windows-1252")]
    encoding: Encoding,
    /// Print the receipt as JSON instead of text.
    #[arg(long)]
    json: bool,
    /// The day the delivery is checked on (default: today); a later delivery month is rejected.
    #[arg(long, value_name = "YYYY-MM-DD")]
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
