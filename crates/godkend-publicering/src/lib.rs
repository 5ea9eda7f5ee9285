//! Publication (docs/publicering.md): the tables DST loads into StatBank, made from the same counts as
//! the reports, with disclosure control. `tabel` (a table of cells along a hierarchy: municipalities
//! add up to regions, regions to the whole country), `kube` (a table of several such dimensions: region
//! × sex × age group), `gitter` (either as the protection sees it: cells and the equations between
//! them), `diskretion` (primary suppression of cells below the minimum, then secondary suppression
//! until no suppressed cell can be recomputed, and what each suppressed group sums to is at least the
//! minimum), `angreb` (the check: every suppressed cell attacked by linear equations from the
//! published ones), `px` (PC-Axis), `parquet`, and CSV.
//!
//! Nothing here reads the store or writes a file: the command line hands it counts and writes what it
//! returns.

pub mod angreb;
pub mod diskretion;
pub mod gitter;
pub mod kube;
pub mod parquet;
pub mod px;
pub mod tabel;

pub use tabel::{Celle, Status, Tabel};
