//! System-to-system delivery (docs/portal.md, "Leveringer over API"): `POST /api/v1/leveringer` with
//! the delivery file as the body, its name in `X-Filnavn`, and an API key as a bearer token. The body
//! is streamed to disk under the size cap before anything reads it; the key must cover the municipality
//! the file name gives; then the file goes through the same ingest — the same validation, the same
//! transaction, the same writer lock — as `godkend ingest`, and the answer is its receipt as JSON.
//!
//! 200 accepted · 422 rejected (the receipt says why) · 409 the same file was received before · 413 too
//! large · 400 no usable file name · 401 no valid key · 403 the key does not cover the municipality ·
//! 503 the store is busy (`Retry-After`) or the portal was started without a pseudonym key.

use crate::app::App;
use crate::koe::{Job, Outcome};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use godkend_ingest::{CaseStore, IngestOptions, Kvittering, LeveringNavn, Status};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a delivery waits for the store's writer lock before it answers 503.
pub const WRITER_WAIT: Duration = Duration::from_secs(10);

fn fejl(status: StatusCode, text: impl Into<String>) -> Response {
    (status, axum::Json(serde_json::json!({ "fejl": text.into() }))).into_response()
}

fn json(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// The bearer token of the request, if it has the form of one.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let t = v.strip_prefix("Bearer ")?.trim();
    (t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit())).then_some(t)
}

/// The delivery's file name from `X-Filnavn`: a bare name as a delivery file is named.
// The error is the response the handler returns at once; boxing it would only add an allocation.
#[allow(clippy::result_large_err)]
fn file_name(headers: &HeaderMap) -> Result<(String, LeveringNavn), Response> {
    let name = headers.get("x-filnavn").and_then(|v| v.to_str().ok()).map(str::trim).unwrap_or("");
    let bad = || {
        fejl(
            StatusCode::BAD_REQUEST,
            "X-Filnavn skal være leveringens filnavn, <kommunekode>_<ÅÅÅÅ-MM>[_N].csv eller .parquet, fx 101_2025-03.csv",
        )
    };
    if name.is_empty() || name.len() > 64 || name.contains(['/', '\\']) || name.starts_with('.') {
        return Err(bad());
    }
    let parsed = LeveringNavn::parse(std::path::Path::new(name)).ok_or_else(bad)?;
    Ok((name.to_string(), parsed))
}

pub async fn post(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    let Some(key) = bearer(&headers).map(|t| app.dialog.api_key(t)) else {
        return fejl(StatusCode::UNAUTHORIZED, "mangler en gyldig API-nøgle (Authorization: Bearer …)");
    };
    let key = match key {
        Ok(Some(k)) => k,
        Ok(None) => return fejl(StatusCode::UNAUTHORIZED, "API-nøglen er ukendt eller tilbagekaldt"),
        Err(e) => return fejl(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    };
    let (name, parsed) = match file_name(&headers) {
        Ok(n) => n,
        Err(r) => return r,
    };
    if !key.may_deliver(parsed.kommunekode) {
        return fejl(
            StatusCode::FORBIDDEN,
            format!("nøglen gælder ikke leveringer for kommune {:03}", parsed.kommunekode),
        );
    }
    if app.config.noegle.is_none() {
        return fejl(
            StatusCode::SERVICE_UNAVAILABLE,
            "portalen er startet uden pseudonymnøgle og modtager ikke leveringer",
        );
    };
    let cap = godkend_ingest::table::MAX_BYTES;
    let too_large =
        || fejl(StatusCode::PAYLOAD_TOO_LARGE, format!("leveringen er større end {} MB", cap / (1024 * 1024)));
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > cap) {
        return too_large();
    }
    // The body to disk, counted as it comes; nothing reads it before it is all there.
    let incoming = app.config.out.join(".indgaaende");
    let dir = match std::fs::create_dir_all(&incoming).and_then(|()| tempfile::tempdir_in(&incoming)) {
        Ok(d) => d,
        Err(e) => return fejl(StatusCode::INTERNAL_SERVER_ERROR, godkend_model::tekst::io_fejl(&e)),
    };
    let path = dir.path().join(&name);
    let mut file = match std::fs::File::create(&path) {
        Ok(f) => f,
        Err(e) => return fejl(StatusCode::INTERNAL_SERVER_ERROR, godkend_model::tekst::io_fejl(&e)),
    };
    let mut stream = body.into_data_stream();
    let mut total: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            return fejl(StatusCode::BAD_REQUEST, "leveringen blev afbrudt undervejs; send den igen");
        };
        total += chunk.len() as u64;
        if total > cap {
            return too_large();
        }
        if let Err(e) = file.write_all(&chunk) {
            return fejl(StatusCode::INSUFFICIENT_STORAGE, godkend_model::tekst::io_fejl(&e));
        }
    }
    if let Err(e) = file.sync_all() {
        return fejl(StatusCode::INSUFFICIENT_STORAGE, godkend_model::tekst::io_fejl(&e));
    }
    drop(file);

    // Into the queue of the one writer; deliveries that arrive together are ingested together.
    let (reply, answer) = tokio::sync::oneshot::channel();
    if app.deliveries.send(Job { path, reply }).is_err() {
        return fejl(StatusCode::SERVICE_UNAVAILABLE, "portalen er ved at lukke; send leveringen igen");
    }
    let outcome = answer.await.unwrap_or(Outcome::Fejl("indlæsningen blev afbrudt".into()));
    drop(dir);
    let (k, receipt) = match outcome {
        Outcome::Kvittering(k, receipt) => (k, receipt),
        Outcome::AlleredeModtaget => {
            let _ = app.dialog.log_delivery(&key, parsed.kommunekode, &name, "allerede_modtaget");
            return fejl(
                StatusCode::CONFLICT,
                format!("{name} med samme indhold er allerede modtaget; kvitteringen er den første"),
            );
        }
        Outcome::IkkeIndlaest(e) => {
            return fejl(
                StatusCode::INSUFFICIENT_STORAGE,
                format!("leveringen er ikke indlæst: {e}; lageret er uskadt, send den igen"),
            );
        }
        Outcome::Optaget => {
            let mut r =
                fejl(StatusCode::SERVICE_UNAVAILABLE, "lageret er optaget af en anden indlæsning; prøv igen om lidt");
            r.headers_mut().insert(header::RETRY_AFTER, "5".parse().expect("a number"));
            return r;
        }
        Outcome::Fejl(e) => return fejl(StatusCode::INTERNAL_SERVER_ERROR, e),
    };
    let (status, fil) = (k.status, k.fil.clone());
    // The delivery is in; a mail that cannot be written is reported, not a reason to refuse it.
    if let Err(e) =
        tokio::task::block_in_place(|| crate::kvitteringsmail::send(&app.config.post, &app.dialog, &app.reference, &k))
    {
        eprintln!("fejl: kvitteringsmail for {}: {}", k.fil, godkend_model::tekst::renset(&e));
    }
    let code = if status == Status::Afvist { "afvist" } else { "modtaget" };
    let _ = app.dialog.log_delivery(&key, parsed.kommunekode, &fil, code);
    json(if status == Status::Afvist { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK }, receipt)
}

/// A delivery file made in the portal (manual entry), through the same writer as the API: its
/// receipt, or why it was not taken in.
pub async fn submit(app: &App, path: PathBuf) -> Result<(Kvittering, String), String> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    app.deliveries.send(Job { path, reply }).map_err(|_| "portalen er ved at lukke".to_string())?;
    match answer.await.unwrap_or(Outcome::Fejl("indlæsningen blev afbrudt".into())) {
        Outcome::Kvittering(k, json) => Ok((*k, json)),
        Outcome::AlleredeModtaget => Err("den samme levering er allerede modtaget".into()),
        Outcome::IkkeIndlaest(e) | Outcome::Fejl(e) => Err(e),
        Outcome::Optaget => Err("lageret er optaget af en anden indlæsning; prøv igen om lidt".into()),
    }
}

/// The one writer of the portal: takes every delivery waiting, at most one per file name, and ingests
/// them in one transaction — the same `godkend_ingest::ingest` as the CLI, under the store's writer
/// lock (waiting up to [`WRITER_WAIT`] for another process) — then answers each with its own receipt.
pub async fn writer(app: Arc<App>, mut queue: tokio::sync::mpsc::UnboundedReceiver<Job>) {
    let mut later: std::collections::VecDeque<Job> = std::collections::VecDeque::new();
    loop {
        let first = match later.pop_front() {
            Some(j) => j,
            None => match queue.recv().await {
                Some(j) => j,
                None => return,
            },
        };
        let mut batch = vec![first];
        let mut names: std::collections::HashSet<std::ffi::OsString> =
            batch.iter().filter_map(|j| j.path.file_name().map(|n| n.to_owned())).collect();
        while let Ok(j) = queue.try_recv() {
            // Two deliveries of one name go in two transactions, in the order they came.
            if j.path.file_name().is_some_and(|n| !names.insert(n.to_owned())) {
                later.push_back(j);
            } else {
                batch.push(j);
            }
        }
        let noegle = app.config.noegle.clone().expect("jobs are queued only with a key");
        let deadline = Instant::now() + WRITER_WAIT;
        let store = loop {
            match CaseStore::open_or_create(&app.config.store, &noegle.aftryk()) {
                Ok(s) => break Ok(s),
                Err(godkend_store::Error::Busy { .. }) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(godkend_store::Error::Busy { .. }) => break Err(None),
                Err(e) => break Err(Some(e.to_string())),
            }
        };
        let store = match store {
            Ok(s) => s,
            Err(e) => {
                for j in batch {
                    let _ = j.reply.send(e.clone().map_or(Outcome::Optaget, Outcome::Fejl));
                }
                continue;
            }
        };
        let paths: Vec<PathBuf> = batch.iter().map(|j| j.path.clone()).collect();
        let app2 = app.clone();
        let done = tokio::task::spawn_blocking(move || {
            let options = IngestOptions { encoding: Default::default(), idag: Some(chrono::Utc::now().date_naive()) };
            let summary = godkend_ingest::ingest(&paths, &store, &app2.reference, &noegle, options, &|_| {})?;
            let receipts: Vec<(Kvittering, Option<String>)> =
                summary.kvitteringer.iter().map(|k| (k.clone(), store.receipt_json(&k.fil).ok().flatten())).collect();
            Ok::<_, godkend_store::Error>((summary, receipts))
        })
        .await;
        let (summary, receipts) = match done {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => {
                let e = e.to_string();
                for j in batch {
                    let _ = j.reply.send(Outcome::Fejl(e.clone()));
                }
                continue;
            }
            Err(e) => {
                for j in batch {
                    let _ = j.reply.send(Outcome::Fejl(e.to_string()));
                }
                continue;
            }
        };
        app.refresh_log();
        for j in batch {
            let name = godkend_ingest::filename::shown_name(&j.path);
            let outcome = if summary.allerede_indlaest.contains(&j.path) {
                Outcome::AlleredeModtaget
            } else if let Some((_, e)) = summary.ikke_indlaest.iter().find(|(p, _)| *p == j.path) {
                Outcome::IkkeIndlaest(e.to_string())
            } else {
                match receipts.iter().find(|(k, _)| k.fil == name) {
                    Some((k, Some(json))) => Outcome::Kvittering(Box::new(k.clone()), json.clone()),
                    _ => Outcome::Fejl("indlæsningen gav ingen kvittering".into()),
                }
            };
            let _ = j.reply.send(outcome);
        }
    }
}
