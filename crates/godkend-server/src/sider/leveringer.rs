//! A municipality's deliveries: each receipt with its findings by line, and the months without an
//! accepted delivery. A municipality sees the deliveries it sent itself; one whose data another sends
//! (Vallensbæk by Ishøj) sees its own records' counts per delivery, never the sender's receipt.

use super::ramme;
use crate::adgang::Hvem;
use crate::app::App;
use crate::svar::{Fejl, Ramme, side};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use godkend_model::talformat::tal;
use std::sync::Arc;

struct Levering {
    fil: String,
    maaned: String,
    status: String,
    raekker: String,
    afviste: String,
    egen: bool,
}

#[derive(Template)]
#[template(path = "leveringer.html")]
struct Liste {
    ramme: Ramme,
    leveringer: Vec<Levering>,
    manglende: Vec<String>,
    indberettes_af: String,
}

pub async fn liste(State(app): State<Arc<App>>, hvem: Hvem, Path(kode): Path<String>) -> Result<Response, Fejl> {
    let k = hvem.kommune(&app, &kode)?;
    let g = app.grundlag();
    let rapport = app.rapport(k).ok_or(Fejl::IkkeFundet)?;
    let dq = &rapport.model.datakvalitet;
    let mut leveringer: Vec<Levering> = g
        .log
        .iter()
        .filter_map(|e| {
            let egen = e.kommunekode == k;
            let (poster, afviste) = e.poster_for(k);
            (egen || poster > 0).then(|| Levering {
                fil: e.fil.clone(),
                maaned: e.maaned.clone(),
                status: if e.is_rejected() { "afvist".into() } else { "modtaget".into() },
                raekker: tal(if egen { e.raekker } else { poster } as f64, 0),
                afviste: tal(if egen { e.afviste } else { afviste } as f64, 0),
                egen,
            })
        })
        .collect();
    leveringer.sort_by(|a, b| (&b.maaned, &b.fil).cmp(&(&a.maaned, &a.fil)));
    let page = Liste {
        ramme: ramme(&app, &hvem, "Leveringer", Some(k)),
        leveringer,
        manglende: dq.manglende_maaneder.clone(),
        indberettes_af: dq
            .indberettes_af
            .and_then(|a| app.reference.kommune(a).map(|m| m.navn.clone()))
            .unwrap_or_default(),
    };
    Ok(side(&page))
}

#[derive(Template)]
#[template(path = "kvittering.html")]
struct Kvittering {
    ramme: Ramme,
    fil: String,
    tekst: String,
}

/// One of the municipality's own receipts, as the text receipt reads (findings by line, no CPR).
pub async fn kvittering(
    State(app): State<Arc<App>>,
    hvem: Hvem,
    Path((kode, fil)): Path<(String, String)>,
) -> Result<Response, Fejl> {
    let k = hvem.kommune(&app, &kode)?;
    if !app.grundlag().log.iter().any(|e| e.fil == fil && e.kommunekode == k) {
        return Err(Fejl::IkkeFundet);
    }
    let store = godkend_store::CaseStore::open(&app.config.store).map_err(|e| Fejl::Intern(e.to_string()))?;
    let tekst = store.receipt_text(&fil).map_err(|e| Fejl::Intern(e.to_string()))?.ok_or(Fejl::IkkeFundet)?;
    let page = Kvittering { ramme: ramme(&app, &hvem, &format!("Kvittering for {fil}"), Some(k)), fil, tekst };
    Ok(side(&page))
}
