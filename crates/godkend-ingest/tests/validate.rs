//! Validation of single deliveries: one case per finding, checked against the receipt a data
//! officer would read. Snapshots are inline (expect-test); `UPDATE_EXPECT=1 cargo test` rewrites them.

use expect_test::{Expect, expect};
use godkend_ingest::validate::validate_bytes;
use godkend_ingest::{Encoding, Kvittering};
use godkend_model::Reference;

const HEAD: &str =
    "kommunekode;sagsid;cpr;udlaendingenr;foedselsdato;koen;ydelse;maalgruppe;startdato;slutdato;slettet";

fn receipt(fil: &str, body: &str) -> Kvittering {
    let reference = Reference::embedded().unwrap();
    validate_bytes(fil, body.as_bytes(), &reference, Encoding::Utf8).kvittering
}

/// Status line, totals and one line per finding with its examples — the receipt minus the hash.
fn check(fil: &str, body: &str, expected: Expect) {
    let k = receipt(fil, body);
    let text: String = k.to_text().lines().filter(|l| !l.starts_with("SHA-256")).map(|l| format!("{l}\n")).collect();
    expected.assert_eq(&text);
}

fn csv(rows: &[&str]) -> String {
    let mut s = format!("{HEAD}\n");
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

#[test]
fn clean_delivery() {
    check(
        "101_2024-03.csv",
        &csv(&[
            "101;A1;0101901235;;;;1.1;6;2024-03-01;;",
            "101;A2;010190-1236;;;;1.8.1;1;01-02-2015;2024-03-31;",
            "101;B1;;U77;2012-05-05;K;BL90-2;;2024-02-29;;",
            "101;B2;1505124321;;;;SEL32;;2021-07-01;;",
        ]),
        expect![[r#"
            Kvittering for levering 101_2024-03.csv
            =======================================
            Kommune:    101
            Måned:      2024-03
            Status:     MODTAGET uden bemærkninger
            Poster:     4 læst, 4 modtaget (0 sletninger), 0 afvist
        "#]],
    );
}

#[test]
fn every_record_finding() {
    check(
        "101_2024-03.csv",
        &csv(&[
            "101;C1;3113901234;;;;1.1;6;2024-03-01;;",
            "101;C2;;;;;1.1;6;2024-03-01;;",
            "101;C3;;U1;1990-01-01;X;1.1;6;2024-03-01;;",
            &format!("101;{};0101901235;;;;1.1;6;2024-03-01;;", "S".repeat(65)),
            "101;C5;0101901235;;;;9.9;6;2024-03-01;;",
            "101;C6;0101901235;;;;SEL32;;2024-01-02;;",
            "101;C7;0101901235;;;;1.1;6;2024-02-30;;",
            "101;C8;0101901235;;;;1.3;6;2024-03-10;2024-03-01;",
            "101;C9;0101901235;;;;1.4;6;2013-09-30;;",
            "101;C10;0101901235;;;;1.13.2;6;2024-04-01;;",
            "101;C11;0101901235;;;;BL90-1;;2024-03-01;;",
            "101;C12;1505164321;;;;BL89-1;;2024-03-01;;",
            "101;C13;0101901235;;;;1.17;13;2024-03-01;;",
            "101;C14;0101901235;;;;1.18.2;6;2024-03-01;;2",
            "101;C15;0101901235;;;;1.13.4;;2024-03-01;;",
            "101;C15;0101901235;;;;1.13.4;1;2024-03-01;;",
        ]),
        expect![[r#"
            Kvittering for levering 101_2024-03.csv
            =======================================
            Kommune:    101
            Måned:      2024-03
            Status:     MODTAGET med bemærkninger
            Poster:     16 læst, 1 modtaget (0 sletninger), 15 afvist

            Fund:
              fejl      cpr_ugyldig                    1  CPR-nummeret er ugyldigt (ikke 10 cifre eller ingen gyldig dato)
              fejl      id_mangler                     1  Hverken CPR-nummer eller fuldt alternativt id (udlændingenummer, fødselsdato, køn)
              fejl      id_ugyldigt                    1  Fødselsdato eller køn i det alternative id er ugyldigt
              fejl      sagsid_ugyldigt                1  Sagsid mangler eller er længere end 64 tegn
              fejl      sagsid_dublet                  1  Samme sagsid forekommer flere gange i leveringen (kun første medtages)
              fejl      ydelse_ukendt                  1  Ydelseskoden findes ikke i referencedata
              fejl      ydelse_ugyldig_periode         1  Ydelseskoden gælder ikke på startdatoen
              fejl      dato_ugyldig                   1  Startdato mangler, eller en dato kan ikke læses (ÅÅÅÅ-MM-DD)
              fejl      start_efter_slut               1  Startdato ligger efter slutdato
              fejl      start_foer_2013                1  Startdato ligger før 1. oktober 2013
              fejl      start_efter_levering           1  Startdato ligger efter leveringsmåneden
              fejl      alder_udenfor_register         2  Alderen ved start passer ikke til ydelsen (børn: under 18 år; § 45/§ 89: 12-17 år)
              fejl      maalgruppe_ukendt              1  Målgruppekoden findes ikke i referencedata
              fejl      slettet_ugyldig                1  Feltet slettet skal være tomt, 0 eller 1
              advarsel  maalgruppe_mangler             1  Målgruppe mangler for en ydelse til voksne

            Eksempler (højst 10 pr. kode):
              linje      2 [cpr_ugyldig] sagsid C1: CPR-nummerets første seks cifre er ikke en gyldig dato
              linje      3 [id_mangler] sagsid C2: hverken cpr eller både udlaendingenr, foedselsdato og koen er udfyldt
              linje      4 [id_ugyldigt] sagsid C3: koen `X` skal være M eller K
              linje      5 [sagsid_ugyldigt] sagsid SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS…: sagsid er 65 tegn; det skal være 1-64
              linje     17 [sagsid_dublet] sagsid C15: sagsid forekommer tidligere i leveringen; denne linje medtages ikke
              linje      6 [ydelse_ukendt] sagsid C5: ydelse `9.9` findes ikke
              linje      7 [ydelse_ugyldig_periode] sagsid C6: ydelse SEL32 (SEL § 32) gælder ikke for afgørelser med start 2024-01-02
              linje      8 [dato_ugyldig] sagsid C7: startdato `2024-02-30` er ikke en dato (ÅÅÅÅ-MM-DD)
              linje      9 [start_efter_slut] sagsid C8: startdato 2024-03-10 ligger efter slutdato 2024-03-01
              linje     10 [start_foer_2013] sagsid C9: startdato 2013-09-30 ligger før 2013-10-01
              linje     11 [start_efter_levering] sagsid C10: startdato 2024-04-01 ligger efter leveringsmåneden 2024-03
              linje     12 [alder_udenfor_register] sagsid C11: borgeren er 34 år ved start; BL90-1 (BL § 90, stk. 1) gælder 0-17 år
              linje     13 [alder_udenfor_register] sagsid C12: borgeren er 7 år ved start; BL89-1 (BL § 89, stk. 1) gælder 12-17 år
              linje     14 [maalgruppe_ukendt] sagsid C13: målgruppe `13` findes ikke (gyldige koder 1-12)
              linje     15 [slettet_ugyldig] sagsid C14: slettet er `2`; brug 1 for sletning, ellers tomt eller 0
              linje     16 [maalgruppe_mangler] sagsid C15: målgruppe er ikke udfyldt
        "#]],
    );
}

#[test]
fn overlaps_are_kept_and_reported_on_the_later_line() {
    let k = receipt(
        "101_2024-03.csv",
        &csv(&[
            "101;O1;0101901235;;;;1.12.0.2;6;2024-01-01;2024-02-15;",
            "101;O2;0101901235;;;;1.12.0.2;6;2024-02-15;;",
            "101;O3;0101901235;;;;1.12.0.2;6;2023-01-01;2023-12-31;",
            "101;O4;0101901235;;;;1.12.0.1;6;2024-02-01;;",
        ]),
    );
    assert_eq!((k.accepterede, k.afviste), (4, 0));
    let overlap = k.fund.iter().find(|f| f.kode.code() == "overlap").expect("an overlap finding");
    assert_eq!(overlap.antal, 1, "adjacent and other-service periods do not overlap");
    assert_eq!(overlap.eksempler[0].linje, 3);
    assert_eq!(overlap.eksempler[0].sagsid.as_deref(), Some("O2"));
}

#[test]
fn overlaps_of_citizens_with_long_alternative_numbers_tell_them_apart_past_the_first_16_bytes() {
    // Three citizens' udlændingenumre share their first 17 characters (the overlap check sorts on the
    // first 16 bytes of a key and reads the rest only for ties): O2 is another citizen than O1, O3 the same.
    let k = receipt(
        "101_2024-03.csv",
        &csv(&[
            "101;O1;;AB1234567890123456-1;1990-01-01;M;1.12.0.2;6;2024-01-01;;",
            "101;O2;;AB1234567890123456-2;1990-01-01;M;1.12.0.2;6;2024-02-01;;",
            "101;O3;;AB1234567890123456-1;1990-01-01;M;1.12.0.2;6;2024-02-10;;",
            "101;O4;;AB1234567890123456-22;1990-01-01;M;1.12.0.2;6;2024-01-15;2024-01-31;",
        ]),
    );
    assert_eq!((k.accepterede, k.afviste), (4, 0), "{:?}", k.fund);
    let overlap = k.fund.iter().find(|f| f.kode.code() == "overlap").expect("an overlap finding");
    assert_eq!(overlap.antal, 1, "only O1 and O3 are one citizen: {overlap:?}");
    assert_eq!(overlap.eksempler[0].linje, 4);
    assert_eq!(overlap.eksempler[0].sagsid.as_deref(), Some("O3"));
}

#[test]
fn deletion_needs_only_kommune_and_sagsid() {
    let k = receipt("101_2024-03.csv", &csv(&["101;D1;;;;;;;;;1", "101;D2;;;;;;;;;0"]));
    assert_eq!((k.accepterede, k.slettede, k.afviste), (1, 1, 1));
}

#[test]
fn reporting_on_behalf() {
    let k = receipt(
        "183_2024-03.csv",
        &csv(&["187;V1;0101901235;;;;1.1;6;2024-03-01;;", "183;I1;0101901235;;;;1.1;6;2024-03-01;;"]),
    );
    assert_eq!(k.status, godkend_ingest::Status::Godkendt);
    let k = receipt("187_2024-03.csv", &csv(&["183;I1;0101901235;;;;1.1;6;2024-03-01;;"]));
    assert_eq!(
        k.fatal.as_ref().map(|f| f.kode.code()),
        Some("forkert_kommune"),
        "Vallensbæk does not report for Ishøj"
    );
}

fn fatal(fil: &str, bytes: &[u8]) -> String {
    let reference = Reference::embedded().unwrap();
    let k = validate_bytes(fil, bytes, &reference, Encoding::Utf8).kvittering;
    let f = k.fatal.expect("a fatal finding");
    format!("{} @{:?}: {} | {}", f.kode, f.linje, f.tekst, f.hint)
}

#[test]
fn whole_delivery_rejections() {
    let good = "101;A1;0101901235;;;;1.1;6;2024-03-01;;";
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("101_2024-03.csv", Vec::new()),
        ("101_2024-03.csv", format!("{HEAD}\n").into_bytes()),
        ("101_2024-03.csv", format!("{}\n{}\n", HEAD.replace(';', ","), good.replace(';', ",")).into_bytes()),
        ("101_2024-03.csv", format!("{HEAD}\n{good}\n101;A2;0101901235;;;;1.1\n").into_bytes()),
        ("101_2024-03.csv", format!("{}\n{good}\n", HEAD.replace("ydelse", "ydelsen")).into_bytes()),
        ("101_2024-03.csv", format!("{HEAD};Sagsid\n{good};x\n").into_bytes()),
        (
            "101_2024-03.csv",
            [format!("{HEAD}\n{good}\n").as_bytes(), b"101;\xF8;0101901235;;;;1.1;6;2024-03-01;;\n"].concat(),
        ),
        (
            "101_2024-03.csv",
            format!("{HEAD}\n101;{};0101901235;;;;1.1;6;2024-03-01;;\n", "x".repeat(5000)).into_bytes(),
        ),
        ("101_2024-03.csv", format!("{HEAD}\n{good}\n147;A2;0101901235;;;;1.1;6;2024-03-01;;\n").into_bytes()),
        ("101_2024-03.csv", format!("{HEAD}\n999;A2;0101901235;;;;1.1;6;2024-03-01;;\n").into_bytes()),
        ("999_2024-03.csv", format!("{HEAD}\n{good}\n").into_bytes()),
        ("101_2024-02.csv", format!("{HEAD}\n{good}\n").into_bytes()),
        ("leverance.csv", format!("{HEAD}\n{good}\n").into_bytes()),
    ];
    let got: Vec<String> = cases.iter().map(|(f, b)| fatal(f, b)).collect();
    expect![[r#"
        [
            "tom_fil @None: filen er tom | send leveringen igen med overskrift og poster",
            "kun_overskrift @None: filen har en overskrift men ingen poster | en levering skal indeholde mindst én post; send måneden igen med data",
            "forkert_separator @Some(1): overskriften er ikke adskilt med semikolon (fandt komma eller tabulator) | brug ; som separator, som i kommunekode;sagsid;cpr;ydelse;…",
            "ujaevn_raekke @Some(3): linje 3 har 7 felter, overskriften har 11 | tjek for semikolon inde i et felt (sæt feltet i anførselstegn) eller manglende felter",
            "kolonne_mangler @Some(1): påkrævet kolonne mangler: ydelse | overskriften skal mindst have kommunekode;sagsid;ydelse;startdato og enten cpr eller udlaendingenr;foedselsdato;koen",
            "kolonne_dublet @Some(1): kolonnen `sagsid` findes to gange i overskriften | fjern den ene af de to kolonner",
            "ikke_utf8 @Some(3): linje 3 er ikke gyldig UTF-8 | gem filen som UTF-8, eller angiv --encoding windows-1252 hvis den kommer fra et ældre system",
            "felt_for_langt @Some(2): linje 2, kolonne sagsid: feltet er 5000 tegn (højst 1000) | filen er sandsynligvis beskadiget, eller et anførselstegn mangler sin afslutning",
            "forkert_kommune @Some(3): linje 3: posten tilhører kommune 147, men filen er leveret af 101 | hver kommune leverer sine egne sager (Ishøj for Vallensbæk og Tårnby for Dragør undtaget); tjek filnavn og indhold",
            "kommune_ukendt @Some(2): linje 2: kommunekode `999` findes ikke | kommunekoden skal være tre cifre fra reference-data/kommuner.csv, fx 101",
            "kommune_ukendt @None: kommunekode 999 i filnavnet findes ikke | kommunekoden skal være en af de 98 koder i reference-data/kommuner.csv",
            "forkert_maaned @None: 1 af 1 poster starter efter 2024-02, som filnavnet angiver | tjek måneden i filnavnet (2024-02); en levering dækker sager til og med sin måned",
            "filnavn_ugyldigt @None: filnavnet `leverance.csv` følger ikke formen <kommunekode>_<ÅÅÅÅ-MM>[_N].csv | omdøb filen, fx 101_2024-03.csv (eller 101_2024-03_2.csv for en genlevering; løbenummeret N er 2-99)",
        ]
    "#]]
    .assert_debug_eq(&got);
}

#[test]
fn windows_1252_on_request() {
    let reference = Reference::embedded().unwrap();
    let bytes = [format!("{HEAD}\n").as_bytes(), b"101;S\xF8ren-1;0101901235;;;;1.1;6;2024-03-01;;\n"].concat();
    let k = validate_bytes("101_2024-03.csv", &bytes, &reference, Encoding::Windows1252).kvittering;
    assert_eq!((k.accepterede, k.afviste), (1, 0));
    let bom =
        [b"\xEF\xBB\xBF".as_slice(), format!("{HEAD}\n101;A;0101901235;;;;1.1;6;2024-03-01;;\n").as_bytes()].concat();
    let k = validate_bytes("101_2024-03.csv", &bom, &reference, Encoding::Utf8).kvittering;
    assert_eq!(k.accepterede, 1, "a UTF-8 BOM is accepted");
}

#[test]
fn column_names_are_case_insensitive_and_unknown_ones_are_noted() {
    let head = HEAD.to_uppercase().replace("SLETTET", "Slettet") + ";ekstra";
    let k = receipt("101_2024-03.csv", &format!("{head}\n101;A1;0101901235;;;;1.1;6;2024-03-01;;;z\n"));
    assert_eq!(k.accepterede, 1);
    assert_eq!(k.status, godkend_ingest::Status::Godkendt, "an unknown column is info, not a finding");
    assert_eq!(k.fund[0].kode.code(), "kolonne_ukendt");
}

#[test]
fn no_cpr_in_any_receipt() {
    // CPR numbers in every place a careless system might put one: the id, the sagsid, a broken date.
    let body = csv(&[
        "101;0101901235;0101901235;;;;1.1;6;2024-03-01;;",
        "101;X1;0101901235;;;;1.1;6;0101901235;;",
        "101;X2;3113901234;;;;1.1;6;2024-03-01;;",
        "101;X3;0101901235;;;;0101901235;6;2024-03-01;;",
        "101;X4;0101901235;;;;1.1;010190-1235;2024-03-01;;",
    ]);
    let k = receipt("101_2024-03.csv", &body);
    assert_eq!(k.afviste, 5, "a CPR in the sagsid rejects the record too");
    for text in [k.to_text(), k.to_json()] {
        for cpr in ["0101901235", "010190-1235", "3113901234"] {
            assert!(!text.contains(cpr), "{cpr} leaked into:\n{text}");
        }
    }
    let fatal_text = fatal("101_2024-03.csv", format!("{HEAD}\n0101901235;A;;;;;1.1;6;2024-03-01;;\n").as_bytes());
    assert!(!fatal_text.contains("0101901235"), "{fatal_text}");
}

#[test]
fn parquet_delivery_reads_like_csv() {
    use polars_core::prelude::*;
    use polars_io::prelude::*;
    let cols: Vec<Column> = HEAD
        .split(';')
        .zip(["101", "A1", "0101901235", "", "", "", "1.1", "", "2024-03-01", "", ""])
        .map(|(name, v)| Series::new(name.into(), [v]).into())
        .collect();
    let mut df = DataFrame::new(1, cols).unwrap();
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes).finish(&mut df).unwrap();
    let reference = Reference::embedded().unwrap();
    let k = validate_bytes("101_2024-03.parquet", &bytes, &reference, Encoding::Utf8).kvittering;
    assert_eq!((k.raekker, k.accepterede), (1, 1));
    assert_eq!(k.antal(godkend_model::FundKode::MaalgruppeMangler), 1);
    assert_eq!(k.fund[0].eksempler[0].linje, 1, "Parquet rows are numbered from 1");
}

#[test]
fn a_sagsid_carrying_a_cpr_is_a_rejected_record_named_by_line_only() {
    let k = receipt(
        "101_2024-03.csv",
        &csv(&[
            "101;S-0101801234;0101901235;;;;1.1;6;2024-03-01;;",
            "101;010180-1234;0101901235;;;;1.1;6;2024-03-01;;",
            "101;X01018012345;0101901237;;;;1.1;6;2024-03-01;;",
            // Ten digits that are no date (day 32) and a 7-digit case number are ordinary sagsid.
            "101;3201801234;0101901235;;;;1.1;6;2024-03-01;;",
            "101;101-0000001;0101901237;;;;1.1;6;2024-03-01;;",
        ]),
    );
    assert_eq!((k.accepterede, k.afviste), (2, 3));
    assert_eq!(k.antal(godkend_model::FundKode::SagsidCpr), 3);
    let lines: Vec<usize> = k.fund.iter().flat_map(|f| f.eksempler.iter().map(|e| e.linje)).collect();
    assert_eq!(lines, [2, 3, 4]);
    let all = k.to_text() + &k.to_json();
    for cpr in ["0101801234", "010180-1234", "01018012345"] {
        assert!(!all.contains(cpr), "{cpr} in the receipt:\n{all}");
    }
}

#[test]
fn a_parquet_claiming_more_rows_than_a_delivery_can_have_is_rejected_before_decoding() {
    use polars_core::prelude::*;
    use polars_io::prelude::*;
    let n = godkend_ingest::table::MAX_ROWS + 1;
    let cols: Vec<Column> = HEAD
        .split(';')
        .zip(["101", "A1", "0101901235", "", "", "", "1.1", "", "2024-03-01", "", ""])
        .map(|(name, v)| Series::new(name.into(), [v]).new_from_index(0, n).into())
        .collect();
    let mut df = DataFrame::new(n, cols).unwrap();
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes).with_compression(ParquetCompression::Zstd(None)).finish(&mut df).unwrap();
    let reference = Reference::embedded().unwrap();
    let k = validate_bytes("101_2024-03.parquet", &bytes, &reference, Encoding::Utf8).kvittering;
    let fatal = k.fatal.expect("rejected");
    assert_eq!(fatal.kode, godkend_model::FundKode::LeveringForStor);
    assert_eq!(fatal.tekst, "filen angiver 500001 rækker (højst 500000)");
}

#[test]
fn a_delivery_month_after_the_month_of_ingest_is_rejected() {
    use godkend_ingest::validate::validate_file;
    let tmp = tempfile::tempdir().unwrap();
    let reference = Reference::embedded().unwrap();
    let november = godkend_model::Maaned::new(2026, 11);
    for (name, accepted) in [("101_2099-01.csv", false), ("101_2026-12.csv", false), ("101_2026-11.csv", true)] {
        let path = tmp.path().join(name);
        std::fs::write(&path, csv(&["101;A1;0101901235;;;;1.1;6;2024-03-01;;"])).unwrap();
        let k = validate_file(&path, &reference, Encoding::Utf8, november).kvittering;
        assert_eq!(k.fatal.is_none(), accepted, "{name}");
        if !accepted {
            assert_eq!(k.fatal.unwrap().kode, godkend_model::FundKode::MaanedIFremtiden, "{name}");
        }
    }
}

/// The line a receipt names is the one the data officer's editor shows: Windows line ends (`\r\n`), old
/// Mac ones (`\r`), empty lines and line ends inside a quoted field included. Before, a `\r\n` file's
/// errors were named one line too early per line before them (the third line's as line 2), and an empty
/// line shifted every later one.
#[test]
fn the_line_named_is_the_line_in_the_file_whatever_ends_the_lines() {
    let good = "101;A1;0101901235;;;;1.1;6;2024-03-01;;";
    let bad = "101;A2;0101901236;;;;9.99;6;2024-03-01;;";
    let lines = |body: String| -> Vec<usize> {
        let k = receipt("101_2024-03.csv", &body);
        k.fund.iter().flat_map(|f| f.eksempler.iter().map(|e| e.linje)).collect()
    };
    assert_eq!(lines(format!("{HEAD}\n{good}\n{bad}\n")), [3]);
    assert_eq!(lines(format!("{HEAD}\r\n{good}\r\n{bad}\r\n")), [3], "\\r\\n");
    assert_eq!(lines(format!("{HEAD}\r{good}\r{bad}\r")), [3], "\\r");
    assert_eq!(lines(format!("{HEAD}\r\n\r\n{good}\r\n\r\n{bad}\r\n")), [5], "empty lines");
    let quoted = "101;\"A\r\n1\";0101901235;;;;1.1;6;2024-03-01;;";
    assert_eq!(lines(format!("{HEAD}\r\n{quoted}\r\n{bad}\r\n")), [4], "after a two-line quoted field");

    let f = fatal("101_2024-03.csv", format!("\r\n{HEAD};sagsid\r\n{good};x\r\n").as_bytes());
    assert!(f.starts_with("kolonne_dublet @Some(2):"), "a header after an empty line is line 2: {f}");

    let short = "101;A3;0101901235;;;;1.1";
    let f = fatal("101_2024-03.csv", format!("{HEAD}\r\n{good}\r\n{short}\r\n").as_bytes());
    assert!(f.starts_with("ujaevn_raekke @Some(3): linje 3 har 7 felter"), "{f}");
    let not_utf8 = [format!("{HEAD}\r{good}\r").as_bytes(), b"101;\xF8;0101901235;;;;1.1;6;2024-03-01;;\r"].concat();
    let f = fatal("101_2024-03.csv", &not_utf8);
    assert!(f.starts_with("ikke_utf8 @Some(3): linje 3 er"), "{f}");
}
