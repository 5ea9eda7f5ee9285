//! The allocator's one setting: mimalloc without transparent huge pages.
//!
//! mimalloc asks the kernel for transparent huge pages on its arenas (`allow_thp`, on by default), and
//! the kernel zeroes a whole 2 MB page at the first touch of any byte in it. polars and typst allocate
//! and free large buffers all the time, so that zeroing was 11–45 % of the profiles of ingest, the run
//! and `report` into a new folder (docs/PERFORMANCE.md). The option is read from the environment when
//! mimalloc starts, before `main`; so, unless the user has set it, the program re-executes itself once
//! with `MIMALLOC_ALLOW_THP=0` (the same process: `exec` keeps the pid, the arguments, the standard
//! streams). If that fails, it runs on with mimalloc's defaults.

const ALLOW_THP: &str = "MIMALLOC_ALLOW_THP";

/// Re-executes the program with the setting, unless it is set already (by the user or by this).
pub fn tune() {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        if std::env::var_os(ALLOW_THP).is_some() {
            return;
        }
        let Ok(exe) = std::env::current_exe() else { return };
        let mut args = std::env::args_os();
        let mut command = std::process::Command::new(exe);
        if let Some(arg0) = args.next() {
            command.arg0(arg0);
        }
        // `exec` returns only if it failed; then the program goes on as it is.
        let _ = command.args(args).env(ALLOW_THP, "0").exec();
    }
}
