//! `--help` in Danish. The texts of the commands and options are ours (their doc comments and
//! `about`/`after_help`, written in Danish); clap adds its own English frame — headings, `[OPTIONS]`,
//! the help and version flags, `[default: …]`. This module puts that frame into Danish, on the text
//! clap rendered, so every command's help and every usage line in an error read as one language.

/// Clap's English words and what the user reads instead. Longest first where one contains another.
const RAMME: &[(&str, &str)] = &[
    ("Print this message or the help of the given subcommand(s)", "Vis hjælp til godkend eller en kommando"),
    ("Print help (see more with '--help')", "Vis hjælp (mere med --help)"),
    ("Print help (see a summary with '-h')", "Vis hjælp (kort med -h)"),
    ("Print help", "Vis hjælp"),
    ("Print version", "Vis versionen"),
    ("Usage:", "Brug:"),
    ("Commands:", "Kommandoer:"),
    ("Arguments:", "Argumenter:"),
    ("Options:", "Tilvalg:"),
    ("[OPTIONS]", "[TILVALG]"),
    ("<COMMAND>", "<KOMMANDO>"),
    ("[COMMAND]", "[KOMMANDO]"),
    ("[default: ", "[standard: "),
    ("[aliases: ", "[også: "),
    ("[alias: ", "[også: "),
    ("[possible values: ", "[mulige: "),
];

/// `text` (help or usage rendered by clap) with clap's frame in Danish.
pub fn dansk(text: &str) -> String {
    RAMME.iter().fold(text.to_string(), |t, (en, da)| t.replace(en, da))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_frame_is_danish_and_our_text_untouched() {
        let clap = "Kør årets runde\n\nUsage: godkend run [OPTIONS] --store <MAPPE>\n\nOptions:\n      --store <MAPPE>  \
                    Sagslageret [aliases: --lager]\n  -h, --help     Print help\n";
        assert_eq!(
            dansk(clap),
            "Kør årets runde\n\nBrug: godkend run [TILVALG] --store <MAPPE>\n\nTilvalg:\n      --store <MAPPE>  \
             Sagslageret [også: --lager]\n  -h, --help     Vis hjælp\n"
        );
    }
}
