//! `godkend fsck` (what is wrong with a store and what can be recovered) and `godkend backup` (a copy
//! of its committed state that is consistent while ingests run).

use crate::args;
use crate::failure::Failure;
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(
    about = "Check a case store: the manifest's checksum, every file against it, files it cannot explain",
    after_help = "Exit: 0 sound · 1 something is wrong (listed with what can be recovered) · 2 error\n\nExample:\n  \
godkend fsck --store out/lager"
)]
pub struct FsckArgs {
    #[command(flatten)]
    store: args::Store,
}

#[derive(clap::Args)]
#[command(
    about = "Copy a case store's committed state into a new folder, consistent while ingests run",
    after_help = "Exit: 0 · 2 error\n\nExample:\n  \
godkend backup --store out/lager --til /backup/lager-2026-12-02"
)]
pub struct BackupArgs {
    #[command(flatten)]
    store: args::Store,
    /// The new folder to copy into (must not exist).
    #[arg(long, visible_alias = "to", value_name = "DIR")]
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
