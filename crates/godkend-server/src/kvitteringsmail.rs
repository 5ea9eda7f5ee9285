//! The receipt mail of a delivery, whichever way it came (the API, or `godkend ingest --dialog`): an
//! RFC 5322 message to the sender municipality's registered users (its `indberetter`s and
//! `godkender`s in the dialogue store), written to the outbox folder and, when an SMTP relay is given,
//! sent and moved to `sendt/`. It says accepted or rejected, the counts per finding code and the link
//! to the receipt page — never a CPR, never a value of the file: no examples, only counts.
//!
//! The message and the SMTP conversation are written here (`besked`, `smtp`) rather than with lettre:
//! one plain-text UTF-8 message with 8bit transfer encoding to a relay on the local network needs a
//! few lines, and lettre's dependencies re-feature polars' and cost a full rebuild of it.

use godkend_dialog::{Dialog, Rolle};
use godkend_ingest::{Kvittering, Status};
use godkend_model::Reference;
use godkend_model::talformat::tal;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// Where and how receipt mails go.
#[derive(Clone, Debug)]
pub struct Post {
    /// The outbox folder (`<dialog>-udbakke/`).
    pub udbakke: PathBuf,
    /// An SMTP relay `HOST:PORT` (plain SMTP on the local network); `None`: the outbox only.
    pub smtp: Option<String>,
    /// The portal's address, for the link to the receipt page.
    pub url: String,
}

impl Post {
    /// The outbox beside the dialogue store.
    pub fn beside(dialog: &Path, smtp: Option<String>, url: String) -> Post {
        let mut p = dialog.as_os_str().to_owned();
        p.push("-udbakke");
        Post { udbakke: PathBuf::from(p), smtp, url }
    }
}

/// The mail's text.
fn body(k: &Kvittering, reference: &Reference, url: &str) -> String {
    let accepted = k.status != Status::Afvist;
    let mut out = format!(
        "Danmarks Statistik har modtaget leveringen {}.\n\nStatus: {}\nPoster læst: {}\nModtaget: {}\nAfvist: {}\n",
        k.fil,
        if accepted {
            if k.status == Status::Godkendt { "modtaget uden bemærkninger" } else { "modtaget med bemærkninger" }
        } else {
            "AFVIST"
        },
        tal(k.raekker as f64, 0),
        tal(k.accepterede as f64, 0),
        tal(k.afviste as f64, 0),
    );
    if let Some(f) = &k.fatal {
        out.push_str(&format!("\nLeveringen er afvist: {}\nRåd: {}\n", f.tekst, f.hint));
    }
    if !k.fund.is_empty() {
        out.push_str("\nFund (antal poster pr. kode):\n");
        for f in &k.fund {
            out.push_str(&format!("  {:>8}  {}: {}\n", tal(f.antal as f64, 0), f.kode.code(), f.beskrivelse));
        }
    }
    if let Some(kode) = k.kommunekode {
        out.push_str(&format!(
            "\nHele kvitteringen med fundene linje for linje: {}/kommune/{kode:03}/leveringer/{}\n",
            url.trim_end_matches('/'),
            k.fil
        ));
    }
    let kontakt = &reference.kontakt;
    out.push_str(&format!("\nSpørgsmål: {} ({}), {}\n", kontakt.enhed, kontakt.email, kontakt.web));
    // What leaves here passes the CPR mask like every other output.
    godkend_model::tekst::mask_cpr(&out).into_owned()
}

/// Writes the receipt mail of `k` to the outbox (and sends it when a relay is configured); returns the
/// file written, or `None` when the sender has no registered user to write to.
pub fn send(post: &Post, dialog: &Dialog, reference: &Reference, k: &Kvittering) -> Result<Option<PathBuf>, String> {
    let Some(kode) = k.kommunekode else {
        return Ok(None);
    };
    let to: Vec<String> = dialog
        .users()
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|u| u.kommune == Some(kode) && !u.spaerret && matches!(u.rolle, Rolle::Indberetter | Rolle::Godkender))
        .map(|u| u.email)
        .collect();
    if to.is_empty() {
        return Ok(None);
    }
    let status = if k.status == Status::Afvist { "afvist" } else { "modtaget" };
    let from = reference.kontakt.email.clone();
    let subject = format!("Kvittering for levering {}: {status}", k.fil);
    let message = besked(
        &format!("{} <{from}>", reference.kontakt.enhed),
        &to,
        &subject,
        &body(k, reference, &post.url),
        &k.sha256,
    );
    std::fs::create_dir_all(&post.udbakke).map_err(|e| godkend_model::tekst::io_fejl(&e))?;
    let file = post.udbakke.join(format!("{}-{}.eml", k.fil, &k.sha256[..12.min(k.sha256.len())]));
    godkend_store::fil::write_atomic(&file, message.as_bytes()).map_err(|e| e.to_string())?;
    if let Some(relay) = &post.smtp {
        smtp(relay, &from, &to, &message).map_err(|e| format!("SMTP {relay}: {e}"))?;
        let sent = post.udbakke.join("sendt");
        std::fs::create_dir_all(&sent).map_err(|e| godkend_model::tekst::io_fejl(&e))?;
        let moved = sent.join(file.file_name().expect("a name"));
        std::fs::rename(&file, &moved).map_err(|e| godkend_model::tekst::io_fejl(&e))?;
        return Ok(Some(moved));
    }
    Ok(Some(file))
}

/// A header value: as is when printable ASCII, otherwise an RFC 2047 encoded word (UTF-8, base64).
fn header_value(v: &str) -> String {
    if v.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return v.to_string();
    }
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in v.as_bytes().chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            out.push(if i <= chunk.len() { B64[((n >> (18 - 6 * i)) & 63) as usize] as char } else { '=' });
        }
    }
    format!("=?utf-8?b?{out}?=")
}

/// The RFC 5322 message: headers, then the UTF-8 text in 8bit with CRLF line ends.
fn besked(from: &str, to: &[String], subject: &str, text: &str, id: &str) -> String {
    let (name, addr) = from.rsplit_once(" <").map_or((from, from), |(n, a)| (n, a.trim_end_matches('>')));
    let mut m = String::new();
    // A display name with a comma or other specials is quoted (RFC 5322 3.2.4); non-ASCII is encoded.
    let shown = if name.is_ascii() { format!("\"{}\"", name.replace(['"', '\\'], "")) } else { header_value(name) };
    m.push_str(&format!("From: {shown} <{addr}>\r\n"));
    m.push_str(&format!("To: {}\r\n", to.join(", ")));
    m.push_str(&format!("Subject: {}\r\n", header_value(subject)));
    m.push_str(&format!("Date: {}\r\n", chrono::Utc::now().to_rfc2822()));
    let domain = addr.rsplit_once('@').map_or("localhost", |(_, d)| d);
    m.push_str(&format!("Message-ID: <kvittering.{}@{domain}>\r\n", &id[..16.min(id.len())]));
    m.push_str(
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
    );
    for line in text.lines() {
        m.push_str(line);
        m.push_str("\r\n");
    }
    m
}

/// Sends `message` through a plain SMTP relay: EHLO, MAIL FROM, RCPT TO each, DATA (dot-stuffed), QUIT.
fn smtp(relay: &str, from: &str, to: &[String], message: &str) -> Result<(), String> {
    let stream = std::net::TcpStream::connect(relay).map_err(|e| godkend_model::tekst::io_fejl(&e))?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(30))).map_err(|e| e.to_string())?;
    let mut out = stream.try_clone().map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(stream);
    // One reply (the last line of a multi-line one has a space after the code); its code must be `want`.
    let mut reply = |want: char| -> Result<(), String> {
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
                return Err("forbindelsen blev lukket".into());
            }
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                return if line.starts_with(want) { Ok(()) } else { Err(format!("svarede {}", line.trim_end())) };
            }
        }
    };
    let say = |out: &mut std::net::TcpStream, line: &str| {
        out.write_all(format!("{line}\r\n").as_bytes()).map_err(|e| e.to_string())
    };
    reply('2')?;
    say(&mut out, "EHLO godkend")?;
    reply('2')?;
    say(&mut out, &format!("MAIL FROM:<{from}>"))?;
    reply('2')?;
    for t in to {
        say(&mut out, &format!("RCPT TO:<{t}>"))?;
        reply('2')?;
    }
    say(&mut out, "DATA")?;
    reply('3')?;
    let stuffed: String = message
        .split("\r\n")
        .map(|l| if l.starts_with('.') { format!(".{l}\r\n") } else { format!("{l}\r\n") })
        .collect();
    out.write_all(stuffed.trim_end_matches("\r\n").as_bytes()).map_err(|e| e.to_string())?;
    say(&mut out, "\r\n.")?;
    reply('2')?;
    say(&mut out, "QUIT")?;
    let _ = reply('2');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_ascii_and_lines_end_in_crlf() {
        assert_eq!(header_value("Kvittering 101_2025-03.csv"), "Kvittering 101_2025-03.csv");
        // RFC 2047: "Læsø" is 4c c3 a6 73 c3 b8 in UTF-8.
        assert_eq!(header_value("Læsø"), "=?utf-8?b?TMOmc8O4?=");
        let m = besked(
            "Danmarks Statistik, Social <h@dst.dk>",
            &["a@kk.dk".into()],
            "Æ",
            "linje 1\n.linje 2",
            "abcdef0123456789ff",
        );
        assert!(
            m.starts_with(
                "From: \"Danmarks Statistik, Social\" <h@dst.dk>\r\nTo: a@kk.dk\r\nSubject: =?utf-8?b?w4Y=?=\r\n"
            ),
            "{m}"
        );
        assert!(m.ends_with("\r\n\r\nlinje 1\r\n.linje 2\r\n"), "{m}");
        assert!(!m.replace("\r\n", "").contains('\n'), "bare LF in {m}");
    }
}
