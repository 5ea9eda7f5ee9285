//! The report as the templates see it: typed views with every number already formatted (Danish style)
//! and every cell's colour decided from the flags. Formatting only — the figures come from godkend-round.
//! A view reaches its template as JSON with its keys in sorted order ([`to_json`]), so the template's
//! input does not depend on the order fields are declared in.

use godkend_count::systemskifte::Systemskifte;
use godkend_model::talformat::{NBSP, antal, tal};
use godkend_model::{FundKode, Periode, Register};
use godkend_round::rapport::Cellemarkering;
use godkend_round::statusbrev::Statusbrev;
use godkend_round::{KommuneRapport, SerieRapport, Status};
use godkend_rules::hb_flags::Placering;
use godkend_rules::{Alvor, Markering, Regel, Tilstand};
use serde::Serialize;
use std::collections::BTreeMap;

const MAANEDER: [&str; 12] = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
];

/// The marked quarters as a chart's alt text names them: `markeret: 2025K1 (rød), 2023K2 (tidligere år)`.
fn marked_quarters(marks: &[(godkend_model::Kvartal, Cellemarkering)]) -> String {
    if marks.is_empty() {
        return "ingen kvartaler er markeret".to_string();
    }
    let what = |m: &Cellemarkering| match m {
        Cellemarkering::Roed => "rød",
        Cellemarkering::Gul => "gul",
        Cellemarkering::Tidligere => "tidligere år",
    };
    let listed: Vec<String> = marks.iter().map(|(q, m)| format!("{q} ({})", what(m))).collect();
    format!("markeret: {}", listed.join(", "))
}

/// `2025-12` → `december 2025`.
pub fn dansk_maaned(iso: &str) -> String {
    match iso.split_once('-').and_then(|(y, m)| Some((y, m.parse::<usize>().ok()?))) {
        Some((y, m)) if (1..=12).contains(&m) => format!("{} {y}", MAANEDER[m - 1]),
        _ => iso.to_string(),
    }
}

/// `2026-03-28` → `28. marts 2026`.
pub fn dansk_dato(iso: &str) -> String {
    match chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d") {
        Ok(d) => {
            use chrono::Datelike;
            format!("{}. {} {}", d.day(), MAANEDER[d.month0() as usize], d.year())
        }
        Err(_) => iso.to_string(),
    }
}

fn register_titel(r: Register) -> (&'static str, &'static str) {
    match r {
        Register::Voksne => ("Voksne med handicap og udsatte voksne", "Serviceloven §§ 82 a–108"),
        Register::Boern => ("Børn og unge med funktionsnedsættelse", "Serviceloven §§ 32–45, fra 2024 barnets lov"),
    }
}

/// Chart id of a series (a key in the template's `grafer`).
pub fn chart_id(serie: &SerieRapport) -> String {
    serie.serie.clone()
}

/// The symbol a marked cell or flag carries, so the mark survives greyscale, pdftotext and a screen
/// reader: ● red, ▲ yellow (the report year's, to answer), ○ an earlier year's.
pub fn symbol(m: Cellemarkering) -> &'static str {
    match m {
        Cellemarkering::Roed => "●",
        Cellemarkering::Gul => "▲",
        Cellemarkering::Tidligere => "○",
    }
}

/// How a chart draws a marked quarter: 2 red dot, 1 yellow triangle, 3 an earlier year's (hollow).
pub fn chart_mark(m: Cellemarkering) -> u8 {
    match m {
        Cellemarkering::Roed => 2,
        Cellemarkering::Gul => 1,
        Cellemarkering::Tidligere => 3,
    }
}

/// Whether a series has anything to draw.
pub fn has_data(s: &SerieRapport) -> bool {
    s.kvartaler.iter().any(|q| q.modtagere > 0)
}

fn farve(mark: Option<Cellemarkering>) -> &'static str {
    match mark {
        Some(Cellemarkering::Roed) => "roed",
        Some(Cellemarkering::Gul) => "gul",
        Some(Cellemarkering::Tidligere) => "tidligere",
        _ => "",
    }
}

/// The JSON a template reads at `sys.inputs.data`: the view with its object keys sorted.
pub fn to_json(view: &impl Serialize) -> String {
    serde_json::to_value(view).expect("a view serialises").to_string()
}

/// A date as the templates' `datetime` takes it.
#[derive(Debug, Serialize)]
pub struct Dato {
    pub aar: i32,
    pub maaned: i32,
    pub dag: i32,
}

impl Dato {
    fn of(iso: &str) -> Dato {
        let part = |r: std::ops::Range<usize>, d: i32| iso.get(r).and_then(|p| p.parse::<i32>().ok()).unwrap_or(d);
        Dato { aar: part(0..4, 2000), maaned: part(5..7, 1), dag: part(8..10, 1) }
    }
}

/// One flag as a line of the report's, the status overview's or a letter's table.
#[derive(Debug, Serialize)]
pub struct MarkeringView {
    pub id: String,
    pub kvartal: Periode,
    pub ydelse: String,
    pub regel: &'static str,
    pub alvor: &'static str,
    /// ● red, ▲ yellow: the severity without colour.
    pub symbol: &'static str,
    pub tilstand: &'static str,
    pub loest: bool,
    pub sager: String,
    pub prioritet: String,
    pub forklaring: String,
    pub kommentar: String,
    /// The municipality, in the national list of the status overview.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kommune: Option<String>,
    /// The other rules that fired on the same cell, answered with this mark: `Regel (alvor): sentence`.
    pub ogsaa: Vec<String>,
}

impl MarkeringView {
    fn of(m: &Markering) -> MarkeringView {
        MarkeringView {
            id: m.id.clone(),
            kvartal: m.kvartal,
            ydelse: if m.ydelse.is_empty() { "Alle".to_string() } else { m.ydelse.clone() },
            regel: m.regel.navn(),
            alvor: m.alvor.code(),
            symbol: symbol(if m.alvor == Alvor::Roed { Cellemarkering::Roed } else { Cellemarkering::Gul }),
            tilstand: m.tilstand.navn(),
            loest: m.tilstand == Tilstand::Loest,
            sager: if m.sager_i_alt > 0 { tal(m.sager_i_alt as f64, 0) } else { String::new() },
            prioritet: tal(m.prioritet, 1),
            forklaring: m.forklaring.clone(),
            kommentar: m.kommentar.clone().unwrap_or_default(),
            kommune: None,
            ogsaa: Vec::new(),
        }
    }

    /// A cell's mark with the rules answered under it.
    fn with_members(m: &Markering, members: &[&Markering]) -> MarkeringView {
        MarkeringView { ogsaa: members.iter().map(|x| member_line(x)).collect(), ..MarkeringView::of(m) }
    }
}

/// Another rule on the same cell, as its mark lists it: `Ændring fra samme kvartal sidste år (gul): …`.
pub fn member_line(m: &Markering) -> String {
    format!("{} ({}): {}", m.regel.navn(), m.alvor.code(), m.forklaring)
}

/// A column of Table 1: one service series.
#[derive(Debug, Serialize)]
pub struct Kolonne {
    pub kode: String,
    pub paragraf: String,
    pub betegnelse: String,
}

/// A cell of Table 1: the figure with its mark's symbol, and the mark (`roed`, `gul`, `tidligere` or none).
#[derive(Debug, Serialize)]
pub struct Celle {
    pub tekst: String,
    pub farve: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Raekke {
    pub kvartal: String,
    pub celler: Vec<Celle>,
}

/// A chart: its id among the SVGs at `sys.inputs.grafer`, its title and its alt text.
#[derive(Debug, Serialize)]
pub struct Graf {
    pub id: String,
    pub titel: String,
    pub alt: String,
}

/// One register's part of the report: Table 1, the development column, the charts, the empty series.
#[derive(Debug, Serialize)]
pub struct RegisterView {
    pub titel: &'static str,
    pub lov: &'static str,
    pub kolonner: Vec<Kolonne>,
    pub raekker: Vec<Raekke>,
    pub udvikling: Vec<String>,
    pub grafer: Vec<Graf>,
    pub tomme: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct AntalView {
    pub roede: String,
    pub gule: String,
    pub uden_kommentar: String,
    pub nye: String,
    pub aendrede: String,
    pub loeste: String,
}

/// Where the municipality answers and asks (`reference-data/kontakt.csv`).
#[derive(Debug, Serialize)]
pub struct KontaktView {
    pub enhed: String,
    pub email: String,
    pub web: String,
}

impl KontaktView {
    fn of(k: &godkend_model::Kontakt) -> KontaktView {
        KontaktView { enhed: k.enhed.clone(), email: k.email.clone(), web: k.web.clone() }
    }
}

#[derive(Debug, Serialize)]
pub struct GodkendelseView {
    pub dato: String,
    pub af: String,
}

/// A rejection reason of the data-quality section.
#[derive(Debug, Serialize)]
pub struct Aarsag {
    pub kode: String,
    pub antal: String,
    pub beskrivelse: &'static str,
}

#[derive(Debug, Serialize)]
pub struct KvalitetView {
    pub leveringer: String,
    pub afviste_leveringer: String,
    pub poster: String,
    pub afviste_poster: String,
    pub andel_afviste: String,
    pub manglende_maaneder: Vec<String>,
    pub aarsager: Vec<Aarsag>,
    pub voksenposter: String,
    pub uden_maalgruppe: String,
    pub andel_uden_maalgruppe: String,
    pub systemskifte: Vec<String>,
}

/// A comment that matches no flag, where it came from.
#[derive(Debug, Serialize)]
pub struct UdenMarkering {
    pub linje: String,
    pub ydelse: String,
    pub kvartal: String,
    pub regel: String,
    pub kommentar: String,
}

/// The approval report (`godkendelsesrapport.typ`).
#[derive(Debug, Serialize)]
pub struct RapportView {
    pub titel: String,
    pub navn: String,
    pub kode: String,
    pub region: String,
    pub aar: String,
    pub dato: Dato,
    pub frister: Vec<[String; 2]>,
    pub frist: String,
    pub antal: AntalView,
    pub forrige: bool,
    pub klar: bool,
    pub godkendelse: Option<GodkendelseView>,
    pub indberettes_af: Option<String>,
    pub taerskler: String,
    pub registre: Vec<RegisterView>,
    pub markeringer: Vec<MarkeringView>,
    /// Earlier years' marks shown in Table 1, counted (`3 markeringer`); `None` when there are none.
    pub tidligere: Option<String>,
    /// `Runde 2`: the round, and what the figures are as of (`data indberettet til og med december 2025`).
    pub runde: String,
    pub data_til_og_med: Option<String>,
    pub kontakt: KontaktView,
    /// The workbook's and the JSON's file names, which the report tells the municipality it gets.
    pub regneark: String,
    pub json_fil: String,
    pub kvalitet: KvalitetView,
    pub uden_markering: Vec<UdenMarkering>,
    pub revision: String,
    pub bemaerkning: Option<String>,
    /// The comparison appendix, the municipality's own placements: series, quarter, its change, ratio,
    /// score, yellow and red interval, where it lies.
    pub hb_test: Vec<[String; 8]>,
    pub hb_personer: Option<String>,
    /// Every rule's code and Danish name, for the appendix.
    pub regler: Vec<[&'static str; 2]>,
}

pub fn report_view(r: &KommuneRapport) -> RapportView {
    let dq = &r.datakvalitet;
    let f = &r.frister;
    RapportView {
        titel: format!("Godkendelsesrapport {} – {}", r.aar, r.navn),
        navn: r.navn.clone(),
        kode: format!("{:03}", r.kommunekode),
        region: r.region.clone(),
        aar: r.aar.to_string(),
        dato: Dato::of(&f.rapport_udsendt),
        frister: vec![
            ["Alle data for året indberettet".into(), dansk_dato(&f.data_indberettet)],
            ["Godkendelsesrapporten udsendes".into(), dansk_dato(&f.rapport_udsendt)],
            ["Frist for kommentarer og godkendelse".into(), dansk_dato(&f.godkendelse)],
            ["Brev om status for godkendelse".into(), dansk_dato(&f.statusbrev)],
        ],
        frist: dansk_dato(&f.godkendelse),
        antal: AntalView {
            roede: r.antal.roede.to_string(),
            gule: r.antal.gule.to_string(),
            uden_kommentar: r.antal.uden_kommentar.to_string(),
            nye: r.antal.nye.to_string(),
            aendrede: r.antal.aendrede.to_string(),
            loeste: r.antal.loeste.to_string(),
        },
        forrige: r.sammenholdt_med_forrige,
        klar: r.klar_til_godkendelse,
        godkendelse: r
            .godkendelse
            .as_ref()
            .map(|g| GodkendelseView { dato: dansk_dato(&g.dato), af: g.godkendt_af.clone() }),
        indberettes_af: dq.indberettes_af.map(|k| format!("{k:03}")),
        taerskler: r.taerskler_version.clone(),
        registre: [Register::Voksne, Register::Boern].into_iter().filter_map(|reg| register_view(r, reg)).collect(),
        markeringer: r
            .marks_with_members()
            .iter()
            .map(|(m, members)| MarkeringView::with_members(m, members))
            .collect(),
        tidligere: match r.tidligere_markeringer() {
            0 => None,
            n => Some(antal(n, "markering", "markeringer")),
        },
        runde: format!("Runde{NBSP}{}", r.runde),
        data_til_og_med: r.data_til_og_med.as_deref().map(dansk_maaned),
        kontakt: KontaktView::of(&r.kontakt),
        regneark: format!("{:03}-{}-markeringer.xlsx", r.kommunekode, r.aar),
        json_fil: format!("{:03}-{}.json", r.kommunekode, r.aar),
        kvalitet: kvalitet_view(r),
        uden_markering: r
            .kommentarer_uden_markering
            .iter()
            .map(|c| UdenMarkering {
                linje: format!("{}:{}", c.fil, c.linje),
                ydelse: c.ydelse.clone(),
                kvartal: c.kvartal.clone(),
                regel: c.regel.clone(),
                kommentar: c.kommentar.clone(),
            })
            .collect(),
        revision: r.revision.clone(),
        bemaerkning: r.bemaerkning.clone(),
        hb_test: hb_rows(r),
        hb_personer: r.hb_test.first().map(|h| h.personer.to_string()),
        regler: Regel::ALL.iter().map(|g| [g.code(), g.navn()]).collect(),
    }
}

/// One register's tables and charts; `None` when the report has no series of it.
fn register_view(r: &KommuneRapport, register: Register) -> Option<RegisterView> {
    let marks = r.markering_per_celle();
    let serier: Vec<&SerieRapport> = r.serier.iter().filter(|s| s.register == register).collect();
    let first = serier.first()?;
    let quarters: Vec<String> = first.kvartaler.iter().map(|q| q.kvartal.to_string()).collect();
    let periods: Vec<Periode> = first.kvartaler.iter().map(|q| q.kvartal.into()).collect();
    let raekker = quarters
        .iter()
        .enumerate()
        .map(|(i, q)| Raekke {
            kvartal: q.clone(),
            celler: serier
                .iter()
                .map(|s| {
                    let mark = marks.get(&(s.serie.clone(), periods[i])).copied();
                    let tal = tal(f64::from(s.kvartaler[i].modtagere), 0);
                    Celle {
                        tekst: mark.map_or_else(|| tal.clone(), |m| format!("{tal}{NBSP}{}", symbol(m))),
                        farve: farve(mark),
                    }
                })
                .collect(),
        })
        .collect();
    let (from, to) = (quarters.first().map_or("", String::as_str), quarters.last().map_or("", String::as_str));
    let grafer = serier
        .iter()
        .filter(|s| has_data(s))
        .map(|s| {
            let last = s.kvartaler.last().map_or(0, |q| q.modtagere);
            let firstv = s.kvartaler.first().map_or(0, |q| q.modtagere);
            Graf {
                id: chart_id(s),
                titel: format!("{} {}", s.ydelse, s.betegnelse),
                alt: format!(
                    "Linjediagram: antal modtagere af {} ({}) i {} pr. kvartal fra {from} til {to}, fra {firstv} til {last}, med landstallet indekseret til samme start; {}.",
                    s.betegnelse,
                    s.paragraf,
                    r.navn,
                    marked_quarters(&r.markerede_kvartaler(s))
                ),
            }
        })
        .collect();
    let (titel, lov) = register_titel(register);
    Some(RegisterView {
        titel,
        lov,
        kolonner: serier
            .iter()
            .map(|s| Kolonne {
                kode: s.ydelse.clone(),
                paragraf: s.paragraf.split(" / ").last().unwrap_or("").to_string(),
                betegnelse: s.betegnelse.clone(),
            })
            .collect(),
        raekker,
        udvikling: serier
            .iter()
            .map(|s| s.pct_udvikling.map_or_else(|| "–".to_string(), |p| format!("{}\u{a0}%", tal(p, 1))))
            .collect(),
        grafer,
        tomme: serier.iter().filter(|s| !has_data(s)).map(|s| format!("{} {}", s.ydelse, s.betegnelse)).collect(),
    })
}

fn kvalitet_view(r: &KommuneRapport) -> KvalitetView {
    let dq = &r.datakvalitet;
    KvalitetView {
        leveringer: tal(dq.leveringer as f64, 0),
        afviste_leveringer: tal(dq.afviste_leveringer as f64, 0),
        poster: tal(dq.poster as f64, 0),
        afviste_poster: tal(dq.afviste_poster as f64, 0),
        andel_afviste: format!("{}\u{a0}%", tal(dq.andel_afviste_poster, 2)),
        manglende_maaneder: dq.manglende_maaneder.clone(),
        aarsager: dq
            .afvisningsaarsager
            .iter()
            .map(|(code, n)| Aarsag {
                kode: code.clone(),
                antal: tal(*n as f64, 0),
                beskrivelse: FundKode::parse(code).map_or("", |k| k.beskrivelse()),
            })
            .collect(),
        voksenposter: tal(dq.voksenposter as f64, 0),
        uden_maalgruppe: tal(dq.voksenposter_uden_maalgruppe as f64, 0),
        andel_uden_maalgruppe: format!("{}\u{a0}%", tal(dq.andel_uden_maalgruppe, 1)),
        systemskifte: dq
            .systemskifte
            .iter()
            .map(|s| {
                format!(
                    "{}: {}\u{a0}% af kvartalets {} starter ligger på {}",
                    s.kvartal,
                    tal(s.andel, 0),
                    s.starter_i_kvartalet,
                    dansk_dato(&s.dato)
                )
            })
            .collect(),
    }
}

/// The report's comparison appendix: one row per HB test of the report year the municipality took part
/// in — series, quarter, its change, its ratio and score, the yellow and red intervals, and where it lies.
fn hb_rows(r: &KommuneRapport) -> Vec<[String; 8]> {
    let order: BTreeMap<&str, (usize, &str)> =
        r.serier.iter().enumerate().map(|(i, s)| (s.serie.as_str(), (i, s.ydelse.as_str()))).collect();
    let personer = r.hb_test.first().map_or(0, |h| h.personer);
    let mut rows: Vec<_> = r.hb_placering.iter().collect();
    rows.sort_by_key(|h| (order.get(h.serie.as_str()).map_or(usize::MAX, |o| o.0), h.kvartal));
    let interval = |i: [f64; 2]| format!("[{}; {}]", tal(i[0], 2), tal(i[1], 2));
    rows.iter()
        .map(|h| {
            let vurdering = match h.vurdering(personer) {
                Placering::UnderPersoner => format!("uden for, men under {personer} personer"),
                Placering::UdenforRoed => "uden for rød".to_string(),
                Placering::UdenforGul => "uden for gul".to_string(),
                Placering::Inden => "inden for".to_string(),
            };
            [
                order.get(h.serie.as_str()).map_or(h.serie.as_str(), |o| o.1).to_string(),
                h.kvartal.to_string(),
                format!("{} → {}", tal(h.forrige, 0), tal(h.aktuel, 0)),
                tal(h.forhold, 2),
                tal(h.score, 2),
                interval(h.gul),
                interval(h.roed),
                vurdering,
            ]
        })
        .collect()
}

/// The national HB table, once, in the status overview: one row per test of the report year.
fn hb_national_rows(status: &Status) -> Vec<[String; 10]> {
    let order: BTreeMap<&str, (usize, &str)> =
        status.hb_ydelser.iter().enumerate().map(|(i, (s, y))| (s.as_str(), (i, y.as_str()))).collect();
    let mut tests: Vec<_> = status.hb_test.iter().collect();
    tests.sort_by_key(|h| (order.get(h.serie.as_str()).map_or(usize::MAX, |o| o.0), h.kvartal));
    let interval = |i: [f64; 2]| format!("[{}; {}]", tal(i[0], 2), tal(i[1], 2));
    tests
        .iter()
        .map(|h| {
            [
                order.get(h.serie.as_str()).map_or(h.serie.as_str(), |o| o.1).to_string(),
                h.kvartal.to_string(),
                tal(h.median_forhold, 3),
                tal(h.q1, 2),
                tal(h.m, 2),
                tal(h.q3, 2),
                interval(h.gul),
                interval(h.roed),
                h.enheder_brugt.to_string(),
                format!("{} / {}", h.sprunget_over_nul, h.sprunget_over_uaendret),
            ]
        })
        .collect()
}

/// One municipality's line in the status overview.
#[derive(Debug, Serialize)]
pub struct StatusRaekkeView {
    pub kode: String,
    pub navn: String,
    pub roede: String,
    pub gule: String,
    pub uden: String,
    pub klar: bool,
    pub godkendelse: String,
    pub godkendt: bool,
    pub manglende: String,
    pub afviste: String,
}

/// The status overview (`status.typ`): one row per municipality, the totals and the open flags that
/// matter most.
#[derive(Debug, Serialize)]
pub struct StatusView {
    pub titel: String,
    pub aar: String,
    pub dato: Dato,
    pub kommuner: Vec<StatusRaekkeView>,
    pub i_alt: String,
    pub klar: String,
    pub godkendt: String,
    pub roede: String,
    pub gule: String,
    /// The overview's first sentence, counts with their nouns in the right number.
    pub sammendrag: String,
    pub top: Vec<MarkeringView>,
    /// The national HB table: series, quarter, median ratio, Q1, M, Q3, yellow and red interval, units
    /// used, units skipped (zero / unchanged).
    pub hb_test: Vec<[String; 10]>,
    pub hb_personer: Option<String>,
}

pub fn status_view(status: &Status) -> StatusView {
    let kommuner = status
        .kommuner
        .iter()
        .map(|k| StatusRaekkeView {
            kode: format!("{:03}", k.kommunekode),
            navn: k.navn.clone(),
            roede: k.roede.to_string(),
            gule: k.gule.to_string(),
            uden: k.uden_kommentar.to_string(),
            klar: k.klar_til_godkendelse,
            godkendelse: match k.godkendt_dato.as_deref() {
                Some(d) => format!("godkendt {}", dansk_dato(d)),
                None if k.klar_til_godkendelse => "klar".to_string(),
                None => "ikke godkendt".to_string(),
            },
            godkendt: k.godkendt_dato.is_some(),
            manglende: k.manglende_maaneder.to_string(),
            afviste: format!("{}\u{a0}%", tal(k.andel_afviste_poster, 1)),
        })
        .collect();
    StatusView {
        titel: format!("Status for godkendelse {}", status.aar),
        aar: status.aar.to_string(),
        dato: Dato::of(&status.frister.rapport_udsendt),
        kommuner,
        i_alt: status.kommuner_i_alt.to_string(),
        klar: status.klar_til_godkendelse.to_string(),
        godkendt: status.godkendt.to_string(),
        roede: status.roede.to_string(),
        gule: status.gule.to_string(),
        sammendrag: format!(
            "{} af {} har godkendt deres data for {}, og {} har kommenteret alle markeringer ({} og {} markeringer i alt).",
            status.godkendt,
            antal(status.kommuner_i_alt, "kommune", "kommuner"),
            status.aar,
            status.klar_til_godkendelse,
            antal(status.roede, "rød", "røde"),
            antal(status.gule, "gul", "gule")
        ),
        hb_test: hb_national_rows(status),
        hb_personer: status.hb_test.first().map(|h| h.personer.to_string()),
        top: status
            .stoerste_aabne_markeringer
            .iter()
            .map(|a| MarkeringView {
                kommune: Some(format!("{:03} {}", a.markering.kommunekode, a.navn)),
                ..MarkeringView::of(&a.markering)
            })
            .collect(),
    }
}

/// The municipality's official name as an addressee: `Odense Kommune`, `Københavns Kommune`,
/// `Bornholms Regionskommune`.
pub fn kommune_titel(navn: &str) -> String {
    match navn {
        "København" => "Københavns Kommune".to_string(),
        "Bornholm" => "Bornholms Regionskommune".to_string(),
        _ => format!("{navn} Kommune"),
    }
}

/// The May letter to one municipality's director (`statusbrev.typ`).
#[derive(Debug, Serialize)]
pub struct StatusbrevView {
    pub titel: String,
    pub navn: String,
    pub kommune: String,
    pub kode: String,
    pub aar: String,
    pub dato: Dato,
    pub dato_tekst: String,
    pub rapport_udsendt: String,
    pub frist: String,
    /// The new deadline the letter gives (`aarshjul.csv`'s `ny_frist`).
    pub ny_frist: String,
    pub klar: bool,
    pub aabne_i_alt: String,
    pub roede: String,
    pub gule: String,
    pub aabne_roede: String,
    pub aabne_gule: String,
    pub aabne: Vec<MarkeringView>,
    pub flere: String,
    pub regneark: String,
    pub kontakt: KontaktView,
    /// One paragraph for the director: what is missing, and why it matters.
    pub resume: String,
}

/// The letter's summary for the director, in one paragraph.
fn resume(b: &Statusbrev) -> String {
    use godkend_model::talformat::antal;
    let kommune = kommune_titel(&b.navn);
    let aabne = b.aabne_roede + b.aabne_gule;
    if aabne == 0 {
        return format!(
            "Kort fortalt: {kommune} har kommenteret alle markeringer i godkendelsesrapporten for {}. Der mangler kun \
             kommunens godkendelse af data, senest {}; når den er modtaget, kan Danmarks Statistik offentliggøre \
             kommunens tal.",
            b.aar,
            dansk_dato(&b.frister.ny_frist)
        );
    }
    let farver: Vec<String> = [(b.aabne_roede, "rød", "røde"), (b.aabne_gule, "gul", "gule")]
        .into_iter()
        .filter(|(n, ..)| *n > 0)
        .map(|(n, ental, flertal)| antal(n, ental, flertal))
        .collect();
    format!(
        "Kort fortalt: {kommune} mangler at kommentere {} ({}) og at godkende data for {}, senest {}. \
         Derefter kan Danmarks Statistik offentliggøre kommunens tal.",
        antal(aabne, "markering", "markeringer"),
        farver.join(" og "),
        b.aar,
        dansk_dato(&b.frister.ny_frist)
    )
}

pub fn statusbrev_view(b: &Statusbrev) -> StatusbrevView {
    let flere = match (b.ikke_listet_roede, b.ikke_listet_gule) {
        (0, 0) => String::new(),
        (r, g) => {
            use godkend_model::talformat::antal;
            let resten: Vec<String> =
                [(r, "rød markering", "røde markeringer"), (g, "gul markering", "gule markeringer")]
                    .into_iter()
                    .filter(|(n, ..)| *n > 0)
                    .map(|(n, ental, flertal)| antal(n, ental, flertal))
                    .collect();
            format!(
                "Listen viser de {} vigtigste af hver farve; yderligere {} står i regnearket.",
                godkend_round::statusbrev::MAX_LISTED,
                resten.join(" og ")
            )
        }
    };
    StatusbrevView {
        titel: format!("Status for godkendelse {} – {}", b.aar, b.navn),
        navn: b.navn.clone(),
        kommune: kommune_titel(&b.navn),
        kode: format!("{:03}", b.kommunekode),
        aar: b.aar.to_string(),
        dato: Dato::of(&b.frister.statusbrev),
        dato_tekst: dansk_dato(&b.frister.statusbrev),
        rapport_udsendt: dansk_dato(&b.frister.rapport_udsendt),
        frist: dansk_dato(&b.frister.godkendelse),
        ny_frist: dansk_dato(&b.frister.ny_frist),
        klar: b.aabne_roede + b.aabne_gule == 0,
        aabne_i_alt: (b.aabne_roede + b.aabne_gule).to_string(),
        roede: b.roede.to_string(),
        gule: b.gule.to_string(),
        aabne_roede: b.aabne_roede.to_string(),
        aabne_gule: b.aabne_gule.to_string(),
        aabne: b
            .aabne
            .iter()
            .map(|m| {
                let mut v = MarkeringView::of(m);
                if let Some(navn) = b.serie_navne.get(&m.serie) {
                    v.ydelse = format!("{} {navn}", m.ydelse);
                }
                v
            })
            .collect(),
        flere,
        regneark: format!("{:03}-{}-markeringer.xlsx", b.kommunekode, b.aar),
        kontakt: KontaktView::of(&b.kontakt),
        resume: resume(b),
    }
}

/// Cases the systemskifte PDF lists; the CSV has them all.
pub const SYSTEMSKIFTE_SAGER_I_PDF: usize = 300;

#[derive(Debug, Serialize)]
pub struct SkifteKvartalView {
    pub kvartal: String,
    /// The go-live quarter.
    pub skift: bool,
    pub modtagere: String,
    pub starter: String,
    pub ophoer: String,
}

#[derive(Debug, Serialize)]
pub struct SkifteSerieView {
    pub titel: String,
    pub kvartaler: Vec<SkifteKvartalView>,
}

/// A case that starts on the go-live date (or the line saying how many more the CSV has).
#[derive(Debug, Serialize)]
pub struct SkifteSagView {
    pub sagsid: String,
    pub ydelse: String,
    pub start: String,
    pub slut: String,
    pub fra: String,
}

/// The systemskifte report of one municipality (`systemskifte.typ`).
#[derive(Debug, Serialize)]
pub struct SystemskifteView {
    pub titel: String,
    pub navn: String,
    pub kommune: String,
    pub dato: Dato,
    pub dato_tekst: String,
    pub kvartal: String,
    pub serier: Vec<SkifteSerieView>,
    pub sager: Vec<SkifteSagView>,
    pub starter_i_kvartalet: String,
    pub starter_paa_datoen: String,
    pub genoprettede: String,
    pub csv: String,
    pub sager_csv: String,
}

pub fn systemskifte_view(s: &Systemskifte) -> SystemskifteView {
    let serier = s
        .serier
        .iter()
        .map(|x| SkifteSerieView {
            titel: format!("{} {}", x.ydelse, x.betegnelse),
            kvartaler: x
                .kvartaler
                .iter()
                .map(|q| SkifteKvartalView {
                    kvartal: q.kvartal.clone(),
                    skift: q.kvartal == s.kvartal,
                    modtagere: tal(q.modtagere as f64, 0),
                    starter: tal(q.starter as f64, 0),
                    ophoer: tal(q.ophoer as f64, 0),
                })
                .collect(),
        })
        .collect();
    let mut sager: Vec<SkifteSagView> = s
        .sager
        .iter()
        .take(SYSTEMSKIFTE_SAGER_I_PDF)
        .map(|c| SkifteSagView {
            sagsid: c.sagsid.clone(),
            ydelse: c.ydelse.clone(),
            start: c.startdato.clone(),
            slut: c.slutdato.clone().unwrap_or_default(),
            fra: c.genoprettet_fra.clone().unwrap_or_default(),
        })
        .collect();
    if s.sager.len() > SYSTEMSKIFTE_SAGER_I_PDF {
        sager.push(SkifteSagView {
            sagsid: format!("… og {} sager mere (se CSV-filen)", s.sager.len() - SYSTEMSKIFTE_SAGER_I_PDF),
            ydelse: String::new(),
            start: String::new(),
            slut: String::new(),
            fra: String::new(),
        });
    }
    let stem = format!("{:03}-systemskifte-{}", s.kommunekode, s.dato);
    SystemskifteView {
        titel: format!("Systemskifte {} – {}", s.dato, s.navn),
        navn: s.navn.clone(),
        kommune: kommune_titel(&s.navn),
        dato: Dato::of(&s.dato),
        dato_tekst: dansk_dato(&s.dato),
        kvartal: s.kvartal.clone(),
        serier,
        sager,
        starter_i_kvartalet: tal(s.starter_i_kvartalet as f64, 0),
        starter_paa_datoen: tal(s.starter_paa_datoen as f64, 0),
        genoprettede: tal(s.genoprettede as f64, 0),
        csv: format!("{stem}.csv"),
        sager_csv: format!("{stem}-sager.csv"),
    }
}
