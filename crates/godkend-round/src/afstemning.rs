//! Reconciling a municipality's own extract with the cases DST holds (docs/portal.md, "Alle data"):
//! the extract (`sagsid;ydelse;startdato;slutdato`, CSV with `;`) is compared with the store by sagsid,
//! and every difference is listed by kind. Never a CPR or a pseudonym: only what the extract has.

use crate::afviste::AfvistRaekke;
use godkend_model::tekst::{capped, renset};
use godkend_store::Sag;
use std::collections::{BTreeMap, BTreeSet};

/// One line of the municipality's extract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Udtraek {
    pub linje: usize,
    pub sagsid: String,
    pub ydelse: String,
    pub startdato: String,
    pub slutdato: String,
}

/// What kind of difference, in the order they are listed (those in both first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Art {
    /// Both have it, with different services.
    AndenYdelse,
    /// Both have it, with different start or end dates.
    AndreDatoer,
    /// The extract has the case; its record was rejected in a delivery (the receipt says why).
    Afvist,
    /// The extract has the case; DST has it under another handlekommune the sender delivers for.
    AndenHandlekommune,
    /// The extract has the case; DST has no record of it.
    KunHosKommunen,
    /// DST has the case; the extract does not.
    KunHosDst,
}

impl Art {
    pub fn navn(self) -> &'static str {
        match self {
            Art::KunHosDst => "kun hos Danmarks Statistik",
            Art::KunHosKommunen => "kun i kommunens udtræk",
            Art::Afvist => "afvist i en levering",
            Art::AndenHandlekommune => "leveret for en anden handlekommune",
            Art::AndenYdelse => "forskellig ydelse",
            Art::AndreDatoer => "forskellige datoer",
        }
    }
}

/// One difference: the sagsid, its kind, and what each side says.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Forskel {
    pub sagsid: String,
    pub art: Art,
    pub dst: String,
    pub kommunen: String,
}

/// A line of the extract that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Linjefejl {
    pub linje: usize,
    pub tekst: String,
}

const COLUMNS: [&str; 4] = ["sagsid", "ydelse", "startdato", "slutdato"];
/// An extract larger than any municipality's cases many times over is not an extract.
pub const MAX_LINJER: usize = 1_000_000;

/// Reads the extract: header `sagsid;ydelse;startdato;slutdato` (any order, case-insensitive; other
/// columns ignored), UTF-8 with or without BOM. Errors name the line.
pub fn read(bytes: &[u8]) -> Result<Vec<Udtraek>, Linjefejl> {
    let err = |linje: usize, tekst: String| Linjefejl { linje, tekst };
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| err(1, "filen er ikke UTF-8; gem den som CSV UTF-8".into()))?;
    let mut lines = text.lines().enumerate();
    let header: Vec<String> = lines
        .next()
        .ok_or_else(|| err(1, "filen er tom".into()))?
        .1
        .split(';')
        .map(|h| h.trim().to_lowercase())
        .collect();
    let mut at = [0usize; 4];
    for (i, name) in COLUMNS.iter().enumerate() {
        at[i] = header.iter().position(|h| h == name).ok_or_else(|| {
            err(1, format!("kolonnen `{name}` mangler; overskriften skal være sagsid;ydelse;startdato;slutdato"))
        })?;
    }
    let mut out = Vec::new();
    for (i, line) in lines {
        let n = i + 1;
        if n > MAX_LINJER {
            return Err(err(n, format!("mere end {MAX_LINJER} linjer")));
        }
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(';').map(str::trim).collect();
        if fields.len() != header.len() {
            return Err(err(n, format!("{} felter, overskriften har {}", fields.len(), header.len())));
        }
        let field = |c: usize| renset(&capped(fields[at[c]], 64));
        let date_ok = |d: &str| d.is_empty() || chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok();
        let (start, end) = (field(2), field(3));
        if !date_ok(&start) || start.is_empty() {
            return Err(err(n, format!("startdato `{start}` er ikke en dato ÅÅÅÅ-MM-DD")));
        }
        if !date_ok(&end) {
            return Err(err(n, format!("slutdato `{end}` er ikke en dato ÅÅÅÅ-MM-DD")));
        }
        let sagsid = field(0);
        if sagsid.is_empty() {
            return Err(err(n, "sagsid er tomt".into()));
        }
        out.push(Udtraek { linje: n, sagsid, ydelse: field(1), startdato: start, slutdato: end });
    }
    Ok(out)
}

fn shown(s: &Sag) -> String {
    format!("{} {}–{}", s.ydelse, s.startdato, s.slutdato.map(|d| d.to_string()).unwrap_or_default())
}

/// Compares the extract with the municipality's cases (`ours`, deleted ones are not held), its
/// rejected records of the year, and the cases of the other municipalities its sender delivers for.
pub fn compare(ours: &[Sag], extract: &[Udtraek], afviste: &[AfvistRaekke], others: &[Sag]) -> Vec<Forskel> {
    let held: BTreeMap<&str, &Sag> = ours.iter().filter(|s| !s.slettet).map(|s| (s.sagsid.as_str(), s)).collect();
    let rejected: BTreeSet<&str> = afviste.iter().map(|a| a.sagsid.as_str()).collect();
    let elsewhere: BTreeMap<&str, &Sag> =
        others.iter().filter(|s| !s.slettet).map(|s| (s.sagsid.as_str(), s)).collect();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for u in extract {
        seen.insert(u.sagsid.as_str());
        let theirs = format!("{} {}–{}", u.ydelse, u.startdato, u.slutdato);
        let diff = |art, dst: String| Forskel { sagsid: u.sagsid.clone(), art, dst, kommunen: theirs.clone() };
        match held.get(u.sagsid.as_str()) {
            Some(s) => {
                if s.ydelse != u.ydelse {
                    out.push(diff(Art::AndenYdelse, shown(s)));
                } else if s.startdato.to_string() != u.startdato
                    || s.slutdato.map(|d| d.to_string()).unwrap_or_default() != u.slutdato
                {
                    out.push(diff(Art::AndreDatoer, shown(s)));
                }
            }
            None if rejected.contains(u.sagsid.as_str()) => out.push(diff(Art::Afvist, String::new())),
            None => match elsewhere.get(u.sagsid.as_str()) {
                // Only the other municipality's code: what DST holds for it is its own.
                Some(s) => out.push(diff(Art::AndenHandlekommune, format!("kommune {:03}", s.kommunekode))),
                None => out.push(diff(Art::KunHosKommunen, String::new())),
            },
        }
    }
    for (sagsid, s) in &held {
        if !seen.contains(sagsid) {
            out.push(Forskel {
                sagsid: sagsid.to_string(),
                art: Art::KunHosDst,
                dst: shown(s),
                kommunen: String::new(),
            });
        }
    }
    out.sort_by(|a, b| (a.art, &a.sagsid).cmp(&(b.art, &b.sagsid)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use godkend_model::Version;

    fn sag(k: u16, id: &str, ydelse: &str, start: &str, end: Option<&str>) -> Sag {
        Sag {
            kommunekode: k,
            sagsid: id.into(),
            person: 1,
            foedselsdato: chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap(),
            koen: godkend_model::Koen::Kvinde,
            ydelse: ydelse.into(),
            maalgruppe: Some(1),
            startdato: start.parse().unwrap(),
            slutdato: end.map(|d| d.parse().unwrap()),
            slettet: false,
            version: Version::from_raw(20250101),
        }
    }

    #[test]
    fn every_kind_of_difference_is_found_once() {
        let ours = vec![
            sag(183, "A", "1.1", "2024-01-01", None),
            sag(183, "B", "1.1", "2024-01-01", None),
            sag(183, "C", "1.1", "2024-01-01", Some("2024-06-30")),
            sag(183, "D", "1.1", "2024-01-01", None),
        ];
        let extract = read(
            "sagsid;ydelse;startdato;slutdato\nA;1.1;2024-01-01;\nB;1.3;2024-01-01;\nC;1.1;2024-01-01;2024-07-31\nE;1.1;2024-02-01;\nF;1.1;2024-02-01;\nG;1.1;2024-02-01;\n"
                .as_bytes(),
        )
        .unwrap();
        let afviste = vec![AfvistRaekke {
            maaned: "2025-01".into(),
            fil: "183_2025-01.csv".into(),
            linje: 4,
            sagsid: "F".into(),
            koder: vec!["cpr_ugyldig".into()],
        }];
        let others = vec![sag(187, "G", "1.1", "2024-02-01", None)];
        let d = compare(&ours, &extract, &afviste, &others);
        let kinds: Vec<(&str, Art)> = d.iter().map(|f| (f.sagsid.as_str(), f.art)).collect();
        assert_eq!(
            kinds,
            vec![
                ("B", Art::AndenYdelse),
                ("C", Art::AndreDatoer),
                ("F", Art::Afvist),
                ("G", Art::AndenHandlekommune),
                ("E", Art::KunHosKommunen),
                ("D", Art::KunHosDst)
            ]
        );
    }

    #[test]
    fn an_unreadable_extract_names_its_line() {
        assert_eq!(read(b"sagsid;ydelse\nA;1.1\n").unwrap_err().linje, 1);
        let e = read(b"sagsid;ydelse;startdato;slutdato\nA;1.1;2024-01-01;\nB;1.1;1. jan;\n").unwrap_err();
        assert_eq!((e.linje, e.tekst.contains("startdato")), (3, true));
    }
}
