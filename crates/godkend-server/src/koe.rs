//! The queue between the routes that make a delivery (the API, manual entry) and the portal's one
//! writer (`levering::writer`): a delivery on disk, and what became of it.

use godkend_ingest::Kvittering;
use std::path::PathBuf;

/// A delivery on disk, waiting for the writer.
pub struct Job {
    pub path: PathBuf,
    pub reply: tokio::sync::oneshot::Sender<Outcome>,
}

/// What became of a delivery.
pub enum Outcome {
    /// Ingested: its receipt, and the receipt's JSON as the store keeps it.
    Kvittering(Box<Kvittering>, String),
    AlleredeModtaget,
    IkkeIndlaest(String),
    /// Another process held the writer lock for longer than `levering::WRITER_WAIT`.
    Optaget,
    Fejl(String),
}
