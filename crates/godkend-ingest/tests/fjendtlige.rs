//! Hostile Parquet deliveries (`fixtures/fjendtlige/`, written by its `lav.py`): each once panicked the
//! decoder or took memory out of all proportion to its size. Each must be a rejected delivery that names
//! the column and what is wrong, decided from the file's footer before its pages are decoded.

use godkend_ingest::validate::{validate_bytes, validate_file};
use godkend_ingest::{Encoding, Kvittering};
use godkend_model::Reference;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/fjendtlige").join(name)
}

fn receipt(name: &str) -> Kvittering {
    let reference = Reference::embedded().unwrap();
    validate_file(&fixture(name), &reference, Encoding::Utf8, None).kvittering
}

fn fatal_text(k: &Kvittering) -> String {
    k.fatal.as_ref().map(|f| format!("{}: {}", f.kode, f.tekst)).unwrap_or_else(|| "accepted".into())
}

#[test]
fn a_decimal_column_is_rejected_by_name_not_a_panic() {
    // Before: exit 101 inside polars ("activate 'dtype-decimal' feature"), no receipt.
    let k = receipt("101_2024-01.parquet");
    assert_eq!(fatal_text(&k), "fil_ulaeselig: kolonnen `kommunekode` har typen decimal(3,0)");
}

#[test]
fn a_categorical_column_is_rejected_by_name() {
    let k = receipt("101_2024-04.parquet");
    assert_eq!(fatal_text(&k), "fil_ulaeselig: kolonnen `ydelse` har typen kategori (dictionary)");
}

#[test]
fn a_column_that_decodes_far_beyond_the_budget_is_rejected_before_decoding() {
    // 49 KB on disk, 977 MB of pages once decompressed.
    let k = receipt("101_2024-02.parquet");
    assert_eq!(fatal_text(&k), "levering_for_stor: leveringens kolonner fylder 977 MB udpakket (højst 160 MB)");
}

#[test]
fn one_long_string_shared_through_a_dictionary_is_an_absurd_field_not_gigabytes() {
    // 51 KB on disk, one 1 MB dictionary entry behind 2,000 rows: 2 GB if copied per row.
    let k = receipt("101_2024-05.parquet");
    assert!(
        fatal_text(&k).starts_with("felt_for_langt: linje 1, kolonne sagsid: feltet er 1048576 tegn"),
        "{}",
        fatal_text(&k)
    );
}

#[test]
fn thousands_of_unknown_columns_are_named_not_decoded() {
    use polars_core::prelude::*;
    use polars_io::prelude::*;
    let head = ["kommunekode", "sagsid", "cpr", "ydelse", "maalgruppe", "startdato"];
    let values = ["101", "A1", "0101901235", "1.1", "6", "2024-03-01"];
    let mut cols: Vec<Column> =
        head.iter().zip(values).map(|(name, v)| Series::new((*name).into(), [v]).into()).collect();
    cols.extend((0..16_000).map(|i| Column::from(Series::new(format!("x{i}").into(), ["y".repeat(20)]))));
    let mut df = DataFrame::new(1, cols).unwrap();
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes).finish(&mut df).unwrap();
    let reference = Reference::embedded().unwrap();
    let k = validate_bytes("101_2024-03.parquet", &bytes, &reference, Encoding::Utf8).kvittering;
    assert_eq!(fatal_text(&k), "accepted");
    assert_eq!((k.raekker, k.accepterede), (1, 1));
}
