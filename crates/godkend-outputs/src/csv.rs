//! The CSV files (`;`, UTF-8, a header line): the status overview, the list of May letters and the
//! systemskifte report's two tables.

use godkend_count::systemskifte::Systemskifte;
use godkend_model::talformat::tal;
use godkend_round::Status;
use godkend_round::statusbrev::Statusbrev;

/// `status-<år>.csv`: one sortable line per municipality.
pub fn status(status: &Status) -> String {
    let mut s = String::from(
        "kommunekode;navn;roede;gule;uden_kommentar;klar_til_godkendelse;godkendelse;godkendt_dato;manglende_maaneder;andel_afviste_poster\n",
    );
    for k in &status.kommuner {
        s.push_str(&format!(
            "{:03};{};{};{};{};{};{};{};{};{}\n",
            k.kommunekode,
            k.navn,
            k.roede,
            k.gule,
            k.uden_kommentar,
            if k.klar_til_godkendelse { "ja" } else { "nej" },
            k.godkendelse,
            k.godkendt_dato.as_deref().unwrap_or(""),
            k.manglende_maaneder,
            tal(k.andel_afviste_poster, 1)
        ));
    }
    s
}

/// `statusbreve-<år>.csv`: who got a letter, and why.
pub fn statusbreve(breve: &[Statusbrev]) -> String {
    let mut s = String::from("kommunekode;navn;status;roede;gule;aabne_roede;aabne_gule\n");
    for b in breve {
        s.push_str(&format!(
            "{:03};{};{};{};{};{};{}\n",
            b.kommunekode, b.navn, b.status, b.roede, b.gule, b.aabne_roede, b.aabne_gule
        ));
    }
    s
}

/// `<kode>-systemskifte-<dato>.csv`: a line per series and quarter.
pub fn systemskifte(skifte: &Systemskifte) -> String {
    let mut s = String::from("kommunekode;serie;ydelse;kvartal;modtagere;starter;ophoer\n");
    for serie in &skifte.serier {
        for q in &serie.kvartaler {
            s.push_str(&format!(
                "{:03};{};{};{};{};{};{}\n",
                skifte.kommunekode, serie.serie, serie.ydelse, q.kvartal, q.modtagere, q.starter, q.ophoer
            ));
        }
    }
    s
}

/// `<kode>-systemskifte-<dato>-sager.csv`: the cases that start on the date (fields quoted where a
/// sagsid holds `;` or `"`).
pub fn systemskifte_sager(skifte: &Systemskifte) -> String {
    let mut w = ::csv::WriterBuilder::new().delimiter(b';').from_writer(Vec::new());
    let row = |w: &mut ::csv::Writer<Vec<u8>>, fields: [&str; 5]| w.write_record(fields).expect("writing to memory");
    row(&mut w, ["sagsid", "ydelse", "startdato", "slutdato", "genoprettet_fra_sagsid"]);
    for c in &skifte.sager {
        row(
            &mut w,
            [
                &c.sagsid,
                &c.ydelse,
                &c.startdato,
                c.slutdato.as_deref().unwrap_or(""),
                c.genoprettet_fra.as_deref().unwrap_or(""),
            ],
        );
    }
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("UTF-8 in, UTF-8 out")
}
