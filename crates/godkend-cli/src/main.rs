//! `godkend`: the command line of DST's approval-report pipeline. Thin: parse, dispatch, and turn
//! failures into `error:`/`hint:` lines and the exit codes of docs/kommandoer.md.

mod allokator;
mod args;
mod demo;
mod demo_check;
mod failure;
mod fsck;
mod hjaelp;
mod ingest;
mod kalibrer;
mod progress;
mod publicer;
mod run;
mod serve;
mod statusbrev;
mod systemskifte;
mod validate;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// polars and typst allocate many small, short-lived objects; mimalloc serves them faster than glibc's
/// allocator (measured in the commit that added it).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "godkend",
    version,
    about = "Danmarks Statistik: indberetninger ind, godkendelsesrapporter ud (handicap- og udsatteområdet)"
)]
struct Cli {
    /// Læs referencedata fra denne mappe i stedet for kopien i programmet.
    #[arg(long, global = true, value_name = "MAPPE")]
    reference: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Validate(validate::Args),
    Ingest(ingest::Args),
    DemoData(demo::Args),
    DemoCheck(demo_check::Args),
    Run(run::RunArgs),
    Report(run::ReportArgs),
    Kalibrer(kalibrer::Args),
    Systemskifte(systemskifte::Args),
    Statusbrev(statusbrev::Args),
    Fsck(fsck::FsckArgs),
    Backup(fsck::BackupArgs),
    Serve(serve::ServeArgs),
    Bruger(serve::BrugerArgs),
    Noegle(serve::NoegleArgs),
    Publicer(publicer::Args),
    /// A worker of `run`: renders report PDFs from standard input to standard output
    /// (`godkend_outputs::worker`).
    #[command(hide = true)]
    TegnPdf,
}

/// The stack of each worker thread of rayon's global pool, on which typst lays out in parallel (the
/// reports themselves are rendered one per core on `godkend_store::per_core`'s threads, of the same
/// size). std's 2 MB overflowed in a dev build rendering the national demo's larger reports (typst
/// recurses deeply through layout, unoptimised frames are large); the memory is reserved, not used.
const WORKER_STACK: usize = 16 << 20;

fn main() -> ExitCode {
    allokator::tune();
    // Fails only if a pool was built already, which nothing does before this line.
    let _ = rayon::ThreadPoolBuilder::new().stack_size(WORKER_STACK).build_global();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return ExitCode::from(failure::command_line(e)),
    };
    let result = failure::load_reference(cli.reference.as_deref()).and_then(|reference| match cli.command {
        Command::Validate(args) => validate::run(args, &reference),
        Command::Ingest(args) => ingest::run(args, &reference),
        Command::DemoData(args) => demo::run(args, &reference),
        Command::DemoCheck(args) => demo_check::run(args),
        Command::Run(args) => run::run_all(args, &reference),
        Command::Report(args) => run::report_one(args, &reference),
        Command::Kalibrer(args) => kalibrer::run(args, &reference),
        Command::Systemskifte(args) => systemskifte::run(args, &reference),
        Command::Statusbrev(args) => statusbrev::run(args, &reference),
        Command::Fsck(args) => fsck::fsck(args),
        Command::Backup(args) => fsck::backup(args),
        Command::Serve(args) => serve::serve(args, &reference),
        Command::Bruger(args) => serve::bruger(args, &reference),
        Command::Noegle(args) => serve::noegle(args, &reference),
        Command::Publicer(args) => publicer::run(args, &reference),
        Command::TegnPdf => run::worker(),
    });
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            failure.print();
            ExitCode::from(2)
        }
    }
}
