//! Writing files so that a reader (or a crash) never sees part of one: a temporary file in the same
//! folder, then a rename. Used by the store for its own files and by every output (reports, JSON,
//! workbooks, status files), so no other crate needs to know how. New files honour the umask.

use crate::{Error, Result};
use polars_core::prelude::DataFrame;
use polars_io::prelude::{ParquetCompression, ParquetWriter};
use std::fs::File;
use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` through a uniquely named temporary file in the same folder and a
/// rename, so a reader sees the old file or the new one, never part of one. For outputs.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = parent(path);
    let mut tmp = temporary(dir)?;
    tmp.write_all(bytes).map_err(Error::io(tmp.path()))?;
    tmp.persist(path).map_err(|e| Error::io(path)(e.error))?;
    Ok(())
}

/// As [`write_atomic`], and the file and its folder are fsynced: for the store's own files.
pub(crate) fn write_durably(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = parent(path);
    let mut tmp = temporary(dir)?;
    tmp.write_all(bytes).and_then(|()| tmp.as_file().sync_all()).map_err(Error::io(tmp.path()))?;
    tmp.persist(path).map_err(|e| Error::io(path)(e.error))?;
    sync_dir(dir)
}

/// A Parquet file (zstd) through a temporary file, fsynced before the rename (which refuses to replace an
/// existing file); the caller fsyncs the folder once for all files of a transaction.
pub(crate) fn write_parquet_durably(path: &Path, df: &mut DataFrame) -> Result<()> {
    let dir = parent(path);
    let tmp = temporary(dir)?;
    // Buffered: the writer issues a write per page and column chunk, tens of thousands for the log.
    let mut out = Recording { inner: std::io::BufWriter::with_capacity(256 << 10, tmp.as_file()), failed: None };
    let finished = ParquetWriter::new(&mut out).with_compression(ParquetCompression::Zstd(None)).finish(df);
    if let Err(e) = finished {
        // polars wraps the IO error in text; the recorded one keeps its kind (a full disk is no damage).
        return Err(match out.failed.take() {
            Some(source) => Error::Io { path: tmp.path().to_path_buf(), source },
            None => Error::Store { path: tmp.path().to_path_buf(), message: e.to_string() },
        });
    }
    out.flush().map_err(Error::io(tmp.path()))?;
    drop(out);
    tmp.as_file().sync_all().map_err(Error::io(tmp.path()))?;
    // Never over a file of the store: a name of a new generation is new.
    tmp.persist_noclobber(path).map_err(|e| Error::io(path)(e.error))?;
    Ok(())
}

/// A temporary file in `dir` created with mode 0666 less the umask, as any other new file: with the
/// default of 0600 a colleague could not read a report or a store (docs/lager.md, "Several users").
fn temporary(dir: &Path) -> Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir).map_err(Error::io(dir))
}

/// A writer that remembers its first IO error, for a caller whose library turns errors into text.
struct Recording<W> {
    inner: W,
    failed: Option<std::io::Error>,
}

impl<W: Write> Write for Recording<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.inner.write(buf).inspect_err(|e| self.remember(e))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush().inspect_err(|e| self.remember(e))
    }
}

impl<W> Recording<W> {
    fn remember(&mut self, e: &std::io::Error) {
        if self.failed.is_none() {
            self.failed = Some(std::io::Error::new(e.kind(), e.to_string()));
        }
    }
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|f| f.sync_all()).map_err(Error::io(dir))
}

/// The running binary: its size and modification time. What is kept between runs under a key with it
/// (rendered PDFs, the cases behind flags) is never reused by another build.
pub fn binary_fingerprint() -> &'static str {
    static F: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        let meta = std::env::current_exe().and_then(std::fs::metadata);
        match meta {
            Ok(m) => {
                let modified = m
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                format!("{} {}", m.len(), modified)
            }
            // Unknown: a fingerprint no later run shares, so nothing is reused.
            Err(_) => format!("ukendt {:?}", std::time::SystemTime::now()),
        }
    })
}
