//! One chart per series (plotters → SVG): the municipality's recipients per quarter, the national
//! series indexed to the same start for comparison, and the flagged quarters marked. No legend in
//! the chart: the report's text above the charts names the lines, so no label hides the data.

use plotters::prelude::*;

/// What a chart shows; all figures come from the report JSON.
pub struct ChartData<'a> {
    pub quarters: &'a [String],
    pub kommune: &'a [u32],
    /// The national series indexed to the municipality's start (empty when there is no common start).
    pub national: &'a [f64],
    /// Per quarter: 0 none, 1 yellow, 2 red.
    pub flags: &'a [u8],
}

pub const WIDTH: u32 = 520;
pub const HEIGHT: u32 = 250;
const FONT: &str = "Libertinus Serif";
const BLUE: RGBColor = RGBColor(0x1f, 0x4e, 0x79);
const GREY: RGBColor = RGBColor(0x80, 0x80, 0x80);
const RED: RGBColor = RGBColor(0xc0, 0x1c, 0x28);
const YELLOW: RGBColor = RGBColor(0xe5, 0xa5, 0x00);

/// Plotters could not draw the chart (its message; plotters' error types are generic over the backend).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ChartError(String);

fn drawing(e: impl std::fmt::Display) -> ChartError {
    ChartError(e.to_string())
}

/// The chart of one series of a report; `marks` is the report's `markering_per_celle`.
pub fn serie_svg(
    s: &godkend_round::SerieRapport,
    marks: &std::collections::BTreeMap<(String, godkend_model::Periode), godkend_round::rapport::Cellemarkering>,
) -> Result<String, ChartError> {
    let quarters: Vec<String> = s.kvartaler.iter().map(|q| q.kvartal.to_string()).collect();
    let kommune: Vec<u32> = s.kvartaler.iter().map(|q| q.modtagere).collect();
    let national: Vec<f64> = s.kvartaler.iter().filter_map(|q| q.national_indekseret).collect();
    let flags: Vec<u8> = s
        .kvartaler
        .iter()
        .map(|q| marks.get(&(s.serie.clone(), q.kvartal.into())).map_or(0, |m| crate::view::chart_mark(*m)))
        .collect();
    svg(&ChartData { quarters: &quarters, kommune: &kommune, national: &national, flags: &flags })
}

pub fn svg(data: &ChartData) -> Result<String, ChartError> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let national = data.national;
        let n = data.quarters.len().max(1);
        let top =
            data.kommune.iter().map(|x| f64::from(*x)).chain(national.iter().copied()).fold(0.0f64, f64::max).max(1.0)
                * 1.12;
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .x_label_area_size(24)
            .y_label_area_size(42)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..top)
            .map_err(drawing)?;
        let step = if n > 24 { 8 } else { 4 };
        let quarters = data.quarters;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(RGBColor(0xe4, 0xe4, 0xe4))
            .x_labels(n)
            .y_labels(6)
            .x_label_formatter(&|x| {
                let i = x.round() as usize;
                if (x - x.round()).abs() < 1e-6 && i < quarters.len() && i.is_multiple_of(step) {
                    quarters[i].clone()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| format!("{}", y.round() as i64))
            .label_style((FONT, 13))
            .draw()
            .map_err(drawing)?;
        if !national.is_empty() {
            chart
                .draw_series(DashedLineSeries::new(
                    national.iter().enumerate().map(|(i, v)| (i as f64, *v)),
                    6,
                    4,
                    GREY.stroke_width(2),
                ))
                .map_err(drawing)?;
        }
        chart
            .draw_series(LineSeries::new(
                data.kommune.iter().enumerate().map(|(i, v)| (i as f64, f64::from(*v))),
                BLUE.stroke_width(2),
            ))
            .map_err(drawing)?;
        // A mark's shape says what it is, not its colour alone: a red dot, a yellow triangle, a hollow
        // grey ring for an earlier year's mark.
        let at = |want: u8| {
            data.kommune
                .iter()
                .zip(data.flags)
                .enumerate()
                .filter(move |(_, (_, f))| **f == want)
                .map(|(i, (v, _))| (i as f64, f64::from(*v)))
        };
        chart.draw_series(at(3).map(|p| Circle::new(p, 4, GREY.stroke_width(2)))).map_err(drawing)?;
        chart.draw_series(at(1).map(|p| TriangleMarker::new(p, 6, YELLOW.filled()))).map_err(drawing)?;
        chart.draw_series(at(2).map(|p| Circle::new(p, 5, RED.filled()))).map_err(drawing)?;
        root.present().map_err(drawing)?;
    }
    Ok(out)
}
