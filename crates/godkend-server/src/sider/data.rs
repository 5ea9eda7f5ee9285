//! "Alle data": the municipality's cases as DST holds them (sagsid, service, dates, target group —
//! never a CPR or a pseudonym), filtered and paged, as CSV, and reconciled with the municipality's own
//! extract (`godkend_round::afstemning`).

use super::ramme;
use crate::adgang::Hvem;
use crate::app::App;
use crate::svar::{Fejl, Ramme, side};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use godkend_round::afstemning::{self, Forskel};
use godkend_store::{CaseStore, Sag};
use std::sync::Arc;

pub const SAGER_PR_SIDE: usize = 100;

/// The municipality's current cases (deleted ones are not held), by sagsid.
fn cases(app: &App, k: u16) -> Result<Vec<Sag>, Fejl> {
    let store = CaseStore::open(&app.config.store).map_err(|e| Fejl::Intern(e.to_string()))?;
    let mut v: Vec<Sag> =
        store.read_cases(k).map_err(|e| Fejl::Intern(e.to_string()))?.into_iter().filter(|s| !s.slettet).collect();
    v.sort_by(|a, b| a.sagsid.cmp(&b.sagsid));
    Ok(v)
}

/// A case's five shown fields as text: sagsid, ydelse, målgruppe, start, end (the page, CSV and XLSX).
fn fields(s: &Sag) -> [String; 5] {
    [
        s.sagsid.clone(),
        s.ydelse.clone(),
        s.maalgruppe.map(|m| m.to_string()).unwrap_or_default(),
        s.startdato.to_string(),
        s.slutdato.map(|d| d.to_string()).unwrap_or_default(),
    ]
}

struct Linje {
    sagsid: String,
    ydelse: String,
    maalgruppe: String,
    startdato: String,
    slutdato: String,
}

#[derive(Template)]
#[template(path = "data.html")]
struct Data {
    ramme: Ramme,
    linjer: Vec<Linje>,
    i_alt: usize,
    fundet: usize,
    side: usize,
    sider: usize,
    ydelse: String,
    sagsid: String,
    ydelser: Vec<String>,
    forespoergsel: String,
}

#[derive(serde::Deserialize, Default)]
pub struct Filter {
    #[serde(default)]
    ydelse: String,
    #[serde(default)]
    sagsid: String,
    #[serde(default)]
    side: Option<String>,
}

fn matches(s: &Sag, f: &Filter) -> bool {
    (f.ydelse.is_empty() || s.ydelse == f.ydelse) && (f.sagsid.trim().is_empty() || s.sagsid.contains(f.sagsid.trim()))
}

pub async fn liste(
    State(app): State<Arc<App>>,
    hvem: Hvem,
    Path(kode): Path<String>,
    Query(f): Query<Filter>,
) -> Result<Response, Fejl> {
    let k = hvem.kommune(&app, &kode)?;
    let all = tokio::task::block_in_place(|| cases(&app, k))?;
    let mut ydelser: Vec<String> = all.iter().map(|s| s.ydelse.clone()).collect();
    ydelser.sort();
    ydelser.dedup();
    let found: Vec<&Sag> = all.iter().filter(|s| matches(s, &f)).collect();
    let sider = found.len().div_ceil(SAGER_PR_SIDE).max(1);
    let page = f.side.as_deref().and_then(|s| s.parse::<usize>().ok()).unwrap_or(1).clamp(1, sider);
    let linjer = found
        .iter()
        .skip((page - 1) * SAGER_PR_SIDE)
        .take(SAGER_PR_SIDE)
        .map(|s| {
            let [sagsid, ydelse, maalgruppe, startdato, slutdato] = fields(s);
            Linje { sagsid, ydelse, maalgruppe, startdato, slutdato }
        })
        .collect();
    let enc = |v: &str| {
        v.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    let page = Data {
        ramme: ramme(&app, &hvem, "Alle data", Some(k)),
        linjer,
        i_alt: all.len(),
        fundet: found.len(),
        side: page,
        sider,
        forespoergsel: format!("ydelse={}&sagsid={}", enc(&f.ydelse), enc(f.sagsid.trim())),
        ydelse: f.ydelse,
        sagsid: f.sagsid,
        ydelser,
    };
    Ok(side(&page))
}

/// The cases as CSV (`;`, UTF-8 with BOM for Excel), filtered as the page.
pub async fn csv(
    State(app): State<Arc<App>>,
    hvem: Hvem,
    Path(kode): Path<String>,
    Query(f): Query<Filter>,
) -> Result<Response, Fejl> {
    let k = hvem.kommune(&app, &kode)?;
    let all = tokio::task::block_in_place(|| cases(&app, k))?;
    let mut out = String::from("\u{feff}sagsid;ydelse;maalgruppe;startdato;slutdato\n");
    for s in all.iter().filter(|s| matches(s, &f)) {
        let field = |v: &str| {
            if v.contains([';', '"', '\n']) { format!("\"{}\"", v.replace('"', "\"\"")) } else { v.to_string() }
        };
        out.push_str(&fields(s).iter().map(|v| field(v)).collect::<Vec<_>>().join(";"));
        out.push('\n');
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{k:03}-sager.csv\"")),
        ],
        out,
    )
        .into_response())
}

/// The cases as a workbook (sheet `Sager`), filtered as the page.
pub async fn xlsx(
    State(app): State<Arc<App>>,
    hvem: Hvem,
    Path(kode): Path<String>,
    Query(f): Query<Filter>,
) -> Result<Response, Fejl> {
    let k = hvem.kommune(&app, &kode)?;
    let all = tokio::task::block_in_place(|| cases(&app, k))?;
    let rows: Vec<[String; 5]> = all.iter().filter(|s| matches(s, &f)).map(fields).collect();
    // The workbook is dated by the report's dispatch date, as the flags workbook is: no clock in a file.
    let dato =
        app.rapport(k).and_then(|r| r.model.frister.rapport_udsendt.parse().ok()).unwrap_or(godkend_model::dato::EPOCH);
    let bytes = tokio::task::block_in_place(|| godkend_outputs::xlsx::sager_bytes(&rows, dato))
        .map_err(|e| Fejl::Intern(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{k:03}-sager.xlsx\"")),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "afstemning.html")]
struct Afstemning {
    ramme: Ramme,
    linjer: usize,
    /// Per kind: its name and how many.
    arter: Vec<(String, usize)>,
    i_alt: usize,
    /// The first [`VIST`] differences.
    forskelle: Vec<(String, Forskel)>,
    fejl: String,
}

/// Differences listed on the page (the counts per kind are of all).
pub const VIST: usize = 1_000;

/// The municipality's extract compared with DST's cases.
pub async fn afstem(
    State(app): State<Arc<App>>,
    hvem: Hvem,
    Path(kode): Path<String>,
    mut form: Multipart,
) -> Result<Response, Fejl> {
    let k = hvem.kommune(&app, &kode)?;
    let mut csrf = String::new();
    let mut bytes = Vec::new();
    while let Some(field) =
        form.next_field().await.map_err(|e| Fejl::Ugyldig(format!("Upload kunne ikke læses: {e}")))?
    {
        match field.name() {
            Some("csrf") => csrf = field.text().await.map_err(|_| Fejl::Csrf)?,
            Some("fil") => {
                bytes =
                    field.bytes().await.map_err(|e| Fejl::Ugyldig(format!("Filen kunne ikke modtages: {e}")))?.to_vec()
            }
            _ => {}
        }
    }
    hvem.csrf(&csrf)?;
    let extract = match afstemning::read(&bytes) {
        Ok(e) => e,
        Err(e) => {
            let page = Afstemning {
                ramme: ramme(&app, &hvem, "Afstemning", Some(k)),
                linjer: 0,
                arter: Vec::new(),
                i_alt: 0,
                forskelle: Vec::new(),
                fejl: format!("linje {}: {}", e.linje, e.tekst),
            };
            let mut r = side(&page);
            *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            return Ok(r);
        }
    };
    let ours = tokio::task::block_in_place(|| cases(&app, k))?;
    let afviste = app.rapport(k).map(|r| r.afviste.clone()).unwrap_or_default();
    // Cases of another handlekommune only for the sender that delivered them (Ishøj for Vallensbæk).
    let mut others = Vec::new();
    if app.reference.reporter_of(k) == k {
        for &o in app.reference.indberetter_for.get(&k).into_iter().flatten() {
            others.extend(tokio::task::block_in_place(|| cases(&app, o))?);
        }
    }
    let all = afstemning::compare(&ours, &extract, &afviste, &others);
    let mut arter: Vec<(String, usize)> = Vec::new();
    for f in &all {
        match arter.last_mut() {
            Some((navn, n)) if navn == f.art.navn() => *n += 1,
            _ => arter.push((f.art.navn().to_string(), 1)),
        }
    }
    let page = Afstemning {
        ramme: ramme(&app, &hvem, "Afstemning", Some(k)),
        linjer: extract.len(),
        arter,
        i_alt: all.len(),
        forskelle: all.into_iter().take(VIST).map(|f| (f.art.navn().to_string(), f)).collect(),
        fejl: String::new(),
    };
    Ok(side(&page))
}
