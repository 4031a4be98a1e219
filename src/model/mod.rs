//! PURE. The cluster snapshot: slim projections of Kubernetes objects, references and indexes.
//!
//! Nothing here does I/O; `decode` turns document text into projections, `snapshot` indexes them.

pub mod admin;
pub mod blank;
mod container;
pub mod decode;
pub mod decode_pod;
mod decode_report;
mod decode_spec;
pub mod docs;
pub mod encode;
mod encode_pod;
pub mod fastyaml;
pub mod helm;
pub mod index;
pub mod lines;
pub mod meta;
pub mod objects;
pub mod placement;
pub mod quantity;
pub mod reports;
pub mod selector;
pub mod shown;
pub mod snapshot;
pub mod time;
pub mod wire;
mod wire_scalars;

pub use admin::{AdminAction, AdminNetworkPolicy, AdminPeer, AdminPort, AdminRule};
pub use meta::{parse_object, Kind, Labels, Meta, ObjectRef, Origin};
pub use objects::*;
pub use reports::{ExternalResult, PolicyReport};
pub use selector::LabelSelector;
pub use snapshot::{Snapshot, SourceKind};
