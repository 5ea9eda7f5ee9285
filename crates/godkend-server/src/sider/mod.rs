//! The portal's pages: one module per part of the round (login, the municipality's front page and
//! report, a mark, deliveries, approval, DST's pages). Every handler starts from [`Hvem`] and the
//! municipality it may see; every form post checks the CSRF token first.

mod data;
mod dst;
mod godkend;
mod indtastning;
mod kommune;
mod leveringer;
mod login;
mod markering;
mod rettelser;

use crate::adgang::Hvem;
use crate::app::App;
use crate::svar::{Fejl, Ramme};
use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use std::sync::Arc;

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(forside))
        .route("/static/portal.css", get(css))
        .route("/login", get(login::form).post(login::login))
        .route("/logout", post(login::logout))
        .route("/aktiver", get(login::aktiver_form).post(login::aktiver))
        .route("/kommune/{kode}", get(kommune::forside))
        .route("/kommune/{kode}/rapport", get(kommune::rapport))
        .route("/kommune/{kode}/graf/{serie}", get(kommune::graf))
        .route("/kommune/{kode}/filer/{navn}", get(kommune::fil))
        .route("/kommune/{kode}/markering/{id}", get(markering::markering))
        .route("/kommune/{kode}/markering/{id}/kommentar", post(markering::kommentar))
        .route("/kommune/{kode}/markering/{id}/besked", post(markering::besked))
        .route("/kommune/{kode}/markering/{id}/vurdering", post(markering::vurdering))
        .route("/kommune/{kode}/beskeder", get(markering::beskeder).post(markering::generel_besked))
        .route("/kommune/{kode}/data", get(data::liste))
        .route("/kommune/{kode}/data.csv", get(data::csv))
        .route("/kommune/{kode}/data.xlsx", get(data::xlsx))
        .route("/kommune/{kode}/afstemning", post(data::afstem))
        .route("/kommune/{kode}/indtastning", get(indtastning::form))
        .route("/kommune/{kode}/indtastning/tilfoej", post(indtastning::tilfoej))
        .route("/kommune/{kode}/indtastning/fjern", post(indtastning::fjern))
        .route("/kommune/{kode}/indtastning/indsend", post(indtastning::indsend))
        .route("/kommune/{kode}/rettelser", get(rettelser::form).post(rettelser::ret))
        .route("/kommune/{kode}/leveringer", get(leveringer::liste))
        .route("/kommune/{kode}/leveringer/{fil}", get(leveringer::kvittering))
        .route("/kommune/{kode}/godkend", get(godkend::form).post(godkend::godkend))
        .route("/kommune/{kode}/godkendt", get(godkend::kvittering))
        .route("/kommune/{kode}/regneark", post(godkend::regneark))
        .route("/kommune/{kode}/genskab", post(dst::genskab))
        .route("/kommune/{kode}/revision", get(dst::revision))
        .route("/status", get(dst::status))
        .fallback(|| async { Fejl::IkkeFundet })
        .layer(axum::extract::DefaultBodyLimit::max(godkend::MAX_REGNEARK))
        .with_state(app)
}

/// `/`: a municipality's user to their front page, DST to the status.
async fn forside(hvem: Hvem) -> Response {
    match hvem.0.bruger.kommune {
        Some(k) => Redirect::to(&format!("/kommune/{k:03}")).into_response(),
        None => Redirect::to("/status").into_response(),
    }
}

async fn css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")],
        include_str!("../../static/portal.css"),
    )
        .into_response()
}

pub use indtastning::Kladder;

/// The live report of a municipality the user may see (for the API).
pub(crate) fn live_for_api(app: &App, hvem: &Hvem, kode: &str) -> Result<(u16, godkend_round::KommuneRapport), Fejl> {
    kommune::live(app, hvem, kode)
}

/// The frame of a page for `hvem`, about municipality `kode` when there is one.
pub(crate) fn ramme(app: &App, hvem: &Hvem, titel: &str, kode: Option<u16>) -> Ramme {
    let kommune = kode.and_then(|k| app.reference.kommune(k).map(|m| (format!("{k:03}"), m.navn.clone())));
    let (kode, navn) = kommune.unwrap_or_default();
    Ramme {
        kode,
        navn,
        titel: titel.to_string(),
        bruger: hvem.email().to_string(),
        rolle: hvem.rolle().navn().to_string(),
        csrf: hvem.0.csrf.clone(),
        dst: hvem.is_dst(),
    }
}

/// A page answering a form post: back to `to` (303, so a reload does not post again).
pub(crate) fn tilbage(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// A date `YYYY-MM-DD` the Danish way (`28. april 2026`).
pub(crate) fn dato(iso: &str) -> String {
    godkend_outputs::view::dansk_dato(iso)
}

/// A stored time (`2026-12-02T03:04:05Z`) as pages show it: `2. december 2026 kl. 03:04 (UTC)`.
pub(crate) fn tidspunkt(t: &str) -> String {
    match (t.get(..10), t.get(11..16)) {
        (Some(d), Some(hm)) => format!("{} kl. {hm} UTC", dato(d)),
        _ => t.to_string(),
    }
}
