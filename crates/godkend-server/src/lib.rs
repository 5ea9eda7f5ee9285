//! The dialogue portal (docs/portal.md): `godkend serve`. Each municipality's users log in, read their
//! report, find the cases behind a mark, comment it, write to DST and approve; DST follows the national
//! status, replies, reviews comments and regenerates a report. Server-rendered Danish HTML (askama)
//! that works without JavaScript, and the same data as JSON under `/api/v1/`.
//!
//! The portal calls the same libraries as the command line: at start the round for every
//! municipality (`godkend_round::run`), and on each page that municipality's report with the
//! dialogue store's answers as they stand (`godkend_round::assemble::with_dialog`). Regenerating a
//! report is `godkend report` with `--dialog`. tokio lives here and nowhere else.
//!
//! Modules: `app` (the shared state: the round, the dialogue store), `adgang` (sessions, CSRF,
//! who may see what), `svar` (responses, errors, security headers), `throttle` (failed logins),
//! `sider` (the pages), `api` (JSON), `levering` (deliveries over the API), `kvitteringsmail` (the
//! receipt mail of every delivery).

mod adgang;
mod api;
mod app;
mod koe;
pub mod kvitteringsmail;
mod levering;
mod sider;
mod svar;
mod throttle;

pub use app::{App, Config};

use std::net::SocketAddr;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Round(#[from] godkend_round::Error),
    #[error(transparent)]
    Store(#[from] godkend_store::Error),
    #[error(transparent)]
    Dialog(#[from] godkend_dialog::Error),
    #[error("{addr}: {message}")]
    Bind { addr: SocketAddr, message: String },
    #[error("{0}")]
    Start(String),
}

impl Error {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Error::Round(e) => e.hint(),
            Error::Store(e) => e.hint(),
            Error::Dialog(e) => e.hint(),
            Error::Bind { .. } => Some("vælg en anden port med --bind, fx --bind 127.0.0.1:8081"),
            Error::Start(_) => None,
        }
    }
}

/// Starts the portal and serves until the process is stopped (SIGINT or SIGTERM). Prints the address
/// it listens on as its first line on stdout (`godkend-portal: http://127.0.0.1:8080`).
pub fn serve(config: Config, reference: godkend_model::Reference) -> Result<(), Error> {
    let bind = config.bind;
    let app = Arc::new(App::start(config, reference)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Start(format!("kan ikke starte tokio: {e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .map_err(|e| Error::Bind { addr: bind, message: godkend_model::tekst::io_fejl(&e) })?;
        let local = listener.local_addr().map_err(|e| Error::Start(e.to_string()))?;
        println!("godkend-portal: http://{local}");
        eprintln!("(Ctrl-C stopper portalen)");
        if let Some(queue) = app.queue.lock().unwrap_or_else(|p| p.into_inner()).take() {
            tokio::spawn(levering::writer(app.clone(), queue));
        }
        let router = sider::router(app.clone()).merge(api::router(app.clone()));
        let router = svar::with_headers(router, app.config.secure);
        axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(stopped())
            .await
            .map_err(|e| Error::Start(e.to_string()))
    })
}

async fn stopped() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
