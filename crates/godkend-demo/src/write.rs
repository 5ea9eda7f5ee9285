//! Assembling the simulation into delivery files (one per reporting municipality and month),
//! injecting file-level problems, writing CSV or Parquet, and tallying the ground truth.

use crate::line::{Expect, HEADER, Line, Style};
use crate::problems::{BAD_LINE_KINDS, FATAL_KINDS, bad_line_count, bad_lines, fatal_file};
use crate::sandhed::{AnomaliType, SandLevering, Sandhed};
use crate::sim::{KommuneOutput, simulate_kommune};
use crate::{DemoOptions, Error, Problem};
use godkend_model::rng::Rng;
use godkend_model::{Maaned, Reference};
use polars_core::prelude::*;
use polars_io::prelude::*;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Simulates and writes one group of municipalities at a time (a reporter and those it delivers for), one
/// group per core, so memory holds the groups being written, not the nation: ten times national scale is
/// 150 M rows. Each municipality's simulation depends only on its own index, so the files are the same as
/// when all were simulated first.
pub fn simulate_and_write(out: &Path, reference: &Reference, options: &DemoOptions) -> Result<Sandhed, Error> {
    let mut by_reporter: BTreeMap<u16, Vec<usize>> = BTreeMap::new();
    for (i, &kode) in options.kommuner.iter().enumerate() {
        by_reporter.entry(reference.reporter_of(kode)).or_default().push(i);
    }
    let groups: Vec<(usize, u16, Vec<usize>)> =
        by_reporter.into_iter().enumerate().map(|(i, (r, members))| (i, r, members)).collect();
    let results: Vec<(Vec<SandLevering>, Vec<crate::Anomali>)> = groups
        .into_par_iter()
        .map(|(index, reporter, members)| {
            let sims: Vec<KommuneOutput> = members.iter().map(|&i| simulate_kommune(reference, options, i)).collect();
            let mut anomalies: Vec<_> = sims.iter().flat_map(|s| s.anomalies.clone()).collect();
            anomalies.sort();
            let kommuner: Vec<&KommuneOutput> = sims.iter().collect();
            let leveringer = write_reporter(out, options, index, reporter, &kommuner, &anomalies)?;
            Ok((leveringer, anomalies))
        })
        .collect::<Result<_, Error>>()?;
    let (mut leveringer, mut anomalies) = (Vec::new(), Vec::new());
    for (l, a) in results {
        leveringer.extend(l);
        anomalies.extend(a);
    }
    anomalies.sort();
    leveringer
        .sort_by(|a, b| (a.kommunekode, &a.maaned, a.loebenummer).cmp(&(b.kommunekode, &b.maaned, b.loebenummer)));
    let mut kommuner = options.kommuner.clone();
    kommuner.sort_unstable();
    Ok(Sandhed {
        seed: options.seed,
        fra: options.fra.to_string(),
        til: options.til.to_string(),
        skala: options.skala,
        kommuner,
        leveringer,
        anomalier: anomalies,
    })
}

fn write_reporter(
    out: &Path,
    options: &DemoOptions,
    index: usize,
    reporter: u16,
    kommuner: &[&KommuneOutput],
    anomalies: &[crate::Anomali],
) -> Result<Vec<SandLevering>, Error> {
    let mut rng = Rng::new(options.seed ^ (u64::from(reporter) << 32) ^ 0xDE11_7E55);
    let style = Style::of(index);
    let bom = index % 4 == 1;
    let of_kind = |kind: AnomaliType| -> Option<Maaned> {
        anomalies
            .iter()
            .find(|a| a.kind == kind && kommuner.iter().any(|k| k.kode == a.kommunekode))
            .map(|a| a.maaned.parse().expect("month"))
    };
    let missing = of_kind(AnomaliType::ManglendeLevering);
    // Many bad lines for the whole year of the anomaly, so the year's share is clearly above the thresholds.
    let many_rejected_from = of_kind(AnomaliType::AfvistePoster).map(|m| Maaned::new(m.year(), 1).expect("month"));
    let lines_on = options.problemer.contains(&Problem::Linjer);
    let months: Vec<Maaned> = options.fra.through(options.til).collect();
    // One rejected delivery for about half the reporters (and always in a small demo).
    let fatal_month = (options.problemer.contains(&Problem::AfvisteLeveringer)
        && (options.kommuner.len() <= 12 || rng.chance(0.5)))
    .then(|| months[rng.below(months.len() as u64) as usize]);
    let fatal_kind = FATAL_KINDS[(index + options.seed as usize) % FATAL_KINDS.len()];
    let mut kind_counter = (index * 7 + options.seed as usize) % BAD_LINE_KINDS.len();
    let mut serial = 0u32;
    let mut carried: Vec<Line> = Vec::new();
    let mut truth = Vec::new();

    for &month in &months {
        let mut lines = std::mem::take(&mut carried);
        for k in kommuner {
            if let Some(ls) = k.months.get(&month) {
                lines.extend(ls.iter().cloned());
            }
        }
        let mut lines = dedupe_last_wins(lines);
        if Some(month) == missing {
            carried = lines;
            continue;
        }
        // Bad lines at random places; a duplicate goes after its original, so at the end.
        let rate = if many_rejected_from.is_some_and(|m| month >= m) { 0.06 } else { 0.002 };
        if lines_on || many_rejected_from.is_some_and(|m| month >= m) {
            let n = bad_line_count(&mut rng, lines.len(), rate);
            for _ in 0..n {
                let kind = BAD_LINE_KINDS[kind_counter % BAD_LINE_KINDS.len()];
                kind_counter += 1;
                let Some(bad) = bad_lines(kind, reporter, month, style, &mut serial, &lines) else { continue };
                if kind == godkend_model::FundKode::SagsidDublet {
                    lines.extend(bad);
                } else {
                    let at = rng.below(lines.len() as u64 + 1) as usize;
                    lines.splice(at..at, bad);
                }
            }
        }
        let name = |seq: u16, ext: &str| {
            if seq == 1 { format!("{reporter:03}_{month}.{ext}") } else { format!("{reporter:03}_{month}_{seq}.{ext}") }
        };
        let ext = if style.parquet { "parquet" } else { "csv" };
        write_lines(&out.join(name(1, ext)), &lines, style, bom)?;
        truth.push(tally(name(1, ext), reporter, month, 1, &lines));
        let mut seq = 1;
        // Now and then a re-delivery of some of the month's lines, unchanged.
        if rng.chance(0.04) {
            let again: Vec<Line> = lines
                .iter()
                .filter(|l| !matches!(l.expect, Expect::Reject(_) | Expect::Warn(godkend_model::FundKode::Overlap)))
                .take(10)
                .cloned()
                .collect();
            if !again.is_empty() {
                seq += 1;
                write_lines(&out.join(name(seq, "csv")), &again, Style { parquet: false, ..style }, bom)?;
                truth.push(tally(name(seq, "csv"), reporter, month, seq, &again));
            }
        }
        if Some(month) == fatal_month {
            seq += 1;
            let (bytes, raekker) = fatal_file(fatal_kind, reporter, &lines);
            let fil = name(seq, "csv");
            let path = out.join(&fil);
            std::fs::write(&path, bytes).map_err(|source| Error::Io { path, source })?;
            truth.push(SandLevering {
                fil,
                kommunekode: reporter,
                maaned: month.to_string(),
                loebenummer: seq,
                status: "afvist".into(),
                raekker,
                accepterede: 0,
                afviste: raekker,
                slettede: 0,
                fund: BTreeMap::from([(fatal_kind.code().to_string(), 1)]),
            });
        }
    }
    Ok(truth)
}

/// One line per case in a delivery: a later line for the same case replaces the earlier one.
fn dedupe_last_wins(lines: Vec<Line>) -> Vec<Line> {
    let mut at: HashMap<(String, String), usize> = HashMap::new();
    let mut out: Vec<Line> = Vec::with_capacity(lines.len());
    for l in lines {
        let key = (l.kommunekode.clone(), l.sagsid.clone());
        match at.get(&key) {
            Some(&i) => out[i] = l,
            None => {
                at.insert(key, out.len());
                out.push(l);
            }
        }
    }
    out
}

fn tally(fil: String, reporter: u16, month: Maaned, seq: u16, lines: &[Line]) -> SandLevering {
    let mut fund: BTreeMap<String, usize> = BTreeMap::new();
    let (mut afviste, mut slettede) = (0, 0);
    for l in lines {
        match l.expect {
            Expect::Clean => {}
            Expect::Delete => slettede += 1,
            Expect::Warn(k) => *fund.entry(k.code().to_string()).or_default() += 1,
            Expect::Reject(k) => {
                afviste += 1;
                *fund.entry(k.code().to_string()).or_default() += 1;
            }
        }
    }
    SandLevering {
        fil,
        kommunekode: reporter,
        maaned: month.to_string(),
        loebenummer: seq,
        status: if fund.is_empty() { "godkendt" } else { "godkendt_med_fund" }.into(),
        raekker: lines.len(),
        accepterede: lines.len() - afviste,
        afviste,
        slettede,
        fund,
    }
}

fn write_lines(path: &Path, lines: &[Line], style: Style, bom: bool) -> Result<(), Error> {
    if style.parquet {
        return write_parquet(path, lines);
    }
    let mut s = String::with_capacity(lines.len() * 80 + 100);
    if bom {
        s.push('\u{feff}');
    }
    s.push_str(&HEADER.join(";"));
    s.push('\n');
    for l in lines {
        s.push_str(&l.fields().join(";"));
        s.push('\n');
    }
    std::fs::write(path, s).map_err(|source| Error::Io { path: path.to_path_buf(), source })
}

fn write_parquet(path: &Path, lines: &[Line]) -> Result<(), Error> {
    let fail = |e: PolarsError| Error::Parquet { path: path.to_path_buf(), message: e.to_string() };
    let columns: Vec<Column> = HEADER
        .iter()
        .enumerate()
        .map(|(i, name)| Series::new((*name).into(), lines.iter().map(|l| l.fields()[i]).collect::<Vec<&str>>()).into())
        .collect();
    let mut df = DataFrame::new(lines.len(), columns).map_err(fail)?;
    let file = std::fs::File::create(path).map_err(|source| Error::Io { path: path.to_path_buf(), source })?;
    ParquetWriter::new(file).finish(&mut df).map_err(fail)?;
    Ok(())
}
