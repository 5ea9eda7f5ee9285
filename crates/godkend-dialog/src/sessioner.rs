//! Sessions: a random 256-bit token in the user's cookie, kept here only as its hash, with the CSRF
//! token every form of the session carries. A session ends after [`IDLE_MINUTTER`] without use,
//! after [`MAX_TIMER`] in all, at logout, and when its account is blocked or changes password.

use crate::hemmelighed::{hashed, same, token};
use crate::revision::{self, Post};
use crate::{Bruger, Dialog, Result, nu};
use rusqlite::{OptionalExtension, params};

pub const IDLE_MINUTTER: i64 = 30;
pub const MAX_TIMER: i64 = 12;

/// A live session.
#[derive(Clone, Debug)]
pub struct Session {
    pub bruger: Bruger,
    /// The CSRF token the session's forms carry.
    pub csrf: String,
}

impl Session {
    pub fn csrf_matches(&self, given: &str) -> bool {
        same(&self.csrf, given)
    }
}

fn ago(minutes: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::minutes(minutes)).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl Dialog {
    /// Starts a session for `user`; returns the token for the cookie.
    pub fn new_session(&self, user: &Bruger, address: &str) -> Result<(String, Session)> {
        let secret = token();
        let csrf = token();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO session (token, bruger, csrf, oprettet, sidst_brugt) VALUES (?1, ?2, ?3, ?4, ?4)",
            params![hashed(&secret), user.id, csrf, nu()],
        )?;
        revision::add(
            &tx,
            Post {
                bruger: &user.email,
                kommune: user.kommune,
                handling: "login",
                objekt: address,
                foer: "",
                efter: "",
            },
        )?;
        tx.commit()?;
        Ok((secret, Session { bruger: user.clone(), csrf }))
    }

    /// The live session of a cookie's token, touched; `None` when it is unknown, idle too long, too
    /// old, or its account is blocked.
    pub fn session(&self, secret: &str) -> Result<Option<Session>> {
        let key = hashed(secret);
        let found: Option<(i64, String)> = {
            let conn = self.conn();
            conn.query_row(
                "SELECT s.bruger, s.csrf FROM session s JOIN bruger b ON b.id = s.bruger
                 WHERE s.token = ?1 AND b.spaerret = 0 AND s.sidst_brugt > ?2 AND s.oprettet > ?3",
                params![key, ago(IDLE_MINUTTER), ago(MAX_TIMER * 60)],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
        };
        let Some((id, csrf)) = found else {
            return Ok(None);
        };
        {
            let conn = self.conn();
            // Touched at most once a minute: a page view is not a write to the store.
            conn.execute(
                "UPDATE session SET sidst_brugt = ?1 WHERE token = ?2 AND sidst_brugt < ?3",
                params![nu(), key, ago(1)],
            )?;
        }
        Ok(self.user(id)?.map(|bruger| Session { bruger, csrf }))
    }

    /// Ends the session of a cookie's token.
    pub fn end_session(&self, secret: &str) -> Result<()> {
        let key = hashed(secret);
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let user: Option<(String, Option<u16>)> = tx
            .query_row(
                "SELECT b.email, b.kommune FROM session s JOIN bruger b ON b.id = s.bruger WHERE s.token = ?1",
                [&key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        tx.execute("DELETE FROM session WHERE token = ?1", [&key])?;
        if let Some((email, kommune)) = user {
            revision::add(&tx, Post { bruger: &email, kommune, handling: "logout", objekt: "", foer: "", efter: "" })?;
        }
        tx.commit()?;
        Ok(())
    }
}
