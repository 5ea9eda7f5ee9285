//! Deliveries over the API (`POST /api/v1/leveringer`), as a vendor's case system sends them: every
//! status code, a key used for another municipality (403, nothing stored), the store busy (503 with
//! Retry-After), API deliveries and a CLI ingest at once (the store equals a sequential ingest), and
//! the server killed mid-delivery (the store before or after, and sound). The real binary on loopback.

mod portal;

use godkend_store::CaseStore;
use portal::Portal;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// `godkend noegle opret` for `afsender` (delivering for `kommuner`); returns the token.
fn key(portal: &Portal, afsender: &str, kommuner: &str) -> String {
    let out = Command::new(portal::bin())
        .args([
            "noegle",
            "opret",
            "--dialog",
            portal.dialog.to_str().unwrap(),
            "--afsender",
            afsender,
            "--for",
            kommuner,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines().find_map(|l| l.strip_prefix("token (vises kun nu): ")).expect("a token").trim().to_string()
}

/// A delivery over the API: (status, headers, body).
fn deliver(addr: &str, token: Option<&str>, name: &str, body: &[u8]) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let head = format!(
        "POST /api/v1/leveringer HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}X-Filnavn: {name}\r\nContent-Type: text/csv\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    (head.split(' ').nth(1).unwrap().parse().unwrap(), head.to_lowercase(), body.to_string())
}

fn demo(name: &str) -> Vec<u8> {
    std::fs::read(portal::repo().join("fixtures/demo").join(name)).unwrap()
}

fn log_files(store: &Path) -> Vec<(String, String, String)> {
    let s = CaseStore::open(store).unwrap();
    let mut v: Vec<_> = s.read_log().unwrap().into_iter().map(|e| (e.fil, e.sha256, e.status)).collect();
    v.sort();
    v
}

fn fsck(store: &Path) -> i32 {
    Command::new(portal::bin())
        .args(["fsck", "--store", store.to_str().unwrap()])
        .output()
        .unwrap()
        .status
        .code()
        .unwrap()
}

#[test]
fn each_answer_of_the_delivery_api() {
    let portal = Portal::start();
    let taarnby = key(&portal, "185", "185,155");
    let addr = portal.addr.clone();
    let before = log_files(&portal.store);

    // 200: accepted, and the answer is the receipt the store keeps.
    let (status, _, body) = deliver(&addr, Some(&taarnby), "185_2025-06_2.csv", &demo("185_2025-06.csv"));
    assert_eq!(status, 200, "{body}");
    let receipt: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(receipt["fil"], "185_2025-06_2.csv");
    assert_ne!(receipt["status"], "afvist");
    let stored = CaseStore::open(&portal.store).unwrap().receipt_json("185_2025-06_2.csv").unwrap().unwrap();
    assert_eq!(serde_json::from_str::<serde_json::Value>(&stored).unwrap(), receipt);
    // The key covers Dragør too (Tårnby reports for it).
    let (status, _, body) = deliver(&addr, Some(&taarnby), "155_2025-06_2.csv", &demo("185_2025-06.csv"));
    assert!(status == 200 || status == 422, "{status} {body}");
    // 409: the same file again.
    let (status, _, body) = deliver(&addr, Some(&taarnby), "185_2025-06_2.csv", &demo("185_2025-06.csv"));
    assert_eq!(status, 409, "{body}");
    // 422: rejected, with the receipt saying why (a header that is not a delivery's).
    let (status, _, body) = deliver(&addr, Some(&taarnby), "185_2025-07_2.csv", b"navn;alder\nx;1\n");
    assert_eq!(status, 422, "{body}");
    let rejected: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(rejected["status"], "afvist");
    assert!(rejected["fatal"].is_object(), "{body}");
    // A CPR number in the file never comes back in the answer.
    let (status, _, body) = deliver(
        &addr,
        Some(&taarnby),
        "185_2025-08_2.csv",
        b"kommunekode;sagsid;cpr;ydelse;maalgruppe;startdato;slutdato;slettet\n185;X-1;3113901234;1.1;1;2025-01-05;;\n",
    );
    assert!(status == 200 || status == 422);
    assert!(!body.contains("3113901234"), "{body}");

    let after_ok = log_files(&portal.store);
    // 403: the key does not cover Ishøj; nothing is stored.
    let (status, _, body) = deliver(&addr, Some(&taarnby), "183_2025-06_2.csv", &demo("183_2025-06.csv"));
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("183"));
    // 401: no key, a wrong key, a malformed header.
    for t in [None, Some("0".repeat(64).as_str()), Some("ikke-en-noegle")] {
        assert_eq!(deliver(&addr, t, "185_2025-09_2.csv", &demo("185_2025-06.csv")).0, 401);
    }
    // 400: no usable file name.
    for name in ["", "../185_2025-06_3.csv", "lager.csv", "185_2025-06_3.exe"] {
        assert_eq!(deliver(&addr, Some(&taarnby), name, &demo("185_2025-06.csv")).0, 400, "{name:?}");
    }
    // 413: declared larger than the cap; answered before the body is read.
    let mut s = TcpStream::connect(&addr).unwrap();
    write!(s, "POST /api/v1/leveringer HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {taarnby}\r\nX-Filnavn: 185_2025-10_2.csv\r\nContent-Length: 200000000\r\n\r\n").unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    assert!(raw.starts_with("HTTP/1.1 413"), "{raw}");
    assert_eq!(log_files(&portal.store), after_ok, "refused deliveries stored nothing");

    // A revoked key delivers nothing.
    let d = portal.dialog.to_str().unwrap();
    let out = Command::new(portal::bin()).args(["noegle", "tilbagekald", "--dialog", d, "--id", "1"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(deliver(&addr, Some(&taarnby), "185_2025-09_2.csv", &demo("185_2025-09.csv")).0, 401);
    let list = String::from_utf8_lossy(
        &Command::new(portal::bin()).args(["noegle", "liste", "--dialog", d]).output().unwrap().stdout,
    )
    .into_owned();
    assert!(list.contains("1;185;185,155;") && list.contains("tilbagekaldt"), "{list}");
    assert!(!list.contains(&taarnby), "a token is shown once, never listed");
    // A key for a municipality the sender does not report for is refused when made.
    let out = Command::new(portal::bin())
        .args(["noegle", "opret", "--dialog", d, "--afsender", "185", "--for", "101"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    // 503: another process holds the writer lock for longer than a delivery waits.
    let ishoej = key(&portal, "183", "183,187");
    let held = CaseStore::open_or_create(&portal.store, &godkend_ingest::Noegle::demo().aftryk()).unwrap();
    let (status, head, body) = deliver(&addr, Some(&ishoej), "183_2025-06_2.csv", &demo("183_2025-06.csv"));
    assert_eq!(status, 503, "{body}");
    assert!(head.contains("retry-after: 5"), "{head}");
    drop(held);
    assert_eq!(deliver(&addr, Some(&ishoej), "183_2025-06_2.csv", &demo("183_2025-06.csv")).0, 200);
    assert_ne!(log_files(&portal.store), before);
    assert_eq!(fsck(&portal.store), 0);
    // Every delivery is in the audit log with its key.
    assert!(portal.sql_count("SELECT count(*) FROM revision WHERE handling = 'levering' AND bruger = 'nøgle 1'") >= 3);
    // The OpenAPI description is served.
    let mut jar = portal::Jar::default();
    let api = portal.get("/api/v1/openapi.json", &mut jar);
    let spec: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert!(spec["paths"]["/api/v1/leveringer"]["post"]["responses"]["503"].is_object());
}

#[test]
fn api_deliveries_and_a_cli_ingest_at_once_equal_a_sequential_ingest() {
    let portal = Portal::start();
    let senders = ["101", "183", "185", "360"];
    let tokens: Vec<(String, String)> = senders.iter().map(|k| (k.to_string(), key(&portal, k, k))).collect();
    // The CLI's share: re-deliveries of another month, in a folder.
    let cli_dir = portal.dir.path().join("cli-leveringer");
    std::fs::create_dir_all(&cli_dir).unwrap();
    for k in senders {
        std::fs::write(cli_dir.join(format!("{k}_2025-05_3.csv")), demo(&format!("{k}_2025-05.csv"))).unwrap();
    }
    let addr = portal.addr.clone();
    let store = portal.store.clone();
    let cli = std::thread::spawn(move || {
        // The CLI waits its turn: a busy store is retried, as an operator would.
        loop {
            let out = Command::new(portal::bin())
                .args(["ingest", cli_dir.to_str().unwrap(), "--store", store.to_str().unwrap(), "--demo-noegle"])
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr).into_owned();
            if out.status.code() == Some(2) && err.contains("skriver") {
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
            return (out.status.code(), err);
        }
    });
    // Sixteen deliveries at once (four senders, four months each): the portal's writer takes those
    // waiting together, so none waits for the writer lock long enough to be refused.
    let months = ["06", "07", "08", "09"];
    let api: Vec<_> = tokens
        .iter()
        .flat_map(|(k, t)| months.map(|m| (k.clone(), t.clone(), m)))
        .map(|(k, t, m)| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                deliver(&addr, Some(&t), &format!("{k}_2025-{m}_2.csv"), &demo(&format!("{k}_2025-{m}.csv")))
            })
        })
        .collect();
    for h in api {
        let (status, _, body) = h.join().unwrap();
        assert!(status == 200 || status == 503, "{status} {body}");
        assert_ne!(status, 503, "a delivery waited more than 10 s: {body}");
    }
    let (code, err) = cli.join().unwrap();
    assert!(matches!(code, Some(0) | Some(1)), "{err}");
    assert_eq!(fsck(&portal.store), 0);

    // The same files, one after the other, into a fresh store.
    let seq = tempfile::tempdir().unwrap();
    let all = seq.path().join("alle");
    std::fs::create_dir_all(&all).unwrap();
    for k in senders {
        std::fs::write(all.join(format!("{k}_2025-05_3.csv")), demo(&format!("{k}_2025-05.csv"))).unwrap();
        for m in months {
            std::fs::write(all.join(format!("{k}_2025-{m}_2.csv")), demo(&format!("{k}_2025-{m}.csv"))).unwrap();
        }
    }
    let seq_store = seq.path().join("lager");
    for dir in [portal::repo().join("fixtures/demo"), all] {
        Command::new(portal::bin())
            .args(["ingest", dir.to_str().unwrap(), "--store", seq_store.to_str().unwrap(), "--demo-noegle"])
            .output()
            .unwrap();
    }
    assert_eq!(log_files(&portal.store), log_files(&seq_store));
    let (a, b) = (CaseStore::open(&portal.store).unwrap(), CaseStore::open(&seq_store).unwrap());
    assert_eq!(a.kommuner().unwrap(), b.kommuner().unwrap());
    for k in a.kommuner().unwrap() {
        let sorted = |s: &CaseStore| {
            let mut v = s.read_cases(k).unwrap();
            v.sort_by(|x, y| x.sagsid.cmp(&y.sagsid));
            v
        };
        assert_eq!(sorted(&a), sorted(&b), "the cases of {k:03}");
    }
}

#[test]
fn a_server_killed_mid_delivery_leaves_the_store_before_or_after() {
    let portal = Portal::start();
    // A large delivery (about 30 MB), so the kill lands while it is received or ingested.
    let mut big = b"kommunekode;sagsid;cpr;ydelse;maalgruppe;startdato;slutdato;slettet\n".to_vec();
    for i in 0..500_000u32 {
        let (d, m, y, n) = (1 + i % 28, 1 + (i / 28) % 12, 40 + (i / 336) % 50, i % 10_000);
        writeln!(big, "101;STOR-{i:07};{d:02}{m:02}{y:02}{n:04};1.1;1;2024-01-05;;").unwrap();
    }
    let before = log_files(&portal.store);
    for wait_ms in [50u64, 1500] {
        let mut child_portal = Portal::on(tempfile::tempdir().unwrap(), portal.store.clone());
        let t = key(&child_portal, "101", "101");
        let addr = child_portal.addr.clone();
        let body = big.clone();
        let sender = std::thread::spawn(move || {
            let mut s = TcpStream::connect(&addr).unwrap();
            let head = format!(
                "POST /api/v1/leveringer HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {t}\r\nX-Filnavn: 101_2025-06_9.csv\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(&body);
            let mut raw = String::new();
            let _ = s.read_to_string(&mut raw);
        });
        std::thread::sleep(Duration::from_millis(wait_ms));
        child_portal.kill();
        let _ = sender.join();
        assert_eq!(fsck(&portal.store), 0, "the store is sound after a kill {wait_ms} ms into a delivery");
        let now = log_files(&portal.store);
        assert!(now == before || now.len() == before.len() + 1, "before or after, nothing between");
    }
    // A new server takes the delivery (or knows it has it).
    let again = Portal::on(tempfile::tempdir().unwrap(), portal.store.clone());
    let t = key(&again, "101", "101");
    let (status, _, body) = deliver(&again.addr, Some(&t), "101_2025-06_9.csv", &big);
    assert!(status == 200 || status == 409, "{status} {body}");
    assert_eq!(fsck(&portal.store), 0);
}

/// A minimal SMTP relay on loopback that accepts one session and returns what it was given.
fn fake_smtp() -> (String, std::thread::JoinHandle<String>) {
    use std::io::BufRead;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let mut out = stream.try_clone().unwrap();
        let mut reader = std::io::BufReader::new(stream);
        let mut got = String::new();
        writeln!(out, "220 test ESMTP\r").unwrap();
        let mut in_data = false;
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap_or(0) > 0 {
            got.push_str(&line);
            let cmd = line.trim_end().to_ascii_uppercase();
            if in_data {
                if line == ".\r\n" {
                    in_data = false;
                    writeln!(out, "250 OK\r").unwrap();
                }
            } else if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                write!(out, "250-test\r\n250 8BITMIME\r\n").unwrap();
            } else if cmd.starts_with("DATA") {
                in_data = true;
                writeln!(out, "354 go on\r").unwrap();
            } else if cmd.starts_with("QUIT") {
                writeln!(out, "221 bye\r").unwrap();
                break;
            } else {
                writeln!(out, "250 OK\r").unwrap();
            }
            line.clear();
        }
        got
    });
    (addr, handle)
}

#[test]
fn every_delivery_gets_a_receipt_mail_without_a_cpr() {
    let portal = Portal::start();
    let token = key(&portal, "101", "101");
    // Over the API: the outbox beside the dialogue store holds the mail to 101's registered users.
    let (status, _, _) = deliver(&portal.addr, Some(&token), "101_2025-06_2.csv", &demo("101_2025-06.csv"));
    assert_eq!(status, 200);
    let outbox = portal.dir.path().join("dialog.sqlite-udbakke");
    let mails: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = std::fs::read_to_string(&mails[0]).unwrap();
    assert!(mail.contains("indberetter@101.demo.dk") && mail.contains("godkender@101.demo.dk"), "{mail}");
    assert!(!mail.contains("laeser@101.demo.dk"), "readers get no receipt mails");
    assert!(mail.contains("Subject: Kvittering for levering 101_2025-06_2.csv: modtaget\r\n"), "{mail}");
    assert!(
        mail.contains("From: \"Danmarks Statistik, Social- og handicapstatistik\" <handicap@dst.dk>\r\n"),
        "{mail}"
    );
    assert!(mail.contains("Content-Transfer-Encoding: 8bit\r\n\r\n"));
    assert!(mail.contains("/kommune/101/leveringer/101_2025-06_2.csv"), "{mail}");
    // A rejected delivery with a CPR in a field: the mail says so, and shows no CPR.
    let bad = b"kommunekode;sagsid;cpr;ydelse;maalgruppe;startdato;slutdato;slettet;0101901234\n101;A;0101901234;1.1;1;2025-01-05;;\n";
    let (status, _, _) = deliver(&portal.addr, Some(&token), "101_2025-07_2.csv", bad);
    assert_eq!(status, 422);
    for e in std::fs::read_dir(&outbox).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap_or_default();
        assert!(!text.contains("0101901234") && !text.contains("010190-1234"), "CPR in a mail: {text}");
    }

    // From the command line with --dialog and --smtp: the mail goes to the relay and into sendt/.
    let (relay, got) = fake_smtp();
    let dir = portal.dir.path().join("cli");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("183_2025-06_2.csv"), demo("183_2025-06.csv")).unwrap();
    let out = Command::new(portal::bin())
        .args(["ingest", dir.to_str().unwrap(), "--store", portal.store.to_str().unwrap(), "--demo-noegle"])
        .args(["--dialog", portal.dialog.to_str().unwrap(), "--smtp", &relay])
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(0) | Some(1)), "{}", String::from_utf8_lossy(&out.stderr));
    let session = got.join().unwrap();
    assert!(
        session.contains("RCPT TO:<indberetter@183.demo.dk>")
            && session.contains("Kvittering for levering 183_2025-06_2.csv"),
        "{session}"
    );
    assert!(outbox.join("sendt").read_dir().unwrap().count() == 1);
}
