//! Comments: matching to flags (any code of a series), unmatched comments, readiness inputs, and the
//! flags workbook read back as a comments file (round trip).

use godkend_model::{Reference, Register};
use godkend_round::comments::{self, Kommentar};
use godkend_rules::{Alvor, Markering, Regel};

fn flag(kommune: u16, serie: &str, ydelse: &str, kvartal: &str, regel: Regel) -> Markering {
    let register =
        (!serie.is_empty()).then_some(if serie.starts_with('B') { Register::Boern } else { Register::Voksne });
    let mut m = Markering::new(kommune, register, serie, ydelse, kvartal.parse().unwrap(), regel, Alvor::Gul, true);
    m.taerskel = "≥ 10 % og ≥ 5 personer".into();
    m.forklaring = "Antallet steg; \"citat\" og æøå; #[*_$] ".into();
    m
}

fn flags() -> Vec<Markering> {
    vec![
        flag(101, "B-dagtilbud", "BL82-1", "2025K2", Regel::KvartalTilKvartal),
        flag(101, "V-1.1", "1.1", "2025K3", Regel::AarTilAar),
        flag(101, "", "", "2025", Regel::AfvistePoster),
    ]
}

#[test]
fn csv_comments_match_by_any_code_of_the_series() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("svar.csv");
    std::fs::write(
        &path,
        "\u{feff}Kommunekode;ydelse;kvartal;regel;kommentar\n\
         101;SEL32;2025k2;kvartal_til_kvartal;Ny institution åbnet i foråret\n\
         101;;2025;afviste_poster;Leverandøren har rettet fejlen\n\
         101;1.1;2025K3;aar_til_aar;\n\
         101;1.1;2025K1;aar_til_aar;Ingen markering her\n\
         101;1.1;2025K1;ukendt_regel;Forkert regel\n",
    )
    .unwrap();
    let read = comments::read(&path, 10_000).unwrap();
    assert_eq!(read.len(), 4, "the row with an empty comment is skipped");
    let reference = Reference::embedded().unwrap();
    let mut f = flags();
    let unmatched = comments::attach(&mut f, &read, &reference);
    assert_eq!(
        f[0].kommentar.as_deref(),
        Some("Ny institution åbnet i foråret"),
        "SEL32 names the same series as BL82-1"
    );
    assert_eq!(f[1].kommentar, None);
    assert_eq!(f[2].kommentar.as_deref(), Some("Leverandøren har rettet fejlen"));
    let lines: Vec<usize> = unmatched.iter().map(|c: &Kommentar| c.linje).collect();
    assert_eq!(lines, [5, 6]);
}

#[test]
fn a_bad_comments_file_names_the_line() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("svar.csv");
    std::fs::write(
        &path,
        "kommunekode;ydelse;kvartal;regel;kommentar\n101;1.1;2025K1;aar_til_aar;ok\n1O1;1.1;2025K1;aar_til_aar;x\n",
    )
    .unwrap();
    let err = comments::read(&path, 10_000).unwrap_err().to_string();
    assert!(err.ends_with("svar.csv:3: kommunekode `1O1` er ikke en kode på tre cifre"), "{err}");
    std::fs::write(&path, "kommunekode;ydelse;kvartal;kommentar\n").unwrap();
    let err = comments::read(&path, 10_000).unwrap_err().to_string();
    assert!(err.ends_with("svar.csv:1: kolonnen `regel` mangler"), "{err}");
    std::fs::write(
        &path,
        "kommunekode;ydelse;kvartal;regel;kommentar;afsender\n101;1.1;2025K1;aar_til_aar;a;b;Aarhus\n",
    )
    .unwrap();
    let err = comments::read(&path, 10_000).unwrap_err().to_string();
    assert!(err.ends_with("svar.csv:2: 7 felter, overskriften har 6; sæt kommentaren i anførselstegn"), "{err}");
}

/// A comments file as Excel on Windows saves it — `\r\n`, a comment typed over two lines (quoted, a line
/// break inside), an empty line — names each comment by the line the municipality sees it on. Before, the
/// line was the record's number plus one: the comment after a two-line one, and every one after an empty
/// line, was named a line too early.
#[test]
fn a_comment_is_named_by_its_line_in_the_file_after_line_breaks_and_empty_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("svar.csv");
    std::fs::write(
        &path,
        "kommunekode;ydelse;kvartal;regel;kommentar\r\n\
         101;1.1;2025K1;aar_til_aar;\"Første linje\r\nanden linje\"\r\n\
         \r\n\
         101;1.1;2025K2;aar_til_aar;Efter en tom linje\r\n\
         1O1;1.1;2025K2;aar_til_aar;x\r\n",
    )
    .unwrap();
    let err = comments::read(&path, 10_000).unwrap_err().to_string();
    assert!(err.ends_with("svar.csv:6: kommunekode `1O1` er ikke en kode på tre cifre"), "{err}");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("1O1;", "101;")).unwrap();
    let lines: Vec<(usize, String)> =
        comments::read(&path, 10_000).unwrap().into_iter().map(|c| (c.linje, c.kommentar)).collect();
    assert_eq!(lines.iter().map(|l| l.0).collect::<Vec<_>>(), [2, 5, 6], "{lines:?}");
}

#[test]
fn an_unquoted_semicolon_in_the_last_column_stays_in_the_comment() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("svar.csv");
    std::fs::write(
        &path,
        "kommunekode;ydelse;kvartal;regel;kommentar\n101;;2025K4;systemskifte;Nyt system; samme borgere\n",
    )
    .unwrap();
    let read = comments::read(&path, 10_000).unwrap();
    assert_eq!(read[0].kommentar, "Nyt system; samme borgere");
}

#[test]
fn flags_workbook_round_trips_and_is_reproducible() {
    let tmp = tempfile::tempdir().unwrap();
    let mut f = flags();
    f[1].kommentar = Some("Omlægning af visitationen; se bilag \"B\"".into());
    let refs: Vec<&Markering> = f.iter().collect();
    let dato = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let a = tmp.path().join("101-2025-markeringer.xlsx");
    godkend_outputs::xlsx::write(&a, &refs, &[], dato, &[]).unwrap();
    let b = tmp.path().join("igen.xlsx");
    godkend_outputs::xlsx::write(&b, &refs, &[], dato, &[]).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap(), "same flags, same bytes");

    let read = comments::read(&a, 10_000).unwrap();
    assert_eq!(read.len(), 1, "only the answered flag counts as a comment");
    assert_eq!((read[0].kommunekode, read[0].ydelse.as_str(), read[0].kvartal.as_str()), (101, "1.1", "2025K3"));
    let reference = Reference::embedded().unwrap();
    let mut fresh = flags();
    let unmatched = comments::attach(&mut fresh, &read, &reference);
    assert!(unmatched.is_empty());
    assert_eq!(fresh[1].kommentar.as_deref(), Some("Omlægning af visitationen; se bilag \"B\""));

    // Today's workbook starts with the instructions sheet: the comments are still read from `Markeringer`
    // (before, the first sheet was read, whatever it was).
    let c = tmp.path().join("med-vejledning.xlsx");
    let lines = ["Sådan svarer kommunen".to_string(), "kommentar; id".to_string()];
    godkend_outputs::xlsx::write(&c, &refs, &[], dato, &lines).unwrap();
    assert_eq!(comments::read(&c, 10_000).unwrap().len(), 1);
}

#[test]
fn a_folder_of_returned_workbooks_and_csv_files_is_read_in_name_order() {
    let tmp = tempfile::tempdir().unwrap();
    let svar = tmp.path().join("svar");
    std::fs::create_dir(&svar).unwrap();
    let mut f = flags();
    f[1].kommentar = Some("Svar i regnearket".into());
    let refs: Vec<&Markering> = f.iter().collect();
    let dato = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    godkend_outputs::xlsx::write(&svar.join("b-101-2025-markeringer.xlsx"), &refs, &[], dato, &[]).unwrap();
    std::fs::write(
        svar.join("a.csv"),
        "kommunekode;ydelse;kvartal;regel;kommentar\n101;;2025;afviste_poster;Svar i CSV\n",
    )
    .unwrap();
    // Excel's lock file, a hidden file and a note are not comments files.
    std::fs::write(svar.join("~$b-101-2025-markeringer.xlsx"), "lock").unwrap();
    std::fs::write(svar.join(".a.csv.swp"), "x").unwrap();
    std::fs::write(svar.join("noter.txt"), "x").unwrap();
    let extra = tmp.path().join("sent.csv");
    std::fs::write(&extra, "kommunekode;ydelse;kvartal;regel;kommentar\n147;1.1;2025K1;revision;Sent svar\n").unwrap();

    let read = comments::read_all(&[svar, extra], 10_000);
    assert!(read.fejl.is_empty(), "{:?}", read.fejl);
    let got: Vec<(&str, usize, &str)> =
        read.kommentarer.iter().map(|c| (c.fil.as_str(), c.linje, c.kommentar.as_str())).collect();
    assert_eq!(
        got,
        [
            ("a.csv", 2, "Svar i CSV"),
            ("b-101-2025-markeringer.xlsx", 3, "Svar i regnearket"),
            ("sent.csv", 2, "Sent svar")
        ]
    );
}

#[test]
fn what_a_municipality_types_is_masked_cleaned_and_cut_before_any_output() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("svar.csv");
    let long = "å".repeat(40_000);
    std::fs::write(
        &path,
        format!(
            "kommunekode;ydelse;kvartal;regel;kommentar\n\
             101;SEL32;2025K2;kvartal_til_kvartal;Borgeren 010180-1234 og 0202801234 er flyttet\n\
             101;1.1;2025K3;aar_til_aar;Nul\u{0}tegn og \u{1b}[2Jescape\n\
             101;;2025;afviste_poster;{long}\n"
        ),
    )
    .unwrap();
    let read = comments::read(&path, 10_000).unwrap();
    let texts: Vec<&str> = read.iter().map(|c| c.kommentar.as_str()).collect();
    assert_eq!(texts[0], "Borgeren [CPR skjult] og [CPR skjult] er flyttet");
    assert_eq!(texts[1], "Nultegn og [2Jescape");
    assert_eq!(texts[2].chars().count(), godkend_model::tekst::XLSX_CELLE_MAX);
    assert!(texts[2].ends_with("[afkortet]"), "a cut comment says so");

    let reference = Reference::embedded().unwrap();
    let mut f = flags();
    comments::attach(&mut f, &read, &reference);
    assert_eq!(f[0].kommentar.as_deref(), Some(texts[0]));
    // The workbook takes the cut comment (before: a 40,000-character cell lost the municipality's files).
    let xlsx = tmp.path().join("101-2025-markeringer.xlsx");
    godkend_outputs::xlsx::write(
        &xlsx,
        &f.iter().collect::<Vec<_>>(),
        &[],
        chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
        &[],
    )
    .unwrap();
    let back = comments::read(&xlsx, 10_000).unwrap();
    assert_eq!(back.iter().map(|c| c.kommentar.as_str()).collect::<Vec<_>>(), texts);
}

/// A workbook with the comments header in row 1 and `cells` (row, column, text) besides.
fn workbook(path: &std::path::Path, cells: &[(u32, u16, &str)]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["kommunekode", "ydelse", "kvartal", "regel", "kommentar"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, c, v) in cells {
        ws.write_string(*r, *c, *v).unwrap();
    }
    wb.save(path).unwrap();
}

#[test]
fn a_sheet_claiming_a_million_rows_is_refused_without_taking_its_memory() {
    let tmp = tempfile::tempdir().unwrap();
    // One cell at XFD1048576: before, calamine's dense range for it took more than 18 GB.
    let path = tmp.path().join("bombe.xlsx");
    workbook(&path, &[(1_048_575, 16_383, "XFD1048576")]);
    assert!(std::fs::metadata(&path).unwrap().len() < 10_000);
    assert_eq!(comments::read(&path, 10_000).unwrap(), [], "a cell in a column nobody reads is ignored");

    // One comment at A1048576: far more lines than flags, so the file is refused.
    let path = tmp.path().join("lang.xlsx");
    workbook(&path, &[(1_048_575, 0, "101")]);
    let err = comments::read(&path, 10_000).unwrap_err().to_string();
    assert!(err.contains("lang.xlsx:10001: mere end 10000 linjer"), "{err}");

    // A stray cell far to the right is ignored; the comments are read.
    let path = tmp.path().join("bred.xlsx");
    let row = ["101", "1.1", "2025K3", "aar_til_aar", "Svar"];
    let mut cells: Vec<(u32, u16, &str)> = row.iter().enumerate().map(|(c, v)| (1, c as u16, *v)).collect();
    cells.push((1, 16_383, "langt ude"));
    workbook(&path, &cells);
    let read = comments::read(&path, 10_000).unwrap();
    assert_eq!(read.iter().map(|c| c.kommentar.as_str()).collect::<Vec<_>>(), ["Svar"]);
}

#[test]
fn a_comments_file_far_larger_than_the_flags_is_skipped_and_the_others_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    let svar = tmp.path().join("svar");
    std::fs::create_dir(&svar).unwrap();
    let mut big = String::from("kommunekode;ydelse;kvartal;regel;kommentar\n");
    for i in 0..200_000 {
        big.push_str(&format!("101;1.1;2025K1;aar_til_aar;svar {i}\n"));
    }
    std::fs::write(svar.join("a-stor.csv"), big).unwrap();
    std::fs::write(svar.join("b-ulaeselig.xlsx"), "not a workbook").unwrap();
    std::fs::write(
        svar.join("c-god.csv"),
        "kommunekode;ydelse;kvartal;regel;kommentar\n101;1.1;2025K3;aar_til_aar;Svar\n",
    )
    .unwrap();
    let read = comments::read_all(&[svar], 10_000);
    assert_eq!(read.kommentarer.iter().map(|c| c.kommentar.as_str()).collect::<Vec<_>>(), ["Svar"]);
    let errors: Vec<String> = read.fejl.iter().map(|e| e.to_string()).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].contains("a-stor.csv:10001: mere end 10000 linjer"), "{errors:?}");
    assert!(errors[1].contains("b-ulaeselig.xlsx") && errors[1].contains("kan ikke åbnes som XLSX"), "{errors:?}");
}

#[test]
fn a_comment_may_name_the_flag_by_its_id_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("svar.csv");
    std::fs::write(
        &path,
        "id;kommentar\n101-2025K2-B-dagtilbud-KK;Ny institution\n101-2025-AP;Rettet i marts\n101-2025K4-V-1.1-KK;Ingen sådan markering\n",
    )
    .unwrap();
    let read = comments::read(&path, 10_000).unwrap();
    assert_eq!(read[0].id.as_deref(), Some("101-2025K2-B-dagtilbud-KK"));
    assert_eq!(read[0].kommunekode, 101, "the municipality is the id's first three digits");
    let reference = Reference::embedded().unwrap();
    let mut f = flags();
    let unmatched = comments::attach(&mut f, &read, &reference);
    assert_eq!(f[0].kommentar.as_deref(), Some("Ny institution"));
    assert_eq!(f[1].kommentar, None);
    assert_eq!(f[2].kommentar.as_deref(), Some("Rettet i marts"));
    assert_eq!(unmatched.len(), 1);
    assert_eq!(unmatched[0].linje, 4);
}

#[test]
fn the_id_wins_over_the_place_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("svar.csv");
    // The place columns name the first flag, the id the second: the id decides.
    std::fs::write(
        &path,
        "id;kommunekode;ydelse;kvartal;regel;kommentar\n101-2025K3-V-1.1-AA;101;BL82-1;2025K2;kvartal_til_kvartal;Flyttet\n",
    )
    .unwrap();
    let read = comments::read(&path, 10_000).unwrap();
    let mut f = flags();
    comments::attach(&mut f, &read, &Reference::embedded().unwrap());
    assert_eq!(f[0].kommentar, None);
    assert_eq!(f[1].kommentar.as_deref(), Some("Flyttet"));
}

#[test]
fn without_an_id_column_the_place_columns_are_required() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("svar.csv");
    std::fs::write(&path, "kommunekode;kvartal;regel;kommentar\n101;2025;afviste_poster;x\n").unwrap();
    let e = comments::read(&path, 10_000).unwrap_err().to_string();
    assert!(e.contains("kolonnen `ydelse` mangler"), "{e}");
}

/// A comments CSV saved by Danish Excel ("CSV (semikolonsepareret)", Windows-1252) is read with its æøå.
/// Before, it was skipped with "ikke UTF-8; gem filen som CSV UTF-8".
#[test]
fn a_windows_1252_comments_file_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("svar.csv");
    let (text, _, _) = encoding_rs::WINDOWS_1252
        .encode("kommunekode;ydelse;kvartal;regel;kommentar\n101;1.1;2025K3;kvartal_til_kvartal;Nyt tilbud på Østerbro åbnede\n");
    std::fs::write(&path, &text).unwrap();
    let read = comments::read(&path, 10_000).unwrap();
    assert_eq!(read[0].kommentar, "Nyt tilbud på Østerbro åbnede");
}

/// The workbook shows rules by their Danish names; a comment that names its flag by place reads them back.
#[test]
fn a_rule_given_by_its_danish_name_is_understood() {
    assert_eq!(Regel::parse("Ændring fra forrige kvartal"), Some(Regel::KvartalTilKvartal));
    assert_eq!(Regel::parse(" aar_til_aar "), Some(Regel::AarTilAar));
    assert_eq!(Regel::parse("ændring"), None);
}

#[test]
fn one_long_shared_string_behind_thousands_of_cells_is_cut_as_read_and_the_sheet_refused() {
    // Before: 2,000 rows × 4 cells pointing at one 1 MB shared string took more than 3 GB in 8 s. The
    // writer keeps a cell to 32,767 characters: here 8,000 cells × 64 KB, 512 MB if copied per cell.
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("delt.xlsx");
    let long = "æ".repeat(32_000);
    let long = long.as_str();
    let cells: Vec<(u32, u16, &str)> = (1..=2000).flat_map(|r| (1..5).map(move |c| (r, c, long))).collect();
    workbook(&path, &cells);
    assert!(std::fs::metadata(&path).unwrap().len() < 200_000, "a small file");
    let err = comments::read(&path, 10_000).unwrap_err().to_string();
    assert!(err.contains("mere end 64 MB tekst"), "{err}");
}

#[test]
fn a_pipe_or_a_device_given_as_comments_is_an_error_not_a_hang() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("svar.csv");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let err = comments::read(&fifo, 10_000).unwrap_err().to_string();
    assert!(err.contains("ikke en almindelig fil"), "{err}");
    let err = comments::read(std::path::Path::new("/dev/zero"), 10_000).unwrap_err().to_string();
    assert!(err.contains("ikke en almindelig fil"), "{err}");
}
