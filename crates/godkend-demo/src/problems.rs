//! Injected problems at the line and file level: bad lines of every record finding, overlapping
//! periods, re-deliveries, and whole deliveries that must be rejected.

use crate::line::{Expect, Line, Style};
use chrono::{Months, NaiveDate};
use godkend_model::rng::Rng;
use godkend_model::{FundKode, Maaned};

/// The record-level problems, injected round-robin so every kind appears in a small demo too.
pub const BAD_LINE_KINDS: [FundKode; 15] = [
    FundKode::CprUgyldig,
    FundKode::IdMangler,
    FundKode::IdUgyldigt,
    FundKode::SagsidUgyldigt,
    FundKode::SagsidDublet,
    FundKode::YdelseUkendt,
    FundKode::YdelseUgyldigPeriode,
    FundKode::DatoUgyldig,
    FundKode::StartEfterSlut,
    FundKode::StartFoer2013,
    FundKode::StartEfterLevering,
    FundKode::AlderUdenforRegister,
    FundKode::MaalgruppeUkendt,
    FundKode::SlettetUgyldig,
    FundKode::Overlap,
];

/// Makes the injected lines for one delivery. `serial` numbers the synthetic cases and persons.
/// `None` when the kind cannot be made here (a duplicate needs a clean line to copy).
pub fn bad_lines(
    kind: FundKode,
    reporter: u16,
    month: Maaned,
    style: Style,
    serial: &mut u32,
    file: &[Line],
) -> Option<Vec<Line>> {
    let day = |d: u32| month.first_day() + chrono::Duration::days(i64::from(d.min(month.days()) - 1));
    let mut template = |start: NaiveDate| {
        *serial += 1;
        Line {
            kommunekode: format!("{reporter:03}"),
            sagsid: format!("{reporter}-X{:06}", *serial),
            cpr: String::new(),
            udlaendingenr: format!("XU{reporter}{:06}", *serial),
            foedselsdato: style.date(NaiveDate::from_ymd_opt(1970, 5, 5).expect("date")),
            koen: "M".into(),
            ydelse: "1.12.0.2".into(),
            maalgruppe: "6".into(),
            startdato: style.date(start),
            slutdato: String::new(),
            slettet: String::new(),
            expect: Expect::Reject(kind),
        }
    };
    let mut line = template(day(1));
    match kind {
        FundKode::CprUgyldig => {
            line.cpr = "3113901234".into(); // month 13: no such date
            line.udlaendingenr.clear();
            line.foedselsdato.clear();
            line.koen.clear();
        }
        FundKode::IdMangler => {
            line.udlaendingenr.clear();
            line.foedselsdato.clear();
            line.koen.clear();
        }
        FundKode::IdUgyldigt => line.koen = "X".into(),
        FundKode::SagsidUgyldigt => line.sagsid = "S".repeat(65),
        FundKode::SagsidDublet => {
            let original = file.iter().find(|l| l.expect == Expect::Clean)?;
            line = original.clone();
            line.expect = Expect::Reject(kind);
        }
        FundKode::YdelseUkendt => line.ydelse = "9.99".into(),
        FundKode::YdelseUgyldigPeriode => {
            line.ydelse = "1.18.1".into(); // § 82 a exists from 2018
            line.startdato = style.date(NaiveDate::from_ymd_opt(2017, 6, 15).expect("date"));
        }
        FundKode::DatoUgyldig => line.startdato = format!("{}-02-30", month.year()),
        FundKode::StartEfterSlut => {
            line.startdato = style.date(day(15));
            line.slutdato = style.date(day(1));
        }
        FundKode::StartFoer2013 => line.startdato = style.date(NaiveDate::from_ymd_opt(2013, 9, 30).expect("date")),
        FundKode::StartEfterLevering => {
            line.startdato = style.date(month.next().first_day() + chrono::Duration::days(4))
        }
        FundKode::AlderUdenforRegister => {
            let start = day(1);
            line.ydelse =
                if start >= NaiveDate::from_ymd_opt(2024, 1, 1).expect("date") { "BL89-1" } else { "SEL45" }.into();
            line.maalgruppe.clear();
            line.foedselsdato = style.date(start.checked_sub_months(Months::new(8 * 12)).expect("date"));
        }
        FundKode::MaalgruppeUkendt => line.maalgruppe = "13".into(),
        FundKode::SlettetUgyldig => line.slettet = "2".into(),
        FundKode::Overlap => {
            // Two cases of one citizen in one service with overlapping periods: both kept.
            line.ydelse = "1.1".into();
            line.expect = Expect::Clean;
            let mut second = template(day(6));
            second.ydelse = "1.1".into();
            second.udlaendingenr = line.udlaendingenr.clone();
            second.expect = Expect::Warn(FundKode::Overlap);
            return Some(vec![line, second]);
        }
        _ => unreachable!("not a line-level problem: {kind}"),
    }
    Some(vec![line])
}

/// Whole deliveries that must be rejected, cycled through so that each kind appears.
pub const FATAL_KINDS: [FundKode; 8] = [
    FundKode::ForkertKommune,
    FundKode::UjaevnRaekke,
    FundKode::ForkertSeparator,
    FundKode::IkkeUtf8,
    FundKode::KunOverskrift,
    FundKode::KolonneMangler,
    FundKode::TomFil,
    FundKode::KommuneUkendt,
];

/// A broken delivery built from a few good lines; returns its bytes and how many data lines the
/// validator will have read when it rejects it.
pub fn fatal_file(kind: FundKode, reporter: u16, lines: &[Line]) -> (Vec<u8>, usize) {
    let header = crate::line::HEADER.join(";");
    let sample: Vec<Line> = lines.iter().filter(|l| !matches!(l.expect, Expect::Reject(_))).take(5).cloned().collect();
    let rows = |ls: &[Line]| -> Vec<String> { ls.iter().map(|l| l.fields().join(";")).collect() };
    let join = |head: &str, body: &[String]| {
        let mut s = String::from(head);
        for r in body {
            s.push('\n');
            s.push_str(r);
        }
        s.push('\n');
        s.into_bytes()
    };
    let mut body = rows(&sample);
    let n = body.len();
    match kind {
        FundKode::ForkertKommune | FundKode::KommuneUkendt => {
            let other = if kind == FundKode::KommuneUkendt {
                "999"
            } else if reporter == 101 {
                "147"
            } else {
                "101"
            };
            let mut changed = sample.clone();
            if let Some(l) = changed.last_mut() {
                l.kommunekode = other.to_string();
            }
            (join(&header, &rows(&changed)), n)
        }
        FundKode::UjaevnRaekke => {
            if let Some(r) = body.last_mut() {
                let cut = r.rfind(';').unwrap_or(0);
                r.truncate(cut);
            }
            (join(&header, &body), 0)
        }
        FundKode::ForkertSeparator => {
            let body: Vec<String> = body.iter().map(|r| r.replace(';', ",")).collect();
            (join(&header.replace(';', ","), &body), 0)
        }
        FundKode::IkkeUtf8 => {
            let mut bytes = join(&header, &body);
            // A Windows-1252 "ø" in the last line, as an old export would write it.
            let at = bytes.len() - 2;
            bytes.insert(at, 0xF8);
            (bytes, 0)
        }
        FundKode::KunOverskrift => (join(&header, &[]), 0),
        FundKode::KolonneMangler => {
            let drop = |r: &str| {
                r.split(';').enumerate().filter(|(i, _)| *i != 6).map(|(_, f)| f).collect::<Vec<_>>().join(";")
            };
            body = body.iter().map(|r| drop(r)).collect();
            (join(&drop(&header), &body), 0)
        }
        FundKode::TomFil => (Vec::new(), 0),
        _ => unreachable!("not a file-level problem: {kind}"),
    }
}

/// Picks how many bad lines a delivery of `n` lines gets.
pub fn bad_line_count(rng: &mut Rng, n: usize, rate: f64) -> usize {
    rng.count(n as f64 * rate) + usize::from(rng.chance(0.3))
}
