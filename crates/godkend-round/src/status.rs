//! The national status of a report year (what `status-<år>.json`, `.csv` and `.pdf` show): per
//! municipality its flags, comments and readiness, the totals, and the open flags that matter most
//! nationally. Everything the overview shows is computed here; godkend-outputs writes it.

use crate::rapport::{Frister, KommuneRapport};
use godkend_rules::Markering;

/// How many open flags the overview lists (highest priority first).
pub const TOP_OPEN: usize = 20;

/// One municipality's line in the overview.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StatusRaekke {
    pub kommunekode: u16,
    pub navn: String,
    pub roede: usize,
    pub gule: usize,
    pub uden_kommentar: usize,
    pub klar_til_godkendelse: bool,
    /// `godkendt`, `klar_til_godkendelse` or `ikke_godkendt`.
    #[serde(default)]
    pub godkendelse: String,
    /// The approval's date, when approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub godkendt_dato: Option<String>,
    pub manglende_maaneder: usize,
    /// Percent of the year's delivered records that were rejected.
    pub andel_afviste_poster: f64,
}

/// An open flag with its municipality's name, for the national list.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AabenMarkering {
    pub navn: String,
    #[serde(flatten)]
    pub markering: Markering,
}

/// The status of a report year across all municipalities.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Status {
    pub aar: i32,
    pub frister: Frister,
    pub kommuner: Vec<StatusRaekke>,
    pub kommuner_i_alt: usize,
    pub klar_til_godkendelse: usize,
    /// Municipalities whose approval DST has received.
    #[serde(default)]
    pub godkendt: usize,
    pub roede: usize,
    pub gule: usize,
    pub uden_kommentar: usize,
    /// The [`TOP_OPEN`] open flags of the report year with the highest priority nationally.
    pub stoerste_aabne_markeringer: Vec<AabenMarkering>,
    /// Every national Hidiroglou–Berthelot test of the report year (the same in every report; shown once,
    /// here), and each series' service code, in the reports' order.
    #[serde(default)]
    pub hb_test: Vec<godkend_rules::HbOpsummering>,
    #[serde(default)]
    pub hb_ydelser: Vec<(String, String)>,
}

impl Status {
    pub fn of(rapporter: &[&KommuneRapport], aar: i32, frister: &Frister) -> Status {
        let kommuner: Vec<StatusRaekke> = rapporter
            .iter()
            .map(|r| StatusRaekke {
                kommunekode: r.kommunekode,
                navn: r.navn.clone(),
                roede: r.antal.roede,
                gule: r.antal.gule,
                uden_kommentar: r.antal.uden_kommentar,
                klar_til_godkendelse: r.klar_til_godkendelse,
                godkendelse: r.godkendelsesstatus().code().to_string(),
                godkendt_dato: r.godkendelse.as_ref().map(|g| g.dato.clone()),
                manglende_maaneder: r.datakvalitet.manglende_maaneder.len(),
                andel_afviste_poster: r.datakvalitet.andel_afviste_poster,
            })
            .collect();
        Status {
            aar,
            frister: frister.clone(),
            kommuner_i_alt: kommuner.len(),
            klar_til_godkendelse: kommuner.iter().filter(|k| k.klar_til_godkendelse).count(),
            godkendt: kommuner.iter().filter(|k| k.godkendt_dato.is_some()).count(),
            roede: kommuner.iter().map(|k| k.roede).sum(),
            gule: kommuner.iter().map(|k| k.gule).sum(),
            uden_kommentar: kommuner.iter().map(|k| k.uden_kommentar).sum(),
            kommuner,
            hb_test: rapporter.first().map(|r| r.hb_test.clone()).unwrap_or_default(),
            hb_ydelser: rapporter
                .first()
                .map(|r| r.serier.iter().map(|s| (s.serie.clone(), s.ydelse.clone())).collect())
                .unwrap_or_default(),
            stoerste_aabne_markeringer: top_open_flags(rapporter, TOP_OPEN)
                .into_iter()
                .map(|(navn, m)| AabenMarkering { navn: navn.to_string(), markering: m.clone() })
                .collect(),
        }
    }
}

/// The `n` open flags of the report year (no comment yet) that matter most nationally: red before
/// yellow (a red on a municipality's deliveries as a whole has priority 0 and must still be listed),
/// then by priority, highest first, then municipality code; with their municipality's name.
pub fn top_open_flags<'a>(rapporter: &[&'a KommuneRapport], n: usize) -> Vec<(&'a str, &'a Markering)> {
    let mut open: Vec<(&str, &Markering)> = rapporter
        .iter()
        .flat_map(|r| r.markeringer.iter().map(move |m| (r.navn.as_str(), m)))
        .filter(|(_, m)| m.is_open())
        .collect();
    open.sort_by(|(_, a), (_, b)| {
        a.alvor.cmp(&b.alvor).then(b.prioritet.total_cmp(&a.prioritet)).then(a.key().cmp(&b.key()))
    });
    open.truncate(n);
    open
}

#[cfg(test)]
mod tests {
    use super::*;
    use godkend_rules::{Alvor, Regel};

    /// Before, the list was by priority alone, and a red on a municipality's deliveries as a whole
    /// (priority 0) never reached it.
    #[test]
    fn the_top_list_is_red_before_yellow_then_by_priority() {
        let flag = |k: u16, alvor: Alvor, prioritet: f64| {
            let mut m =
                Markering::new(k, None, "", "", godkend_model::Periode::Aar(2025), Regel::AfvistePoster, alvor, true);
            m.prioritet = prioritet;
            m
        };
        let mut r: KommuneRapport =
            serde_json::from_str(include_str!("../../../fixtures/golden/ren/forventet/825-2025.json")).unwrap();
        r.markeringer = vec![flag(825, Alvor::Gul, 9.0), flag(825, Alvor::Roed, 0.0), flag(825, Alvor::Gul, 12.0)];
        let top: Vec<(Alvor, f64)> = top_open_flags(&[&r], 3).iter().map(|(_, m)| (m.alvor, m.prioritet)).collect();
        assert_eq!(top, [(Alvor::Roed, 0.0), (Alvor::Gul, 12.0), (Alvor::Gul, 9.0)]);
    }
}
