//! The portal over HTTP, as a browser or an attacker speaks to it: every route × role (own
//! municipality, another municipality, DST, not logged in, expired session), wrong CSRF tokens, login
//! throttling, the workbook upload, SQL and HTML injection in every text field, and the dialogue
//! reaching `godkend report` and `godkend run` through `--dialog`. The real binary on a loopback socket.

mod portal;

use portal::{Jar, Portal};
use std::process::Command;

/// The marks 101 must answer in the demo (id, cases behind), read through the API as DST.
fn marks_of(portal: &Portal, kode: &str) -> Vec<(String, u64)> {
    let mut dst = portal.login("dst@dst.demo.dk");
    let r = portal.get(&format!("/api/v1/kommune/{kode}/rapport"), &mut dst);
    assert_eq!(r.status, 200, "{}", r.body);
    let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    json["markeringer"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["i_rapportaaret"] == true && m["hoerer_til"].is_null() && m["tilstand"] != "loest")
        .map(|m| (m["id"].as_str().unwrap().to_string(), m["sager_i_alt"].as_u64().unwrap()))
        .collect()
}

/// The first delivery file of 101 in the demo's log.
fn a_delivery(portal: &Portal) -> String {
    let mut jar = portal.login("laeser@101.demo.dk");
    let page = portal.get("/kommune/101/leveringer", &mut jar);
    let at = page.body.find("/kommune/101/leveringer/").expect("a receipt link");
    page.body[at + 24..].split('"').next().unwrap().to_string()
}

#[test]
fn every_route_answers_each_role_as_it_should() {
    let portal = Portal::start();
    let marks = marks_of(&portal, "101");
    let (mark, _) = marks.iter().find(|(_, n)| *n > 0).expect("a demo mark with cases").clone();
    let fil = a_delivery(&portal);
    let of_101 = [
        "/kommune/101".to_string(),
        "/kommune/101/rapport".into(),
        "/kommune/101/graf/V-1.8.2".into(),
        "/kommune/101/filer/rapport.json".into(),
        format!("/kommune/101/markering/{mark}"),
        format!("/kommune/101/markering/{mark}?side=2"),
        "/kommune/101/beskeder".into(),
        "/kommune/101/leveringer".into(),
        format!("/kommune/101/leveringer/{fil}"),
        "/kommune/101/godkend".into(),
        "/kommune/101/data".into(),
        "/kommune/101/data?ydelse=1.1&side=2".into(),
        "/kommune/101/data.csv".into(),
        "/kommune/101/data.xlsx".into(),
        "/api/v1/kommune/101/rapport".into(),
        format!("/api/v1/kommune/101/markering/{mark}"),
    ];
    let dst_only = ["/kommune/101/revision", "/status", "/api/v1/status"];

    // The municipality's own users and DST read every page of 101; only DST reads DST's pages.
    for email in ["laeser@101.demo.dk", "indberetter@101.demo.dk", "godkender@101.demo.dk", "dst@dst.demo.dk"] {
        let mut jar = portal.login(email);
        for path in &of_101 {
            let r = portal.get(path, &mut jar);
            assert_eq!(r.status, 200, "{email} GET {path}: {}", r.body);
        }
        for path in dst_only {
            let want = if email.starts_with("dst") { 200 } else { 404 };
            assert_eq!(portal.get(path, &mut jar).status, want, "{email} GET {path}");
        }
    }

    // Another municipality's user: every one of 101's routes answers exactly as a route of a
    // municipality, mark or file that does not exist.
    let mut other = portal.login("godkender@183.demo.dk");
    let missing_page = portal.get("/kommune/999", &mut other);
    let missing_api = portal.get("/api/v1/kommune/999/rapport", &mut other);
    assert_eq!((missing_page.status, missing_api.status), (404, 404));
    for path in of_101.iter().map(String::as_str).chain(dst_only) {
        let r = portal.get(path, &mut other);
        let same = if path.starts_with("/api/") { &missing_api } else { &missing_page };
        assert_eq!((r.status, &r.body), (404, &same.body), "183 GET {path}");
    }
    for path in [format!("/kommune/183/markering/{mark}"), "/kommune/183/leveringer/".to_string() + &fil] {
        assert_eq!(portal.get(&path, &mut other).body, missing_page.body, "183 GET {path}: 101's id under 183's code");
    }
    assert_eq!(portal.get("/kommune/183", &mut other).status, 200);

    // Not logged in, or a session gone idle: pages lead to the login, the API says 401.
    let mut expired = portal.login("indberetter@101.demo.dk");
    let aged = portal.sql_count(
        "UPDATE session SET sidst_brugt = '2000-01-01T00:00:00Z' WHERE bruger = (SELECT id FROM bruger WHERE email = 'indberetter@101.demo.dk') RETURNING 1",
    );
    assert_eq!(aged, 1);
    for jar in [&mut Jar::default(), &mut expired] {
        for path in of_101.iter().map(String::as_str).chain(dst_only) {
            let r = portal.get(path, jar);
            if path.starts_with("/api/") {
                assert_eq!(r.status, 401, "GET {path}");
                assert!(r.body.contains("\"fejl\""), "{}", r.body);
            } else {
                assert_eq!((r.status, r.header("location")), (303, Some("/login")), "GET {path}");
            }
        }
    }

    // Every form post: a wrong CSRF token is refused and writes nothing; another municipality's
    // marks answer 404; a reader may not write; an indberetter may not approve.
    let audit_before = portal.sql_count("SELECT count(*) FROM revision WHERE handling NOT LIKE 'login%'");
    let posts = [
        format!("/kommune/101/markering/{mark}/kommentar"),
        format!("/kommune/101/markering/{mark}/besked"),
        "/kommune/101/beskeder".into(),
        "/kommune/101/godkend".into(),
        "/logout".into(),
    ];
    let mut writer = portal.login("godkender@101.demo.dk");
    for path in &posts {
        for bad in ["", "0000000000000000000000000000000000000000000000000000000000000000"] {
            let r = portal.post(
                path,
                &mut writer,
                &[("csrf", bad), ("tekst", "x"), ("godkendt_af", "x"), ("bekraeft", "ja")],
            );
            assert_eq!(r.status, 403, "POST {path} with csrf {bad:?}: {}", r.body);
        }
    }
    let mut dst = portal.login("dst@dst.demo.dk");
    for path in [format!("/kommune/101/markering/{mark}/vurdering"), "/kommune/101/genskab".into()] {
        assert_eq!(
            portal
                .post(&path, &mut dst, &[("csrf", "forkert"), ("vurdering", "accepteret"), ("kommentar", "1")])
                .status,
            403
        );
        let csrf = portal.csrf(&mut writer);
        assert_eq!(
            portal.post(&path, &mut writer, &[("csrf", &csrf), ("vurdering", "accepteret"), ("kommentar", "1")]).status,
            404,
            "{path} for a municipality"
        );
    }
    assert_eq!(portal.sql_count("SELECT count(*) FROM revision WHERE handling NOT LIKE 'login%'"), audit_before);
    let other_csrf = portal.csrf(&mut other);
    for path in posts.iter().take(4) {
        let r = portal.post(
            path,
            &mut other,
            &[("csrf", &other_csrf), ("tekst", "fremmed"), ("godkendt_af", "x"), ("bekraeft", "ja")],
        );
        assert_eq!(r.status, 404, "183 POST {path}");
    }
    let mut reader = portal.login("laeser@101.demo.dk");
    let csrf = portal.csrf(&mut reader);
    for path in posts.iter().take(3) {
        assert_eq!(
            portal.post(path, &mut reader, &[("csrf", &csrf), ("tekst", "læser")]).status,
            403,
            "laeser POST {path}"
        );
    }
    let mut indberetter = portal.login("indberetter@101.demo.dk");
    let csrf = portal.csrf(&mut indberetter);
    let r = portal.post(
        "/kommune/101/godkend",
        &mut indberetter,
        &[("csrf", &csrf), ("godkendt_af", "x"), ("bekraeft", "ja")],
    );
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(portal.sql_count("SELECT count(*) FROM kommentar") + portal.sql_count("SELECT count(*) FROM besked"), 0);

    // Approval is refused while a mark is open, on the server, whatever the form says.
    let csrf = portal.csrf(&mut writer);
    let r = portal.post(
        "/kommune/101/godkend",
        &mut writer,
        &[("csrf", &csrf), ("godkendt_af", "Jens"), ("bekraeft", "ja")],
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(portal.sql_count("SELECT count(*) FROM godkendelse"), 0);

    // Logout ends the session on the server: the old cookie no longer works.
    let stolen = writer.clone();
    let csrf = portal.csrf(&mut writer);
    assert_eq!(portal.post("/logout", &mut writer, &[("csrf", &csrf)]).status, 303);
    assert_eq!(portal.get("/kommune/101", &mut stolen.clone()).status, 303);

    // The audit log cannot be changed, even by SQL through the store's own schema.
    let conn = rusqlite::Connection::open(&portal.dialog).unwrap();
    assert!(conn.execute("UPDATE revision SET bruger = 'x'", []).is_err());
    assert!(conn.execute("DELETE FROM revision", []).is_err());
}

#[test]
fn injection_in_every_text_field_is_stored_as_text_and_shown_escaped() {
    let portal = Portal::start();
    let marks = marks_of(&portal, "101");
    let hostile = "<script>alert(1)</script>\"><img src=x onerror=alert(2)> '; DROP TABLE kommentar; -- ' OR '1'='1 \
                   CPR 010190-1234 og 0101901234 og ０１０１９０１２３４";
    let mut jar = portal.login("godkender@101.demo.dk");
    let csrf = portal.csrf(&mut jar);
    for (id, _) in &marks {
        for what in ["kommentar", "besked"] {
            let r = portal.post(
                &format!("/kommune/101/markering/{id}/{what}"),
                &mut jar,
                &[("csrf", &csrf), ("tekst", hostile)],
            );
            assert_eq!(r.status, 303, "{what}: {}", r.body);
        }
    }
    assert_eq!(portal.post("/kommune/101/beskeder", &mut jar, &[("csrf", &csrf), ("tekst", hostile)]).status, 303);
    let r =
        portal.post("/kommune/101/godkend", &mut jar, &[("csrf", &csrf), ("godkendt_af", hostile), ("bekraeft", "ja")]);
    assert_eq!(r.status, 303, "{}", r.body);
    // The login form echoes the address typed.
    let mut anon = Jar::default();
    let login = portal.get("/login", &mut anon);
    let echoed = portal.post("/login", &mut anon, &[("csrf", &login.csrf()), ("email", hostile), ("kodeord", "x")]);
    assert_eq!(echoed.status, 401);

    // Every table is still there and holds the text as text, the CPR numbers masked.
    assert_eq!(portal.sql_count("SELECT count(*) FROM kommentar"), marks.len() as i64);
    for table in ["kommentar", "besked", "godkendelse", "revision"] {
        let col = if table == "godkendelse" {
            "godkendt_af"
        } else if table == "revision" {
            "efter || foer || bruger"
        } else {
            "tekst"
        };
        assert_eq!(
            portal.sql_count(&format!(
                "SELECT count(*) FROM {table} WHERE {col} LIKE '%0101901234%' OR {col} LIKE '%010190-1234%'"
            )),
            0,
            "{table}"
        );
    }
    assert!(
        portal.sql_count("SELECT count(*) FROM kommentar WHERE tekst LIKE '%DROP TABLE kommentar%[CPR skjult]%'") > 0
    );

    let mut pages = vec![
        portal.get("/kommune/101", &mut jar),
        portal.get("/kommune/101/beskeder", &mut jar),
        portal.get("/kommune/101/godkendt", &mut jar),
        portal.get(&format!("/api/v1/kommune/101/markering/{}", marks[0].0), &mut jar),
        portal.get("/api/v1/kommune/101/rapport", &mut jar),
        echoed,
    ];
    for (id, _) in &marks {
        pages.push(portal.get(&format!("/kommune/101/markering/{id}"), &mut jar));
    }
    let mut dst = portal.login("dst@dst.demo.dk");
    pages.push(portal.get("/kommune/101/revision", &mut dst));
    pages.push(portal.get("/status", &mut dst));
    for page in &pages {
        assert!(page.status == 200 || page.status == 401, "{}", page.body);
        let ctype = page.header("content-type").unwrap_or("");
        if ctype.starts_with("text/html") {
            assert!(!page.body.contains("<script"), "unescaped script: {}", page.body);
            assert!(!page.body.contains("<img src=x"), "unescaped tag");
        } else {
            // JSON carries the text as text; served as JSON with nosniff, it is never run as a page.
            assert_eq!(ctype, "application/json");
            assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
            serde_json::from_str::<serde_json::Value>(&page.body).unwrap();
        }
        for cpr in ["010190-1234", "0101901234", "０１０１９０１２３４"] {
            assert!(!page.body.contains(cpr), "CPR shown: {}", page.body);
        }
    }
    assert!(pages[1].body.contains("&#60;script&#62;alert(1)&#60;/script&#62;"), "{}", pages[1].body);
    assert!(pages[1].body.contains("[CPR skjult]"));
}

#[test]
fn failed_logins_are_throttled_per_account() {
    let portal = Portal::start();
    let mut jar = Jar::default();
    for i in 0..5 {
        let csrf = portal.get("/login", &mut jar).csrf();
        let r = portal.post(
            "/login",
            &mut jar,
            &[("csrf", &csrf), ("email", "godkender@101.demo.dk"), ("kodeord", "forkert-kodeord")],
        );
        assert_eq!(r.status, 401, "attempt {i}");
        assert!(r.body.contains("E-mailadressen eller kodeordet er forkert"));
    }
    // The sixth is refused before the password is looked at: the right password does not help.
    let csrf = portal.get("/login", &mut jar).csrf();
    let r = portal.post(
        "/login",
        &mut jar,
        &[("csrf", &csrf), ("email", "godkender@101.demo.dk"), ("kodeord", portal::KODEORD)],
    );
    assert_eq!(r.status, 429, "{}", r.body);
    assert!(r.body.contains("For mange"));
    assert!(!jar.0.contains_key("godkend_session"));
    // Another account from the same address still logs in (the address limit is higher).
    portal.login("godkender@183.demo.dk");
    assert_eq!(portal.sql_count("SELECT count(*) FROM revision WHERE handling = 'login_afvist'"), 5);
    assert_eq!(portal.sql_count("SELECT count(*) FROM revision WHERE handling = 'login_spaerret'"), 1);
    // A login without the form's token is refused.
    let r = portal.post(
        "/login",
        &mut Jar::default(),
        &[("csrf", &csrf), ("email", "godkender@183.demo.dk"), ("kodeord", portal::KODEORD)],
    );
    assert_eq!(r.status, 403);
}

#[test]
fn the_workbook_answers_its_own_marks_and_the_answers_reach_the_pdf_and_the_status() {
    let portal = Portal::start();
    let marks = marks_of(&portal, "101");
    let others = marks_of(&portal, "183");
    let mut jar = portal.login("godkender@101.demo.dk");
    let csrf = portal.csrf(&mut jar);

    // The returned workbook: one line per own mark, one for 183's mark, one that matches nothing.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["id", "kommunekode", "ydelse", "kvartal", "regel", "kommentar"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let mut row = 1;
    for (id, _) in &marks {
        sheet.write_string(row, 0, id).unwrap();
        sheet.write_string(row, 1, "101").unwrap();
        sheet.write_string(row, 5, format!("Forklaring fra regnearket til {id}")).unwrap();
        row += 1;
    }
    sheet.write_string(row, 0, &others[0].0).unwrap();
    sheet.write_string(row, 1, "183").unwrap();
    sheet.write_string(row, 5, "en anden kommunes markering").unwrap();
    sheet.write_string(row + 1, 0, "101-2025K9-V-1.1-KK").unwrap();
    sheet.write_string(row + 1, 1, "101").unwrap();
    sheet.write_string(row + 1, 5, "ingen sådan markering").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let r = portal.post_file("/kommune/101/regneark", &mut jar, &[("csrf", &csrf)], ("101-svar.xlsx", &bytes));
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains(&format!("{} kommentarer er gemt", marks.len())), "{}", r.body);
    assert!(r.body.contains("kommunekode 183 er ikke"), "{}", r.body);
    assert!(r.body.contains("passer ikke til nogen markering"), "{}", r.body);
    assert_eq!(portal.sql_count("SELECT count(*) FROM kommentar WHERE kommune = 183"), 0);
    // The same file again changes nothing; a file that is not a workbook is a clear 400.
    let again = portal.post_file("/kommune/101/regneark", &mut jar, &[("csrf", &csrf)], ("101-svar.xlsx", &bytes));
    assert!(again.body.contains("0 kommentarer er gemt"), "{}", again.body);
    let junk =
        portal.post_file("/kommune/101/regneark", &mut jar, &[("csrf", &csrf)], ("svar.xlsx", b"PK\x03\x04 not a zip"));
    assert_eq!(junk.status, 400, "{}", junk.body);
    let wrong = portal.post_file("/kommune/101/regneark", &mut jar, &[("csrf", "forkert")], ("101-svar.xlsx", &bytes));
    assert_eq!(wrong.status, 403);

    // DST asks for more on the first mark: the municipality's front page lists it, until it answers again.
    let mut dst = portal.login("dst@dst.demo.dk");
    let api: serde_json::Value =
        serde_json::from_str(&portal.get(&format!("/api/v1/kommune/101/markering/{}", marks[0].0), &mut dst).body)
            .unwrap();
    let version = api["kommentarer"][0]["id"].as_i64().unwrap().to_string();
    let dst_csrf = portal.csrf(&mut dst);
    let review = portal.post(
        &format!("/kommune/101/markering/{}/vurdering", marks[0].0),
        &mut dst,
        &[("csrf", &dst_csrf), ("kommentar", &version), ("vurdering", "uddyb")],
    );
    assert_eq!(review.status, 303, "{}", review.body);
    let front = portal.get("/kommune/101", &mut jar);
    assert!(front.body.contains("beder om en uddybning") && front.body.contains(&marks[0].0), "{}", front.body);
    // A comment version of another municipality, reviewed under 101's code, does not exist.
    let other = portal.post(
        &format!("/kommune/183/markering/{}/vurdering", marks[0].0),
        &mut dst,
        &[("csrf", &dst_csrf), ("kommentar", &version), ("vurdering", "uddyb")],
    );
    assert_eq!(other.status, 404);
    let r = portal.post(
        &format!("/kommune/101/markering/{}/kommentar", marks[0].0),
        &mut jar,
        &[("csrf", &csrf), ("tekst", "Uddybet: genindberettet i januar.")],
    );
    assert_eq!(r.status, 303);
    assert!(!portal.get("/kommune/101", &mut jar).body.contains("beder om en uddybning"));

    // Every mark answered: the front page says so, and the godkender approves.
    let front = portal.get("/kommune/101", &mut jar);
    assert!(front.body.contains("Alle markeringer er besvaret"), "{}", front.body);
    let r = portal.post(
        "/kommune/101/godkend",
        &mut jar,
        &[("csrf", &csrf), ("godkendt_af", "Jens Hansen, kontorchef"), ("bekraeft", "ja")],
    );
    assert_eq!((r.status, r.header("location")), (303, Some("/kommune/101/godkendt")));
    let receipt = portal.get("/kommune/101/godkendt", &mut jar);
    assert!(
        receipt.body.contains("Jens Hansen, kontorchef") && receipt.body.contains("godkender@101.demo.dk"),
        "{}",
        receipt.body
    );

    // One source of truth: `godkend report --dialog` puts the comments in the PDF, `godkend run
    // --dialog` the approval in the status.
    let out = portal.dir.path().join("cli");
    let report = Command::new(portal::bin())
        .args(["report", "--store", portal.store.to_str().unwrap(), "--year", "2025", "--kommune", "101"])
        .args(["--out", out.to_str().unwrap(), "--dialog", portal.dialog.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(report.status.code(), Some(0), "{}", String::from_utf8_lossy(&report.stderr));
    let pdf = out.join("101-København-2025.pdf");
    let text =
        Command::new("pdftotext").args([pdf.to_str().unwrap(), "-"]).output().expect("pdftotext (poppler-utils)");
    let text = String::from_utf8_lossy(&text.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("Forklaring fra regnearket") && text.contains("Uddybet: genindberettet"), "{text}");
    let run = Command::new(portal::bin())
        .args(["run", "--store", portal.store.to_str().unwrap(), "--year", "2025"])
        .args(["--out", out.to_str().unwrap(), "--dialog", portal.dialog.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let status: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("status-2025.json")).unwrap()).unwrap();
    let row = status["kommuner"].as_array().unwrap().iter().find(|k| k["kommunekode"] == 101).unwrap();
    assert_eq!(row["godkendelse"], "godkendt", "{row}");
    // And the portal's own status shows it too.
    let live: serde_json::Value = serde_json::from_str(&portal.get("/api/v1/status", &mut dst).body).unwrap();
    let row = live["kommuner"].as_array().unwrap().iter().find(|k| k["kommunekode"] == 101).unwrap();
    assert_eq!(row["godkendelse"], "godkendt", "{row}");
    // A named dialogue store that does not exist is an error, not an empty store.
    let missing = Command::new(portal::bin())
        .args(["report", "--store", portal.store.to_str().unwrap(), "--year", "2025", "--kommune", "101"])
        .args(["--out", out.to_str().unwrap(), "--dialog", "/nonexistent/dialog.sqlite"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("findes ikke"));
}

#[test]
fn accounts_are_made_with_a_one_time_link_and_can_be_blocked() {
    let portal = Portal::start();
    let bruger = |args: &[&str]| {
        let o = Command::new(portal::bin()).arg("bruger").args(args).output().unwrap();
        (
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
            o.status.code(),
        )
    };
    let d = portal.dialog.to_str().unwrap();
    let (out, err, code) =
        bruger(&["tilfoej", "--dialog", d, "--kommune", "101", "--rolle", "indberetter", "--email", "ny@kk.dk"]);
    assert_eq!(code, Some(0), "{err}");
    let link =
        out.lines().find_map(|l| l.split_once("/aktiver?t=")).map(|(_, t)| t.trim().to_string()).expect("a link");
    assert_eq!(link.len(), 64);
    let (_, err, code) = bruger(&["tilfoej", "--dialog", d, "--rolle", "indberetter", "--email", "uden@kk.dk"]);
    assert_eq!(code, Some(2), "a municipality's role needs --kommune");
    assert!(err.contains("kommune"), "{err}");

    let mut jar = Jar::default();
    let form = portal.get(&format!("/aktiver?t={link}"), &mut jar);
    assert_eq!(form.status, 200);
    let short = portal.post("/aktiver", &mut jar, &[("t", &link), ("csrf", &form.csrf()), ("kodeord", "kort")]);
    assert_eq!(short.status, 400);
    assert!(short.body.contains("mindst 12 tegn"));
    let r = portal.post(
        "/aktiver",
        &mut jar,
        &[("t", &link), ("csrf", &short.csrf()), ("kodeord", "et langt nyt kodeord")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    // The link works once.
    assert_eq!(portal.get(&format!("/aktiver?t={link}"), &mut Jar::default()).status, 404);
    let mut jar = Jar::default();
    let csrf = portal.get("/login", &mut jar).csrf();
    assert_eq!(
        portal
            .post("/login", &mut jar, &[("csrf", &csrf), ("email", "ny@kk.dk"), ("kodeord", "et langt nyt kodeord")])
            .status,
        303
    );
    assert_eq!(portal.get("/kommune/101", &mut jar).status, 200);

    let (out, _, code) = bruger(&["spaer", "--dialog", d, "--email", "ny@kk.dk"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("spærret"));
    assert_eq!(portal.get("/kommune/101", &mut jar).status, 303, "a blocked account's session ends");
    let (list, _, _) = bruger(&["liste", "--dialog", d]);
    assert!(list.contains("ny@kk.dk;101;indberetter;spærret"), "{list}");
    assert!(!list.contains("$argon2"), "no hash is listed");
    // The store keeps no token and no password in the clear.
    assert_eq!(portal.sql_count(&format!("SELECT count(*) FROM invitation WHERE token = '{link}'")), 0);
    assert_eq!(portal.sql_count("SELECT count(*) FROM bruger WHERE kodeord NOT LIKE '$argon2id$%'"), 0);
}

#[test]
fn all_data_lists_the_cases_and_reconciles_an_extract() {
    let portal = Portal::start();
    let mut jar = portal.login("indberetter@101.demo.dk");
    let csv = portal.get("/kommune/101/data.csv", &mut jar);
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-disposition").unwrap().contains("101-sager.csv"));
    let rows: Vec<Vec<&str>> =
        csv.body.trim_start_matches('\u{feff}').lines().skip(1).map(|l| l.split(';').collect()).collect();
    assert!(rows.len() > 100, "{} cases", rows.len());
    assert!(rows.iter().all(|r| r[0].starts_with("101-")), "only 101's own cases");
    // No CPR-shaped number in any field (two dates side by side are shaped like one, so field by field).
    assert!(rows.iter().flatten().all(|f| !godkend_model::tekst::contains_cpr(f)));
    assert_eq!(rows[0].len(), 5, "sagsid;ydelse;maalgruppe;startdato;slutdato, nothing more");
    // The same cases as a workbook, read back with the reader the comments use.
    let xlsx = portal.get("/kommune/101/data.xlsx", &mut jar);
    assert_eq!(xlsx.status, 200);
    let path = portal.dir.path().join("sager.xlsx");
    std::fs::write(&path, &xlsx.bytes).unwrap();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
    let sheet = calamine::Reader::worksheet_range(&mut book, "Sager").unwrap();
    assert_eq!(sheet.height(), rows.len() + 1);
    assert_eq!(sheet.get((1, 0)).map(|c| c.to_string()), Some(rows[0][0].to_string()));
    let page = portal.get("/kommune/101/data?sagsid=101-00000", &mut jar);
    assert!(page.body.contains("101-0000"), "{}", page.body);

    // The extract: the first case as DST has it, the second with another service, the third with
    // another end date, one DST does not have; the rest left out (so only at DST).
    let (a, b, c) = (&rows[0], &rows[1], &rows[2]);
    let extract = format!(
        "sagsid;ydelse;startdato;slutdato\n{};{};{};{}\n{};SEL45;{};{}\n{};{};{};2099-12-31\nEGEN-1;1.1;2025-01-01;\n",
        a[0], a[1], a[3], a[4], b[0], b[3], b[4], c[0], c[1], c[3]
    );
    let csrf = portal.csrf(&mut jar);
    let r =
        portal.post_file("/kommune/101/afstemning", &mut jar, &[("csrf", &csrf)], ("udtraek.csv", extract.as_bytes()));
    assert_eq!(r.status, 200, "{}", r.body);
    let cell = |sagsid: &str| {
        r.body.split(&format!("<td>{sagsid}</td><td>")).nth(1).and_then(|t| t.split('<').next()).map(str::to_string)
    };
    assert_eq!(cell(a[0]), None, "identical: no difference");
    assert_eq!(cell(b[0]).as_deref(), Some(if b[1] == "SEL45" { "forskellige datoer" } else { "forskellig ydelse" }));
    assert_eq!(cell(c[0]).as_deref(), Some("forskellige datoer"));
    assert_eq!(cell("EGEN-1").as_deref(), Some("kun i kommunens udtræk"));
    assert_eq!(cell(rows[3][0]).as_deref(), Some("kun hos Danmarks Statistik"));
    // Every case left out is at DST only, plus the three that differ.
    assert!(r.body.contains(&format!("4 sager i udtrækket; {} forskelle", rows.len() - 3 + 3)), "{}", r.body);
    // An extract that is not one: the line and what is wrong.
    let bad = portal.post_file(
        "/kommune/101/afstemning",
        &mut jar,
        &[("csrf", &csrf)],
        ("x.csv", b"sagsid;ydelse;startdato;slutdato\nA;1.1;1. januar;\n"),
    );
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("linje 2") && bad.body.contains("startdato"), "{}", bad.body);
    let wrong =
        portal.post_file("/kommune/101/afstemning", &mut jar, &[("csrf", "forkert")], ("x.csv", extract.as_bytes()));
    assert_eq!(wrong.status, 403);
}

#[test]
fn a_month_entered_by_hand_becomes_a_delivery_and_the_cpr_stays_out_of_sight() {
    let portal = Portal::start();
    let mut jar = portal.login("indberetter@101.demo.dk");
    let csrf = portal.csrf(&mut jar);
    let page = portal.get("/kommune/101/indtastning?maaned=2025-11", &mut jar);
    assert_eq!(page.status, 200, "{}", page.body);
    let row = |sagsid: &str, cpr: &str, ydelse: &str, start: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("maaned", "2025-11".into()),
            ("sagsid", sagsid.into()),
            ("cpr", cpr.into()),
            ("ydelse", ydelse.into()),
            ("maalgruppe", "1".into()),
            ("startdato", start.into()),
        ]
    };
    let post = |jar: &mut Jar, fields: Vec<(&str, String)>| {
        let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        portal.post("/kommune/101/indtastning/tilfoej", jar, &f)
    };
    // A case that passes the delivery checks joins the draft; the CPR is shown as its birth date only.
    let r = post(&mut jar, row("MAN-1", "0101901234", "1.1", "2025-11-03"));
    assert_eq!(r.status, 303, "{}", r.body);
    let draft = portal.get("/kommune/101/indtastning?maaned=2025-11", &mut jar);
    assert!(draft.body.contains("MAN-1") && draft.body.contains("010190-••••"), "{}", draft.body);
    assert!(!draft.body.contains("0101901234"));
    // One the checks reject is not added; the finding is shown beside its field, the CPR not typed back.
    let r = post(&mut jar, row("MAN-2", "3213901234", "1.1", "2025-11-03"));
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("cpr_ugyldig") && r.body.contains("href=\"#ny-cpr\""), "{}", r.body);
    assert!(!r.body.contains("3213901234"));
    let r = post(&mut jar, row("MAN-3", "0101901234", "1.1", "2025-13-40"));
    assert_eq!(r.status, 400);
    assert!(r.body.contains("dato_ugyldig"), "{}", r.body);
    // A reader may not enter data; another municipality's page does not exist.
    let mut reader = portal.login("laeser@101.demo.dk");
    assert_eq!(portal.get("/kommune/101/indtastning", &mut reader).status, 403);
    let mut other = portal.login("indberetter@183.demo.dk");
    assert_eq!(portal.get("/kommune/101/indtastning", &mut other).status, 404);

    // Submitted: one delivery of the month with the next sequence number, through the same ingest.
    let r = portal.post("/kommune/101/indtastning/indsend", &mut jar, &[("csrf", &csrf), ("maaned", "2025-11")]);
    assert_eq!(r.status, 303, "{}", r.body);
    let to = r.header("location").unwrap().to_string();
    assert!(to.starts_with("/kommune/101/leveringer/101_2025-11_"), "{to}");
    let receipt = portal.get(&to, &mut jar);
    assert_eq!(receipt.status, 200);
    assert!(!receipt.body.contains("0101901234"));
    let fil = to.rsplit('/').next().unwrap();
    let log = CaseStoreLog::of(&portal.store);
    assert!(log.contains(&fil.to_string()), "{log:?}");
    assert_eq!(portal.sql_count("SELECT count(*) FROM revision WHERE handling = 'manuel_levering'"), 1);
    assert!(portal.get("/kommune/101/indtastning?maaned=2025-11", &mut jar).body.contains("Ingen sager endnu"));
    // The CPR never reached the dialogue store's files.
    for ext in ["", "-wal"] {
        let path = format!("{}{ext}", portal.dialog.display());
        if let Ok(bytes) = std::fs::read(&path) {
            assert!(!bytes.windows(10).any(|w| w == b"0101901234"), "CPR in {path}");
        }
    }
}

/// The file names of the store's delivery log.
struct CaseStoreLog;

impl CaseStoreLog {
    fn of(store: &std::path::Path) -> Vec<String> {
        godkend_store::CaseStore::open(store).unwrap().read_log().unwrap().into_iter().map(|e| e.fil).collect()
    }
}

#[test]
fn a_case_is_corrected_with_a_reason_and_keeps_its_person() {
    let portal = Portal::start();
    let mut jar = portal.login("indberetter@101.demo.dk");
    let csrf = portal.csrf(&mut jar);
    let store = || godkend_store::CaseStore::open(&portal.store).unwrap();
    let before: Vec<godkend_store::Sag> = store().read_cases(101).unwrap();
    let case = before
        .iter()
        .find(|s| !s.slettet && s.ydelse == "1.1" && s.slutdato.is_none())
        .expect("an open 1.1 case")
        .clone();
    let page = portal.get(&format!("/kommune/101/rettelser?sagsid={}", case.sagsid), &mut jar);
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&format!("value=\"{}\"", case.startdato)), "{}", page.body);
    let form = |slut: &str, ydelse: &str, aarsag: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("sagsid", case.sagsid.clone()),
            ("ydelse", ydelse.to_string()),
            ("maalgruppe", case.maalgruppe.map(|m| m.to_string()).unwrap_or_default()),
            ("startdato", case.startdato.to_string()),
            ("slutdato", slut.to_string()),
            ("aarsag", aarsag.to_string()),
            ("begrundelse", "Afgørelsen blev registreret forkert i det gamle system".to_string()),
        ]
    };
    let post = |jar: &mut Jar, f: Vec<(&str, String)>| {
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        portal.post("/kommune/101/rettelser", jar, &f)
    };
    let log_len = || store().read_log().unwrap().len();
    let n = log_len();
    // Refused: no reason; a service the checks reject; a sagsid the store does not hold.
    assert_eq!(post(&mut jar, form("2025-06-30", "1.1", "")).status, 400);
    let r = post(&mut jar, form("2025-06-30", "9.9", "fejlregistrering"));
    assert_eq!(r.status, 400);
    assert!(r.body.contains("ydelse_ukendt"), "{}", r.body);
    let mut unknown = form("2025-06-30", "1.1", "fejlregistrering");
    unknown[1].1 = "FINDES-IKKE-1".into();
    let r = post(&mut jar, unknown);
    assert_eq!(r.status, 400);
    assert!(r.body.contains("ingen sag med sagsid FINDES-IKKE-1"), "{}", r.body);
    assert_eq!(log_len(), n, "nothing stored by a refused correction");
    // Another municipality's case does not exist for it; a reader may not correct.
    let mut other = portal.login("indberetter@183.demo.dk");
    assert_eq!(portal.get(&format!("/kommune/101/rettelser?sagsid={}", case.sagsid), &mut other).status, 404);
    let mut reader = portal.login("laeser@101.demo.dk");
    assert_eq!(portal.get("/kommune/101/rettelser", &mut reader).status, 403);

    // Stored: a delivery with its receipt, the new end date, the same person, old → new in the audit log.
    let r = post(&mut jar, form("2025-06-30", "1.1", "systemskifte"));
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(r.header("location").unwrap().starts_with("/kommune/101/leveringer/101_"), "{:?}", r.header("location"));
    assert_eq!(log_len(), n + 1);
    let after = store().read_cases(101).unwrap();
    let now = after.iter().find(|s| s.sagsid == case.sagsid).unwrap();
    assert_eq!(now.slutdato.map(|d| d.to_string()).as_deref(), Some("2025-06-30"));
    assert_eq!((now.person, now.foedselsdato, now.koen), (case.person, case.foedselsdato, case.koen));
    assert_eq!(after.len(), before.len(), "no case added");
    assert_eq!(
        portal.sql_count(&format!(
            "SELECT count(*) FROM revision WHERE handling = 'rettelse' AND objekt LIKE '{} (systemskifte:%slutdato' AND foer = '' AND efter = '2025-06-30'",
            case.sagsid
        )),
        1
    );
    assert!(portal.get("/kommune/101/data.csv", &mut jar).body.contains(&format!("{};1.1;", case.sagsid)));
    let fsck = std::process::Command::new(portal::bin())
        .args(["fsck", "--store", portal.store.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(fsck.status.code(), Some(0));
}
