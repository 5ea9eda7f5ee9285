//! PDF: the Typst templates in `report-templates/` compiled with the charts (plotters → SVG).
//!
//! The only module that touches typst. Data enter the templates as structured input
//! (`sys.inputs`: the formatted report as JSON bytes, one SVG per chart), never as Typst source, so
//! no text from a delivery or a comment can be read as markup. Fonts are the ones embedded in
//! typst-assets (no system fonts, no network); the document date comes from the report, so the same
//! input gives the same bytes.

use crate::{Error, chart, view};
use godkend_count::systemskifte::Systemskifte;
use godkend_round::statusbrev::Statusbrev;
use godkend_round::{KommuneRapport, Status};
use std::sync::OnceLock;
use typst::foundations::{Bytes, Dict, IntoValue, Smart};
use typst_as_lib::typst_kit_options::TypstKitFontOptions;
use typst_as_lib::{TypstEngine, TypstTemplateMainFile};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards};

const REPORT: &str = include_str!("../../../report-templates/godkendelsesrapport.typ");
const STATUS: &str = include_str!("../../../report-templates/status.typ");
const STATUSBREV: &str = include_str!("../../../report-templates/statusbrev.typ");
const SYSTEMSKIFTE: &str = include_str!("../../../report-templates/systemskifte.typ");

type Engine = TypstEngine<TypstTemplateMainFile>;

fn engine(cell: &'static OnceLock<Engine>, name: &'static str, source: &'static str) -> &'static Engine {
    cell.get_or_init(|| {
        TypstEngine::builder()
            .main_file((name, source))
            .search_fonts_with(TypstKitFontOptions::new().include_system_fonts(false).include_embedded_fonts(true))
            // typst's memoised work is evicted after each compile (the default). Kept across reports it
            // was never reused (every report's styles and data differ) and cost ~120 MB per thread
            // (docs/PERFORMANCE.md).
            .build()
    })
}

fn report_engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    engine(&E, "godkendelsesrapport.typ", REPORT)
}

fn status_engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    engine(&E, "status.typ", STATUS)
}

fn statusbrev_engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    engine(&E, "statusbrev.typ", STATUSBREV)
}

fn systemskifte_engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    engine(&E, "systemskifte.typ", SYSTEMSKIFTE)
}

fn compile(engine: &Engine, template: &'static str, inputs: Dict, ident: String) -> Result<Vec<u8>, Error> {
    let fail = |message: String| Error::Template { template, message };
    let warned = engine.compile_with_input::<_, PagedDocument>(inputs);
    let doc = warned.output.map_err(|e| fail(format!("{e:?}")))?;
    let standards = PdfStandards::new(&[PdfStandard::A_2b, PdfStandard::Ua_1]).map_err(|e| fail(format!("{e:?}")))?;
    let options = PdfOptions {
        ident: Smart::Custom(ident),
        creator: Smart::Custom(Some("godkend (Danmarks Statistik)".into())),
        standards,
        ..PdfOptions::default()
    };
    typst_pdf::pdf(&doc, &options)
        .map_err(|e| fail(e.iter().map(|d| d.message.to_string()).collect::<Vec<_>>().join("; ")))
}

/// The approval report of one municipality as PDF bytes.
pub fn render_report(r: &KommuneRapport) -> Result<Vec<u8>, Error> {
    let marks = r.markering_per_celle();
    let mut grafer = Dict::new();
    for s in r.serier.iter().filter(|s| view::has_data(s)) {
        let quarters: Vec<String> = s.kvartaler.iter().map(|q| q.kvartal.to_string()).collect();
        let kommune: Vec<u32> = s.kvartaler.iter().map(|q| q.modtagere).collect();
        let national: Vec<f64> = s.kvartaler.iter().filter_map(|q| q.national_indekseret).collect();
        let flags: Vec<u8> = s
            .kvartaler
            .iter()
            .map(|q| marks.get(&(s.serie.clone(), q.kvartal.into())).map_or(0, |m| view::chart_mark(*m)))
            .collect();
        let svg = chart::svg(&chart::ChartData {
            quarters: &quarters,
            kommune: &kommune,
            national: &national,
            flags: &flags,
        })
        .map_err(|source| Error::Chart { serie: s.serie.clone(), source })?;
        grafer.insert(view::chart_id(s).into(), Bytes::new(svg.into_bytes()).into_value());
    }
    let mut inputs = Dict::new();
    inputs.insert("data".into(), Bytes::new(view::to_json(&view::report_view(r)).into_bytes()).into_value());
    inputs.insert("grafer".into(), grafer.into_value());
    compile(report_engine(), "godkendelsesrapport.typ", inputs, format!("godkend-{:03}-{}", r.kommunekode, r.aar))
}

/// The status overview of all municipalities as PDF bytes.
pub fn render_status(status: &Status) -> Result<Vec<u8>, Error> {
    let mut inputs = Dict::new();
    inputs.insert("data".into(), Bytes::new(view::to_json(&view::status_view(status)).into_bytes()).into_value());
    compile(status_engine(), "status.typ", inputs, format!("godkend-status-{}", status.aar))
}

/// The May letter to one municipality's director as PDF bytes.
pub fn render_statusbrev(b: &Statusbrev) -> Result<Vec<u8>, Error> {
    let mut inputs = Dict::new();
    inputs.insert("data".into(), Bytes::new(view::to_json(&view::statusbrev_view(b)).into_bytes()).into_value());
    compile(statusbrev_engine(), "statusbrev.typ", inputs, format!("godkend-statusbrev-{:03}-{}", b.kommunekode, b.aar))
}

/// The systemskifte report of one municipality as PDF bytes.
pub fn render_systemskifte(s: &Systemskifte) -> Result<Vec<u8>, Error> {
    let mut inputs = Dict::new();
    inputs.insert("data".into(), Bytes::new(view::to_json(&view::systemskifte_view(s)).into_bytes()).into_value());
    compile(
        systemskifte_engine(),
        "systemskifte.typ",
        inputs,
        format!("godkend-systemskifte-{:03}-{}", s.kommunekode, s.dato),
    )
}
