//! Comments: matching to flags (any code of a series), unmatched comments, readiness inputs, and the
//! flags workbook read back as a comments file (round trip).

use godkend_model::{Reference, Register};
use godkend_stats::comments::{self, Kommentar};
use godkend_stats::flags::{Alvor, Markering, Regel};
use std::collections::BTreeMap;

fn flag(kommune: u16, serie: &str, ydelse: &str, kvartal: &str, regel: Regel) -> Markering {
    Markering {
        kommunekode: kommune,
        register: (!serie.is_empty()).then_some(if serie.starts_with('B') {
            Register::Boern
        } else {
            Register::Voksne
        }),
        serie: serie.into(),
        ydelse: ydelse.into(),
        kvartal: kvartal.into(),
        regel,
        alvor: Alvor::Gul,
        tal: BTreeMap::new(),
        taerskel: "≥ 10 % og ≥ 5 personer".into(),
        forklaring: "Antallet steg; \"citat\" og æøå; #[*_$] ".into(),
        kommentar: None,
        i_rapportaaret: true,
    }
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
    let read = comments::read(&path).unwrap();
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
    let err = comments::read(&path).unwrap_err().to_string();
    assert!(err.ends_with("svar.csv:3: kommunekode `1O1` is not a 3-digit code"), "{err}");
    std::fs::write(&path, "kommunekode;ydelse;kvartal;kommentar\n").unwrap();
    let err = comments::read(&path).unwrap_err().to_string();
    assert!(err.ends_with("svar.csv:1: column `regel` is missing"), "{err}");
    std::fs::write(
        &path,
        "kommunekode;ydelse;kvartal;regel;kommentar;afsender\n101;1.1;2025K1;aar_til_aar;a;b;Aarhus\n",
    )
    .unwrap();
    let err = comments::read(&path).unwrap_err().to_string();
    assert!(err.ends_with("svar.csv:2: 7 fields, the header has 6; put the comment in quotes"), "{err}");
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
    let read = comments::read(&path).unwrap();
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
    godkend_stats::xlsx::write(&a, &refs, dato).unwrap();
    let b = tmp.path().join("igen.xlsx");
    godkend_stats::xlsx::write(&b, &refs, dato).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap(), "same flags, same bytes");

    let read = comments::read(&a).unwrap();
    assert_eq!(read.len(), 1, "only the answered flag counts as a comment");
    assert_eq!((read[0].kommunekode, read[0].ydelse.as_str(), read[0].kvartal.as_str()), (101, "1.1", "2025K3"));
    let reference = Reference::embedded().unwrap();
    let mut fresh = flags();
    let unmatched = comments::attach(&mut fresh, &read, &reference);
    assert!(unmatched.is_empty());
    assert_eq!(fresh[1].kommentar.as_deref(), Some("Omlægning af visitationen; se bilag \"B\""));
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
    godkend_stats::xlsx::write(&svar.join("b-101-2025-markeringer.xlsx"), &refs, dato).unwrap();
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

    let read = comments::read_all(&[svar, extra]).unwrap();
    let got: Vec<(&str, usize, &str)> = read.iter().map(|c| (c.fil.as_str(), c.linje, c.kommentar.as_str())).collect();
    assert_eq!(
        got,
        [
            ("a.csv", 2, "Svar i CSV"),
            ("b-101-2025-markeringer.xlsx", 3, "Svar i regnearket"),
            ("sent.csv", 2, "Sent svar")
        ]
    );
}
