//! The same data as the pages, as JSON under `/api/v1/`: a municipality's report (the serde form of
//! `<kode>-<år>.json`, live), one mark with its cases, comment history and thread, and DST's national
//! status. The same session and the same checks as the pages; errors are `{"fejl": …}` with the
//! page's status and text.

use crate::adgang::Hvem;
use crate::app::App;
use crate::svar::Fejl;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/api/v1/status", get(status))
        .route("/api/v1/kommune/{kode}/rapport", get(rapport))
        .route("/api/v1/kommune/{kode}/markering/{id}", get(markering))
        .route(
            "/api/v1/leveringer",
            axum::routing::post(crate::levering::post).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/{*rest}", get(|| async { Fejl::IkkeFundet.json() }))
        .with_state(app)
}

/// The API's OpenAPI description (docs/openapi.json, built in).
async fn openapi() -> Response {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], include_str!("../../../docs/openapi.json"))
        .into_response()
}

fn json(result: Result<serde_json::Value, Fejl>) -> Response {
    match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.json(),
    }
}

async fn status(State(app): State<Arc<App>>, hvem: Result<Hvem, Fejl>) -> Response {
    json((|| {
        let hvem = hvem?;
        hvem.dst()?;
        serde_json::to_value(app.status()?).map_err(|e| Fejl::Intern(e.to_string()))
    })())
}

async fn rapport(State(app): State<Arc<App>>, hvem: Result<Hvem, Fejl>, Path(kode): Path<String>) -> Response {
    json((|| {
        let (_, r) = crate::sider::live_for_api(&app, &hvem?, &kode)?;
        serde_json::to_value(r).map_err(|e| Fejl::Intern(e.to_string()))
    })())
}

async fn markering(
    State(app): State<Arc<App>>,
    hvem: Result<Hvem, Fejl>,
    Path((kode, id)): Path<(String, String)>,
) -> Response {
    json((|| {
        let (k, r) = crate::sider::live_for_api(&app, &hvem?, &kode)?;
        let m = r.markeringer.iter().find(|m| m.id == id && m.i_rapportaaret).ok_or(Fejl::IkkeFundet)?;
        let rapport = app.rapport(k).ok_or(Fejl::IkkeFundet)?;
        let sager: Vec<serde_json::Value> = rapport
            .sager
            .iter()
            .filter(|s| s.id == m.id)
            .map(|s| {
                serde_json::json!({
                    "sagsid": s.sagsid, "ydelse": s.ydelse, "startdato": s.startdato,
                    "slutdato": s.slutdato, "haendelse": s.haendelse,
                })
            })
            .collect();
        Ok(serde_json::json!({
            "markering": m,
            "sager": sager,
            "kommentarer": app.dialog.comment_history(app.year(), k, &m.id)?,
            "beskeder": app.dialog.messages(app.year(), k, Some(&m.id))?,
        }))
    })())
}
