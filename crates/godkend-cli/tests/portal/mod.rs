//! What the portal tests share: the bundled demo ingested into a fresh store, `godkend serve` started on
//! a free loopback port (and killed by its pid when the test ends), and a small HTTP/1.1 client with a
//! cookie jar — real requests on a real socket, nothing in-process.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const KODEORD: &str = "demo-kodeord-2025";

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_godkend")
}

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// A running portal on the demo data.
pub struct Portal {
    child: Child,
    pub addr: String,
    pub dir: tempfile::TempDir,
    pub store: PathBuf,
    pub dialog: PathBuf,
    pub out: PathBuf,
}

impl Portal {
    /// Ingests the bundled demo and starts `godkend serve --demo-brugere` on 127.0.0.1:0.
    pub fn start() -> Portal {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("lager");
        let status = Command::new(bin())
            .args([
                "ingest",
                repo().join("fixtures/demo").to_str().unwrap(),
                "--store",
                store.to_str().unwrap(),
                "--demo-noegle",
            ])
            .env_remove("GODKEND_NOEGLE")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(2), "the demo ingest rejects its five bad deliveries by design");
        Portal::on(dir, store)
    }

    /// Starts the portal on an existing store in `dir`.
    pub fn on(dir: tempfile::TempDir, store: PathBuf) -> Portal {
        let dialog = dir.path().join("dialog.sqlite");
        let out = dir.path().join("rapporter");
        let mut child = Command::new(bin())
            .args(["serve", "--store", store.to_str().unwrap(), "--year", "2025", "--dialog", dialog.to_str().unwrap()])
            .args(["--out", out.to_str().unwrap(), "--bind", "127.0.0.1:0", "--demo-brugere", "--demo-noegle"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            // Drained so the server never blocks on a full pipe; kept for a failing test's eyes.
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("[serve] {line}");
            }
        });
        let line = match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(l) => l,
            Err(_) => {
                let _ = child.kill();
                panic!("godkend serve did not print its address within 120 s");
            }
        };
        let addr = line
            .trim()
            .strip_prefix("godkend-portal: http://")
            .unwrap_or_else(|| panic!("first line: {line:?}"))
            .to_string();
        Portal { child, addr, dir, store, dialog, out }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn get(&self, path: &str, jar: &mut Jar) -> Svar {
        self.request("GET", path, jar, None, "")
    }

    pub fn post(&self, path: &str, jar: &mut Jar, form: &[(&str, &str)]) -> Svar {
        let body: Vec<String> = form.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect();
        self.request("POST", path, jar, Some("application/x-www-form-urlencoded"), &body.join("&"))
    }

    /// A multipart form: text fields, then one file.
    pub fn post_file(&self, path: &str, jar: &mut Jar, fields: &[(&str, &str)], file: (&str, &[u8])) -> Svar {
        let boundary = "----godkendtest7f3a";
        let mut body = Vec::new();
        for (k, v) in fields {
            write!(body, "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").unwrap();
        }
        write!(body, "--{boundary}\r\nContent-Disposition: form-data; name=\"fil\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n", file.0).unwrap();
        body.extend_from_slice(file.1);
        write!(body, "\r\n--{boundary}--\r\n").unwrap();
        self.raw("POST", path, jar, Some(&format!("multipart/form-data; boundary={boundary}")), &body)
    }

    pub fn request(&self, method: &str, path: &str, jar: &mut Jar, ctype: Option<&str>, body: &str) -> Svar {
        self.raw(method, path, jar, ctype, body.as_bytes())
    }

    pub fn raw(&self, method: &str, path: &str, jar: &mut Jar, ctype: Option<&str>, body: &[u8]) -> Svar {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.addr);
        if !jar.0.is_empty() {
            let c: Vec<String> = jar.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
            head.push_str(&format!("Cookie: {}\r\n", c.join("; ")));
        }
        if let Some(t) = ctype {
            head.push_str(&format!("Content-Type: {t}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(body).unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let svar = Svar::parse(&raw);
        for c in svar.all("set-cookie") {
            let first = c.split(';').next().unwrap_or("");
            if let Some((k, v)) = first.split_once('=') {
                if v.is_empty() || c.contains("Max-Age=0") {
                    jar.0.remove(k);
                } else {
                    jar.0.insert(k.to_string(), v.to_string());
                }
            }
        }
        svar
    }

    /// Logs `email` in with the demo password; the jar then holds the session.
    pub fn login(&self, email: &str) -> Jar {
        let mut jar = Jar::default();
        let form = self.get("/login", &mut jar);
        let csrf = form.csrf();
        let r = self.post("/login", &mut jar, &[("csrf", &csrf), ("email", email), ("kodeord", KODEORD)]);
        assert_eq!(r.status, 303, "login of {email}: {}", r.body);
        assert!(jar.0.contains_key("godkend_session"), "no session cookie for {email}");
        jar
    }

    /// The session's CSRF token, read off a page.
    pub fn csrf(&self, jar: &mut Jar) -> String {
        let page = self.get("/", jar);
        let page = if page.status == 303 { self.get(page.header("location").unwrap(), jar) } else { page };
        page.csrf()
    }

    /// Rows of a table of the dialogue store, by SQL, read with the sqlite3 of rusqlite (the test's own).
    pub fn sql_count(&self, sql: &str) -> i64 {
        let conn = rusqlite::Connection::open(&self.dialog).unwrap();
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }
}

impl Portal {
    /// Kills the server (SIGKILL, this test's own process by its pid) and waits for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        // Only the process this test started, by its pid.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Cookies by name.
#[derive(Clone, Debug, Default)]
pub struct Jar(pub BTreeMap<String, String>);

/// An HTTP answer.
#[derive(Debug)]
pub struct Svar {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Svar {
    fn parse(raw: &[u8]) -> Svar {
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a head");
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.lines();
        let status: u16 = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
            .collect();
        let mut bytes = raw[split + 4..].to_vec();
        if headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked")) {
            bytes = dechunk(&bytes);
        }
        Svar { status, headers, body: String::from_utf8_lossy(&bytes).into_owned(), bytes }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    /// The first `name="csrf" value="…"` of the page.
    pub fn csrf(&self) -> String {
        let at = self.body.find("name=\"csrf\" value=\"").unwrap_or_else(|| panic!("no csrf field in {}", self.body));
        self.body[at + 19..].split('"').next().unwrap().to_string()
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else { return out };
        let n = usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).unwrap_or(0);
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + n]);
        b = &b[eol + 2 + n + 2..];
    }
}

/// Percent-encoding for a form field.
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
