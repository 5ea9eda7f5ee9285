//! Assembling each municipality's report: its flags with their comments, state and cases behind,
//! ordered as the report lists them, its series with the national series indexed to it, and the
//! counts of what is still open.

use crate::comments::{self, Kommentar};
use crate::godkendelser::Godkendelse;
use crate::rapport::{Antal, KommuneRapport, KvartalsTal, SerieRapport};
use crate::scope::Scope;
use crate::{Error, Rapport, Result, RunOptions, cells, dialog, sager, sager_kept};
use godkend_model::talformat::round2;
use godkend_model::{Counts, Kvartal, Reference, Register, Window};
use godkend_rules::{Alvor, Flagged, Markering, Tilstand};
use godkend_store::CaseStore;
use std::collections::BTreeMap;

/// A comments file may hold this many lines per flag of the run (and at least
/// [`MIN_COMMENT_ROWS`]) before it is taken for something else and skipped.
const COMMENT_ROWS_PER_FLAG: usize = 10;
const MIN_COMMENT_ROWS: usize = 10_000;

/// The side inputs read after flagging: comments, the previous reports of the year, approvals.
#[derive(Debug, Default)]
pub struct SideInputs {
    pub kommentarer: Vec<Kommentar>,
    /// The previous report of each municipality that had one (`--forrige`).
    pub forrige: BTreeMap<u16, KommuneRapport>,
    /// Whether the flags are compared with a previous report at all.
    pub sammenholdt: bool,
    pub godkendelser: BTreeMap<u16, Godkendelse>,
    /// The sentence saying whether, and against what, the revision rule compared.
    pub revision: String,
}

impl SideInputs {
    /// Reads the side inputs of `options`; every file that cannot be used goes to `skipped`.
    pub fn read(
        options: &RunOptions,
        reference: &Reference,
        scope: &Scope,
        flags: usize,
        skipped: &mut Vec<Error>,
    ) -> SideInputs {
        let year = options.year;
        let max_rows = (flags * COMMENT_ROWS_PER_FLAG).max(MIN_COMMENT_ROWS);
        let comments::Read { kommentarer, fejl } = comments::read_all(&options.comments, max_rows);
        skipped.extend(fejl);
        let mut side = SideInputs { kommentarer, ..SideInputs::default() };
        side.kommentarer.extend(options.dialog.kommentarer.iter().cloned());
        if let Some(dir) = &options.forrige {
            if dir.is_dir() {
                side.sammenholdt = true;
                for &k in &scope.kommuner {
                    match dialog::read_previous(dir, k, year) {
                        Ok(Some(previous)) => {
                            side.forrige.insert(k, previous);
                        }
                        Ok(None) => {}
                        Err(e) => skipped.push(e),
                    }
                }
            } else {
                skipped.push(Error::File {
                    path: dir.clone(),
                    message:
                        "--forrige er ikke en mappe; markeringerne vises uden deres tidligere tilstand og kommentarer"
                            .into(),
                    hint: dialog::FORRIGE,
                });
            }
        }
        if let Some(path) = &options.godkendelser {
            side.godkendelser = crate::godkendelser::read(path, reference).unwrap_or_else(|e| {
                skipped.push(e);
                BTreeMap::new()
            });
        }
        for (&k, g) in &options.dialog.godkendelser {
            crate::godkendelser::keep_latest(&mut side.godkendelser, k, g.clone());
        }
        side.revision = match &options.approved {
            Some(dir) => format!("Tallene er sammenholdt med de godkendte tal for {} ({}).", year - 1, dir.display()),
            None => format!("Reglen om revision er ikke anvendt: der er ikke angivet godkendte tal for {}.", year - 1),
        };
        side
    }
}

/// One report per municipality of the scope: the flags get their earlier state and comments, then the
/// new comments; each municipality's flags get the cases behind them (kept in `kept` between runs), its
/// series and its totals.
pub fn rapporter(
    store: &CaseStore,
    reference: &Reference,
    scope: &Scope,
    counts: &Counts,
    flagged: Flagged,
    mut side: SideInputs,
    kept: Option<sager_kept::Kept>,
) -> Result<Vec<Rapport>> {
    let Flagged { markeringer: mut all, hb_test, mut hb_placering, datakvalitet } = flagged;
    for (&k, previous) in &side.forrige {
        dialog::carry(&mut all, k, previous);
    }
    cells::one_mark_per_cell(&mut all);
    cells::echoes_under_their_change(&mut all);
    cells::marks_after_a_systemskifte(&mut all);
    cells::echoes_of_the_year_before(&mut all);
    let unmatched = comments::attach(&mut all, &side.kommentarer, reference);
    cells::share_comments(&mut all);
    let mut by_kommune: BTreeMap<u16, Vec<Markering>> = BTreeMap::new();
    for f in all {
        by_kommune.entry(f.kommunekode).or_default().push(f);
    }
    // Each municipality's own inputs taken out first, so the reports are made one per core.
    let inputs: Vec<_> = scope
        .kommuner
        .iter()
        .map(|&k| {
            let markeringer = by_kommune.remove(&k).unwrap_or_default();
            (k, markeringer, side.godkendelser.remove(&k), hb_placering.remove(&k).unwrap_or_default())
        })
        .collect();
    let side = &side;
    // Not rayon's pool: a worker waiting for polars to read a case file would start another
    // municipality meanwhile ([`godkend_store::per_core`]).
    godkend_store::per_core_heaviest_first(
        inputs,
        |(k, ..)| store.case_bytes(*k),
        |(k, mut markeringer, godkendelse, hb_placering)| {
            let dq = datakvalitet.get(&k).cloned().unwrap_or_default();
            let read = || store.read_cases_since(k, sager::needed_from(scope.year));
            let sager = sager::behind_kept(&mut markeringer, read, reference, &dq, scope.year, kept)?;
            sort_flags(&mut markeringer, reference);
            let antal = antal(&markeringer, side.sammenholdt);
            let kommune = reference.kommune(k).expect("filtered to known municipalities");
            let model = KommuneRapport {
                kommunekode: k,
                navn: kommune.navn.clone(),
                region: kommune.region.clone(),
                aar: scope.year,
                taerskler_version: reference.taerskler.version.clone(),
                frister: scope.frister.clone(),
                kvartaler: scope.window.quarters(),
                serier: series_of(counts, reference, k, scope.window),
                klar_til_godkendelse: antal.uden_kommentar == 0,
                godkendelse,
                sammenholdt_med_forrige: side.sammenholdt,
                antal,
                markeringer,
                kommentarer_uden_markering: unmatched.iter().filter(|c| c.kommunekode == k).cloned().collect(),
                datakvalitet: dq,
                revision: side.revision.clone(),
                hb_test: hb_test.clone(),
                runde: side.forrige.get(&k).map_or(1, |p| p.runde + 1),
                data_til_og_med: scope.data_til_og_med.map(|m| m.to_string()),
                kontakt: reference.kontakt.clone(),
                hb_placering,
                bemaerkning: (!scope.has_accepted).then(|| {
                    "Lageret indeholder ingen godkendte leveringer: alle leveringer er afvist (se kvitteringerne). \
                     Alle tal i rapporten er derfor 0."
                        .to_string()
                }),
            };
            let afviste = crate::afviste::of(store, &scope.log, k, scope.year)?;
            Ok(Rapport { model, sager, afviste })
        },
    )
}

/// `model` with the portal's answers as they stand now: each flag with its newest comment from the
/// dialogue store (as a run with `--dialog` would attach it), the totals of what is open counted
/// again, and the approval. What the portal's pages show between two runs.
pub fn with_dialog(
    model: &KommuneRapport,
    kommentarer: &[Kommentar],
    godkendelse: Option<Godkendelse>,
    reference: &Reference,
) -> KommuneRapport {
    let mut out = model.clone();
    comments::attach(&mut out.markeringer, kommentarer, reference);
    cells::share_comments(&mut out.markeringer);
    out.antal = antal(&out.markeringer, out.sammenholdt_med_forrige);
    out.klar_til_godkendelse = out.antal.uden_kommentar == 0;
    if let Some(g) = godkendelse {
        let mut one = BTreeMap::new();
        if let Some(old) = out.godkendelse.take() {
            one.insert(out.kommunekode, old);
        }
        crate::godkendelser::keep_latest(&mut one, out.kommunekode, g);
        out.godkendelse = one.remove(&out.kommunekode);
    }
    out
}

/// The report's order: the report year's flags first, standing before resolved, red before yellow,
/// then priority, then quarter, series (in table order) and rule.
fn sort_flags(markeringer: &mut [Markering], reference: &Reference) {
    let order: BTreeMap<&str, (Register, u32)> =
        reference.serier.values().map(|s| (s.serie.as_str(), (s.register, s.raekkefoelge))).collect();
    markeringer.sort_by(|a, b| {
        let key = |m: &Markering| (m.kvartal, order.get(m.serie.as_str()).copied(), m.regel);
        let resolved = |m: &Markering| m.tilstand == Tilstand::Loest;
        (!a.i_rapportaaret)
            .cmp(&!b.i_rapportaaret)
            .then(resolved(a).cmp(&resolved(b)))
            .then(Markering::severity_then_priority(a, b))
            .then_with(|| key(a).cmp(&key(b)))
    });
}

/// The report year's standing flags by severity, those still without a comment, and (against a
/// previous report) how many are new, changed and resolved.
fn antal(markeringer: &[Markering], compared: bool) -> Antal {
    // One mark per cell: flags answered under another are not counted again.
    let this_year: Vec<&Markering> =
        markeringer.iter().filter(|m| m.i_rapportaaret && m.hoerer_til.is_none()).collect();
    let standing = |m: &&&Markering| m.tilstand != Tilstand::Loest;
    let in_state = |s: Tilstand| if compared { this_year.iter().filter(|m| m.tilstand == s).count() } else { 0 };
    Antal {
        roede: this_year.iter().filter(standing).filter(|m| m.alvor == Alvor::Roed).count(),
        gule: this_year.iter().filter(standing).filter(|m| m.alvor == Alvor::Gul).count(),
        uden_kommentar: this_year.iter().filter(|m| m.is_open()).count(),
        nye: in_state(Tilstand::Ny),
        aendrede: in_state(Tilstand::Aendret),
        loeste: in_state(Tilstand::Loest),
    }
}

/// Fills `national_indekseret`: the national series times (municipality ÷ nation) in the first
/// quarter where both are above 0; left `None` everywhere when there is no such quarter.
pub fn index_national(kvartaler: &mut [KvartalsTal]) {
    let Some(base) = kvartaler.iter().find(|q| q.modtagere > 0 && q.national_modtagere > 0) else {
        return;
    };
    let factor = f64::from(base.modtagere) / f64::from(base.national_modtagere);
    for q in kvartaler {
        q.national_indekseret = Some(round2(f64::from(q.national_modtagere) * factor));
    }
}

fn series_of(counts: &Counts, reference: &Reference, kommune: u16, window: Window) -> Vec<SerieRapport> {
    let mut out = Vec::new();
    for register in [Register::Voksne, Register::Boern] {
        let shown: Vec<Kvartal> = window.fra.max(reference.vises_fra(register)).through(window.til).collect();
        for s in reference.serier_of(register) {
            let mut kvartaler: Vec<KvartalsTal> = shown
                .iter()
                .map(|q| {
                    let t = counts.get(kommune, &s.serie, *q);
                    KvartalsTal {
                        kvartal: *q,
                        modtagere: t.modtagere,
                        helaarsaekvivalenter: round2(t.helaarsaekvivalenter),
                        national_modtagere: counts.national(&s.serie, *q).modtagere,
                        national_indekseret: None,
                    }
                })
                .collect();
            index_national(&mut kvartaler);
            let pct_udvikling = match (kvartaler.first(), kvartaler.last()) {
                (Some(a), Some(b)) if a.modtagere > 0 => Some(
                    ((f64::from(b.modtagere) - f64::from(a.modtagere)) / f64::from(a.modtagere) * 1000.0).round()
                        / 10.0,
                ),
                _ => None,
            };
            let ydelser = reference.ydelser_in_serie(&s.serie);
            let newest = ydelser.last().expect("every series has a service");
            out.push(SerieRapport {
                register,
                serie: s.serie.clone(),
                ydelse: newest.kode.clone(),
                koder: ydelser.iter().map(|y| y.kode.clone()).collect(),
                paragraf: ydelser.iter().map(|y| y.paragraf.as_str()).collect::<Vec<_>>().join(" / "),
                betegnelse: s.betegnelse.clone(),
                kvartaler,
                pct_udvikling,
            });
        }
    }
    out
}
