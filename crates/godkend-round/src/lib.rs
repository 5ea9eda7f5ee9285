//! The approval round: what the rules found, put before each municipality. It reads the side inputs
//! (comments, approvals, the previous report of the year, last year's approved figures) into typed
//! values, carries each flag's state and comments across regenerations, finds the cases behind each
//! flag, and assembles one report model per municipality, the national status and the May letters.
//!
//! [`run`] is the annual run in one direction: the scope → count → flag → side inputs → assemble. One
//! municipality's report is the same calls with [`Udvalg::Kommune`]. Nothing here writes a file for a
//! reader: that is godkend-outputs.

pub mod afstemning;
pub mod afviste;
pub mod approved;
pub mod assemble;
pub mod cells;
pub mod comments;
pub mod dialog;
pub mod godkendelser;
pub mod rapport;
pub mod sager;
pub mod sager_kept;
pub mod scope;
pub mod status;
pub mod statusbrev;

pub use rapport::{Antal, Frister, Godkendelsesstatus, KommuneRapport, KvartalsTal, SerieRapport};
pub use scope::{Scope, Udvalg};
pub use status::Status;

use godkend_model::Reference;
use godkend_store::CaseStore;
use sager::SagBag;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] godkend_store::Error),
    #[error(transparent)]
    Count(#[from] godkend_count::Error),
    /// A side file that cannot be used, with the hint for that file (given where it is read).
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String, hint: &'static str },
    #[error("{path}:{line}: {message}")]
    Comments { path: PathBuf, line: usize, message: String },
    #[error("{path}:{line}: {message}")]
    Godkendelser { path: PathBuf, line: usize, message: String },
    #[error("aarshjul.csv har ingen frister for rapportåret {year}")]
    Aarshjul { year: i32 },
}

impl Error {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Error::Store(e) => e.hint(),
            Error::Count(e) => e.hint(),
            Error::File { hint, .. } => Some(hint),
            Error::Godkendelser { .. } => Some(
                "godkendelsesfilen er CSV med ; og overskriften kommunekode;dato;godkendt_af, fx 101;2026-04-28;Jens Hansen, kontorchef",
            ),
            Error::Aarshjul { .. } => Some(
                "tilføj årets række (rapportaar;data_indberettet;rapport_udsendt;godkendelse;statusbrev;ny_frist;kilde) i reference-data/aarshjul.csv, eller angiv --reference DIR med en kopi, der har den",
            ),
            Error::Comments { .. } => Some(
                "kommentarfilen skal have kolonnerne kommunekode;ydelse;kvartal;regel;kommentar (CSV med ; eller XLSX) som markeringsfilen",
            ),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The side inputs of a run, as the user named them.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    pub year: i32,
    /// Comments files, or folders of them (see `comments::read_all`).
    pub comments: Vec<PathBuf>,
    /// Last year's output folder (its `<kode>-<år>.json` files), for the revision rule.
    pub approved: Option<PathBuf>,
    /// An earlier output folder of the same year: each flag's state against it, and its comments.
    pub forrige: Option<PathBuf>,
    /// The approvals received (`kommunekode;dato;godkendt_af`).
    pub godkendelser: Option<PathBuf>,
    /// Where the national counts are kept between runs (`godkend_count::kept`); `None`: always count.
    pub kept: Option<PathBuf>,
    /// Comments and approvals from the dialogue store (`--dialog`), read by the front end.
    pub dialog: Dialogsvar,
}

/// What the municipalities answered in the portal: the newest comment on each flag and each
/// municipality's approval. They join the comments and approvals read from files (a flag commented in
/// both shows both, as two comments files do).
#[derive(Clone, Debug, Default)]
pub struct Dialogsvar {
    pub kommentarer: Vec<comments::Kommentar>,
    pub godkendelser: std::collections::BTreeMap<u16, godkendelser::Godkendelse>,
}

/// One municipality's report as the outputs need it: the model (whose serde form is the JSON) and the
/// cases behind its flags (sagsid only), which only the workbook's `Sager` sheet lists.
#[derive(Clone, Debug, PartialEq)]
pub struct Rapport {
    pub model: KommuneRapport,
    pub sager: Vec<SagBag>,
    /// Every record the municipality's deliveries of the report year rejected (the workbook's `Afviste
    /// poster`).
    pub afviste: Vec<afviste::AfvistRaekke>,
}

/// The result of a run: one report per municipality (in code order).
#[derive(Debug)]
pub struct Run {
    pub rapporter: Vec<Rapport>,
    /// The deadlines of the report year (the status overview carries its dispatch date).
    pub frister: Frister,
    /// Side files (comments, last year's figures) that could not be read and were skipped.
    pub sprunget_over: Vec<Error>,
}

impl Run {
    pub fn models(&self) -> Vec<&KommuneRapport> {
        self.rapporter.iter().map(|r| &r.model).collect()
    }

    /// The status of the year across the run's municipalities.
    pub fn status(&self, year: i32) -> Status {
        Status::of(&self.models(), year, &self.frister)
    }
}

/// The approval round for `udvalg`: counts, flags, side inputs, one report each.
pub fn run(store: &CaseStore, reference: &Reference, options: &RunOptions, udvalg: Udvalg) -> Result<Run> {
    let scope = Scope::of(store, reference, options.year, udvalg)?;
    let counted =
        godkend_count::count_store(store, reference, scope.window, options.kept.as_deref(), scope.only().as_ref())?;
    let mut sprunget_over = Vec::new();
    let approved = options.approved.as_deref().map(|dir| approved::read(dir, &scope, &mut sprunget_over));
    let flagged = godkend_rules::flag(&godkend_rules::RuleInput {
        reference,
        year: options.year,
        window: scope.window,
        counts: &counted.counts,
        log: &scope.log,
        starts: &counted.starts,
        approved: approved.as_deref(),
        kommuner: &scope.kommuner,
    });
    let side = assemble::SideInputs::read(options, reference, &scope, flagged.markeringer.len(), &mut sprunget_over);
    let kept_sager = options.kept.as_deref().zip(counted.key.as_deref().map(|k| sager_kept::key(k, reference)));
    let kept_sager = kept_sager.as_ref().map(|(dir, key)| sager_kept::Kept { dir, key });
    let rapporter = assemble::rapporter(store, reference, &scope, &counted.counts, flagged, side, kept_sager)?;
    Ok(Run { rapporter, frister: scope.frister, sprunget_over })
}
