//! Manual entry (docs/portal.md, "Indtastning"): a municipality without system-to-system delivery
//! enters a month's cases one by one into a draft; every save validates the whole draft with the same
//! record checks as a delivery file (the same finding codes and Danish texts, shown beside the field),
//! and the draft is submitted as one delivery of the month (the next sequence number, like a
//! re-delivery) through the portal's writer — the same ingest and transaction as a file.
//!
//! The draft lives in the server's memory only: a CPR typed in is never written to disk before ingest
//! and never shown back in full (`010190-••••`). A restart of the portal empties the drafts.

use super::{ramme, tilbage};
use crate::adgang::Hvem;
use crate::app::App;
use crate::svar::{Fejl, Ramme, side};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use godkend_model::Maaned;
use std::collections::BTreeMap;
use std::sync::Arc;

/// One case as typed in.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct Raekke {
    #[serde(default)]
    pub sagsid: String,
    #[serde(default)]
    pub cpr: String,
    #[serde(default)]
    pub udlaendingenr: String,
    #[serde(default)]
    pub foedselsdato: String,
    #[serde(default)]
    pub koen: String,
    #[serde(default)]
    pub ydelse: String,
    #[serde(default)]
    pub maalgruppe: String,
    #[serde(default)]
    pub startdato: String,
    #[serde(default)]
    pub slutdato: String,
    #[serde(default)]
    pub slettet: String,
}

/// The drafts: per municipality and month, the rows typed so far.
pub type Kladder = std::sync::Mutex<BTreeMap<(u16, String), Vec<Raekke>>>;

const HEADER: &str =
    "kommunekode;sagsid;cpr;udlaendingenr;foedselsdato;koen;ydelse;maalgruppe;startdato;slutdato;slettet";

impl Raekke {
    fn fields(&self) -> [&str; 10] {
        [
            &self.sagsid,
            &self.cpr,
            &self.udlaendingenr,
            &self.foedselsdato,
            &self.koen,
            &self.ydelse,
            &self.maalgruppe,
            &self.startdato,
            &self.slutdato,
            if self.slettet == "ja" { "1" } else { "" },
        ]
    }

    fn line(&self, kode: u16) -> String {
        format!("{kode:03};{}", self.fields().join(";"))
    }

    /// The CPR as the page shows it after saving: the birth date, never the last four digits.
    fn cpr_vist(&self) -> String {
        let digits: String = self.cpr.chars().filter(char::is_ascii_digit).collect();
        if digits.len() >= 6 {
            format!("{}-••••", &digits[..6])
        } else if self.cpr.is_empty() {
            String::new()
        } else {
            "••••".into()
        }
    }
}

/// The field a finding code is about, for showing it beside that field.
fn felt(kode: &str) -> &'static str {
    match kode {
        k if k.starts_with("cpr") || k.starts_with("id_") || k == "alder_udenfor_register" => "cpr",
        k if k.starts_with("sagsid") => "sagsid",
        k if k.starts_with("ydelse") => "ydelse",
        k if k.starts_with("maalgruppe") => "maalgruppe",
        "start_efter_slut" => "slutdato",
        k if k.starts_with("start") || k == "dato_ugyldig" || k == "overlap" => "startdato",
        "slettet_ugyldig" => "slettet",
        _ => "",
    }
}

/// The month of the draft: a real month, not after this one.
fn maaned(s: &str) -> Result<Maaned, Fejl> {
    let now = Maaned::of_date(chrono::Utc::now().date_naive());
    match s.parse::<Maaned>() {
        Ok(m) if m <= now => Ok(m),
        _ if s.is_empty() => Ok(now),
        _ => {
            Err(Fejl::Ugyldig(format!("{} er ikke en måned ÅÅÅÅ-MM til og med {now}", godkend_model::tekst::shown(s))))
        }
    }
}

/// The draft as a delivery file of `maaned` with sequence number `n`.
fn csv(kode: u16, rows: &[Raekke]) -> String {
    let mut out = format!("{HEADER}\n");
    for r in rows {
        out.push_str(&r.line(kode));
        out.push('\n');
    }
    out
}

/// The next sequence number of the month: one more than any delivery of it (at least 2).
fn loebenummer(app: &App, kode: u16, m: Maaned) -> u16 {
    app.grundlag()
        .log
        .iter()
        .filter(|e| e.kommunekode == kode && e.maaned == m.to_string())
        .map(|e| e.loebenummer)
        .max()
        .unwrap_or(1)
        + 1
}

fn file_name(kode: u16, m: Maaned, n: u16) -> String {
    format!("{kode:03}_{m}_{n}.csv")
}

/// A text field of the form: its name, its label, what it holds again after an error.
struct Felt {
    navn: &'static str,
    etiket: &'static str,
    vaerdi: String,
    ugyldig: bool,
}

struct Linje {
    nr: usize,
    r: Raekke,
    cpr: String,
    fund: Vec<(String, &'static str, bool)>,
}

#[derive(Template)]
#[template(path = "indtastning.html")]
struct Side {
    ramme: Ramme,
    maaned: String,
    linjer: Vec<Linje>,
    ydelser: Vec<(String, String)>,
    fejl: Vec<(String, &'static str)>,
    ny: Raekke,
    felter: Vec<Felt>,
    fejl_ny: Vec<(String, &'static str)>,
    fil: String,
}

/// Validates the draft (and `extra`, the row being added) with the delivery checks; per line its
/// findings as (text, field, whether it rejects the record).
fn check(app: &App, kode: u16, m: Maaned, rows: &[Raekke]) -> BTreeMap<usize, Vec<(String, &'static str, bool)>> {
    let fil = file_name(kode, m, loebenummer(app, kode, m));
    let v =
        godkend_ingest::validate::validate_bytes(&fil, csv(kode, rows).as_bytes(), &app.reference, Default::default());
    let mut out: BTreeMap<usize, Vec<(String, &'static str, bool)>> = BTreeMap::new();
    for f in &v.kvittering.fund {
        let rejects = f.alvor.code() == "fejl";
        for e in &f.eksempler {
            out.entry(e.linje).or_default().push((
                format!("{} ({})", f.beskrivelse, f.kode.code()),
                felt(f.kode.code()),
                rejects,
            ));
        }
    }
    for a in &v.kvittering.afviste_poster {
        for k in &a.koder {
            let entry = out.entry(a.linje).or_default();
            if !entry.iter().any(|(t, _, _)| t.ends_with(&format!("({k})"))) {
                entry.push((format!("posten afvises ({k})"), felt(k), true));
            }
        }
    }
    if let Some(f) = &v.kvittering.fatal {
        out.entry(0).or_default().push((f.tekst.clone(), "", true));
    }
    out
}

fn render(
    app: &App,
    hvem: &Hvem,
    k: u16,
    m: Maaned,
    ny: Raekke,
    fejl_ny: Vec<(String, &'static str)>,
) -> Result<Response, Fejl> {
    let rows =
        app.kladder.lock().unwrap_or_else(|p| p.into_inner()).get(&(k, m.to_string())).cloned().unwrap_or_default();
    let mut found = check(app, k, m, &rows);
    let fejl = found.remove(&0).unwrap_or_default().into_iter().map(|(t, f, _)| (t, f)).collect();
    let linjer = rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| Linje { nr: i + 1, cpr: r.cpr_vist(), fund: found.remove(&(i + 2)).unwrap_or_default(), r })
        .collect();
    let ydelser = app
        .reference
        .ydelser
        .values()
        .map(|y| (y.kode.clone(), format!("{} {} ({})", y.kode, y.betegnelse, y.paragraf)))
        .collect();
    let bad = |navn: &str| fejl_ny.iter().any(|(_, f)| *f == navn);
    let felter = [
        ("sagsid", "Sagsid", ny.sagsid.clone()),
        ("cpr", "CPR-nummer (eller udlændingenummer nedenfor)", String::new()),
        ("udlaendingenr", "Udlændingenummer", ny.udlaendingenr.clone()),
        ("foedselsdato", "Fødselsdato (kun med udlændingenummer), ÅÅÅÅ-MM-DD", ny.foedselsdato.clone()),
        ("koen", "Køn (M eller K, kun med udlændingenummer)", ny.koen.clone()),
        ("startdato", "Startdato, ÅÅÅÅ-MM-DD", ny.startdato.clone()),
        ("slutdato", "Slutdato, ÅÅÅÅ-MM-DD (tom: løbende)", ny.slutdato.clone()),
    ]
    .into_iter()
    .map(|(navn, etiket, vaerdi)| Felt { navn, etiket, vaerdi, ugyldig: bad(navn) })
    .collect();
    let page = Side {
        ramme: ramme(app, hvem, "Indtastning", Some(k)),
        felter,
        maaned: m.to_string(),
        linjer,
        ydelser,
        fejl,
        ny,
        fejl_ny,
        fil: file_name(k, m, loebenummer(app, k, m)),
    };
    Ok(side(&page))
}

#[derive(serde::Deserialize, Default)]
pub struct Valg {
    #[serde(default)]
    maaned: String,
}

pub async fn form(
    State(app): State<Arc<App>>,
    hvem: Hvem,
    Path(kode): Path<String>,
    Query(v): Query<Valg>,
) -> Result<Response, Fejl> {
    let k = hvem.kommune(&app, &kode)?;
    hvem.may_write()?;
    render(&app, &hvem, k, maaned(&v.maaned)?, Raekke::default(), Vec::new())
}

#[derive(serde::Deserialize)]
pub struct NyRaekke {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    maaned: String,
    #[serde(flatten)]
    r: Raekke,
}

/// Adds a row: it joins the draft when the checks find nothing that rejects it; otherwise the form is
/// shown again with the findings beside their fields (the CPR field emptied).
pub async fn tilfoej(
    State(app): State<Arc<App>>,
    hvem: Hvem,
    Path(kode): Path<String>,
    Form(f): Form<NyRaekke>,
) -> Result<Response, Fejl> {
    hvem.csrf(&f.csrf)?;
    hvem.may_write()?;
    let k = hvem.kommune(&app, &kode)?;
    let m = maaned(&f.maaned)?;
    let mut r = f.r;
    for v in [
        &mut r.sagsid,
        &mut r.cpr,
        &mut r.udlaendingenr,
        &mut r.foedselsdato,
        &mut r.koen,
        &mut r.ydelse,
        &mut r.maalgruppe,
        &mut r.startdato,
        &mut r.slutdato,
    ] {
        *v = v.trim().to_string();
    }
    if r.fields().iter().any(|v| v.contains([';', '\n', '\r', '"']))
        || r.fields().iter().any(|v| v.chars().count() > 64)
    {
        let mut again = r.clone();
        again.cpr.clear();
        return with_400(render(
            &app,
            &hvem,
            k,
            m,
            again,
            vec![("Felterne må ikke indeholde ; eller anførselstegn og højst 64 tegn".into(), "sagsid")],
        ));
    }
    let key = (k, m.to_string());
    let mut rows = app.kladder.lock().unwrap_or_else(|p| p.into_inner()).get(&key).cloned().unwrap_or_default();
    rows.push(r.clone());
    let found = check(&app, k, m, &rows);
    let own = found.get(&(rows.len() + 1)).cloned().unwrap_or_default();
    if own.iter().any(|(_, _, rejects)| *rejects) || found.contains_key(&0) {
        let mut again = r;
        again.cpr.clear();
        let fejl: Vec<(String, &'static str)> =
            own.into_iter().chain(found.get(&0).cloned().unwrap_or_default()).map(|(t, f, _)| (t, f)).collect();
        return with_400(render(&app, &hvem, k, m, again, fejl));
    }
    app.kladder.lock().unwrap_or_else(|p| p.into_inner()).insert(key, rows);
    Ok(tilbage(&format!("/kommune/{k:03}/indtastning?maaned={m}")))
}

fn with_400(r: Result<Response, Fejl>) -> Result<Response, Fejl> {
    r.map(|mut r| {
        *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
        r
    })
}

#[derive(serde::Deserialize)]
pub struct Handling {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    maaned: String,
    #[serde(default)]
    nr: usize,
}

/// Removes row `nr` from the draft.
pub async fn fjern(
    State(app): State<Arc<App>>,
    hvem: Hvem,
    Path(kode): Path<String>,
    Form(f): Form<Handling>,
) -> Result<Response, Fejl> {
    hvem.csrf(&f.csrf)?;
    hvem.may_write()?;
    let k = hvem.kommune(&app, &kode)?;
    let m = maaned(&f.maaned)?;
    if let Some(rows) = app.kladder.lock().unwrap_or_else(|p| p.into_inner()).get_mut(&(k, m.to_string()))
        && f.nr >= 1
        && f.nr <= rows.len()
    {
        rows.remove(f.nr - 1);
    }
    Ok(tilbage(&format!("/kommune/{k:03}/indtastning?maaned={m}")))
}

/// Submits the draft as one delivery of the month; on to its receipt.
pub async fn indsend(
    State(app): State<Arc<App>>,
    hvem: Hvem,
    Path(kode): Path<String>,
    Form(f): Form<Handling>,
) -> Result<Response, Fejl> {
    hvem.csrf(&f.csrf)?;
    hvem.may_write()?;
    let k = hvem.kommune(&app, &kode)?;
    let m = maaned(&f.maaned)?;
    if app.config.noegle.is_none() {
        return Err(Fejl::Ugyldig("Portalen er startet uden pseudonymnøgle og kan ikke modtage leveringer.".into()));
    }
    let key = (k, m.to_string());
    let rows = app.kladder.lock().unwrap_or_else(|p| p.into_inner()).get(&key).cloned().unwrap_or_default();
    if rows.is_empty() {
        return Err(Fejl::Ugyldig("Kladden er tom: tilføj mindst én sag.".into()));
    }
    let fil = file_name(k, m, loebenummer(&app, k, m));
    let incoming = app.config.out.join(".indgaaende");
    let dir = std::fs::create_dir_all(&incoming)
        .and_then(|()| tempfile::tempdir_in(&incoming))
        .map_err(|e| Fejl::Intern(e.to_string()))?;
    let path = dir.path().join(&fil);
    std::fs::write(&path, csv(k, &rows)).map_err(|e| Fejl::Intern(e.to_string()))?;
    let (kvittering, _) = crate::levering::submit(&app, path).await.map_err(Fejl::Ugyldig)?;
    drop(dir);
    app.kladder.lock().unwrap_or_else(|p| p.into_inner()).remove(&key);
    let status = if kvittering.status == godkend_ingest::Status::Afvist { "afvist" } else { "modtaget" };
    app.dialog.log(
        hvem.email(),
        Some(k),
        "manuel_levering",
        &format!("{fil}: {status}, {} poster, {} afvist", kvittering.raekker, kvittering.afviste),
    )?;
    if let Err(e) = tokio::task::block_in_place(|| {
        crate::kvitteringsmail::send(&app.config.post, &app.dialog, &app.reference, &kvittering)
    }) {
        eprintln!("fejl: kvitteringsmail for {fil}: {}", godkend_model::tekst::renset(&e));
    }
    Ok(tilbage(&format!("/kommune/{k:03}/leveringer/{fil}")))
}
