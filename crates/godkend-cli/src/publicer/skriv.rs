//! Writing one publication table: the PX file, the CSV (;) with codes, the Parquet file and the
//! metadata file, all from one function that gives each cell's published value.

use crate::failure::Failure;
use godkend_publicering::px;
use std::path::Path;

/// One table as it is written.
pub struct Udgave<'a> {
    pub matrix: &'a str,
    pub titel: String,
    pub indhold: &'a str,
    pub enhed: &'a str,
    pub decimaler: u8,
    pub noter: Vec<String>,
    /// The stub variables (slowest first) and the heading variable.
    pub stub: Vec<&'a px::Variabel<'a>>,
    pub heading: &'a px::Variabel<'a>,
    /// The CSV and Parquet column name of each stub variable, then of the heading.
    pub kolonner: Vec<&'a str>,
    pub vaerdi: &'a dyn Fn(&[usize], usize) -> px::Vaerdi,
    /// What the metadata file says beside title, unit, source and notes.
    pub metadata: serde_json::Value,
}

/// Writes `<out>/<matrix>-<year>.px`, `.csv`, `.parquet` and `-metadata.json`.
pub fn skriv(u: &Udgave, out: &Path, year: i32, dato: &str) -> Result<(), Failure> {
    let meta = px::Meta {
        decimaler: u.decimaler,
        matrix: u.matrix,
        titel: &u.titel,
        indhold: u.indhold,
        enhed: u.enhed,
        kilde: "Danmarks Statistik",
        noter: u.noter.clone(),
        dato,
    };
    let stem = out.join(format!("{}-{year}", u.matrix));
    let text = px::write(&meta, &u.stub, u.heading, u.vaerdi);
    godkend_store::fil::write_atomic(&stem.with_extension("px"), text.as_bytes())?;

    let mut csv = format!("{};vaerdi\n", u.kolonner.join(";"));
    let mut cells = Vec::new();
    for idx in px::rows(&u.stub) {
        for k in 0..u.heading.vaerdier.len() {
            let mut koder: Vec<&str> = idx.iter().zip(&u.stub).map(|(&i, v)| v.vaerdier[i].0.as_str()).collect();
            koder.push(&u.heading.vaerdier[k].0);
            let vaerdi = (u.vaerdi)(&idx, k);
            csv.push_str(&format!("{};{}\n", koder.join(";"), vaerdi.csv()));
            cells.push(godkend_publicering::parquet::Raekke { koder, vaerdi });
        }
    }
    godkend_store::fil::write_atomic(&stem.with_extension("csv"), csv.as_bytes())?;
    let parquet = godkend_publicering::parquet::bytes(&u.kolonner, &cells)
        .map_err(|e| Failure::new(format!("{}: Parquet: {e}", u.matrix), ""))?;
    godkend_store::fil::write_atomic(&stem.with_extension("parquet"), &parquet)?;

    let mut metadata = serde_json::json!({
        "tabel": u.matrix,
        "titel": u.titel,
        "enhed": u.enhed,
        "kilde": "Danmarks Statistik",
        "noter": u.noter,
    });
    if let (Some(m), Some(extra)) = (metadata.as_object_mut(), u.metadata.as_object()) {
        m.extend(extra.clone());
    }
    godkend_store::fil::write_atomic(
        &out.join(format!("{}-{year}-metadata.json", u.matrix)),
        format!("{metadata:#}\n").as_bytes(),
    )?;
    Ok(())
}
