//! One mark per cell and per change (docs/markeringer.md, "One cell, one mark"): when several rules fire
//! on one (kommune, series, quarter) of the report year, the most severe flag (then the highest priority,
//! then the rule's order) is the cell's mark, and the others are answered under it (`hoerer_til`). A
//! year-on-year flag in the three quarters after a flagged change of the same series, in the same
//! direction, is that change seen again a year later: it is answered under the change's mark. Every flag
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

/// Puts each year-on-year mark that echoes a flagged change of the same series (a quarter, drop, rise
/// or HB mark up to three quarters earlier in the report year, in the same direction) under that change's
/// mark. Run after [`one_mark_per_cell`]; the earliest change takes its echoes.
pub fn echoes_under_their_change(flags: &mut [Markering]) {
    use godkend_rules::Regel;
    let direction = |m: &Markering| match (m.tal.get("forrige"), m.tal.get("aktuel")) {
        (Some(a), Some(b)) => (b - a).signum(),
        _ => 0.0,
    };
    let is_change = |m: &Markering| {
        matches!(
            m.regel,
            Regel::KvartalTilKvartal | Regel::FaldTilNul | Regel::StigningFraNul | Regel::HidiroglouBerthelot
        )
    };
    let mut mains: Vec<usize> =
        (0..flags.len()).filter(|&i| flags[i].to_answer() && !flags[i].serie.is_empty()).collect();
    mains.sort_by_key(|&i| flags[i].kvartal);
    let mut moved: BTreeMap<String, String> = BTreeMap::new();
    for &c in &mains {
        let change = &flags[c];
        let Some(q) = change.kvartal.kvartal() else { continue };
        if !is_change(change) || moved.contains_key(&change.id) || direction(change) == 0.0 {
            continue;
        }
        let (k, serie, d, id) = (change.kommunekode, change.serie.clone(), direction(change), change.id.clone());
        for &e in &mains {
            let echo = &flags[e];
            let within = echo.kvartal.kvartal().is_some_and(|x| x > q && x.index() - q.index() <= 3);
            if echo.regel == Regel::AarTilAar
                && echo.kommunekode == k
                && echo.serie == serie
                && within
                && direction(echo) == d
                && !moved.contains_key(&echo.id)
            {
                moved.insert(echo.id.clone(), id.clone());
            }
        }
    }
    for f in flags.iter_mut() {
        // The echo itself, and whatever was answered under it, go under the change.
        let to = f.hoerer_til.as_ref().and_then(|h| moved.get(h)).or_else(|| moved.get(&f.id)).cloned();
        if let Some(to) = to {
            f.hoerer_til = Some(to);
        }
    }
}

/// Puts the marks that follow from a possible systemskifte under one mark: in the systemskifte quarter
/// (any change rule) and, as year-on-year echoes, in the three quarters after it. The most severe of them
/// (then the earliest, then the highest priority) is the group's mark; its sentence names the cause, and
/// the systemskifte mark itself, when it is one of the report year's, is answered with it. Run after
/// [`echoes_under_their_change`].
pub fn marks_after_a_systemskifte(flags: &mut [Markering]) {
    use godkend_rules::Regel;
    let skift: Vec<(u16, godkend_model::Kvartal, String)> = flags
        .iter()
        .filter(|f| f.regel == Regel::Systemskifte && f.tilstand != Tilstand::Loest)
        .filter_map(|f| f.kvartal.kvartal().map(|q| (f.kommunekode, q, f.forklaring.clone())))
        .collect();
    for (k, q0, why) in skift {
        let follows = |f: &Markering| {
            let Some(q) = f.kvartal.kvartal() else { return false };
            f.kommunekode == k
                && f.to_answer()
                && !f.serie.is_empty()
                && (q == q0 || (f.regel == Regel::AarTilAar && q > q0 && q.index() - q0.index() <= 3))
        };
        let mut members: Vec<usize> = (0..flags.len()).filter(|&i| follows(&flags[i])).collect();
        if members.len() < 2 {
            continue;
        }
        members.sort_by(|&a, &b| {
            let (x, y) = (&flags[a], &flags[b]);
            x.alvor.cmp(&y.alvor).then(x.kvartal.cmp(&y.kvartal)).then(y.prioritet.total_cmp(&x.prioritet))
        });
        let main = members[0];
        let id = flags[main].id.clone();
        let others: Vec<String> = members[1..].iter().map(|&i| flags[i].id.clone()).collect();
        flags[main].forklaring.push_str(&format!(
            " Markeringen hører sammen med et muligt systemskifte i {q0} ({}); {} andre markeringer i og efter skiftet besvares med denne.",
            why.trim_end_matches('.'),
            others.len()
        ));
        for f in flags.iter_mut() {
            let joins = others.contains(&f.id)
                || f.hoerer_til.as_ref().is_some_and(|h| others.contains(h))
                || (f.regel == Regel::Systemskifte
                    && f.kommunekode == k
                    && f.kvartal.kvartal() == Some(q0)
                    && f.to_answer());
            if joins && f.id != id {
                f.hoerer_til = Some(id.clone());
            }
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

    /// One rise in one service gave a red mark per quarter (KK in K1, AA in K1–K4): the year-on-year
    /// marks after the change are its echo, answered under it. A fall is a different change.
    #[test]
    fn year_on_year_echoes_of_a_change_are_answered_under_it() {
        let with = |mut m: Markering, a: f64, b: f64| {
            m.tal = BTreeMap::from([("forrige".into(), a), ("aktuel".into(), b)]);
            m
        };
        let mut f = vec![
            with(flag("2025K1", Regel::KvartalTilKvartal, Alvor::Roed, 4.0), 20.0, 40.0),
            with(flag("2025K1", Regel::AarTilAar, Alvor::Roed, 4.0), 20.0, 40.0),
            with(flag("2025K2", Regel::AarTilAar, Alvor::Roed, 4.0), 21.0, 41.0),
            with(flag("2025K4", Regel::AarTilAar, Alvor::Gul, 3.0), 22.0, 40.0),
            with(flag("2025K3", Regel::AarTilAar, Alvor::Gul, 3.0), 50.0, 30.0),
        ];
        one_mark_per_cell(&mut f);
        echoes_under_their_change(&mut f);
        let under: Vec<Option<&str>> = f.iter().map(|m| m.hoerer_til.as_deref()).collect();
        let kk = "101-2025K1-V-1.1-KK";
        assert_eq!(under, [None, Some(kk), Some(kk), Some(kk), None]);
        assert_eq!(f.iter().filter(|m| m.is_open()).count(), 2, "the rise, and the fall in K3");
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
