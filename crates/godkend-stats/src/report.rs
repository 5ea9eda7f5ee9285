//! The annual run's data: counts, flags and comments for every municipality, assembled into one
//! `KommuneRapport` each (the content of `<kode>-<år>.json`, documented in `crates/godkend-stats/RAPPORT-JSON.md`).

use crate::comments::{self, Kommentar};
use crate::count::{self, Counts, Window};
use crate::flags::{self, Alvor, HbOpsummering, Markering, Regel, Tilstand};
use crate::godkendelser::Godkendelse;
use crate::optaelling;
use crate::quality::{self, Datakvalitet, QualityInput};
use crate::sager::{self, SagBag};
use crate::{Error, Result};
use godkend_model::{Kvartal, Maaned, Reference, Register};
use godkend_store::CaseStore;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    pub year: i32,
    /// Comments files, or folders of them (see `comments::read_all`).
    pub comments: Vec<PathBuf>,
    /// Last year's output folder (its `<kode>-<år−1>.json` files), for the revision rule.
    pub approved: Option<PathBuf>,
    /// An earlier output folder of the same year: each flag's state against it, and its comments.
    pub forrige: Option<PathBuf>,
    /// The approvals received (`kommunekode;dato;godkendt_af`).
    pub godkendelser: Option<PathBuf>,
    /// Where the national counts are kept between runs (`optaelling`); `None`: always count.
    pub kept: Option<PathBuf>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KvartalsTal {
    pub kvartal: String,
    pub modtagere: u32,
    pub helaarsaekvivalenter: f64,
    pub national_modtagere: u32,
    /// The national series scaled so that it starts where the municipality's does (the first
    /// quarter where both are above 0), for the chart; `null` when they have no such quarter.
    #[serde(default)]
    pub national_indekseret: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SerieRapport {
    pub register: Register,
    pub serie: String,
    /// The service code the municipality knows the series by (the newest legal basis).
    pub ydelse: String,
    /// Every legal basis of the series (`SEL32`, `BL82-1`).
    pub koder: Vec<String>,
    pub paragraf: String,
    pub betegnelse: String,
    pub kvartaler: Vec<KvartalsTal>,
    /// Change in recipients from the first to the last quarter shown, percent; `null` from 0.
    pub pct_udvikling: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Antal {
    /// Red and yellow flags of the report year that are not resolved.
    pub roede: usize,
    pub gule: usize,
    /// Of those, the ones without a comment: what the municipality must still answer.
    pub uden_kommentar: usize,
    /// Against the previous report (`--forrige`): flags that are new, whose figures moved, and that
    /// no longer fire.
    #[serde(default)]
    pub nye: usize,
    #[serde(default)]
    pub aendrede: usize,
    #[serde(default)]
    pub loeste: usize,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Frister {
    pub data_indberettet: String,
    pub rapport_udsendt: String,
    pub godkendelse: String,
    pub statusbrev: String,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KommuneRapport {
    pub kommunekode: u16,
    pub navn: String,
    pub region: String,
    pub aar: i32,
    pub taerskler_version: String,
    pub frister: Frister,
    /// The quarters counted (the window), oldest first.
    pub kvartaler: Vec<String>,
    pub serier: Vec<SerieRapport>,
    /// Every flag: the report year's first, then earlier quarters (kept for history).
    pub markeringer: Vec<Markering>,
    /// Flags of the report year.
    pub antal: Antal,
    pub klar_til_godkendelse: bool,
    /// The municipality's approval, when DST has received it (`--godkendelser`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub godkendelse: Option<Godkendelse>,
    /// Whether the flags' states are against a previous report of the year (`--forrige`).
    #[serde(default)]
    pub sammenholdt_med_forrige: bool,
    pub kommentarer_uden_markering: Vec<Kommentar>,
    pub datakvalitet: Datakvalitet,
    /// Whether last year's approved figures were compared (the revision rule), and against what.
    pub revision: String,
    /// Every Hidiroglou–Berthelot test of the report year (national, per series and quarter): the
    /// quartiles, the intervals and the units used and skipped.
    #[serde(default)]
    pub hb_test: Vec<HbOpsummering>,
    /// A note on the report as a whole (e.g. a store without accepted deliveries); absent when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bemaerkning: Option<String>,
    /// The cases behind the report year's flags (sagsid only), for the workbook's `Sager` sheet; not
    /// in the JSON, which keeps only each flag's `sager_i_alt`.
    #[serde(skip)]
    pub sager: Vec<SagBag>,
}

/// Where a municipality stands in the approval round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Godkendelsesstatus {
    Godkendt,
    /// Every flag of the year has a comment, but no approval has arrived.
    KlarTilGodkendelse,
    /// Flags without a comment remain.
    IkkeGodkendt,
}

impl Godkendelsesstatus {
    pub fn code(self) -> &'static str {
        match self {
            Godkendelsesstatus::Godkendt => "godkendt",
            Godkendelsesstatus::KlarTilGodkendelse => "klar_til_godkendelse",
            Godkendelsesstatus::IkkeGodkendt => "ikke_godkendt",
        }
    }

    /// Danish, for the status overview.
    pub fn navn(self) -> &'static str {
        match self {
            Godkendelsesstatus::Godkendt => "godkendt",
            Godkendelsesstatus::KlarTilGodkendelse => "klar til godkendelse",
            Godkendelsesstatus::IkkeGodkendt => "ikke godkendt",
        }
    }
}

impl KommuneRapport {
    pub fn godkendelsesstatus(&self) -> Godkendelsesstatus {
        if self.godkendelse.is_some() {
            Godkendelsesstatus::Godkendt
        } else if self.klar_til_godkendelse {
            Godkendelsesstatus::KlarTilGodkendelse
        } else {
            Godkendelsesstatus::IkkeGodkendt
        }
    }
}

/// The result of a run: one report per municipality (in code order).
#[derive(Debug)]
pub struct Run {
    pub rapporter: Vec<KommuneRapport>,
    pub window: Window,
    /// The deadlines of the report year (the status overview carries its dispatch date).
    pub frister: Frister,
    /// Side files (comments, last year's figures) that could not be read and were skipped.
    pub sprunget_over: Vec<Error>,
}

/// A comments file may hold this many lines per flag of the run (and at least
/// [`MIN_COMMENT_ROWS`]) before it is taken for something else and skipped.
const COMMENT_ROWS_PER_FLAG: usize = 10;
const MIN_COMMENT_ROWS: usize = 10_000;

/// The deadlines of the approval round for `year`, as the report shows them (from `aarshjul.csv`).
pub fn frister(reference: &Reference, year: i32) -> Result<Frister> {
    let f = reference.frister(year).ok_or(Error::Aarshjul { year })?;
    Ok(Frister {
        data_indberettet: f.data_indberettet.to_string(),
        rapport_udsendt: f.rapport_udsendt.to_string(),
        godkendelse: f.godkendelse.to_string(),
        statusbrev: f.statusbrev.to_string(),
    })
}

/// Counts, flags and comments for `kommuner` (all municipalities with data when empty).
pub fn run(store: &CaseStore, reference: &Reference, options: &RunOptions, only: Option<u16>) -> Result<Run> {
    let frister = frister(reference, options.year)?;
    let log = store.read_log()?;
    let first_month = log.iter().filter(|e| !e.is_rejected()).filter_map(|e| e.maaned.parse::<Maaned>().ok()).min();
    let til = Kvartal::new(options.year, 4).expect("quarter");
    // A store where every delivery was rejected still gives reports: zeros, and a note saying why.
    let fra = first_month.map_or(Kvartal::new(options.year, 1).expect("quarter"), |m| {
        m.kvartal().max(reference.vises_fra(Register::Voksne).min(reference.vises_fra(Register::Boern))).min(til)
    });
    let window = Window { fra, til };

    let with_cases = store.kommuner()?;
    let mut kommuner: BTreeSet<u16> = with_cases.iter().copied().collect();
    kommuner.extend(log.iter().map(|e| e.kommunekode));
    for (reporter, set) in &reference.indberetter_for {
        if kommuner.contains(reporter) {
            kommuner.extend(set.iter().copied().filter(|k| with_cases.contains(k)));
        }
    }
    let kommuner: Vec<u16> = kommuner.into_iter().filter(|k| reference.kommune(*k).is_some()).collect();

    let targets: Vec<u16> = only.map_or_else(|| kommuner.clone(), |k| vec![k]);
    // The national series and HB need every municipality, also when one report is regenerated: the
    // counts kept by an earlier run of the same store are used when there are any.
    let key = match &options.kept {
        Some(_) => Some(optaelling::key(store, reference, window)?),
        None => None,
    };
    let kept =
        options.kept.as_deref().zip(key.as_deref()).and_then(|(d, k)| optaelling::load(d, options.year, k, window));
    let case_kommuner: Vec<u16> = match (&kept, only) {
        // Only the report's own cases are read (start dates, the cases behind its flags).
        (Some(_), Some(_)) => with_cases.iter().copied().filter(|k| targets.contains(k)).collect(),
        _ => with_cases.clone(),
    };
    let cases = store.live_cases(&case_kommuner)?;
    let counts = match kept {
        Some(counts) => counts,
        None if cases.height() == 0 => Counts { window: Some(window), ..Counts::default() },
        None => {
            let counts = count::count(cases.clone(), reference, window)?;
            if let (Some(dir), Some(key)) = (&options.kept, &key) {
                // Keeping them only saves time later; a folder that cannot take them changes no figure.
                let _ = optaelling::save(dir, options.year, key, &counts);
            }
            counts
        }
    };
    let mut sprunget_over = Vec::new();
    let t = &reference.taerskler;
    // The series rules look at one municipality at a time: only the reports' own series are needed.
    let mut all_flags = match only {
        Some(_) => {
            let own = Counts {
                window: counts.window,
                kommune: counts
                    .kommune
                    .iter()
                    .filter(|((k, _), _)| targets.contains(k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                national: Default::default(),
            };
            flags::series_flags(&own, reference, t, options.year)
        }
        None => flags::series_flags(&counts, reference, t, options.year),
    };
    let (hb, hb_tests) = flags::hb_flags(&counts, reference, t, options.year);
    all_flags.extend(hb);
    let never = flags::never_reported_flags(&counts, reference, t, options.year, &all_flags);
    all_flags.extend(never);
    let hb_test: Vec<HbOpsummering> =
        hb_tests.into_iter().filter(|h| h.kvartal.starts_with(&options.year.to_string())).collect();
    let input = QualityInput { reference, taerskler: t, year: options.year, window, log: &log, cases: &cases };
    let (quality, quality_flags) = quality::quality(&input, &targets)?;
    all_flags.extend(quality_flags);
    let revision = match &options.approved {
        Some(dir) => {
            all_flags.extend(revision_flags(
                dir,
                &counts,
                reference,
                window,
                options.year,
                &targets,
                &mut sprunget_over,
            ));
            format!("Tallene er sammenholdt med de godkendte tal for {} ({}).", options.year - 1, dir.display())
        }
        None => {
            format!("Reglen om revision er ikke anvendt: der er ikke angivet godkendte tal for {}.", options.year - 1)
        }
    };
    let max_rows = (all_flags.len() * COMMENT_ROWS_PER_FLAG).max(MIN_COMMENT_ROWS);
    let comments::Read { kommentarer: comments, fejl } = comments::read_all(&options.comments, max_rows);
    sprunget_over.extend(fejl);
    all_flags.retain(|f| targets.contains(&f.kommunekode));
    for f in &mut all_flags {
        // The national total of the flagged quarter or of the quarter the rule compared with, whichever
        // is larger: a drop to 0 takes the municipality's own figures out of the flagged quarter's total.
        let national = match f.kvartal.parse::<Kvartal>() {
            Ok(q) => {
                let base = match f.regel {
                    Regel::AarTilAar => q.same_last_year(),
                    Regel::Revision => q,
                    _ => q.previous(),
                };
                counts.national(&f.serie, q).modtagere.max(counts.national(&f.serie, base).modtagere)
            }
            // A flag on the year as a whole: the year's largest quarter.
            Err(_) => (1..=4)
                .filter_map(|n| Kvartal::new(options.year, n))
                .map(|q| counts.national(&f.serie, q).modtagere)
                .max()
                .unwrap_or(0),
        };
        f.set_priority(national);
    }
    let mut compared = false;
    if let Some(dir) = &options.forrige {
        if dir.is_dir() {
            compared = true;
            for &k in &targets {
                match crate::dialog::read_previous(dir, k, options.year) {
                    Ok(Some(previous)) => crate::dialog::carry(&mut all_flags, k, &previous),
                    Ok(None) => {}
                    Err(e) => sprunget_over.push(e),
                }
            }
        } else {
            sprunget_over.push(Error::File {
                path: dir.clone(),
                message: "--forrige is not a folder; the flags are shown without their earlier state and comments"
                    .into(),
            });
        }
    }
    let unmatched = comments::attach(&mut all_flags, &comments, reference);
    let mut approvals = match &options.godkendelser {
        Some(path) => crate::godkendelser::read(path, reference).unwrap_or_else(|e| {
            sprunget_over.push(e);
            BTreeMap::new()
        }),
        None => BTreeMap::new(),
    };

    let mut by_kommune: BTreeMap<u16, Vec<Markering>> = BTreeMap::new();
    for f in all_flags {
        by_kommune.entry(f.kommunekode).or_default().push(f);
    }
    let order: BTreeMap<&str, (Register, u32)> =
        reference.serier.values().map(|s| (s.serie.as_str(), (s.register, s.raekkefoelge))).collect();
    let rapporter = targets
        .iter()
        .map(|&k| {
            let mut markeringer = by_kommune.remove(&k).unwrap_or_default();
            let datakvalitet = quality.get(&k).cloned().unwrap_or_default();
            let cases = store.read_cases(k)?;
            let sager = sager::behind(&mut markeringer, &cases, reference, &datakvalitet, options.year);
            markeringer.sort_by(|a, b| {
                let key = |m: &Markering| (m.kvartal.clone(), order.get(m.serie.as_str()).copied(), m.regel);
                let resolved = |m: &Markering| m.tilstand == Tilstand::Loest;
                (!a.i_rapportaaret)
                    .cmp(&!b.i_rapportaaret)
                    .then(resolved(a).cmp(&resolved(b)))
                    .then(Markering::severity_then_priority(a, b))
                    .then_with(|| key(a).cmp(&key(b)))
            });
            let this_year: Vec<&Markering> = markeringer.iter().filter(|m| m.i_rapportaaret).collect();
            let standing = |m: &&&Markering| m.tilstand != Tilstand::Loest;
            let in_state =
                |s: Tilstand| if compared { this_year.iter().filter(|m| m.tilstand == s).count() } else { 0 };
            let antal = Antal {
                roede: this_year.iter().filter(standing).filter(|m| m.alvor == Alvor::Roed).count(),
                gule: this_year.iter().filter(standing).filter(|m| m.alvor == Alvor::Gul).count(),
                uden_kommentar: this_year.iter().filter(|m| m.is_open()).count(),
                nye: in_state(Tilstand::Ny),
                aendrede: in_state(Tilstand::Aendret),
                loeste: in_state(Tilstand::Loest),
            };
            let kommune = reference.kommune(k).expect("filtered to known municipalities");
            Ok(KommuneRapport {
                kommunekode: k,
                navn: kommune.navn.clone(),
                region: kommune.region.clone(),
                aar: options.year,
                taerskler_version: t.version.clone(),
                frister: frister.clone(),
                kvartaler: window.quarters().iter().map(Kvartal::to_string).collect(),
                serier: series_of(&counts, reference, k, window),
                klar_til_godkendelse: antal.uden_kommentar == 0,
                godkendelse: approvals.remove(&k),
                sammenholdt_med_forrige: compared,
                antal,
                markeringer,
                kommentarer_uden_markering: unmatched.iter().filter(|c| c.kommunekode == k).cloned().collect(),
                datakvalitet,
                revision: revision.clone(),
                hb_test: hb_test.clone(),
                bemaerkning: first_month.is_none().then(|| {
                    "Lageret indeholder ingen godkendte leveringer: alle leveringer er afvist (se kvitteringerne). \
                     Alle tal i rapporten er derfor 0."
                        .to_string()
                }),
                sager,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Run { rapporter, window, frister, sprunget_over })
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

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn series_of(counts: &Counts, reference: &Reference, kommune: u16, window: Window) -> Vec<SerieRapport> {
    let mut out = Vec::new();
    for register in [Register::Voksne, Register::Boern] {
        let shown: Vec<Kvartal> = window.fra.max(reference.vises_fra(register)).through(window.til).collect();
        for s in reference.serier_of(register) {
            let kvartaler: Vec<KvartalsTal> = shown
                .iter()
                .map(|q| {
                    let t = counts.get(kommune, &s.serie, *q);
                    KvartalsTal {
                        kvartal: q.to_string(),
                        modtagere: t.modtagere,
                        helaarsaekvivalenter: round2(t.helaarsaekvivalenter),
                        national_modtagere: counts.national(&s.serie, *q).modtagere,
                        national_indekseret: None,
                    }
                })
                .collect();
            let mut kvartaler = kvartaler;
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

/// Revision of last year's approved figures: reads `<dir>/<kode>-<år−1>.json`.
fn revision_flags(
    dir: &Path,
    counts: &Counts,
    reference: &Reference,
    window: Window,
    year: i32,
    kommuner: &[u16],
    sprunget_over: &mut Vec<Error>,
) -> Vec<Markering> {
    if !dir.is_dir() {
        sprunget_over.push(Error::File {
            path: dir.to_path_buf(),
            message: "--approved is not a folder; the revision rule is not applied".into(),
        });
        return Vec::new();
    }
    let g = &reference.taerskler.revision;
    let mut out = Vec::new();
    for &k in kommuner {
        let path = dir.join(format!("{k:03}-{}.json", year - 1));
        if !path.exists() {
            continue;
        }
        let old = std::fs::read_to_string(&path).map_err(|e| e.to_string()).and_then(|text| {
            serde_json::from_str::<KommuneRapport>(&text).map_err(|e| format!("not a report JSON: {e}"))
        });
        let old = match old {
            Ok(old) => old,
            Err(message) => {
                let message = format!("{message}; the revision rule is not applied to {k:03}");
                sprunget_over.push(Error::File { path, message });
                continue;
            }
        };
        for s in &old.serier {
            for q in &s.kvartaler {
                // Only the year the municipality approved last time, and only quarters counted now
                // (a quarter outside the window is unknown, not 0).
                let Ok(kv) = q.kvartal.parse::<Kvartal>() else { continue };
                if kv.year() != year - 1 || kv < window.fra {
                    continue;
                }
                let (was, now) = (q.modtagere, counts.get(k, &s.serie, kv).modtagere);
                let Some((alvor, p)) = revision_severity(was, now, g) else { continue };
                let signed = if now >= was { p } else { -p };
                let mut m = Markering::new(
                    k,
                    Some(s.register),
                    &s.serie,
                    &s.ydelse,
                    q.kvartal.clone(),
                    Regel::Revision,
                    alvor,
                    true,
                );
                m.tal = BTreeMap::from([
                    ("godkendt".into(), f64::from(was)),
                    ("nu".into(), f64::from(now)),
                    ("procent".into(), (signed * 10.0).round() / 10.0),
                ]);
                m.taerskel = flags::threshold_text(g, alvor);
                m.forklaring = format!(
                    "Tallet for {}, som kommunen godkendte sidste år ({was}), er nu {now} ({}).",
                    q.kvartal,
                    flags::pct(signed)
                );
                out.push(m);
            }
        }
    }
    out
}

/// A revision's severity and percent. From an approved 0 the percentage has no meaning: the persons
/// thresholds alone decide (and the percent is shown as 100).
fn revision_severity(was: u32, now: u32, g: &godkend_model::taerskler::GulRoed) -> Option<(Alvor, f64)> {
    if was > 0 {
        return flags::change_severity(was, now, g);
    }
    if now >= g.roed.personer {
        Some((Alvor::Roed, 100.0))
    } else if now >= g.gul.personer {
        Some((Alvor::Gul, 100.0))
    } else {
        None
    }
}

/// Writes `<kode>-<år>.json` and `<kode>-<år>-markeringer.xlsx` into `out`.
pub fn write_outputs(out: &Path, r: &KommuneRapport) -> Result<Vec<PathBuf>> {
    let json = out.join(format!("{:03}-{}.json", r.kommunekode, r.aar));
    let mut text = serde_json::to_string_pretty(r).expect("report serialises");
    text.push('\n');
    godkend_store::fil::write_atomic(&json, text.as_bytes())?;
    let xlsx = out.join(format!("{:03}-{}-markeringer.xlsx", r.kommunekode, r.aar));
    let flags: Vec<&Markering> = r.markeringer.iter().filter(|m| m.i_rapportaaret).collect();
    let dato = chrono::NaiveDate::from_ymd_opt(r.aar + 1, 3, 2).expect("date");
    crate::xlsx::write(&xlsx, &flags, &r.sager, dato)?;
    Ok(vec![json, xlsx])
}
