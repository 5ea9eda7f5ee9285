//! `godkend run` (the annual run for every municipality) and `godkend report` (one municipality):
//! the approval round's reports written as `<kode>-<navn>-<år>.pdf`, `<kode>-<år>.json` and
//! `<kode>-<år>-markeringer.xlsx`, and for the run `status-<år>.pdf`, `.csv` and `.json`.

use crate::args;
use crate::failure::Failure;
use godkend_model::Reference;
use godkend_model::talformat::antal;
use godkend_round::{Rapport, Udvalg};
use godkend_store::CaseStore;
use std::path::Path;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Common {
    #[command(flatten)]
    store: args::Store,
    #[command(flatten)]
    year: args::Year,
    #[command(flatten)]
    out: args::Out,
    #[command(flatten)]
    round: args::Round,
}

#[derive(clap::Args)]
#[command(
    about = "Årets kørsel: alle kommuners godkendelsesrapport (PDF, JSON, regneark med markeringer) og statusoversigten",
    after_help = "Afslutningskode: 0 · 2 fejl (de øvrige kommuner skrives alligevel)\n\n\
Eksempel:\n  godkend run --store out/lager --year 2025 --out out/rapporter --comments svar/"
)]
pub struct RunArgs {
    #[command(flatten)]
    common: Common,
}

#[derive(clap::Args)]
#[command(
    about = "Dan én kommunes godkendelsesrapport igen efter rettelser eller kommentarer",
    after_help = "Afslutningskode: 0 · 2 fejl\n\nEksempel:\n  godkend report --store out/lager --year 2025 --kommune 101 --out out/rapporter --comments 101-svar.xlsx"
)]
pub struct ReportArgs {
    #[command(flatten)]
    common: Common,
    /// Kommunekoden.
    #[arg(long, visible_alias = "municipality", value_name = "KODE", value_parser = args::kommunekode)]
    kommune: u16,
}

/// Open the store → count, flag and assemble (the round) → write; the same calls for one municipality.
fn round(c: &Common, reference: &Reference, udvalg: Udvalg) -> Result<godkend_round::Run, Failure> {
    let store = CaseStore::open(&c.store.store)?;
    let out = c.out.create(&c.store.store)?;
    if let Some(forrige) = &c.round.forrige
        && same_folder(out, forrige)
    {
        return Err(Failure::new(
            format!(
                "--out {} er også --forrige: den nye runde ville overskrive den runde, den sammenlignes med",
                out.display()
            ),
            "skriv den nye runde i sin egen mappe, fx --out rapporter-runde2 --forrige rapporter",
        ));
    }
    let options = c.round.options(c.year.year, Some(out.join(".godkend")))?;
    Ok(godkend_round::run(&store, reference, &options, udvalg)?)
}

/// Whether two paths name one folder (an earlier round's folder must exist to be compared with).
fn same_folder(a: &Path, b: &Path) -> bool {
    matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}

/// The hidden command a run starts its PDF workers with.
const WORKER: &str = "tegn-pdf";

/// A worker process: renders the report inputs a run sends until its input ends. A run that is gone (killed
/// while this rendered, or while it wrote a report's input: its end of the pipes is closed) ends the worker
/// quietly, as the end of its input does; a run never cuts a frame it lives to finish.
pub fn worker() -> Result<u8, Failure> {
    use std::io::ErrorKind::{BrokenPipe, UnexpectedEof};
    match godkend_outputs::worker::serve(std::io::stdin().lock(), std::io::stdout().lock()) {
        Ok(()) => Ok(0),
        Err(e) if matches!(e.kind(), BrokenPipe | UnexpectedEof) => Ok(0),
        Err(e) => Err(Failure::new(format!("{WORKER}: {e}"), "kommandoen bruges af godkend run, ikke direkte")),
    }
}

/// Workers for the PDFs, one per core, when more than one report is rendered at once: typst in two
/// threads of one process is slower than in one ([`godkend_outputs::worker`]).
fn workers(reports: usize) -> Option<godkend_outputs::worker::Pool> {
    if reports < 2 || rayon::current_num_threads() < 2 {
        return None;
    }
    let exe = std::env::current_exe().ok()?;
    Some(godkend_outputs::worker::Pool::new(move || {
        let mut command = std::process::Command::new(&exe);
        // One thread each: the workers are one per core already, and typst's own parallel work in each
        // only made them contend (the national run's 98 PDFs 9.2-10.2 s with two threads each, 8.7-9.9 s
        // with one, four runs each; docs/PERFORMANCE.md).
        command.arg(WORKER).env("RAYON_NUM_THREADS", "1");
        command
    }))
}

/// Writes every report's files, one municipality per core; returns how many failed (each printed).
fn write_all(out: &Path, rapporter: &[Rapport]) -> usize {
    let bar = crate::progress::bar(rapporter.len() as u64, "rapporter");
    let kept = std::sync::atomic::AtomicUsize::new(0);
    let pool = workers(rapporter.len());
    let render = |input| match &pool {
        Some(pool) => pool.render(input),
        None => godkend_outputs::pdf::render_input(input),
    };
    // On plain threads: typst renders on rayon's pool, and a worker of that pool waiting for it would
    // start another report meanwhile ([`godkend_store::per_core`]).
    let written = godkend_store::each_per_core(rapporter.iter().collect(), |r| {
        let result = godkend_outputs::write_kommune_with(out, r, &render);
        bar.inc(1);
        match result {
            Ok(s) => {
                if s.pdf_genbrugt {
                    kept.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                None
            }
            Err(e) => {
                let mut f = Failure::from(e);
                f.message = format!("kommune {:03}: {}", r.model.kommunekode, f.message);
                Some(f)
            }
        }
    });
    let failures: Vec<Failure> = written.into_iter().flatten().collect();
    bar.finish_and_clear();
    let kept = kept.into_inner();
    if kept > 0 {
        eprintln!("({kept} af {} PDF'er er uændrede siden sidst og ikke dannet igen)", rapporter.len());
    }
    for f in &failures {
        f.print();
    }
    failures.len()
}

pub fn run_all(args: RunArgs, reference: &Reference) -> Result<u8, Failure> {
    let started = Instant::now();
    let c = &args.common;
    let run = round(c, reference, Udvalg::Alle)?;
    let counted = started.elapsed().as_secs_f64();
    let counted_mb = crate::ingest::peak_memory_mb();
    let failed = write_all(&c.out.out, &run.rapporter);
    godkend_outputs::write_status(&c.out.out, &run.status(c.year.year))?;
    summarise(&run.rapporter, &c.out.out);
    let skipped = report_skipped(&run.sprunget_over);
    let mb = |m: Option<u64>| m.map(|mb| format!(", maks. hukommelse {mb} MB")).unwrap_or_default();
    eprintln!(
        "(optælling og markeringer {counted:.2} s{}; i alt {:.2} s{})",
        mb(counted_mb),
        started.elapsed().as_secs_f64(),
        mb(crate::ingest::peak_memory_mb())
    );
    Ok(if failed + skipped > 0 { 2 } else { 0 })
}

pub fn report_one(args: ReportArgs, reference: &Reference) -> Result<u8, Failure> {
    let started = Instant::now();
    if reference.kommune(args.kommune).is_none() {
        return Err(Failure::new(format!("--kommune {} er ikke en kommunekode", args.kommune), "fx --kommune 101"));
    }
    let c = &args.common;
    let run = round(c, reference, Udvalg::Kommune(args.kommune))?;
    let failed = write_all(&c.out.out, &run.rapporter);
    summarise(&run.rapporter, &c.out.out);
    let skipped = report_skipped(&run.sprunget_over);
    eprintln!("({:.2} s)", started.elapsed().as_secs_f64());
    Ok(if failed + skipped > 0 { 2 } else { 0 })
}

/// Prints each side file that was skipped (the reports were written without it); returns how many.
pub(crate) fn report_skipped(skipped: &[godkend_round::Error]) -> usize {
    for e in skipped {
        let mut f = Failure::from_round(e);
        f.message = format!("sprunget over: {}", f.message);
        f.print();
    }
    skipped.len()
}

fn summarise(rapporter: &[Rapport], out: &Path) {
    let models = rapporter.iter().map(|r| &r.model);
    let klar = models.clone().filter(|r| r.klar_til_godkendelse).count();
    let roede: usize = models.clone().map(|r| r.antal.roede).sum();
    let gule: usize = models.clone().map(|r| r.antal.gule).sum();
    let unmatched: usize = models.map(|r| r.kommentarer_uden_markering.len()).sum();
    // A terminal line: plain spaces, the counts with their nouns in the right number.
    let line = format!(
        "{}: {} og {} i året; {klar} klar til godkendelse; filer i {}",
        antal(rapporter.len(), "kommune", "kommuner"),
        antal(roede, "rød markering", "røde markeringer"),
        antal(gule, "gul", "gule"),
        out.display()
    );
    println!("{}", line.replace(godkend_model::talformat::NBSP, " "));
    if unmatched > 0 {
        println!("{unmatched} kommentarer passer ikke til nogen markering (se kommentarer_uden_markering i JSON)");
    }
}
