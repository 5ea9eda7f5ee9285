//! Failures as the user sees them: an `error:` line naming the file (and line), then a `hint:`.

use godkend_model::Reference;
use std::path::Path;

#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub hint: Option<String>,
}

impl Failure {
    pub fn new(message: impl Into<String>, hint: impl Into<String>) -> Failure {
        Failure { message: message.into(), hint: Some(hint.into()) }
    }

    /// Prints `error:` and `hint:`. What reaches the terminal passes `tekst`: a file name or a
    /// comment can carry escape sequences or a CPR number, neither of which may come out.
    pub fn print(&self) {
        eprintln!("error: {}", clean(&self.message));
        if let Some(h) = &self.hint {
            eprintln!("hint: {}", clean(h));
        }
    }
}

impl From<godkend_store::Error> for Failure {
    fn from(e: godkend_store::Error) -> Failure {
        Failure { hint: e.hint().map(str::to_string), message: e.to_string() }
    }
}

impl From<godkend_round::Error> for Failure {
    fn from(e: godkend_round::Error) -> Failure {
        Failure::from_round(&e)
    }
}

impl From<godkend_count::Error> for Failure {
    fn from(e: godkend_count::Error) -> Failure {
        Failure { hint: e.hint().map(str::to_string), message: e.to_string() }
    }
}

impl From<godkend_outputs::Error> for Failure {
    fn from(e: godkend_outputs::Error) -> Failure {
        Failure { hint: e.hint().map(str::to_string), message: e.to_string() }
    }
}

impl Failure {
    pub fn from_round(e: &godkend_round::Error) -> Failure {
        Failure { hint: e.hint().map(str::to_string), message: e.to_string() }
    }
}

fn clean(text: &str) -> String {
    godkend_model::tekst::mask_cpr(&godkend_model::tekst::without_control(text)).into_owned()
}

impl From<godkend_dialog::Error> for Failure {
    fn from(e: godkend_dialog::Error) -> Failure {
        Failure { hint: e.hint().map(str::to_string), message: e.to_string() }
    }
}

impl From<godkend_server::Error> for Failure {
    fn from(e: godkend_server::Error) -> Failure {
        Failure { hint: e.hint().map(str::to_string), message: e.to_string() }
    }
}

impl From<godkend_demo::Error> for Failure {
    fn from(e: godkend_demo::Error) -> Failure {
        let hint = match &e {
            godkend_demo::Error::Options(_) => "se `godkend demo-data --help` for tilvalg og et eksempel",
            _ => "tjek at udmappen kan skrives i, og at disken ikke er fuld",
        };
        Failure::new(e.to_string(), hint)
    }
}

pub fn load_reference(dir: Option<&Path>) -> Result<Reference, Failure> {
    let loaded = match dir {
        Some(d) => Reference::load_dir(d),
        None => Reference::embedded(),
    };
    loaded.map_err(|e| {
        Failure::new(e.to_string(), "ret referencefilen i den linje (se reference-data/README.md for hver fils format)")
    })
}
