//! One mark: its explanation, state and group, every case behind it (paged), the comment with its
//! history and DST's review, and the thread with DST about it; and the municipality's message page.
//! A form that cannot be saved shows the page again with the error above it, tied to its field.

use super::kommune::{MarkLinje, live};
use super::{ramme, tidspunkt, tilbage};
use crate::adgang::Hvem;
use crate::app::App;
use crate::svar::{Fejl, Ramme, side};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use godkend_dialog::{Besked, Kommentarversion, Vurdering};
use godkend_round::KommuneRapport;
use godkend_rules::Markering;
use std::sync::Arc;

/// Cases per page.
pub const SAGER_PR_SIDE: usize = 50;

struct Sag {
    sagsid: String,
    ydelse: String,
    startdato: String,
    slutdato: String,
    haendelse: String,
}

struct Version {
    id: i64,
    tekst: String,
    af: String,
    tid: String,
    vurdering: String,
}

struct Indlaeg {
    tekst: String,
    af: String,
    tid: String,
    fra_dst: bool,
    markering: String,
}

fn versions(v: Vec<Kommentarversion>) -> Vec<Version> {
    v.into_iter()
        .map(|v| Version {
            id: v.id,
            tekst: v.tekst,
            af: v.af,
            tid: tidspunkt(&v.tid),
            vurdering: v.vurdering.map(|x| x.navn().to_string()).unwrap_or_default(),
        })
        .collect()
}

fn indlaeg(b: Vec<Besked>) -> Vec<Indlaeg> {
    b.into_iter()
        .map(|b| Indlaeg {
            tekst: b.tekst,
            af: if b.fra_dst { format!("Danmarks Statistik ({})", b.af) } else { b.af },
            tid: tidspunkt(&b.tid),
            fra_dst: b.fra_dst,
            markering: b.markering.unwrap_or_default(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "markering.html")]
struct Side {
    ramme: Ramme,
    m: MarkLinje,
    taerskel: String,
    tal: Vec<(String, String)>,
    tilstand: &'static str,
    ogsaa: Vec<String>,
    kommentar: String,
    historik: Vec<Version>,
    traad: Vec<Indlaeg>,
    sager: Vec<Sag>,
    sager_i_alt: usize,
    side: usize,
    sider: usize,
    fra: usize,
    til: usize,
    skriver: bool,
    dst: bool,
    besvares: bool,
    fejl_kommentar: String,
    fejl_besked: String,
    udkast_kommentar: String,
    udkast_besked: String,
}

#[derive(serde::Deserialize, Default)]
pub struct Sidetal {
    #[serde(default)]
    side: Option<String>,
}

/// The mark `id` of the live report: the cell's own mark (a flag answered under another leads to it).
fn find<'a>(r: &'a KommuneRapport, id: &str) -> Result<&'a Markering, Fejl> {
    let m = r.markeringer.iter().find(|m| m.id == id && m.i_rapportaaret).ok_or(Fejl::IkkeFundet)?;
    match &m.hoerer_til {
        Some(main) => r.markeringer.iter().find(|x| &x.id == main).ok_or(Fejl::IkkeFundet),
        None => Ok(m),
    }
}

/// A rule's figure by its Danish name (the key as the JSON has it when there is none).
fn tal_navn(key: &str) -> String {
    match key {
        "aktuel" => "Kvartalets tal",
        "forrige" => "Tallet, der sammenlignes med",
        "procent" => "Ændring i procent",
        "forventet" => "Forventet",
        "afviste" => "Afviste",
        "poster" => "Poster",
        "godkendt" => "Godkendt tal",
        "nu" => "Tallet nu",
        "i_alt" => "I alt",
        "i_kvartalet" => "I kvartalet",
        "paa_datoen" => "På datoen",
        "maaneder" => "Måneder",
        "uden" => "Uden",
        "kommuner" => "Kommuner",
        "kommuner_med_ydelsen" => "Kommuner med ydelsen",
        "forhold" => "Forhold",
        "median_forhold" => "Medianforhold",
        "nedre" => "Nedre grænse",
        "oevre" => "Øvre grænse",
        _ => key,
    }
    .to_string()
}

#[derive(Default)]
struct Udkast {
    fejl_kommentar: String,
    fejl_besked: String,
    kommentar: String,
    besked: String,
}

fn render(app: &App, hvem: &Hvem, kode: &str, id: &str, page: usize, udkast: Udkast) -> Result<Response, Fejl> {
    let (k, r) = live(app, hvem, kode)?;
    let m = find(&r, id)?;
    let rapport = app.rapport(k).ok_or(Fejl::IkkeFundet)?;
    let all: Vec<&godkend_round::sager::SagBag> = rapport.sager.iter().filter(|s| s.id == m.id).collect();
    let sider = all.len().div_ceil(SAGER_PR_SIDE).max(1);
    let side_nr = page.clamp(1, sider);
    let fra = (side_nr - 1) * SAGER_PR_SIDE;
    let sager: Vec<Sag> = all
        .iter()
        .skip(fra)
        .take(SAGER_PR_SIDE)
        .map(|s| Sag {
            sagsid: s.sagsid.clone(),
            ydelse: s.ydelse.clone(),
            startdato: s.startdato.clone(),
            slutdato: s.slutdato.clone().unwrap_or_default(),
            haendelse: s.haendelse.clone(),
        })
        .collect();
    let til = fra + sager.len();
    let ogsaa = r
        .markeringer
        .iter()
        .filter(|x| x.hoerer_til.as_deref() == Some(m.id.as_str()))
        .map(godkend_outputs::view::member_line)
        .collect();
    let page = Side {
        ramme: ramme(app, hvem, &format!("{} markering {} {}", r.navn, m.ydelse, m.kvartal), Some(k)),
        m: MarkLinje::of(m),
        taerskel: m.taerskel.clone(),
        tal: m
            .tal
            .iter()
            .map(|(k, v)| (tal_navn(k), godkend_model::talformat::tal(*v, if v.fract() == 0.0 { 0 } else { 1 })))
            .collect(),
        tilstand: m.tilstand.navn(),
        ogsaa,
        kommentar: m.kommentar.clone().unwrap_or_default(),
        historik: versions(app.dialog.comment_history(app.year(), k, &m.id)?),
        traad: indlaeg(app.dialog.messages(app.year(), k, Some(&m.id))?),
        sager_i_alt: all.len(),
        sager,
        side: side_nr,
        sider,
        fra: fra + 1,
        til,
        skriver: hvem.rolle().may_write(),
        dst: hvem.is_dst(),
        besvares: m.to_answer(),
        fejl_kommentar: udkast.fejl_kommentar,
        fejl_besked: udkast.fejl_besked,
        udkast_kommentar: udkast.kommentar,
        udkast_besked: udkast.besked,
    };
    Ok(side(&page))
}

pub async fn markering(
    State(app): State<Arc<App>>,
    hvem: Hvem,
    Path((kode, id)): Path<(String, String)>,
    Query(q): Query<Sidetal>,
) -> Result<Response, Fejl> {
    let page = q.side.as_deref().and_then(|s| s.parse::<usize>().ok()).unwrap_or(1);
    render(&app, &hvem, &kode, &id, page, Udkast::default())
}

#[derive(serde::Deserialize)]
pub struct TekstForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    tekst: String,
}

fn with_status(response: Result<Response, Fejl>, status: StatusCode) -> Result<Response, Fejl> {
    response.map(|mut r| {
        *r.status_mut() = status;
        r
    })
}

pub async fn kommentar(
    State(app): State<Arc<App>>,
    hvem: Hvem,
    Path((kode, id)): Path<(String, String)>,
    Form(f): Form<TekstForm>,
) -> Result<Response, Fejl> {
    hvem.csrf(&f.csrf)?;
    hvem.may_write()?;
    let (k, r) = live(&app, &hvem, &kode)?;
    let m = find(&r, &id)?;
    if !m.to_answer() {
        return Err(Fejl::Ugyldig("Markeringen skal ikke besvares (den er løst eller fra et tidligere år).".into()));
    }
    let sted = godkend_dialog::dialogen::Flagsted {
        id: &m.id,
        ydelse: &m.ydelse,
        kvartal: &m.kvartal.to_string(),
        regel: m.regel.code(),
    };
    match app.dialog.comment(app.year(), k, &sted, &f.tekst, &hvem.0.bruger) {
        Ok(_) => Ok(tilbage(&format!("/kommune/{k:03}/markering/{}#kommentar", m.id))),
        Err(godkend_dialog::Error::Afvist(t)) => with_status(
            render(&app, &hvem, &kode, &id, 1, Udkast { fejl_kommentar: t, kommentar: f.tekst, ..Udkast::default() }),
            StatusCode::BAD_REQUEST,
        ),
        Err(e) => Err(e.into()),
    }
}

pub async fn besked(
    State(app): State<Arc<App>>,
    hvem: Hvem,
    Path((kode, id)): Path<(String, String)>,
    Form(f): Form<TekstForm>,
) -> Result<Response, Fejl> {
    hvem.csrf(&f.csrf)?;
    hvem.may_write()?;
    let (k, r) = live(&app, &hvem, &kode)?;
    let m = find(&r, &id)?;
    match app.dialog.message(app.year(), k, Some(&m.id), &f.tekst, &hvem.0.bruger) {
        Ok(_) => Ok(tilbage(&format!("/kommune/{k:03}/markering/{}#traad", m.id))),
        Err(godkend_dialog::Error::Afvist(t)) => with_status(
            render(&app, &hvem, &kode, &id, 1, Udkast { fejl_besked: t, besked: f.tekst, ..Udkast::default() }),
            StatusCode::BAD_REQUEST,
        ),
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize)]
pub struct VurderingForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kommentar: String,
    #[serde(default)]
    vurdering: String,
}

/// DST accepts a comment or asks for more.
pub async fn vurdering(
    State(app): State<Arc<App>>,
    hvem: Hvem,
    Path((kode, id)): Path<(String, String)>,
    Form(f): Form<VurderingForm>,
) -> Result<Response, Fejl> {
    hvem.dst()?;
    hvem.csrf(&f.csrf)?;
    let (k, r) = live(&app, &hvem, &kode)?;
    let m = find(&r, &id)?;
    let v = Vurdering::parse(&f.vurdering)
        .ok_or_else(|| Fejl::Ugyldig("Vælg accepteret eller bed om uddybning.".into()))?;
    let kommentar: i64 = f.kommentar.parse().map_err(|_| Fejl::IkkeFundet)?;
    app.dialog.review(app.year(), k, kommentar, v, &hvem.0.bruger)?.ok_or(Fejl::IkkeFundet)?;
    Ok(tilbage(&format!("/kommune/{k:03}/markering/{}#kommentar", m.id)))
}

#[derive(Template)]
#[template(path = "beskeder.html")]
struct Beskeder {
    ramme: Ramme,
    traad: Vec<Indlaeg>,
    skriver: bool,
    fejl: String,
    udkast: String,
}

fn beskeder_page(app: &App, hvem: &Hvem, kode: &str, fejl: String, udkast: String) -> Result<Response, Fejl> {
    let k = hvem.kommune(app, kode)?;
    let page = Beskeder {
        ramme: ramme(app, hvem, "Beskeder", Some(k)),
        traad: indlaeg(app.dialog.messages(app.year(), k, None)?),
        skriver: hvem.rolle().may_write(),
        fejl,
        udkast,
    };
    Ok(side(&page))
}

pub async fn beskeder(State(app): State<Arc<App>>, hvem: Hvem, Path(kode): Path<String>) -> Result<Response, Fejl> {
    beskeder_page(&app, &hvem, &kode, String::new(), String::new())
}

pub async fn generel_besked(
    State(app): State<Arc<App>>,
    hvem: Hvem,
    Path(kode): Path<String>,
    Form(f): Form<TekstForm>,
) -> Result<Response, Fejl> {
    hvem.csrf(&f.csrf)?;
    hvem.may_write()?;
    let k = hvem.kommune(&app, &kode)?;
    match app.dialog.message(app.year(), k, None, &f.tekst, &hvem.0.bruger) {
        Ok(_) => Ok(tilbage(&format!("/kommune/{k:03}/beskeder"))),
        Err(godkend_dialog::Error::Afvist(t)) => {
            with_status(beskeder_page(&app, &hvem, &kode, t, f.tekst), StatusCode::BAD_REQUEST)
        }
        Err(e) => Err(e.into()),
    }
}
