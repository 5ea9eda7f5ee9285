//! Validation findings (fund): every code a receipt can carry, with its severity and Danish text.
//!
//! Severities follow the statistics offices' convention: `fatal` rejects the whole delivery, `fejl`
//! rejects the record, `advarsel` keeps the record and reports it, `info` is for the record.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Alvor {
    Fatal,
    Fejl,
    Advarsel,
    Info,
}

impl Alvor {
    pub fn code(self) -> &'static str {
        match self {
            Alvor::Fatal => "fatal",
            Alvor::Fejl => "fejl",
            Alvor::Advarsel => "advarsel",
            Alvor::Info => "info",
        }
    }
}

macro_rules! fund_koder {
    ($($variant:ident = $code:literal, $alvor:ident, $text:literal;)*) => {
        /// A finding code. The string form (`cpr_ugyldig`) is what receipts, ground truth and reports use.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum FundKode { $($variant),* }

        impl FundKode {
            pub const ALL: &'static [FundKode] = &[$(FundKode::$variant),*];

            pub fn code(self) -> &'static str {
                match self { $(FundKode::$variant => $code),* }
            }

            pub fn alvor(self) -> Alvor {
                match self { $(FundKode::$variant => Alvor::$alvor),* }
            }

            /// One Danish line saying what the finding means.
            pub fn beskrivelse(self) -> &'static str {
                match self { $(FundKode::$variant => $text),* }
            }

            pub fn parse(s: &str) -> Option<FundKode> {
                match s { $($code => Some(FundKode::$variant),)* _ => None }
            }
        }
    };
}

fund_koder! {
    // Whole delivery.
    FilUlaeselig = "fil_ulaeselig", Fatal, "Filen kan ikke læses";
    FilnavnUgyldigt = "filnavn_ugyldigt", Fatal, "Filnavnet følger ikke formen <kommunekode>_<ÅÅÅÅ-MM>[_N].csv (N fra 2 til 99)";
    MaanedIFremtiden = "maaned_i_fremtiden", Fatal, "Leveringsmåneden i filnavnet ligger efter indlæsningsmåneden";
    LeveringForStor = "levering_for_stor", Fatal, "Leveringen har flere rækker eller bytes, end en måneds levering kan have";
    IkkeUtf8 = "ikke_utf8", Fatal, "Filen er ikke UTF-8";
    TomFil = "tom_fil", Fatal, "Filen er tom";
    KunOverskrift = "kun_overskrift", Fatal, "Filen har kun en overskriftslinje og ingen poster";
    ForkertSeparator = "forkert_separator", Fatal, "Kolonnerne er ikke adskilt med semikolon";
    KolonneMangler = "kolonne_mangler", Fatal, "En påkrævet kolonne mangler";
    KolonneDublet = "kolonne_dublet", Fatal, "En kolonne findes to gange";
    UjaevnRaekke = "ujaevn_raekke", Fatal, "En linje har et andet antal felter end overskriften";
    FeltForLangt = "felt_for_langt", Fatal, "Et felt er urimeligt langt";
    KommuneUkendt = "kommune_ukendt", Fatal, "Kommunekoden findes ikke i referencedata";
    ForkertKommune = "forkert_kommune", Fatal, "Posterne tilhører en anden kommune end filnavnet angiver";
    ForkertMaaned = "forkert_maaned", Fatal, "Hovedparten af posterne starter efter den måned, filnavnet angiver";
    // One record, rejected.
    CprUgyldig = "cpr_ugyldig", Fejl, "CPR-nummeret er ugyldigt (ikke 10 cifre eller ingen gyldig dato)";
    IdMangler = "id_mangler", Fejl, "Hverken CPR-nummer eller fuldt alternativt id (udlændingenummer, fødselsdato, køn)";
    IdUgyldigt = "id_ugyldigt", Fejl, "Fødselsdato eller køn i det alternative id er ugyldigt";
    SagsidUgyldigt = "sagsid_ugyldigt", Fejl, "Sagsid mangler eller er længere end 64 tegn";
    SagsidCpr = "sagsid_cpr", Fejl, "Sagsid indeholder et tal, der ligner et CPR-nummer (sagsid må aldrig bære et CPR-nummer)";
    SagsidDublet = "sagsid_dublet", Fejl, "Samme sagsid forekommer flere gange i leveringen (kun første medtages)";
    YdelseUkendt = "ydelse_ukendt", Fejl, "Ydelseskoden findes ikke i referencedata";
    YdelseUgyldigPeriode = "ydelse_ugyldig_periode", Fejl, "Ydelseskoden gælder ikke på startdatoen";
    DatoUgyldig = "dato_ugyldig", Fejl, "Startdato mangler, eller en dato kan ikke læses (ÅÅÅÅ-MM-DD)";
    StartEfterSlut = "start_efter_slut", Fejl, "Startdato ligger efter slutdato";
    StartFoer2013 = "start_foer_2013", Fejl, "Startdato ligger før 1. oktober 2013";
    StartEfterLevering = "start_efter_levering", Fejl, "Startdato ligger efter leveringsmåneden";
    AlderUdenforRegister = "alder_udenfor_register", Fejl, "Alderen ved start passer ikke til ydelsen (børn: under 18 år; § 45/§ 89: 12-17 år)";
    MaalgruppeUkendt = "maalgruppe_ukendt", Fejl, "Målgruppekoden findes ikke i referencedata";
    SlettetUgyldig = "slettet_ugyldig", Fejl, "Feltet slettet skal være tomt, 0 eller 1";
    // One record, kept.
    MaalgruppeMangler = "maalgruppe_mangler", Advarsel, "Målgruppe mangler for en ydelse til voksne";
    Overlap = "overlap", Advarsel, "Perioden overlapper en anden sag for samme borger og ydelse (tælles én gang)";
    // For the record.
    KolonneUkendt = "kolonne_ukendt", Info, "En ukendt kolonne ignoreres";
}

impl fmt::Display for FundKode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl serde::Serialize for FundKode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> serde::Deserialize<'de> for FundKode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<FundKode, D::Error> {
        let s = String::deserialize(d)?;
        FundKode::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown finding code `{s}`")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for k in FundKode::ALL {
            assert_eq!(FundKode::parse(k.code()), Some(*k));
            assert!(seen.insert(k.code()), "{k} twice");
        }
        assert_eq!(FundKode::MaalgruppeMangler.alvor(), Alvor::Advarsel);
        assert_eq!(FundKode::ForkertKommune.alvor(), Alvor::Fatal);
    }
}
