//! Record and delivery validation (docs/leveringer.md): every finding with code, severity, line and sagsid.
//!
//! Bad records are data, not errors: the result is a receipt plus the accepted records. Messages
//! show line numbers and sagsid, never a CPR — values echoed back pass through [`shown`], which
//! hides anything that looks like a CPR number.

use crate::filename::LeveringNavn;
use crate::receipt::{Kvittering, Sample};
use crate::table::{Col, Encoding, Fatal, Table, read_table};
use chrono::NaiveDate;
use foldhash::{HashSet, HashSetExt};
use godkend_model::forrige::Forrige;
use godkend_model::tekst::{contains_cpr, shown};
use godkend_model::{FundKode, Koen, Maaned, PersonId, Prefiks, Reference, Register};
use sha2::{Digest, Sha256};
use std::path::Path;

/// A record that passed validation: a case version (or a deletion) ready for the store.
#[derive(Clone, Debug)]
pub struct ValidRecord {
    pub linje: usize,
    pub kommunekode: u16,
    pub sagsid: String,
    pub slettet: bool,
    /// `None` only for deletions, which need no more than kommune and sagsid.
    pub sag: Option<CaseFields>,
}

#[derive(Clone, Debug)]
pub struct CaseFields {
    pub person: PersonId,
    pub ydelse: String,
    pub maalgruppe: Option<u8>,
    pub startdato: NaiveDate,
    pub slutdato: Option<NaiveDate>,
}

#[derive(Debug)]
pub struct Validated {
    pub kvittering: Kvittering,
    pub records: Vec<ValidRecord>,
}

/// Validates one delivery file; touches nothing. IO errors reading the file become a fatal finding
/// too, since a receipt must be written for every delivery that arrives.
/// `seneste` is the last delivery month accepted (the month of the ingest); `None` skips that check.
pub fn validate_file(path: &Path, reference: &Reference, encoding: Encoding, seneste: Option<Maaned>) -> Validated {
    let fil = crate::filename::shown_name(path);
    match crate::table::read_delivery(path) {
        Ok(bytes) => validate_hashed(&fil, &bytes, sha256(&bytes), reference, encoding, seneste),
        Err(fatal) => unreadable(&fil, fatal),
    }
}

/// The receipt of a file that could not be read at all.
pub(crate) fn unreadable(fil: &str, fatal: Fatal) -> Validated {
    let navn = LeveringNavn::parse(Path::new(fil));
    rejected(Kvittering::new(fil.to_string(), navn, String::new()), fatal)
}

/// Validates a delivery given its file name and content.
pub fn validate_bytes(fil: &str, bytes: &[u8], reference: &Reference, encoding: Encoding) -> Validated {
    validate_hashed(fil, bytes, sha256(bytes), reference, encoding, None)
}

/// The content hash that identifies a delivery (ingesting the same content twice changes nothing).
pub fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// What a Parquet delivery's receipt says when the decoder panicked on it.
pub const PARQUET_DEKODER_FEJL: &str = "filen kan ikke læses som Parquet: dekoderen fejlede på filens indhold";

/// Validates a delivery; a panic anywhere in reading or checking it (a decoder's bug) rejects that delivery
/// with a receipt instead of costing the whole ingest.
pub(crate) fn validate_hashed(
    fil: &str,
    bytes: &[u8],
    sha256: String,
    reference: &Reference,
    encoding: Encoding,
    seneste: Option<Maaned>,
) -> Validated {
    let hash = sha256.clone();
    let guarded = std::panic::AssertUnwindSafe(|| validate_unguarded(fil, bytes, sha256, reference, encoding, seneste));
    std::panic::catch_unwind(guarded).unwrap_or_else(|_| {
        let navn = LeveringNavn::parse(Path::new(fil));
        // The Parquet decoder (polars) panics on some damaged files instead of returning an error.
        let (tekst, hint) = if navn.is_some_and(|n| n.format == crate::filename::Format::Parquet) {
            (
                PARQUET_DEKODER_FEJL,
                "filen er beskadiget eller ikke skrevet efter Parquet-formatet; skriv den igen fra kildesystemet og send den på ny",
            )
        } else {
            (
                "filen kunne ikke behandles: godkend stødte på en intern fejl under læsningen",
                "leveringen er ikke indlæst; send kvitteringen til DST, så fejlen kan rettes",
            )
        };
        let fatal = Fatal::new(FundKode::FilUlaeselig, None, tekst, hint);
        rejected(Kvittering::new(fil.to_string(), navn, hash), fatal)
    })
}

fn validate_unguarded(
    fil: &str,
    bytes: &[u8],
    sha256: String,
    reference: &Reference,
    encoding: Encoding,
    seneste: Option<Maaned>,
) -> Validated {
    let navn = LeveringNavn::parse(Path::new(fil));
    let mut kvittering = Kvittering::new(fil.to_string(), navn, sha256);
    let Some(navn) = navn else {
        let fatal = Fatal::new(
            FundKode::FilnavnUgyldigt,
            None,
            format!("filnavnet `{}` følger ikke formen <kommunekode>_<ÅÅÅÅ-MM>[_N].csv", shown(fil)),
            "omdøb filen, fx 101_2024-03.csv (eller 101_2024-03_2.csv for en genlevering; løbenummeret N er 2-99)",
        );
        return rejected(kvittering, fatal);
    };
    if seneste.is_some_and(|s| navn.maaned > s) {
        let fatal = Fatal::new(
            FundKode::MaanedIFremtiden,
            None,
            format!("leveringsmåneden {} i filnavnet ligger efter indlæsningsmåneden", navn.maaned),
            "tjek året og måneden i filnavnet; en måned kan først leveres, når den er begyndt",
        );
        return rejected(kvittering, fatal);
    }
    if reference.kommune(navn.kommunekode).is_none() {
        let fatal = Fatal::new(
            FundKode::KommuneUkendt,
            None,
            format!("kommunekode {:03} i filnavnet findes ikke", navn.kommunekode),
            "kommunekoden skal være en af de 98 koder i reference-data/kommuner.csv",
        );
        return rejected(kvittering, fatal);
    }
    let table = match read_table(bytes, navn.format, encoding) {
        Ok(t) => t,
        Err(fatal) => return rejected(kvittering, fatal),
    };
    kvittering.raekker = table.rows.len();
    for name in &table.unknown_columns {
        kvittering.add(
            FundKode::KolonneUkendt,
            Sample { linje: 1, sagsid: None, tekst: format!("kolonnen `{name}` ignoreres") },
        );
    }
    match validate_rows(&table, navn, reference, &mut kvittering) {
        Ok(records) => {
            kvittering.finish();
            Validated { kvittering, records }
        }
        Err(fatal) => rejected(kvittering, fatal),
    }
}

fn rejected(mut kvittering: Kvittering, fatal: Fatal) -> Validated {
    kvittering.reject(fatal);
    Validated { kvittering, records: Vec::new() }
}

/// The findings of one line.
struct Row {
    findings: Vec<(FundKode, String)>,
}

impl Row {
    fn fund(&mut self, kode: FundKode, tekst: impl Into<String>) {
        self.findings.push((kode, tekst.into()));
    }
}

fn validate_rows(
    table: &Table,
    navn: LeveringNavn,
    reference: &Reference,
    kvittering: &mut Kvittering,
) -> Result<Vec<ValidRecord>, Fatal> {
    let month_end = navn.maaned.last_day();
    let earliest = godkend_model::earliest_start();
    let mut seen_sagsid: HashSet<(u16, &str)> = HashSet::with_capacity(table.rows.len());
    let mut records = Vec::with_capacity(table.rows.len());
    let mut late_starts = 0usize;
    // A record's municipality code and service as the record before's when their text is the same.
    let (mut kommune_before, mut service_before) = (Forrige::default(), Forrige::default());
    let mut dated_rows = 0usize;

    for (linje, row) in table.rows.iter() {
        let get = |c: Col| table.get(row, c);
        let raw_kommune = get(Col::Kommunekode);
        let kommunekode = kommune_before.try_get(raw_kommune, |raw| check_kommune(raw, linje, navn, reference))?;
        let sagsid = get(Col::Sagsid);
        let mut r = Row { findings: Vec::new() };

        // Counting characters only when the bytes could be more than 64 of them.
        if sagsid.is_empty() || (sagsid.len() > 64 && sagsid.chars().count() > 64) {
            r.fund(FundKode::SagsidUgyldigt, format!("sagsid er {} tegn; det skal være 1-64", sagsid.chars().count()));
        } else if contains_cpr(sagsid) {
            r.fund(FundKode::SagsidCpr, "sagsid indeholder et tal, der ligner et CPR-nummer; posten medtages ikke");
        } else if !seen_sagsid.insert((kommunekode, sagsid)) {
            r.fund(FundKode::SagsidDublet, "sagsid forekommer tidligere i leveringen; denne linje medtages ikke");
        }
        let slettet = match get(Col::Slettet) {
            "" | "0" => false,
            "1" => true,
            other => {
                r.fund(
                    FundKode::SlettetUgyldig,
                    format!("slettet er `{}`; brug 1 for sletning, ellers tomt eller 0", shown(other)),
                );
                false
            }
        };

        let (mut sag, mut register) = (None, None);
        if !slettet {
            let person = check_person(&get, &mut r);
            let ydelse = get(Col::Ydelse);
            let ydelse_ref = service_before.get(ydelse, |y| reference.ydelser.get(y));
            if ydelse_ref.is_none() {
                r.fund(FundKode::YdelseUkendt, format!("ydelse `{}` findes ikke", shown(ydelse)));
            }
            let startdato = match get(Col::Startdato) {
                "" => {
                    r.fund(FundKode::DatoUgyldig, "startdato mangler");
                    None
                }
                s => parse_date(s).or_else(|| {
                    r.fund(FundKode::DatoUgyldig, format!("startdato `{}` er ikke en dato (ÅÅÅÅ-MM-DD)", shown(s)));
                    None
                }),
            };
            let slutdato = match get(Col::Slutdato) {
                "" => None,
                s => parse_date(s).or_else(|| {
                    r.fund(FundKode::DatoUgyldig, format!("slutdato `{}` er ikke en dato (ÅÅÅÅ-MM-DD)", shown(s)));
                    None
                }),
            };
            if let Some(start) = startdato {
                dated_rows += 1;
                let in_range = if start < earliest {
                    r.fund(FundKode::StartFoer2013, format!("startdato {start} ligger før 2013-10-01"));
                    false
                } else if start > month_end {
                    late_starts += 1;
                    r.fund(
                        FundKode::StartEfterLevering,
                        format!("startdato {start} ligger efter leveringsmåneden {}", navn.maaned),
                    );
                    false
                } else {
                    true
                };
                if let Some(end) = slutdato.filter(|end| start > *end) {
                    r.fund(FundKode::StartEfterSlut, format!("startdato {start} ligger efter slutdato {end}"));
                }
                // Validity and age are judged only for a start date that is itself acceptable,
                // so one wrong date gives one finding.
                if let Some(y) = ydelse_ref.filter(|_| in_range) {
                    if !y.valid_at(start) {
                        r.fund(
                            FundKode::YdelseUgyldigPeriode,
                            format!("ydelse {} ({}) gælder ikke for afgørelser med start {start}", y.kode, y.paragraf),
                        );
                    } else if let Some(p) = person.as_ref().filter(|p| !y.age_allowed(p.age_at(start))) {
                        r.fund(
                            FundKode::AlderUdenforRegister,
                            format!(
                                "borgeren er {} år ved start; {} ({}) gælder {}",
                                p.age_at(start),
                                y.kode,
                                y.paragraf,
                                age_span(y)
                            ),
                        );
                    }
                }
            }
            let maalgruppe = match ydelse_ref.map(|y| y.register) {
                Some(Register::Voksne) => check_maalgruppe(get(Col::Maalgruppe), reference, &mut r),
                _ => None,
            };
            if let (Some(person), Some(y), Some(startdato)) = (person, ydelse_ref, startdato) {
                sag = Some(CaseFields { person, ydelse: y.kode.clone(), maalgruppe, startdato, slutdato });
                register = Some(y.register);
            }
        }

        let rejected = r.findings.iter().any(|(k, _)| k.alvor() == godkend_model::Alvor::Fejl);
        let p = kvittering.poster.entry(kommunekode).or_default();
        p.poster += 1;
        p.afviste += usize::from(rejected);
        if rejected {
            for (kode, _) in r.findings.iter().filter(|(k, _)| k.alvor() == godkend_model::Alvor::Fejl) {
                *p.koder.entry(kode.code().to_string()).or_default() += 1;
            }
        }
        if rejected {
            let koder = r.findings.iter().filter(|(k, _)| k.alvor() == godkend_model::Alvor::Fejl);
            kvittering.afviste_poster.push(godkend_model::leveringslog::AfvistPost {
                linje,
                kommunekode,
                sagsid: shown(sagsid).into_owned(),
                koder: koder.map(|(k, _)| k.code().to_string()).collect(),
            });
        }
        for (kode, tekst) in r.findings.drain(..) {
            kvittering.add(kode, Sample { linje, sagsid: Some(shown(sagsid).into_owned()), tekst });
        }
        if rejected {
            kvittering.afviste += 1;
            continue;
        }
        kvittering.accepterede += 1;
        if slettet {
            kvittering.slettede += 1;
        }
        if let (Some(s), Some(Register::Voksne)) = (sag.as_ref(), register) {
            let v = kvittering.voksenposter.entry(kommunekode).or_default();
            v.i_alt += 1;
            v.uden_maalgruppe += usize::from(s.maalgruppe.is_none());
        }
        records.push(ValidRecord { linje, kommunekode, sagsid: sagsid.to_string(), slettet, sag });
    }

    if dated_rows > 0 && late_starts * 2 > dated_rows {
        return Err(Fatal::new(
            FundKode::ForkertMaaned,
            None,
            format!("{late_starts} af {dated_rows} poster starter efter {}, som filnavnet angiver", navn.maaned),
            format!("tjek måneden i filnavnet ({}); en levering dækker sager til og med sin måned", navn.maaned),
        ));
    }
    flag_overlaps(&records, reference, kvittering);
    Ok(records)
}

fn age_span(y: &godkend_model::Ydelse) -> String {
    match (y.alder_min, y.alder_max) {
        (Some(lo), Some(hi)) => format!("{lo}-{hi} år"),
        (Some(lo), None) => format!("fra {lo} år"),
        (None, Some(hi)) => format!("til og med {hi} år"),
        (None, None) => "alle aldre".to_string(),
    }
}

fn check_kommune(raw: &str, linje: usize, navn: LeveringNavn, reference: &Reference) -> Result<u16, Fatal> {
    let kode = (raw.len() == 3 && raw.bytes().all(|b| b.is_ascii_digit()))
        .then(|| raw.parse::<u16>().ok())
        .flatten()
        .filter(|k| reference.kommune(*k).is_some())
        .ok_or_else(|| {
            Fatal::new(
                FundKode::KommuneUkendt,
                Some(linje),
                format!("linje {linje}: kommunekode `{}` findes ikke", shown(raw)),
                "kommunekoden skal være tre cifre fra reference-data/kommuner.csv, fx 101",
            )
        })?;
    if !reference.may_deliver_for(navn.kommunekode, kode) {
        return Err(Fatal::new(
            FundKode::ForkertKommune,
            Some(linje),
            format!(
                "linje {linje}: posten tilhører kommune {kode:03}, men filen er leveret af {:03}",
                navn.kommunekode
            ),
            "hver kommune leverer sine egne sager (Ishøj for Vallensbæk og Tårnby for Dragør undtaget); tjek filnavn og indhold",
        ));
    }
    Ok(kode)
}

fn check_person<'a>(get: &dyn Fn(Col) -> &'a str, r: &mut Row) -> Option<PersonId> {
    let cpr = get(Col::Cpr);
    if !cpr.is_empty() {
        return PersonId::from_cpr(cpr).map_err(|e| r.fund(FundKode::CprUgyldig, e.to_string())).ok();
    }
    let (udl, foedt, koen) = (get(Col::Udlaendingenr), get(Col::Foedselsdato), get(Col::Koen));
    if udl.is_empty() || foedt.is_empty() || koen.is_empty() {
        r.fund(FundKode::IdMangler, "hverken cpr eller både udlaendingenr, foedselsdato og koen er udfyldt");
        return None;
    }
    let Some(foedselsdato) = parse_date(foedt) else {
        r.fund(FundKode::IdUgyldigt, format!("foedselsdato `{}` er ikke en dato", shown(foedt)));
        return None;
    };
    let Some(koen) = Koen::parse(koen) else {
        r.fund(FundKode::IdUgyldigt, format!("koen `{}` skal være M eller K", shown(koen)));
        return None;
    };
    if udl.chars().count() > 64 {
        r.fund(FundKode::IdUgyldigt, "udlaendingenr er længere end 64 tegn");
        return None;
    }
    Some(PersonId::from_alternative(udl, foedselsdato, koen))
}

fn check_maalgruppe(raw: &str, reference: &Reference, r: &mut Row) -> Option<u8> {
    if raw.is_empty() {
        r.fund(FundKode::MaalgruppeMangler, "målgruppe er ikke udfyldt");
        return None;
    }
    match raw.parse::<u8>().ok().filter(|k| reference.maalgrupper.contains_key(k)) {
        Some(k) => Some(k),
        None => {
            r.fund(FundKode::MaalgruppeUkendt, format!("målgruppe `{}` findes ikke (gyldige koder 1-12)", shown(raw)));
            None
        }
    }
}

/// Overlapping periods of the same citizen and service series within the delivery: kept (counting
/// merges them) and reported on the later line.
fn flag_overlaps(records: &[ValidRecord], reference: &Reference, kvittering: &mut Kvittering) {
    // Per handlekommune: a citizen counts in each municipality that acts on a case of theirs. One sorted
    // list rather than a map of lists: a million records cost one allocation, not a million. Each entry
    // is small and holds its own sort key — municipality, series (as a number), citizen (the key's first
    // 16 bytes, [`Prefiks`]; the key itself is read only when those tie), start, end, record — so that
    // the sort moves 40 bytes and follows no pointer.
    let mut serier: Vec<&str> = reference.ydelser.values().map(|y| y.serie.as_str()).collect();
    serier.sort_unstable();
    serier.dedup();
    let serie_of: foldhash::HashMap<&str, u16> = reference
        .ydelser
        .iter()
        .map(|(kode, y)| (kode.as_str(), serier.binary_search(&y.serie.as_str()).expect("collected above") as u16))
        .collect();
    type Period = (u16, u16, Prefiks, NaiveDate, NaiveDate, u32);
    let person_key = |p: &Period| records[p.5 as usize].sag.as_ref().map_or(&[][..], |s| s.person.secret_key());
    let same_key = |a: &Period, b: &Period| {
        (a.0, a.1).cmp(&(b.0, b.1)).then_with(|| a.2.cmp_with(person_key(a), b.2, person_key(b)))
    };
    // The series of the record before's service when the service is the same.
    let mut before = Forrige::default();
    let mut periods: Vec<Period> = records
        .iter()
        .enumerate()
        .filter_map(|(i, rec)| {
            let sag = rec.sag.as_ref()?;
            let end = sag.slutdato.unwrap_or(NaiveDate::MAX);
            let person = Prefiks::of(sag.person.secret_key());
            let serie = before.get(sag.ydelse.as_str(), |y| serie_of[y]);
            Some((rec.kommunekode, serie, person, sag.startdato, end, i as u32))
        })
        .collect();
    if periods.iter().all(|p| p.2.is_whole()) {
        // The tuples alone order as the keys do (the common case: a CPR's key is 11 bytes). Records are in
        // line order, so the record's position orders as its line.
        periods.sort_unstable();
    } else {
        periods.sort_unstable_by(|a, b| same_key(a, b).then((a.3, a.4, a.5).cmp(&(b.3, b.4, b.5))));
    }
    let mut hits: Vec<(usize, &str, &str)> = Vec::new();
    for same in periods.chunk_by(|a, b| same_key(a, b).is_eq()).filter(|p| p.len() > 1) {
        let sagsid = |p: &Period| records[p.5 as usize].sagsid.as_str();
        let (mut reach, mut reach_sagsid) = (same[0].4, sagsid(&same[0]));
        for p in &same[1..] {
            if p.3 <= reach {
                hits.push((records[p.5 as usize].linje, sagsid(p), reach_sagsid));
            }
            if p.4 > reach {
                reach = p.4;
                reach_sagsid = sagsid(p);
            }
        }
    }
    hits.sort_unstable_by_key(|h| h.0);
    for (linje, sagsid, earlier) in hits {
        kvittering.add_with(FundKode::Overlap, || Sample {
            linje,
            sagsid: Some(shown(sagsid).into_owned()),
            tekst: format!("overlapper sag {} for samme borger og ydelse", shown(earlier)),
        });
    }
}

/// Dates as `YYYY-MM-DD`, also accepting `DD-MM-YYYY`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
    };
    let (y, m, d) = match (b[4], b[7], b[2], b[5]) {
        (b'-', b'-', _, _) => (num(0..4)?, num(5..7)?, num(8..10)?),
        (_, _, b'-', b'-') => (num(6..10)?, num(3..5)?, num(0..2)?),
        _ => return None,
    };
    NaiveDate::from_ymd_opt(y as i32, m, d)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
