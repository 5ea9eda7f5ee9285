//! `godkend demo-data`: synthetic monthly deliveries for any set of municipalities and months,
//! with injected problems and a ground-truth file (`sandhed.json`) saying exactly what a correct
//! ingest and a correct flagging must find.
//!
//! Deterministic: the same options give byte-identical files. Sizes are realistic in proportion
//! (København ≈ 10× a small municipality); `skala` multiplies them for benchmarks.

mod anomaly;
mod check;
mod line;
mod person;
mod population;
mod problems;
mod sandhed;
mod sim;
mod write;

pub use check::{FlagCheck, check_flags, check_receipts};
pub use sandhed::{Anomali, AnomaliType, SandLevering, Sandhed};

use godkend_model::{Maaned, Reference};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    Options(String),
    #[error("{path}: Parquet kan ikke skrives: {message}")]
    Parquet { path: PathBuf, message: String },
}

/// The kinds of problems the generator can inject (`--problemer`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Problem {
    /// Bad lines of every record-level finding type, and overlapping periods.
    Linjer,
    /// Whole deliveries that must be rejected (wrong municipality, ragged rows, …).
    AfvisteLeveringer,
    ManglendeMaaned,
    Systemskifte,
    FaldTilNul,
    Stigning,
    ManglendeMaalgruppe,
    AfvistePoster,
}

impl Problem {
    pub const ALL: [Problem; 8] = [
        Problem::Linjer,
        Problem::AfvisteLeveringer,
        Problem::ManglendeMaaned,
        Problem::Systemskifte,
        Problem::FaldTilNul,
        Problem::Stigning,
        Problem::ManglendeMaalgruppe,
        Problem::AfvistePoster,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Problem::Linjer => "linjer",
            Problem::AfvisteLeveringer => "afviste-leveringer",
            Problem::ManglendeMaaned => "manglende-maaned",
            Problem::Systemskifte => "systemskifte",
            Problem::FaldTilNul => "fald-til-nul",
            Problem::Stigning => "stigning",
            Problem::ManglendeMaalgruppe => "manglende-maalgruppe",
            Problem::AfvistePoster => "afviste-poster",
        }
    }

    /// Parses `--problemer`: a comma list of names, `alle` or `ingen`.
    pub fn parse_list(s: &str) -> Result<BTreeSet<Problem>, String> {
        match s.trim() {
            "alle" => return Ok(Problem::ALL.into_iter().collect()),
            "ingen" | "" => return Ok(BTreeSet::new()),
            _ => {}
        }
        s.split(',')
            .map(|name| {
                Problem::ALL.into_iter().find(|p| p.name() == name.trim()).ok_or_else(|| {
                    let all: Vec<&str> = Problem::ALL.iter().map(|p| p.name()).collect();
                    format!("ukendt problem `{}`; vælg blandt {}, eller alle / ingen", name.trim(), all.join(", "))
                })
            })
            .collect()
    }
}

#[derive(Clone, Debug)]
pub struct DemoOptions {
    pub kommuner: Vec<u16>,
    pub fra: Maaned,
    pub til: Maaned,
    pub seed: u64,
    /// Multiplies every municipality's case stock (1.0 ≈ realistic national size).
    pub skala: f64,
    pub problemer: BTreeSet<Problem>,
}

impl DemoOptions {
    /// The bundled demo set: a handful of municipalities including both reporting-on-behalf pairs.
    pub fn bundled() -> DemoOptions {
        DemoOptions {
            kommuner: vec![101, 155, 183, 185, 187, 360, 825],
            fra: "2023-01".parse().expect("month"),
            til: "2025-12".parse().expect("month"),
            seed: 2026,
            skala: 0.25,
            problemer: Problem::ALL.into_iter().collect(),
        }
    }
}

/// Writes the deliveries and `sandhed.json` into `out` (created if missing) and returns the truth.
pub fn generate(out: &Path, reference: &Reference, options: &DemoOptions) -> Result<Sandhed, Error> {
    if options.fra > options.til {
        return Err(Error::Options(format!("--fra {} ligger efter --til {}", options.fra, options.til)));
    }
    if options.fra.first_day() < godkend_model::earliest_start() {
        return Err(Error::Options(format!("--fra {} ligger før 2013-10, hvor voksendata begynder", options.fra)));
    }
    for k in &options.kommuner {
        if reference.kommune(*k).is_none() {
            return Err(Error::Options(format!("kommune {k:03} er ikke en af de 98 kommunekoder")));
        }
    }
    if !(options.skala > 0.0 && options.skala <= 1000.0) {
        return Err(Error::Options(format!("--skala {} skal være over 0 og højst 1000", options.skala)));
    }
    std::fs::create_dir_all(out).map_err(|source| Error::Io { path: out.to_path_buf(), source })?;
    let sandhed = write::simulate_and_write(out, reference, options)?;
    let path = out.join("sandhed.json");
    let mut json = serde_json::to_string_pretty(&sandhed).expect("truth serialises");
    json.push('\n');
    std::fs::write(&path, json).map_err(|source| Error::Io { path, source })?;
    Ok(sandhed)
}
