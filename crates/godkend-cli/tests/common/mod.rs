//! What the tests that run the real binary on hostile or damaged input share: the binary with a clean
//! environment, paths as arguments, and the header of a minimal delivery.

use std::path::Path;
use std::process::Command;

/// Runs `godkend` without a key in the environment and without a crash hook: (stdout, stderr, exit code).
pub fn godkend(args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_godkend"))
        .args(args)
        .env_remove("GODKEND_NOEGLE")
        .env_remove("GODKEND_AFBRYD")
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

pub fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The header of a minimal adult delivery.
pub const HEAD: &str = "kommunekode;sagsid;cpr;ydelse;maalgruppe;startdato;slutdato;slettet";
