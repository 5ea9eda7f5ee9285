//! Accounts: who may log in, for which municipality, in which role. An account is made without a
//! password; the one-time link (`invitation`) lets its owner choose one. Blocking an account ends its
//! sessions. Login is by e-mail address and password here; another way to prove who someone is (an
//! OpenID Connect provider such as MitID Erhverv) needs only to find the [`Bruger`] by e-mail and
//! call [`Dialog::new_session`].

use crate::hemmelighed::{dummy_hash, hash_password, hashed, token, verify_password};
use crate::revision::{self, Post};
use crate::{Dialog, Error, Result, nu};
use rusqlite::{OptionalExtension, params};

/// What a user may do (docs/portal.md, "Roller").
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rolle {
    /// Reads, comments, writes to DST, uploads the workbook.
    Indberetter,
    /// As `indberetter`, and approves the municipality's data.
    Godkender,
    /// Reads only.
    Laeser,
    /// DST: every municipality; replies, reviews comments, regenerates reports, reads the audit log.
    Dst,
}

impl Rolle {
    pub fn code(self) -> &'static str {
        match self {
            Rolle::Indberetter => "indberetter",
            Rolle::Godkender => "godkender",
            Rolle::Laeser => "laeser",
            Rolle::Dst => "dst",
        }
    }

    pub fn parse(s: &str) -> Option<Rolle> {
        Some(match s {
            "indberetter" => Rolle::Indberetter,
            "godkender" => Rolle::Godkender,
            "laeser" => Rolle::Laeser,
            "dst" => Rolle::Dst,
            _ => return None,
        })
    }

    /// Danish, as pages show it.
    pub fn navn(self) -> &'static str {
        match self {
            Rolle::Indberetter => "indberetter",
            Rolle::Godkender => "godkender",
            Rolle::Laeser => "læser",
            Rolle::Dst => "Danmarks Statistik",
        }
    }

    /// May comment, write and upload.
    pub fn may_write(self) -> bool {
        matches!(self, Rolle::Indberetter | Rolle::Godkender | Rolle::Dst)
    }

    pub fn may_approve(self) -> bool {
        matches!(self, Rolle::Godkender | Rolle::Dst)
    }
}

/// An account.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Bruger {
    pub id: i64,
    pub email: String,
    /// The municipality; `None` for DST.
    pub kommune: Option<u16>,
    pub rolle: Rolle,
    pub spaerret: bool,
    pub har_kodeord: bool,
}

impl Bruger {
    /// Whether this user may see municipality `kode`.
    pub fn sees(&self, kode: u16) -> bool {
        self.rolle == Rolle::Dst || self.kommune == Some(kode)
    }
}

/// How long a one-time link is valid.
pub const INVITATION_TIMER: i64 = 72;
/// The shortest password accepted.
pub const MIN_KODEORD: usize = 12;

fn row(r: &rusqlite::Row) -> rusqlite::Result<Bruger> {
    let rolle: String = r.get(3)?;
    let kodeord: Option<String> = r.get(5)?;
    Ok(Bruger {
        id: r.get(0)?,
        email: r.get(1)?,
        kommune: r.get(2)?,
        rolle: Rolle::parse(&rolle).unwrap_or(Rolle::Laeser),
        spaerret: r.get::<_, i64>(4)? != 0,
        har_kodeord: kodeord.is_some(),
    })
}

const COLUMNS: &str = "id, email, kommune, rolle, spaerret, kodeord";

/// Whether `email` looks like an e-mail address (one @, something on each side, no spaces).
fn is_email(email: &str) -> bool {
    let mut parts = email.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

impl Dialog {
    /// Adds an account and returns it with its one-time token (to put in the link that sets the
    /// password).
    pub fn add_user(&self, email: &str, kommune: Option<u16>, rolle: Rolle, by: &str) -> Result<(Bruger, String)> {
        let email = email.trim();
        if !is_email(email) {
            return Err(Error::Afvist(format!("`{}` er ikke en e-mailadresse", godkend_model::tekst::renset(email))));
        }
        if (rolle == Rolle::Dst) != kommune.is_none() {
            return Err(Error::Afvist(
                "en DST-bruger har ingen kommune, og alle andre roller har netop én (--kommune KODE)".into(),
            ));
        }
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let exists: Option<i64> =
            tx.query_row("SELECT id FROM bruger WHERE email = ?1", [email], |r| r.get(0)).optional()?;
        if exists.is_some() {
            return Err(Error::Afvist(format!("der er allerede en bruger med e-mailadressen {email}")));
        }
        tx.execute(
            "INSERT INTO bruger (email, kommune, rolle, oprettet) VALUES (?1, ?2, ?3, ?4)",
            params![email, kommune, rolle.code(), nu()],
        )?;
        let id = tx.last_insert_rowid();
        let secret = token();
        let expires = (chrono::Utc::now() + chrono::Duration::hours(INVITATION_TIMER)).format("%Y-%m-%dT%H:%M:%SZ");
        tx.execute(
            "INSERT INTO invitation (token, bruger, udloeber) VALUES (?1, ?2, ?3)",
            params![hashed(&secret), id, expires.to_string()],
        )?;
        let efter = format!("{email} ({}{})", rolle.code(), kommune.map(|k| format!(", {k:03}")).unwrap_or_default());
        revision::add(
            &tx,
            Post { bruger: by, kommune, handling: "bruger_oprettet", objekt: email, foer: "", efter: &efter },
        )?;
        tx.commit()?;
        drop(conn);
        Ok((self.user(id)?.expect("just added"), secret))
    }

    pub fn user(&self, id: i64) -> Result<Option<Bruger>> {
        let conn = self.conn();
        Ok(conn.query_row(&format!("SELECT {COLUMNS} FROM bruger WHERE id = ?1"), [id], row).optional()?)
    }

    pub fn user_by_email(&self, email: &str) -> Result<Option<Bruger>> {
        let conn = self.conn();
        Ok(conn.query_row(&format!("SELECT {COLUMNS} FROM bruger WHERE email = ?1"), [email.trim()], row).optional()?)
    }

    pub fn users(&self) -> Result<Vec<Bruger>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM bruger ORDER BY kommune, email"))?;
        Ok(stmt.query_map([], row)?.collect::<rusqlite::Result<_>>()?)
    }

    /// Blocks an account and ends its sessions.
    pub fn block_user(&self, email: &str, by: &str) -> Result<Bruger> {
        let user = self
            .user_by_email(email)?
            .ok_or_else(|| Error::Afvist(format!("ingen bruger har e-mailadressen {}", email.trim())))?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute("UPDATE bruger SET spaerret = 1 WHERE id = ?1", [user.id])?;
        tx.execute("DELETE FROM session WHERE bruger = ?1", [user.id])?;
        tx.execute("UPDATE invitation SET brugt = 1 WHERE bruger = ?1", [user.id])?;
        revision::add(
            &tx,
            Post {
                bruger: by,
                kommune: user.kommune,
                handling: "bruger_spaerret",
                objekt: &user.email,
                foer: "aktiv",
                efter: "spærret",
            },
        )?;
        tx.commit()?;
        Ok(Bruger { spaerret: true, ..user })
    }

    /// The account a one-time token (still valid, not used) belongs to.
    pub fn invitation(&self, secret: &str) -> Result<Option<Bruger>> {
        let id: Option<i64> = {
            let conn = self.conn();
            conn.query_row(
                "SELECT bruger FROM invitation WHERE token = ?1 AND brugt = 0 AND udloeber > ?2",
                params![hashed(secret), nu()],
                |r| r.get(0),
            )
            .optional()?
        };
        match id {
            Some(id) => Ok(self.user(id)?.filter(|u| !u.spaerret)),
            None => Ok(None),
        }
    }

    /// Sets the password of the one-time token's account and uses the token up.
    pub fn set_password(&self, secret: &str, password: &str) -> Result<Bruger> {
        if password.chars().count() < MIN_KODEORD {
            return Err(Error::Afvist(format!("kodeordet skal have mindst {MIN_KODEORD} tegn")));
        }
        let user = self.invitation(secret)?.ok_or_else(|| {
            Error::Afvist("linket er brugt, udløbet eller ugyldigt; bed Danmarks Statistik om et nyt".into())
        })?;
        let hash = hash_password(password);
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let used = tx.execute("UPDATE invitation SET brugt = 1 WHERE token = ?1 AND brugt = 0", [hashed(secret)])?;
        if used != 1 {
            return Err(Error::Afvist("linket er allerede brugt".into()));
        }
        tx.execute("UPDATE bruger SET kodeord = ?1 WHERE id = ?2", params![hash, user.id])?;
        tx.execute("DELETE FROM session WHERE bruger = ?1", [user.id])?;
        revision::add(
            &tx,
            Post {
                bruger: &user.email,
                kommune: user.kommune,
                handling: "kodeord_sat",
                objekt: &user.email,
                foer: "",
                efter: "",
            },
        )?;
        tx.commit()?;
        Ok(Bruger { har_kodeord: true, ..user })
    }

    /// Gives the demo users (`godkend serve --demo-brugere`) their known password: one argon2id hash,
    /// shared, so making 300 demo users costs one hash.
    pub fn set_demo_password(&self, emails: &[String], password: &str) -> Result<()> {
        if emails.is_empty() {
            return Ok(());
        }
        let hash = hash_password(password);
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for email in emails {
            tx.execute("UPDATE bruger SET kodeord = ?1 WHERE email = ?2", params![hash, email])?;
            tx.execute(
                "UPDATE invitation SET brugt = 1 WHERE bruger = (SELECT id FROM bruger WHERE email = ?1)",
                [email],
            )?;
            revision::add(
                &tx,
                Post { bruger: "system", kommune: None, handling: "demokodeord", objekt: email, foer: "", efter: "" },
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The account whose e-mail and password these are; `None` for a wrong password, an unknown
    /// address, a blocked account or one without a password. Costs one argon2 verification either way.
    pub fn check_password(&self, email: &str, password: &str) -> Result<Option<Bruger>> {
        let stored: Option<(i64, Option<String>)> = {
            let conn = self.conn();
            conn.query_row("SELECT id, kodeord FROM bruger WHERE email = ?1 AND spaerret = 0", [email.trim()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?
        };
        match stored {
            Some((id, Some(hash))) if verify_password(password, &hash) => self.user(id),
            _ => {
                verify_password(password, dummy_hash());
                Ok(None)
            }
        }
    }
}
