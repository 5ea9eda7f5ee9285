//! One mark per cell (docs/markeringer.md, "One cell, one mark"): when several rules fire on one
//! (kommune, series, quarter) of the report year, the most severe flag (then the highest priority, then
//! the rule's order) is the cell's mark, and the others are answered under it (`hoerer_til`). Every flag
//! stays in the JSON with its own id and figures, so a comment given under any of them still attaches.

use godkend_rules::{Markering, Tilstand};
use std::collections::BTreeMap;

/// Sets `hoerer_til` on every report-year flag that shares its cell with a more important one.
pub fn one_mark_per_cell(flags: &mut [Markering]) {
    let mut cells: BTreeMap<(u16, String, godkend_model::Periode), Vec<usize>> = BTreeMap::new();
    for (i, f) in flags.iter().enumerate() {
        if f.i_rapportaaret && f.tilstand != Tilstand::Loest && !f.serie.is_empty() {
            cells.entry((f.kommunekode, f.serie.clone(), f.kvartal)).or_default().push(i);
        }
    }
    for members in cells.into_values().filter(|m| m.len() > 1) {
        let main = *members
            .iter()
            .min_by(|a, b| {
                Markering::severity_then_priority(&flags[**a], &flags[**b])
                    .then(flags[**a].regel.cmp(&flags[**b].regel))
            })
            .expect("two or more");
        let id = flags[main].id.clone();
        for i in members.into_iter().filter(|i| *i != main) {
            flags[i].hoerer_til = Some(id.clone());
        }
    }
}

/// After the comments are attached: a comment given under a flag that is answered under another (an
/// earlier id of the cell, or a workbook from before the cells were joined) answers the cell's mark, and
/// the cell's comment is shown on each of its flags.
pub fn share_comments(flags: &mut [Markering]) {
    let mut by_main: BTreeMap<String, String> = BTreeMap::new();
    for f in flags.iter() {
        if let (Some(main), Some(c)) = (&f.hoerer_til, f.kommentar.as_ref().filter(|c| !c.is_empty())) {
            by_main.entry(main.clone()).or_insert_with(|| c.clone());
        }
    }
    for f in flags.iter_mut() {
        if f.hoerer_til.is_none() && f.kommentar.as_deref().is_none_or(str::is_empty) {
            if let Some(c) = by_main.get(&f.id) {
                f.kommentar = Some(c.clone());
            }
        }
    }
    let main_comment: BTreeMap<String, Option<String>> =
        flags.iter().filter(|f| f.hoerer_til.is_none()).map(|f| (f.id.clone(), f.kommentar.clone())).collect();
    for f in flags.iter_mut() {
        if let Some(c) = f.hoerer_til.as_ref().and_then(|m| main_comment.get(m)).cloned().flatten() {
            f.kommentar = Some(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use godkend_model::Register;
    use godkend_rules::{Alvor, Regel};

    fn flag(kvartal: &str, regel: Regel, alvor: Alvor, prioritet: f64) -> Markering {
        let mut m =
            Markering::new(101, Some(Register::Voksne), "V-1.1", "1.1", kvartal.parse().unwrap(), regel, alvor, true);
        m.prioritet = prioritet;
        m
    }

    /// Before, KK, AA and HB on 1.1 2025K1 were three marks, each asking for its own comment.
    #[test]
    fn three_rules_on_one_cell_are_one_mark_and_one_comment_answers_them() {
        let mut f = vec![
            flag("2025K1", Regel::KvartalTilKvartal, Alvor::Gul, 3.0),
            flag("2025K1", Regel::AarTilAar, Alvor::Roed, 2.0),
            flag("2025K1", Regel::HidiroglouBerthelot, Alvor::Roed, 5.0),
            flag("2025K2", Regel::KvartalTilKvartal, Alvor::Gul, 1.0),
        ];
        one_mark_per_cell(&mut f);
        let main = "101-2025K1-V-1.1-HB";
        let under: Vec<Option<&str>> = f.iter().map(|m| m.hoerer_til.as_deref()).collect();
        assert_eq!(under, [Some(main), Some(main), None, None]);
        assert_eq!(f.iter().filter(|m| m.is_open()).count(), 2, "one mark per cell");
        // A comment given under an earlier id of the cell answers the mark.
        f[0].kommentar = Some("Ny institution åbnede i januar.".into());
        share_comments(&mut f);
        assert_eq!(f[2].kommentar.as_deref(), Some("Ny institution åbnede i januar."));
        assert_eq!(f[1].kommentar.as_deref(), Some("Ny institution åbnede i januar."));
        assert_eq!(f.iter().filter(|m| m.is_open()).count(), 1);
    }
}
