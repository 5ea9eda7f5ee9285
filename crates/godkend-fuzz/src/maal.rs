//! What is fuzzed and what must hold for every input: each target reads one input as the real reader
//! does and checks that it did not panic (a delivery's panic guard counts as one: it is a bug to fix), and
//! that nothing CPR-shaped came out — not in a receipt, a comment or an error message.

use godkend_ingest::Encoding;
use godkend_ingest::validate::validate_bytes;
use godkend_model::Reference;
use godkend_model::tekst::contains_cpr;
use std::panic::AssertUnwindSafe;
use std::path::Path;

/// A reader under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Maal {
    /// A CSV delivery through `validate_bytes`.
    LeveringCsv,
    /// A Parquet delivery through `validate_bytes`.
    LeveringParquet,
    /// A comments CSV through `comments::read`.
    KommentarerCsv,
    /// A comments workbook through `comments::read`: bytes of a real workbook, mutated.
    KommentarerXlsx,
    /// An approvals CSV through `godkendelser::read`.
    Godkendelser,
}

impl Maal {
    pub const ALLE: [Maal; 5] =
        [Maal::LeveringCsv, Maal::LeveringParquet, Maal::KommentarerCsv, Maal::KommentarerXlsx, Maal::Godkendelser];

    /// The name of its folder of kept inputs under `fixtures/fuzz/`.
    pub fn navn(self) -> &'static str {
        match self {
            Maal::LeveringCsv => "levering-csv",
            Maal::LeveringParquet => "levering-parquet",
            Maal::KommentarerCsv => "kommentarer-csv",
            Maal::KommentarerXlsx => "kommentarer-xlsx",
            Maal::Godkendelser => "godkendelser",
        }
    }

    /// Reads `input`; `Err` says which promise it broke. `dir` is a scratch folder for the readers that
    /// take a path.
    pub fn check(self, input: &[u8], reference: &Reference, dir: &Path) -> Result<(), String> {
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| self.read(input, reference, dir)));
        match outcome {
            Ok(result) => result,
            Err(panic) => Err(format!("panic: {}", panic_text(&panic))),
        }
    }

    fn read(self, input: &[u8], reference: &Reference, dir: &Path) -> Result<(), String> {
        match self {
            Maal::LeveringCsv | Maal::LeveringParquet => {
                let fil = if self == Maal::LeveringCsv { "101_2024-03.csv" } else { "101_2024-03.parquet" };
                let k = validate_bytes(fil, input, reference, Encoding::Utf8).kvittering;
                // A panic of the Parquet decoder (polars) on a damaged file is caught and becomes a rejected
                // delivery (docs/leveringer.md); one anywhere else is a bug of ours.
                let caught = k.fatal.as_ref().map(|f| f.tekst.as_str());
                if caught.is_some_and(|t| t.contains("intern fejl")) {
                    return Err("the delivery's panic guard caught a panic".into());
                }
                let shown = (k.to_text() + &k.to_json()).replace(&k.sha256, "");
                no_cpr("the receipt", &shown)
            }
            Maal::KommentarerCsv | Maal::KommentarerXlsx => {
                let path = dir.join(if self == Maal::KommentarerCsv { "svar.csv" } else { "svar.xlsx" });
                std::fs::write(&path, input).map_err(|e| e.to_string())?;
                match godkend_round::comments::read(&path, 10_000) {
                    Ok(comments) => comments.iter().try_for_each(|c| no_cpr("a comment", &c.kommentar)),
                    Err(e) => no_cpr("an error", &e.to_string()),
                }
            }
            Maal::Godkendelser => {
                let path = dir.join("godkendelser.csv");
                std::fs::write(&path, input).map_err(|e| e.to_string())?;
                match godkend_round::godkendelser::read(&path, reference) {
                    Ok(approvals) => approvals.values().try_for_each(|g| no_cpr("an approval", &g.godkendt_af)),
                    Err(e) => no_cpr("an error", &e.to_string()),
                }
            }
        }
    }
}

fn no_cpr(what: &str, text: &str) -> Result<(), String> {
    if contains_cpr(text) { Err(format!("a CPR-shaped number in {what}")) } else { Ok(()) }
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    let text = panic.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| panic.downcast_ref::<String>().cloned());
    // What a panic says may echo the input: masked like any other text.
    godkend_model::tekst::mask_cpr(&text.unwrap_or_else(|| "(no message)".into())).into_owned()
}
