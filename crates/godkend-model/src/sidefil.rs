//! Files a user names beside the store — comments, approvals, earlier reports, reference files — opened
//! only when they are regular files of a bounded size: a FIFO would hang the run, `/dev/zero` would fill
//! the memory (docs/kommandoer.md, "Side files").

use std::fs::File;
use std::io::Read;
use std::path::Path;

/// The most bytes a side file may have (a comments workbook of a whole round is a few MB, a report JSON
/// about 100 KB).
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// Opens `path` for reading if it is a regular file of at most [`MAX_BYTES`]. A pipe or device is
/// refused without blocking: it is opened non-blocking and inspected before anything is read.
pub fn open(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        const O_NONBLOCK: i32 = 0o4000;
        options.custom_flags(O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other("ikke en almindelig fil (et rør, en enhed eller en mappe); angiv en fil"));
    }
    if meta.len() > MAX_BYTES {
        return Err(std::io::Error::other(format!(
            "{} MB, mere end de {} MB, en sidefil må fylde",
            meta.len() >> 20,
            MAX_BYTES >> 20
        )));
    }
    Ok(file)
}

/// The bytes of a side file ([`open`]'s rules; never more than [`MAX_BYTES`] even if it grows).
pub fn read(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    open(path)?.take(MAX_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(std::io::Error::other(format!("mere end de {} MB, en sidefil må fylde", MAX_BYTES >> 20)));
    }
    Ok(bytes)
}

/// A side file as UTF-8 text.
pub fn read_to_string(path: &Path) -> std::io::Result<String> {
    String::from_utf8(read(path)?).map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_are_read() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("svar.csv");
        std::fs::write(&file, "a;b\n").unwrap();
        assert_eq!(read_to_string(&file).unwrap(), "a;b\n");
        for not_a_file in [Path::new("/dev/zero"), Path::new("/dev/null"), tmp.path()] {
            let err = read(not_a_file).unwrap_err().to_string();
            assert!(err.contains("ikke en almindelig fil"), "{}: {err}", not_a_file.display());
        }
        #[cfg(target_os = "linux")]
        {
            let fifo = tmp.path().join("fifo");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
            assert!(made.success());
            let err = read(&fifo).unwrap_err().to_string();
            assert!(err.contains("ikke en almindelig fil"), "a FIFO is refused without hanging: {err}");
        }
    }
}
