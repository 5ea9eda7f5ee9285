//! `cargo xtask bench-portal`: the portal under load, release build, on the national demo set — every
//! municipality's three demo users (98 × 3 = 294) logged in at once, browsing (front page, report, a
//! mark with its cases, messages, a chart) and the writers commenting. Two phases: users who read a
//! page before the next (think time, as people do), and users with no think time at all (saturation).
//! Then every municipality's last month re-delivered over the API at once (deliveries per second, the
//! receipt's latency). Prints throughput and p50/p95/p99/max latency per kind of request; counts errors (anything but
//! 200/303) and checks that every comment the portal accepted is in the dialogue store. No figure is
//! asserted; the report is kept in `target/xtask/bench-portal/portal.md` for docs/PERFORMANCE.md.

use crate::{godkend, option, root, s};
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const KODEORD: &str = "demo-kodeord-2025";

/// One request: its kind, status and latency.
#[derive(Clone, Copy)]
struct Maaling {
    kind: &'static str,
    status: u16,
    micros: u64,
}

#[derive(Default)]
struct Jar(BTreeMap<String, String>);

/// A GET or a form POST on a fresh connection; returns status, body, latency.
fn request(addr: &str, method: &str, path: &str, jar: &mut Jar, form: Option<&str>) -> Result<(u16, String, u64)> {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if !jar.0.is_empty() {
        let c: Vec<String> = jar.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
        head.push_str(&format!("Cookie: {}\r\n", c.join("; ")));
    }
    let body = form.unwrap_or("");
    if form.is_some() {
        head.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(head.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let micros = started.elapsed().as_micros() as u64;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").context("no HTTP head")?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status: u16 = head.split(' ').nth(1).and_then(|s| s.parse().ok()).context("no status")?;
    for line in head.lines().filter(|l| l.to_ascii_lowercase().starts_with("set-cookie:")) {
        if let Some((k, v)) = line[11..].trim().split(';').next().and_then(|kv| kv.split_once('=')) {
            jar.0.insert(k.to_string(), v.to_string());
        }
    }
    Ok((status, String::from_utf8_lossy(&raw[split + 4..]).into_owned(), micros))
}

fn csrf(page: &str) -> Option<String> {
    let at = page.find("name=\"csrf\" value=\"")?;
    Some(page[at + 19..].split('"').next()?.to_string())
}

fn enc(v: &str) -> String {
    v.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// A logged-in demo user.
struct Bruger {
    kode: String,
    skriver: bool,
    jar: Jar,
    csrf: String,
    marks: Vec<String>,
}

fn log_in(addr: &str, email: &str, kode: &str) -> Result<(Bruger, u64)> {
    let mut jar = Jar::default();
    let (_, page, _) = request(addr, "GET", "/login", &mut jar, None)?;
    let token = csrf(&page).context("login form")?;
    let form = format!("csrf={token}&email={}&kodeord={KODEORD}", enc(email));
    let (status, _, micros) = request(addr, "POST", "/login", &mut jar, Some(&form))?;
    if status != 303 {
        bail!("login {email}: {status}");
    }
    let (_, front, _) = request(addr, "GET", &format!("/kommune/{kode}"), &mut jar, None)?;
    let (_, json, _) = request(addr, "GET", &format!("/api/v1/kommune/{kode}/rapport"), &mut jar, None)?;
    // The marks to answer (the report year's own, not resolved).
    let marks = serde_json::from_str::<serde_json::Value>(&json)
        .ok()
        .and_then(|v| v["markeringer"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter(|m| m["i_rapportaaret"] == true && m["hoerer_til"].is_null() && m["tilstand"] != "loest")
        .filter_map(|m| m["id"].as_str().map(str::to_string))
        .collect();
    let skriver = !email.starts_with("laeser");
    Ok((Bruger { kode: kode.to_string(), skriver, jar, csrf: csrf(&front).unwrap_or_default(), marks }, micros))
}

/// One user's session of `seconds`: a round of pages (and a comment for writers), each after a think
/// time drawn between 0 and twice `think_ms`.
fn browse(
    addr: &str,
    u: &mut Bruger,
    seconds: u64,
    think_ms: u64,
    seed: u64,
    out: &Mutex<Vec<Maaling>>,
    comments: &Mutex<u64>,
) {
    let mut rng = seed | 1;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let end = Instant::now() + Duration::from_secs(seconds);
    let mut mine = Vec::new();
    let mut n = 0u64;
    while Instant::now() < end {
        let mark =
            if u.marks.is_empty() { None } else { Some(u.marks[(next() % u.marks.len() as u64) as usize].clone()) };
        let step = n % 6;
        n += 1;
        let (kind, method, path, form) = match (step, &mark) {
            (0, _) => ("forside", "GET", format!("/kommune/{}", u.kode), None),
            (1, _) => ("rapport", "GET", format!("/kommune/{}/rapport", u.kode), None),
            (2, Some(m)) => ("markering", "GET", format!("/kommune/{}/markering/{m}", u.kode), None),
            (3, Some(m)) if u.skriver => (
                "kommentar (POST)",
                "POST",
                format!("/kommune/{}/markering/{m}/kommentar", u.kode),
                Some(format!("csrf={}&tekst={}", u.csrf, enc(&format!("Belastningsprøve {n}: forklaring af {m}")))),
            ),
            (4, _) => ("beskeder", "GET", format!("/kommune/{}/beskeder", u.kode), None),
            (5, _) => ("graf (SVG)", "GET", format!("/kommune/{}/graf/V-1.1", u.kode), None),
            _ => ("forside", "GET", format!("/kommune/{}", u.kode), None),
        };
        match request(addr, method, &path, &mut u.jar, form.as_deref()) {
            Ok((status, _, micros)) => {
                if method == "POST" && status == 303 {
                    *comments.lock().unwrap() += 1;
                }
                mine.push(Maaling { kind, status, micros });
            }
            Err(_) => mine.push(Maaling { kind, status: 0, micros: 0 }),
        }
        if think_ms > 0 {
            std::thread::sleep(Duration::from_millis(next() % (2 * think_ms)));
        }
    }
    out.lock().unwrap().extend(mine);
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

/// The table of one phase.
fn table(title: &str, all: &[Maaling], seconds: f64) -> String {
    let mut out = format!(
        "\n### {title}\n\n| request | n | per s | p50 ms | p95 ms | p99 ms | max ms | errors |\n|---|---|---|---|---|---|---|---|\n"
    );
    let mut kinds: BTreeMap<&str, Vec<&Maaling>> = BTreeMap::new();
    for m in all {
        kinds.entry(m.kind).or_default().push(m);
        kinds.entry("all").or_default().push(m);
    }
    for (kind, ms) in kinds {
        let mut lat: Vec<u64> = ms.iter().filter(|m| m.status != 0).map(|m| m.micros).collect();
        lat.sort_unstable();
        let errors = ms.iter().filter(|m| m.status != 200 && m.status != 303).count();
        out.push_str(&format!(
            "| {kind} | {} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} | {errors} |\n",
            ms.len(),
            ms.len() as f64 / seconds,
            percentile(&lat, 0.50),
            percentile(&lat, 0.95),
            percentile(&lat, 0.99),
            percentile(&lat, 1.0)
        ));
    }
    out
}

/// A delivery over the API on a fresh connection: (status, latency µs).
fn deliver(addr: &str, token: &str, name: &str, body: &[u8]) -> Result<(u16, u64)> {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(300)))?;
    let head = format!(
        "POST /api/v1/leveringer HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAuthorization: Bearer {token}\r\nX-Filnavn: {name}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let status =
        String::from_utf8_lossy(&raw[..raw.len().min(20)]).split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    Ok((status, started.elapsed().as_micros() as u64))
}

/// Every municipality's last month re-delivered over the API at once (a key per sender), as the case
/// systems would on the first working day: deliveries per second and each receipt's latency.
fn api_phase(
    bin: &std::path::Path,
    addr: &str,
    dialog: &std::path::Path,
    deliveries: &std::path::Path,
) -> Result<String> {
    let mut files = Vec::new();
    for e in std::fs::read_dir(deliveries)? {
        let path = e?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
        if name.len() == 15 && name.ends_with("_2025-12.csv") {
            files.push((name[..3].to_string(), path));
        }
    }
    files.sort();
    let mut jobs = Vec::new();
    let mut rows = 0usize;
    for (kode, path) in &files {
        let out = Command::new(bin).args(["noegle", "opret", "--dialog", s(dialog), "--afsender", kode]).output()?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let token =
            text.lines().find_map(|l| l.strip_prefix("token (vises kun nu): ")).context("no token")?.trim().to_string();
        let body = std::fs::read(path)?;
        rows += body.iter().filter(|b| **b == b'\n').count().saturating_sub(1);
        jobs.push((format!("{kode}_2025-12_2.csv"), token, body));
    }
    let t = Instant::now();
    let results: Vec<Result<(u16, u64)>> = std::thread::scope(|scope| {
        let handles: Vec<_> =
            jobs.iter().map(|(name, token, body)| scope.spawn(move || deliver(addr, token, name, body))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let wall = t.elapsed().as_secs_f64();
    let mut lat: Vec<u64> = results.iter().filter_map(|r| r.as_ref().ok()).map(|(_, us)| *us).collect();
    lat.sort_unstable();
    let ok = results.iter().filter(|r| matches!(r, Ok((200, _)))).count();
    let other: Vec<u16> =
        results.iter().filter_map(|r| r.as_ref().ok()).map(|(s, _)| *s).filter(|s| *s != 200).collect();
    Ok(format!(
        "\n### Deliveries over the API: {} senders at once, one month each ({} records)\n\n\
         {ok} answered 200{}; all in {wall:.1} s: {:.1} deliveries/s, {:.0} records/s. \
         Latency of a delivery's receipt: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms.\n",
        jobs.len(),
        rows,
        if other.is_empty() { String::new() } else { format!(", others {other:?}") },
        jobs.len() as f64 / wall,
        rows as f64 / wall,
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        percentile(&lat, 1.0)
    ))
}

pub fn bench(args: &[String]) -> Result<()> {
    let skala = option(args, "--skala", "1");
    let seconds: u64 = option(args, "--sekunder", "60").parse()?;
    let think_ms: u64 = option(args, "--taenketid", "1000").parse()?;
    let bin = godkend()?;
    // `bench::data` times the generator with /usr/bin/time, which writes under target/xtask.
    std::fs::create_dir_all(root().join("target/xtask"))?;
    let deliveries = crate::bench::data(&bin, &skala, "2026")?;
    let work = root().join("target/xtask/bench-portal");
    if work.exists() {
        std::fs::remove_dir_all(&work)?;
    }
    std::fs::create_dir_all(&work)?;
    let store = work.join("lager");
    let ingest = Command::new(&bin).args(["ingest", s(&deliveries), "--store", s(&store), "--demo-noegle"]).output()?;
    if !store.join("godkend-store.json").is_file() {
        bail!("ingest failed:\n{}", String::from_utf8_lossy(&ingest.stderr));
    }
    let dialog = work.join("dialog.sqlite");
    let started = Instant::now();
    let mut child = Command::new(&bin)
        .args([
            "serve",
            "--store",
            s(&store),
            "--year",
            "2025",
            "--dialog",
            s(&dialog),
            "--bind",
            "127.0.0.1:0",
            "--demo-brugere",
            "--demo-noegle",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line)?;
    let startup = started.elapsed().as_secs_f64();
    let addr = line.trim().strip_prefix("godkend-portal: http://").context("no address printed")?.to_string();
    let result = (|| -> Result<String> {
        let codes: Vec<String> = {
            let mut jar = Jar::default();
            let (u, _) = log_in(&addr, "dst@dst.demo.dk", "")?;
            jar.0 = u.jar.0;
            let (_, status, _) = request(&addr, "GET", "/api/v1/status", &mut jar, None)?;
            let status: serde_json::Value = serde_json::from_str(&status)?;
            status["kommuner"]
                .as_array()
                .context("the status has no municipalities")?
                .iter()
                .filter_map(|k| k["kommunekode"].as_u64())
                .map(|k| format!("{k:03}"))
                .collect()
        };
        let logins = Instant::now();
        let login_lat = Arc::new(Mutex::new(Vec::new()));
        let users: Vec<Bruger> = std::thread::scope(|scope| {
            let handles: Vec<_> = codes
                .iter()
                .flat_map(|k| ["indberetter", "godkender", "laeser"].map(|r| (format!("{r}@{k}.demo.dk"), k.clone())))
                .map(|(email, k)| {
                    let addr = addr.clone();
                    let lat = login_lat.clone();
                    scope.spawn(move || {
                        let (u, micros) = log_in(&addr, &email, &k)?;
                        lat.lock().unwrap().push(micros);
                        Ok::<_, anyhow::Error>(u)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect::<Result<Vec<_>>>()
        })?;
        let login_s = logins.elapsed().as_secs_f64();
        let mut login_lat = login_lat.lock().unwrap().clone();
        login_lat.sort_unstable();
        let mut report = format!(
            "## Portal under load (`cargo xtask bench-portal --skala {skala} --sekunder {seconds} --taenketid {think_ms}`)\n\n\
             {} municipalities, {} users logged in at once; start-up (the round for all) {startup:.1} s; {} logins in {login_s:.1} s \
             (argon2id each; p50 {:.0} ms, max {:.0} ms).\n",
            codes.len(),
            users.len(),
            users.len(),
            percentile(&login_lat, 0.5),
            percentile(&login_lat, 1.0)
        );
        let mut users = users;
        for (phase, think) in [("with think time", think_ms), ("no think time (saturation)", 0)] {
            let out = Mutex::new(Vec::new());
            let comments = Mutex::new(0u64);
            let t = Instant::now();
            std::thread::scope(|scope| {
                for (i, u) in users.iter_mut().enumerate() {
                    let (addr, out, comments) = (&addr, &out, &comments);
                    scope.spawn(move || browse(addr, u, seconds, think, i as u64 * 7919 + 1, out, comments));
                }
            });
            let elapsed = t.elapsed().as_secs_f64();
            let all = out.into_inner().unwrap();
            report.push_str(&table(
                &format!("{} users, {phase}: {:.0} requests/s", users.len(), all.len() as f64 / elapsed),
                &all,
                elapsed,
            ));
            report.push_str(&format!("\nComments accepted (303): {}.\n", comments.into_inner().unwrap()));
        }
        report.push_str(&api_phase(&bin, &addr, &dialog, &deliveries)?);
        // Nothing lost: every accepted comment is a row of the dialogue store.
        let conn = rusqlite::Connection::open(&dialog)?;
        let rows: i64 = conn.query_row("SELECT count(*) FROM kommentar", [], |r| r.get(0))?;
        let audit: i64 =
            conn.query_row("SELECT count(*) FROM revision WHERE handling = 'kommentar'", [], |r| r.get(0))?;
        report.push_str(&format!(
            "\nIn the dialogue store afterwards: {rows} comment rows, {audit} audit rows for comments.\n"
        ));
        Ok(report)
    })();
    let _ = child.kill();
    let _ = child.wait();
    let report = result?;
    println!("{report}");
    std::fs::write(work.join("portal.md"), &report)?;
    Ok(())
}
