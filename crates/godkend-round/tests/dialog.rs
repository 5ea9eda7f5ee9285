//! The dialogue: flag states against the previous report of the year, resolved flags kept with their
//! comment, comments carried by id and replaced by new ones; the cases behind a flag; approvals.

use chrono::NaiveDate;
use godkend_model::{Koen, Reference, Register};
use godkend_round::KommuneRapport;
use godkend_round::comments::{self, Kommentar};
use godkend_round::dialog;
use godkend_rules::{Alvor, Datakvalitet, Markering, Regel, Tilstand};
use godkend_store::Sag;
use std::collections::BTreeMap;

fn flag(kvartal: &str, regel: Regel, alvor: Alvor, aktuel: f64) -> Markering {
    let mut m =
        Markering::new(101, Some(Register::Voksne), "V-1.1", "1.1", kvartal.parse().unwrap(), regel, alvor, true);
    m.tal = BTreeMap::from([("forrige".into(), 40.0), ("aktuel".into(), aktuel)]);
    m
}

/// A previous report holding `flags`, read back from its JSON as `--forrige` does.
fn previous(flags: Vec<Markering>) -> (tempfile::TempDir, KommuneRapport) {
    let dir = tempfile::tempdir().unwrap();
    let mut json: serde_json::Value =
        serde_json::from_str(include_str!("../../../fixtures/golden/ren/forventet/825-2025.json"))
            .unwrap_or_else(|_| panic!("the golden case `ren` has Læsø's 2025 report"));
    json["kommunekode"] = 101.into();
    json["markeringer"] = serde_json::to_value(&flags).unwrap();
    std::fs::write(dir.path().join("101-2025.json"), json.to_string()).unwrap();
    let read = dialog::read_previous(dir.path(), 101, 2025).unwrap().expect("the report is there");
    (dir, read)
}

#[test]
fn each_flag_is_new_unchanged_changed_or_resolved() {
    let mut answered = flag("2025K2", Regel::KvartalTilKvartal, Alvor::Roed, 52.0);
    answered.kommentar = Some("Nyt botilbud".into());
    let moved = flag("2025K3", Regel::KvartalTilKvartal, Alvor::Gul, 49.0);
    let mut gone = flag("2025K4", Regel::AarTilAar, Alvor::Gul, 55.0);
    gone.kommentar = Some("Fejl, rettes".into());
    let (_dir, before) = previous(vec![answered.clone(), moved.clone(), gone]);

    let mut now = vec![
        flag("2025K2", Regel::KvartalTilKvartal, Alvor::Roed, 52.0), // same figures
        flag("2025K3", Regel::KvartalTilKvartal, Alvor::Gul, 50.0),  // 49 → 50
        flag("2025K1", Regel::KvartalTilKvartal, Alvor::Gul, 48.0),  // not there before
    ];
    dialog::carry(&mut now, 101, &before);
    let state: Vec<(&str, Tilstand, Option<&str>)> =
        now.iter().map(|m| (m.id.as_str(), m.tilstand, m.kommentar.as_deref())).collect();
    assert_eq!(
        state,
        [
            ("101-2025K2-V-1.1-KK", Tilstand::Uaendret, Some("Nyt botilbud")),
            ("101-2025K3-V-1.1-KK", Tilstand::Aendret, None),
            ("101-2025K1-V-1.1-KK", Tilstand::Ny, None),
            ("101-2025K4-V-1.1-AA", Tilstand::Loest, Some("Fejl, rettes")),
        ]
    );
    assert!(!now[3].is_open(), "a resolved flag is not open, comment or not");
    assert!(now[2].is_open());
}

#[test]
fn a_new_comment_replaces_the_carried_one() {
    let mut answered = flag("2025K2", Regel::KvartalTilKvartal, Alvor::Roed, 52.0);
    answered.kommentar = Some("Gammel forklaring".into());
    let (_dir, before) = previous(vec![answered]);
    let mut now = vec![flag("2025K2", Regel::KvartalTilKvartal, Alvor::Roed, 52.0)];
    dialog::carry(&mut now, 101, &before);
    let new = Kommentar {
        id: Some("101-2025K2-V-1.1-KK".into()),
        kommunekode: 101,
        ydelse: String::new(),
        kvartal: String::new(),
        regel: String::new(),
        kommentar: "Ny forklaring".into(),
        fil: "svar.csv".into(),
        linje: 2,
    };
    let unmatched = comments::attach(&mut now, &[new], &Reference::embedded().unwrap());
    assert!(unmatched.is_empty());
    assert_eq!(now[0].kommentar.as_deref(), Some("Ny forklaring"));
}

#[test]
fn a_previous_report_of_another_year_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let json = include_str!("../../../fixtures/golden/ren/forventet/825-2025.json");
    std::fs::write(dir.path().join("101-2026.json"), json).unwrap();
    let e = dialog::read_previous(dir.path(), 101, 2026).unwrap_err().to_string();
    assert!(e.contains("er rapporten for 825 for 2025, ikke for 101 for 2026"), "{e}");
    assert!(dialog::read_previous(dir.path(), 147, 2026).unwrap().is_none(), "no report: every flag is new");
}

fn sag(sagsid: &str, person: u64, ydelse: &str, start: (i32, u32, u32), slut: Option<(i32, u32, u32)>) -> Sag {
    let d = |(y, m, d): (i32, u32, u32)| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    Sag {
        kommunekode: 101,
        sagsid: sagsid.into(),
        person,
        foedselsdato: d((1970, 1, 1)),
        koen: Koen::Kvinde,
        ydelse: ydelse.into(),
        maalgruppe: Some(6),
        startdato: d(start),
        slutdato: slut.map(d),
        slettet: false,
        version: godkend_model::Version::from_raw(20_251_201),
    }
}

/// Hand-counted: 2025K1 → 2025K2 in § 104 (1.1).
#[test]
fn the_cases_behind_a_change_are_the_citizens_who_came_and_went() {
    let cases = vec![
        sag("A-1", 1, "1.1", (2023, 1, 1), None),  // in both quarters: not listed
        sag("A-2", 2, "1.1", (2025, 4, 15), None), // new in K2
        sag("A-3", 3, "1.1", (2024, 6, 1), Some((2025, 3, 31))), // gone: last day in K1
        sag("A-4", 4, "1.1", (2024, 6, 1), Some((2025, 2, 28))), // gone, and moves to § 103 (1.4)
        sag("A-5", 4, "1.4", (2025, 3, 1), None),
        sag("A-6", 5, "1.1", (2024, 1, 1), Some((2025, 1, 31))), // one citizen, two cases: the
        sag("A-7", 5, "1.1", (2025, 2, 1), None),                // citizen stays, nothing listed
        sag("A-8", 6, "1.1", (2025, 1, 10), Some((2025, 2, 10))), // came and went within K1: gone
        sag("A-9", 7, "1.1", (2025, 7, 1), None),                // K3: not part of this change
    ];
    let mut flags = vec![flag("2025K2", Regel::KvartalTilKvartal, Alvor::Gul, 0.0)];
    let rows = godkend_round::sager::behind(
        &mut flags,
        &cases,
        &Reference::embedded().unwrap(),
        &Datakvalitet::default(),
        2025,
    );
    let got: Vec<(&str, &str)> = rows.iter().map(|r| (r.sagsid.as_str(), r.haendelse.as_str())).collect();
    assert_eq!(
        got,
        [("A-3", "ophørt"), ("A-4", "ophørt (skiftet til 1.4)"), ("A-8", "ophørt"), ("A-2", "ny modtager"),]
    );
    assert_eq!(flags[0].sager_i_alt, 4);
}

#[test]
fn approvals_are_read_strictly_and_the_latest_counts() {
    let reference = Reference::embedded().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("godkendelser.csv");
    std::fs::write(
        &path,
        "kommunekode;dato;godkendt_af\n101;2026-03-20;A. Hansen\n101;2026-04-02;B. Jensen\n147;2026-03-01;C\n",
    )
    .unwrap();
    let g = godkend_round::godkendelser::read(&path, &reference).unwrap();
    assert_eq!(g[&101].dato, "2026-04-02");
    assert_eq!(g[&101].godkendt_af, "B. Jensen");
    for (text, want) in [
        ("kommunekode;dato\n101;2026-03-20\n", ":1: kolonnen `godkendt_af` mangler"),
        ("kommunekode;dato;godkendt_af\n999;2026-03-20;A\n", ":2: kommunekode `999` er ikke en kommunekode"),
        ("kommunekode;dato;godkendt_af\n101;20-03-2026;A\n", ":2: dato `20-03-2026` er ikke en dato"),
        // Before: accepted by chrono, and `2026-3-4` then sorted after `2026-03-05`.
        ("kommunekode;dato;godkendt_af\n101;+2026-03-20;A\n", ":2: dato `+2026-03-20` er ikke en dato ÅÅÅÅ-MM-DD"),
        ("kommunekode;dato;godkendt_af\n101;2026-1-5;A\n", ":2: dato `2026-1-5` er ikke en dato ÅÅÅÅ-MM-DD"),
        ("kommunekode;dato;godkendt_af\n101;2026-03-20;\n", ":2: godkendt_af er tom"),
        ("kommunekode;dato;godkendt_af\n101;2026-03-20\n", ":2: 2 felter, overskriften har 3"),
    ] {
        std::fs::write(&path, text).unwrap();
        let e = godkend_round::godkendelser::read(&path, &reference).unwrap_err().to_string();
        assert!(e.contains(want), "{e}");
    }
}
