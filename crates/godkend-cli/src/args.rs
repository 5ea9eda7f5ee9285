//! The options several commands share, declared once, and the value parsers that check them: a report
//! year, a go-live date, a municipality code. Naming rule (ARCHITECTURE.md, "Language"): each option has
//! one name and the other language as an alias — `--comments`/`--kommentarer`,
//! `--approved`/`--godkendte`, `--store`/`--lager`, `--year`/`--aar`, `--out`/`--ud` and so on.

use godkend_round::RunOptions;
use std::path::{Path, PathBuf};

/// The case store written by `godkend ingest`.
#[derive(clap::Args, Clone, Debug)]
pub struct Store {
    /// Sagslageret, som `godkend ingest` skriver.
    #[arg(long, visible_alias = "lager", value_name = "MAPPE")]
    pub store: PathBuf,
}

/// A report year (its four quarters are flagged).
#[derive(clap::Args, Clone, Debug)]
pub struct Year {
    /// Rapportåret (dets fire kvartaler markeres).
    #[arg(long, visible_alias = "aar", value_name = "ÅÅÅÅ", value_parser = report_year)]
    pub year: i32,
}

/// An output folder (created if missing).
#[derive(clap::Args, Clone, Debug)]
pub struct Out {
    /// Udmappe (oprettes, hvis den mangler).
    #[arg(long, visible_alias = "ud", value_name = "MAPPE")]
    pub out: PathBuf,
}

impl Out {
    /// Creates the folder for the outputs of `store`; the error names it. The folder remembers its store
    /// (`.godkend/lager`): outputs of another store are refused rather than mixed with these.
    pub fn create(&self, store: &Path) -> Result<&Path, crate::failure::Failure> {
        use crate::failure::Failure;
        std::fs::create_dir_all(&self.out)
            .map_err(|e| Failure::new(format!("{}: {e}", self.out.display()), "vælg en udmappe, du kan skrive i"))?;
        let marker = self.out.join(".godkend").join("lager");
        let this = std::fs::canonicalize(store).unwrap_or_else(|_| store.to_path_buf()).display().to_string();
        match std::fs::read_to_string(&marker) {
            Ok(other) if other.trim() != this => Err(Failure::new(
                format!("--out {} indeholder et andet lagers uddata ({})", self.out.display(), other.trim()),
                "giv hvert lager sin egen udmappe; to lagre i én mappe ville overskrive hinandens rapporter",
            )),
            Ok(_) => Ok(&self.out),
            Err(_) => {
                let _ = std::fs::create_dir_all(self.out.join(".godkend"));
                godkend_store::fil::write_atomic(&marker, format!("{this}\n").as_bytes())?;
                Ok(&self.out)
            }
        }
    }
}

/// The side inputs of the approval round (`run`, `report`; `statusbrev` takes the comments and the
/// previous report).
#[derive(clap::Args, Clone, Debug)]
pub struct Round {
    /// Kommunernes kommentarer: CSV (;) eller XLSX med kommunekode, ydelse, kvartal, regel, kommentar
    /// (fx de returnerede regneark `-markeringer.xlsx`). Gentag tilvalget, eller angiv en mappe med filerne.
    #[arg(long, visible_alias = "kommentarer", value_name = "FIL|MAPPE")]
    pub comments: Vec<PathBuf>,
    /// Sidste års udmappe: revisioner af de tal, der blev godkendt dengang, markeres.
    #[arg(long, visible_alias = "godkendte", value_name = "MAPPE")]
    pub approved: Option<PathBuf>,
    /// En tidligere udmappe for samme år: hver markering vises som ny, uændret, ændret eller løst i forhold
    /// til den, og kommentarerne derfra følger deres markering.
    #[arg(long, visible_alias = "previous", value_name = "MAPPE")]
    pub forrige: Option<PathBuf>,
    /// De modtagne godkendelser: CSV (;) med kommunekode;dato;godkendt_af.
    #[arg(long, visible_alias = "approvals", value_name = "FIL")]
    pub godkendelser: Option<PathBuf>,
    #[command(flatten)]
    pub dialog: Dialog,
}

/// The dialogue store of the portal (`godkend serve`): comments and approvals given there.
#[derive(clap::Args, Clone, Debug)]
pub struct Dialog {
    /// Portalens dialoglager (SQLite): dets kommentarer og godkendelser lægges til filernes.
    #[arg(long, value_name = "FIL")]
    pub dialog: Option<PathBuf>,
}

impl Dialog {
    /// The comments and approvals of `year` in the dialogue store, if one is named. The store must
    /// exist: a mistyped name must not make an empty one and report every mark as unanswered.
    pub fn svar(&self, year: i32) -> Result<godkend_round::Dialogsvar, crate::failure::Failure> {
        let Some(path) = &self.dialog else {
            return Ok(godkend_round::Dialogsvar::default());
        };
        if !path.is_file() {
            return Err(crate::failure::Failure::new(
                format!("--dialog {}: findes ikke", path.display()),
                "angiv portalens dialoglager (den fil, godkend serve --dialog skriver)",
            ));
        }
        Ok(godkend_dialog::Dialog::open(path)?.svar(year)?)
    }
}

impl Round {
    /// The round's options for `year`, the national counts kept in `kept`.
    pub fn options(&self, year: i32, kept: Option<PathBuf>) -> Result<RunOptions, crate::failure::Failure> {
        Ok(RunOptions { dialog: self.dialog.svar(year)?, ..self.file_options(year, kept) })
    }

    /// The options from files only (the portal reads its dialogue store live).
    pub fn file_options(&self, year: i32, kept: Option<PathBuf>) -> RunOptions {
        RunOptions {
            year,
            comments: self.comments.clone(),
            approved: self.approved.clone(),
            forrige: self.forrige.clone(),
            godkendelser: self.godkendelser.clone(),
            kept,
            dialog: godkend_round::Dialogsvar::default(),
        }
    }
}

/// A report year from 2013 (the first year of the register) to 2100.
pub fn report_year(s: &str) -> Result<i32, String> {
    match s.parse::<i32>() {
        Ok(y) if (2013..=2100).contains(&y) => Ok(y),
        _ => Err(format!("{} er ikke et rapportår (2013–2100), fx 2025", godkend_model::tekst::shown(s))),
    }
}

/// A municipality code as digits (whether it is a municipality is checked against the reference data).
pub fn kommunekode(s: &str) -> Result<u16, String> {
    s.trim().parse::<u16>().map_err(|_| format!("{} er ikke en kommunekode, fx 101", godkend_model::tekst::shown(s)))
}

/// A date `YYYY-MM-DD` after the first day the register holds (2013-10-01).
pub fn dato_efter_start(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|d| *d > godkend_model::earliest_start())
        .ok_or_else(|| format!("{} er ikke en dato efter 2013-10-01, fx 2025-04-01", godkend_model::tekst::shown(s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_checked_where_they_are_parsed() {
        assert_eq!(report_year("2025"), Ok(2025));
        assert!(report_year("1999").unwrap_err().contains("ikke et rapportår"));
        assert!(report_year("20x5").is_err());
        assert_eq!(kommunekode(" 101 "), Ok(101));
        assert!(kommunekode("KBH").is_err());
        assert_eq!(dato_efter_start("2025-04-01").unwrap().to_string(), "2025-04-01");
        assert!(dato_efter_start("2013-10-01").is_err());
        assert!(dato_efter_start("2025-02-30").is_err());
    }
}
