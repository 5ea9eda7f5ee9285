//! What a change to the report template costs, before it is made: the reports given (their JSON, as a run
//! writes them; the first only warms the engine up) rendered with each template file given, one after
//! another on one thread, several rounds, the fastest round's time per report printed per template with the PDFs' size. A profiling aid for
//! docs/PERFORMANCE.md, not part of godkend.
//!
//! `cargo run --release -p godkend-outputs --example mal_tider -- --mal a.typ --mal b.typ [--runder 3]
//! [--traade N] [--evict AGE|-] [--ud DIR] OUT/825-2025.json …` (`--traade`: reports rendered by N threads of one
//! process; `--evict`: typst's memoised work kept this many compiles, `-` never dropped; `--ud`: each PDF
//! written to DIR as `<template>-<kode>.pdf`).

use godkend_outputs::pdf::{Skabelon, report_input};
use godkend_round::KommuneRapport;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut mal, mut reports, mut runder, mut traade, mut evict) = (Vec::new(), Vec::new(), 3, 1, Some(0));
    let mut ud: Option<std::path::PathBuf> = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--mal" => mal.push(args.next().expect("--mal FILE")),
            "--runder" => runder = args.next().and_then(|n| n.parse().ok()).expect("--runder N"),
            "--traade" => traade = args.next().and_then(|n| n.parse().ok()).expect("--traade N"),
            "--evict" => evict = args.next().and_then(|n| n.parse().ok()),
            "--ud" => ud = args.next().map(Into::into),
            path => reports.push(
                serde_json::from_str::<KommuneRapport>(&std::fs::read_to_string(path).expect("a report's JSON"))
                    .expect("a report"),
            ),
        }
    }
    for path in &mal {
        let skabelon = Skabelon::new(std::fs::read_to_string(path).expect("a template"), evict);
        // The first report once before timing (fonts and the template loaded, as for a run's later reports),
        // and not timed: with eviction off its second render would be memoised.
        skabelon.render(report_input(&reports[0]).expect("input")).expect("renders");
        let timed = &reports[1..];
        if let Some(dir) = &ud {
            let stem = std::path::Path::new(path).file_stem().expect("a file name").to_string_lossy();
            for r in &reports {
                let pdf = skabelon.render(report_input(r).expect("input")).expect("renders");
                std::fs::write(dir.join(format!("{stem}-{:03}.pdf", r.kommunekode)), pdf).expect("written");
            }
        }
        let mut best = f64::MAX;
        let mut bytes = 0;
        for _ in 0..runder {
            let start = Instant::now();
            let next = std::sync::atomic::AtomicUsize::new(0);
            bytes = std::thread::scope(|s| {
                let workers: Vec<_> = (0..traade)
                    .map(|_| {
                        s.spawn(|| {
                            let mut bytes = 0;
                            while let Some(r) = timed.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
                                bytes += skabelon.render(report_input(r).expect("input")).expect("renders").len();
                            }
                            bytes
                        })
                    })
                    .collect();
                workers.into_iter().map(|w| w.join().expect("a worker")).sum::<usize>()
            });
            best = best.min(start.elapsed().as_secs_f64());
        }
        println!(
            "{path}: {:.1} ms per report (fastest of {runder} rounds of {}, {traade} threads, evict {evict:?}), {:.0} kB per PDF",
            best * 1000.0 / timed.len() as f64,
            timed.len(),
            bytes as f64 / 1000.0 / timed.len() as f64
        );
    }
}
