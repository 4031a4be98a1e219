//! The one integration test binary (one link on 2 cores). Each module is a test layer.

mod admin_netpol;
mod blanking;
mod checks;
mod cli;
mod corpus;
mod dead_server;
mod defects;
mod demo;
mod faults;
mod fixes;
mod hostile;
mod layers;
mod live;
mod live_diff;
mod live_drain;
mod live_fixes;
mod live_reports;
mod live_triage;
mod locations;
mod memory;
mod netpol;
mod peers;
mod rbac_oracle;
mod reports;
mod support;
mod tui;
