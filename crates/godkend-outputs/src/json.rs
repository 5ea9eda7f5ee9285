//! The JSON files: `<kode>-<år>.json` (the report model's serde form, schema in docs/rapport-json.md) and
//! `status-<år>.json`. Pretty-printed, ending in a newline; same model, same bytes.

use godkend_round::{KommuneRapport, Status};

pub fn rapport(r: &KommuneRapport) -> String {
    serde_json::to_string_pretty(r).expect("the report serialises") + "\n"
}

pub fn status(s: &Status) -> String {
    serde_json::to_string_pretty(s).expect("the status serialises") + "\n"
}
