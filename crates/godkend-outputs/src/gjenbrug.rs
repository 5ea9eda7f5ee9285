//! Rendering only what changed: beside each report PDF, `<out>/.godkend/pdf/<pdf name>.noegle` keeps the
//! key of the input it was rendered from ([`crate::pdf::ReportInput::noegle`]: the rendering binary, the
//! template, the view and the charts) and the SHA-256 of the PDF's bytes. A later run whose input has the
//! same key, with the PDF still there and unaltered, keeps the file instead of rendering it: the bytes
//! would be the same (reports are reproducible). A regeneration after comments renders only the
//! municipalities whose report changed.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

fn key_file(out: &Path, pdf: &Path) -> PathBuf {
    let name = pdf.file_name().unwrap_or_default().to_string_lossy();
    out.join(".godkend").join("pdf").join(format!("{name}.noegle"))
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `pdf` in `out` was rendered from an input with key `noegle` and is unaltered since.
pub fn kept(out: &Path, pdf: &Path, noegle: &str) -> bool {
    let Ok(text) = std::fs::read_to_string(key_file(out, pdf)) else { return false };
    let mut lines = text.lines();
    if lines.next() != Some(noegle) {
        return false;
    }
    let Some(sha) = lines.next() else { return false };
    std::fs::read(pdf).is_ok_and(|bytes| sha256_hex(&bytes) == sha)
}

/// Records that `pdf` (just written, its bytes' SHA-256 `sha`) was rendered from the input with key `noegle`.
pub fn keep(out: &Path, pdf: &Path, noegle: &str, sha: &str) -> std::io::Result<()> {
    let path = key_file(out, pdf);
    std::fs::create_dir_all(path.parent().expect("a folder"))?;
    godkend_store::fil::write_atomic(&path, format!("{noegle}\n{sha}\n").as_bytes()).map_err(std::io::Error::other)
}

/// Forgets the key of `pdf` (it was removed or could not be written).
pub fn forget(out: &Path, pdf: &Path) {
    let _ = std::fs::remove_file(key_file(out, pdf));
}

/// The running binary ([`godkend_store::fil::binary_fingerprint`]): a rebuilt godkend (another typst,
/// another chart code) never reuses a PDF an older build rendered.
pub use godkend_store::fil::binary_fingerprint;
