//! A publication table as Parquet: one row per cell with its codes (`omraade`, `ydelse`, `kvartal`, …),
//! `vaerdi` (null where suppressed) and `status` (`vist`, `nul`, `skjult`), for those who read tables
//! with DuckDB, polars or Spark rather than PX.

use crate::px::Vaerdi;
use polars_core::prelude::*;
use polars_io::prelude::*;

/// One cell: its codes (one per column name) and its value as published.
pub struct Raekke<'a> {
    pub koder: Vec<&'a str>,
    pub vaerdi: Vaerdi,
}

/// The table's Parquet bytes (zstd): a text column per name in `navne`, then `vaerdi` and `status`.
pub fn bytes(navne: &[&str], rows: &[Raekke]) -> Result<Vec<u8>, String> {
    let values: Vec<Option<f64>> = rows
        .iter()
        .map(|r| match &r.vaerdi {
            Vaerdi::Tal(t) => t.parse().ok(),
            Vaerdi::Nul => Some(0.0),
            Vaerdi::Skjult => None,
        })
        .collect();
    let status: Vec<&str> = rows
        .iter()
        .map(|r| match r.vaerdi {
            Vaerdi::Tal(_) => "vist",
            Vaerdi::Nul => "nul",
            Vaerdi::Skjult => "skjult",
        })
        .collect();
    let mut columns: Vec<Column> = navne
        .iter()
        .enumerate()
        .map(|(i, n)| Series::new((*n).into(), rows.iter().map(|r| r.koder[i]).collect::<Vec<&str>>()).into())
        .collect();
    columns.push(Series::new("vaerdi".into(), values).into());
    columns.push(Series::new("status".into(), status).into());
    let mut df = DataFrame::new(rows.len(), columns).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    ParquetWriter::new(&mut out)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(&mut df)
        .map_err(|e| e.to_string())?;
    Ok(out)
}
