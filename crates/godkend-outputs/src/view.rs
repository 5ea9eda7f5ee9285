//! The report as the templates see it: every number already formatted (Danish style), every cell's
//! colour decided from the flags. Formatting only — the figures come from godkend-round.

use godkend_count::systemskifte::Systemskifte;
use godkend_model::talformat::tal;
use godkend_model::{FundKode, Periode, Register};
use godkend_round::statusbrev::Statusbrev;
use godkend_round::{KommuneRapport, SerieRapport, Status};
use godkend_rules::{Alvor, Markering, Regel, Tilstand};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const MAANEDER: [&str; 12] = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
];

/// `2026-03-28` → `28. marts 2026`.
pub fn dansk_dato(iso: &str) -> String {
    match chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d") {
        Ok(d) => {
            use chrono::Datelike;
            format!("{}. {} {}", d.day(), MAANEDER[d.month0() as usize], d.year())
        }
        Err(_) => iso.to_string(),
    }
}

fn register_titel(r: Register) -> (&'static str, &'static str) {
    match r {
        Register::Voksne => ("Voksne med handicap og udsatte voksne", "Serviceloven §§ 82 a–108"),
        Register::Boern => ("Børn og unge med funktionsnedsættelse", "Serviceloven §§ 32–45, fra 2024 barnets lov"),
    }
}

/// Chart id of a series (a key in the template's `grafer`).
pub fn chart_id(serie: &SerieRapport) -> String {
    serie.serie.clone()
}

/// Per (series, quarter): the colour code of the strongest flag (2 red, 1 yellow), from the report.
pub fn severity_map(r: &KommuneRapport) -> BTreeMap<(String, Periode), u8> {
    r.alvor_per_celle().into_iter().map(|(cell, a)| (cell, if a == Alvor::Roed { 2 } else { 1 })).collect()
}

/// Whether a series has anything to draw.
pub fn has_data(s: &SerieRapport) -> bool {
    s.kvartaler.iter().any(|q| q.modtagere > 0)
}

fn farve(sev: u8) -> &'static str {
    match sev {
        2 => "roed",
        1 => "gul",
        _ => "",
    }
}

fn markering(m: &Markering) -> Value {
    json!({
        "id": m.id,
        "tilstand": m.tilstand.navn(),
        "loest": m.tilstand == Tilstand::Loest,
        "sager": if m.sager_i_alt > 0 { tal(m.sager_i_alt as f64, 0) } else { String::new() },
        "kvartal": m.kvartal,
        "ydelse": if m.ydelse.is_empty() { "Alle".to_string() } else { m.ydelse.clone() },
        "regel": m.regel.navn(),
        "alvor": m.alvor.code(),
        "prioritet": tal(m.prioritet, 1),
        "forklaring": m.forklaring,
        "kommentar": m.kommentar.clone().unwrap_or_default(),
    })
}

pub fn report_view(r: &KommuneRapport) -> Value {
    let sev = severity_map(r);
    let mut registre = Vec::new();
    for register in [Register::Voksne, Register::Boern] {
        let serier: Vec<&SerieRapport> = r.serier.iter().filter(|s| s.register == register).collect();
        let Some(first) = serier.first() else { continue };
        let quarters: Vec<String> = first.kvartaler.iter().map(|q| q.kvartal.to_string()).collect();
        let periods: Vec<Periode> = first.kvartaler.iter().map(|q| q.kvartal.into()).collect();
        let kolonner: Vec<Value> = serier
            .iter()
            .map(|s| json!({"kode": s.ydelse, "paragraf": s.paragraf.split(" / ").last().unwrap_or(""), "betegnelse": s.betegnelse}))
            .collect();
        let raekker: Vec<Value> = quarters
            .iter()
            .enumerate()
            .map(|(i, q)| {
                let celler: Vec<Value> = serier
                    .iter()
                    .map(|s| {
                        let v = s.kvartaler[i].modtagere;
                        json!({"tekst": tal(f64::from(v), 0), "farve": farve(sev.get(&(s.serie.clone(), periods[i])).copied().unwrap_or(0))})
                    })
                    .collect();
                json!({"kvartal": q, "celler": celler})
            })
            .collect();
        let udvikling: Vec<String> = serier
            .iter()
            .map(|s| s.pct_udvikling.map_or_else(|| "–".to_string(), |p| format!("{} %", tal(p, 1))))
            .collect();
        let grafer: Vec<Value> = serier
            .iter()
            .filter(|s| has_data(s))
            .map(|s| {
                let flagged = r.markerede_kvartaler(s);
                let last = s.kvartaler.last().map_or(0, |q| q.modtagere);
                let firstv = s.kvartaler.first().map_or(0, |q| q.modtagere);
                json!({
                    "id": chart_id(s),
                    "titel": format!("{} {}", s.ydelse, s.betegnelse),
                    "alt": format!(
                        "Linjediagram: antal modtagere af {} ({}) i {} pr. kvartal fra {} til {}, fra {} til {}, med landstallet indekseret til samme start; {} kvartaler er markeret.",
                        s.betegnelse, s.paragraf, r.navn, quarters.first().map_or("", String::as_str), quarters.last().map_or("", String::as_str), firstv, last, flagged
                    ),
                })
            })
            .collect();
        let tomme: Vec<String> =
            serier.iter().filter(|s| !has_data(s)).map(|s| format!("{} {}", s.ydelse, s.betegnelse)).collect();
        let (titel, lov) = register_titel(register);
        registre.push(json!({
            "titel": titel, "lov": lov, "kolonner": kolonner, "raekker": raekker, "udvikling": udvikling,
            "grafer": grafer, "tomme": tomme,
        }));
    }
    let this_year: Vec<Value> = r.markeringer.iter().filter(|m| m.i_rapportaaret).map(markering).collect();
    let tidligere = r.tidligere_markeringer();
    let dq = &r.datakvalitet;
    let aarsager: Vec<Value> = dq
        .afvisningsaarsager
        .iter()
        .map(|(code, n)| {
            let text = FundKode::parse(code).map_or("", |k| k.beskrivelse());
            json!({"kode": code, "antal": tal(*n as f64, 0), "beskrivelse": text})
        })
        .collect();
    let systemskifte: Vec<String> = dq
        .systemskifte
        .iter()
        .map(|s| {
            format!(
                "{}: {} % af kvartalets {} starter ligger på {}",
                s.kvartal,
                tal(s.andel, 0),
                s.starter_i_kvartalet,
                dansk_dato(&s.dato)
            )
        })
        .collect();
    json!({
        "titel": format!("Godkendelsesrapport {} – {}", r.aar, r.navn),
        "navn": r.navn,
        "kode": format!("{:03}", r.kommunekode),
        "region": r.region,
        "aar": r.aar.to_string(),
        "dato": dato_felter(&r.frister.rapport_udsendt),
        "frister": [
            ["Alle data for året indberettet", dansk_dato(&r.frister.data_indberettet)],
            ["Godkendelsesrapporten udsendes", dansk_dato(&r.frister.rapport_udsendt)],
            ["Frist for kommentarer og godkendelse", dansk_dato(&r.frister.godkendelse)],
            ["Brev om status for godkendelse", dansk_dato(&r.frister.statusbrev)],
        ],
        "frist": dansk_dato(&r.frister.godkendelse),
        "antal": {
            "roede": r.antal.roede.to_string(), "gule": r.antal.gule.to_string(), "uden_kommentar": r.antal.uden_kommentar.to_string(),
            "nye": r.antal.nye.to_string(), "aendrede": r.antal.aendrede.to_string(), "loeste": r.antal.loeste.to_string(),
        },
        "forrige": r.sammenholdt_med_forrige,
        "klar": r.klar_til_godkendelse,
        "godkendelse": r.godkendelse.as_ref().map(|g| json!({"dato": dansk_dato(&g.dato), "af": g.godkendt_af})),
        "indberettes_af": dq.indberettes_af.map(|k| format!("{k:03}")),
        "taerskler": r.taerskler_version,
        "registre": registre,
        "markeringer": this_year,
        "tidligere": tidligere.to_string(),
        "kvalitet": {
            "leveringer": tal(dq.leveringer as f64, 0),
            "afviste_leveringer": tal(dq.afviste_leveringer as f64, 0),
            "poster": tal(dq.poster as f64, 0),
            "afviste_poster": tal(dq.afviste_poster as f64, 0),
            "andel_afviste": format!("{} %", tal(dq.andel_afviste_poster, 2)),
            "manglende_maaneder": dq.manglende_maaneder,
            "aarsager": aarsager,
            "voksenposter": tal(dq.voksenposter as f64, 0),
            "uden_maalgruppe": tal(dq.voksenposter_uden_maalgruppe as f64, 0),
            "andel_uden_maalgruppe": format!("{} %", tal(dq.andel_uden_maalgruppe, 1)),
            "systemskifte": systemskifte,
        },
        "uden_markering": r.kommentarer_uden_markering.iter().map(|c| json!({
            "linje": format!("{}:{}", c.fil, c.linje), "ydelse": c.ydelse, "kvartal": c.kvartal, "regel": c.regel, "kommentar": c.kommentar,
        })).collect::<Vec<_>>(),
        "revision": r.revision,
        "bemaerkning": r.bemaerkning,
        "hb_test": hb_rows(r),
        "hb_personer": r.hb_test.first().map(|h| h.personer.to_string()),
        "regler": Regel::ALL.iter().map(|g| json!([g.code(), g.navn()])).collect::<Vec<_>>(),
    })
}

/// The HB appendix: one row per national test of the report year (series in report order).
fn hb_rows(r: &KommuneRapport) -> Vec<Value> {
    let order: BTreeMap<&str, (usize, &str)> =
        r.serier.iter().enumerate().map(|(i, s)| (s.serie.as_str(), (i, s.ydelse.as_str()))).collect();
    let mut tests: Vec<_> = r.hb_test.iter().collect();
    tests.sort_by_key(|h| (order.get(h.serie.as_str()).map_or(usize::MAX, |o| o.0), h.kvartal.clone()));
    let interval = |i: [f64; 2]| format!("[{}; {}]", tal(i[0], 2), tal(i[1], 2));
    tests
        .iter()
        .map(|h| {
            json!([
                order.get(h.serie.as_str()).map_or(h.serie.as_str(), |o| o.1),
                h.kvartal,
                tal(h.median_forhold, 3),
                tal(h.q1, 2),
                tal(h.m, 2),
                tal(h.q3, 2),
                interval(h.gul),
                interval(h.roed),
                h.enheder_brugt.to_string(),
                format!("{} / {}", h.sprunget_over_nul, h.sprunget_over_uaendret),
            ])
        })
        .collect()
}

/// The status overview: one row per municipality, the totals and the open flags that matter most.
pub fn status_view(status: &Status) -> Value {
    let rows: Vec<Value> = status
        .kommuner
        .iter()
        .map(|k| {
            json!({
                "kode": format!("{:03}", k.kommunekode), "navn": k.navn,
                "roede": k.roede.to_string(), "gule": k.gule.to_string(),
                "uden": k.uden_kommentar.to_string(), "klar": k.klar_til_godkendelse,
                "godkendelse": match k.godkendt_dato.as_deref() {
                    Some(d) => format!("godkendt {}", dansk_dato(d)),
                    None if k.klar_til_godkendelse => "klar".to_string(),
                    None => "ikke godkendt".to_string(),
                },
                "godkendt": k.godkendt_dato.is_some(),
                "manglende": k.manglende_maaneder.to_string(),
                "afviste": format!("{} %", tal(k.andel_afviste_poster, 1)),
            })
        })
        .collect();
    json!({
        "titel": format!("Status for godkendelse {}", status.aar),
        "aar": status.aar.to_string(),
        "dato": dato_felter(&status.frister.rapport_udsendt),
        "kommuner": rows,
        "i_alt": status.kommuner_i_alt.to_string(),
        "klar": status.klar_til_godkendelse.to_string(),
        "godkendt": status.godkendt.to_string(),
        "roede": status.roede.to_string(),
        "gule": status.gule.to_string(),
        "top": status.stoerste_aabne_markeringer.iter().map(|a| {
            let mut v = markering(&a.markering);
            v["kommune"] = json!(format!("{:03} {}", a.markering.kommunekode, a.navn));
            v
        }).collect::<Vec<_>>(),
    })
}

/// The municipality's official name as an addressee: `Odense Kommune`, `Københavns Kommune`,
/// `Bornholms Regionskommune`.
pub fn kommune_titel(navn: &str) -> String {
    match navn {
        "København" => "Københavns Kommune".to_string(),
        "Bornholm" => "Bornholms Regionskommune".to_string(),
        _ => format!("{navn} Kommune"),
    }
}

/// A date as the templates' `datetime` takes it.
fn dato_felter(iso: &str) -> Value {
    let part = |r: std::ops::Range<usize>, d: i32| iso.get(r).and_then(|p| p.parse::<i32>().ok()).unwrap_or(d);
    json!({"aar": part(0..4, 2000), "maaned": part(5..7, 1), "dag": part(8..10, 1)})
}

/// The May letter to one municipality's director.
pub fn statusbrev_view(b: &Statusbrev) -> Value {
    let flere = match (b.ikke_listet_roede, b.ikke_listet_gule) {
        (0, 0) => String::new(),
        (r, g) => format!(
            "Listen viser de {} vigtigste af hver farve; yderligere {r} røde og {g} gule markeringer står i regnearket.",
            godkend_round::statusbrev::MAX_LISTED
        ),
    };
    json!({
        "titel": format!("Status for godkendelse {} – {}", b.aar, b.navn),
        "navn": b.navn,
        "kommune": kommune_titel(&b.navn),
        "kode": format!("{:03}", b.kommunekode),
        "aar": b.aar.to_string(),
        "dato": dato_felter(&b.frister.statusbrev),
        "dato_tekst": dansk_dato(&b.frister.statusbrev),
        "rapport_udsendt": dansk_dato(&b.frister.rapport_udsendt),
        "frist": dansk_dato(&b.frister.godkendelse),
        "klar": b.aabne_roede + b.aabne_gule == 0,
        "aabne_i_alt": (b.aabne_roede + b.aabne_gule).to_string(),
        "roede": b.roede.to_string(),
        "gule": b.gule.to_string(),
        "aabne_roede": b.aabne_roede.to_string(),
        "aabne_gule": b.aabne_gule.to_string(),
        "aabne": b.aabne.iter().map(markering).collect::<Vec<_>>(),
        "flere": flere,
        "regneark": format!("{:03}-{}-markeringer.xlsx", b.kommunekode, b.aar),
    })
}

/// Cases the systemskifte PDF lists; the CSV has them all.
pub const SYSTEMSKIFTE_SAGER_I_PDF: usize = 300;

/// The systemskifte report of one municipality.
pub fn systemskifte_view(s: &Systemskifte) -> Value {
    let serier: Vec<Value> = s
        .serier
        .iter()
        .map(|x| {
            json!({
                "titel": format!("{} {}", x.ydelse, x.betegnelse),
                "kvartaler": x.kvartaler.iter().map(|q| json!({
                    "kvartal": q.kvartal,
                    "skift": q.kvartal == s.kvartal,
                    "modtagere": tal(q.modtagere as f64, 0),
                    "starter": tal(q.starter as f64, 0),
                    "ophoer": tal(q.ophoer as f64, 0),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut sager: Vec<Value> = s
        .sager
        .iter()
        .take(SYSTEMSKIFTE_SAGER_I_PDF)
        .map(|c| {
            json!({
                "sagsid": c.sagsid, "ydelse": c.ydelse, "start": c.startdato,
                "slut": c.slutdato.clone().unwrap_or_default(), "fra": c.genoprettet_fra.clone().unwrap_or_default(),
            })
        })
        .collect();
    if s.sager.len() > SYSTEMSKIFTE_SAGER_I_PDF {
        let more = format!("… og {} sager mere (se CSV-filen)", s.sager.len() - SYSTEMSKIFTE_SAGER_I_PDF);
        sager.push(json!({"sagsid": more, "ydelse": "", "start": "", "slut": "", "fra": ""}));
    }
    let stem = format!("{:03}-systemskifte-{}", s.kommunekode, s.dato);
    json!({
        "titel": format!("Systemskifte {} – {}", s.dato, s.navn),
        "navn": s.navn,
        "kommune": kommune_titel(&s.navn),
        "dato": dato_felter(&s.dato),
        "dato_tekst": dansk_dato(&s.dato),
        "kvartal": s.kvartal,
        "serier": serier,
        "sager": sager,
        "starter_i_kvartalet": tal(s.starter_i_kvartalet as f64, 0),
        "starter_paa_datoen": tal(s.starter_paa_datoen as f64, 0),
        "genoprettede": tal(s.genoprettede as f64, 0),
        "csv": format!("{stem}.csv"),
        "sager_csv": format!("{stem}-sager.csv"),
    })
}
