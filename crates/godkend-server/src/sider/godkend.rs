//! Approving the year's data (only a `godkender` or DST, only when every mark is answered), the
//! approval's receipt, and the returned workbook: the same comments reader as `--comments`, into the
//! dialogue store, for the municipality's own marks only.

use super::kommune::{MarkLinje, live, marks};
use super::{dato, ramme, tidspunkt, tilbage};
use crate::adgang::Hvem;
use crate::app::App;
use crate::svar::{Fejl, Ramme, side};
use askama::Template;
use axum::extract::{Form, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use godkend_model::tekst::{capped, renset};
use std::sync::Arc;

/// The largest workbook taken (the request body limit of every route).
pub const MAX_REGNEARK: usize = 16 * 1024 * 1024;

#[derive(Template)]
#[template(path = "godkend.html")]
struct Godkend {
    ramme: Ramme,
    aar: i32,
    aabne: Vec<MarkLinje>,
    godkendt: String,
    maa_godkende: bool,
    fejl: String,
}

fn form_page(app: &App, hvem: &Hvem, kode: &str, fejl: String) -> Result<Response, Fejl> {
    let (k, r) = live(app, hvem, kode)?;
    let page = Godkend {
        ramme: ramme(app, hvem, "Godkend data", Some(k)),
        aar: r.aar,
        aabne: marks(&r).into_iter().filter(|m| !m.besvaret).collect(),
        godkendt: r.godkendelse.as_ref().map(|g| format!("{} af {}", dato(&g.dato), g.godkendt_af)).unwrap_or_default(),
        maa_godkende: hvem.rolle().may_approve(),
        fejl,
    };
    Ok(side(&page))
}

pub async fn form(State(app): State<Arc<App>>, hvem: Hvem, Path(kode): Path<String>) -> Result<Response, Fejl> {
    form_page(&app, &hvem, &kode, String::new())
}

#[derive(serde::Deserialize)]
pub struct GodkendForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    godkendt_af: String,
    #[serde(default)]
    bekraeft: String,
}

pub async fn godkend(
    State(app): State<Arc<App>>,
    hvem: Hvem,
    Path(kode): Path<String>,
    Form(f): Form<GodkendForm>,
) -> Result<Response, Fejl> {
    hvem.csrf(&f.csrf)?;
    let (k, r) = live(&app, &hvem, &kode)?;
    if !hvem.rolle().may_approve() {
        return Err(Fejl::Forbudt(
            "Kun en godkender fra kommunen kan godkende data. Din rolle kan se og kommentere.".into(),
        ));
    }
    if !r.klar_til_godkendelse {
        return Err(Fejl::Ugyldig(format!(
            "Data kan ikke godkendes endnu: {} markeringer mangler en kommentar.",
            r.antal.uden_kommentar
        )));
    }
    let mut response = if f.bekraeft != "ja" {
        form_page(&app, &hvem, &kode, "Sæt kryds for at bekræfte, at data er gennemgået.".into())?
    } else {
        match app.dialog.approve(app.year(), k, &f.godkendt_af, &hvem.0.bruger) {
            Ok(_) => return Ok(tilbage(&format!("/kommune/{k:03}/godkendt"))),
            Err(godkend_dialog::Error::Afvist(t)) => form_page(&app, &hvem, &kode, t)?,
            Err(e) => return Err(e.into()),
        }
    };
    *response.status_mut() = StatusCode::BAD_REQUEST;
    Ok(response)
}

#[derive(Template)]
#[template(path = "godkendt.html")]
struct Godkendt {
    ramme: Ramme,
    aar: i32,
    dato: String,
    godkendt_af: String,
    af: String,
    tid: String,
    besvarede: usize,
}

pub async fn kvittering(State(app): State<Arc<App>>, hvem: Hvem, Path(kode): Path<String>) -> Result<Response, Fejl> {
    let (k, r) = live(&app, &hvem, &kode)?;
    let (g, af, tid) = app.dialog.approval_receipt(app.year(), k)?.ok_or(Fejl::IkkeFundet)?;
    let page = Godkendt {
        ramme: ramme(&app, &hvem, "Kvittering for godkendelse", Some(k)),
        aar: r.aar,
        dato: dato(&g.dato),
        godkendt_af: g.godkendt_af,
        af,
        tid: tidspunkt(&tid),
        besvarede: marks(&r).iter().filter(|m| m.besvaret).count(),
    };
    Ok(side(&page))
}

#[derive(Template)]
#[template(path = "regneark.html")]
struct Regneark {
    ramme: Ramme,
    gemt: usize,
    uaendrede: usize,
    afvist: Vec<String>,
}

/// The returned workbook (or a CSV of comments): each line's comment saved on its mark.
pub async fn regneark(
    State(app): State<Arc<App>>,
    hvem: Hvem,
    Path(kode): Path<String>,
    mut form: Multipart,
) -> Result<Response, Fejl> {
    let (k, r) = live(&app, &hvem, &kode)?;
    let mut csrf = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) =
        form.next_field().await.map_err(|e| Fejl::Ugyldig(format!("Upload kunne ikke læses: {e}")))?
    {
        match field.name() {
            Some("csrf") => csrf = field.text().await.map_err(|_| Fejl::Csrf)?,
            Some("fil") => {
                let name = field.file_name().unwrap_or("").to_lowercase();
                let bytes =
                    field.bytes().await.map_err(|e| Fejl::Ugyldig(format!("Filen kunne ikke modtages: {e}")))?;
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    hvem.csrf(&csrf)?;
    hvem.may_write()?;
    let (name, bytes) = file
        .filter(|(_, b)| !b.is_empty())
        .ok_or_else(|| Fejl::Ugyldig("Vælg regnearket (XLSX) eller en CSV-fil med kommentarer.".into()))?;
    let ext = if name.ends_with(".xlsx") {
        "xlsx"
    } else if name.ends_with(".csv") {
        "csv"
    } else {
        return Err(Fejl::Ugyldig("Filen skal være regnearket med markeringerne (.xlsx) eller en CSV-fil (;).".into()));
    };
    let dir = tempfile::tempdir().map_err(|e| Fejl::Intern(e.to_string()))?;
    let path = dir.path().join(format!("{k:03}-regneark.{ext}"));
    std::fs::write(&path, &bytes).map_err(|e| Fejl::Intern(e.to_string()))?;
    let read = tokio::task::block_in_place(|| godkend_round::comments::read(&path, 10_000));
    let kommentarer = read.map_err(|e| {
        Fejl::Ugyldig(renset(&capped(&e.to_string().replace(&dir.path().display().to_string(), ""), 400)))
    })?;
    let mut gemt = 0;
    let mut uaendrede = 0;
    let mut afvist = Vec::new();
    for c in kommentarer.iter().filter(|c| !c.kommentar.trim().is_empty()) {
        if c.kommunekode != k {
            afvist.push(format!("linje {}: kommunekode {:03} er ikke {}", c.linje, c.kommunekode, r.navn));
            continue;
        }
        let id = godkend_round::comments::flag_id_of(c, &app.reference);
        let m = id.as_deref().and_then(|id| r.markeringer.iter().find(|m| m.id == id && m.to_answer()));
        let Some(m) = m else {
            afvist.push(format!("linje {}: passer ikke til nogen markering, der skal besvares", c.linje));
            continue;
        };
        if m.kommentar.as_deref().map(str::trim) == Some(renset(c.kommentar.trim()).as_str()) {
            uaendrede += 1;
            continue;
        }
        let sted = godkend_dialog::dialogen::Flagsted {
            id: &m.id,
            ydelse: &m.ydelse,
            kvartal: &m.kvartal.to_string(),
            regel: m.regel.code(),
        };
        match app.dialog.comment(app.year(), k, &sted, &c.kommentar, &hvem.0.bruger) {
            Ok(_) => gemt += 1,
            Err(godkend_dialog::Error::Afvist(t)) => afvist.push(format!("linje {}: {t}", c.linje)),
            Err(e) => return Err(e.into()),
        }
    }
    let page = Regneark { ramme: ramme(&app, &hvem, "Regneark modtaget", Some(k)), gemt, uaendrede, afvist };
    Ok(side(&page))
}
