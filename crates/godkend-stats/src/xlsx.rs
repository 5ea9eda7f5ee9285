//! The flags workbook (`<kode>-<år>-markeringer.xlsx`) the municipality fills in and sends back;
//! `comments::read` accepts it unchanged apart from the comment column.

use crate::flags::Markering;
use crate::{Error, Result};
use chrono::Datelike;
use godkend_model::tekst::{XLSX_CELLE_MAX, capped};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
use std::path::Path;

/// Header of the workbook; the first five are the columns the comments reader needs.
pub const HEADER: [&str; 8] =
    ["kommunekode", "ydelse", "kvartal", "regel", "kommentar", "alvor", "prioritet", "forklaring"];

/// Writes the report year's flags with an empty (or the existing) comment column.
/// `dato` fixes the document's creation time so the file is byte-identical across runs.
pub fn write(path: &Path, flags: &[&Markering], dato: chrono::NaiveDate) -> Result<()> {
    let fail = |e: rust_xlsxwriter::XlsxError| Error::File { path: path.to_path_buf(), message: e.to_string() };
    let created = ExcelDateTime::from_ymd(dato.year() as u16, dato.month() as u8, dato.day() as u8).map_err(fail)?;
    let mut wb = Workbook::new();
    wb.set_properties(
        &DocProperties::new()
            .set_title("Markeringer til kommentering")
            .set_author("Danmarks Statistik")
            .set_creation_datetime(&created),
    );
    let ws = wb.add_worksheet();
    ws.set_name("Markeringer").map_err(fail)?;
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    for (c, h) in HEADER.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold).map_err(fail)?;
    }
    for (c, w) in [12.0, 10.0, 9.0, 22.0, 50.0, 7.0, 9.0, 80.0].iter().enumerate() {
        ws.set_column_width(c as u16, *w).map_err(fail)?;
    }
    ws.set_freeze_panes(1, 0).map_err(fail)?;
    for (r, f) in flags.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, format!("{:03}", f.kommunekode)).map_err(fail)?;
        ws.write_string(r, 1, &f.ydelse).map_err(fail)?;
        ws.write_string(r, 2, &f.kvartal).map_err(fail)?;
        ws.write_string(r, 3, f.regel.code()).map_err(fail)?;
        let kommentar = capped(f.kommentar.as_deref().unwrap_or(""), XLSX_CELLE_MAX);
        ws.write_string_with_format(r, 4, kommentar.as_ref(), &wrap).map_err(fail)?;
        ws.write_string(r, 5, f.alvor.code()).map_err(fail)?;
        ws.write_number(r, 6, f.prioritet).map_err(fail)?;
        ws.write_string_with_format(r, 7, capped(&f.forklaring, XLSX_CELLE_MAX).as_ref(), &wrap).map_err(fail)?;
    }
    let bytes = wb.save_to_buffer().map_err(fail)?;
    godkend_store::fil::write_atomic(path, &bytes)?;
    Ok(())
}
