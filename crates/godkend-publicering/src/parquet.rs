//! A publication table as Parquet: one row per cell with `omraade`, `ydelse`, `kvartal` (codes),
//! `vaerdi` (null where suppressed) and `status` (`vist`, `nul`, `skjult`), for those who read tables
//! with DuckDB, polars or Spark rather than PX.

use crate::px::Vaerdi;
use polars::prelude::*;

/// One cell: its three codes and its value as published.
pub struct Raekke<'a> {
    pub omraade: &'a str,
    pub ydelse: &'a str,
    pub kvartal: &'a str,
    pub vaerdi: Vaerdi,
}

/// The table's Parquet bytes (zstd).
pub fn bytes(rows: &[Raekke]) -> Result<Vec<u8>, String> {
    let col = |f: &dyn Fn(&Raekke) -> String| rows.iter().map(f).collect::<Vec<String>>();
    let values: Vec<Option<f64>> = rows
        .iter()
        .map(|r| match &r.vaerdi {
            Vaerdi::Tal(t) => t.parse().ok(),
            Vaerdi::Nul => Some(0.0),
            Vaerdi::Skjult => None,
        })
        .collect();
    let status = col(&|r| match r.vaerdi {
        Vaerdi::Tal(_) => "vist".into(),
        Vaerdi::Nul => "nul".into(),
        Vaerdi::Skjult => "skjult".into(),
    });
    let mut df = DataFrame::new(
        rows.len(),
        vec![
            Series::new("omraade".into(), col(&|r| r.omraade.to_string())).into(),
            Series::new("ydelse".into(), col(&|r| r.ydelse.to_string())).into(),
            Series::new("kvartal".into(), col(&|r| r.kvartal.to_string())).into(),
            Series::new("vaerdi".into(), values).into(),
            Series::new("status".into(), status).into(),
        ],
    )
    .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    ParquetWriter::new(&mut out)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(&mut df)
        .map_err(|e| e.to_string())?;
    Ok(out)
}
