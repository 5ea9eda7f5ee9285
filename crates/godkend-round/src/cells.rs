//! One mark per cell and per change (docs/markeringer.md, "One cell, one mark"): when several rules fire
//! on one (kommune, series, quarter) of the report year, the most severe flag (then the highest priority,
//! then the rule's order) is the cell's mark, and the others are answered under it (`hoerer_til`). A
//! year-on-year flag in the three quarters after a flagged change of the same series, in the same
//! direction, is that change seen again a year later: it is answered under the change's mark. Every flag
//! stays in the JSON with its own id and figures, so a comment given under any of them still attaches.

use godkend_model::talformat::{antal, tal};
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

/// The change a mark shows: from `forrige` to `aktuel`, when it has both.
fn change_of(m: &Markering) -> Option<(f64, f64)> {
    Some((*m.tal.get("forrige")?, *m.tal.get("aktuel")?))
}

fn direction(m: &Markering) -> f64 {
    change_of(m).map_or(0.0, |(a, b)| (b - a).signum())
}

/// A rule that marks a change from one quarter to the next (or against the other municipalities).
fn is_change(m: &Markering) -> bool {
    use godkend_rules::Regel;
    matches!(m.regel, Regel::KvartalTilKvartal | Regel::FaldTilNul | Regel::StigningFraNul | Regel::HidiroglouBerthelot)
}

/// A quarter mark in the quarter after `change` that takes the series at least halfway back to where it
/// was before the change: a one-quarter peak or dip (a missing or doubled month) seen on its way back.
fn is_return(change: &Markering, echo: &Markering) -> bool {
    use godkend_rules::Regel;
    let next = match (change.kvartal.kvartal(), echo.kvartal.kvartal()) {
        (Some(q), Some(x)) => x.index() == q.index() + 1,
        _ => false,
    };
    match (change_of(change), change_of(echo)) {
        (Some((before, peak)), Some((_, after))) => {
            next && is_change(echo)
                && echo.regel != Regel::HidiroglouBerthelot
                && direction(echo) == -direction(change)
                && (after - before).abs() <= (peak - before).abs() / 2.0
        }
        _ => false,
    }
}

/// Puts each mark that echoes a flagged change of the same series (a quarter, drop, rise or HB mark
/// earlier in the report year) under that change's mark: the year-on-year marks up to three quarters
/// later in the same direction (the change seen again against last year), and a quarter mark in the next
/// quarter that takes the series at least halfway back (the change undone). Run after
/// [`one_mark_per_cell`]; the earliest change takes its echoes.
pub fn echoes_under_their_change(flags: &mut [Markering]) {
    use godkend_rules::Regel;
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
            let seen_again = echo.regel == Regel::AarTilAar && within && direction(echo) == d;
            if echo.kommunekode == k
                && echo.serie == serie
                && echo.id != id
                && (seen_again || is_return(change, echo))
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

/// Whether the series in `echo`'s quarter is still where `change` took it (within half the change): then
/// the year-on-year mark sees that change again, not a change of its own.
fn stayed(change: &Markering, echo: &Markering) -> bool {
    match (change_of(change), change_of(echo)) {
        (Some((before, after)), Some((_, now))) => (now - after).abs() <= (after - before).abs() / 2.0,
        _ => false,
    }
}

/// Groups the report year's year-on-year marks that echo a change flagged in the year before (in its last
/// three quarters, same series, same direction, the series still near the level the change took it to):
/// the change needs no answer now, so the earliest echo is the group's mark, its sentence names the change,
/// and the later echoes are answered under it. Run after [`marks_after_a_systemskifte`]: a systemskifte's
/// group has taken its echoes already.
pub fn echoes_of_the_year_before(flags: &mut [Markering]) {
    use godkend_rules::Regel;
    // The candidates by municipality and series, so each earlier change looks only at its own series.
    let mut year_on_year: BTreeMap<(u16, String), Vec<usize>> = BTreeMap::new();
    for (i, f) in flags.iter().enumerate() {
        if f.to_answer() && f.regel == Regel::AarTilAar && !f.serie.is_empty() {
            year_on_year.entry((f.kommunekode, f.serie.clone())).or_default().push(i);
        }
    }
    let mut taken: std::collections::BTreeSet<usize> = std::collections::BTreeSet::new();
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    for (c, change) in flags.iter().enumerate() {
        let Some(q) = change.kvartal.kvartal() else { continue };
        if change.i_rapportaaret || !is_change(change) || direction(change) == 0.0 {
            continue;
        }
        let Some(candidates) = year_on_year.get(&(change.kommunekode, change.serie.clone())) else { continue };
        let mut echoes: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|&e| {
                let echo = &flags[e];
                echo.kvartal.kvartal().is_some_and(|x| x > q && x.index() - q.index() <= 3)
                    && direction(echo) == direction(change)
                    && stayed(change, echo)
                    && !taken.contains(&e)
            })
            .collect();
        if echoes.is_empty() {
            continue;
        }
        echoes.sort_by_key(|&e| flags[e].kvartal);
        taken.extend(&echoes);
        groups.push((c, echoes));
    }
    for (c, echoes) in groups {
        let (main, others) = echoes.split_first().expect("not empty");
        let change = &flags[c];
        let (from, to) = change_of(change).unwrap_or_default();
        let mut sentence = format!(
            " Markeringen er et ekko af en ændring i {}, der blev markeret ved opgørelsen for {} ({} → {})",
            change.kvartal,
            change.kvartal.year(),
            tal(from, 0),
            tal(to, 0),
        );
        if others.is_empty() {
            sentence.push('.');
        } else {
            sentence.push_str(&format!(
                "; {} besvares med denne.",
                antal(others.len(), "anden markering", "andre markeringer")
            ));
        }
        let id = flags[*main].id.clone();
        flags[*main].forklaring.push_str(&sentence);
        let others: Vec<String> = others.iter().map(|&i| flags[i].id.clone()).collect();
        answer_under(flags, &id, &others, |_| false);
    }
}

/// Puts `others`, and whatever was answered under them, under the mark `id`; so also each flag `also` picks.
fn answer_under(flags: &mut [Markering], id: &str, others: &[String], also: impl Fn(&Markering) -> bool) {
    for f in flags.iter_mut() {
        let joins = others.contains(&f.id) || f.hoerer_til.as_ref().is_some_and(|h| others.contains(h)) || also(f);
        if joins && f.id != id {
            f.hoerer_til = Some(id.to_string());
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
        answer_under(flags, &id, &others, |f| {
            f.regel == Regel::Systemskifte && f.kommunekode == k && f.kvartal.kvartal() == Some(q0) && f.to_answer()
        });
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
        if f.hoerer_til.is_none()
            && f.kommentar.as_deref().is_none_or(str::is_empty)
            && let Some(c) = by_main.get(&f.id)
        {
            f.kommentar = Some(c.clone());
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

    fn with(mut m: Markering, a: f64, b: f64) -> Markering {
        m.tal = BTreeMap::from([("forrige".into(), a), ("aktuel".into(), b)]);
        m
    }

    /// A month missing in K2 drops the series and K3 brings it back: two quarter marks, one cause. A
    /// K3 that stays low, or moves only a little back, is a change of its own.
    #[test]
    fn a_quarter_that_undoes_the_change_before_it_is_answered_under_it() {
        let mut f = vec![
            with(flag("2025K2", Regel::KvartalTilKvartal, Alvor::Roed, 4.0), 60.0, 30.0),
            with(flag("2025K3", Regel::KvartalTilKvartal, Alvor::Roed, 4.0), 30.0, 58.0),
            with(flag("2025K2", Regel::FaldTilNul, Alvor::Roed, 4.0), 40.0, 0.0),
            with(flag("2025K3", Regel::StigningFraNul, Alvor::Roed, 4.0), 0.0, 39.0),
        ];
        f[2].serie = "V-1.2".into();
        f[2].id = "101-2025K2-V-1.2-FN".into();
        f[3].serie = "V-1.2".into();
        f[3].id = "101-2025K3-V-1.2-SN".into();
        one_mark_per_cell(&mut f);
        echoes_under_their_change(&mut f);
        let under: Vec<Option<&str>> = f.iter().map(|m| m.hoerer_til.as_deref()).collect();
        assert_eq!(under, [None, Some("101-2025K2-V-1.1-KK"), None, Some("101-2025K2-V-1.2-FN")]);

        for (after, joins) in [(44.0, false), (45.0, true), (75.0, true), (90.0, false)] {
            let mut f = vec![
                with(flag("2025K2", Regel::KvartalTilKvartal, Alvor::Roed, 4.0), 60.0, 30.0),
                with(flag("2025K3", Regel::KvartalTilKvartal, Alvor::Roed, 4.0), 30.0, after),
            ];
            echoes_under_their_change(&mut f);
            assert_eq!(f[1].hoerer_til.is_some(), joins, "back to {after} from 30 after 60");
        }
    }

    /// A rise flagged in 2024K3 is seen again by the year-on-year rule in 2025K1 and 2025K2: the report
    /// year's two marks are one, and its sentence names the change of the year before.
    #[test]
    fn echoes_of_a_change_of_the_year_before_are_one_mark_naming_it() {
        let mut before = with(flag("2024K3", Regel::KvartalTilKvartal, Alvor::Roed, 4.0), 20.0, 40.0);
        before.i_rapportaaret = false;
        let mut f = vec![
            before,
            with(flag("2025K1", Regel::AarTilAar, Alvor::Gul, 3.0), 21.0, 41.0),
            with(flag("2025K2", Regel::AarTilAar, Alvor::Roed, 4.0), 20.0, 40.0),
            with(flag("2025K3", Regel::AarTilAar, Alvor::Roed, 4.0), 40.0, 20.0),
            // Gone on rising: 2025K4 is a change of its own, not the 2024K3 rise again.
            with(flag("2025K4", Regel::AarTilAar, Alvor::Roed, 4.0), 21.0, 60.0),
        ];
        one_mark_per_cell(&mut f);
        echoes_under_their_change(&mut f);
        marks_after_a_systemskifte(&mut f);
        echoes_of_the_year_before(&mut f);
        let under: Vec<Option<&str>> = f.iter().map(|m| m.hoerer_til.as_deref()).collect();
        assert_eq!(under, [None, None, Some("101-2025K1-V-1.1-AA"), None, None]);
        assert!(
            f[1].forklaring.ends_with("ekko af en ændring i 2024K3, der blev markeret ved opgørelsen for 2024 (20 → 40); 1\u{a0}anden markering besvares med denne."),
            "{}",
            f[1].forklaring
        );
        assert_eq!(f.iter().filter(|m| m.to_answer()).count(), 3, "the echo, the fall in K3, the rise in K4");
    }

    /// One rise in one service gave a red mark per quarter (KK in K1, AA in K1–K4): the year-on-year
    /// marks after the change are its echo, answered under it. A fall is a different change.
    #[test]
    fn year_on_year_echoes_of_a_change_are_answered_under_it() {
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
