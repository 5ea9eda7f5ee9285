//! The fuzzer in CI: every kept input replayed, then a few seconds per target from a fixed seed. A finding
//! fails the test and names the input; keep it under `fixtures/fuzz/<target>/` (the `godkend-fuzz` binary
//! does that) and fix the reader.

use godkend_fuzz::maal::Maal;
use std::path::Path;
use std::time::Duration;

/// Panics inside dependencies (the Parquet decoder's, caught at the delivery boundary) are expected by the
/// thousand here; their messages would bury the test's own.
fn quiet_dependency_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !info.location().is_some_and(|l| l.file().contains(".cargo/registry")) {
            default(info);
        }
    }));
}

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/fuzz")
}

#[test]
fn every_kept_input_is_read_without_breaking_a_promise() {
    quiet_dependency_panics();
    let reference = godkend_model::Reference::embedded().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let mut replayed = 0;
    for maal in Maal::ALLE {
        let Ok(listing) = std::fs::read_dir(fixtures().join(maal.navn())) else { continue };
        for entry in listing {
            let path = entry.unwrap().path();
            let input = std::fs::read(&path).unwrap();
            if let Err(what) = maal.check(&input, &reference, scratch.path()) {
                panic!("{}: {what}", path.display());
            }
            replayed += 1;
        }
    }
    eprintln!("{replayed} kept inputs replayed");
}

#[test]
fn a_few_seconds_per_target_from_a_fixed_seed_find_nothing() {
    quiet_dependency_panics();
    for maal in Maal::ALLE {
        // A fixed number of inputs, so that every run reads the same ones; the time limit only guards CI.
        let r = godkend_fuzz::fuzz(maal, 20_261_202, Duration::from_secs(30), 2_000);
        eprintln!("{}: {} inputs, slowest {:?}", maal.navn(), r.koersler, r.langsomst);
        assert!(r.koersler > 20, "{}: the fuzzer hardly ran", maal.navn());
        if let Some(f) = r.fund.first() {
            let dir = std::env::temp_dir().join("godkend-fuzz-fund");
            let _ = std::fs::create_dir_all(&dir);
            let path = dir.join(godkend_fuzz::file_name(&f.input));
            let _ = std::fs::write(&path, &f.input);
            panic!("{}: {} ({} findings; the first input is {})", maal.navn(), f.hvad, r.fund.len(), path.display());
        }
    }
}
