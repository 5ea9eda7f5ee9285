//! The audit log: who did what, when, to what, old → new. Rows are only ever added (the schema's
//! triggers refuse UPDATE and DELETE); every write of the dialogue store adds its row in the same
//! transaction as the write.

use crate::{Dialog, Result, nu};
use rusqlite::{Transaction, params};

/// One row of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Revisionspost {
    pub id: i64,
    pub tid: String,
    /// The user's e-mail address (or `system` for the command line).
    pub bruger: String,
    pub kommune: Option<u16>,
    /// `kommentar`, `besked`, `godkendelse`, `login`, `login_afvist` …
    pub handling: String,
    pub objekt: String,
    pub foer: String,
    pub efter: String,
}

pub(crate) struct Post<'a> {
    pub bruger: &'a str,
    pub kommune: Option<u16>,
    pub handling: &'a str,
    pub objekt: &'a str,
    pub foer: &'a str,
    pub efter: &'a str,
}

pub(crate) fn add(tx: &Transaction, p: Post) -> Result<()> {
    tx.execute(
        "INSERT INTO revision (tid, bruger, kommune, handling, objekt, foer, efter) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![nu(), p.bruger, p.kommune, p.handling, p.objekt, p.foer, p.efter],
    )?;
    Ok(())
}

impl Dialog {
    /// The audit log, newest first: one municipality's rows, or every row (`None`).
    pub fn revision(&self, kommune: Option<u16>, limit: usize) -> Result<Vec<Revisionspost>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, tid, bruger, kommune, handling, objekt, foer, efter FROM revision
             WHERE (?1 IS NULL OR kommune = ?1) ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![kommune, limit as i64], |r| {
            Ok(Revisionspost {
                id: r.get(0)?,
                tid: r.get(1)?,
                bruger: r.get(2)?,
                kommune: r.get(3)?,
                handling: r.get(4)?,
                objekt: r.get(5)?,
                foer: r.get(6)?,
                efter: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Adds one row per changed field of something stored elsewhere (a correction of a case in the case
    /// store): `(field, old, new)`, with the reason in the object.
    pub fn log_changes(
        &self,
        bruger: &str,
        kommune: Option<u16>,
        handling: &str,
        objekt: &str,
        changes: &[(String, String, String)],
    ) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for (felt, foer, efter) in changes {
            add(&tx, Post { bruger, kommune, handling, objekt: &format!("{objekt} {felt}"), foer, efter })?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Adds a row for something that changed nothing else in the store (a failed login).
    pub fn log(&self, bruger: &str, kommune: Option<u16>, handling: &str, objekt: &str) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        add(&tx, Post { bruger, kommune, handling, objekt, foer: "", efter: "" })?;
        tx.commit()?;
        Ok(())
    }
}
