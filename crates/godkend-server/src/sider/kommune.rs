//! A municipality's front page (what is due, what is still open before approval), its report (Table 1
//! and the charts as HTML and SVG, the marks, the downloads), one series' chart, and its files.

use super::{dato, ramme};
use crate::adgang::Hvem;
use crate::app::App;
use crate::svar::{Fejl, Ramme, side};
use askama::Template;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use godkend_model::talformat::tal;
use godkend_round::KommuneRapport;
use godkend_round::rapport::Cellemarkering;
use godkend_rules::{Alvor, Markering};
use std::sync::Arc;

/// A mark as a line of a list: what the symbol, the colour's name and the link need.
#[derive(Clone)]
pub(crate) struct MarkLinje {
    pub id: String,
    pub symbol: &'static str,
    pub alvor: &'static str,
    pub klasse: &'static str,
    pub kvartal: String,
    pub ydelse: String,
    pub regel: &'static str,
    pub forklaring: String,
    pub besvaret: bool,
    pub sager: usize,
}

impl MarkLinje {
    pub(crate) fn of(m: &Markering) -> MarkLinje {
        let roed = m.alvor == Alvor::Roed;
        MarkLinje {
            id: m.id.clone(),
            symbol: godkend_outputs::view::symbol(if roed { Cellemarkering::Roed } else { Cellemarkering::Gul }),
            alvor: if roed { "rød" } else { "gul" },
            klasse: if roed { "roed" } else { "gul" },
            kvartal: m.kvartal.to_string(),
            ydelse: if m.ydelse.is_empty() { "alle ydelser".into() } else { m.ydelse.clone() },
            regel: m.regel.navn(),
            forklaring: m.forklaring.clone(),
            besvaret: !m.is_open(),
            sager: m.sager_i_alt,
        }
    }
}

/// The report year's marks to answer, in the report's order.
pub(crate) fn marks(r: &KommuneRapport) -> Vec<MarkLinje> {
    r.marks_with_members().into_iter().filter(|(m, _)| m.to_answer()).map(|(m, _)| MarkLinje::of(m)).collect()
}

/// The live report of a municipality the user may see.
pub(crate) fn live(app: &App, hvem: &Hvem, kode: &str) -> Result<(u16, KommuneRapport), Fejl> {
    let k = hvem.kommune(app, kode)?;
    let r = app.live(k)?.ok_or(Fejl::IkkeFundet)?;
    Ok((k, r))
}

#[derive(Template)]
#[template(path = "forside.html")]
struct Forside {
    ramme: Ramme,
    r: KommuneRapport,
    frist_data: String,
    frist_rapport: String,
    frist_godkendelse: String,
    status: &'static str,
    aabne: Vec<MarkLinje>,
    /// Marks whose comment DST has asked to have explained further.
    uddyb: Vec<MarkLinje>,
    besvarede: usize,
    godkendt: String,
    beskeder: usize,
}

pub async fn forside(State(app): State<Arc<App>>, hvem: Hvem, Path(kode): Path<String>) -> Result<Response, Fejl> {
    let (k, r) = live(&app, &hvem, &kode)?;
    let all = marks(&r);
    let asked = app.dialog.asked_again(app.year(), k)?;
    let uddyb = all.iter().filter(|m| asked.contains(&m.id)).cloned().collect();
    let besvarede = all.iter().filter(|m| m.besvaret).count();
    let godkendt =
        r.godkendelse.as_ref().map(|g| format!("{} af {}", dato(&g.dato), g.godkendt_af)).unwrap_or_default();
    let page = Forside {
        ramme: ramme(&app, &hvem, &format!("{} – forside", r.navn), Some(k)),
        frist_data: dato(&r.frister.data_indberettet),
        frist_rapport: dato(&r.frister.rapport_udsendt),
        frist_godkendelse: dato(&r.frister.godkendelse),
        status: r.godkendelsesstatus().navn(),
        aabne: all.into_iter().filter(|m| !m.besvaret).collect(),
        uddyb,
        besvarede,
        godkendt,
        beskeder: app.dialog.messages(app.year(), k, None)?.len(),
        r,
    };
    Ok(side(&page))
}

/// One cell of Table 1.
struct Celle {
    tal: String,
    klasse: &'static str,
    symbol: &'static str,
    /// The mark in words, for a screen reader and without colour.
    tekst: &'static str,
}

struct Raekke {
    ydelse: String,
    paragraf: String,
    betegnelse: String,
    celler: Vec<Celle>,
}

struct Tabel {
    titel: &'static str,
    raekker: Vec<Raekke>,
}

struct Graf {
    serie: String,
    titel: String,
    alt: String,
}

#[derive(Template)]
#[template(path = "rapport.html")]
struct RapportSide {
    ramme: Ramme,
    r: KommuneRapport,
    kvartaler: Vec<String>,
    tabeller: Vec<Tabel>,
    grafer: Vec<Graf>,
    marks: Vec<MarkLinje>,
    skriver: bool,
}

pub async fn rapport(State(app): State<Arc<App>>, hvem: Hvem, Path(kode): Path<String>) -> Result<Response, Fejl> {
    let (k, r) = live(&app, &hvem, &kode)?;
    let cells = r.markering_per_celle();
    let kvartaler: Vec<String> = r.kvartaler.iter().map(|q| q.to_string()).collect();
    let mut voksne = Vec::new();
    let mut boern = Vec::new();
    let mut grafer = Vec::new();
    for s in r.serier.iter().filter(|s| godkend_outputs::view::has_data(s)) {
        let celler = r
            .kvartaler
            .iter()
            .map(|q| match s.kvartaler.iter().find(|x| x.kvartal == *q) {
                None => Celle { tal: "–".into(), klasse: "", symbol: "", tekst: "" },
                Some(x) => {
                    let mark = cells.get(&(s.serie.clone(), x.kvartal.into())).copied();
                    let (klasse, tekst) = match mark {
                        Some(Cellemarkering::Roed) => ("roed", "rød markering"),
                        Some(Cellemarkering::Gul) => ("gul", "gul markering"),
                        Some(Cellemarkering::Tidligere) => ("tidligere", "tidligere års markering"),
                        None => ("", ""),
                    };
                    Celle {
                        tal: tal(f64::from(x.modtagere), 0),
                        klasse,
                        symbol: mark.map_or("", godkend_outputs::view::symbol),
                        tekst,
                    }
                }
            })
            .collect();
        let row =
            Raekke { ydelse: s.ydelse.clone(), paragraf: s.paragraf.clone(), betegnelse: s.betegnelse.clone(), celler };
        match s.register {
            godkend_model::Register::Voksne => voksne.push(row),
            godkend_model::Register::Boern => boern.push(row),
        }
        let marked: Vec<String> = r
            .markerede_kvartaler(s)
            .iter()
            .map(|(q, m)| {
                format!(
                    "{q} ({})",
                    match m {
                        Cellemarkering::Roed => "rød",
                        Cellemarkering::Gul => "gul",
                        Cellemarkering::Tidligere => "tidligere år",
                    }
                )
            })
            .collect();
        let first = s.kvartaler.first().map(|q| q.modtagere).unwrap_or(0);
        let last = s.kvartaler.last().map(|q| q.modtagere).unwrap_or(0);
        grafer.push(Graf {
            serie: s.serie.clone(),
            titel: format!("{} {} ({})", s.ydelse, s.betegnelse, s.paragraf),
            alt: format!(
                "Modtagere pr. kvartal i {}: fra {} til {}; landet indekseret til samme start vises som grå linje. Markerede kvartaler: {}.",
                r.navn,
                tal(f64::from(first), 0),
                tal(f64::from(last), 0),
                if marked.is_empty() { "ingen".to_string() } else { marked.join(", ") }
            ),
        });
    }
    let page = RapportSide {
        ramme: ramme(&app, &hvem, &format!("{} – rapport {}", r.navn, r.aar), Some(k)),
        kvartaler,
        tabeller: [("Voksne (Serviceloven)", voksne), ("Børn (Serviceloven og Barnets Lov)", boern)]
            .into_iter()
            .filter(|(_, raekker)| !raekker.is_empty())
            .map(|(titel, raekker)| Tabel { titel, raekker })
            .collect(),
        grafer,
        marks: marks(&r),
        skriver: hvem.rolle().may_write(),
        r,
    };
    Ok(side(&page))
}

/// `/kommune/{kode}/graf/{serie}`: one series' chart as SVG (the chart of the PDF).
pub async fn graf(
    State(app): State<Arc<App>>,
    hvem: Hvem,
    Path((kode, serie)): Path<(String, String)>,
) -> Result<Response, Fejl> {
    let (_, r) = live(&app, &hvem, &kode)?;
    let s = r.serier.iter().find(|s| s.serie == serie && godkend_outputs::view::has_data(s)).ok_or(Fejl::IkkeFundet)?;
    let svg =
        godkend_outputs::chart::serie_svg(s, &r.markering_per_celle()).map_err(|e| Fejl::Intern(e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

/// `/kommune/{kode}/filer/{rapport.pdf|rapport.json|markeringer.xlsx}`.
pub async fn fil(
    State(app): State<Arc<App>>,
    hvem: Hvem,
    Path((kode, navn)): Path<(String, String)>,
) -> Result<Response, Fejl> {
    let k = hvem.kommune(&app, &kode)?;
    let found = tokio::task::block_in_place(|| app.download(k, &navn)).map_err(Fejl::Intern)?;
    let (path, mime) = found.ok_or(Fejl::IkkeFundet)?;
    let bytes = std::fs::read(&path).map_err(|e| Fejl::Intern(format!("{}: {e}", path.display())))?;
    let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // The file name is the municipality's own (`101-København-2025.pdf`): given as RFC 5987 UTF-8.
    let encoded: String = file
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename*=UTF-8''{encoded}")),
        ],
        Body::from(bytes),
    )
        .into_response())
}
