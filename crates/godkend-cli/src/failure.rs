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

/// A command line clap could not read, told in Danish as every other error is (`error:` and `hint:`,
/// exit 2); `--help` and `--version` are printed as clap made them, its frame in Danish (exit 0).
pub fn command_line(e: clap::Error) -> u8 {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let get = |k: ContextKind| match e.get(k) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join(", "),
        Some(ContextValue::StyledStr(s)) => s.to_string(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let suggested = |k: ContextKind| {
        let s = get(k);
        if s.is_empty() { String::new() } else { format!("; mente du {s}?") }
    };
    let message = match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            print!("{}", crate::hjaelp::dansk(&e.render().to_string()));
            return 0;
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand | ErrorKind::MissingSubcommand => {
            "mangler en kommando, fx godkend run".to_string()
        }
        ErrorKind::MissingRequiredArgument => format!("mangler {}", get(ContextKind::InvalidArg)),
        ErrorKind::UnknownArgument => {
            format!("ukendt tilvalg {}{}", get(ContextKind::InvalidArg), suggested(ContextKind::SuggestedArg))
        }
        ErrorKind::InvalidSubcommand => {
            format!(
                "ukendt kommando {}{}",
                get(ContextKind::InvalidSubcommand),
                suggested(ContextKind::SuggestedSubcommand)
            )
        }
        ErrorKind::InvalidValue => format!(
            "{} er ikke en gyldig værdi for {}{}",
            godkend_model::tekst::shown(&get(ContextKind::InvalidValue)),
            get(ContextKind::InvalidArg),
            match get(ContextKind::ValidValue) {
                v if v.is_empty() => String::new(),
                v => format!(" (mulige: {v})"),
            }
        ),
        // Our value parsers already speak Danish: their text is the error's source.
        ErrorKind::ValueValidation => match std::error::Error::source(&e) {
            Some(s) => format!("{}: {s}", get(ContextKind::InvalidArg)),
            None => format!("{}: ugyldig værdi", get(ContextKind::InvalidArg)),
        },
        ErrorKind::ArgumentConflict => {
            format!("{} kan ikke bruges sammen med {}", get(ContextKind::InvalidArg), get(ContextKind::PriorArg))
        }
        ErrorKind::NoEquals | ErrorKind::TooManyValues | ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("forkert antal værdier til {}", get(ContextKind::InvalidArg))
        }
        ErrorKind::InvalidUtf8 => "et argument er ikke UTF-8".to_string(),
        _ => "kommandolinjen kan ikke læses".to_string(),
    };
    let usage = crate::hjaelp::dansk(&get(ContextKind::Usage));
    let usage = usage.trim().strip_prefix("Brug:").unwrap_or(usage.trim()).trim().to_string();
    let hint = if usage.is_empty() {
        "godkend --help viser kommandoerne, og godkend KOMMANDO --help deres tilvalg".to_string()
    } else {
        format!("brug: {usage} (mere med --help)")
    };
    Failure::new(message, hint).print();
    2
}
