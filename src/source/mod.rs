//! I/O. Where snapshots come from: files and stdin, the embedded demo (and, later, a live
//! cluster). Everything here ends in a pure [`crate::model::Snapshot`].

pub mod demo;
pub mod document;
pub mod helm;
pub mod kinds;
pub mod live;
pub mod logs;
pub mod offline;
mod split;
pub mod watch;

pub use offline::{load, Input, LoadError, Loaded};
