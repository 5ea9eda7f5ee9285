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
    // typst's memoised work is evicted after each compile (the default). Kept across reports it was never
    // reused (every report's styles and data differ) and made each report slower (docs/PERFORMANCE.md).
    cell.get_or_init(|| build(name, source.to_owned(), Some(0)))
}

/// An engine for one template: the embedded fonts only, typst's memoised work dropped after each compile
/// once it is older than `evict` compiles (`None`: never).
fn build(name: &str, source: String, evict: Option<usize>) -> Engine {
    TypstEngine::builder()
        .main_file((name, source))
        .comemo_evict_max_age(evict)
        .search_fonts_with(TypstKitFontOptions::new().include_system_fonts(false).include_embedded_fonts(true))
        .build()
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

/// The longest text the PDF shows of one value (a comment, a message): far below the 32,767 characters
/// a PDF/A string may hold, and more than a page.
const PDF_TEKST_MAX: usize = 4_000;

/// Ends a text the PDF shows cut.
const AFKORTET_I_PDF: &str = " … [afkortet i PDF'en; hele teksten står i JSON-filen og regnearket]";

/// The view as the templates' input, every text made printable ([`printable`]).
fn pdf_data(view: &impl serde::Serialize) -> typst::foundations::Value {
    Bytes::new(pdf_json(view).into_bytes()).into_value()
}

/// [`pdf_data`] as text.
fn pdf_json(view: &impl serde::Serialize) -> String {
    let mut value = serde_json::to_value(view).expect("a view serialises");
    printable_strings(&mut value);
    value.to_string()
}

fn printable_strings(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => {
            if let std::borrow::Cow::Owned(p) = printable(s) {
                *s = p;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(printable_strings),
        serde_json::Value::Object(map) => map.values_mut().for_each(printable_strings),
        _ => {}
    }
}

/// A text every character of which the embedded fonts can show, as PDF/A requires (a missing glyph
/// fails the whole document): fullwidth letters and digits as their ASCII forms, any other character no
/// font holds (an emoji, CJK, a noncharacter) as a visible `[U+1F600]`, a word of more than 40 characters
/// given a break opportunity (a zero-width space) every 40, and cut after [`PDF_TEKST_MAX`] characters. A comment never costs a municipality its PDF; the JSON and workbook keep the text as given.
pub(crate) fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let fonts = font_coverage();
    let shown = |c: char| c.is_whitespace() || fonts.iter().any(|f| f.contains(u32::from(c)));
    let longest_word = text.split(char::is_whitespace).map(|w| w.chars().count()).max().unwrap_or(0);
    if text.chars().count() <= PDF_TEKST_MAX && longest_word <= 40 && text.chars().all(shown) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut word = 0;
    for (i, c) in text.chars().enumerate() {
        // A word longer than a column would run off the page: a break opportunity every 40 characters.
        word = if c.is_whitespace() { 0 } else { word + 1 };
        if word > 40 {
            out.push('\u{200B}');
            word = 1;
        }
        if i == PDF_TEKST_MAX {
            out.push_str(AFKORTET_I_PDF);
            break;
        }
        let c = match u32::from(c) {
            0xFF01..=0xFF5E => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            0x3000 => ' ',
            _ => c,
        };
        if shown(c) {
            out.push(c);
        } else {
            out.push_str(&format!("[U+{:04X}]", u32::from(c)));
        }
    }
    std::borrow::Cow::Owned(out)
}

/// What the fonts the engines embed can show (typst-assets, the same fonts `engine` searches).
fn font_coverage() -> &'static [typst::text::Coverage] {
    static COVERAGE: OnceLock<Vec<typst::text::Coverage>> = OnceLock::new();
    COVERAGE
        .get_or_init(|| typst_assets::fonts().flat_map(typst::text::FontInfo::iter).map(|info| info.coverage).collect())
}

/// What a report's PDF is made from: the template's input (the view as JSON, one SVG per chart) and a
/// key of it (SHA-256 over the binary that renders, the template, the view's JSON and every chart), so a
/// PDF whose key equals the one kept beside it need not be rendered again ([`crate::gjenbrug`]). Plain
/// bytes, so that a worker process can render it ([`crate::worker`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ReportInput {
    /// The PDF's identifier (`godkend-<kode>-<år>`).
    pub(crate) ident: String,
    /// `sys.inputs.data`.
    pub(crate) data: String,
    /// `sys.inputs.grafer`: each chart's id and SVG.
    pub(crate) grafer: Vec<(String, String)>,
    pub noegle: String,
}

impl ReportInput {
    /// `sys.inputs` and the PDF's identifier.
    fn into_inputs(self) -> (Dict, String) {
        let mut grafer = Dict::new();
        for (id, svg) in self.grafer {
            grafer.insert(id.into(), Bytes::new(svg.into_bytes()).into_value());
        }
        let mut inputs = Dict::new();
        inputs.insert("data".into(), Bytes::new(self.data.into_bytes()).into_value());
        inputs.insert("grafer".into(), grafer.into_value());
        (inputs, self.ident)
    }
}

/// The input of one municipality's approval report.
pub fn report_input(r: &KommuneRapport) -> Result<ReportInput, Error> {
    use sha2::Digest;
    let mut key = sha2::Sha256::new();
    key.update(crate::gjenbrug::binary_fingerprint().as_bytes());
    key.update(REPORT.as_bytes());
    let marks = r.markering_per_celle();
    let mut grafer = Vec::new();
    for s in r.serier.iter().filter(|s| view::has_data(s)) {
        let svg = chart::serie_svg(s, &marks).map_err(|source| Error::Chart { serie: s.serie.clone(), source })?;
        let id = view::chart_id(s);
        key.update([0u8]);
        key.update(id.as_bytes());
        key.update([0u8]);
        key.update(svg.as_bytes());
        grafer.push((id, svg));
    }
    let data = pdf_json(&view::report_view(r));
    key.update([1u8]);
    key.update(data.as_bytes());
    let noegle = key.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok(ReportInput { ident: format!("godkend-{:03}-{}", r.kommunekode, r.aar), data, grafer, noegle })
}

/// Renders a report's input in this process.
pub fn render_input(input: ReportInput) -> Result<Vec<u8>, Error> {
    compile_report(report_engine(), input)
}

fn compile_report(engine: &Engine, input: ReportInput) -> Result<Vec<u8>, Error> {
    let (inputs, ident) = input.into_inputs();
    compile(engine, "godkendelsesrapport.typ", inputs, ident)
}

/// The approval report of one municipality as PDF bytes.
pub fn render_report(r: &KommuneRapport) -> Result<Vec<u8>, Error> {
    render_input(report_input(r)?)
}

/// A report template read at run time instead of the built-in one: for measuring a change to the template
/// before it is made (`examples/mal_tider.rs`); a run never uses it.
pub struct Skabelon(Engine);

impl Skabelon {
    /// `evict`: typst's memoised work older than this many compiles is dropped after each compile.
    pub fn new(source: String, evict: Option<usize>) -> Skabelon {
        Skabelon(build("godkendelsesrapport.typ", source, evict))
    }

    /// A report's input rendered with this template.
    pub fn render(&self, input: ReportInput) -> Result<Vec<u8>, Error> {
        compile_report(&self.0, input)
    }
}

/// The status overview of all municipalities as PDF bytes.
pub fn render_status(status: &Status) -> Result<Vec<u8>, Error> {
    let mut inputs = Dict::new();
    inputs.insert("data".into(), pdf_data(&view::status_view(status)).into_value());
    compile(status_engine(), "status.typ", inputs, format!("godkend-status-{}", status.aar))
}

/// The May letter to one municipality's director as PDF bytes.
pub fn render_statusbrev(b: &Statusbrev) -> Result<Vec<u8>, Error> {
    let mut inputs = Dict::new();
    inputs.insert("data".into(), pdf_data(&view::statusbrev_view(b)).into_value());
    compile(statusbrev_engine(), "statusbrev.typ", inputs, format!("godkend-statusbrev-{:03}-{}", b.kommunekode, b.aar))
}

/// The systemskifte report of one municipality as PDF bytes.
pub fn render_systemskifte(s: &Systemskifte) -> Result<Vec<u8>, Error> {
    let mut inputs = Dict::new();
    inputs.insert("data".into(), pdf_data(&view::systemskifte_view(s)).into_value());
    compile(
        systemskifte_engine(),
        "systemskifte.typ",
        inputs,
        format!("godkend-systemskifte-{:03}-{}", s.kommunekode, s.dato),
    )
}
