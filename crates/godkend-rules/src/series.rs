//! The series rules (docs/markeringer.md): change from the previous quarter and from the same quarter
//! last year, drop to 0 and rise from 0 — one event, one flag.

use crate::flags::{Alvor, Ctx, Markering, Regel, change_severity, threshold_text};
use godkend_model::taerskler::GulRoed;
use godkend_model::talformat::{pct, round1, tal};
use godkend_model::{Counts, Kvartal, Reference, Taerskler};
use std::collections::BTreeMap;

/// Every series rule for every municipality and every quarter that has a predecessor in the window.
pub fn series_flags(counts: &Counts, reference: &Reference, t: &Taerskler, year: i32) -> Vec<Markering> {
    let Some(window) = counts.window else { return Vec::new() };
    let ctx = Ctx { reference, year };
    let quarters = window.quarters();
    let mut out = Vec::new();
    for ((kommune, serie), figures) in &counts.kommune {
        let x = |q: Kvartal| figures.get(&q).map_or(0, |t| t.modtagere);
        // One event, one flag: while a series stays at 0 after a flagged drop, and in the quarter it
        // appears from 0, the change rules are silent (their change is that event).
        let mut at_zero_after_drop = false;
        for &q in quarters.iter().skip(1) {
            let (prev, cur) = (x(q.previous()), x(q));
            if cur > 0 {
                at_zero_after_drop = false;
            }
            let mut event = at_zero_after_drop;
            if prev >= t.fald_til_nul.fra_mindst && cur == 0 {
                event = true;
                at_zero_after_drop = true;
                let mut m = ctx.flag(*kommune, serie, q, Regel::FaldTilNul, Alvor::Roed);
                m.tal = BTreeMap::from([("forrige".into(), f64::from(prev)), ("aktuel".into(), 0.0)]);
                m.taerskel = format!("fra ≥ {} til 0", t.fald_til_nul.fra_mindst);
                m.forklaring = format!("Serien faldt fra {prev} modtagere i {} til 0 i {q}.", q.previous());
                out.push(m);
            }
            if prev == 0 && cur >= t.stigning_fra_nul.til_mindst {
                event = true;
                let mut m = ctx.flag(*kommune, serie, q, Regel::StigningFraNul, Alvor::Gul);
                m.tal = BTreeMap::from([("forrige".into(), 0.0), ("aktuel".into(), f64::from(cur))]);
                m.taerskel = format!("fra 0 til ≥ {}", t.stigning_fra_nul.til_mindst);
                m.forklaring = format!("Serien steg fra 0 modtagere i {} til {cur} i {q}.", q.previous());
                out.push(m);
            }
            if event {
                continue;
            }
            if let Some((alvor, p)) = change_severity(prev, cur, &t.kvartal_til_kvartal) {
                out.push(change_flag(
                    &ctx,
                    *kommune,
                    serie,
                    q,
                    q.previous(),
                    prev,
                    cur,
                    p,
                    alvor,
                    Regel::KvartalTilKvartal,
                    &t.kvartal_til_kvartal,
                ));
            }
            let base = q.same_last_year();
            if base >= window.fra {
                let prev_y = x(base);
                if let Some((alvor, p)) = change_severity(prev_y, cur, &t.aar_til_aar) {
                    out.push(change_flag(
                        &ctx,
                        *kommune,
                        serie,
                        q,
                        base,
                        prev_y,
                        cur,
                        p,
                        alvor,
                        Regel::AarTilAar,
                        &t.aar_til_aar,
                    ));
                }
            }
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn change_flag(
    ctx: &Ctx,
    kommune: u16,
    serie: &str,
    q: Kvartal,
    base: Kvartal,
    prev: u32,
    cur: u32,
    p: f64,
    alvor: Alvor,
    regel: Regel,
    g: &GulRoed,
) -> Markering {
    let mut m = ctx.flag(kommune, serie, q, regel, alvor);
    let signed = if cur >= prev { p } else { -p };
    m.tal = BTreeMap::from([
        ("forrige".into(), f64::from(prev)),
        ("aktuel".into(), f64::from(cur)),
        ("procent".into(), round1(signed)),
    ]);
    m.taerskel = threshold_text(g, alvor);
    let verb = if cur >= prev { "steg" } else { "faldt" };
    let diff = i64::from(cur) - i64::from(prev);
    let diff = if diff > 0 { format!("+{diff}") } else { tal(diff as f64, 0) };
    m.forklaring = format!(
        "Antallet af modtagere {verb} fra {prev} i {base} til {cur} i {q} ({}, {diff} personer); grænsen for {} er {}.",
        pct(signed),
        alvor.code(),
        m.taerskel
    );
    m
}
