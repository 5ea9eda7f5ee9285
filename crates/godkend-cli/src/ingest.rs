//! `godkend ingest PATH… --store DIR`: validate deliveries into the case store, with receipts.

use crate::failure::Failure;
use godkend_ingest::{CaseStore, Encoding, IngestOptions, Noegle, Status, ingest};
use godkend_model::Reference;
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args)]
#[command(
    about = "Kontrollér indberetninger og gem dem i sagslageret, med en kvittering for hver levering",
    after_help = "Afslutningskode: 0 alt godkendt · 1 nogle poster afvist · 2 en levering afvist, eller en fejl\n\n\
Lageret gemmer et nøglet pseudonym for hver person, aldrig CPR-nummeret. Nøglen kommer fra\n\
--noegle-fil eller miljøvariablen GODKEND_NOEGLE (mindst 32 tegn, opbevaret uden for\n\
lageret); --demo-noegle bruger en offentlig nøgle, der kun er til de syntetiske demodata.\n\n\
Eksempler:\n  godkend ingest fixtures/demo --store out/lager --demo-noegle\n  \
GODKEND_NOEGLE=… godkend ingest leveringer/2025-11 --store /data/godkend/lager"
)]
pub struct Args {
    /// Leveringsfiler eller mapper med dem (.csv og .parquet).
    #[arg(required = true, value_name = "LEVERING")]
    paths: Vec<PathBuf>,
    /// Sagslageret (oprettes, hvis det mangler).
    #[arg(long, value_name = "MAPPE")]
    store: PathBuf,
    /// Filen med pseudonymnøglen.
    #[arg(long, value_name = "FIL", conflicts_with = "demo_noegle")]
    noegle_fil: Option<PathBuf>,
    /// Brug den offentlige demonøgle (kun syntetiske demodata).
    #[arg(long)]
    demo_noegle: bool,
    /// Tegnsæt i CSV-leveringer.
    #[arg(long, default_value = "utf-8", value_name = "utf-8|windows-1252")]
    encoding: Encoding,
    /// Indlæsningens dato (standard: i dag); en levering for en senere måned afvises.
    #[arg(long, value_name = "ÅÅÅÅ-MM-DD")]
    dato: Option<chrono::NaiveDate>,
    /// Portalens dialoglager: hver leverings kvitteringsmail går til afsenderens registrerede brugere.
    #[arg(long, value_name = "FIL")]
    dialog: Option<PathBuf>,
    /// Send kvitteringsmails gennem denne SMTP-server (VÆRT:PORT); ellers kun til udbakken.
    #[arg(long, value_name = "VÆRT:PORT", requires = "dialog")]
    smtp: Option<String>,
    /// Portalens adresse til linkene i kvitteringsmails.
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:8080")]
    url: String,
}

/// Today's date (UTC) from the system clock: used only to reject deliveries for future months,
/// never written into an output.
pub fn today() -> chrono::NaiveDate {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    godkend_model::dato::EPOCH + chrono::Days::new(secs / 86_400)
}

pub fn run(args: Args, reference: &Reference) -> Result<u8, Failure> {
    let started = Instant::now();
    // A folder without deliveries is a mistake to name (a folder of folders, the wrong folder), not an
    // ingest of nothing; checked before the store is made.
    for path in args.paths.iter().filter(|p| p.is_dir()) {
        if godkend_ingest::ingest::expand_paths(std::slice::from_ref(path))?.is_empty() {
            return Err(Failure::new(
                format!(
                    "{}: ingen leveringer (.csv- eller .parquet-filer) i mappen; dens undermapper gennemsøges ikke",
                    path.display()
                ),
                "angiv den mappe, der selv indeholder leveringsfilerne, fx fixtures/demo",
            ));
        }
    }
    let key = if args.demo_noegle { Noegle::demo() } else { Noegle::from_file_or_env(args.noegle_fil.as_deref())? };
    let store = CaseStore::open_or_create(&args.store, &key.aftryk())?;
    let files = godkend_ingest::ingest::expand_paths(&args.paths)?;
    let bar = crate::progress::bar(files.len() as u64, "leveringer");
    let options = IngestOptions { encoding: args.encoding, idag: Some(args.dato.unwrap_or_else(today)) };
    let summary = ingest(&args.paths, &store, reference, &key, options, &|n| bar.inc(n))?;
    bar.finish_and_clear();

    let count = |s: Status| summary.kvitteringer.iter().filter(|k| k.status == s).count();
    let rows: usize = summary.kvitteringer.iter().map(|k| k.raekker).sum();
    let accepted: usize = summary.kvitteringer.iter().map(|k| k.accepterede).sum();
    let rejected: usize = summary.kvitteringer.iter().map(|k| k.afviste).sum();
    println!(
        "{} leveringer indlæst: {} uden bemærkninger, {} med bemærkninger, {} afvist",
        summary.kvitteringer.len(),
        count(Status::Godkendt),
        count(Status::GodkendtMedFund),
        count(Status::Afvist)
    );
    println!("{rows} poster læst: {accepted} modtaget, {rejected} afvist");
    if !summary.allerede_indlaest.is_empty() {
        println!("{} filer var allerede indlæst (samme indhold) og er sprunget over", summary.allerede_indlaest.len());
    }
    println!(
        "Lager {}: {} kommuner opdateret med {} sagsversioner; kvitteringer i {}",
        args.store.display(),
        summary.kommuner_opdateret,
        summary.sagsversioner,
        args.store.join("kvitteringer").display()
    );
    let secs = started.elapsed().as_secs_f64();
    let peak = peak_memory_mb().map(|mb| format!(", maks. hukommelse {mb} MB")).unwrap_or_default();
    eprintln!("({secs:.2} s, {:.0} poster/s{peak})", rows as f64 / secs.max(1e-9));
    for (path, e) in &summary.ikke_indlaest {
        let hint = if e.is_disk_full() {
            "disken er fuld: frigør plads og kør samme indlæsning igen; de øvrige leveringer er indlæst, og lageret er uskadt"
        } else {
            "omdøb filen til <kommunekode>_<ÅÅÅÅ-MM>[_N].csv og indlæs den igen; de øvrige leveringer er indlæst"
        };
        Failure::new(format!("{}: ikke indlæst: kvitteringen kan ikke skrives ({e})", path.display()), hint).print();
    }
    if let Some(dialog) = &args.dialog {
        let d = godkend_dialog::Dialog::open(dialog)?;
        let post = godkend_server::kvitteringsmail::Post::beside(dialog, args.smtp.clone(), args.url.clone());
        let mut written = 0;
        for k in &summary.kvitteringer {
            match godkend_server::kvitteringsmail::send(&post, &d, reference, k) {
                Ok(Some(_)) => written += 1,
                Ok(None) => {}
                Err(e) => Failure::new(
                    format!("{}: kvitteringsmail: {e}", k.fil),
                    "leveringen er indlæst; tjek --smtp og modtagernes adresser",
                )
                .print(),
            }
        }
        println!("{written} kvitteringsmails i {}", post.udbakke.display());
    }
    for k in summary.kvitteringer.iter().filter(|k| k.status == Status::Afvist) {
        if let Some(f) = &k.fatal {
            let at = f.linje.map(|l| format!(":{l}")).unwrap_or_default();
            Failure::new(format!("{}{at}: afvist: {}", k.fil, f.tekst), f.hint.clone()).print();
        }
    }
    Ok(summary.exit_code())
}

/// Peak resident memory of this process (Linux: VmHWM), for the timing line.
pub(crate) fn peak_memory_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}
