//! Thresholds of the flag rules (DESIGN § 6), read from the versioned `taerskler.toml`.

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
    /// A unit whose change is fewer persons than this is never flagged (DESIGN § 6).
    #[serde(default = "fem")]
    pub personer: u32,
}

fn fem() -> u32 {
    5
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
}

impl Taerskler {
    pub fn parse(text: &str) -> Result<Taerskler, toml::de::Error> {
        toml::from_str(text)
    }
}
