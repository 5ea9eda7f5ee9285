//! `godkend serve` (the dialogue portal) and `godkend bruger` (its accounts: add, block, list).

use crate::args;
use crate::failure::Failure;
use godkend_dialog::{Dialog, Rolle};
use godkend_model::Reference;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(
    about = "Dialogportalen: kommunerne læser deres rapport, besvarer markeringerne, skriver til DST og godkender",
    after_help = "Afslutningskode: 0 stoppet (Ctrl-C eller SIGTERM) · 2 fejl\n\nEksempel (den medfølgende demo, demobrugere på 127.0.0.1):\n  \
godkend serve --store out/lager --year 2025 --dialog out/dialog.sqlite --demo-brugere\n\n\
Bag en proxy, der afslutter TLS (nginx, en load balancer): --https mærker cookies Secure og sender HSTS."
)]
pub struct ServeArgs {
    #[command(flatten)]
    store: args::Store,
    #[command(flatten)]
    year: args::Year,
    /// Hvor gendannede rapporter skrives og downloads hentes fra (standard: ved siden af dialoglageret).
    #[arg(long, visible_alias = "ud", value_name = "MAPPE")]
    out: Option<PathBuf>,
    /// Adresse og port, der lyttes på (port 0: en ledig port, som skrives ved start).
    #[arg(long, value_name = "ADRESSE:PORT", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Portalen nås over HTTPS gennem en proxy: cookies mærkes Secure, og HSTS sendes.
    #[arg(long)]
    https: bool,
    /// Opret demobrugere for hver kommune i lageret (kodeord demo-kodeord-2025); kun på loopback.
    #[arg(long)]
    demo_brugere: bool,
    /// Pseudonymnøglen til leveringer over API'et (som for ingest; eller GODKEND_NOEGLE). Uden den modtages ingen.
    #[arg(long, value_name = "FIL", conflicts_with = "demo_noegle")]
    noegle_fil: Option<PathBuf>,
    /// Modtag API-leveringer med den offentlige demonøgle (kun demodata).
    #[arg(long)]
    demo_noegle: bool,
    /// Send kvitteringsmails gennem denne SMTP-server (VÆRT:PORT); uden den skrives de kun til udbakken.
    #[arg(long, value_name = "VÆRT:PORT")]
    smtp: Option<String>,
    /// Portalens adresse, som brugerne når den, til linkene i kvitteringsmails (standard: http://BIND).
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
#[command(
    about = "API-nøgler til sagssystemer, der leverer system til system: opret (vises én gang), list, tilbagekald",
    after_help = "Afslutningskode: 0 · 2 fejl\n\nEksempel (Tårnbys sagssystem leverer for Tårnby og Dragør):\n  \
godkend noegle opret --dialog out/dialog.sqlite --afsender 185 --for 185,155\n  \
godkend noegle liste --dialog out/dialog.sqlite\n  godkend noegle tilbagekald --dialog out/dialog.sqlite --id 1"
)]
pub struct NoegleArgs {
    #[command(subcommand)]
    command: NoegleCommand,
}

#[derive(clap::Subcommand)]
enum NoegleCommand {
    /// Opret en nøgle til en afsender; tokenet vises én gang.
    Opret {
        /// Portalens dialoglager (SQLite).
        #[arg(long, value_name = "FIL")]
        dialog: PathBuf,
        /// Kommunen, hvis sagssystem sender.
        #[arg(long, value_name = "KODE", value_parser = args::kommunekode)]
        afsender: u16,
        /// Kommunerne, den leverer filer for (standard: kun afsenderen), fx --for 185,155.
        #[arg(long = "for", value_name = "KODE,…", value_delimiter = ',', value_parser = args::kommunekode)]
        kommuner: Vec<u16>,
    },
    /// List nøglerne (aldrig deres tokens).
    Liste {
        /// Portalens dialoglager (SQLite).
        #[arg(long, value_name = "FIL")]
        dialog: PathBuf,
    },
    /// Tilbagekald en nøgle: den leverer intet fra nu af.
    Tilbagekald {
        /// Portalens dialoglager (SQLite).
        #[arg(long, value_name = "FIL")]
        dialog: PathBuf,
        /// Nøglens id (se godkend noegle liste).
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
#[command(
    about = "Portalens brugere: tilføj (skriver et engangslink til at vælge kodeord), spær, list",
    after_help = "Afslutningskode: 0 · 2 fejl\n\nEksempel:\n  \
godkend bruger tilfoej --dialog out/dialog.sqlite --kommune 101 --rolle godkender --email data@kk.dk\n  \
godkend bruger spaer --dialog out/dialog.sqlite --email data@kk.dk\n  godkend bruger liste --dialog out/dialog.sqlite"
)]
pub struct BrugerArgs {
    #[command(subcommand)]
    command: BrugerCommand,
}

#[derive(clap::Subcommand)]
enum BrugerCommand {
    /// Tilføj en bruger; skriver engangslinket (gyldigt i 72 timer), som brugeren skal have.
    Tilfoej {
        /// Portalens dialoglager (SQLite).
        #[arg(long, value_name = "FIL")]
        dialog: PathBuf,
        /// Kommunen (ikke ved --rolle dst).
        #[arg(long, value_name = "KODE", value_parser = args::kommunekode)]
        kommune: Option<u16>,
        /// indberetter, godkender, laeser eller dst.
        #[arg(long, value_parser = rolle)]
        rolle: Rolle,
        /// Brugerens e-mailadresse.
        #[arg(long)]
        email: String,
        /// Portalens adresse til linket.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
    },
    /// Spær en bruger: den kan ikke længere logge ind, og dens sessioner afsluttes.
    Spaer {
        /// Portalens dialoglager (SQLite).
        #[arg(long, value_name = "FIL")]
        dialog: PathBuf,
        /// Brugerens e-mailadresse.
        #[arg(long)]
        email: String,
    },
    /// List brugerne.
    Liste {
        /// Portalens dialoglager (SQLite).
        #[arg(long, value_name = "FIL")]
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
