//! Thresholds of the flag rules (docs/markeringer.md), read from the versioned `taerskler.toml`.

use serde::Deserialize;

/// A relative-and-absolute threshold: both must be reached.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Graense {
    pub procent: f64,
    pub personer: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GulRoed {
    pub gul: Graense,
    pub roed: Graense,
}

#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Andel {
    pub gul_over: f64,
    pub roed_over: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaldTilNul {
    pub fra_mindst: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StigningFraNul {
    pub til_mindst: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HidiroglouBerthelot {
    pub u: f64,
    pub a: f64,
    pub gul_c: f64,
    pub roed_c: f64,
    pub min_enheder: usize,
    /// A unit whose change is fewer persons than this is never flagged (docs/markeringer.md).
    pub personer: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManglendeLevering {
    pub roed: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Systemskifte {
    pub gul_mindst: f64,
    pub min_starter: u32,
}

/// The "never reported" hint: an adult service a municipality has no recipients of all year although
/// most municipalities report it.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AldrigIndberettet {
    /// Share of the municipalities with adult recipients that report the service, percent.
    pub andel_kommuner: f64,
    /// At least this many municipalities with adult recipients to compare with.
    pub min_kommuner: usize,
    /// Recipients per quarter the municipality's size leads one to expect, at least.
    pub min_forventede: f64,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Taerskler {
    pub version: String,
    pub kvartal_til_kvartal: GulRoed,
    pub aar_til_aar: GulRoed,
    pub fald_til_nul: FaldTilNul,
    pub stigning_fra_nul: StigningFraNul,
    pub hidiroglou_berthelot: HidiroglouBerthelot,
    pub manglende_levering: ManglendeLevering,
    pub manglende_maalgruppe: Andel,
    pub afviste_poster: Andel,
    pub systemskifte: Systemskifte,
    pub revision: GulRoed,
    pub aldrig_indberettet: AldrigIndberettet,
}

impl Taerskler {
    pub fn parse(text: &str) -> Result<Taerskler, toml::de::Error> {
        toml::from_str(text)
    }

    /// Cross-checks the numbers: yellow fires before red, percentages and shares lie in their range,
    /// the HB constants are usable. The error names the key (`aar_til_aar.gul`) and what is wrong.
    pub fn check(&self) -> Result<(), (String, String)> {
        let fail = |key: &str, message: String| Err((key.to_string(), message));
        for (name, g) in [
            ("kvartal_til_kvartal", &self.kvartal_til_kvartal),
            ("aar_til_aar", &self.aar_til_aar),
            ("revision", &self.revision),
        ] {
            for (level, t) in [("gul", g.gul), ("roed", g.roed)] {
                if !(t.procent > 0.0 && t.procent <= 1000.0) {
                    return fail(&format!("{name}.{level}"), format!("procent {} ligger ikke i (0, 1000]", t.procent));
                }
                if t.personer == 0 {
                    return fail(&format!("{name}.{level}"), "personer skal være mindst 1".into());
                }
            }
            if g.gul.procent > g.roed.procent || g.gul.personer > g.roed.personer {
                return fail(
                    &format!("{name}.gul"),
                    format!(
                        "gul ({} %, {} personer) må ikke ligge over rød ({} %, {} personer)",
                        g.gul.procent, g.gul.personer, g.roed.procent, g.roed.personer
                    ),
                );
            }
        }
        for (name, a) in
            [("manglende_maalgruppe", &self.manglende_maalgruppe), ("afviste_poster", &self.afviste_poster)]
        {
            for (level, v) in [("gul_over", a.gul_over), ("roed_over", a.roed_over)] {
                if !(0.0..100.0).contains(&v) {
                    return fail(&format!("{name}.{level}"), format!("{v} er ikke en andel i [0, 100)"));
                }
            }
            if a.gul_over > a.roed_over {
                return fail(
                    &format!("{name}.gul_over"),
                    format!("gul over {} % må ikke ligge over rød over {} %", a.gul_over, a.roed_over),
                );
            }
        }
        let hb = &self.hidiroglou_berthelot;
        if !(hb.u >= 0.0 && hb.u <= 1.0) {
            return fail("hidiroglou_berthelot.u", format!("{} ligger ikke i [0, 1]", hb.u));
        }
        if !(hb.a > 0.0 && hb.a < 1.0) {
            return fail("hidiroglou_berthelot.a", format!("{} ligger ikke i (0, 1)", hb.a));
        }
        if !(hb.gul_c > 0.0 && hb.gul_c <= hb.roed_c) {
            return fail(
                "hidiroglou_berthelot.gul_c",
                format!("gul_c {} skal være > 0 og ≤ roed_c {}", hb.gul_c, hb.roed_c),
            );
        }
        if hb.min_enheder < 4 {
            return fail("hidiroglou_berthelot.min_enheder", "kvartiler kræver mindst 4 enheder".into());
        }
        if !(self.systemskifte.gul_mindst > 0.0 && self.systemskifte.gul_mindst <= 100.0) {
            return fail(
                "systemskifte.gul_mindst",
                format!("{} er ikke en andel i (0, 100]", self.systemskifte.gul_mindst),
            );
        }
        let ai = &self.aldrig_indberettet;
        if !(ai.andel_kommuner > 0.0 && ai.andel_kommuner <= 100.0) {
            return fail(
                "aldrig_indberettet.andel_kommuner",
                format!("{} er ikke en andel i (0, 100]", ai.andel_kommuner),
            );
        }
        if ai.min_kommuner < 2 || ai.min_forventede.is_nan() || ai.min_forventede <= 0.0 {
            return fail(
                "aldrig_indberettet.min_kommuner",
                "kræver mindst 2 kommuner at sammenligne med og min_forventede over 0".into(),
            );
        }
        if self.fald_til_nul.fra_mindst == 0 || self.stigning_fra_nul.til_mindst == 0 {
            return fail("fald_til_nul.fra_mindst", "en ændring fra eller til 0 kræver mindst 1 person".into());
        }
        Ok(())
    }
}
