//! Logging in and out, and choosing a password from the one-time link. The login form carries a CSRF
//! token bound to a short-lived cookie (there is no session yet); failed logins are throttled per
//! account and per address, and each is in the audit log.

use super::tilbage;
use crate::adgang::{Hvem, LOGIN_COOKIE, SESSION_COOKIE, cookie, set_cookie};
use crate::app::App;
use crate::svar::{Fejl, Ramme, side};
use askama::Template;
use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use godkend_model::tekst::{capped, renset};
use std::net::SocketAddr;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "login.html")]
struct Login {
    ramme: Ramme,
    csrf: String,
    email: String,
    fejl: String,
}

/// The login page, with a fresh form token in its cookie.
fn login_page(secure: bool, email: &str, fejl: &str, status: StatusCode) -> Response {
    let csrf = godkend_dialog::nyt_token();
    let page =
        Login { ramme: Ramme::anonym("Log ind"), csrf: csrf.clone(), email: email.to_string(), fejl: fejl.to_string() };
    let mut response = side(&page);
    *response.status_mut() = status;
    if let Ok(v) = set_cookie(LOGIN_COOKIE, &csrf, secure).parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

pub async fn form(State(app): State<Arc<App>>, hvem: Option<Hvem>) -> Response {
    if hvem.is_some() {
        return tilbage("/");
    }
    login_page(app.config.secure, "", "", StatusCode::OK)
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    kodeord: String,
}

/// The form token must match the login cookie.
fn login_csrf(headers: &HeaderMap, given: &str) -> Result<(), Fejl> {
    match cookie(headers, LOGIN_COOKIE) {
        Some(c) if c.len() == 64 && c == given => Ok(()),
        _ => Err(Fejl::Csrf),
    }
}

pub async fn login(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, Fejl> {
    login_csrf(&headers, &f.csrf)?;
    let address = peer.ip().to_string();
    // What the user typed is shown and logged only cleaned (a CPR number typed as the address is masked).
    let email = renset(&capped(f.email.trim(), 254));
    if !app.throttle.lock().unwrap_or_else(|p| p.into_inner()).allowed(&email, &address) {
        app.dialog.log(&email, None, "login_spaerret", &address)?;
        return Err(Fejl::ForMange);
    }
    let user = tokio::task::block_in_place(|| app.dialog.check_password(&email, &f.kodeord))?;
    let Some(user) = user else {
        app.throttle.lock().unwrap_or_else(|p| p.into_inner()).failed(&email, &address);
        app.dialog.log(&email, None, "login_afvist", &address)?;
        return Ok(login_page(
            app.config.secure,
            &email,
            "E-mailadressen eller kodeordet er forkert.",
            StatusCode::UNAUTHORIZED,
        ));
    };
    app.throttle.lock().unwrap_or_else(|p| p.into_inner()).succeeded(&email);
    let (token, _) = app.dialog.new_session(&user, &address)?;
    let mut response = tilbage("/");
    let h = response.headers_mut();
    for c in [set_cookie(SESSION_COOKIE, &token, app.config.secure), set_cookie(LOGIN_COOKIE, "", app.config.secure)] {
        if let Ok(v) = c.parse() {
            h.append(header::SET_COOKIE, v);
        }
    }
    Ok(response)
}

#[derive(serde::Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(app): State<Arc<App>>,
    hvem: Hvem,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Result<Response, Fejl> {
    hvem.csrf(&f.csrf)?;
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        app.dialog.end_session(token)?;
    }
    let mut response = tilbage("/login");
    if let Ok(v) = set_cookie(SESSION_COOKIE, "", app.config.secure).parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

#[derive(Template)]
#[template(path = "aktiver.html")]
struct Aktiver {
    ramme: Ramme,
    gyldigt: bool,
    email: String,
    token: String,
    csrf: String,
    min: usize,
    fejl: String,
}

#[derive(serde::Deserialize)]
pub struct Token {
    #[serde(default)]
    t: String,
}

fn aktiver_page(app: &App, token: &str, fejl: &str, status: StatusCode) -> Result<Response, Fejl> {
    let user = if token.len() == 64 { app.dialog.invitation(token)? } else { None };
    let csrf = godkend_dialog::nyt_token();
    let page = Aktiver {
        ramme: Ramme::anonym("Vælg kodeord"),
        gyldigt: user.is_some(),
        email: user.map(|u| u.email).unwrap_or_default(),
        token: token.to_string(),
        csrf: csrf.clone(),
        min: godkend_dialog::brugere::MIN_KODEORD,
        fejl: fejl.to_string(),
    };
    let mut response = side(&page);
    *response.status_mut() = if page.gyldigt { status } else { StatusCode::NOT_FOUND };
    if let Ok(v) = set_cookie(LOGIN_COOKIE, &csrf, app.config.secure).parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

pub async fn aktiver_form(State(app): State<Arc<App>>, Query(t): Query<Token>) -> Result<Response, Fejl> {
    aktiver_page(&app, &t.t, "", StatusCode::OK)
}

#[derive(serde::Deserialize)]
pub struct AktiverForm {
    #[serde(default)]
    t: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kodeord: String,
}

pub async fn aktiver(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Form(f): Form<AktiverForm>,
) -> Result<Response, Fejl> {
    login_csrf(&headers, &f.csrf)?;
    match tokio::task::block_in_place(|| app.dialog.set_password(&f.t, &f.kodeord)) {
        Ok(_) => Ok(tilbage("/login")),
        Err(godkend_dialog::Error::Afvist(t)) => aktiver_page(&app, &f.t, &t, StatusCode::BAD_REQUEST),
        Err(e) => Err(e.into()),
    }
}

impl axum::extract::OptionalFromRequestParts<Arc<App>> for Hvem {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        app: &Arc<App>,
    ) -> Result<Option<Hvem>, Self::Rejection> {
        Ok(<Hvem as axum::extract::FromRequestParts<Arc<App>>>::from_request_parts(parts, app).await.ok())
    }
}
