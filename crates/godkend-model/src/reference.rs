//! Reference data: municipalities, services (ydelser) and their series, target groups, thresholds.
//!
//! The files live in `reference-data/` and are embedded in the binary; `Reference::load_dir` reads a
//! copy instead (for a statistician testing a changed file). Every file is checked on load, and a
//! broken file is an error naming the file and the line.

use crate::Kvartal;
use crate::aarshjul::Frister;
use crate::taerskler::Taerskler;
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The reference files, in the order [`Reference::parse`] reads them by index.
pub const FILES: [&str; 11] = [
    "kommuner.csv",
    "indberetning-for.csv",
    "ydelser.csv",
    "serier.csv",
    "maalgrupper.csv",
    "taerskler.toml",
    "aarshjul.csv",
    "registre.csv",
    "kontakt.csv",
    "diskretion.csv",
    "aldersgrupper.csv",
];

const EMBEDDED: [&str; 11] = [
    include_str!("../../../reference-data/kommuner.csv"),
    include_str!("../../../reference-data/indberetning-for.csv"),
    include_str!("../../../reference-data/ydelser.csv"),
    include_str!("../../../reference-data/serier.csv"),
    include_str!("../../../reference-data/maalgrupper.csv"),
    include_str!("../../../reference-data/taerskler.toml"),
    include_str!("../../../reference-data/aarshjul.csv"),
    include_str!("../../../reference-data/registre.csv"),
    include_str!("../../../reference-data/kontakt.csv"),
    include_str!("../../../reference-data/diskretion.csv"),
    include_str!("../../../reference-data/aldersgrupper.csv"),
];

#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    #[error("{file}: kan ikke læses: {}", crate::tekst::io_fejl(source))]
    Io { file: PathBuf, source: std::io::Error },
    #[error("{file}:{line}: {message}")]
    Invalid { file: PathBuf, line: usize, message: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Register {
    Voksne,
    Boern,
}

impl Register {
    pub fn code(self) -> &'static str {
        match self {
            Register::Voksne => "voksne",
            Register::Boern => "boern",
        }
    }

    pub fn parse(s: &str) -> Option<Register> {
        match s {
            "voksne" => Some(Register::Voksne),
            "boern" => Some(Register::Boern),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kommune {
    pub kode: u16,
    pub navn: String,
    pub regionskode: u16,
    pub region: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ydelse {
    pub kode: String,
    pub register: Register,
    pub paragraf: String,
    pub betegnelse: String,
    pub gyldig_fra: NaiveDate,
    pub gyldig_til: Option<NaiveDate>,
    pub serie: String,
    /// Age limits (completed years) at the start date, both included.
    pub alder_min: Option<i32>,
    pub alder_max: Option<i32>,
}

impl Ydelse {
    /// Whether a decision starting on `start` may carry this code.
    pub fn valid_at(&self, start: NaiveDate) -> bool {
        start >= self.gyldig_fra && self.gyldig_til.is_none_or(|til| start <= til)
    }

    pub fn age_allowed(&self, age: i32) -> bool {
        self.alder_min.is_none_or(|m| age >= m) && self.alder_max.is_none_or(|m| age <= m)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Serie {
    pub serie: String,
    pub register: Register,
    pub betegnelse: String,
    pub raekkefoelge: u32,
}

/// An age group of the publication tables (`aldersgrupper.csv`): completed years, both ends included,
/// `til` open for the last group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Aldersgruppe {
    pub kode: String,
    pub fra: i32,
    pub til: Option<i32>,
    pub tekst: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Maalgruppe {
    pub kode: u8,
    pub betegnelse: String,
}

/// All reference data, checked for consistency.
#[derive(Clone, Debug)]
pub struct Reference {
    pub kommuner: BTreeMap<u16, Kommune>,
    /// Reporting on behalf: the reporter's code → the codes it may deliver rows for.
    pub indberetter_for: BTreeMap<u16, BTreeSet<u16>>,
    pub ydelser: BTreeMap<String, Ydelse>,
    pub serier: BTreeMap<String, Serie>,
    pub maalgrupper: BTreeMap<u8, Maalgruppe>,
    pub taerskler: Taerskler,
    /// DST's annual cycle per report year.
    pub aarshjul: BTreeMap<i32, Frister>,
    /// The first quarter each register's series are shown from.
    pub vises_fra: BTreeMap<Register, Kvartal>,
    /// Where a municipality answers and asks: shown in every report, letter and workbook.
    pub kontakt: Kontakt,
    /// The smallest number of persons a published cell may show (`diskretion.csv`).
    pub mindste_antal: u64,
    /// The publication tables' age groups, youngest first, covering every age from 0.
    pub aldersgrupper: Vec<Aldersgruppe>,
}

/// DST's contact for the approval round (`kontakt.csv`).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Kontakt {
    /// The unit, as a reader addresses it.
    pub enhed: String,
    /// Where workbooks, comments, approvals and questions are sent.
    pub email: String,
    /// The information page.
    pub web: String,
}

impl Reference {
    /// The reference data compiled into the binary.
    pub fn embedded() -> Result<Reference, ReferenceError> {
        let dir = Path::new("reference-data (indbygget)");
        Reference::parse(|i| Ok((dir.join(FILES[i]), EMBEDDED[i].to_string())))
    }

    /// Reads the reference files from `dir`.
    pub fn load_dir(dir: &Path) -> Result<Reference, ReferenceError> {
        Reference::parse(|i| {
            let file = dir.join(FILES[i]);
            crate::sidefil::read_to_string(&file)
                .map(|text| (file.clone(), text))
                .map_err(|source| ReferenceError::Io { file, source })
        })
    }

    fn parse(
        mut read: impl FnMut(usize) -> Result<(PathBuf, String), ReferenceError>,
    ) -> Result<Reference, ReferenceError> {
        let (file, text) = read(0)?;
        let kommuner = parse_kommuner(&file, &text)?;
        let (file, text) = read(1)?;
        let indberetter_for = parse_indberetter_for(&file, &text, &kommuner)?;
        let (file, text) = read(3)?;
        let serier = parse_serier(&file, &text)?;
        let (file, text) = read(2)?;
        let ydelser = parse_ydelser(&file, &text, &serier)?;
        let (file, text) = read(4)?;
        let maalgrupper = parse_maalgrupper(&file, &text)?;
        let (file, text) = read(5)?;
        let taerskler = Taerskler::parse(&text).map_err(|e| ReferenceError::Invalid {
            line: e.span().map_or(0, |s| text[..s.start].lines().count().max(1)),
            file: file.clone(),
            message: e.message().to_string(),
        })?;
        taerskler.check().map_err(|(key, message)| ReferenceError::Invalid {
            line: line_of(&text, &key),
            file,
            message: format!("{key}: {message}"),
        })?;
        let (file, text) = read(6)?;
        let aarshjul = parse_aarshjul(&file, &text)?;
        let (file, text) = read(7)?;
        let vises_fra = parse_registre(&file, &text)?;
        let (file, text) = read(8)?;
        let kontakt = parse_kontakt(&file, &text)?;
        let (file, text) = read(9)?;
        let mindste_antal = parse_diskretion(&file, &text)?;
        let (file, text) = read(10)?;
        let aldersgrupper = parse_aldersgrupper(&file, &text)?;
        Ok(Reference {
            kommuner,
            indberetter_for,
            ydelser,
            serier,
            maalgrupper,
            taerskler,
            aarshjul,
            vises_fra,
            kontakt,
            mindste_antal,
            aldersgrupper,
        })
    }

    /// The deadlines of the approval round for `year`, if `aarshjul.csv` has them.
    pub fn frister(&self, year: i32) -> Option<Frister> {
        self.aarshjul.get(&year).copied()
    }

    /// The first quarter `register`'s series are shown from (adults 2015K1, children 2021K3).
    pub fn vises_fra(&self, register: Register) -> Kvartal {
        self.vises_fra[&register]
    }

    pub fn kommune(&self, kode: u16) -> Option<&Kommune> {
        self.kommuner.get(&kode)
    }

    /// Whether a delivery from `reporter` may contain rows for `kommune`.
    pub fn may_deliver_for(&self, reporter: u16, kommune: u16) -> bool {
        reporter == kommune || self.indberetter_for.get(&reporter).is_some_and(|s| s.contains(&kommune))
    }

    /// The municipality whose files carry `kommune`'s rows (itself, or e.g. Ishøj for Vallensbæk).
    pub fn reporter_of(&self, kommune: u16) -> u16 {
        self.indberetter_for.iter().find(|(_, set)| set.contains(&kommune)).map_or(kommune, |(r, _)| *r)
    }

    /// The services of a series, oldest legal basis first.
    pub fn ydelser_in_serie(&self, serie: &str) -> Vec<&Ydelse> {
        let mut v: Vec<&Ydelse> = self.ydelser.values().filter(|y| y.serie == serie).collect();
        v.sort_by_key(|y| (y.gyldig_fra, y.kode.clone()));
        v
    }

    /// The code a municipality knows a series by: the newest service code of the series.
    pub fn display_code(&self, serie: &str) -> String {
        self.ydelser_in_serie(serie).last().map(|y| y.kode.clone()).unwrap_or_default()
    }

    /// The index into [`Reference::aldersgrupper`] of the group of `age` (a negative age, a birth date
    /// after the day asked about, is put in the youngest group).
    pub fn aldersgruppe(&self, age: i32) -> usize {
        self.aldersgrupper.iter().rposition(|g| age >= g.fra).unwrap_or(0)
    }

    /// Series of one register in table order.
    pub fn serier_of(&self, register: Register) -> Vec<&Serie> {
        let mut v: Vec<&Serie> = self.serier.values().filter(|s| s.register == register).collect();
        v.sort_by_key(|s| s.raekkefoelge);
        v
    }
}

/// Splits a small reference table into (line number, fields), checking the header.
fn rows<'a>(
    file: &Path,
    text: &'a str,
    sep: char,
    header: &[&str],
) -> Result<Vec<(usize, Vec<&'a str>)>, ReferenceError> {
    let invalid = |line: usize, message: String| ReferenceError::Invalid { file: file.to_path_buf(), line, message };
    let mut lines = text.trim_start_matches('\u{feff}').lines().enumerate().map(|(i, l)| (i + 1, l));
    let (_, head) = lines.next().ok_or_else(|| invalid(1, "the file is empty; expected a header line".into()))?;
    let found: Vec<&str> = head.split(sep).map(str::trim).collect();
    if found != header {
        return Err(invalid(1, format!("header is `{}`, expected `{}`", head, header.join(&sep.to_string()))));
    }
    let mut out = Vec::new();
    for (n, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(sep).map(str::trim).collect();
        if fields.len() != header.len() {
            return Err(invalid(n, format!("{} fields, expected {} (separator `{sep}`)", fields.len(), header.len())));
        }
        out.push((n, fields));
    }
    Ok(out)
}

fn invalid(file: &Path, line: usize, message: impl Into<String>) -> ReferenceError {
    ReferenceError::Invalid { file: file.to_path_buf(), line, message: message.into() }
}

fn parse_code(file: &Path, line: usize, what: &str, s: &str) -> Result<u16, ReferenceError> {
    if s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s.parse().expect("three digits"))
    } else {
        Err(invalid(file, line, format!("{what} `{s}` er ikke en kommunekode på tre cifre")))
    }
}

fn parse_kommuner(file: &Path, text: &str) -> Result<BTreeMap<u16, Kommune>, ReferenceError> {
    let mut out = BTreeMap::new();
    for (n, f) in rows(file, text, ',', &["kode", "navn", "regionskode", "region"])? {
        let kode = parse_code(file, n, "kode", f[0])?;
        let regionskode =
            f[2].parse().map_err(|_| invalid(file, n, format!("regionskode `{}` er ikke et tal", f[2])))?;
        if f[1].is_empty() {
            return Err(invalid(file, n, "navn er tom"));
        }
        // The name is part of every output's file name: no folder, no hidden file, no control character.
        if f[1].contains(['/', '\\']) || f[1].starts_with('.') || f[1].chars().any(char::is_control) {
            return Err(invalid(
                file,
                n,
                format!(
                    "navn `{}` må ikke indeholde / eller \\, begynde med . eller indeholde styretegn",
                    crate::tekst::shown(f[1])
                ),
            ));
        }
        let k = Kommune { kode, navn: f[1].to_string(), regionskode, region: f[3].to_string() };
        if out.insert(kode, k).is_some() {
            return Err(invalid(file, n, format!("kode {kode} forekommer to gange")));
        }
    }
    if out.len() != 98 {
        return Err(invalid(file, 1, format!("{} kommuner, der skal være 98", out.len())));
    }
    Ok(out)
}

fn parse_indberetter_for(
    file: &Path,
    text: &str,
    kommuner: &BTreeMap<u16, Kommune>,
) -> Result<BTreeMap<u16, BTreeSet<u16>>, ReferenceError> {
    let mut out: BTreeMap<u16, BTreeSet<u16>> = BTreeMap::new();
    for (n, f) in rows(file, text, ',', &["indberetter", "kommune", "note"])? {
        let a = parse_code(file, n, "indberetter", f[0])?;
        let b = parse_code(file, n, "kommune", f[1])?;
        for k in [a, b] {
            if !kommuner.contains_key(&k) {
                return Err(invalid(file, n, format!("kommune {k} findes ikke i kommuner.csv")));
            }
        }
        out.entry(a).or_default().insert(b);
    }
    Ok(out)
}

fn parse_date(file: &Path, line: usize, what: &str, s: &str) -> Result<NaiveDate, ReferenceError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| invalid(file, line, format!("{what} `{s}` er ikke en dato (ÅÅÅÅ-MM-DD)")))
}

fn parse_age(file: &Path, line: usize, s: &str) -> Result<Option<i32>, ReferenceError> {
    if s.is_empty() {
        return Ok(None);
    }
    s.parse().map(Some).map_err(|_| invalid(file, line, format!("alder `{s}` er ikke et helt tal")))
}

fn parse_serier(file: &Path, text: &str) -> Result<BTreeMap<String, Serie>, ReferenceError> {
    let mut out = BTreeMap::new();
    for (n, f) in rows(file, text, ';', &["serie", "register", "betegnelse", "raekkefoelge"])? {
        let register = Register::parse(f[1])
            .ok_or_else(|| invalid(file, n, format!("register `{}` er hverken `voksne` eller `boern`", f[1])))?;
        let raekkefoelge =
            f[3].parse().map_err(|_| invalid(file, n, format!("raekkefoelge `{}` er ikke et helt tal", f[3])))?;
        let s = Serie { serie: f[0].to_string(), register, betegnelse: f[2].to_string(), raekkefoelge };
        if out.insert(f[0].to_string(), s).is_some() {
            return Err(invalid(file, n, format!("serien `{}` forekommer to gange", f[0])));
        }
    }
    Ok(out)
}

fn parse_ydelser(
    file: &Path,
    text: &str,
    serier: &BTreeMap<String, Serie>,
) -> Result<BTreeMap<String, Ydelse>, ReferenceError> {
    let header =
        ["kode", "register", "paragraf", "betegnelse", "gyldig_fra", "gyldig_til", "serie", "alder_min", "alder_max"];
    let mut out = BTreeMap::new();
    for (n, f) in rows(file, text, ';', &header)? {
        let register = Register::parse(f[1])
            .ok_or_else(|| invalid(file, n, format!("register `{}` er hverken `voksne` eller `boern`", f[1])))?;
        let gyldig_fra = parse_date(file, n, "gyldig_fra", f[4])?;
        let gyldig_til = if f[5].is_empty() { None } else { Some(parse_date(file, n, "gyldig_til", f[5])?) };
        if gyldig_til.is_some_and(|t| t < gyldig_fra) {
            return Err(invalid(file, n, "gyldig_til ligger før gyldig_fra"));
        }
        let serie =
            serier.get(f[6]).ok_or_else(|| invalid(file, n, format!("serien `{}` findes ikke i serier.csv", f[6])))?;
        if serie.register != register {
            return Err(invalid(file, n, format!("serien `{}` hører til det andet register", f[6])));
        }
        let y = Ydelse {
            kode: f[0].to_string(),
            register,
            paragraf: f[2].to_string(),
            betegnelse: f[3].to_string(),
            gyldig_fra,
            gyldig_til,
            serie: f[6].to_string(),
            alder_min: parse_age(file, n, f[7])?,
            alder_max: parse_age(file, n, f[8])?,
        };
        if out.insert(f[0].to_string(), y).is_some() {
            return Err(invalid(file, n, format!("ydelseskoden `{}` forekommer to gange", f[0])));
        }
    }
    Ok(out)
}

fn parse_maalgrupper(file: &Path, text: &str) -> Result<BTreeMap<u8, Maalgruppe>, ReferenceError> {
    let mut out = BTreeMap::new();
    for (n, f) in rows(file, text, ';', &["kode", "betegnelse"])? {
        let kode: u8 = f[0].parse().map_err(|_| invalid(file, n, format!("kode `{}` er ikke et helt tal", f[0])))?;
        if out.insert(kode, Maalgruppe { kode, betegnelse: f[1].to_string() }).is_some() {
            return Err(invalid(file, n, format!("kode {kode} forekommer to gange")));
        }
    }
    Ok(out)
}

/// The line of `text` where the TOML key path `a.b.c` is set (its table header for a nested key), or 1.
fn line_of(text: &str, key: &str) -> usize {
    let (table, leaf) = key.split_once('.').unwrap_or(("", key));
    let header = format!("[{table}]");
    let start = text.lines().position(|l| l.trim_start().starts_with(&header)).unwrap_or(0);
    let leaf = leaf.split('.').next().unwrap_or(leaf);
    text.lines()
        .enumerate()
        .skip(start)
        .find(|(_, l)| l.trim_start().starts_with(leaf))
        .map_or(start + 1, |(i, _)| i + 1)
}

fn parse_aarshjul(file: &Path, text: &str) -> Result<BTreeMap<i32, Frister>, ReferenceError> {
    let header =
        ["rapportaar", "data_indberettet", "rapport_udsendt", "godkendelse", "statusbrev", "ny_frist", "kilde"];
    let mut out = BTreeMap::new();
    for (n, f) in rows(file, text, ';', &header)? {
        let rapportaar: i32 =
            f[0].parse().map_err(|_| invalid(file, n, format!("rapportaar `{}` er ikke et år", f[0])))?;
        let frister = Frister {
            rapportaar,
            data_indberettet: parse_date(file, n, header[1], f[1])?,
            rapport_udsendt: parse_date(file, n, header[2], f[2])?,
            godkendelse: parse_date(file, n, header[3], f[3])?,
            statusbrev: parse_date(file, n, header[4], f[4])?,
            ny_frist: parse_date(file, n, header[5], f[5])?,
        };
        frister.check().map_err(|m| invalid(file, n, m))?;
        if f[6].is_empty() {
            return Err(invalid(file, n, "kilde er tom; angiv hvor datoerne kommer fra"));
        }
        if out.insert(rapportaar, frister).is_some() {
            return Err(invalid(file, n, format!("rapportår {rapportaar} forekommer to gange")));
        }
    }
    Ok(out)
}

/// The smallest number of persons a published cell may show (`diskretion.csv`, one row with its source).
fn parse_diskretion(file: &Path, text: &str) -> Result<u64, ReferenceError> {
    let rows = rows(file, text, ';', &["mindste_antal", "kilde"])?;
    let [(n, f)] = rows.as_slice() else {
        return Err(invalid(file, 1, format!("{} rækker; filen har præcis én", rows.len())));
    };
    let n = *n;
    let v: u64 = f[0].parse().map_err(|_| invalid(file, n, format!("mindste_antal `{}` er ikke et helt tal", f[0])))?;
    if !(2..=20).contains(&v) {
        return Err(invalid(file, n, format!("mindste_antal {v} skal være mellem 2 og 20")));
    }
    if f[1].is_empty() {
        return Err(invalid(file, n, "kilde er tom: angiv hvor tallet kommer fra"));
    }
    Ok(v)
}

/// The age groups: consecutive from 0, each `fra..=til`, only the last open; a `kilde` on every row.
fn parse_aldersgrupper(file: &Path, text: &str) -> Result<Vec<Aldersgruppe>, ReferenceError> {
    let rows = rows(file, text, ';', &["kode", "fra", "til", "tekst", "kilde"])?;
    let mut out: Vec<Aldersgruppe> = Vec::new();
    let last = rows.len().saturating_sub(1);
    for (i, (n, f)) in rows.iter().enumerate() {
        let n = *n;
        let fra = parse_age(file, n, f[1])?.ok_or_else(|| invalid(file, n, "fra er tom"))?;
        let til = parse_age(file, n, f[2])?;
        let expected = out.last().map_or(0, |g| g.til.map_or(i32::MAX, |t| t + 1));
        if fra != expected {
            return Err(invalid(
                file,
                n,
                format!("gruppen begynder ved {fra} år; ventede {expected} (grupperne skal følge hinanden fra 0 år)"),
            ));
        }
        match til {
            Some(t) if t < fra => return Err(invalid(file, n, format!("til {t} er mindre end fra {fra}"))),
            None if i != last => return Err(invalid(file, n, "kun den sidste gruppe må være åben (til tom)")),
            Some(_) if i == last => {
                return Err(invalid(
                    file,
                    n,
                    "den sidste gruppe skal være åben (til tom), så alle aldre har en gruppe",
                ));
            }
            _ => {}
        }
        if f[0].is_empty() || f[3].is_empty() || f[4].is_empty() {
            return Err(invalid(file, n, "kode, tekst og kilde skal være udfyldt"));
        }
        out.push(Aldersgruppe { kode: f[0].to_string(), fra, til, tekst: f[3].to_string() });
    }
    if out.is_empty() {
        return Err(invalid(file, 1, "ingen aldersgrupper"));
    }
    Ok(out)
}

fn parse_kontakt(file: &Path, text: &str) -> Result<Kontakt, ReferenceError> {
    let rows = rows(file, text, ';', &["enhed", "email", "web", "kilde"])?;
    let [(n, f)] = rows.as_slice() else {
        return Err(invalid(file, 1, format!("{} rækker; filen har præcis én kontakt", rows.len())));
    };
    let (n, f) = (*n, f);
    if f[0].is_empty() {
        return Err(invalid(file, n, "enhed er tom"));
    }
    if !f[1].contains('@') || f[1].contains(char::is_whitespace) {
        return Err(invalid(file, n, format!("email `{}` er ikke en e-mailadresse", f[1])));
    }
    if f[2].is_empty() || f[3].is_empty() {
        return Err(invalid(file, n, "web og kilde skal begge være udfyldt"));
    }
    Ok(Kontakt { enhed: f[0].to_string(), email: f[1].to_string(), web: f[2].to_string() })
}

fn parse_registre(file: &Path, text: &str) -> Result<BTreeMap<Register, Kvartal>, ReferenceError> {
    let mut out = BTreeMap::new();
    for (n, f) in rows(file, text, ';', &["register", "betegnelse", "vises_fra", "kilde"])? {
        let register = Register::parse(f[0])
            .ok_or_else(|| invalid(file, n, format!("register `{}` er hverken `voksne` eller `boern`", f[0])))?;
        let kvartal: Kvartal =
            f[2].parse().map_err(|_| invalid(file, n, format!("vises_fra `{}` er ikke et kvartal (2015K1)", f[2])))?;
        out.insert(register, kvartal);
    }
    for register in [Register::Voksne, Register::Boern] {
        if !out.contains_key(&register) {
            return Err(invalid(file, 1, format!("ingen række for register `{}`", register.code())));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_reference_is_consistent() {
        let r = Reference::embedded().unwrap();
        assert_eq!(r.kommuner.len(), 98);
        assert_eq!(r.kommune(101).unwrap().navn, "København");
        assert_eq!(r.kommune(860).unwrap().navn, "Hjørring");
        assert!(r.may_deliver_for(183, 187), "Ishøj reports for Vallensbæk");
        assert!(r.may_deliver_for(185, 155), "Tårnby reports for Dragør");
        assert!(!r.may_deliver_for(187, 183));
        assert_eq!((r.reporter_of(187), r.reporter_of(155), r.reporter_of(101)), (183, 185, 101));
        assert_eq!(r.ydelser.values().filter(|y| y.register == Register::Voksne).count(), 13);
        assert_eq!(r.ydelser.values().filter(|y| y.register == Register::Boern).count(), 15);
        assert_eq!(r.maalgrupper.len(), 12);
        // Every children's series but the new § 82, stk. 1, nr. 4 runs through the law change.
        for s in r.serier_of(Register::Boern) {
            let codes: Vec<&str> = r.ydelser_in_serie(&s.serie).iter().map(|y| y.kode.as_str()).collect();
            if s.serie == "B-bl82-4" {
                assert_eq!(codes, ["BL82-4"]);
            } else {
                assert_eq!(codes.len(), 2, "{}: {codes:?}", s.serie);
                assert!(codes[0].starts_with("SEL") && codes[1].starts_with("BL"), "{codes:?}");
            }
        }
        let hjemmetraening: Vec<&str> =
            r.ydelser_in_serie("B-hjemmetraening").iter().map(|y| y.kode.as_str()).collect();
        assert_eq!(hjemmetraening, ["SEL32a", "BL82-3"], "Barnets Lov § 82, stk. 1, nr. 3 is hjemmetræning");
    }

    #[test]
    fn validity_and_age() {
        let r = Reference::embedded().unwrap();
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        let sel32 = &r.ydelser["SEL32"];
        assert!(sel32.valid_at(d(2023, 12, 31)));
        assert!(!sel32.valid_at(d(2024, 1, 1)));
        assert!(r.ydelser["BL82-1"].valid_at(d(2024, 1, 1)));
        assert!(!r.ydelser["BL82-1"].valid_at(d(2023, 12, 31)));
        let sel45 = &r.ydelser["SEL45"];
        assert!(!sel45.age_allowed(11) && sel45.age_allowed(12) && sel45.age_allowed(17) && !sel45.age_allowed(18));
    }

    fn broken(file: usize, text: &str) -> String {
        let dir = tempdir();
        for (i, name) in FILES.iter().enumerate() {
            let body = if i == file { text } else { EMBEDDED[i] };
            std::fs::write(dir.join(name), body).unwrap();
        }
        let err = Reference::load_dir(&dir).unwrap_err().to_string();
        std::fs::remove_dir_all(&dir).unwrap();
        err.replace(&dir.display().to_string(), "DIR")
    }

    fn tempdir() -> PathBuf {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "godkend-ref-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn every_age_has_one_group() {
        let r = Reference::embedded().unwrap();
        let code = |age| r.aldersgrupper[r.aldersgruppe(age)].kode.as_str();
        assert_eq!(
            [code(0), code(11), code(12), code(17), code(18), code(64), code(65), code(104)],
            ["0-11", "0-11", "12-17", "12-17", "18-29", "50-64", "65-", "65-"]
        );
        assert_eq!(code(-1), "0-11");
        let gap = EMBEDDED[10].replace("30-49;30;49", "30-49;31;49");
        assert_eq!(
            broken(10, &gap),
            "DIR/aldersgrupper.csv:5: gruppen begynder ved 31 år; ventede 30 (grupperne skal følge hinanden fra 0 år)"
        );
        let closed = EMBEDDED[10].replace("65-;65;;", "65-;65;99;");
        assert!(broken(10, &closed).contains("den sidste gruppe skal være åben"), "{}", broken(10, &closed));
    }

    #[test]
    fn broken_files_name_file_and_line() {
        let ydelser =
            EMBEDDED[2].replace("1.3;voksne;§ 102;Behandling;2013-10-01", "1.3;voksne;§ 102;Behandling;2013-13-01");
        assert_eq!(broken(2, &ydelser), "DIR/ydelser.csv:3: gyldig_fra `2013-13-01` er ikke en dato (ÅÅÅÅ-MM-DD)");
        let kommuner = EMBEDDED[0].replace("147,Frederiksberg", "14,Frederiksberg");
        assert_eq!(broken(0, &kommuner), "DIR/kommuner.csv:3: kode `14` er ikke en kommunekode på tre cifre");
        let serier = EMBEDDED[3].replace("V-1.3;voksne;", "V-1.3;voksen;");
        assert_eq!(broken(3, &serier), "DIR/serier.csv:3: register `voksen` er hverken `voksne` eller `boern`");
        let taerskler = EMBEDDED[5].replace("u = 0.5", "u = \"halv\"");
        assert!(broken(5, &taerskler).starts_with("DIR/taerskler.toml:"), "{}", broken(5, &taerskler));
        assert_eq!(
            broken(4, "kode,betegnelse\n1,x\n"),
            "DIR/maalgrupper.csv:1: header is `kode,betegnelse`, expected `kode;betegnelse`"
        );
    }

    #[test]
    fn thresholds_are_cross_checked_at_load() {
        let t = EMBEDDED[5];
        let line = |needle: &str| t.lines().position(|l| l.starts_with(needle)).unwrap() + 1;
        // Yellow above red: the key and its line are named.
        let swapped = t.replace("gul = { procent = 20.0, personer = 12 }", "gul = { procent = 45.0, personer = 12 }");
        assert_eq!(
            broken(5, &swapped),
            format!(
                "DIR/taerskler.toml:{}: aar_til_aar.gul: gul (45 %, 12 personer) må ikke ligge over rød (40 %, 20 personer)",
                line("gul = { procent = 20.0, personer = 12 }")
            )
        );
        let share = t.replace("gul_over = 1.0", "gul_over = 101.0");
        assert!(
            broken(5, &share).contains("afviste_poster.gul_over: 101 er ikke en andel i [0, 100)"),
            "{}",
            broken(5, &share)
        );
        let hb = t.replace("roed_c = 20.0", "roed_c = 8.0");
        assert!(broken(5, &hb).contains("hidiroglou_berthelot.gul_c: gul_c 10 skal være > 0 og ≤ roed_c 8"));
        // The HB guard is data: a file without it does not load.
        let no_guard = t.replace("personer = 5                 #", "#");
        assert!(broken(5, &no_guard).contains("missing field `personer`"), "{}", broken(5, &no_guard));
    }

    #[test]
    fn annual_cycle_and_register_starts_are_data() {
        let r = Reference::embedded().unwrap();
        let f = r.frister(2025).unwrap();
        assert_eq!(f.rapport_udsendt, NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
        assert_eq!(f.godkendelse, NaiveDate::from_ymd_opt(2026, 3, 28).unwrap());
        assert_eq!(f.ny_frist, NaiveDate::from_ymd_opt(2026, 6, 1).unwrap());
        assert!(r.frister(2031).is_none());
        let before_letter = EMBEDDED[6].replace("2026-05-11;2026-06-01", "2026-05-11;2026-05-01");
        assert_eq!(
            broken(6, &before_letter),
            "DIR/aarshjul.csv:12: statusbrev 2026-05-11 ligger ikke før ny_frist 2026-05-01"
        );
        assert_eq!(r.vises_fra(Register::Voksne).to_string(), "2015K1");
        assert_eq!(r.vises_fra(Register::Boern).to_string(), "2021K3");
        let unordered = EMBEDDED[6].replace("2025;2026-02-11;2026-03-02", "2025;2026-02-11;2026-01-02");
        assert_eq!(
            broken(6, &unordered),
            "DIR/aarshjul.csv:12: data_indberettet 2026-02-11 ligger ikke før rapport_udsendt 2026-01-02"
        );
        let wrong_year = EMBEDDED[6].replace("2024;2025-02-11", "2024;2024-02-11");
        assert!(
            broken(6, &wrong_year).starts_with("DIR/aarshjul.csv:11: data_indberettet 2024-02-11 ligger ikke i 2025")
        );
        let no_children = EMBEDDED[7].lines().take(2).collect::<Vec<_>>().join("\n");
        assert_eq!(broken(7, &no_children), "DIR/registre.csv:1: ingen række for register `boern`");
    }

    #[test]
    fn the_contact_is_data() {
        let r = Reference::embedded().unwrap();
        assert_eq!((r.kontakt.email.as_str(), r.kontakt.web.as_str()), ("handicap@dst.dk", "www.dst.dk/handicap"));
        let no_at = EMBEDDED[8].replace("handicap@dst.dk;", "handicap.dst.dk;");
        assert_eq!(broken(8, &no_at), "DIR/kontakt.csv:2: email `handicap.dst.dk` er ikke en e-mailadresse");
        let header_only = EMBEDDED[8].lines().next().unwrap().to_string();
        assert_eq!(broken(8, &header_only), "DIR/kontakt.csv:1: 0 rækker; filen har præcis én kontakt");
    }
}
