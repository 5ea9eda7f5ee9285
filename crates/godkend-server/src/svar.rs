//! Responses: the errors every route can give (a Danish page, or JSON under `/api/`, with the right
//! status and the same text), rendering a page, and the security headers on every answer.

use askama::Template;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

/// What went wrong, as the user is told.
#[derive(Debug)]
pub enum Fejl {
    /// A page needs a login: to the login page.
    IkkeLoggetInd,
    /// The API needs a session: 401.
    ApiIkkeLoggetInd,
    /// 404: does not exist, or is another municipality's (the same answer).
    IkkeFundet,
    /// 403: the form's CSRF token is not the session's.
    Csrf,
    /// 403: the role may not do this.
    Forbudt(String),
    /// 400: what is wrong with the input.
    Ugyldig(String),
    /// 429: too many failed logins.
    ForMange,
    /// 500: logged, and the user gets a general text.
    Intern(String),
}

impl Fejl {
    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            Fejl::IkkeLoggetInd | Fejl::ApiIkkeLoggetInd => {
                (StatusCode::UNAUTHORIZED, "Log ind", "Du skal logge ind for at se siden.".into())
            }
            Fejl::IkkeFundet => (StatusCode::NOT_FOUND, "Siden findes ikke", "Siden findes ikke, eller du har ikke adgang til den.".into()),
            Fejl::Csrf => (
                StatusCode::FORBIDDEN,
                "Formularen er udløbet",
                "Formularen hører ikke til din session (den kan være åbnet før du loggede ind igen). Gå tilbage, genindlæs siden og prøv igen.".into(),
            ),
            Fejl::Forbudt(t) => (StatusCode::FORBIDDEN, "Ikke tilladt", t.clone()),
            Fejl::Ugyldig(t) => (StatusCode::BAD_REQUEST, "Kan ikke gemmes", t.clone()),
            Fejl::ForMange => (
                StatusCode::TOO_MANY_REQUESTS,
                "For mange forsøg",
                "For mange mislykkede login. Vent 15 minutter, eller bed Danmarks Statistik om et nyt link til at sætte kodeord.".into(),
            ),
            Fejl::Intern(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Der skete en fejl",
                "Portalen kunne ikke svare. Prøv igen om lidt; fortsætter fejlen, så skriv til Danmarks Statistik.".into(),
            ),
        }
    }

    /// The same error as JSON (`{"fejl": …}`), for the API.
    pub fn json(self) -> Response {
        if let Fejl::Intern(e) = &self {
            eprintln!("fejl: {}", godkend_model::tekst::renset(e));
        }
        let (status, _, text) = self.parts();
        (status, axum::Json(serde_json::json!({ "fejl": text }))).into_response()
    }
}

#[derive(Template)]
#[template(path = "fejl.html")]
struct FejlSide<'a> {
    ramme: Ramme,
    overskrift: &'a str,
    tekst: &'a str,
}

impl IntoResponse for Fejl {
    fn into_response(self) -> Response {
        match self {
            Fejl::IkkeLoggetInd => return Redirect::to("/login").into_response(),
            Fejl::ApiIkkeLoggetInd => return self.json(),
            Fejl::Intern(ref e) => eprintln!("fejl: {}", godkend_model::tekst::renset(e)),
            _ => {}
        }
        let (status, overskrift, tekst) = self.parts();
        let page = FejlSide { ramme: Ramme::anonym(overskrift), overskrift, tekst: &tekst };
        let mut response = side(&page);
        *response.status_mut() = status;
        response
    }
}

impl From<godkend_dialog::Error> for Fejl {
    fn from(e: godkend_dialog::Error) -> Fejl {
        match e {
            godkend_dialog::Error::Afvist(t) => Fejl::Ugyldig(t),
            other => Fejl::Intern(other.to_string()),
        }
    }
}

/// What every page's frame shows: the title, who is logged in, the municipality, the CSRF token for
/// the logout form, and whether DST's links are shown.
#[derive(Clone, Debug, Default)]
pub struct Ramme {
    pub titel: String,
    pub bruger: String,
    pub rolle: String,
    /// The municipality's code (`101`) and name; empty on pages about none.
    pub kode: String,
    pub navn: String,
    pub csrf: String,
    pub dst: bool,
}

impl Ramme {
    pub fn anonym(titel: &str) -> Ramme {
        Ramme { titel: titel.to_string(), ..Ramme::default() }
    }
}

/// A rendered page (200).
pub fn side(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => {
            ([(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"))], html).into_response()
        }
        Err(e) => {
            eprintln!("fejl: skabelon: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, "Der skete en fejl").into_response()
        }
    }
}

/// The content security policy: nothing but the portal's own style sheet and images; no script at
/// all, no framing, forms only to the portal.
const CSP: &str =
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Adds the security headers to every answer: CSP, no framing, no referrer, no sniffing, no caching
/// of pages that show a municipality's data, and HSTS when served over HTTPS.
pub fn with_headers(router: Router, secure: bool) -> Router {
    router.layer(axum::middleware::map_response(move |mut response: Response| async move {
        let h = response.headers_mut();
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
        h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
        if secure {
            h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
        }
        response
    }))
}
