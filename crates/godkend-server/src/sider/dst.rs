//! DST's pages: the national status (as the status PDF, live), regenerating one municipality's report
//! from the store and the dialogue store (`godkend report --dialog`), and a municipality's audit log.
//! Anyone else gets 404: the pages do not exist for them.

use super::{dato, ramme, tidspunkt, tilbage};
use crate::adgang::Hvem;
use crate::app::App;
use crate::svar::{Fejl, Ramme, side};
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::response::Response;
use godkend_model::talformat::{NBSP, tal};
use std::sync::Arc;

struct Linje {
    kode: String,
    navn: String,
    roede: usize,
    gule: usize,
    uden_kommentar: usize,
    status: String,
    godkendt: String,
    manglende: usize,
    afviste: String,
}

#[derive(Template)]
#[template(path = "status.html")]
struct StatusSide {
    ramme: Ramme,
    s: godkend_round::Status,
    frist: String,
    linjer: Vec<Linje>,
}

pub async fn status(State(app): State<Arc<App>>, hvem: Hvem) -> Result<Response, Fejl> {
    hvem.dst()?;
    let s = app.status()?;
    let linjer = s
        .kommuner
        .iter()
        .map(|k| Linje {
            kode: format!("{:03}", k.kommunekode),
            navn: k.navn.clone(),
            roede: k.roede,
            gule: k.gule,
            uden_kommentar: k.uden_kommentar,
            status: k.godkendelse.replace('_', " "),
            godkendt: k.godkendt_dato.as_deref().map(dato).unwrap_or_default(),
            manglende: k.manglende_maaneder,
            afviste: format!("{}{NBSP}%", tal(k.andel_afviste_poster, 1)),
        })
        .collect();
    let page = StatusSide {
        ramme: ramme(&app, &hvem, &format!("Landsstatus {}", s.aar), None),
        frist: dato(&s.frister.godkendelse),
        linjer,
        s,
    };
    Ok(side(&page))
}

#[derive(serde::Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// Regenerates the municipality's report (PDF, JSON, workbook) with every comment and approval given.
pub async fn genskab(
    State(app): State<Arc<App>>,
    hvem: Hvem,
    Path(kode): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, Fejl> {
    hvem.dst()?;
    hvem.csrf(&f.csrf)?;
    let k = hvem.kommune(&app, &kode)?;
    let files = tokio::task::block_in_place(|| app.regenerate(k)).map_err(Fejl::Intern)?;
    let names: Vec<String> =
        files.iter().filter_map(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).collect();
    app.dialog.log(hvem.email(), Some(k), "rapport_genskabt", &names.join(", "))?;
    Ok(tilbage(&format!("/kommune/{k:03}/rapport")))
}

struct Post {
    tid: String,
    bruger: String,
    handling: String,
    objekt: String,
    foer: String,
    efter: String,
}

#[derive(Template)]
#[template(path = "revision.html")]
struct Revision {
    ramme: Ramme,
    poster: Vec<Post>,
}

pub async fn revision(State(app): State<Arc<App>>, hvem: Hvem, Path(kode): Path<String>) -> Result<Response, Fejl> {
    hvem.dst()?;
    let k = hvem.kommune(&app, &kode)?;
    let poster = app
        .dialog
        .revision(Some(k), 1_000)?
        .into_iter()
        .map(|p| Post {
            tid: tidspunkt(&p.tid),
            bruger: p.bruger,
            handling: p.handling,
            objekt: p.objekt,
            foer: p.foer,
            efter: p.efter,
        })
        .collect();
    let page = Revision { ramme: ramme(&app, &hvem, "Revisionslog", Some(k)), poster };
    Ok(side(&page))
}
