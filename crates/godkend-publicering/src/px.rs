//! PC-Axis (PX), the format StatBank loads: keywords `KEY="value";`, then `DATA=` with the values of
//! the table in order — the stub variables slowest, the heading variable fastest — a suppressed value
//! written `".."` and a true zero `"-"`. UTF-8 (`CODEPAGE="utf-8"`), Danish texts, no clock (the
//! creation date is the report's dispatch date).

use crate::gitter::{Celle, Status};

/// One variable: its name, and its values as (code, text).
pub struct Variabel<'a> {
    pub navn: &'a str,
    pub vaerdier: Vec<(String, String)>,
}

/// A value as published: a figure (already formatted with the table's decimals), a true zero, or
/// suppressed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Vaerdi {
    Tal(String),
    Nul,
    Skjult,
}

impl Vaerdi {
    /// A count cell.
    pub fn of(c: Celle) -> Vaerdi {
        match c.status {
            Status::Vist if c.vaerdi == 0 => Vaerdi::Nul,
            Status::Vist => Vaerdi::Tal(c.vaerdi.to_string()),
            _ => Vaerdi::Skjult,
        }
    }

    /// As PX writes it.
    fn px(&self) -> String {
        match self {
            Vaerdi::Tal(t) => t.clone(),
            Vaerdi::Nul => "\"-\"".into(),
            Vaerdi::Skjult => "\"..\"".into(),
        }
    }

    /// As the CSV writes it.
    pub fn csv(&self) -> &str {
        match self {
            Vaerdi::Tal(t) => t,
            Vaerdi::Nul => "-",
            Vaerdi::Skjult => "..",
        }
    }
}

/// What the file says about itself.
pub struct Meta<'a> {
    /// Decimals of the figures (0 for persons, 2 for full-time equivalents).
    pub decimaler: u8,
    pub matrix: &'a str,
    pub titel: &'a str,
    pub indhold: &'a str,
    pub enhed: &'a str,
    pub kilde: &'a str,
    pub noter: Vec<String>,
    /// `YYYY-MM-DD`.
    pub dato: &'a str,
}

fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "'"))
}

fn list(items: impl Iterator<Item = String>) -> String {
    items.map(|s| quoted(&s)).collect::<Vec<_>>().join(",")
}

/// The PX text of a table with stub variables `stub` (the first slowest) and one heading variable;
/// `cell(stub positions, k)` gives the cell of those stub values and heading value k.
pub fn write(meta: &Meta, stub: &[&Variabel], heading: &Variabel, cell: &dyn Fn(&[usize], usize) -> Vaerdi) -> String {
    let mut out = String::new();
    let mut kw = |k: &str, v: String| out.push_str(&format!("{k}={v};\n"));
    kw("CHARSET", quoted("ANSI"));
    kw("AXIS-VERSION", quoted("2013"));
    kw("CODEPAGE", quoted("utf-8"));
    kw("LANGUAGE", quoted("da"));
    kw("CREATION-DATE", quoted(&format!("{} 00:00", meta.dato.replace('-', ""))));
    kw("DECIMALS", meta.decimaler.to_string());
    kw("SHOWDECIMALS", meta.decimaler.to_string());
    kw("MATRIX", quoted(meta.matrix));
    kw("SUBJECT-CODE", quoted("SOC"));
    kw("SUBJECT-AREA", quoted("Sociale forhold"));
    kw("CONTENTS", quoted(meta.indhold));
    kw("TITLE", quoted(meta.titel));
    kw("UNITS", quoted(meta.enhed));
    kw("STUB", list(stub.iter().map(|v| v.navn.to_string())));
    kw("HEADING", quoted(heading.navn));
    for v in stub.iter().chain(std::iter::once(&heading)) {
        kw(&format!("VALUES({})", quoted(v.navn)), list(v.vaerdier.iter().map(|(_, t)| t.clone())));
        kw(&format!("CODES({})", quoted(v.navn)), list(v.vaerdier.iter().map(|(c, _)| c.clone())));
    }
    kw("SOURCE", quoted(meta.kilde));
    if !meta.noter.is_empty() {
        kw("NOTE", meta.noter.iter().map(|n| quoted(n)).collect::<Vec<_>>().join("\n"));
    }
    out.push_str("DATA=\n");
    for idx in rows(stub) {
        let row: Vec<String> = (0..heading.vaerdier.len()).map(|k| cell(&idx, k).px()).collect();
        out.push_str(&row.join(" "));
        out.push('\n');
    }
    out.push_str(";\n");
    out
}

/// Every combination of the stub variables' positions, the first variable slowest.
pub fn rows(stub: &[&Variabel]) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new()];
    for v in stub {
        out = out.into_iter().flat_map(|p| (0..v.vaerdier.len()).map(move |i| [p.clone(), vec![i]].concat())).collect();
    }
    out
}
