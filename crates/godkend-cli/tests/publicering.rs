//! `godkend publicer` on the bundled demo: every published cell of HANDGK1/2 equals the reports' counts,
//! every shown cell of HANDGK3/4 an independent count from the store's Parquet (`tests/publicering/
//! orakel.py`), every PX and Parquet file read back by independent readers (pyaxis, pyarrow:
//! `laes_px.py`, `laes_parquet.py`) gives the CSV's values, small cells are `..`, and
//! `--kun-godkendte` holds back every municipality that has not approved. `.ci/run` installs pyaxis and
//! pyarrow.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn godkend(args: &[&str]) -> (String, String, Option<i32>) {
    let o = Command::new(env!("CARGO_BIN_EXE_godkend")).args(args).env_remove("GODKEND_NOEGLE").output().unwrap();
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned(), o.status.code())
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn csv(path: &Path) -> BTreeMap<(String, String, String), String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(';').collect();
            ((f[0].to_string(), f[1].to_string(), f[2].to_string()), f[3].to_string())
        })
        .collect()
}

#[test]
fn the_publication_equals_the_reports_and_reads_back_with_another_reader() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let store = tmp.path().join("lager");
    godkend(&["ingest", p(&repo.join("fixtures/demo")), "--store", p(&store), "--demo-noegle"]);
    let out = tmp.path().join("pub");
    let (stdout, err, code) = godkend(&["publicer", "--store", p(&store), "--year", "2025", "--out", p(&out)]);
    assert_eq!(code, Some(0), "{err}");
    assert!(stdout.contains("Ingen undertrykt celle kan genberegnes"), "{stdout}");
    let table = csv(&out.join("HANDGK1-2025.csv"));
    let fte = csv(&out.join("HANDGK2-2025.csv"));
    assert_eq!(table.len(), fte.len());
    for (key, v) in &table {
        assert_eq!(v == "..", fte[key] == "..", "full-time equivalents follow the persons' protection: {key:?}");
    }
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("HANDGK1-2025-metadata.json")).unwrap()).unwrap();
    assert!(meta["diskretion"]["primaere"].as_u64().unwrap() > 0, "{meta}");

    // Cell for cell against the reports' counts.
    let rapporter = tmp.path().join("rapporter");
    let (_, err, code) = godkend(&["run", "--store", p(&store), "--year", "2025", "--out", p(&rapporter)]);
    assert_eq!(code, Some(0), "{err}");
    let mut compared = 0;
    for e in std::fs::read_dir(&rapporter).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !(name.ends_with("-2025.json") && name.len() == 13) {
            continue;
        }
        let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let kode = format!("{:03}", r["kommunekode"].as_u64().unwrap());
        for s in r["serier"].as_array().unwrap() {
            for q in s["kvartaler"].as_array().unwrap() {
                let n = q["modtagere"].as_u64().unwrap();
                let key = (
                    kode.clone(),
                    s["serie"].as_str().unwrap().to_string(),
                    q["kvartal"].as_str().unwrap().to_string(),
                );
                let published = &table[&key];
                match published.as_str() {
                    ".." => assert!((1..3).contains(&n) || published == "..", "{key:?}"),
                    "-" => assert_eq!(n, 0, "{key:?}"),
                    v => assert_eq!(v.parse::<u64>().unwrap(), n, "{key:?}"),
                }
                let aarsvaerk = q["helaarsaekvivalenter"].as_f64().unwrap();
                match fte[&key].as_str() {
                    ".." => {}
                    "-" => assert!(aarsvaerk.abs() < 0.005, "{key:?}"),
                    v => assert!((v.parse::<f64>().unwrap() - aarsvaerk).abs() < 0.006, "{key:?}: {v} vs {aarsvaerk}"),
                }
                if (1..3).contains(&n) {
                    assert_eq!(published, "..", "a cell of {n} persons is published: {key:?}");
                }
                compared += 1;
            }
        }
    }
    assert!(compared > 1000, "{compared} cells compared");

    // The PX file through pyaxis gives exactly the CSV.
    // Every table's PX file through pyaxis and Parquet file through pyarrow gives exactly its CSV.
    let python = |script: &str, args: &[&Path]| {
        let script = repo.join("crates/godkend-cli/tests/publicering").join(script);
        let mut all = vec![p(&script).to_string()];
        all.extend(args.iter().map(|a| p(a).to_string()));
        let py = Command::new("python3").args(&all).output().expect("python3");
        assert!(
            py.status.success(),
            "{all:?} (pip install pyaxis pyarrow; .ci/run does):\n{}{}",
            String::from_utf8_lossy(&py.stdout),
            String::from_utf8_lossy(&py.stderr)
        );
    };
    for t in ["HANDGK1", "HANDGK2", "HANDGK3", "HANDGK4"] {
        let stem = out.join(format!("{t}-2025"));
        python("laes_px.py", &[&stem.with_extension("px"), &stem.with_extension("csv")]);
        python("laes_parquet.py", &[&stem.with_extension("parquet"), &stem.with_extension("csv")]);
    }
    // By sex and age, and children per year: every shown figure equals an independent count from the
    // store's Parquet files (pyarrow), no shown figure is below the minimum, and both sexes and all
    // ages are HANDGK1's figure.
    let gk3 = out.join("HANDGK3-2025.csv");
    let gk4 = out.join("HANDGK4-2025.csv");
    python("orakel.py", &[&store, &repo.join("reference-data"), &gk3, &gk4]);
    let rows = |path: &Path| -> Vec<Vec<String>> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split(';').map(String::from).collect())
            .collect()
    };
    let (by_age, per_year) = (rows(&gk3), rows(&gk4));
    for r in by_age.iter().chain(&per_year) {
        let v = r.last().unwrap();
        assert!(!v.parse::<u64>().is_ok_and(|n| n < 3), "a figure below the minimum is shown: {r:?}");
    }
    let mut totals = 0;
    for r in by_age.iter().filter(|r| r[2] == "TOT" && r[3] == "TOT") {
        assert_eq!(r[5], table[&(r[0].clone(), r[1].clone(), r[4].clone())], "HANDGK3 = HANDGK1: {r:?}");
        totals += 1;
    }
    assert!(totals > 1000, "{totals}");
    let meta3: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("HANDGK3-2025-metadata.json")).unwrap()).unwrap();
    assert!(meta3["diskretion"]["sekundaere"].as_u64().unwrap() > 0, "{meta3}");

    // Only approved municipalities: with København's approval alone, every other municipality is held back.
    let approvals = tmp.path().join("godkendelser.csv");
    std::fs::write(&approvals, "kommunekode;dato;godkendt_af\n101;2026-03-20;Jens Hansen\n").unwrap();
    let out2 = tmp.path().join("pub2");
    let (stdout, err, code) = godkend(&[
        "publicer",
        "--store",
        p(&store),
        "--year",
        "2025",
        "--out",
        p(&out2),
        "--godkendelser",
        p(&approvals),
        "--kun-godkendte",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(stdout.contains("tilbageholdt"), "{stdout}");
    let held = csv(&out2.join("HANDGK1-2025.csv"));
    for ((omraade, _, _), v) in &held {
        if omraade.len() == 3 && omraade != "000" && omraade != "101" {
            assert_eq!(v, "..", "{omraade} has not approved");
        }
    }
    assert!(
        held.iter().any(|((o, _, _), v)| o == "101" && v.parse::<u64>().is_ok()),
        "København's figures are published"
    );

    // Revisions: five new cases for København from 2025-04-01, then a new publication against the first.
    let extra = tmp.path().join("ekstra");
    std::fs::create_dir_all(&extra).unwrap();
    let mut rows = String::from("kommunekode;sagsid;cpr;ydelse;maalgruppe;startdato;slutdato;slettet\n");
    for i in 0..5 {
        rows.push_str(&format!("101;REV-{i};0{}0190123{i};1.1;1;2025-04-01;;\n", i + 1));
    }
    std::fs::write(extra.join("101_2025-06_7.csv"), rows).unwrap();
    let (_, err, code) = godkend(&["ingest", p(&extra), "--store", p(&store), "--demo-noegle"]);
    assert_eq!(code, Some(0), "{err}");
    let out3 = tmp.path().join("pub3");
    let (stdout, err, code) = godkend(&[
        "publicer",
        "--store",
        p(&store),
        "--year",
        "2025",
        "--out",
        p(&out3),
        "--forrige-publicering",
        p(&out),
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(stdout.contains("ændret siden forrige publicering"), "{stdout}");
    let rev = std::fs::read_to_string(out3.join("HANDGK1-2025-revisioner.csv")).unwrap();
    for q in ["2025K2", "2025K3", "2025K4"] {
        for area in ["101", "1084", "000"] {
            assert!(
                rev.lines().any(|l| l.starts_with(&format!("{area};V-1.1;{q};")) && l.ends_with(";5")),
                "{area} {q} +5 in:\n{rev}"
            );
        }
    }
    assert!(
        !rev.lines().any(|l| l.contains(";2025K1;") && l.contains("V-1.1") && l.starts_with("101;")),
        "2025K1 did not change"
    );
}
