//! Each series rule just below and at its threshold, with the default thresholds.

use godkend_model::{Counts, Kvartal, Reference, Tal, Window};
use godkend_rules::Regel;
use godkend_rules::hb_flags::hb_flags;
use godkend_rules::series::series_flags;

fn q(s: &str) -> Kvartal {
    s.parse().unwrap()
}

/// Flags for one series of one municipality with one value per quarter, ending 2025K4.
fn flags<const N: usize>(values: [u32; N]) -> Vec<String> {
    let reference = Reference::embedded().unwrap();
    let til = q("2025K4");
    let window = Window { fra: Kvartal::from_index(til.index() + 1 - N as i32), til };
    let mut counts = Counts { window: Some(window), ..Counts::default() };
    let series = counts.kommune.entry((101, "V-1.1".to_string())).or_default();
    for (k, v) in window.quarters().into_iter().zip(values) {
        series.insert(k, Tal { modtagere: v, helaarsaekvivalenter: f64::from(v) });
    }
    series_flags(&counts, &reference, &reference.taerskler, 2025)
        .into_iter()
        .map(|m| format!("{} {} {}", m.kvartal, m.regel.code(), m.alvor.code()))
        .collect()
}

/// Four quarters of 2025 only: no year-on-year base in the window, so the quarter rule alone.
#[test]
fn quarter_on_quarter() {
    // 100 → 109: 9 % (below 10 %); 109 → 120: 10,1 % and 11 persons: yellow.
    assert_eq!(flags([100, 109, 120, 120]), ["2025K3 kvartal_til_kvartal gul"]);
    // Yellow needs 8 persons (thresholds 2026.3): 40 → 47 is 17,5 % but 7 persons: nothing;
    // 40 → 48 is 20 % and 8: yellow. 44 → 49 (11,4 %, 5 persons) was yellow under 2026.2.
    assert_eq!(flags([40, 47, 47, 47]), Vec::<String>::new());
    assert_eq!(flags([40, 48, 48, 48]), ["2025K2 kvartal_til_kvartal gul"]);
    assert_eq!(flags([40, 44, 49, 49]), Vec::<String>::new());
    // 40 → 50: 25 % and 10 persons: red. 50 → 41: 18 %, 9 persons: yellow.
    assert_eq!(flags([40, 50, 41, 41]), ["2025K2 kvartal_til_kvartal rød", "2025K3 kvartal_til_kvartal gul"]);
    // 40 → 49: 22,5 %, 9 persons: yellow, not red (needs 25 % and 10).
    assert_eq!(flags([40, 49, 49, 49]), ["2025K2 kvartal_til_kvartal gul"]);
}

#[test]
fn year_on_year() {
    // 2024K4 50 → 2025K4 62: 24 % and 12 persons: yellow (quarter change 50 → 62 too: yellow, not red).
    let f = flags([50, 50, 50, 50, 50, 50, 50, 62]);
    assert_eq!(f, ["2025K4 kvartal_til_kvartal gul", "2025K4 aar_til_aar gul"]);
    // 50 → 61: 22 % but 11 persons (below 12): no year flag.
    let f = flags([50, 50, 50, 50, 50, 50, 50, 61]);
    assert!(!f.iter().any(|x| x.contains("aar_til_aar")), "{f:?}");
    // 50 → 59: 18 % (below 20 %): no year flag.
    let f = flags([50, 50, 50, 50, 50, 50, 50, 59]);
    assert!(!f.iter().any(|x| x.contains("aar_til_aar")), "{f:?}");
    // Growth that adds up over a year: 50 → 70 = 40 % and 20 persons: red (K2 and K3 yellow on the way).
    let f = flags([50, 50, 50, 50, 55, 60, 65, 70]);
    assert_eq!(f.iter().filter(|x| x.contains("aar_til_aar rød")).count(), 1, "{f:?}");
    assert!(f.contains(&"2025K4 aar_til_aar rød".to_string()), "{f:?}");
}

#[test]
fn to_and_from_zero() {
    // 5 → 0 is red; the year rule needs 10 persons, and the quarter rule gives way to the drop.
    assert_eq!(flags([5, 5, 5, 5, 5, 5, 5, 0]), ["2025K4 fald_til_nul rød"]);
    assert_eq!(flags([4, 4, 4, 4, 4, 4, 4, 0]), Vec::<String>::new(), "from 4: below the threshold of 5");
    assert_eq!(flags([0, 0, 0, 0, 0, 0, 0, 5]), ["2025K4 stigning_fra_nul gul"]);
    assert_eq!(flags([0, 0, 0, 0, 0, 0, 0, 4]), Vec::<String>::new());
}

/// One event, one flag. Before: a drop to 0 was also red year-on-year in the drop quarter and in
/// every quarter after it that stayed at 0, and a series reappearing was red year-on-year too.
#[test]
fn a_drop_to_zero_is_one_flag_while_the_series_stays_at_zero() {
    assert_eq!(flags([50, 50, 50, 50, 50, 0, 0, 0]), ["2025K2 fald_til_nul rød"]);
    // Back again: that is its own event (appears from 0), and only that.
    assert_eq!(flags([50, 50, 50, 50, 50, 0, 0, 60]), ["2025K2 fald_til_nul rød", "2025K4 stigning_fra_nul gul"]);
    // A real change after the series is back is flagged as usual.
    assert_eq!(
        flags([50, 50, 50, 50, 0, 60, 90, 90]),
        [
            "2025K1 fald_til_nul rød",
            "2025K2 stigning_fra_nul gul",
            "2025K3 kvartal_til_kvartal rød",
            "2025K3 aar_til_aar rød",
            "2025K4 aar_til_aar rød"
        ]
    );
}

/// København, BL82-2, 2025K1 before the fix: "197 → 195 … HB-score −0,14 ligger uden for [0,00; 7,41]" —
/// red, because most municipalities' series were unchanged and the quartiles collapsed to 0.
#[test]
fn hb_leaves_a_two_person_change_alone_when_most_series_are_unchanged() {
    let reference = Reference::embedded().unwrap();
    let window = Window { fra: q("2025K1"), til: q("2025K2") };
    let mut counts = Counts { window: Some(window), ..Counts::default() };
    let codes: Vec<u16> = reference.kommuner.keys().copied().take(40).collect();
    for (i, k) in codes.iter().enumerate() {
        let (prev, cur) = match i {
            0 => (197, 195),
            1..=6 => (30 + i as u32, 31 + i as u32 + (i as u32 % 3)),
            _ => (20 + i as u32, 20 + i as u32),
        };
        let s = counts.kommune.entry((*k, "B-aflastning".to_string())).or_default();
        s.insert(q("2025K1"), Tal { modtagere: prev, helaarsaekvivalenter: 0.0 });
        s.insert(q("2025K2"), Tal { modtagere: cur, helaarsaekvivalenter: 0.0 });
    }
    // Seven changed of forty: too few for the quartiles once the unchanged are left out.
    let (f, tests) = hb_flags(&counts, &reference, &reference.taerskler, 2025);
    assert!(f.is_empty(), "{f:#?}");
    assert!(tests.is_empty(), "fewer than 10 changed units: no test");

    // With ten changed units the test runs over them; the two-person drop is inside, and would be
    // below `personer` anyway.
    for (i, k) in codes.iter().enumerate().skip(7).take(3) {
        let s = counts.kommune.get_mut(&(*k, "B-aflastning".to_string())).unwrap();
        s.insert(q("2025K2"), Tal { modtagere: 21 + i as u32, helaarsaekvivalenter: 0.0 });
    }
    let (f, tests) = hb_flags(&counts, &reference, &reference.taerskler, 2025);
    assert!(f.is_empty(), "{f:#?}");
    assert_eq!((tests[0].enheder_brugt, tests[0].sprunget_over_uaendret), (10, 30));
}

#[test]
fn earlier_quarters_are_kept_but_not_in_the_report_year() {
    let reference = Reference::embedded().unwrap();
    let window = Window { fra: q("2024K1"), til: q("2025K4") };
    let mut counts = Counts { window: Some(window), ..Counts::default() };
    let s = counts.kommune.entry((101, "V-1.1".to_string())).or_default();
    for (k, v) in window.quarters().into_iter().zip([100, 150, 150, 150, 150, 150, 150, 150]) {
        s.insert(k, Tal { modtagere: v, helaarsaekvivalenter: 0.0 });
    }
    let f = series_flags(&counts, &reference, &reference.taerskler, 2025);
    let k2 = f.iter().find(|m| m.kvartal.to_string() == "2024K2" && m.regel == Regel::KvartalTilKvartal).unwrap();
    assert!(!k2.i_rapportaaret);
    assert_eq!(
        k2.forklaring,
        "Antallet af modtagere steg fra 100 i 2024K1 til 150 i 2024K2 (+50,0\u{a0}%, +50 personer); grænsen for rød er ≥ 25\u{a0}% og ≥ 10 personer."
    );
    assert_eq!(k2.tal["procent"], 50.0);
}

#[test]
fn hb_flags_the_odd_municipality_out() {
    let reference = Reference::embedded().unwrap();
    let window = Window { fra: q("2025K1"), til: q("2025K2") };
    let mut counts = Counts { window: Some(window), ..Counts::default() };
    let codes = [101u16, 147, 151, 153, 155, 157, 159, 161, 163, 165, 167];
    for (i, k) in codes.iter().enumerate() {
        let cur = if *k == 167 { 300 } else { 100 + i as u32 };
        let s = counts.kommune.entry((*k, "V-1.12.0.2".to_string())).or_default();
        s.insert(q("2025K1"), Tal { modtagere: 100, helaarsaekvivalenter: 0.0 });
        s.insert(q("2025K2"), Tal { modtagere: cur, helaarsaekvivalenter: 0.0 });
    }
    let (f, tests) = hb_flags(&counts, &reference, &reference.taerskler, 2025);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(tests.len(), 1);
    assert_eq!(
        (tests[0].serie.as_str(), tests[0].kvartal.to_string().as_str(), tests[0].enheder_brugt),
        ("V-1.12.0.2", "2025K2", 11)
    );
    assert_eq!((f[0].kommunekode, f[0].alvor.code()), (167, "rød"));
    assert!(
        f[0].forklaring.starts_with("Udviklingen fra 2025K1 til 2025K2 (100 → 300, faktor 3,00)"),
        "{}",
        f[0].forklaring
    );
}

/// `n` municipalities with V-1.1 (40 a quarter) and V-1.12.0.2 (`other` a quarter) in 2025, except
/// municipality 101, which has V-1.1 (`own` a quarter) and no V-1.12.0.2; `reporting` of the others report it.
fn never_reported(n: u16, reporting: u16, other: u32, own: u32) -> Vec<String> {
    let reference = Reference::embedded().unwrap();
    let window = Window { fra: q("2025K1"), til: q("2025K4") };
    let mut counts = Counts { window: Some(window), ..Counts::default() };
    let kommuner: Vec<u16> =
        reference.kommuner.keys().copied().filter(|k| *k != 101).take(usize::from(n - 1)).collect();
    let mut put = |k: u16, serie: &str, v: u32| {
        let s = counts.kommune.entry((k, serie.to_string())).or_default();
        for quarter in window.quarters() {
            s.insert(quarter, Tal { modtagere: v, helaarsaekvivalenter: f64::from(v) });
        }
    };
    put(101, "V-1.1", own);
    for (i, k) in kommuner.iter().enumerate() {
        put(*k, "V-1.1", 40);
        put(*k, "V-1.12.0.2", if (i as u16) < reporting { other } else { 0 });
    }
    godkend_rules::never_reported::never_reported_flags(&counts, &reference, &reference.taerskler, 2025, &[])
        .into_iter()
        .map(|m| format!("{} {} {} {}", m.kommunekode, m.serie, m.kvartal, m.alvor.code()))
        .collect()
}

#[test]
fn never_reported_at_and_below_each_threshold() {
    // 12 municipalities, 11 report § 85 (20 a quarter): 11 of 12 = 91,7 % ≥ 75 %. Municipality 101 with
    // 40 in § 104 expects 40 × 220/(480+220) ≈ 12,6 a quarter ≥ 5: yellow on the year.
    assert_eq!(never_reported(12, 11, 20, 40), ["101 V-1.12.0.2 2025 gul"]);
    // 9 of 12 report it = 75 %: still a hint (the others without it are hinted too).
    assert_eq!(never_reported(12, 9, 20, 40).iter().filter(|f| f.starts_with("101 ")).count(), 1);
    // 8 of 12 = 66,7 %: no hint.
    assert!(never_reported(12, 8, 20, 40).is_empty());
    // Fewer than 10 municipalities to compare with: no hint.
    assert!(never_reported(9, 8, 20, 40).is_empty());
    assert_eq!(never_reported(10, 9, 20, 40).len(), 1);
    // A small municipality where fewer than 5 a quarter are expected: no hint. 12 in § 104 expects
    // 12 × 220 / 672 ≈ 3,9; 16 expects 16 × 220 / 676 ≈ 5,2.
    assert!(never_reported(12, 11, 20, 12).is_empty());
    assert_eq!(never_reported(12, 11, 20, 16).len(), 1);
}

/// A service the municipality reported until the year before is not "never reported" (before, ≈ 490 a
/// quarter until 2024 gave a yellow `aldrig_indberettet` with ≈ 369 expected): it has stopped, and is
/// judged by its own level (`ophoert`, red).
#[test]
fn a_service_reported_until_last_year_has_stopped_and_is_not_never_reported() {
    let reference = Reference::embedded().unwrap();
    let window = Window { fra: q("2024K1"), til: q("2025K4") };
    let mut counts = Counts { window: Some(window), ..Counts::default() };
    let kommuner: Vec<u16> = reference.kommuner.keys().copied().take(12).collect();
    for (i, k) in kommuner.iter().enumerate() {
        for (serie, v) in [("V-1.1", 400u32), ("V-1.12.0.2", 490)] {
            let s = counts.kommune.entry((*k, serie.to_string())).or_default();
            for quarter in window.quarters() {
                // The first municipality stops V-1.12.0.2 after 2024.
                let stopped = i == 0 && serie == "V-1.12.0.2" && quarter.year() == 2025;
                s.insert(quarter, Tal { modtagere: if stopped { 0 } else { v }, helaarsaekvivalenter: 0.0 });
            }
        }
    }
    let t = &reference.taerskler;
    let never = godkend_rules::never_reported::never_reported_flags(&counts, &reference, t, 2025, &[]);
    assert!(never.is_empty(), "{never:#?}");
    let stopped = godkend_rules::stopped::stopped_flags(&counts, &reference, t, 2025, &[]);
    let got: Vec<String> =
        stopped.iter().map(|m| format!("{} {} {} {}", m.kommunekode, m.serie, m.kvartal, m.alvor.code())).collect();
    assert_eq!(got, [format!("{} V-1.12.0.2 2025 rød", kommuner[0])]);
    assert_eq!(stopped[0].id, format!("{}-2025-V-1.12.0.2-OP", kommuner[0]));
}
