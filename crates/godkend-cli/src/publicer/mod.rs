//! `godkend publicer`: the publication tables (docs/publicering.md) — recipients (`HANDGK1`) and
//! full-time equivalents (`HANDGK2`) per municipality (with the regions and the whole country as sums) ×
//! series × quarter from the same counts as the reports; recipients per region × series × sex × age
//! group × quarter (`HANDGK3`, `koen_alder`); children's recipients per municipality × measure × year
//! (`HANDGK4`) — with disclosure control, as PX, CSV, Parquet and metadata files (`skriv`), and the
//! figures changed since an earlier publication (`revision`).

mod koen_alder;
mod revision;
mod skriv;

use crate::args;
use crate::failure::Failure;
use godkend_model::{Reference, Register};
use godkend_publicering::diskretion::{self, Opgoerelse};
use godkend_publicering::px;
use godkend_publicering::tabel::{Raekke, Tabel};
use godkend_round::{Scope, Udvalg};
use godkend_store::CaseStore;
use std::collections::{BTreeMap, BTreeSet};

#[derive(clap::Args)]
#[command(
    about = "Offentliggørelsestabeller (PX, CSV, Parquet): modtagere, helårsækvivalenter, efter køn og alder, børn pr. år; med diskretionering",
    after_help = "Afslutningskode: 0 · 2 fejl\n\nEksempel:\n  godkend publicer --store out/lager --year 2025 --out out/publicering --dialog out/dialog.sqlite --kun-godkendte"
)]
pub struct Args {
    #[command(flatten)]
    store: args::Store,
    #[command(flatten)]
    year: args::Year,
    #[command(flatten)]
    out: args::Out,
    /// De modtagne godkendelser: CSV (;) med kommunekode;dato;godkendt_af.
    #[arg(long, visible_alias = "approvals", value_name = "FIL")]
    godkendelser: Option<std::path::PathBuf>,
    #[command(flatten)]
    dialog: args::Dialog,
    /// Hold de kommuner tilbage, der ikke har godkendt (deres celler er `..` og beskyttes som små celler).
    #[arg(long)]
    kun_godkendte: bool,
    /// Det mindste antal personer, en offentliggjort celle må vise (standard: reference-data/diskretion.csv).
    #[arg(long, value_name = "N")]
    mindst: Option<u64>,
    /// Mappen med sidste offentliggørelse: hvert offentliggjort tal, der er ændret siden, listes.
    #[arg(long, value_name = "MAPPE")]
    forrige_publicering: Option<std::path::PathBuf>,
}

pub fn run(a: Args, reference: &Reference) -> Result<u8, Failure> {
    let mindst = a.mindst.unwrap_or(reference.mindste_antal);
    let store = CaseStore::open(&a.store.store)?;
    let out = a.out.create(&a.store.store)?;
    let year = a.year.year;
    let scope = Scope::of(&store, reference, year, Udvalg::Alle)?;
    let counted = godkend_count::count_store(&store, reference, scope.window, None, None)?;
    let counts = &counted.counts;

    let mut approved: BTreeSet<u16> = a.dialog.svar(year)?.godkendelser.keys().copied().collect();
    if let Some(path) = &a.godkendelser {
        approved.extend(godkend_round::godkendelser::read(path, reference)?.keys());
    }
    // Rows: the country, its regions, their municipalities.
    let mut rows = vec![Raekke { kode: "000".into(), tekst: "Hele landet".into(), foraelder: None }];
    let mut regions: BTreeMap<u16, String> = BTreeMap::new();
    for k in reference.kommuner.values() {
        regions.insert(k.regionskode, k.region.clone());
    }
    for (code, name) in &regions {
        rows.push(Raekke { kode: code.to_string(), tekst: name.clone(), foraelder: Some("000".into()) });
        for k in reference.kommuner.values().filter(|k| k.regionskode == *code) {
            rows.push(Raekke {
                kode: format!("{:03}", k.kode),
                tekst: k.navn.clone(),
                foraelder: Some(code.to_string()),
            });
        }
    }
    // Columns: each series in table order × its shown quarters.
    let mut series = Vec::new();
    for register in [Register::Voksne, Register::Boern] {
        series.extend(reference.serier_of(register));
    }
    let quarters: Vec<_> = scope.window.quarters();
    let mut cols = Vec::new();
    let mut bottom = BTreeMap::new();
    for s in &series {
        for q in quarters.iter().filter(|q| **q >= reference.vises_fra(s.register)) {
            let col = format!("{}|{q}", s.serie);
            for k in reference.kommuner.values() {
                bottom.insert(
                    (format!("{:03}", k.kode), col.clone()),
                    u64::from(counts.get(k.kode, &s.serie, *q).modtagere),
                );
            }
            cols.push(col);
        }
    }
    let mut t = Tabel::summed(rows, cols, &bottom);
    let held: BTreeSet<String> = if a.kun_godkendte {
        reference.kommuner.keys().filter(|k| !approved.contains(k)).map(|k| format!("{k:03}")).collect()
    } else {
        BTreeSet::new()
    };
    let o = diskretion::beskyt(&mut t, mindst, &held);
    let disclosed = godkend_publicering::angreb::angrib(&t);
    if !disclosed.is_empty() {
        return Err(Failure::new(
            format!("{} undertrykte celler kan genberegnes af de offentliggjorte; intet er skrevet", disclosed.len()),
            "en fejl i den sekundære undertrykkelse: meld den med tabellen",
        ));
    }

    // Stub område × ydelse, heading tid. A column missing for a series (before it is shown) is "..".
    let area = px::Variabel {
        navn: "område",
        vaerdier: t.raekker.iter().map(|r| (r.kode.clone(), r.tekst.clone())).collect(),
    };
    let ydelse_of = |register: Option<Register>| px::Variabel {
        navn: "ydelse",
        vaerdier: series
            .iter()
            .filter(|s| register.is_none_or(|r| s.register == r))
            .map(|s| (s.serie.clone(), format!("{} {}", reference.display_code(&s.serie), s.betegnelse)))
            .collect(),
    };
    let ydelse = ydelse_of(None);
    let tid = px::Variabel { navn: "tid", vaerdier: quarters.iter().map(|q| (q.to_string(), q.to_string())).collect() };
    let col_of = |j: usize, k: usize| format!("{}|{}", ydelse.vaerdier[j].0, tid.vaerdier[k].0);
    let persons = |idx: &[usize], k: usize| {
        t.celler
            .get(&(area.vaerdier[idx[0]].0.clone(), col_of(idx[1], k)))
            .map_or(px::Vaerdi::Skjult, |c| px::Vaerdi::of(*c))
    };
    // Full-time equivalents per municipality, summed up the hierarchy; a cell is shown only where the
    // persons behind it are (the same protection).
    let mut fte: BTreeMap<(String, String), f64> = BTreeMap::new();
    for s in &series {
        for q in &quarters {
            let col = format!("{}|{q}", s.serie);
            for k in reference.kommuner.values() {
                let v = counts.get(k.kode, &s.serie, *q).helaarsaekvivalenter;
                for row in [format!("{:03}", k.kode), k.regionskode.to_string(), "000".to_string()] {
                    *fte.entry((row, col.clone())).or_default() += v;
                }
            }
        }
    }
    let aarsvaerk = |idx: &[usize], k: usize| match persons(idx, k) {
        px::Vaerdi::Skjult => px::Vaerdi::Skjult,
        _ => match fte.get(&(area.vaerdier[idx[0]].0.clone(), col_of(idx[1], k))).copied().unwrap_or(0.0) {
            v if v.abs() < 0.005 => px::Vaerdi::Nul,
            v => px::Vaerdi::Tal(format!("{v:.2}")),
        },
    };

    // HANDGK3 and HANDGK4 count from the cases themselves (sex, birth date, whole years).
    let fordeling = godkend_count::fordeling::fordeling(&store, reference, scope.window)?;
    let ka = koen_alder::byg(&t, &fordeling.efter_koen_og_alder, reference, mindst)?;
    let vars3: Vec<px::Variabel> = ka
        .dimensioner
        .iter()
        .map(|d| px::Variabel {
            navn: &d.navn,
            vaerdier: d.koder.iter().map(|r| (r.kode.clone(), r.tekst.clone())).collect(),
        })
        .collect();
    let [omraade3, koen3, alder3] = &vars3[..] else { unreachable!("HANDGK3 has three dimensions besides ydelse") };
    let efter_koen_og_alder = |idx: &[usize], k: usize| {
        ka.kuber
            .get(&col_of(idx[1], k))
            .map_or(px::Vaerdi::Skjult, |kube| px::Vaerdi::of(kube.cell(&[idx[0], idx[2], idx[3]])))
    };

    // HANDGK4: children's recipients per municipality × measure × year, protected on its own.
    // Years the register shows and the counted window covers (an earlier year was not counted).
    let first_year = reference.vises_fra(Register::Boern).year().max(scope.window.fra.year());
    let years: Vec<i32> = (first_year..=year).collect();
    let boern = ydelse_of(Some(Register::Boern));
    let mut aar_cols = Vec::new();
    let mut aar_bottom = BTreeMap::new();
    for (serie, _) in &boern.vaerdier {
        for y in &years {
            let col = format!("{serie}|{y}");
            for k in reference.kommuner.values() {
                let n = fordeling.pr_aar.get(&(k.kode, serie.clone(), *y)).copied().unwrap_or(0);
                aar_bottom.insert((format!("{:03}", k.kode), col.clone()), u64::from(n));
            }
            aar_cols.push(col);
        }
    }
    let mut t4 = Tabel::summed(t.raekker.clone(), aar_cols, &aar_bottom);
    let o4 = diskretion::beskyt(&mut t4, mindst, &held);
    if !godkend_publicering::angreb::angrib(&t4).is_empty() {
        return Err(Failure::new(
            "HANDGK4: undertrykte celler kan genberegnes af de offentliggjorte; intet er skrevet",
            "en fejl i den sekundære undertrykkelse: meld den med tabellen",
        ));
    }
    // The register's first year is a half year; say so only when it is shown.
    let start = reference.vises_fra(Register::Boern);
    let aar_note: Vec<String> = (years.first() == Some(&start.year()) && start.quarter() > 1)
        .then(|| {
            let fra = godkend_outputs::view::dansk_dato(&start.first_day().to_string());
            format!("{}: fra {fra} (indberetningen begyndte da).", start.year())
        })
        .into_iter()
        .collect();
    let aar = px::Variabel { navn: "tid", vaerdier: years.iter().map(|y| (y.to_string(), y.to_string())).collect() };
    let pr_aar = |idx: &[usize], k: usize| {
        let col = format!("{}|{}", boern.vaerdier[idx[1]].0, aar.vaerdier[k].0);
        t4.celler.get(&(area.vaerdier[idx[0]].0.clone(), col)).map_or(px::Vaerdi::Skjult, |c| px::Vaerdi::of(*c))
    };

    let dato = scope.frister.rapport_udsendt.clone();
    let skjult = format!(
        "..: færre end {mindst} personer, eller skjult så en sådan celle ikke kan regnes ud af de øvrige. -: 0."
    );
    let summer =
        "En region og hele landet er summen af deres kommuner (en borger med ydelser i to kommuner tælles i begge).";
    let mut kun = Vec::new();
    if a.kun_godkendte {
        kun.push(format!("Kun kommuner, der har godkendt deres data for {year}, er vist; de øvrige er ..."));
    }
    let noter = |first: &str, more: &[&str]| {
        let mut v = vec![first.to_string(), summer.to_string()];
        v.extend(more.iter().map(|s| s.to_string()));
        v.push(skjult.clone());
        v.extend(kun.iter().cloned());
        v
    };
    let state = store.state_fingerprint()?;
    let metadata = |o: &Opgoerelse| {
        serde_json::json!({
            "mindste_antal": mindst,
            "kun_godkendte": a.kun_godkendte,
            "godkendte_kommuner": approved.len(),
            "taerskler_version": reference.taerskler.version,
            "lagerets_tilstand": state,
            "diskretion": o,
            "genberegnelige_celler": 0,
        })
    };
    let tables = [
        skriv::Udgave {
            matrix: "HANDGK1",
            titel: format!("Modtagere af sociale ydelser efter område, ydelse og tid ({year})"),
            indhold: "Modtagere af sociale ydelser",
            enhed: "personer",
            decimaler: 0,
            noter: noter("Modtagere: personer med mindst én aktiv ydelse i kvartalet.", &[]),
            stub: vec![&area, &ydelse],
            heading: &tid,
            kolonner: vec!["omraade", "ydelse", "kvartal"],
            vaerdi: &persons,
            metadata: metadata(&o),
        },
        skriv::Udgave {
            matrix: "HANDGK2",
            titel: format!("Helårsækvivalenter af sociale ydelser efter område, ydelse og tid ({year})"),
            indhold: "Helårsækvivalenter (ydelsesdage / dage i kvartalet)",
            enhed: "helårsækvivalenter",
            decimaler: 2,
            noter: noter(
                "Helårsækvivalenter: ydelsesdage i kvartalet delt med kvartalets dage; skjult hvor modtagerne er skjult.",
                &[],
            ),
            stub: vec![&area, &ydelse],
            heading: &tid,
            kolonner: vec!["omraade", "ydelse", "kvartal"],
            vaerdi: &aarsvaerk,
            metadata: metadata(&o),
        },
        skriv::Udgave {
            matrix: "HANDGK3",
            titel: format!("Modtagere af sociale ydelser efter område, ydelse, køn, alder og tid ({year})"),
            indhold: "Modtagere af sociale ydelser",
            enhed: "personer",
            decimaler: 0,
            noter: noter(
                "Modtagere: personer med mindst én aktiv ydelse i kvartalet. Alder: fyldte år på kvartalets sidste dag.",
                &[
                    "Alle køn og aldre i alt er tallene i HANDGK1; de to tabeller er beskyttet sammen, så intet skjult tal i den ene kan regnes ud med den anden.",
                ],
            ),
            stub: vec![omraade3, &ydelse, koen3, alder3],
            heading: &tid,
            kolonner: vec!["omraade", "ydelse", "koen", "alder", "kvartal"],
            vaerdi: &efter_koen_og_alder,
            metadata: metadata(&ka.opgoerelse),
        },
        skriv::Udgave {
            matrix: "HANDGK4",
            titel: format!("Børn og unge med foranstaltninger efter område, foranstaltning og år ({year})"),
            indhold: "Børn og unge med foranstaltninger",
            enhed: "personer",
            decimaler: 0,
            noter: noter(
                "Modtagere: børn og unge med mindst én aktiv foranstaltning i året. Serviceloven og Barnets Lov (fra 2024) er én række pr. foranstaltning.",
                &aar_note.iter().map(String::as_str).collect::<Vec<_>>(),
            ),
            stub: vec![&area, &boern],
            heading: &aar,
            kolonner: vec!["omraade", "ydelse", "aar"],
            vaerdi: &pr_aar,
            metadata: metadata(&o4),
        },
    ];
    for u in &tables {
        skriv::skriv(u, out, year, &dato)?;
    }
    // Revisions: every figure published before that is now another figure, or no longer published.
    let mut revisioner = None;
    if let Some(dir) = &a.forrige_publicering {
        let n = revision::revisioner(dir, &out.join(format!("HANDGK1-{year}.csv")), out, year)?;
        let path = out.join(format!("HANDGK1-{year}-metadata.json"));
        let mut m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).map_err(|e| Failure::new(e.to_string(), ""))?)
                .map_err(|e| Failure::new(e.to_string(), ""))?;
        m["revisioner"] = n.into();
        godkend_store::fil::write_atomic(&path, format!("{m:#}\n").as_bytes())?;
        revisioner = Some(n);
    }
    let line = |name: &str, o: &Opgoerelse| {
        println!(
            "{name}: {} celler; {} primært og {} sekundært undertrykt, {} tilbageholdt ({} % af personerne)",
            o.celler,
            o.primaere,
            o.sekundaere,
            o.tilbageholdte,
            godkend_model::talformat::tal(o.andel_tabt, 2),
        )
    };
    line(&format!("HANDGK1-{year} og HANDGK2-{year}"), &o);
    line(&format!("HANDGK3-{year}"), &ka.opgoerelse);
    line(&format!("HANDGK4-{year}"), &o4);
    println!("Ingen undertrykt celle kan genberegnes; filer i {}", out.display());
    if let Some(n) = revisioner {
        println!(
            "{} ændret siden forrige publicering (HANDGK1-{year}-revisioner.csv)",
            godkend_model::talformat::antal(n, "tal", "tal")
        );
    }
    Ok(0)
}
