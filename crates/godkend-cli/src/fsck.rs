//! `godkend fsck` (what is wrong with a store and what can be recovered) and `godkend backup` (a copy
//! of its committed state that is consistent while ingests run).

use crate::args;
use crate::failure::Failure;
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(
    about = "Kontrollér et sagslager: manifestets kontrolsum, hver fil mod det, filer det ikke kan forklare",
    after_help = "Afslutningskode: 0 i orden · 1 noget er galt (listet med, hvad der kan genskabes) · 2 fejl\n\nEksempel:\n  \
godkend fsck --store out/lager"
)]
pub struct FsckArgs {
    #[command(flatten)]
    store: args::Store,
}

#[derive(clap::Args)]
#[command(
    about = "Kopiér et sagslagers gemte tilstand til en ny mappe, konsistent mens indlæsninger kører",
    after_help = "Afslutningskode: 0 · 2 fejl\n\nEksempel:\n  \
godkend backup --store out/lager --til /backup/lager-2026-12-02"
)]
pub struct BackupArgs {
    #[command(flatten)]
    store: args::Store,
    /// Den nye mappe, der kopieres til (må ikke findes).
    #[arg(long, visible_alias = "to", value_name = "MAPPE")]
    til: PathBuf,
}

pub fn fsck(args: FsckArgs) -> Result<u8, Failure> {
    let fejl = godkend_store::fsck(&args.store.store)?;
    if fejl.is_empty() {
        println!("{}: lageret er i orden", args.store.store.display());
        return Ok(0);
    }
    for f in &fejl {
        println!("{}: {}\n  råd: {}", f.path.display(), f.problem, f.raad);
    }
    eprintln!("error: {} fejl i lageret {}", fejl.len(), args.store.store.display());
    Ok(1)
}

pub fn backup(args: BackupArgs) -> Result<u8, Failure> {
    let k = godkend_store::backup(&args.store.store, &args.til)?;
    println!(
        "generation {} kopieret til {}: {} filer, {} MB med kvitteringer",
        k.generation,
        args.til.display(),
        k.filer,
        k.bytes >> 20
    );
    Ok(0)
}
