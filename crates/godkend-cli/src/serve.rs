//! `godkend serve` (the dialogue portal) and `godkend bruger` (its accounts: add, block, list).

use crate::args;
use crate::failure::Failure;
use godkend_dialog::{Dialog, Rolle};
use godkend_model::Reference;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(
    about = "The dialogue portal: municipalities read their report, answer their marks, write to DST and approve",
    after_help = "Exit: 0 stopped (Ctrl-C or SIGTERM) · 2 error\n\nExample (the bundled demo, demo users on 127.0.0.1):\n  \
godkend serve --store out/lager --year 2025 --dialog out/dialog.sqlite --demo-brugere\n\n\
Behind a TLS-terminating proxy (nginx, a load balancer): --https marks the cookies Secure and sends HSTS."
)]
pub struct ServeArgs {
    #[command(flatten)]
    store: args::Store,
    #[command(flatten)]
    year: args::Year,
    /// Where regenerated reports are written and downloads are served from (default: beside the dialogue store).
    #[arg(long, visible_alias = "ud", value_name = "DIR")]
    out: Option<PathBuf>,
    /// Address and port to listen on (port 0: any free port, printed at start).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// The portal is reached over HTTPS through a proxy: cookies are marked Secure, HSTS is sent.
    #[arg(long)]
    https: bool,
    /// Make demo users for every municipality of the store (password demo-kodeord-2025); loopback only.
    #[arg(long)]
    demo_brugere: bool,
    /// The pseudonym key for deliveries over the API (as for ingest; or GODKEND_NOEGLE). Without one, none are taken.
    #[arg(long, value_name = "FILE", conflicts_with = "demo_noegle")]
    noegle_fil: Option<PathBuf>,
    /// Take API deliveries with the public demo key (the demo data only).
    #[arg(long)]
    demo_noegle: bool,
    /// Send receipt mails through this SMTP relay (HOST:PORT); without it they are only written to the outbox.
    #[arg(long, value_name = "HOST:PORT")]
    smtp: Option<String>,
    /// The portal's address as users reach it, for the links in receipt mails (default: http://BIND).
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    #[command(flatten)]
    round: args::Round,
}

pub fn serve(a: ServeArgs, reference: &Reference) -> Result<u8, Failure> {
    // The dialogue store is created if missing (a new round starts with an empty one).
    let dialog = a.round.dialog.dialog.clone().ok_or_else(|| {
        Failure::new(
            "godkend serve mangler --dialog FILE",
            "angiv dialoglageret, fx --dialog out/dialog.sqlite (oprettes, hvis det ikke findes)",
        )
    })?;
    let out = a.out.clone().unwrap_or_else(|| {
        let mut p = dialog.clone().into_os_string();
        p.push("-rapporter");
        PathBuf::from(p)
    });
    // The portal reads the dialogue store live; the round at start carries only the files' answers.
    let options = a.round.file_options(a.year.year, None);
    let noegle = if a.demo_noegle {
        Some(godkend_ingest::Noegle::demo())
    } else if a.noegle_fil.is_some() || std::env::var_os("GODKEND_NOEGLE").is_some() {
        Some(godkend_ingest::Noegle::from_file_or_env(a.noegle_fil.as_deref())?)
    } else {
        None
    };
    let config = godkend_server::Config {
        store: a.store.store.clone(),
        year: a.year.year,
        dialog: dialog.clone(),
        out,
        bind: a.bind,
        secure: a.https,
        options,
        demo_brugere: a.demo_brugere,
        noegle,
        post: godkend_server::kvitteringsmail::Post::beside(
            &dialog,
            a.smtp.clone(),
            a.url.clone().unwrap_or_else(|| format!("http://{}", a.bind)),
        ),
    };
    godkend_server::serve(config, reference.clone())?;
    Ok(0)
}

#[derive(clap::Args)]
#[command(about = "API keys of the case systems that deliver system to system: create (shown once), list, revoke")]
pub struct NoegleArgs {
    #[command(subcommand)]
    command: NoegleCommand,
}

#[derive(clap::Subcommand)]
enum NoegleCommand {
    /// Create a key for a sender; prints the token once.
    Opret {
        #[arg(long, value_name = "FILE")]
        dialog: PathBuf,
        /// The municipality whose case system sends.
        #[arg(long, value_name = "KODE", value_parser = args::kommunekode)]
        afsender: u16,
        /// The municipalities it delivers files for (default: the sender alone), e.g. --for 185,155.
        #[arg(long = "for", value_name = "KODE,…", value_delimiter = ',', value_parser = args::kommunekode)]
        kommuner: Vec<u16>,
    },
    /// List the keys (never their tokens).
    Liste {
        #[arg(long, value_name = "FILE")]
        dialog: PathBuf,
    },
    /// Revoke a key: it delivers nothing from now on.
    Tilbagekald {
        #[arg(long, value_name = "FILE")]
        dialog: PathBuf,
        #[arg(long)]
        id: i64,
    },
}

pub fn noegle(a: NoegleArgs, reference: &Reference) -> Result<u8, Failure> {
    match a.command {
        NoegleCommand::Opret { dialog, afsender, kommuner } => {
            let kommuner = if kommuner.is_empty() { vec![afsender] } else { kommuner };
            if reference.kommune(afsender).is_none() {
                return Err(Failure::new(format!("--afsender {afsender} er ikke en kommunekode"), "fx --afsender 185"));
            }
            // A sender delivers its own files and those of the municipalities it reports for.
            for &k in &kommuner {
                if !reference.may_deliver_for(afsender, k) {
                    return Err(Failure::new(
                        format!("{afsender:03} indberetter ikke for {k:03}"),
                        "--for tager afsenderen selv og de kommuner, den indberetter for (fx Tårnby 185 for Dragør 155)",
                    ));
                }
            }
            let d = Dialog::open(&dialog)?;
            let (key, token) = d.create_api_key(afsender, &kommuner, "system (godkend noegle)")?;
            println!(
                "nøgle {} for {afsender:03} (leverer for {})",
                key.id,
                kommuner.iter().map(|k| format!("{k:03}")).collect::<Vec<_>>().join(", ")
            );
            println!("token (vises kun nu): {token}");
        }
        NoegleCommand::Liste { dialog } => {
            let d = Dialog::open(&dialog)?;
            println!("id;afsender;kommuner;oprettet;status");
            for k in d.api_keys()? {
                let list = k.kommuner.iter().map(|k| format!("{k:03}")).collect::<Vec<_>>().join(",");
                let status = k.tilbagekaldt.as_deref().map_or("aktiv".to_string(), |t| format!("tilbagekaldt {t}"));
                println!("{};{:03};{list};{};{status}", k.id, k.afsender, k.oprettet);
            }
        }
        NoegleCommand::Tilbagekald { dialog, id } => {
            let d = Dialog::open(&dialog)?;
            let k = d.revoke_api_key(id, "system (godkend noegle)")?;
            println!("nøgle {} for {:03} er tilbagekaldt", k.id, k.afsender);
        }
    }
    Ok(0)
}

#[derive(clap::Args)]
#[command(about = "The portal's accounts: add (prints a one-time link to set the password), block, list")]
pub struct BrugerArgs {
    #[command(subcommand)]
    command: BrugerCommand,
}

#[derive(clap::Subcommand)]
enum BrugerCommand {
    /// Add an account; prints the one-time link (valid 72 hours) to give its owner.
    Tilfoej {
        #[arg(long, value_name = "FILE")]
        dialog: PathBuf,
        /// The municipality (not for --rolle dst).
        #[arg(long, value_name = "KODE", value_parser = args::kommunekode)]
        kommune: Option<u16>,
        /// indberetter, godkender, laeser or dst.
        #[arg(long, value_parser = rolle)]
        rolle: Rolle,
        #[arg(long)]
        email: String,
        /// The portal's address, for the link.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
    },
    /// Block an account: it can no longer log in, and its sessions end.
    Spaer {
        #[arg(long, value_name = "FILE")]
        dialog: PathBuf,
        #[arg(long)]
        email: String,
    },
    /// List the accounts.
    Liste {
        #[arg(long, value_name = "FILE")]
        dialog: PathBuf,
    },
}

fn rolle(s: &str) -> Result<Rolle, String> {
    Rolle::parse(s).ok_or_else(|| {
        format!("{} er ikke en rolle: indberetter, godkender, laeser eller dst", godkend_model::tekst::shown(s))
    })
}

pub fn bruger(a: BrugerArgs, reference: &Reference) -> Result<u8, Failure> {
    match a.command {
        BrugerCommand::Tilfoej { dialog, kommune, rolle, email, url } => {
            if let Some(k) = kommune
                && reference.kommune(k).is_none()
            {
                return Err(Failure::new(format!("--kommune {k} er ikke en kommunekode"), "fx --kommune 101"));
            }
            let d = Dialog::open(&dialog)?;
            let (user, token) = d.add_user(&email, kommune, rolle, "system (godkend bruger)")?;
            println!(
                "{} oprettet som {}{}",
                user.email,
                rolle.navn(),
                kommune.map(|k| format!(" for {k:03}")).unwrap_or_default()
            );
            println!(
                "engangslink (gyldigt i {} timer): {}/aktiver?t={token}",
                godkend_dialog::brugere::INVITATION_TIMER,
                url.trim_end_matches('/')
            );
        }
        BrugerCommand::Spaer { dialog, email } => {
            let d = Dialog::open(&dialog)?;
            let user = d.block_user(&email, "system (godkend bruger)")?;
            println!("{} er spærret; sessionerne er afsluttet", user.email);
        }
        BrugerCommand::Liste { dialog } => {
            let d = Dialog::open(&dialog)?;
            println!("email;kommune;rolle;status");
            for u in d.users()? {
                let status = if u.spaerret {
                    "spærret"
                } else if u.har_kodeord {
                    "aktiv"
                } else {
                    "afventer kodeord"
                };
                println!(
                    "{};{};{};{status}",
                    u.email,
                    u.kommune.map(|k| format!("{k:03}")).unwrap_or_default(),
                    u.rolle.code()
                );
            }
        }
    }
    Ok(0)
}
