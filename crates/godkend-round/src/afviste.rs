//! The rejected records behind a municipality's report: every record its deliveries of the report year
//! rejected, by delivery month, file, line, sagsid and finding code, read from the receipts in the store
//! (a receipt keeps every rejected record; its findings only ten examples per code). Never a CPR: the
//! receipt shows a sagsid as `tekst::shown` does.

use crate::Result;
use godkend_model::leveringslog::AfvistPost;
use godkend_store::{CaseStore, LogEntry};

/// One rejected record as the workbook lists it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct AfvistRaekke {
    pub maaned: String,
    pub fil: String,
    pub linje: usize,
    pub sagsid: String,
    pub koder: Vec<String>,
}

/// What a receipt's JSON holds that this module reads.
#[derive(serde::Deserialize)]
struct Receipt {
    #[serde(default)]
    afviste_poster: Vec<AfvistPost>,
}

/// The rejected records of `kommunekode` (as handlekommune) in the deliveries of `year`, in month, file
/// and line order.
pub fn of(store: &CaseStore, log: &[LogEntry], kommunekode: u16, year: i32) -> Result<Vec<AfvistRaekke>> {
    let mut out = Vec::new();
    let in_year = |e: &&LogEntry| e.maaned.get(..4).and_then(|y| y.parse::<i32>().ok()) == Some(year);
    for entry in log.iter().filter(in_year).filter(|e| e.poster_for(kommunekode).1 > 0) {
        let Some(json) = store.receipt_json(&entry.fil)? else { continue };
        let Ok(receipt) = serde_json::from_str::<Receipt>(&json) else { continue };
        out.extend(receipt.afviste_poster.into_iter().filter(|p| p.kommunekode == kommunekode).map(|p| AfvistRaekke {
            maaned: entry.maaned.clone(),
            fil: entry.fil.clone(),
            linje: p.linje,
            sagsid: p.sagsid,
            koder: p.koder,
        }));
    }
    out.sort();
    Ok(out)
}
