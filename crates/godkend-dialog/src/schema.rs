//! The dialogue store's schema, versioned in code: migration N brings `PRAGMA user_version` from N−1
//! to N inside one transaction. A store written by a newer godkend is refused, never downgraded.

use crate::{Error, Result};
use rusqlite::Connection;
use std::path::Path;

/// Every migration, in order; the schema version is their number.
const MIGRATIONS: &[&str] = &[
    // 1: users, sessions, the dialogue, approvals, audit.
    "
    CREATE TABLE bruger (
        id INTEGER PRIMARY KEY,
        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
        kommune INTEGER,
        rolle TEXT NOT NULL CHECK (rolle IN ('indberetter', 'godkender', 'laeser', 'dst')),
        kodeord TEXT,
        spaerret INTEGER NOT NULL DEFAULT 0,
        oprettet TEXT NOT NULL,
        CHECK ((rolle = 'dst') = (kommune IS NULL))
    );
    CREATE TABLE invitation (
        token TEXT PRIMARY KEY,
        bruger INTEGER NOT NULL REFERENCES bruger(id),
        udloeber TEXT NOT NULL,
        brugt INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE session (
        token TEXT PRIMARY KEY,
        bruger INTEGER NOT NULL REFERENCES bruger(id),
        csrf TEXT NOT NULL,
        oprettet TEXT NOT NULL,
        sidst_brugt TEXT NOT NULL
    );
    CREATE TABLE kommentar (
        id INTEGER PRIMARY KEY,
        aar INTEGER NOT NULL,
        kommune INTEGER NOT NULL,
        markering TEXT NOT NULL,
        ydelse TEXT NOT NULL,
        kvartal TEXT NOT NULL,
        regel TEXT NOT NULL,
        tekst TEXT NOT NULL,
        bruger INTEGER NOT NULL REFERENCES bruger(id),
        tid TEXT NOT NULL
    );
    CREATE INDEX kommentar_markering ON kommentar (aar, kommune, markering);
    CREATE TABLE vurdering (
        id INTEGER PRIMARY KEY,
        kommentar INTEGER NOT NULL REFERENCES kommentar(id),
        vurdering TEXT NOT NULL CHECK (vurdering IN ('accepteret', 'uddyb')),
        bruger INTEGER NOT NULL REFERENCES bruger(id),
        tid TEXT NOT NULL
    );
    CREATE TABLE besked (
        id INTEGER PRIMARY KEY,
        aar INTEGER NOT NULL,
        kommune INTEGER NOT NULL,
        markering TEXT,
        tekst TEXT NOT NULL,
        bruger INTEGER NOT NULL REFERENCES bruger(id),
        fra_dst INTEGER NOT NULL,
        tid TEXT NOT NULL
    );
    CREATE INDEX besked_kommune ON besked (aar, kommune);
    CREATE TABLE godkendelse (
        id INTEGER PRIMARY KEY,
        aar INTEGER NOT NULL,
        kommune INTEGER NOT NULL,
        godkendt_af TEXT NOT NULL,
        dato TEXT NOT NULL,
        bruger INTEGER NOT NULL REFERENCES bruger(id),
        tid TEXT NOT NULL
    );
    CREATE TABLE revision (
        id INTEGER PRIMARY KEY,
        tid TEXT NOT NULL,
        bruger TEXT NOT NULL,
        kommune INTEGER,
        handling TEXT NOT NULL,
        objekt TEXT NOT NULL,
        foer TEXT NOT NULL,
        efter TEXT NOT NULL
    );
    CREATE INDEX revision_kommune ON revision (kommune);
    CREATE TRIGGER revision_uden_rettelser BEFORE UPDATE ON revision
        BEGIN SELECT RAISE(ABORT, 'revisionsloggen kan kun tilføjes til'); END;
    CREATE TRIGGER revision_uden_sletning BEFORE DELETE ON revision
        BEGIN SELECT RAISE(ABORT, 'revisionsloggen kan kun tilføjes til'); END;
    ",
    // 2: API keys of the case systems that deliver system to system.
    "
    CREATE TABLE noegle (
        id INTEGER PRIMARY KEY,
        token TEXT NOT NULL UNIQUE,
        afsender INTEGER NOT NULL,
        kommuner TEXT NOT NULL,
        oprettet TEXT NOT NULL,
        tilbagekaldt TEXT
    );
    ",
];

pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if found > known {
        return Err(Error::Nyere { path: path.to_path_buf(), found, known });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
