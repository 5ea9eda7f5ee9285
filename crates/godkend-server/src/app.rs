//! The portal's shared state: the configuration, the dialogue store, and the round as it was run at
//! start (or last regenerated, per municipality). A page shows that round's report of its municipality
//! with the dialogue store's answers as they stand now ([`App::live`]).

use crate::Error;
use crate::throttle::Throttle;
use godkend_dialog::{Dialog, Rolle};
use godkend_model::{LogEntry, Reference};
use godkend_round::{Frister, KommuneRapport, Rapport, RunOptions, Status, Udvalg};
use godkend_store::CaseStore;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

/// How `godkend serve` was started.
#[derive(Clone, Debug)]
pub struct Config {
    pub store: PathBuf,
    pub year: i32,
    pub dialog: PathBuf,
    /// Where regenerated reports are written (and downloads are served from).
    pub out: PathBuf,
    pub bind: SocketAddr,
    /// Mark the cookies `Secure`: the portal is reached over HTTPS (a TLS-terminating proxy).
    pub secure: bool,
    /// The file side inputs of the round (as `godkend run` takes them); `dialog` is filled from the store.
    pub options: RunOptions,
    /// Make demo users (every municipality of the store, three roles each, and one DST user) with the
    /// password [`DEMO_KODEORD`]. Only on a loopback address.
    pub demo_brugere: bool,
    /// The pseudonym key, for deliveries over the API; without it the portal takes none.
    pub noegle: Option<godkend_ingest::Noegle>,
    /// Where receipt mails go (the outbox, an SMTP relay) and the portal's address for their links.
    pub post: crate::kvitteringsmail::Post,
}

/// The demo users' password (`--demo-brugere`, loopback only).
pub const DEMO_KODEORD: &str = "demo-kodeord-2025";

/// The round as computed: each municipality's report, the year's deadlines, the delivery log.
#[derive(Debug)]
pub struct Grundlag {
    pub rapporter: BTreeMap<u16, Arc<Rapport>>,
    pub frister: Frister,
    pub log: Vec<LogEntry>,
}

#[derive(Debug)]
pub struct App {
    pub config: Config,
    pub reference: Reference,
    pub dialog: Dialog,
    grundlag: RwLock<Arc<Grundlag>>,
    pub throttle: Mutex<Throttle>,
    /// One regeneration at a time (it counts the store).
    regenerating: Mutex<()>,
    /// The queue of deliveries over the API for the one writer (`levering::writer`).
    pub deliveries: tokio::sync::mpsc::UnboundedSender<crate::koe::Job>,
    /// Manual entry's drafts, in memory only (a CPR typed in never reaches the disk before ingest).
    pub kladder: crate::sider::Kladder,
    /// The writer's end of the queue, until `serve` starts the writer.
    pub queue: Mutex<Option<tokio::sync::mpsc::UnboundedReceiver<crate::koe::Job>>>,
}

impl App {
    /// Opens the dialogue store and the case store, runs the round, and makes the demo users if asked.
    pub fn start(config: Config, reference: Reference) -> Result<App, Error> {
        if config.demo_brugere && !config.bind.ip().is_loopback() {
            return Err(Error::Start(format!(
                "--demo-brugere kun på en lokal adresse (127.0.0.1), ikke {}: demobrugerne har et kendt kodeord",
                config.bind.ip()
            )));
        }
        std::fs::create_dir_all(&config.out)
            .map_err(|e| Error::Start(format!("{}: {}", config.out.display(), godkend_model::tekst::io_fejl(&e))))?;
        let dialog = Dialog::open(&config.dialog)?;
        let store = CaseStore::open(&config.store)?;
        let run = godkend_round::run(&store, &reference, &config.options, Udvalg::Alle)?;
        for e in &run.sprunget_over {
            eprintln!("sprunget over: {e}");
        }
        let grundlag = Grundlag {
            rapporter: run.rapporter.into_iter().map(|r| (r.model.kommunekode, Arc::new(r))).collect(),
            frister: run.frister,
            log: store.read_log()?,
        };
        let (deliveries, queue) = tokio::sync::mpsc::unbounded_channel();
        let app = App {
            config,
            reference,
            dialog,
            grundlag: RwLock::new(Arc::new(grundlag)),
            throttle: Mutex::new(Throttle::default()),
            regenerating: Mutex::new(()),
            deliveries,
            kladder: Default::default(),
            queue: Mutex::new(Some(queue)),
        };
        // What an interrupted API delivery left (its body, never read into the store).
        let _ = std::fs::remove_dir_all(app.config.out.join(".indgaaende"));
        if app.config.demo_brugere {
            app.demo_users()?;
        }
        Ok(app)
    }

    pub fn year(&self) -> i32 {
        self.config.year
    }

    pub fn grundlag(&self) -> Arc<Grundlag> {
        self.grundlag.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The municipality's report as computed, when it has one.
    pub fn rapport(&self, kode: u16) -> Option<Arc<Rapport>> {
        self.grundlag().rapporter.get(&kode).cloned()
    }

    /// The municipality's report with the portal's answers as they stand now.
    pub fn live(&self, kode: u16) -> Result<Option<KommuneRapport>, godkend_dialog::Error> {
        let Some(r) = self.rapport(kode) else {
            return Ok(None);
        };
        let kommentarer = self.dialog.latest_comments(self.year(), Some(kode))?;
        let godkendelse = self.dialog.approvals(self.year())?.remove(&kode);
        Ok(Some(godkend_round::assemble::with_dialog(&r.model, &kommentarer, godkendelse, &self.reference)))
    }

    /// The national status, live.
    pub fn status(&self) -> Result<Status, godkend_dialog::Error> {
        let g = self.grundlag();
        let svar = self.dialog.svar(self.year())?;
        let models: Vec<KommuneRapport> = g
            .rapporter
            .iter()
            .map(|(k, r)| {
                let own: Vec<_> = svar.kommentarer.iter().filter(|c| c.kommunekode == *k).cloned().collect();
                godkend_round::assemble::with_dialog(&r.model, &own, svar.godkendelser.get(k).cloned(), &self.reference)
            })
            .collect();
        let refs: Vec<&KommuneRapport> = models.iter().collect();
        Ok(Status::of(&refs, self.year(), &g.frister))
    }

    /// `godkend report --dialog` for one municipality: the round from the store and the dialogue store,
    /// its files written into the output folder, and its report replaced in the portal.
    pub fn regenerate(&self, kode: u16) -> Result<Vec<PathBuf>, String> {
        let _one = self.regenerating.lock().unwrap_or_else(|p| p.into_inner());
        let store = CaseStore::open(&self.config.store).map_err(|e| e.to_string())?;
        let mut options = self.config.options.clone();
        options.dialog = self.dialog.svar(self.year()).map_err(|e| e.to_string())?;
        let run =
            godkend_round::run(&store, &self.reference, &options, Udvalg::Kommune(kode)).map_err(|e| e.to_string())?;
        let Some(rapport) = run.rapporter.into_iter().next() else {
            return Err("runden gav ingen rapport".into());
        };
        let files = godkend_outputs::write_kommune(&self.config.out, &rapport).map_err(|e| e.to_string())?.filer;
        let mut guard = self.grundlag.write().unwrap_or_else(|p| p.into_inner());
        let mut rapporter = guard.rapporter.clone();
        rapporter.insert(kode, Arc::new(rapport));
        *guard = Arc::new(Grundlag {
            rapporter,
            frister: guard.frister.clone(),
            log: store.read_log().map_err(|e| e.to_string())?,
        });
        Ok(files)
    }

    /// Reads the delivery log again (after a delivery over the API), so the deliveries pages show it.
    /// The figures and marks change when DST regenerates the report.
    pub fn refresh_log(&self) {
        let Ok(log) = CaseStore::open(&self.config.store).and_then(|s| s.read_log()) else {
            return;
        };
        let mut guard = self.grundlag.write().unwrap_or_else(|p| p.into_inner());
        *guard = Arc::new(Grundlag { rapporter: guard.rapporter.clone(), frister: guard.frister.clone(), log });
    }

    /// One of the municipality's files in the output folder (`rapport.pdf`, `rapport.json`,
    /// `markeringer.xlsx`), made first if the folder does not have it.
    pub fn download(&self, kode: u16, navn: &str) -> Result<Option<(PathBuf, &'static str)>, String> {
        let Some(r) = self.rapport(kode) else {
            return Ok(None);
        };
        let m = &r.model;
        let (file, mime) = match navn {
            "rapport.pdf" => (format!("{:03}-{}-{}.pdf", m.kommunekode, m.navn, m.aar), "application/pdf"),
            "rapport.json" => (format!("{:03}-{}.json", m.kommunekode, m.aar), "application/json"),
            "markeringer.xlsx" => (
                format!("{:03}-{}-markeringer.xlsx", m.kommunekode, m.aar),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            _ => return Ok(None),
        };
        let path = self.config.out.join(file);
        if !path.is_file() {
            self.regenerate(kode)?;
        }
        Ok(Some((path, mime)))
    }

    /// Every municipality with a report gets `indberetter@<kode>.demo.dk`, `godkender@…` and
    /// `laeser@…`; DST gets `dst@dst.demo.dk`. All with [`DEMO_KODEORD`].
    fn demo_users(&self) -> Result<(), Error> {
        let mut made = Vec::new();
        let grundlag = self.grundlag();
        let wanted = std::iter::once(("dst@dst.demo.dk".to_string(), None, Rolle::Dst)).chain(
            grundlag.rapporter.keys().flat_map(|&k| {
                [Rolle::Indberetter, Rolle::Godkender, Rolle::Laeser]
                    .map(|r| (format!("{}@{k:03}.demo.dk", r.code()), Some(k), r))
            }),
        );
        for (email, kommune, rolle) in wanted {
            if self.dialog.user_by_email(&email)?.is_none() {
                self.dialog.add_user(&email, kommune, rolle, "system")?;
                made.push(email);
            }
        }
        self.dialog.set_demo_password(&made, DEMO_KODEORD)?;
        eprintln!(
            "demobrugere: dst@dst.demo.dk, indberetter@101.demo.dk, godkender@101.demo.dk, laeser@101.demo.dk … (kodeord {DEMO_KODEORD})"
        );
        Ok(())
    }
}
