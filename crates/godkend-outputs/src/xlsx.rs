//! The flags workbook (`<kode>-<år>-markeringer.xlsx`) the municipality fills in and sends back;
//! `godkend_round::comments::read` accepts it unchanged apart from the comment column. Sheet `Vejledning`
//! (first) says how to answer, by when and to whom; sheet `Markeringer` (the one read back) has a line
//! per flag of the report year; sheet `Sager` the cases behind them.

use crate::{Error, Result};
use chrono::Datelike;
use godkend_model::tekst::{XLSX_CELLE_MAX, capped};
use godkend_round::sager::SagBag;
use godkend_rules::Markering;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
use std::path::Path;

/// Header of the `Markeringer` sheet: `id` (or the four place columns) and `kommentar` are what the
/// comments reader needs; it finds them by name, so the explanation can stand beside the comment.
pub const HEADER: [&str; 11] = [
    "id",
    "kommunekode",
    "ydelse",
    "kvartal",
    "regel",
    "alvor",
    "forklaring",
    "kommentar",
    "tilstand",
    "prioritet",
    "sager",
];

/// Header of the `Sager` sheet.
pub const SAGER_HEADER: [&str; 6] = ["id", "sagsid", "ydelse", "startdato", "slutdato", "haendelse"];

/// The workbook of one report: its report-year flags and the cases behind them, dated the report's
/// dispatch date (`frister.rapport_udsendt`) so the file is byte-identical across runs.
pub fn write_rapport(path: &Path, r: &godkend_round::Rapport) -> Result<()> {
    godkend_store::fil::write_atomic(path, &rapport_bytes(path, r)?)?;
    Ok(())
}

/// The bytes of [`write_rapport`]'s workbook (`path` only names it in an error).
pub fn rapport_bytes(path: &Path, r: &godkend_round::Rapport) -> Result<Vec<u8>> {
    let m = &r.model;
    // One line per mark to answer; the other rules on its cell are named in its explanation.
    let joined: Vec<Markering> = m
        .marks_with_members()
        .into_iter()
        .map(|(mark, members)| {
            let mut line = mark.clone();
            for x in members {
                line.forklaring.push_str(&format!(" · Også {}", crate::view::member_line(x)));
            }
            line
        })
        .collect();
    let flags: Vec<&Markering> = joined.iter().collect();
    let dato = m.frister.rapport_udsendt.parse().expect("a date from aarshjul.csv");
    let mut lines = vejledning(m);
    if !r.afviste.is_empty() {
        let at = lines.len() - 2;
        lines.insert(
            at,
            format!(
                "Arket Afviste poster viser {} fra kommunens leveringer i {} med leveringsmåned, linje, sagsnummer og hvad der er galt, så de kan rettes og leveres igen.",
                godkend_model::talformat::antal(r.afviste.len(), "afvist post", "afviste poster"),
                m.aar
            ),
        );
    }
    let mut wb = workbook(path, &flags, &r.sager, dato, &lines)?;
    if !r.afviste.is_empty() {
        afviste_sheet(&mut wb, &r.afviste).map_err(|source| Error::Xlsx { path: path.to_path_buf(), source })?;
    }
    wb.save_to_buffer().map_err(|source| Error::Xlsx { path: path.to_path_buf(), source })
}

/// The most rejected records one sheet lists (an XLSX sheet holds 1,048,576 rows).
const AFVISTE_MAX: usize = 1_000_000;

/// `Afviste poster`: every record the report year's deliveries rejected, to find in the case system.
fn afviste_sheet(
    wb: &mut Workbook,
    afviste: &[godkend_round::afviste::AfvistRaekke],
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("Afviste poster")?;
    for (c, h) in ["Leveringsmåned", "Fil", "Linje", "Sagsid", "Fundkode", "Hvad er galt"].iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (c, w) in [14.0, 24.0, 8.0, 22.0, 24.0, 60.0].iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    ws.set_freeze_panes(1, 0)?;
    for (i, a) in afviste.iter().take(AFVISTE_MAX).enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &a.maaned)?;
        ws.write_string(r, 1, &a.fil)?;
        ws.write_number(r, 2, a.linje as f64)?;
        ws.write_string(r, 3, &a.sagsid)?;
        ws.write_string(r, 4, a.koder.join(", "))?;
        let hvad: Vec<&str> =
            a.koder.iter().filter_map(|k| godkend_model::FundKode::parse(k)).map(|k| k.beskrivelse()).collect();
        ws.write_string(r, 5, hvad.join("; "))?;
    }
    if afviste.len() > AFVISTE_MAX {
        let r = AFVISTE_MAX as u32 + 1;
        ws.write_string(r, 0, format!("… og {} poster mere: se kvitteringerne", afviste.len() - AFVISTE_MAX))?;
    }
    let last = afviste.len().min(AFVISTE_MAX) as u32;
    ws.autofilter(0, 0, last, 5)?;
    Ok(())
}

/// The `Vejledning` sheet's lines: what the workbook is, how to answer and approve, by when, to whom.
pub fn vejledning(m: &godkend_round::KommuneRapport) -> Vec<String> {
    let (k, frist) = (&m.kontakt, crate::view::dansk_dato(&m.frister.godkendelse));
    vec![
        format!("Markeringer til kommentering – {} ({:03}), godkendelsesrapport {}, runde {}", m.navn, m.kommunekode, m.aar, m.runde),
        String::new(),
        "Sådan svarer kommunen".to_string(),
        "1. Skriv kommunens forklaring i kolonnen kommentar på arket Markeringer, én linje pr. markering. Ret ikke kolonnen id.".to_string(),
        format!("2. Send regnearket til {} senest {frist}.", k.email),
        format!("3. Godkend kommunens data for {} ved at skrive til {} med dato og navn og titel på den, der godkender.", m.aar, k.email),
        "Arket Sager viser sagsnumrene på sagerne bag hver markering, så de kan slås op i fagsystemet.".to_string(),
        "Kommentarer, der allerede er givet, følger deres markering, når rapporten dannes igen; de skal ikke sendes igen.".to_string(),
        String::new(),
        format!("Spørgsmål: {}, e-mail {}, {}", k.enhed, k.email, k.web),
    ]
}

/// Writes the report year's flags with an empty (or the existing) comment column.
/// `dato` fixes the document's creation time so the file is byte-identical across runs.
/// `vejledning`: the lines of a first sheet `Vejledning` (none: no such sheet).
pub fn write(
    path: &Path,
    flags: &[&Markering],
    rows: &[SagBag],
    dato: chrono::NaiveDate,
    vejledning: &[String],
) -> Result<()> {
    let mut wb = workbook(path, flags, rows, dato, vejledning)?;
    let bytes = wb.save_to_buffer().map_err(|source| Error::Xlsx { path: path.to_path_buf(), source })?;
    godkend_store::fil::write_atomic(path, &bytes)?;
    Ok(())
}

/// [`write`]'s workbook, not yet saved (`path` only names it in an error).
fn workbook(
    path: &Path,
    flags: &[&Markering],
    rows: &[SagBag],
    dato: chrono::NaiveDate,
    vejledning: &[String],
) -> Result<Workbook> {
    let fail = |source: rust_xlsxwriter::XlsxError| Error::Xlsx { path: path.to_path_buf(), source };
    let created = ExcelDateTime::from_ymd(dato.year() as u16, dato.month() as u8, dato.day() as u8).map_err(fail)?;
    let mut wb = Workbook::new();
    wb.set_properties(
        &DocProperties::new()
            .set_title("Markeringer til kommentering")
            .set_author("Danmarks Statistik")
            .set_creation_datetime(&created),
    );
    if !vejledning.is_empty() {
        let ws = wb.add_worksheet();
        ws.set_name("Vejledning").map_err(fail)?;
        ws.set_column_width(0, 110.0).map_err(fail)?;
        let bold = Format::new().set_bold();
        for (r, line) in vejledning.iter().enumerate() {
            match r {
                0 | 2 => ws.write_string_with_format(r as u32, 0, line, &bold),
                _ => ws.write_string(r as u32, 0, line),
            }
            .map_err(fail)?;
        }
    }
    let ws = wb.add_worksheet();
    ws.set_name("Markeringer").map_err(fail)?;
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    for (c, h) in HEADER.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold).map_err(fail)?;
    }
    for (c, w) in [22.0, 13.0, 10.0, 9.0, 36.0, 9.0, 60.0, 50.0, 9.0, 9.0, 7.0].iter().enumerate() {
        ws.set_column_width(c as u16, *w).map_err(fail)?;
    }
    ws.set_freeze_panes(1, 0).map_err(fail)?;
    ws.autofilter(0, 0, flags.len() as u32, HEADER.len() as u16 - 1).map_err(fail)?;
    // The severity cell carries its colour and its symbol, so it reads in greyscale too.
    let roed = Format::new().set_background_color(rust_xlsxwriter::Color::RGB(0xF5A3A3));
    let gul = Format::new().set_background_color(rust_xlsxwriter::Color::RGB(0xFDE68A));
    for (r, f) in flags.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, &f.id).map_err(fail)?;
        ws.write_string(r, 1, format!("{:03}", f.kommunekode)).map_err(fail)?;
        ws.write_string(r, 2, &f.ydelse).map_err(fail)?;
        ws.write_string(r, 3, f.kvartal.to_string()).map_err(fail)?;
        ws.write_string(r, 4, f.regel.navn()).map_err(fail)?;
        let (alvor, farve) = match f.alvor {
            godkend_rules::Alvor::Roed => ("● rød", &roed),
            godkend_rules::Alvor::Gul => ("▲ gul", &gul),
        };
        ws.write_string_with_format(r, 5, alvor, farve).map_err(fail)?;
        ws.write_string_with_format(r, 6, capped(&f.forklaring, XLSX_CELLE_MAX).as_ref(), &wrap).map_err(fail)?;
        let kommentar = capped(f.kommentar.as_deref().unwrap_or(""), XLSX_CELLE_MAX);
        ws.write_string_with_format(r, 7, kommentar.as_ref(), &wrap).map_err(fail)?;
        ws.write_string(r, 8, f.tilstand.navn()).map_err(fail)?;
        ws.write_number(r, 9, f.prioritet).map_err(fail)?;
        ws.write_number(r, 10, f.sager_i_alt as f64).map_err(fail)?;
    }
    let ws = wb.add_worksheet();
    ws.set_name("Sager").map_err(fail)?;
    for (c, h) in SAGER_HEADER.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold).map_err(fail)?;
    }
    for (c, w) in [22.0, 16.0, 10.0, 11.0, 11.0, 40.0].iter().enumerate() {
        ws.set_column_width(c as u16, *w).map_err(fail)?;
    }
    ws.set_freeze_panes(1, 0).map_err(fail)?;
    // Every case behind every flag: `sager_i_alt` on the flag line and the rows here always agree.
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, &row.id).map_err(fail)?;
        ws.write_string(r, 1, &row.sagsid).map_err(fail)?;
        ws.write_string(r, 2, &row.ydelse).map_err(fail)?;
        ws.write_string(r, 3, &row.startdato).map_err(fail)?;
        ws.write_string(r, 4, row.slutdato.as_deref().unwrap_or("")).map_err(fail)?;
        ws.write_string(r, 5, &row.haendelse).map_err(fail)?;
    }
    Ok(wb)
}

/// A municipality's cases as DST holds them ("alle data" in the portal): one sheet `Sager` with
/// sagsid, ydelse, målgruppe, startdato and slutdato, every cell a string (a sagsid stays as written).
/// `rows` are the text of those five columns; `dato` is the workbook's date (no clock).
pub fn sager_bytes(rows: &[[String; 5]], dato: chrono::NaiveDate) -> Result<Vec<u8>> {
    let path = Path::new("sager.xlsx");
    let fail = |source: rust_xlsxwriter::XlsxError| Error::Xlsx { path: path.to_path_buf(), source };
    let created = ExcelDateTime::from_ymd(dato.year() as u16, dato.month() as u8, dato.day() as u8).map_err(fail)?;
    let mut wb = Workbook::new();
    wb.set_properties(
        &DocProperties::new()
            .set_title("Sager hos Danmarks Statistik")
            .set_author("Danmarks Statistik")
            .set_creation_datetime(&created),
    );
    let ws = wb.add_worksheet();
    ws.set_name("Sager").map_err(fail)?;
    let bold = Format::new().set_bold();
    for (c, h) in ["sagsid", "ydelse", "maalgruppe", "startdato", "slutdato"].iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold).map_err(fail)?;
        ws.set_column_width(c as u16, if c == 0 { 22.0 } else { 12.0 }).map_err(fail)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, godkend_model::tekst::renset(v)).map_err(fail)?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(fail)?;
    wb.save_to_buffer().map_err(fail)
}
