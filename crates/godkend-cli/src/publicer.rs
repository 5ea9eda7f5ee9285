//! `godkend publicer`: the publication tables of recipients (`HANDGK1`) and full-time equivalents
//! (`HANDGK2`) per municipality (with the regions and the whole country as sums) × series × quarter,
//! from the same counts as the reports, with disclosure control, as PX, CSV and metadata files, and the
//! figures changed since an earlier publication (docs/publicering.md).

use crate::args;
use crate::failure::Failure;
use godkend_model::{Reference, Register};
use godkend_publicering::tabel::{Raekke, Tabel};
use godkend_publicering::{diskretion, px};
use godkend_round::{Scope, Udvalg};
use godkend_store::CaseStore;
use std::collections::{BTreeMap, BTreeSet};

#[derive(clap::Args)]
#[command(
    about = "Publication table (PX, CSV) of recipients per municipality, region and country, with disclosure control",
    after_help = "Exit: 0 · 2 error\n\nExample:\n  godkend publicer --store out/lager --year 2025 --out out/publicering --dialog out/dialog.sqlite --kun-godkendte"
)]
pub struct Args {
    #[command(flatten)]
    store: args::Store,
    #[command(flatten)]
    year: args::Year,
    #[command(flatten)]
    out: args::Out,
    /// The approvals received: CSV (;) with kommunekode;dato;godkendt_af.
    #[arg(long, visible_alias = "approvals", value_name = "FILE")]
    godkendelser: Option<std::path::PathBuf>,
    #[command(flatten)]
    dialog: args::Dialog,
    /// Hold back the municipalities that have not approved (their cells are `..`, protected as small cells).
    #[arg(long)]
    kun_godkendte: bool,
    /// The smallest number of persons a published cell may show (default: reference-data/diskretion.csv).
    #[arg(long, value_name = "N")]
    mindst: Option<u64>,
    /// The folder of the last publication: every published figure that has changed since is listed.
    #[arg(long, value_name = "DIR")]
    forrige_publicering: Option<std::path::PathBuf>,
}

/// The cells of a publication's CSV (`omraade;ydelse;kvartal;vaerdi`), by key.
fn read_csv(path: &std::path::Path) -> Result<BTreeMap<(String, String, String), String>, Failure> {
    let text = godkend_model::sidefil::read_to_string(path).map_err(|e| {
        Failure::new(
            format!("{}: {}", path.display(), godkend_model::tekst::io_fejl(&e)),
            "--forrige-publicering tager mappen med den forrige publicerings filer",
        )
    })?;
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split(';').collect();
        if f.len() != 4 {
            return Err(Failure::new(
                format!("{}:{}: {} felter, ventede 4", path.display(), i + 1, f.len()),
                "filen skal være en HANDGK1-CSV skrevet af godkend publicer",
            ));
        }
        out.insert((f[0].to_string(), f[1].to_string(), f[2].to_string()), f[3].to_string());
    }
    Ok(out)
}

/// The newest `HANDGK1-<år>.csv` of the last publication's folder.
fn previous_csv(dir: &std::path::Path) -> Result<std::path::PathBuf, Failure> {
    let mut found: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| {
            Failure::new(
                format!("{}: {}", dir.display(), godkend_model::tekst::io_fejl(&e)),
                "--forrige-publicering tager mappen med den forrige publicerings filer",
            )
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.file_name().unwrap_or_default().to_string_lossy();
            n.starts_with("HANDGK1-") && n.ends_with(".csv") && n.len() == "HANDGK1-2025.csv".len()
        })
        .collect();
    found.sort();
    found.pop().ok_or_else(|| {
        Failure::new(
            format!("{}: ingen HANDGK1-<år>.csv", dir.display()),
            "--forrige-publicering tager mappen med den forrige publicerings filer",
        )
    })
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

    // PX: stub område × ydelse, heading tid. A column missing for a series (before it is shown) is "..".
    let area = px::Variabel {
        navn: "område",
        vaerdier: t.raekker.iter().map(|r| (r.kode.clone(), r.tekst.clone())).collect(),
    };
    let ydelse = px::Variabel {
        navn: "ydelse",
        vaerdier: series
            .iter()
            .map(|s| (s.serie.clone(), format!("{} {}", reference.display_code(&s.serie), s.betegnelse)))
            .collect(),
    };
    let tid = px::Variabel { navn: "tid", vaerdier: quarters.iter().map(|q| (q.to_string(), q.to_string())).collect() };
    let key = |i: usize, j: usize, k: usize| {
        (area.vaerdier[i].0.clone(), format!("{}|{}", ydelse.vaerdier[j].0, tid.vaerdier[k].0))
    };
    let persons =
        |i: usize, j: usize, k: usize| t.celler.get(&key(i, j, k)).map_or(px::Vaerdi::Skjult, |c| px::Vaerdi::of(*c));
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
    let aarsvaerk = |i: usize, j: usize, k: usize| match persons(i, j, k) {
        px::Vaerdi::Skjult => px::Vaerdi::Skjult,
        _ => match fte.get(&key(i, j, k)).copied().unwrap_or(0.0) {
            v if v.abs() < 0.005 => px::Vaerdi::Nul,
            v => px::Vaerdi::Tal(format!("{v:.2}")),
        },
    };
    let dato = scope.frister.rapport_udsendt.clone();
    let mut noter = vec![
        "En region og hele landet er summen af deres kommuner (en borger med ydelser i to kommuner tælles i begge)."
            .to_string(),
        format!(
            "..: færre end {} personer, eller skjult så en sådan celle ikke kan regnes ud af de øvrige. -: 0.",
            mindst
        ),
    ];
    if a.kun_godkendte {
        noter.push(format!("Kun kommuner, der har godkendt deres data for {year}, er vist; de øvrige er ..."));
    }
    let tables: [(&str, String, &str, &str, u8, &dyn Fn(usize, usize, usize) -> px::Vaerdi); 2] = [
        (
            "HANDGK1",
            format!("Modtagere af sociale ydelser efter område, ydelse og tid ({year})"),
            "Modtagere af sociale ydelser",
            "personer",
            0,
            &persons,
        ),
        (
            "HANDGK2",
            format!("Helårsækvivalenter af sociale ydelser efter område, ydelse og tid ({year})"),
            "Helårsækvivalenter (ydelsesdage / dage i kvartalet)",
            "helårsækvivalenter",
            2,
            &aarsvaerk,
        ),
    ];
    for (matrix, titel, indhold, enhed, decimaler, value) in tables {
        let mut own = vec![if matrix == "HANDGK1" {
            "Modtagere: personer med mindst én aktiv ydelse i kvartalet.".to_string()
        } else {
            "Helårsækvivalenter: ydelsesdage i kvartalet delt med kvartalets dage; skjult hvor modtagerne er skjult."
                .to_string()
        }];
        own.extend(noter.iter().cloned());
        let meta = px::Meta {
            decimaler,
            matrix,
            titel: &titel,
            indhold,
            enhed,
            kilde: "Danmarks Statistik",
            noter: own.clone(),
            dato: &dato,
        };
        let text = px::write(&meta, [&area, &ydelse], &tid, value);
        let stem = out.join(format!("{matrix}-{year}"));
        godkend_store::fil::write_atomic(&stem.with_extension("px"), text.as_bytes())?;
        let mut csv = String::from("omraade;ydelse;kvartal;vaerdi\n");
        for i in 0..area.vaerdier.len() {
            for j in 0..ydelse.vaerdier.len() {
                for k in 0..tid.vaerdier.len() {
                    csv.push_str(&format!(
                        "{};{};{};{}\n",
                        area.vaerdier[i].0,
                        ydelse.vaerdier[j].0,
                        tid.vaerdier[k].0,
                        value(i, j, k).csv()
                    ));
                }
            }
        }
        godkend_store::fil::write_atomic(&stem.with_extension("csv"), csv.as_bytes())?;
        let mut cells = Vec::new();
        for i in 0..area.vaerdier.len() {
            for j in 0..ydelse.vaerdier.len() {
                for k in 0..tid.vaerdier.len() {
                    cells.push(godkend_publicering::parquet::Raekke {
                        omraade: &area.vaerdier[i].0,
                        ydelse: &ydelse.vaerdier[j].0,
                        kvartal: &tid.vaerdier[k].0,
                        vaerdi: value(i, j, k),
                    });
                }
            }
        }
        let parquet = godkend_publicering::parquet::bytes(&cells)
            .map_err(|e| Failure::new(format!("{matrix}: Parquet: {e}"), ""))?;
        godkend_store::fil::write_atomic(&stem.with_extension("parquet"), &parquet)?;
        let metadata = serde_json::json!({
            "tabel": matrix,
            "titel": titel,
            "enhed": enhed,
            "kilde": "Danmarks Statistik",
            "noter": own,
            "mindste_antal": mindst,
            "kun_godkendte": a.kun_godkendte,
            "godkendte_kommuner": approved.len(),
            "taerskler_version": reference.taerskler.version,
            "lagerets_tilstand": store.state_fingerprint()?,
            "diskretion": o,
            "genberegnelige_celler": 0,
        });
        godkend_store::fil::write_atomic(
            &out.join(format!("{matrix}-{year}-metadata.json")),
            format!("{metadata:#}\n").as_bytes(),
        )?;
    }
    let stem = out.join(format!("HANDGK1-{year}"));
    // Revisions: every figure published before that is now another figure, or no longer published.
    let mut revisioner = None;
    if let Some(dir) = &a.forrige_publicering {
        let before = read_csv(&previous_csv(dir)?)?;
        let now = read_csv(&stem.with_extension("csv"))?;
        let mut text = String::from("omraade;ydelse;kvartal;foer;efter;forskel\n");
        let mut n = 0;
        for (key, old) in &before {
            let Some(new) = now.get(key) else { continue };
            let num = |v: &str| if v == "-" { Some(0i64) } else { v.parse::<i64>().ok() };
            if old == ".." || old == new {
                continue;
            }
            let diff = match (num(old), num(new)) {
                (Some(o), Some(x)) => (x - o).to_string(),
                _ => String::new(),
            };
            text.push_str(&format!("{};{};{};{old};{new};{diff}\n", key.0, key.1, key.2));
            n += 1;
        }
        godkend_store::fil::write_atomic(&out.join(format!("HANDGK1-{year}-revisioner.csv")), text.as_bytes())?;
        revisioner = Some(n);
    }
    if let Some(n) = revisioner {
        let path = out.join(format!("HANDGK1-{year}-metadata.json"));
        let mut m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).map_err(|e| Failure::new(e.to_string(), ""))?)
                .map_err(|e| Failure::new(e.to_string(), ""))?;
        m["revisioner"] = n.into();
        godkend_store::fil::write_atomic(&path, format!("{m:#}\n").as_bytes())?;
    }
    println!(
        "HANDGK1-{year} og HANDGK2-{year}: {} celler hver; {} primært og {} sekundært undertrykt, {} tilbageholdt ({} % af personerne); ingen undertrykt celle kan genberegnes; filer i {}",
        o.celler,
        o.primaere,
        o.sekundaere,
        o.tilbageholdte,
        godkend_model::talformat::tal(o.andel_tabt, 2),
        out.display()
    );
    if let Some(n) = revisioner {
        println!(
            "{} ændret siden forrige publicering (HANDGK1-{year}-revisioner.csv)",
            godkend_model::talformat::antal(n, "tal", "tal")
        );
    }
    Ok(0)
}
