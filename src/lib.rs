//! kvet: inspect and audit Kubernetes clusters.
//!
//! Layers (see ARCHITECTURE.md at the top of the repository): `model` and `audit` are pure; `source` does
//! the I/O that feeds them; `cli` renders results for people and for CI.

pub mod apply;
pub mod audit;
pub mod cli;
pub mod diff;
pub mod drain;
pub mod fix;
pub mod model;
pub mod netpol;
pub mod private_files;
pub mod rbac;
pub mod report;
pub mod source;
pub mod synth;
pub mod text;
pub mod triage;
pub mod tui;
