//! scratch
fn main() {
    let p = std::env::args().nth(1).unwrap();
    let r: godkend_round::KommuneRapport = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    let marks = r.markering_per_celle();
    for s in &r.serier {
        let svg = godkend_outputs::chart::serie_svg(s, &marks).unwrap();
        std::fs::write(format!("/tmp/svg/{}.svg", s.serie), svg).unwrap();
    }
}
