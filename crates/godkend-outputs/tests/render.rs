//! Rendering real PDFs: the text a reader sees (via pdftotext), byte-identical renders, and
//! injection strings from comments shown literally.

use godkend_model::{Reference, Register};
use godkend_round::scope::frister;
use godkend_round::{Antal, KommuneRapport, KvartalsTal, SerieRapport};
use godkend_rules::{Alvor, Datakvalitet, Markering, Regel, Tilstand};
use std::collections::BTreeMap;
use std::process::Command;

const NASTY: &str = "#set page(fill: red) [x] $y$ \\z \"q\" *b* _i_ @ref <lbl> // kommentar = overskrift";

fn serie(register: Register, serie: &str, ydelse: &str, betegnelse: &str, values: &[u32]) -> SerieRapport {
    let quarters = ["2024K1", "2024K2", "2024K3", "2024K4", "2025K1", "2025K2", "2025K3", "2025K4"];
    SerieRapport {
        register,
        serie: serie.into(),
        ydelse: ydelse.into(),
        koder: vec![ydelse.into()],
        paragraf: "§ 104".into(),
        betegnelse: betegnelse.into(),
        kvartaler: quarters
            .iter()
            .zip(values)
            .map(|(q, v)| KvartalsTal {
                kvartal: q.parse().unwrap(),
                modtagere: *v,
                helaarsaekvivalenter: f64::from(*v) * 0.9,
                national_modtagere: v * 50,
                national_indekseret: Some(f64::from(*v)),
            })
            .collect(),
        pct_udvikling: Some(25.0),
    }
}

fn rapport() -> KommuneRapport {
    KommuneRapport {
        kommunekode: 825,
        navn: "Læsø".into(),
        region: "Region Nordjylland".into(),
        aar: 2025,
        taerskler_version: "2026.1".into(),
        frister: frister(&Reference::embedded().unwrap(), 2025).unwrap(),
        kvartaler: vec![],
        serier: vec![
            serie(
                Register::Voksne,
                "V-1.1",
                "1.1",
                "Aktivitets- og samværstilbud",
                &[1200, 1210, 1190, 1205, 1220, 1230, 1525, 1500],
            ),
            serie(Register::Voksne, "V-1.3", "1.3", "Behandling", &[0; 8]),
            serie(Register::Boern, "B-dagtilbud", "BL82-1", "Særlige dagtilbud", &[7, 8, 8, 9, 9, 9, 9, 10]),
        ],
        markeringer: vec![Markering {
            id: "825-2025K3-V-1.1-KK".into(),
            kommunekode: 825,
            register: Some(Register::Voksne),
            serie: "V-1.1".into(),
            ydelse: "1.1".into(),
            kvartal: "2025K3".parse().unwrap(),
            regel: Regel::KvartalTilKvartal,
            alvor: Alvor::Roed,
            tal: BTreeMap::new(),
            taerskel: "≥ 25 % og ≥ 10 personer".into(),
            forklaring: "Antallet af modtagere steg fra 1230 i 2025K2 til 1525 i 2025K3 (+24,0 %, +295 personer)."
                .into(),
            kommentar: Some(NASTY.into()),
            i_rapportaaret: true,
            prioritet: 12.5,
            tilstand: Tilstand::Ny,
            sager_i_alt: 0,
            hoerer_til: None,
        }],
        antal: Antal { roede: 1, gule: 0, uden_kommentar: 0, nye: 0, aendrede: 0, loeste: 0 },
        klar_til_godkendelse: true,
        godkendelse: None,
        sammenholdt_med_forrige: false,
        kommentarer_uden_markering: vec![],
        datakvalitet: Datakvalitet {
            leveringer: 12,
            poster: 3456,
            manglende_maaneder: vec!["2025-04".into()],
            ..Datakvalitet::default()
        },
        revision: "Reglen om revision er ikke anvendt.".into(),
        hb_test: vec![],
        hb_placering: vec![],
        bemaerkning: None,
        runde: 1,
        data_til_og_med: Some("2025-12".into()),
        kontakt: godkend_model::Reference::embedded().unwrap().kontakt,
    }
}

fn pdftotext(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-layout"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn report_text_holds_name_figures_flags_and_literal_comments() {
    let pdf = godkend_outputs::render_report(&rapport()).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdftotext(&pdf);
    for needle in [
        "Godkendelsesrapport 2025",
        "Kommunekode 825",
        "Tabel 1",
        "1.525",
        "1.230",
        "Pct. udvikling",
        "25,0 %",
        "Markeringer for 2025",
        "Ændring fra forrige kvartal",
        "2025-04",
        "28. marts 2026",
        "Børn og unge med funktionsnedsættelse",
    ] {
        assert!(text.contains(needle), "`{needle}` not in the PDF text:\n{text}");
    }
    // The comment is shown literally: every markup character survives, nothing was evaluated.
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for piece in [
        "#set page(fill: red)",
        "[x]",
        "$y$",
        "\\z",
        "\"q\"",
        "*b*",
        "_i_",
        "@ref",
        "<lbl>",
        // (the last word may wrap beside the explanation's last line in pdftotext's layout)
        "// kommentar =",
        "overskrift",
    ] {
        assert!(flat.contains(piece), "`{piece}` not shown literally:\n{flat}");
    }
}

#[test]
fn two_renders_are_byte_identical() {
    let a = godkend_outputs::render_report(&rapport()).unwrap();
    let b = godkend_outputs::render_report(&rapport()).unwrap();
    assert!(a == b, "two renders of the same report differ");
    let status = || godkend_round::Status::of(&[&rapport()], 2025, &rapport().frister);
    let s1 = godkend_outputs::render_status(&status()).unwrap();
    let s2 = godkend_outputs::render_status(&status()).unwrap();
    assert!(s1 == s2);
    let text = pdftotext(&s1);
    assert!(text.contains("Status for godkendelse 2025") && text.contains("Læsø"), "{text}");
}

#[test]
fn pdf_declares_pdfa_and_danish() {
    let pdf = godkend_outputs::render_report(&rapport()).unwrap();
    let raw = String::from_utf8_lossy(&pdf);
    assert!(raw.contains("pdfaid:part") || raw.contains("pdfaid"), "no PDF/A identification in the XMP metadata");
    assert!(raw.contains("/Lang (da") || raw.contains("/Lang(da"), "document language not Danish");
    assert!(raw.contains("Godkendelsesrapport 2025"), "title missing from metadata");
}

/// A mark is not told by colour alone: Table 1 carries ● for the report year's red mark and ○ for an
/// earlier year's, and every report says where to answer. Before, the cells held bare numbers (pdftotext
/// and a screen reader saw nothing) and earlier years' marks were coloured like the report year's.
#[test]
fn marks_carry_a_symbol_and_the_report_says_where_to_answer() {
    let mut r = rapport();
    let mut earlier = r.markeringer[0].clone();
    earlier.id = "825-2024K2-V-1.1-KK".into();
    earlier.kvartal = "2024K2".parse().unwrap();
    earlier.alvor = Alvor::Gul;
    earlier.i_rapportaaret = false;
    r.markeringer.push(earlier);
    let text = pdftotext(&godkend_outputs::render_report(&r).unwrap());
    let row = |q: &str| text.lines().find(|l| l.trim_start().starts_with(q)).unwrap_or_default().to_string();
    assert!(row("2025K3").contains("1.525\u{a0}●") || row("2025K3").contains("1.525 ●"), "{}", row("2025K3"));
    assert!(row("2024K2").contains('○') && !row("2024K2").contains('▲'), "{}", row("2024K2"));
    assert!(text.contains("● rød"), "the flags table names the severity without colour");
    assert!(
        text.contains("Tabel 1 viser desuden 1\u{a0}markering fra tidligere år")
            || text.contains("1 markering fra tidligere år")
    );
    assert!(text.contains("handicap@dst.dk") && text.contains("Runde 1"), "{text}");
}

/// The comparison appendix is the municipality's own: its change, score and intervals, and where it lies.
/// Before, every report carried the same 2–3 pages of national quartiles and never the municipality.
#[test]
fn the_hb_appendix_shows_the_municipalitys_own_placement() {
    let mut r = rapport();
    r.hb_placering = vec![godkend_rules::HbPlacering {
        serie: "V-1.1".into(),
        kvartal: "2025K3".parse().unwrap(),
        forrige: 1230.0,
        aktuel: 1525.0,
        forhold: 1.24,
        score: 9.5,
        gul: [-2.0, 2.0],
        roed: [-4.0, 4.0],
    }];
    let text = pdftotext(&godkend_outputs::render_report(&r).unwrap());
    assert!(text.contains("Kommunens placering blandt kommunerne"), "{text}");
    let row = text.lines().find(|l| l.contains("1.230 → 1.525")).unwrap_or_default();
    assert!(row.contains("9,50") && row.contains("[−4,00; 4,00]") && row.contains("uden for rød"), "{row}");
    assert!(!text.contains("Median forhold"), "the national quartiles are in the status overview");
}

/// A worker process renders the bytes the calling process would: the same input through the worker's
/// frames gives the same PDF, and several reports in a row each their own.
#[test]
fn a_worker_renders_the_same_pdf_as_the_process() {
    use godkend_outputs::pdf::{render_input, report_input};
    let mut other = rapport();
    other.kommunekode = 101;
    other.navn = "København".into();
    let reports = [rapport(), other];
    let mut request = Vec::new();
    for r in &reports {
        request.extend(frame(&report_input(r).unwrap()));
    }
    let mut answer = Vec::new();
    godkend_outputs::worker::serve(request.as_slice(), &mut answer).unwrap();
    let mut answer = answer.as_slice();
    for r in &reports {
        assert_eq!(answer[0], 0, "a PDF, not an error");
        let len = u64::from_le_bytes(answer[1..9].try_into().unwrap()) as usize;
        let pdf = &answer[9..9 + len];
        assert!(pdf == render_input(report_input(r).unwrap()).unwrap().as_slice(), "kommune {}", r.kommunekode);
        answer = &answer[9 + len..];
    }
    assert!(answer.is_empty());
}

/// A request as a run's pool writes it (`godkend_outputs::worker`'s frames).
fn frame(input: &godkend_outputs::pdf::ReportInput) -> Vec<u8> {
    let mut out = Vec::new();
    godkend_outputs::worker::write_request(&mut out, input).unwrap();
    out
}
