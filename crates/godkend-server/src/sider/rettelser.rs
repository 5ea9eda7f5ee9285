//! Corrections of the cases DST holds ("historiske data", docs/portal.md): the municipality finds one
//! of its own cases by sagsid, and changes its service, target group or dates, or deletes it, with a
//! reason from a list and a text. The correction is checked and stored as a delivery
//! (`godkend_ingest::rettelse`); each changed field is in the audit log with old → new and the reason.
//! A sagsid the store does not hold is refused here: a new case is a delivery.

use super::{ramme, tilbage};
use crate::adgang::Hvem;
use crate::app::App;
use crate::svar::{Fejl, Ramme, side};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use godkend_ingest::rettelse::{Rettelse, Rettet};
use godkend_store::{CaseStore, Sag};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The reasons a correction may give.
pub const AARSAGER: [(&str, &str); 4] = [
    ("systemskifte", "Systemskifte: data kan ikke længere sendes fra det gamle fagsystem"),
    ("fejlregistrering", "Fejlregistrering i fagsystemet"),
    ("sen_registrering", "Sen registrering: afgørelsen blev registreret for sent"),
    ("andet", "Andet (forklar i teksten)"),
];

#[derive(Template)]
#[template(path = "rettelser.html")]
struct Side {
    ramme: Ramme,
    sagsid: String,
    sag: Option<Raekke>,
    ikke_fundet: bool,
    aarsager: Vec<(&'static str, &'static str)>,
    fejl: Vec<String>,
    valgt: String,
    begrundelse: String,
}

/// A case's fields as the form shows them.
#[derive(Clone, Default)]
struct Raekke {
    sagsid: String,
    ydelse: String,
    maalgruppe: String,
    startdato: String,
    slutdato: String,
}

impl Raekke {
    fn of(s: &Sag) -> Raekke {
        Raekke {
            sagsid: s.sagsid.clone(),
            ydelse: s.ydelse.clone(),
            maalgruppe: s.maalgruppe.map(|m| m.to_string()).unwrap_or_default(),
            startdato: s.startdato.to_string(),
            slutdato: s.slutdato.map(|d| d.to_string()).unwrap_or_default(),
        }
    }
}

fn find(app: &App, k: u16, sagsid: &str) -> Result<Option<Sag>, Fejl> {
    let store = CaseStore::open(&app.config.store).map_err(|e| Fejl::Intern(e.to_string()))?;
    Ok(store
        .read_cases(k)
        .map_err(|e| Fejl::Intern(e.to_string()))?
        .into_iter()
        .find(|s| s.sagsid == sagsid && !s.slettet))
}

#[derive(serde::Deserialize, Default)]
pub struct Soeg {
    #[serde(default)]
    sagsid: String,
}

pub async fn form(
    State(app): State<Arc<App>>,
    hvem: Hvem,
    Path(kode): Path<String>,
    Query(q): Query<Soeg>,
) -> Result<Response, Fejl> {
    let k = hvem.kommune(&app, &kode)?;
    hvem.may_write()?;
    let sagsid = q.sagsid.trim().to_string();
    let sag = if sagsid.is_empty() { None } else { tokio::task::block_in_place(|| find(&app, k, &sagsid))? };
    let page = Side {
        ramme: ramme(&app, &hvem, "Rettelser", Some(k)),
        ikke_fundet: !sagsid.is_empty() && sag.is_none(),
        sag: sag.as_ref().map(Raekke::of),
        sagsid,
        aarsager: AARSAGER.to_vec(),
        fejl: Vec::new(),
        valgt: String::new(),
        begrundelse: String::new(),
    };
    Ok(side(&page))
}

#[derive(serde::Deserialize)]
pub struct RetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    sagsid: String,
    #[serde(default)]
    ydelse: String,
    #[serde(default)]
    maalgruppe: String,
    #[serde(default)]
    startdato: String,
    #[serde(default)]
    slutdato: String,
    #[serde(default)]
    slettet: String,
    #[serde(default)]
    aarsag: String,
    #[serde(default)]
    begrundelse: String,
}

pub async fn ret(
    State(app): State<Arc<App>>,
    hvem: Hvem,
    Path(kode): Path<String>,
    Form(f): Form<RetForm>,
) -> Result<Response, Fejl> {
    hvem.csrf(&f.csrf)?;
    hvem.may_write()?;
    let k = hvem.kommune(&app, &kode)?;
    let again = |fejl: Vec<String>, sag: Option<Raekke>| {
        let page = Side {
            ramme: ramme(&app, &hvem, "Rettelser", Some(k)),
            sagsid: f.sagsid.clone(),
            ikke_fundet: sag.is_none(),
            sag,
            aarsager: AARSAGER.to_vec(),
            fejl,
            valgt: f.aarsag.clone(),
            begrundelse: f.begrundelse.clone(),
        };
        let mut r = side(&page);
        *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
        Ok(r)
    };
    let Some(old) = tokio::task::block_in_place(|| find(&app, k, f.sagsid.trim()))? else {
        return again(
            vec![format!(
                "Kommunen har ingen sag med sagsid {}; en ny sag indberettes som en levering",
                godkend_model::tekst::shown(f.sagsid.trim())
            )],
            None,
        );
    };
    let typed = Raekke {
        sagsid: old.sagsid.clone(),
        ydelse: f.ydelse.trim().to_string(),
        maalgruppe: f.maalgruppe.trim().to_string(),
        startdato: f.startdato.trim().to_string(),
        slutdato: f.slutdato.trim().to_string(),
    };
    let reason = AARSAGER.iter().find(|(code, _)| *code == f.aarsag).map(|(code, _)| *code);
    let text = godkend_model::tekst::renset(f.begrundelse.trim());
    let mut missing = Vec::new();
    if reason.is_none() {
        missing.push("Vælg en årsag til rettelsen".to_string());
    }
    if text.is_empty() || text.chars().count() > 1_000 {
        missing.push("Skriv en begrundelse (højst 1.000 tegn)".to_string());
    }
    if !missing.is_empty() {
        return again(missing, Some(typed));
    }
    let rettelse = Rettelse {
        sagsid: old.sagsid.clone(),
        ydelse: typed.ydelse.clone(),
        maalgruppe: typed.maalgruppe.clone(),
        startdato: typed.startdato.clone(),
        slutdato: typed.slutdato.clone(),
        slettet: f.slettet == "ja",
    };
    let Some(noegle) = app.config.noegle.clone() else {
        return Err(Fejl::Ugyldig("Portalen er startet uden pseudonymnøgle og kan ikke gemme rettelser.".into()));
    };
    let maaned = godkend_model::Maaned::of_date(chrono::Utc::now().date_naive());
    let app2 = app.clone();
    let done = tokio::task::spawn_blocking(move || {
        let deadline = Instant::now() + crate::levering::WRITER_WAIT;
        let store = loop {
            match CaseStore::open_or_create(&app2.config.store, &noegle.aftryk()) {
                Ok(s) => break s,
                Err(godkend_store::Error::Busy { .. }) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(200))
                }
                Err(e) => return Err(e.to_string()),
            }
        };
        godkend_ingest::rettelse::correct(&store, &app2.reference, k, maaned, &[rettelse]).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| Fejl::Intern(e.to_string()))?
    .map_err(Fejl::Intern)?;
    match done {
        Rettet::UkendtSag(s) => again(vec![format!("Kommunen har ingen sag med sagsid {s}")], None),
        Rettet::Afvist(kv) => {
            let fejl = kv
                .fund
                .iter()
                .filter(|f| f.alvor.code() == "fejl")
                .map(|f| format!("{} ({})", f.beskrivelse, f.kode.code()))
                .collect();
            again(fejl, Some(typed))
        }
        Rettet::Gemt(kv) => {
            let before = Raekke::of(&old);
            let mut changes: Vec<(String, String, String)> = [
                ("ydelse", &before.ydelse, &typed.ydelse),
                ("maalgruppe", &before.maalgruppe, &typed.maalgruppe),
                ("startdato", &before.startdato, &typed.startdato),
                ("slutdato", &before.slutdato, &typed.slutdato),
            ]
            .into_iter()
            .filter(|(_, a, b)| a != b)
            .map(|(n, a, b)| (n.to_string(), a.clone(), b.clone()))
            .collect();
            if f.slettet == "ja" {
                changes = vec![("sag".into(), "findes".into(), "slettet".into())];
            }
            let objekt = format!("{} ({}: {text}; levering {})", old.sagsid, reason.unwrap_or(""), kv.fil);
            app.dialog.log_changes(hvem.email(), Some(k), "rettelse", &objekt, &changes)?;
            app.refresh_log();
            Ok(tilbage(&format!("/kommune/{k:03}/leveringer/{}", kv.fil)))
        }
    }
}
