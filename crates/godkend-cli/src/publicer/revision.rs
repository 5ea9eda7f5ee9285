//! Revisions: every figure of `HANDGK1` published before that is now another figure, or no longer
//! published, against the last publication's CSV.

use crate::failure::Failure;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const HINT: &str = "--forrige-publicering tager mappen med den forrige publicerings filer";

/// The cells of a publication's CSV (`omraade;ydelse;kvartal;vaerdi`), by key.
fn read_csv(path: &Path) -> Result<BTreeMap<(String, String, String), String>, Failure> {
    let text = godkend_model::sidefil::read_to_string(path)
        .map_err(|e| Failure::new(format!("{}: {}", path.display(), godkend_model::tekst::io_fejl(&e)), HINT))?;
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split(';').collect();
        if f.len() != 4 {
            return Err(Failure::new(
                format!("{}:{}: {} felter, ventede 4", path.display(), i + 1, f.len()),
                "filen skal være en HANDGK1-CSV skrevet af godkend publicer",
            ));
        }
        out.insert((f[0].to_string(), f[1].to_string(), f[2].to_string()), f[3].to_string());
    }
    Ok(out)
}

/// The newest `HANDGK1-<år>.csv` of the last publication's folder.
fn previous_csv(dir: &Path) -> Result<PathBuf, Failure> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Failure::new(format!("{}: {}", dir.display(), godkend_model::tekst::io_fejl(&e)), HINT))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.file_name().unwrap_or_default().to_string_lossy();
            n.starts_with("HANDGK1-") && n.ends_with(".csv") && n.len() == "HANDGK1-2025.csv".len()
        })
        .collect();
    found.sort();
    found.pop().ok_or_else(|| Failure::new(format!("{}: ingen HANDGK1-<år>.csv", dir.display()), HINT))
}

/// Writes `HANDGK1-<år>-revisioner.csv` in `out` from the last publication in `dir` and the new
/// `now` CSV; returns how many figures changed.
pub fn revisioner(dir: &Path, now: &Path, out: &Path, year: i32) -> Result<usize, Failure> {
    let before = read_csv(&previous_csv(dir)?)?;
    let now = read_csv(now)?;
    let mut text = String::from("omraade;ydelse;kvartal;foer;efter;forskel\n");
    let mut n = 0;
    for (key, old) in &before {
        let Some(new) = now.get(key) else { continue };
        let num = |v: &str| if v == "-" { Some(0i64) } else { v.parse::<i64>().ok() };
        if old == ".." || old == new {
            continue;
        }
        let diff = match (num(old), num(new)) {
            (Some(o), Some(x)) => (x - o).to_string(),
            _ => String::new(),
        };
        text.push_str(&format!("{};{};{};{old};{new};{diff}\n", key.0, key.1, key.2));
        n += 1;
    }
    godkend_store::fil::write_atomic(&out.join(format!("HANDGK1-{year}-revisioner.csv")), text.as_bytes())?;
    Ok(n)
}
