//! The dialogue itself: comments on flags (every version kept), DST's review of a comment, message
//! threads between a municipality and DST (on one flag or in general), and approvals. Each write adds
//! its audit row in the same transaction.

use crate::revision::{self, Post};
use crate::{Bruger, Dialog, Error, Result, Rolle, nu};
use godkend_model::tekst::renset;
use godkend_round::comments::Kommentar;
use godkend_round::godkendelser::Godkendelse;
use rusqlite::{OptionalExtension, params};
use std::collections::BTreeMap;

/// The longest comment or message the portal takes, in characters.
pub const MAX_TEKST: usize = 4_000;

/// The flag a comment answers: its id and its place, as the report names it.
#[derive(Clone, Debug)]
pub struct Flagsted<'a> {
    pub id: &'a str,
    pub ydelse: &'a str,
    pub kvartal: &'a str,
    pub regel: &'a str,
}

/// One version of a comment.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Kommentarversion {
    pub id: i64,
    pub markering: String,
    pub tekst: String,
    pub af: String,
    pub tid: String,
    /// DST's newest review of this version.
    pub vurdering: Option<Vurdering>,
}

/// DST's review of a comment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Vurdering {
    /// The explanation is accepted.
    Accepteret,
    /// DST asks the municipality to explain further.
    Uddyb,
}

impl Vurdering {
    pub fn code(self) -> &'static str {
        match self {
            Vurdering::Accepteret => "accepteret",
            Vurdering::Uddyb => "uddyb",
        }
    }

    pub fn parse(s: &str) -> Option<Vurdering> {
        match s {
            "accepteret" => Some(Vurdering::Accepteret),
            "uddyb" => Some(Vurdering::Uddyb),
            _ => None,
        }
    }

    pub fn navn(self) -> &'static str {
        match self {
            Vurdering::Accepteret => "accepteret af Danmarks Statistik",
            Vurdering::Uddyb => "Danmarks Statistik beder om en uddybning",
        }
    }
}

/// One message of a thread.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Besked {
    pub id: i64,
    /// The flag the thread is about; `None` for the municipality's general thread.
    pub markering: Option<String>,
    pub tekst: String,
    pub af: String,
    pub fra_dst: bool,
    pub tid: String,
}

/// A text a user typed, as the store keeps it: control characters dropped, CPR-shaped numbers masked,
/// not empty and not longer than [`MAX_TEKST`].
fn cleaned(text: &str, what: &str) -> Result<String> {
    let text = renset(text.trim());
    if text.is_empty() {
        return Err(Error::Afvist(format!("{what} er tom")));
    }
    let n = text.chars().count();
    if n > MAX_TEKST {
        return Err(Error::Afvist(format!(
            "{what} er {} tegn; højst {} tegn",
            godkend_model::talformat::tal(n as f64, 0),
            godkend_model::talformat::tal(MAX_TEKST as f64, 0)
        )));
    }
    Ok(text)
}

fn writer(by: &Bruger, kommune: u16) -> Result<()> {
    if !by.rolle.may_write() || !by.sees(kommune) {
        return Err(Error::Afvist("din rolle må ikke skrive her".into()));
    }
    Ok(())
}

impl Dialog {
    /// Adds a version of the comment on `flag`.
    pub fn comment(
        &self,
        aar: i32,
        kommune: u16,
        flag: &Flagsted,
        text: &str,
        by: &Bruger,
    ) -> Result<Kommentarversion> {
        writer(by, kommune)?;
        let text = cleaned(text, "kommentaren")?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let old: Option<String> = tx
            .query_row(
                "SELECT tekst FROM kommentar WHERE aar = ?1 AND kommune = ?2 AND markering = ?3 ORDER BY id DESC LIMIT 1",
                params![aar, kommune, flag.id],
                |r| r.get(0),
            )
            .optional()?;
        let tid = nu();
        tx.execute(
            "INSERT INTO kommentar (aar, kommune, markering, ydelse, kvartal, regel, tekst, bruger, tid)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![aar, kommune, flag.id, flag.ydelse, flag.kvartal, flag.regel, text, by.id, tid],
        )?;
        let id = tx.last_insert_rowid();
        revision::add(
            &tx,
            Post {
                bruger: &by.email,
                kommune: Some(kommune),
                handling: "kommentar",
                objekt: flag.id,
                foer: old.as_deref().unwrap_or(""),
                efter: &text,
            },
        )?;
        tx.commit()?;
        Ok(Kommentarversion {
            id,
            markering: flag.id.to_string(),
            tekst: text,
            af: by.email.clone(),
            tid,
            vurdering: None,
        })
    }

    /// Every version of the comment on a flag, oldest first.
    pub fn comment_history(&self, aar: i32, kommune: u16, flag: &str) -> Result<Vec<Kommentarversion>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT k.id, k.markering, k.tekst, b.email, k.tid,
                    (SELECT v.vurdering FROM vurdering v WHERE v.kommentar = k.id ORDER BY v.id DESC LIMIT 1)
             FROM kommentar k JOIN bruger b ON b.id = k.bruger
             WHERE k.aar = ?1 AND k.kommune = ?2 AND k.markering = ?3 ORDER BY k.id",
        )?;
        let rows = stmt.query_map(params![aar, kommune, flag], |r| {
            let v: Option<String> = r.get(5)?;
            Ok(Kommentarversion {
                id: r.get(0)?,
                markering: r.get(1)?,
                tekst: r.get(2)?,
                af: r.get(3)?,
                tid: r.get(4)?,
                vurdering: v.as_deref().and_then(Vurdering::parse),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The newest comment on each flag, as the round reads comments (one municipality, or all).
    pub fn latest_comments(&self, aar: i32, kommune: Option<u16>) -> Result<Vec<Kommentar>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT k.id, k.kommune, k.markering, k.ydelse, k.kvartal, k.regel, k.tekst FROM kommentar k
             WHERE k.aar = ?1 AND (?2 IS NULL OR k.kommune = ?2)
               AND k.id = (SELECT max(id) FROM kommentar x WHERE x.aar = k.aar AND x.kommune = k.kommune AND x.markering = k.markering)
             ORDER BY k.kommune, k.id",
        )?;
        let rows = stmt.query_map(params![aar, kommune], |r| {
            Ok(Kommentar {
                id: Some(r.get(2)?),
                kommunekode: r.get(1)?,
                ydelse: r.get(3)?,
                kvartal: r.get(4)?,
                regel: r.get(5)?,
                kommentar: r.get(6)?,
                fil: "portalen".into(),
                linje: r.get::<_, i64>(0)? as usize,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The marks whose newest comment DST has asked the municipality to explain further (`uddyb`), and
    /// which have no newer comment since.
    pub fn asked_again(&self, aar: i32, kommune: u16) -> Result<Vec<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT k.markering FROM kommentar k
             WHERE k.aar = ?1 AND k.kommune = ?2
               AND k.id = (SELECT max(id) FROM kommentar x WHERE x.aar = k.aar AND x.kommune = k.kommune AND x.markering = k.markering)
               AND (SELECT v.vurdering FROM vurdering v WHERE v.kommentar = k.id ORDER BY v.id DESC LIMIT 1) = 'uddyb'
             ORDER BY k.markering",
        )?;
        let rows = stmt.query_map(params![aar, kommune], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// DST's review of comment version `kommentar` of municipality `kommune`; `None` when there is no
    /// such comment there.
    pub fn review(
        &self,
        aar: i32,
        kommune: u16,
        kommentar: i64,
        vurdering: Vurdering,
        by: &Bruger,
    ) -> Result<Option<()>> {
        if by.rolle != Rolle::Dst {
            return Err(Error::Afvist("kun Danmarks Statistik vurderer kommentarer".into()));
        }
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let flag: Option<String> = tx
            .query_row(
                "SELECT markering FROM kommentar WHERE id = ?1 AND aar = ?2 AND kommune = ?3",
                params![kommentar, aar, kommune],
                |r| r.get(0),
            )
            .optional()?;
        let Some(flag) = flag else {
            return Ok(None);
        };
        let old: Option<String> = tx
            .query_row(
                "SELECT vurdering FROM vurdering WHERE kommentar = ?1 ORDER BY id DESC LIMIT 1",
                [kommentar],
                |r| r.get(0),
            )
            .optional()?;
        tx.execute(
            "INSERT INTO vurdering (kommentar, vurdering, bruger, tid) VALUES (?1, ?2, ?3, ?4)",
            params![kommentar, vurdering.code(), by.id, nu()],
        )?;
        revision::add(
            &tx,
            Post {
                bruger: &by.email,
                kommune: Some(kommune),
                handling: "vurdering",
                objekt: &flag,
                foer: old.as_deref().unwrap_or(""),
                efter: vurdering.code(),
            },
        )?;
        tx.commit()?;
        Ok(Some(()))
    }

    /// Adds a message to a thread (`flag`: the thread of one flag; `None`: the general thread).
    pub fn message(&self, aar: i32, kommune: u16, flag: Option<&str>, text: &str, by: &Bruger) -> Result<Besked> {
        writer(by, kommune)?;
        let text = cleaned(text, "beskeden")?;
        let fra_dst = by.rolle == Rolle::Dst;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let tid = nu();
        tx.execute(
            "INSERT INTO besked (aar, kommune, markering, tekst, bruger, fra_dst, tid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![aar, kommune, flag, text, by.id, fra_dst, tid],
        )?;
        let id = tx.last_insert_rowid();
        revision::add(
            &tx,
            Post {
                bruger: &by.email,
                kommune: Some(kommune),
                handling: "besked",
                objekt: flag.unwrap_or("generelt"),
                foer: "",
                efter: &text,
            },
        )?;
        tx.commit()?;
        Ok(Besked { id, markering: flag.map(str::to_string), tekst: text, af: by.email.clone(), fra_dst, tid })
    }

    /// A municipality's messages, oldest first: every thread (`None`), or one flag's thread.
    pub fn messages(&self, aar: i32, kommune: u16, flag: Option<&str>) -> Result<Vec<Besked>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT m.id, m.markering, m.tekst, b.email, m.fra_dst, m.tid FROM besked m JOIN bruger b ON b.id = m.bruger
             WHERE m.aar = ?1 AND m.kommune = ?2 AND (?3 IS NULL OR m.markering = ?3) ORDER BY m.id",
        )?;
        let rows = stmt.query_map(params![aar, kommune, flag], |r| {
            Ok(Besked {
                id: r.get(0)?,
                markering: r.get(1)?,
                tekst: r.get(2)?,
                af: r.get(3)?,
                fra_dst: r.get::<_, i64>(4)? != 0,
                tid: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Records the municipality's approval of its data for `aar`: today's date, and who.
    pub fn approve(&self, aar: i32, kommune: u16, godkendt_af: &str, by: &Bruger) -> Result<Godkendelse> {
        if !by.rolle.may_approve() || !by.sees(kommune) {
            return Err(Error::Afvist("kun en godkender fra kommunen eller Danmarks Statistik kan godkende".into()));
        }
        let godkendt_af = cleaned(godkendt_af, "navnet på den, der godkender,")?;
        let dato = chrono::Utc::now().format("%Y-%m-%d").to_string();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let old: Option<String> = tx
            .query_row(
                "SELECT dato || ' ' || godkendt_af FROM godkendelse WHERE aar = ?1 AND kommune = ?2 ORDER BY id DESC LIMIT 1",
                params![aar, kommune],
                |r| r.get(0),
            )
            .optional()?;
        tx.execute(
            "INSERT INTO godkendelse (aar, kommune, godkendt_af, dato, bruger, tid) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![aar, kommune, godkendt_af, dato, by.id, nu()],
        )?;
        revision::add(
            &tx,
            Post {
                bruger: &by.email,
                kommune: Some(kommune),
                handling: "godkendelse",
                objekt: &aar.to_string(),
                foer: old.as_deref().unwrap_or(""),
                efter: &format!("{dato} {godkendt_af}"),
            },
        )?;
        tx.commit()?;
        Ok(Godkendelse { dato, godkendt_af })
    }

    /// The municipality's latest approval of `aar` as its receipt shows it: the approval, the user who
    /// recorded it and when.
    pub fn approval_receipt(&self, aar: i32, kommune: u16) -> Result<Option<(Godkendelse, String, String)>> {
        let conn = self.conn();
        Ok(conn
            .query_row(
                "SELECT g.dato, g.godkendt_af, b.email, g.tid FROM godkendelse g JOIN bruger b ON b.id = g.bruger
                 WHERE g.aar = ?1 AND g.kommune = ?2 ORDER BY g.id DESC LIMIT 1",
                params![aar, kommune],
                |r| Ok((Godkendelse { dato: r.get(0)?, godkendt_af: r.get(1)? }, r.get(2)?, r.get(3)?)),
            )
            .optional()?)
    }

    /// Each municipality's latest approval of `aar`.
    pub fn approvals(&self, aar: i32) -> Result<BTreeMap<u16, Godkendelse>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT kommune, dato, godkendt_af FROM godkendelse WHERE aar = ?1 ORDER BY id")?;
        let mut out = BTreeMap::new();
        for row in
            stmt.query_map([aar], |r| Ok((r.get::<_, u16>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?
        {
            let (k, dato, godkendt_af) = row?;
            godkend_round::godkendelser::keep_latest(&mut out, k, Godkendelse { dato, godkendt_af });
        }
        Ok(out)
    }

    /// Everything the round reads from the dialogue store for `aar`.
    pub fn svar(&self, aar: i32) -> Result<godkend_round::Dialogsvar> {
        Ok(godkend_round::Dialogsvar {
            kommentarer: self.latest_comments(aar, None)?,
            godkendelser: self.approvals(aar)?,
        })
    }
}
