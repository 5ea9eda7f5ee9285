//! One delivery line as the simulation produces it (contract column order, text as a vendor would
//! write it), what validation must say about it, and how a municipality's vendor formats its files.

use chrono::NaiveDate;
use godkend_model::FundKode;

/// What validation must say about a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    Clean,
    Warn(FundKode),
    Reject(FundKode),
    Delete,
}

/// One delivery line, in the contract's column order.
#[derive(Clone, Debug)]
pub struct Line {
    pub kommunekode: String,
    pub sagsid: String,
    pub cpr: String,
    pub udlaendingenr: String,
    pub foedselsdato: String,
    pub koen: String,
    pub ydelse: String,
    pub maalgruppe: String,
    pub startdato: String,
    pub slutdato: String,
    pub slettet: String,
    pub expect: Expect,
}

pub const HEADER: [&str; 11] = [
    "kommunekode",
    "sagsid",
    "cpr",
    "udlaendingenr",
    "foedselsdato",
    "koen",
    "ydelse",
    "maalgruppe",
    "startdato",
    "slutdato",
    "slettet",
];

impl Line {
    pub fn fields(&self) -> [&str; 11] {
        [
            &self.kommunekode,
            &self.sagsid,
            &self.cpr,
            &self.udlaendingenr,
            &self.foedselsdato,
            &self.koen,
            &self.ydelse,
            &self.maalgruppe,
            &self.startdato,
            &self.slutdato,
            &self.slettet,
        ]
    }
}

/// How a municipality writes its files (vendors differ; all of it is valid).
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub danish_dates: bool,
    pub cpr_dash: bool,
    pub parquet: bool,
}

impl Style {
    pub fn of(index: usize) -> Style {
        Style { danish_dates: index % 7 == 3, cpr_dash: index % 5 == 2, parquet: index % 9 == 4 }
    }

    pub fn date(&self, d: NaiveDate) -> String {
        if self.danish_dates { d.format("%d-%m-%Y").to_string() } else { d.format("%Y-%m-%d").to_string() }
    }
}
