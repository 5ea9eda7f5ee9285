//! Who is asking, and what they may see. Every route goes through here: [`Hvem`] finds the session of
//! the request's cookie (or answers "log in"), [`Hvem::kommune`] lets a user reach only their own
//! municipality — any other code answers 404, exactly as a code that does not exist — and
//! [`Hvem::csrf`] checks the token every form carries.

use crate::app::App;
use crate::svar::Fejl;
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use godkend_dialog::{Rolle, Session};
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "godkend_session";
pub const LOGIN_COOKIE: &str = "godkend_login";

/// The logged-in user of a request.
#[derive(Clone, Debug)]
pub struct Hvem(pub Session);

impl Hvem {
    pub fn rolle(&self) -> Rolle {
        self.0.bruger.rolle
    }

    pub fn email(&self) -> &str {
        &self.0.bruger.email
    }

    pub fn is_dst(&self) -> bool {
        self.rolle() == Rolle::Dst
    }

    /// `kode` when this user may see that municipality and it has a report; otherwise 404, the same
    /// answer as for a municipality that does not exist.
    pub fn kommune(&self, app: &App, kode: &str) -> Result<u16, Fejl> {
        let kode: u16 = kode.parse().map_err(|_| Fejl::IkkeFundet)?;
        if !self.0.bruger.sees(kode) || app.rapport(kode).is_none() {
            return Err(Fejl::IkkeFundet);
        }
        Ok(kode)
    }

    /// DST only; anyone else gets 404 (the page does not exist for them).
    pub fn dst(&self) -> Result<(), Fejl> {
        if self.is_dst() { Ok(()) } else { Err(Fejl::IkkeFundet) }
    }

    /// The form's CSRF token must be the session's.
    pub fn csrf(&self, given: &str) -> Result<(), Fejl> {
        if self.0.csrf_matches(given) { Ok(()) } else { Err(Fejl::Csrf) }
    }

    pub fn may_write(&self) -> Result<(), Fejl> {
        if self.rolle().may_write() {
            Ok(())
        } else {
            Err(Fejl::Forbudt("Din rolle (læser) kan se kommunens data, men ikke skrive eller godkende.".into()))
        }
    }
}

/// The value of cookie `name` in the request's headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, the whole site, `Secure` behind HTTPS.
pub fn set_cookie(name: &str, value: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    let max_age = if value.is_empty() { "; Max-Age=0" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict{secure}{max_age}")
}

impl FromRequestParts<Arc<App>> for Hvem {
    type Rejection = Fejl;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Hvem, Fejl> {
        let api = parts.uri.path().starts_with("/api/");
        let missing = || if api { Fejl::ApiIkkeLoggetInd } else { Fejl::IkkeLoggetInd };
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(missing());
        };
        // 64 hex digits or nothing: anything else is not one of ours and costs no lookup.
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(missing());
        }
        match app.dialog.session(token) {
            Ok(Some(session)) => Ok(Hvem(session)),
            Ok(None) => Err(missing()),
            Err(e) => Err(Fejl::Intern(e.to_string())),
        }
    }
}
