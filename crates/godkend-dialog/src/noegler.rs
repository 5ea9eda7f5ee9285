//! API keys: how a vendor's case system proves which municipality it delivers for
//! (`POST /api/v1/leveringer`). A key is a random 256-bit token, shown once and kept only as its
//! SHA-256, scoped to the municipalities its sender may deliver for (Tårnby for Tårnby and Dragør), and
//! revocable. Making and revoking a key are in the audit log.

use crate::hemmelighed::{hashed, token};
use crate::revision::{self, Post};
use crate::{Dialog, Error, Result, nu};
use rusqlite::{OptionalExtension, params};

/// A key as the store knows it (never the token).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ApiNoegle {
    pub id: i64,
    /// The municipality whose system sends.
    pub afsender: u16,
    /// The municipalities whose files (by file name) it may deliver.
    pub kommuner: Vec<u16>,
    pub oprettet: String,
    pub tilbagekaldt: Option<String>,
}

impl ApiNoegle {
    pub fn may_deliver(&self, kommune: u16) -> bool {
        self.tilbagekaldt.is_none() && self.kommuner.contains(&kommune)
    }
}

fn row(r: &rusqlite::Row) -> rusqlite::Result<ApiNoegle> {
    let kommuner: String = r.get(2)?;
    Ok(ApiNoegle {
        id: r.get(0)?,
        afsender: r.get(1)?,
        kommuner: kommuner.split(',').filter_map(|k| k.parse().ok()).collect(),
        oprettet: r.get(3)?,
        tilbagekaldt: r.get(4)?,
    })
}

const COLUMNS: &str = "id, afsender, kommuner, oprettet, tilbagekaldt";

impl Dialog {
    /// Makes a key for `afsender` to deliver for `kommuner`; returns it with its token (shown once).
    pub fn create_api_key(&self, afsender: u16, kommuner: &[u16], by: &str) -> Result<(ApiNoegle, String)> {
        if kommuner.is_empty() {
            return Err(Error::Afvist("en nøgle skal gælde mindst én kommune".into()));
        }
        let secret = token();
        let list = kommuner.iter().map(|k| format!("{k:03}")).collect::<Vec<_>>().join(",");
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO noegle (token, afsender, kommuner, oprettet) VALUES (?1, ?2, ?3, ?4)",
            params![hashed(&secret), afsender, list, nu()],
        )?;
        let id = tx.last_insert_rowid();
        revision::add(
            &tx,
            Post {
                bruger: by,
                kommune: Some(afsender),
                handling: "noegle_oprettet",
                objekt: &format!("nøgle {id}"),
                foer: "",
                efter: &list,
            },
        )?;
        tx.commit()?;
        drop(conn);
        Ok((self.api_key_by_id(id)?.expect("just made"), secret))
    }

    pub fn api_key_by_id(&self, id: i64) -> Result<Option<ApiNoegle>> {
        let conn = self.conn();
        Ok(conn.query_row(&format!("SELECT {COLUMNS} FROM noegle WHERE id = ?1"), [id], row).optional()?)
    }

    /// The live key of a bearer token; `None` when unknown or revoked.
    pub fn api_key(&self, secret: &str) -> Result<Option<ApiNoegle>> {
        let conn = self.conn();
        Ok(conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM noegle WHERE token = ?1 AND tilbagekaldt IS NULL"),
                [hashed(secret)],
                row,
            )
            .optional()?)
    }

    pub fn api_keys(&self) -> Result<Vec<ApiNoegle>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM noegle ORDER BY id"))?;
        Ok(stmt.query_map([], row)?.collect::<rusqlite::Result<_>>()?)
    }

    /// Revokes key `id`: it delivers nothing from now on.
    pub fn revoke_api_key(&self, id: i64, by: &str) -> Result<ApiNoegle> {
        let key = self.api_key_by_id(id)?.ok_or_else(|| Error::Afvist(format!("der er ingen nøgle {id}")))?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute("UPDATE noegle SET tilbagekaldt = ?1 WHERE id = ?2 AND tilbagekaldt IS NULL", params![nu(), id])?;
        revision::add(
            &tx,
            Post {
                bruger: by,
                kommune: Some(key.afsender),
                handling: "noegle_tilbagekaldt",
                objekt: &format!("nøgle {id}"),
                foer: "aktiv",
                efter: "tilbagekaldt",
            },
        )?;
        tx.commit()?;
        drop(conn);
        Ok(self.api_key_by_id(id)?.expect("exists"))
    }

    /// Records a delivery received over the API in the audit log (the receipt itself is in the store).
    pub fn log_delivery(&self, key: &ApiNoegle, kommune: u16, fil: &str, status: &str) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        revision::add(
            &tx,
            Post {
                bruger: &format!("nøgle {}", key.id),
                kommune: Some(kommune),
                handling: "levering",
                objekt: fil,
                foer: "",
                efter: status,
            },
        )?;
        tx.commit()?;
        Ok(())
    }
}
