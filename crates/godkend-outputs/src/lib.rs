//! Every file a reader gets, written in one place: per municipality the report PDF, its JSON and the
//! flags workbook; the status overview (CSV, JSON, PDF); the May letters and their list; the
//! systemskifte report (CSV and PDF). One call per municipality ([`write_kommune`]) and one for the
//! status ([`write_status`]).
//!
//! The only crate that depends on typst (`pdf`) and rust_xlsxwriter (`xlsx`). It formats — Danish numbers
//! and dates, cell colours (`view`) — and never computes a figure: those come from godkend-round.
//! Files are written with `godkend_store::fil::write_atomic`, so a reader never sees half a file. A report
//! PDF whose input is unchanged since it was written is kept, not rendered again (`gjenbrug`).

pub mod chart;
pub mod csv;
pub mod gjenbrug;
pub mod json;
pub mod pdf;
pub mod view;
pub mod worker;
pub mod xlsx;

pub use pdf::{render_report, render_status, render_statusbrev, render_systemskifte};

use godkend_count::systemskifte::Systemskifte;
use godkend_round::statusbrev::Statusbrev;
use godkend_round::{Rapport, Status};
use godkend_store::fil::write_atomic;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("skabelon {template}: {message}")]
    Template { template: &'static str, message: String },
    #[error("graf {serie}: {source}")]
    Chart { serie: String, source: chart::ChartError },
    /// A worker process ([`worker`]) that failed while it rendered the report.
    #[error("PDF'en {ident} kunne ikke dannes: arbejdsprocessen, der dannede den, fejlede ({message})")]
    Worker { ident: String, message: String },
    #[error("{path}: {source}")]
    Xlsx { path: PathBuf, source: rust_xlsxwriter::XlsxError },
    #[error(transparent)]
    Write(#[from] godkend_store::Error),
}

impl Error {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Error::Template { template: "godkendelsesrapport.typ", .. } | Error::Chart { .. } => {
                Some("en skabelon eller graf fejlede; JSON-filen og regnearket er skrevet")
            }
            Error::Template { template: "status.typ", .. } => {
                Some("statusskabelonen fejlede; kommunernes filer er skrevet")
            }
            Error::Template { template: "systemskifte.typ", .. } => {
                Some("systemskifte-skabelonen fejlede; CSV-filerne er skrevet")
            }
            Error::Template { .. } => Some("brevskabelonen fejlede"),
            Error::Worker { .. } => Some(
                "JSON-filen og regnearket er skrevet; dan kommunens rapport igen med godkend report --kommune KODE (meld fejlen til godkend-udviklerne, hvis den gentager sig)",
            ),
            Error::Xlsx { .. } => Some(
                "markeringsregnearket kunne ikke dannes; JSON-filen er skrevet (meld det til godkend-udviklerne med kommunekoden)",
            ),
            Error::Write(e) => e.hint(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What [`write_kommune`] wrote.
#[derive(Debug)]
pub struct Skrevet {
    /// The JSON, the workbook and the PDF.
    pub filer: Vec<PathBuf>,
    /// The PDF in the folder was made from the same input and kept, not rendered again.
    pub pdf_genbrugt: bool,
}

/// [`write_kommune_with`], the PDF rendered in this process.
pub fn write_kommune(out: &Path, r: &Rapport) -> Result<Skrevet> {
    write_kommune_with(out, r, &pdf::render_input)
}

/// Writes one municipality's `<kode>-<år>.json`, `<kode>-<år>-markeringer.xlsx` and
/// `<kode>-<navn>-<år>.pdf` into `out`, the PDF rendered by `render` (in this process, or by a
/// [`worker::Pool`]). All three are made in memory before the first is written, so a
/// kill or a full disk while a report is made never leaves new files beside an old one; a workbook or
/// PDF that cannot be made or written (a full disk) leaves the files before it written and removes the old
/// ones from it on. The PDF is not rendered again when the one in `out` was made from the same input.
pub fn write_kommune_with(
    out: &Path,
    r: &Rapport,
    render: &dyn Fn(pdf::ReportInput) -> Result<Vec<u8>>,
) -> Result<Skrevet> {
    let m = &r.model;
    let json = out.join(format!("{:03}-{}.json", m.kommunekode, m.aar));
    let xlsx = out.join(format!("{:03}-{}-markeringer.xlsx", m.kommunekode, m.aar));
    let pdf = out.join(format!("{:03}-{}-{}.pdf", m.kommunekode, m.navn, m.aar));
    // The PDF: rendered unless the one in `out` was rendered from the same input (same bytes); a rendered
    // one comes with its input's key and its SHA-256, kept once it is written.
    let rendered = pdf::report_input(m).and_then(|input| {
        if gjenbrug::kept(out, &pdf, &input.noegle) {
            return Ok(None);
        }
        let noegle = input.noegle.clone();
        let bytes = render(input)?;
        let sha = gjenbrug::sha256_hex(&bytes);
        Ok(Some((bytes, noegle, sha)))
    });
    let key = rendered.as_ref().ok().and_then(Option::as_ref).map(|(_, noegle, sha)| (noegle.clone(), sha.clone()));
    let pdf_bytes = rendered.map(|r| r.map(|(bytes, _, _)| bytes));
    let made = [Ok(Some(json::rapport(m).into_bytes())), xlsx::rapport_bytes(&xlsx, r).map(Some), pdf_bytes];
    let paths = [json, xlsx, pdf];
    for (i, bytes) in made.into_iter().enumerate() {
        let written = bytes.and_then(|bytes| match bytes {
            Some(bytes) => Ok(write_atomic(&paths[i], &bytes)?),
            None => Ok(()),
        });
        if let Err(e) = written {
            for stale in &paths[i..] {
                let _ = std::fs::remove_file(stale);
            }
            gjenbrug::forget(out, &paths[2]);
            return Err(e);
        }
    }
    let pdf_genbrugt = key.is_none();
    if let Some((noegle, sha)) = key {
        // Only a help for the next run: a key that cannot be kept costs a rendering, never a figure.
        let _ = gjenbrug::keep(out, &paths[2], &noegle, &sha);
    }
    Ok(Skrevet { filer: paths.to_vec(), pdf_genbrugt })
}

/// Writes `status-<år>.csv`, `.json` and `.pdf` into `out`.
pub fn write_status(out: &Path, status: &Status) -> Result<Vec<PathBuf>> {
    let path = |ext: &str| out.join(format!("status-{}.{ext}", status.aar));
    write_atomic(&path("csv"), csv::status(status).as_bytes())?;
    write_atomic(&path("json"), json::status(status).as_bytes())?;
    write_atomic(&path("pdf"), &render_status(status)?)?;
    Ok(vec![path("csv"), path("json"), path("pdf")])
}

/// Writes the May letter `<kode>-<navn>-statusbrev-<år>.pdf` into `out`.
pub fn write_statusbrev(out: &Path, b: &Statusbrev) -> Result<PathBuf> {
    let path = out.join(format!("{:03}-{}-statusbrev-{}.pdf", b.kommunekode, b.navn, b.aar));
    write_atomic(&path, &render_statusbrev(b)?)?;
    Ok(path)
}

/// Writes `statusbreve-<år>.csv`, the list of the letters.
pub fn write_statusbreve(out: &Path, year: i32, breve: &[Statusbrev]) -> Result<PathBuf> {
    let path = out.join(format!("statusbreve-{year}.csv"));
    write_atomic(&path, csv::statusbreve(breve).as_bytes())?;
    Ok(path)
}

/// Writes `<kode>-systemskifte-<dato>.csv`, `-sager.csv` and `<kode>-<navn>-systemskifte-<dato>.pdf`.
pub fn write_systemskifte(out: &Path, s: &Systemskifte) -> Result<Vec<PathBuf>> {
    let stem = format!("{:03}-systemskifte-{}", s.kommunekode, s.dato);
    let (series, cases) = (out.join(format!("{stem}.csv")), out.join(format!("{stem}-sager.csv")));
    write_atomic(&series, csv::systemskifte(s).as_bytes())?;
    write_atomic(&cases, csv::systemskifte_sager(s).as_bytes())?;
    let pdf = out.join(format!("{:03}-{}-systemskifte-{}.pdf", s.kommunekode, s.navn, s.dato));
    write_atomic(&pdf, &render_systemskifte(s)?)?;
    Ok(vec![series, cases, pdf])
}
