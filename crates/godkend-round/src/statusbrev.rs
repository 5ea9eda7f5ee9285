//! The May letter (`godkend statusbrev`): to the municipal director of each municipality that has not
//! approved its data, with its open marks by colour and the deadline that has passed. The figures are
//! computed here; godkend-outputs only lays the letter out.

use crate::rapport::{Frister, Godkendelsesstatus, KommuneRapport};
use godkend_rules::{Alvor, Markering};

/// The letter lists at most this many open marks per colour; the totals are always given.
pub const MAX_LISTED: usize = 15;

/// One letter.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Statusbrev {
    pub kommunekode: u16,
    pub navn: String,
    pub aar: i32,
    pub frister: Frister,
    /// `klar_til_godkendelse` (every mark commented, no approval yet) or `ikke_godkendt`.
    pub status: &'static str,
    /// Red and yellow marks of the year (resolved ones left out), and those still without a comment.
    pub roede: usize,
    pub gule: usize,
    pub aabne_roede: usize,
    pub aabne_gule: usize,
    /// The open marks, red first, then by priority; at most [`MAX_LISTED`] per colour.
    pub aabne: Vec<Markering>,
    /// Open red and yellow marks the list leaves out (they are in the workbook).
    pub ikke_listet_roede: usize,
    pub ikke_listet_gule: usize,
    /// Where the municipality answers and asks.
    pub kontakt: godkend_model::Kontakt,
    /// Each series' Danish name (`V-1.1` → `Aktivitets- og samværstilbud`), so the letter names the service.
    pub serie_navne: std::collections::BTreeMap<String, String>,
}

impl Statusbrev {
    /// The letter for a municipality, or `None` when it has approved.
    pub fn of(r: &KommuneRapport) -> Option<Statusbrev> {
        let status = r.godkendelsesstatus();
        if status == Godkendelsesstatus::Godkendt {
            return None;
        }
        let open: Vec<&Markering> = r.markeringer.iter().filter(|m| m.is_open()).collect();
        let of = |a: Alvor| open.iter().filter(|m| m.alvor == a).count();
        let mut aabne: Vec<Markering> = Vec::new();
        for a in [Alvor::Roed, Alvor::Gul] {
            let mut these: Vec<&Markering> = open.iter().copied().filter(|m| m.alvor == a).collect();
            these.sort_by(|x, y| Markering::severity_then_priority(x, y).then_with(|| x.id.cmp(&y.id)));
            aabne.extend(these.into_iter().take(MAX_LISTED).cloned());
        }
        Some(Statusbrev {
            kommunekode: r.kommunekode,
            navn: r.navn.clone(),
            aar: r.aar,
            frister: r.frister.clone(),
            status: status.code(),
            roede: r.antal.roede,
            gule: r.antal.gule,
            aabne_roede: of(Alvor::Roed),
            aabne_gule: of(Alvor::Gul),
            ikke_listet_roede: of(Alvor::Roed) - aabne.iter().filter(|m| m.alvor == Alvor::Roed).count(),
            ikke_listet_gule: of(Alvor::Gul) - aabne.iter().filter(|m| m.alvor == Alvor::Gul).count(),
            aabne,
            kontakt: r.kontakt.clone(),
            serie_navne: r.serier.iter().map(|s| (s.serie.clone(), s.betegnelse.clone())).collect(),
        })
    }
}
