//! A mutation fuzzer on stable Rust for every reader of outside files (docs/kommandoer.md, `cargo xtask fuzz`): the
//! delivery parser (CSV and Parquet), the comments reader (CSV and XLSX) and the approvals reader. Each
//! input is a seed mutated a few times ([`mutate`]); each target ([`maal::Maal`]) reads it as the real
//! reader does and checks that nothing panicked and nothing CPR-shaped came out. An input that broke a
//! promise is returned to be kept under `fixtures/fuzz/<target>/` as a regression test.
//!
//! `cargo test` runs it with a fixed seed for a few seconds per target and replays every kept input;
//! `cargo xtask fuzz --minutes N` runs it longer with a new seed.

pub mod korpus;
pub mod maal;
pub mod mutate;

use godkend_model::rng::Rng;
use maal::Maal;
use std::time::{Duration, Instant};

/// An input that broke a promise.
#[derive(Clone, Debug)]
pub struct Fund {
    pub maal: Maal,
    pub hvad: String,
    pub input: Vec<u8>,
}

/// What a fuzzing run did.
#[derive(Clone, Debug, Default)]
pub struct Resultat {
    pub koersler: u64,
    pub fund: Vec<Fund>,
    /// The slowest single input, and how long it took.
    pub langsomst: Duration,
    pub langsomste_input: Vec<u8>,
    /// The largest input tried.
    pub stoerst: usize,
}

/// Fuzzes `maal` from `seed` until `frist` has passed or `max` inputs have been read. With
/// `GODKEND_FUZZ_SIDSTE=FILE` each input is written to FILE before it is read, so an abort leaves it behind.
pub fn fuzz(maal: Maal, seed: u64, frist: Duration, max: u64) -> Resultat {
    let reference = godkend_model::Reference::embedded().expect("the embedded reference data load");
    let scratch = tempfile::tempdir().expect("a scratch folder");
    let seeds = korpus::seeds(maal);
    let mut pool: Vec<Vec<u8>> = seeds.clone();
    let mut rng = Rng::new(seed);
    let mut out = Resultat::default();
    let last = std::env::var_os("GODKEND_FUZZ_SIDSTE").map(std::path::PathBuf::from);
    let started = Instant::now();
    while started.elapsed() < frist && out.koersler < max {
        let base = &pool[rng.below(pool.len() as u64) as usize];
        let input = mutate::mutate(&mut rng, base, &seeds);
        // An abort (a failed allocation) cannot be caught: the input about to be read is kept first.
        if let Some(path) = &last {
            let _ = std::fs::write(path, &input);
        }
        let t = Instant::now();
        let checked = maal.check(&input, &reference, scratch.path());
        if t.elapsed() > out.langsomst {
            out.langsomst = t.elapsed();
            out.langsomste_input = input.clone();
        }
        out.stoerst = out.stoerst.max(input.len());
        out.koersler += 1;
        match checked {
            Err(hvad) => out.fund.push(Fund { maal, hvad, input }),
            // A small pool of earlier mutants lets mutations build on each other.
            Ok(()) if input.len() < 64 << 10 && rng.below(8) == 0 => {
                if pool.len() < 256 {
                    pool.push(input);
                } else {
                    let i = rng.below(pool.len() as u64) as usize;
                    pool[i] = input;
                }
            }
            Ok(()) => {}
        }
    }
    out
}

/// The name a kept input gets: the first 16 hex digits of its SHA-256.
pub fn file_name(input: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(input)[..8].iter().map(|b| format!("{b:02x}")).collect::<String>() + ".bin"
}

/// The peak resident memory of this process so far, in MB (Linux), to hold a run against the budget.
pub fn peak_memory_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|kb| kb / 1024)
}
