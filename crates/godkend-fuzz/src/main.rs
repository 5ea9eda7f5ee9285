//! `godkend-fuzz [--minutes N] [--seed S] [--maal NAVN]`: the fuzzer for as long as asked (`cargo xtask
//! fuzz` builds and runs it in release mode). Every input that broke a promise is written to
//! `fixtures/fuzz/<target>/`, where `cargo test` replays it. Prints runs, findings, the slowest input and
//! the peak memory per target.

use godkend_fuzz::maal::Maal;
use std::path::PathBuf;
use std::time::Duration;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let minutes: f64 = value("--minutes").and_then(|m| m.parse().ok()).unwrap_or(1.0);
    let seed: u64 = value("--seed").and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_secs())
    });
    let only = value("--maal");
    let fixtures = value("--fixtures").map_or_else(|| PathBuf::from("fixtures/fuzz"), PathBuf::from);
    // Caught panics are findings, reported below; the default hook would print each one.
    std::panic::set_hook(Box::new(|_| {}));
    let targets: Vec<Maal> = Maal::ALLE.into_iter().filter(|m| only.as_deref().is_none_or(|o| o == m.navn())).collect();
    let per_target = Duration::from_secs_f64(minutes * 60.0 / targets.len().max(1) as f64);
    let mut findings = 0;
    for maal in targets {
        let r = godkend_fuzz::fuzz(maal, seed, per_target, u64::MAX);
        println!(
            "{:<18} seed {seed}: {} inputs in {:.0} s, {} findings, slowest {:.0} ms, largest {} KB, peak memory {} MB",
            maal.navn(),
            r.koersler,
            per_target.as_secs_f64(),
            r.fund.len(),
            r.langsomst.as_secs_f64() * 1000.0,
            r.stoerst >> 10,
            godkend_fuzz::peak_memory_mb().unwrap_or(0)
        );
        for f in &r.fund {
            let dir = fixtures.join(maal.navn());
            let _ = std::fs::create_dir_all(&dir);
            let path = dir.join(godkend_fuzz::file_name(&f.input));
            let _ = std::fs::write(&path, &f.input);
            println!("  {}: {}", path.display(), f.hvad);
        }
        findings += r.fund.len();
        if let Some(path) = value("--langsomste") {
            let _ = std::fs::write(format!("{path}.{}", maal.navn()), &r.langsomste_input);
        }
    }
    std::process::exit(if findings == 0 { 0 } else { 1 });
}
