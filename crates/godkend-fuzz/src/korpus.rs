//! The seeds each target's mutations start from: small valid files of each kind, made here so that they
//! follow the formats as the code reads them today.

use crate::maal::Maal;

const HEAD: &str =
    "kommunekode;sagsid;cpr;udlaendingenr;foedselsdato;koen;ydelse;maalgruppe;startdato;slutdato;slettet";

const ROWS: [&str; 5] = [
    "101;A1;0101901235;;;;1.1;6;2024-03-01;;",
    "101;A2;010190-1236;;;;1.8.1;1;01-02-2015;2024-03-31;",
    "101;B1;;U77;2012-05-05;K;BL90-2;;2024-02-29;;",
    "147;C1;0101901237;;;;1.1;6;2024-03-01;;",
    "101;A1;;;;;;;;;ja",
];

/// The seeds of `maal`.
pub fn seeds(maal: Maal) -> Vec<Vec<u8>> {
    match maal {
        Maal::LeveringCsv => vec![delivery_csv(&ROWS).into_bytes(), delivery_csv(&ROWS[..1]).into_bytes()],
        Maal::LeveringParquet => vec![delivery_parquet(&ROWS[..4]), delivery_parquet(&ROWS[..1])],
        Maal::KommentarerCsv => vec![
            "kommunekode;ydelse;kvartal;regel;kommentar\n101;1.1;2025K1;aar_til_aar;Borgeren er flyttet\n".into(),
            "id;kommentar\n101-2025K1-1.1-AA;Ny institution\n".into(),
            "\u{FEFF}kommunekode;ydelse;kvartal;regel;kommentar\n147;;2025K2;systemskifte;Nyt system\n".into(),
        ],
        Maal::KommentarerXlsx => vec![comments_xlsx()],
        Maal::Godkendelser => vec!["kommunekode;dato;godkendt_af\n101;2026-03-20;A. Hansen\n147;2026-04-02;B\n".into()],
    }
}

fn delivery_csv(rows: &[&str]) -> String {
    let mut s = format!("{HEAD}\n");
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

fn delivery_parquet(rows: &[&str]) -> Vec<u8> {
    use polars_core::prelude::*;
    use polars_io::prelude::*;
    let names: Vec<&str> = HEAD.split(';').collect();
    let cells: Vec<Vec<&str>> = rows.iter().map(|r| r.split(';').collect()).collect();
    let cols: Vec<Column> = names
        .iter()
        .enumerate()
        .map(|(i, name)| Series::new((*name).into(), cells.iter().map(|r| r[i]).collect::<Vec<_>>()).into())
        .collect();
    let mut df = DataFrame::new(rows.len(), cols).expect("columns of one length");
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes).finish(&mut df).expect("a Parquet file in memory");
    bytes
}

fn comments_xlsx() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let rows = [
        ["kommunekode", "ydelse", "kvartal", "regel", "kommentar"],
        ["101", "1.1", "2025K1", "aar_til_aar", "Borgeren 0101801234 er flyttet"],
        ["147", "", "2025K2", "systemskifte", "Nyt system"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *v).expect("a cell");
        }
    }
    wb.save_to_buffer().expect("a workbook in memory")
}
