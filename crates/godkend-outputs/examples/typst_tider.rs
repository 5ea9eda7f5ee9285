//! Where a report's typst compile spends its time, per element of the template: typst's own timing
//! scopes (layout of each block, table, paragraph, image, page; each function call) recorded while the
//! reports given are rendered, summed per scope and template line, inclusive and exclusive (the time of the
//! scope less that of the scopes inside it). A profiling aid for docs/PERFORMANCE.md, not part of godkend.
//!
//! `cargo run --release -p godkend-outputs --example typst_tider -- OUT/825-2025.json … [--trace trace.json]`
//! (the reports' JSON, as a run writes them; `--trace` also writes the events in Chrome's trace format,
//! for `chrome://tracing` or Perfetto).

use godkend_round::KommuneRapport;
use std::collections::HashMap;
use std::num::NonZeroU64;
use typst::syntax::{FileId, Source, Span};

const TEMPLATE: &str = include_str!("../../../report-templates/godkendelsesrapport.typ");

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let trace = args.iter().position(|a| a == "--trace").map(|i| {
        let path = args.get(i + 1).cloned().expect("--trace FILE");
        args.drain(i..i + 2);
        path
    });
    let reports: Vec<KommuneRapport> = args
        .iter()
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).expect("a report's JSON")).expect("a report"))
        .collect();
    // Once without timing: the engine's fonts and template are loaded, as in a run's later reports.
    godkend_outputs::pdf::render_report(&reports[0]).expect("renders");
    typst_timing::enable();
    let start = std::time::Instant::now();
    for r in &reports {
        godkend_outputs::pdf::render_report(r).expect("renders");
    }
    let wall = start.elapsed().as_secs_f64();
    typst_timing::disable();

    let mut sources: HashMap<FileId, Option<Source>> = HashMap::new();
    let mut json = Vec::new();
    typst_timing::export_json(&mut json, |raw| place(&mut sources, raw)).expect("events");
    if let Some(path) = trace {
        std::fs::write(&path, &json).expect("trace written");
    }
    let events: Vec<serde_json::Value> = serde_json::from_slice(&json).expect("events as JSON");
    summarise(&events, reports.len(), wall);
}

/// The template file and line of a span (typst's own library and the charts have no line here).
fn place(sources: &mut HashMap<FileId, Option<Source>>, raw: NonZeroU64) -> (String, u32) {
    let span = Span::from_raw(raw);
    let Some(id) = span.id() else { return ("?".into(), 0) };
    let source = sources.entry(id).or_insert_with(|| {
        (id.vpath().file_name() == Some("godkendelsesrapport.typ")).then(|| Source::new(id, TEMPLATE.into()))
    });
    let file = id.vpath().get_without_slash().to_string();
    match source.as_ref().and_then(|s| s.find(span).map(|n| (s, n.range()))) {
        Some((s, range)) => {
            let line = s.lines().byte_to_line(range.start).map_or(0, |l| l as u32 + 1);
            (file, line)
        }
        None => (file, 0),
    }
}

/// Prints the scopes by exclusive time, with their inclusive time and count.
fn summarise(events: &[serde_json::Value], reports: usize, wall: f64) {
    #[derive(Default)]
    struct Total {
        inclusive: f64,
        exclusive: f64,
        count: u64,
    }
    let mut totals: HashMap<String, Total> = HashMap::new();
    // Per thread: the open scopes (key, start, time of the scopes inside it).
    let mut stacks: HashMap<u64, Vec<(String, f64, f64)>> = HashMap::new();
    for e in events {
        let tid = e["tid"].as_u64().unwrap_or(0);
        let ts = e["ts"].as_f64().unwrap_or(0.0);
        let key = match (e["args"]["file"].as_str(), e["args"]["line"].as_u64()) {
            (Some(file), Some(line)) if line > 0 => format!("{} ({file}:{line})", e["name"].as_str().unwrap_or("?")),
            _ => e["name"].as_str().unwrap_or("?").to_string(),
        };
        let stack = stacks.entry(tid).or_default();
        if e["ph"] == "B" {
            stack.push((key, ts, 0.0));
        } else if let Some((key, start, inner)) = stack.pop() {
            let took = ts - start;
            let t = totals.entry(key).or_default();
            // A scope inside one of the same key (a block in a block) is counted once in the inclusive sum.
            if !stack.iter().any(|(k, _, _)| *k == e["name"]) {
                t.inclusive += took;
            }
            t.exclusive += took - inner;
            t.count += 1;
            if let Some(parent) = stack.last_mut() {
                parent.2 += took;
            }
        }
    }
    let mut rows: Vec<(String, Total)> = totals.into_iter().collect();
    rows.sort_by(|a, b| b.1.exclusive.total_cmp(&a.1.exclusive));
    let per = |us: f64| us / 1000.0 / reports as f64;
    println!("{reports} reports in {wall:.2} s ({:.0} ms each; timing on)", wall * 1000.0 / reports as f64);
    println!("{:>9} {:>9} {:>8}  scope (template line)", "excl. ms", "incl. ms", "count");
    for (key, t) in rows.iter().take(40) {
        println!("{:>9.1} {:>9.1} {:>8}  {key}", per(t.exclusive), per(t.inclusive), t.count / reports as u64);
    }
}
