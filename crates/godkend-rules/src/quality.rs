//! Data-quality rules and the data-quality summary: missing months, rejected records and missing target
//! groups (from the delivery log: the records delivered in the report year) and start dates piled on
//! one day (systemskifte, from the start dates godkend-count reads off the case store).
//!
//! A month delivered more than once counts once: by the delivery that stands for it, the last
//! accepted one (the highest sequence number), or the last one if none was accepted.

use crate::flags::{Alvor, Markering, Regel, share_severity};
use godkend_model::counts::Startdatoer;
use godkend_model::talformat::{round1, round2, tal};
use godkend_model::{Alvor as FundAlvor, FundKode, Kvartal, LogEntry, Maaned, Periode, Reference, Taerskler, Window};
use std::collections::BTreeMap;

/// What the report's data-quality section shows for one municipality.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Datakvalitet {
    /// The municipality whose files carry this one's rows, when it is another (Ishøj for Vallensbæk).
    pub indberettes_af: Option<u16>,
    pub leveringer: usize,
    pub afviste_leveringer: usize,
    pub poster: u64,
    pub afviste_poster: u64,
    pub andel_afviste_poster: f64,
    pub manglende_maaneder: Vec<String>,
    /// Rejections per finding code (record and delivery level) over the year's deliveries.
    pub afvisningsaarsager: BTreeMap<String, u64>,
    /// Accepted adult records in the year's deliveries, and those without a target group.
    pub voksenposter: u64,
    pub voksenposter_uden_maalgruppe: u64,
    pub andel_uden_maalgruppe: f64,
    pub systemskifte: Vec<Startophobning>,
}

/// A quarter whose start dates pile up on one date.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Startophobning {
    pub kvartal: Kvartal,
    pub dato: String,
    pub starter_paa_datoen: u64,
    pub starter_i_kvartalet: u64,
    pub andel: f64,
}

pub struct QualityInput<'a> {
    pub reference: &'a Reference,
    pub taerskler: &'a Taerskler,
    pub year: i32,
    pub window: Window,
    pub log: &'a [LogEntry],
    /// Live cases' start dates per municipality and quarter (`godkend_count::starts`).
    pub starts: &'a Startdatoer,
}

/// Data-quality summaries and flags for the given municipalities.
pub fn quality(input: &QualityInput, kommuner: &[u16]) -> (BTreeMap<u16, Datakvalitet>, Vec<Markering>) {
    let piles = start_piles(input);
    let mut summaries = BTreeMap::new();
    let mut flags = Vec::new();
    for &k in kommuner {
        let mut dq = deliveries(input, k, &mut flags);
        let (total, missing) = (dq.voksenposter, dq.voksenposter_uden_maalgruppe);
        let t = &input.taerskler.manglende_maalgruppe;
        if let Some(alvor) = share_severity(dq.andel_uden_maalgruppe, t) {
            let mut m = whole(k, Periode::Aar(input.year), Regel::ManglendeMaalgruppe, alvor, true);
            m.tal = BTreeMap::from([
                ("uden".into(), missing as f64),
                ("i_alt".into(), total as f64),
                ("procent".into(), round1(dq.andel_uden_maalgruppe)),
            ]);
            m.taerskel = format!("gul > {}\u{a0}%, rød > {}\u{a0}%", tal(t.gul_over, 0), tal(t.roed_over, 0));
            m.forklaring = format!(
                "{}\u{a0}% af voksenposterne i årets leveringer for {} ({} af {}) mangler målgruppe; grænsen for gul er {}\u{a0}% og for rød {}\u{a0}%.",
                tal(dq.andel_uden_maalgruppe, 1),
                input.year,
                tal(missing as f64, 0),
                tal(total as f64, 0),
                tal(t.gul_over, 0),
                tal(t.roed_over, 0)
            );
            flags.push(m);
        }
        for pile in piles.get(&k).into_iter().flatten() {
            let q = pile.kvartal;
            let mut m = whole(k, q.into(), Regel::Systemskifte, Alvor::Gul, q.year() == input.year);
            m.tal = BTreeMap::from([
                ("paa_datoen".into(), pile.starter_paa_datoen as f64),
                ("i_kvartalet".into(), pile.starter_i_kvartalet as f64),
                ("procent".into(), round1(pile.andel)),
            ]);
            m.taerskel = format!(
                "≥ {}\u{a0}% af kvartalets starter på én dato",
                tal(input.taerskler.systemskifte.gul_mindst, 0)
            );
            m.forklaring = format!(
                "{}\u{a0}% af startdatoerne i {} ({} af {}) ligger på {} – typisk for et systemskifte, hvor startdatoer nulstilles.",
                tal(pile.andel, 0),
                pile.kvartal,
                pile.starter_paa_datoen,
                pile.starter_i_kvartalet,
                pile.dato
            );
            flags.push(m);
        }
        dq.systemskifte = piles.get(&k).cloned().unwrap_or_default();
        summaries.insert(k, dq);
    }
    (summaries, flags)
}

fn share(part: u64, total: u64) -> f64 {
    if total == 0 { 0.0 } else { part as f64 / total as f64 * 100.0 }
}

/// A flag on the municipality's data as a whole (no series).
fn whole(kommune: u16, kvartal: Periode, regel: Regel, alvor: Alvor, i_rapportaaret: bool) -> Markering {
    Markering::new(kommune, None, "", "", kvartal, regel, alvor, i_rapportaaret)
}

/// Delivery-log figures for the report year, and the missing-month and rejected-share flags.
fn deliveries(input: &QualityInput, kommune: u16, flags: &mut Vec<Markering>) -> Datakvalitet {
    let reporter = input.reference.reporter_of(kommune);
    let year = input.year.to_string();
    let of_year: Vec<&LogEntry> =
        input.log.iter().filter(|e| e.kommunekode == reporter && e.maaned.starts_with(&year)).collect();
    let standing = standing(&of_year);
    let mut dq = Datakvalitet {
        indberettes_af: (reporter != kommune).then_some(reporter),
        leveringer: of_year.len(),
        afviste_leveringer: of_year.iter().filter(|e| e.is_rejected()).count(),
        ..Datakvalitet::default()
    };
    // Each handlekommune's own records: Dragør is not judged by Tårnby's rejected records in Tårnby's files.
    (dq.poster, dq.afviste_poster) =
        standing.iter().map(|e| e.poster_for(kommune)).fold((0, 0), |(n, a), (p, r)| (n + p, a + r));
    (dq.voksenposter, dq.voksenposter_uden_maalgruppe) =
        standing.iter().map(|e| e.voksenposter_for(kommune)).fold((0, 0), |(n, u), (a, b)| (n + a, u + b));
    dq.andel_afviste_poster = round2(share(dq.afviste_poster, dq.poster));
    dq.andel_uden_maalgruppe = round2(share(dq.voksenposter_uden_maalgruppe, dq.voksenposter));
    // Why: a whole delivery's rejection concerns every municipality in it; a rejected record, only its
    // own handlekommune (Dragør is not told Tårnby's reasons).
    for e in &standing {
        let fatal = e
            .fund_counts()
            .into_iter()
            .filter(|(c, _)| FundKode::parse(c).is_some_and(|k| k.alvor() == FundAlvor::Fatal));
        let own = e.afvisningsaarsager_for(kommune).into_iter();
        for (code, n) in fatal.chain(own) {
            if FundKode::parse(&code).is_some_and(|k| matches!(k.alvor(), FundAlvor::Fejl | FundAlvor::Fatal)) {
                *dq.afvisningsaarsager.entry(code).or_default() += n;
            }
        }
    }
    // Months of the year (within the counted window) without an accepted delivery.
    let first = Maaned::of_date(input.window.fra.first_day()).max(Maaned::new(input.year, 1).expect("month"));
    let last = Maaned::new(input.year, 12).expect("month");
    let mut missing_by_quarter: BTreeMap<Kvartal, Vec<String>> = BTreeMap::new();
    if first <= last {
        for m in first.through(last) {
            let ms = m.to_string();
            if !of_year.iter().any(|e| e.maaned == ms && !e.is_rejected()) {
                dq.manglende_maaneder.push(ms.clone());
                missing_by_quarter.entry(m.kvartal()).or_default().push(ms);
            }
        }
    }
    if input.taerskler.manglende_levering.roed {
        for (q, months) in missing_by_quarter {
            let mut m = whole(kommune, q.into(), Regel::ManglendeLevering, Alvor::Roed, true);
            m.tal = BTreeMap::from([("maaneder".into(), months.len() as f64)]);
            m.taerskel = "hver måned skal leveres".into();
            let who = if reporter != kommune {
                format!(" (kommune {reporter:03} indberetter for kommunen)")
            } else {
                String::new()
            };
            m.forklaring = format!("Der er ingen godkendt levering for {}{who}.", months.join(", "));
            flags.push(m);
        }
    }
    let t = &input.taerskler.afviste_poster;
    if let Some(alvor) = share_severity(dq.andel_afviste_poster, t) {
        let mut m = whole(kommune, Periode::Aar(input.year), Regel::AfvistePoster, alvor, true);
        m.tal = BTreeMap::from([
            ("afviste".into(), dq.afviste_poster as f64),
            ("poster".into(), dq.poster as f64),
            ("procent".into(), round1(dq.andel_afviste_poster)),
        ]);
        m.taerskel = format!("gul > {}\u{a0}%, rød > {}\u{a0}%", tal(t.gul_over, 0), tal(t.roed_over, 0));
        m.forklaring = format!(
            "{}\u{a0}% af årets poster blev afvist ({} af {}); grænsen for gul er {}\u{a0}% og for rød {}\u{a0}%.",
            tal(dq.andel_afviste_poster, 1),
            tal(dq.afviste_poster as f64, 0),
            tal(dq.poster as f64, 0),
            tal(t.gul_over, 0),
            tal(t.roed_over, 0)
        );
        flags.push(m);
    }
    dq
}

/// The delivery that stands for each month: the last accepted one, or the last one if none was.
fn standing<'a>(of_year: &[&'a LogEntry]) -> Vec<&'a LogEntry> {
    let mut by_month: BTreeMap<&str, &'a LogEntry> = BTreeMap::new();
    for e in of_year {
        let better = |old: &LogEntry| {
            (!e.is_rejected(), e.loebenummer, &e.sha256) > (!old.is_rejected(), old.loebenummer, &old.sha256)
        };
        match by_month.get(e.maaned.as_str()) {
            Some(old) if !better(old) => {}
            _ => {
                by_month.insert(e.maaned.as_str(), e);
            }
        }
    }
    by_month.into_values().collect()
}

/// Per municipality: the quarters (within the window) whose starts pile up on one date.
fn start_piles(input: &QualityInput) -> BTreeMap<u16, Vec<Startophobning>> {
    let t = &input.taerskler.systemskifte;
    let mut out: BTreeMap<u16, Vec<Startophobning>> = BTreeMap::new();
    for (&(k, q), s) in input.starts {
        let andel = share(s.paa_datoen, s.i_kvartalet);
        if s.i_kvartalet >= u64::from(t.min_starter) && andel >= t.gul_mindst {
            out.entry(k).or_default().push(Startophobning {
                kvartal: q,
                dato: s.dato.to_string(),
                starter_paa_datoen: s.paa_datoen,
                starter_i_kvartalet: s.i_kvartalet,
                andel: round1(andel),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: u16 = 101;

    fn entry(maaned: &str, loebenummer: u16, raekker: u64, afviste: u64, voksne: u64, uden: u64) -> LogEntry {
        LogEntry {
            fil: format!("{K}_{maaned}_{loebenummer}.csv"),
            kommunekode: K,
            maaned: maaned.into(),
            loebenummer,
            sha256: format!("{maaned}-{loebenummer}"),
            status: if afviste == raekker { "afvist" } else { "godkendt" }.into(),
            raekker,
            accepterede: raekker - afviste,
            afviste,
            slettede: 0,
            maalgruppe_mangler: uden,
            voksenposter: format!(r#"{{"{K}": {{"i_alt": {voksne}, "uden_maalgruppe": {uden}}}}}"#),
            fund: "{}".into(),
            poster: String::new(),
        }
    }

    /// Every month of 2025 delivered once, clean, with `rows` records of adults.
    fn year(rows: u64) -> Vec<LogEntry> {
        (1..=12).map(|m| entry(&format!("2025-{m:02}"), 1, rows, 0, rows, 0)).collect()
    }

    /// The data-quality flags of municipality 101 for 2025 as `rule severity`, and its summary.
    fn check(log: &[LogEntry], starts: &Startdatoer) -> (Vec<String>, Datakvalitet) {
        let reference = Reference::embedded().unwrap();
        let q = |s: &str| s.parse::<Kvartal>().unwrap();
        let input = QualityInput {
            reference: &reference,
            taerskler: &reference.taerskler,
            year: 2025,
            window: Window { fra: q("2025K1"), til: q("2025K4") },
            log,
            starts,
        };
        let (dq, flags) = quality(&input, &[K]);
        let flags = flags.iter().map(|m| format!("{} {} {}", m.kvartal, m.regel.code(), m.alvor.code())).collect();
        (flags, dq[&K].clone())
    }

    fn no_cases() -> Startdatoer {
        Startdatoer::new()
    }

    #[test]
    fn rejected_records_at_and_just_below_each_threshold() {
        // 12 months × 1,000 records; 120 rejected = 1.00 % (not above 1 %), 121 = 1.01 %: yellow.
        let with = |afviste: u64| {
            let mut log = year(1000);
            log[0] = entry("2025-01", 1, 1000, afviste, 1000, 0);
            check(&log, &no_cases()).0
        };
        assert_eq!(with(120), Vec::<String>::new());
        assert_eq!(with(121), ["2025 afviste_poster gul"]);
        assert_eq!(with(600), ["2025 afviste_poster gul"], "5.00 % is not above 5 %");
        assert_eq!(with(601), ["2025 afviste_poster rød"]);
    }

    /// Before: a month delivered twice counted both deliveries; a corrected re-delivery left the
    /// first one's rejected records in the share (here 130 of 13,000 = 1.0 % → 130 of 12,000 = 1.08 %).
    #[test]
    fn a_re_delivered_month_counts_once_by_its_standing_delivery() {
        let mut log = year(1000);
        log.push(entry("2025-03", 2, 1000, 0, 1000, 0));
        log[2] = entry("2025-03", 1, 1000, 130, 1000, 0);
        let (flags, dq) = check(&log, &no_cases());
        assert_eq!(flags, Vec::<String>::new(), "the corrected March stands for March");
        assert_eq!((dq.leveringer, dq.poster, dq.afviste_poster), (13, 12_000, 0));

        // A re-delivery that is itself rejected does not replace the accepted one.
        let mut log = year(1000);
        log.push(entry("2025-03", 2, 1000, 1000, 0, 0));
        let (flags, dq) = check(&log, &no_cases());
        assert_eq!((flags, dq.poster, dq.afviste_leveringer), (Vec::<String>::new(), 12_000, 1));
    }

    #[test]
    fn missing_target_groups_at_and_just_below_each_threshold() {
        // Adult records of the year: 12 × 1,000; 600 without target group = 5.00 %, 601 = 5.01 %.
        let with = |uden: u64| {
            let mut log = year(1000);
            log[5] = entry("2025-06", 1, 1000, 0, 1000, uden);
            check(&log, &no_cases()).0
        };
        assert_eq!(with(600), Vec::<String>::new());
        assert_eq!(with(601), ["2025 manglende_maalgruppe gul"]);
        assert_eq!(with(1000), ["2025 manglende_maalgruppe gul"]);
        // 20 %: 2,400 of 12,000 across months; 2,401 is above.
        let spread = |extra: u64| {
            let mut log: Vec<LogEntry> =
                (1..=12).map(|m| entry(&format!("2025-{m:02}"), 1, 1000, 0, 1000, 200)).collect();
            log[0] = entry("2025-01", 1, 1000, 0, 1000, 200 + extra);
            check(&log, &no_cases()).0
        };
        assert_eq!(spread(0), ["2025 manglende_maalgruppe gul"]);
        assert_eq!(spread(1), ["2025 manglende_maalgruppe rød"]);
    }

    /// Before: the share was taken over the store's active cases, not the records delivered; a
    /// month of children's records (no target group by definition) does not dilute it now.
    #[test]
    fn the_target_group_share_is_of_adult_records_delivered() {
        let mut log = year(100);
        log[0] = entry("2025-01", 1, 100, 0, 100, 70);
        log[1] = entry("2025-02", 1, 5000, 0, 0, 0); // children only
        let (flags, dq) = check(&log, &no_cases());
        assert_eq!((dq.voksenposter, dq.voksenposter_uden_maalgruppe), (1100, 70));
        assert_eq!(dq.andel_uden_maalgruppe, 6.36);
        assert_eq!(flags, ["2025 manglende_maalgruppe gul"]);
    }

    /// The data-quality summaries of 2025 for `kommuner`, and their flags as `kommune rule severity`.
    fn of_year(
        reference: &Reference,
        log: &[LogEntry],
        kommuner: &[u16],
    ) -> (BTreeMap<u16, Datakvalitet>, Vec<String>) {
        let q = |s: &str| s.parse::<Kvartal>().unwrap();
        let starts = no_cases();
        let input = QualityInput {
            reference,
            taerskler: &reference.taerskler,
            year: 2025,
            window: Window { fra: q("2025K1"), til: q("2025K4") },
            log,
            starts: &starts,
        };
        let (dq, flags) = quality(&input, kommuner);
        (dq, flags.iter().map(|m| format!("{} {} {}", m.kommunekode, m.regel.code(), m.alvor.code())).collect())
    }

    /// Ishøj (183) delivers Vallensbæk's (187) records: each municipality gets its own share, not
    /// the reporter's (attributed to both, Ishøj's missing target groups were a false red for Vallensbæk).
    #[test]
    fn a_municipality_reported_for_by_another_gets_its_own_target_group_share() {
        let reference = Reference::embedded().unwrap();
        let log: Vec<LogEntry> = (1..=12)
            .map(|m| {
                let mut e = entry(&format!("2025-{m:02}"), 1, 200, 0, 0, 0);
                e.kommunekode = 183;
                e.voksenposter =
                    r#"{"183": {"i_alt": 100, "uden_maalgruppe": 50}, "187": {"i_alt": 100, "uden_maalgruppe": 0}}"#
                        .into();
                e
            })
            .collect();
        let (dq, got) = of_year(&reference, &log, &[183, 187]);
        assert_eq!(got, ["183 manglende_maalgruppe rød"]);
        assert_eq!((dq[&187].andel_uden_maalgruppe, dq[&187].indberettes_af), (0.0, Some(183)));
    }

    /// Tårnby (185) delivers Dragør's (155) records. Before, Dragør was given Tårnby's rejected-records
    /// share ("6,0 % (33 af 546)") though the rejected records were Tårnby's own.
    #[test]
    fn a_municipality_delivered_by_another_is_judged_by_its_own_records() {
        let reference = Reference::embedded().unwrap();
        let log: Vec<LogEntry> = (1..=12)
            .map(|m| {
                let mut e = entry(&format!("2025-{m:02}"), 1, 546, 33, 0, 0);
                e.kommunekode = 185;
                e.poster = r#"{"155": {"poster": 46, "afviste": 0}, "185": {"poster": 500, "afviste": 33}}"#.into();
                e
            })
            .collect();
        let (dq, got) = of_year(&reference, &log, &[155, 185]);
        assert_eq!(got, ["185 afviste_poster rød"]);
        assert_eq!((dq[&155].poster, dq[&155].afviste_poster, dq[&155].indberettes_af), (46 * 12, 0, Some(185)));
        assert_eq!((dq[&185].poster, dq[&185].afviste_poster), (500 * 12, 33 * 12));
    }

    #[test]
    fn a_missing_month_is_red_for_its_quarter() {
        let mut log = year(10);
        assert_eq!(check(&log, &no_cases()).0, Vec::<String>::new());
        log.retain(|e| e.maaned != "2025-05");
        let (flags, dq) = check(&log, &no_cases());
        assert_eq!(flags, ["2025K2 manglende_levering rød"]);
        assert_eq!(dq.manglende_maaneder, ["2025-05"]);
        // A rejected delivery is no delivery (and, standing alone for August, its 10 of 120 records
        // are rejected records of the year).
        let mut log = year(10);
        log[7] = entry("2025-08", 1, 10, 10, 0, 0);
        assert_eq!(check(&log, &no_cases()).0, ["2025K3 manglende_levering rød", "2025 afviste_poster rød"]);
    }

    /// Starts of 2025K2 for municipality 101: `on_one_day` on 2025-04-01, the rest on other days.
    fn starts(total: u64, on_one_day: u64) -> Startdatoer {
        let dato = chrono::NaiveDate::from_ymd_opt(2025, 4, 1).unwrap();
        let s = godkend_model::counts::Starter { i_kvartalet: total, dato, paa_datoen: on_one_day };
        Startdatoer::from([((K, "2025K2".parse().unwrap()), s)])
    }

    #[test]
    fn start_dates_piled_on_one_day_at_and_just_below_the_threshold() {
        let log = year(10);
        // 6 of 20 = 30 %: yellow; 5 of 17 = 29.4 %: nothing.
        assert_eq!(check(&log, &starts(20, 6)).0, ["2025K2 systemskifte gul"]);
        assert_eq!(check(&log, &starts(17, 5)).0, Vec::<String>::new());
        // Fewer starts than `min_starter` (10) say nothing, even all on one day.
        assert_eq!(check(&log, &starts(9, 9)).0, Vec::<String>::new());
        assert_eq!(check(&log, &starts(10, 10)).0, ["2025K2 systemskifte gul"]);
    }
}
