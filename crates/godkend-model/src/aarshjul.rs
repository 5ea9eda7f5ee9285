//! DST's annual cycle (årshjul): per report year, when the year's data must be in, when the approval
//! reports go out, the deadline for comments and approval, when the status letter is sent and the new
//! deadline it gives.
//! Read from `reference-data/aarshjul.csv`; each row names its source.

use chrono::NaiveDate;

/// The deadlines of the approval round for one report year (all in the following year).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frister {
    pub rapportaar: i32,
    /// All data up to and including the year's fourth quarter delivered.
    pub data_indberettet: NaiveDate,
    /// The approval reports go out: the date every report and the status overview carry.
    pub rapport_udsendt: NaiveDate,
    /// Deadline for comments and approval.
    pub godkendelse: NaiveDate,
    /// The letter on approval status to the municipal directors.
    pub statusbrev: NaiveDate,
    /// The new deadline the letter gives a municipality that has not approved.
    pub ny_frist: NaiveDate,
}

impl Frister {
    /// What is wrong with the row, if anything: every date in the year after the report year, in the
    /// order of the cycle.
    pub fn check(&self) -> Result<(), String> {
        let dates = [
            ("data_indberettet", self.data_indberettet),
            ("rapport_udsendt", self.rapport_udsendt),
            ("godkendelse", self.godkendelse),
            ("statusbrev", self.statusbrev),
            ("ny_frist", self.ny_frist),
        ];
        for (name, d) in dates {
            if chrono::Datelike::year(&d) != self.rapportaar + 1 {
                return Err(format!("{name} {d} ligger ikke i {}, året efter rapportåret", self.rapportaar + 1));
            }
        }
        for pair in dates.windows(2) {
            if pair[0].1 >= pair[1].1 {
                return Err(format!("{} {} ligger ikke før {} {}", pair[0].0, pair[0].1, pair[1].0, pair[1].1));
            }
        }
        Ok(())
    }
}
