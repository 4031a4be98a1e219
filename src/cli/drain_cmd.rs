//! `kvet drain`: what `kubectl drain --ignore-daemonsets` would do to a node, a pool or a zone
//! now, without doing it (design/drain.md). Exit 0 when the drain completes without an outage.

use super::{exit, load_source, Failure, SourceArgs};
use crate::drain::words::{headline, GROUPS};
use crate::drain::{workload_name, Options, Planner, Report, Scope};
use crate::model::Snapshot;
use crate::text::escape_ctrl;
use clap::Args;
use serde_json::{json, Value};
use std::io::Write;

#[derive(Args, Debug)]
pub struct DrainArgs {
    /// The node to drain
    #[arg(required_unless_present_any = ["pool", "zone"], conflicts_with_all = ["pool", "zone"])]
    pub node: Option<String>,
    /// Every node of a node pool at once (GKE, EKS, Karpenter or AKS pool label)
    #[arg(long, conflicts_with = "zone")]
    pub pool: Option<String>,
    /// Every node of a zone at once (topology.kubernetes.io/zone)
    #[arg(long)]
    pub zone: Option<String>,
    /// Delete pods that no controller manages, as kubectl drain --force does
    #[arg(long)]
    pub force: bool,
    /// Evict pods with emptyDir volumes (their data is lost)
    #[arg(long = "delete-emptydir-data")]
    pub delete_emptydir_data: bool,
    #[arg(short = 'o', long = "output", value_enum, default_value_t = super::ListFormat::Table)]
    pub output: super::ListFormat,
}

/// The JSON shape of drain.md.
pub fn report_json(snap: &Snapshot, r: &Report) -> Value {
    let pods: Vec<Value> = r
        .pods
        .iter()
        .map(|p| {
            let pod = &snap.pods[p.pod];
            json!({
                "pod": format!("{}/{}", pod.meta.namespace(), pod.meta.name),
                "owner": p.owner.map(|w| workload_name(&snap.workloads[w].object_ref())),
                "action": p.action.as_str(),
                "pdbs": p.pdbs.iter().map(|&i| {
                    let m = &snap.pdbs[i].meta;
                    format!("{}/{}", m.namespace(), m.name)
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    let workloads: Vec<Value> = r
        .workloads
        .iter()
        .map(|w| {
            json!({
                "workload": workload_name(&snap.workloads[w.workload].object_ref()),
                "ready": w.ready,
                "ready_during": w.ready_during,
                "outage": w.outage,
            })
        })
        .collect();
    let mut v = json!({"completes": r.completes, "pods": pods, "workloads": workloads});
    match &r.scope {
        Scope::Node(n) => v["node"] = json!(n),
        Scope::Pool(p) => {
            v["pool"] = json!(p);
            v["nodes"] = json!(r.nodes.iter().map(|n| &**n).collect::<Vec<_>>());
        }
        Scope::Zone(z) => {
            v["zone"] = json!(z);
            v["nodes"] = json!(r.nodes.iter().map(|n| &**n).collect::<Vec<_>>());
        }
    }
    v
}

fn report_text(snap: &Snapshot, r: &Report) -> String {
    let mut s = headline(snap, r);
    s.push('\n');
    if r.nodes.len() > 1 {
        let names: Vec<&str> = r.nodes.iter().map(|n| &**n).collect();
        s.push_str(&format!("Nodes: {}\n", names.join(", ")));
    }
    for (title, actions) in GROUPS {
        let group: Vec<_> = r
            .pods
            .iter()
            .filter(|p| actions.contains(&p.action))
            .collect();
        if group.is_empty() {
            continue;
        }
        s.push_str(&format!("\n{title} ({}):\n", group.len()));
        let names: Vec<String> = group
            .iter()
            .map(|p| {
                let pod = &snap.pods[p.pod];
                format!("{}/{}", pod.meta.namespace(), pod.meta.name)
            })
            .collect();
        let w = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
        for (p, name) in group.iter().zip(&names) {
            s.push_str(&format!(
                "  {:<16} {:<w$}  {}\n",
                p.action.as_str(),
                escape_ctrl(name),
                escape_ctrl(&p.why),
                w = w
            ));
        }
    }
    let down: Vec<_> = r.outages().collect();
    if !down.is_empty() {
        s.push_str(&format!("\nGoes down ({}):\n", down.len()));
        for w in down {
            s.push_str(&format!(
                "  {}: {} Ready now, 0 while the drain runs\n",
                escape_ctrl(&workload_name(&snap.workloads[w.workload].object_ref())),
                w.ready
            ));
        }
    }
    s
}

pub fn drain_cmd(
    src: &SourceArgs,
    args: &DrainArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Failure> {
    let scope = match (&args.node, &args.pool, &args.zone) {
        (Some(n), _, _) => Scope::Node(n.clone()),
        (_, Some(p), _) => Scope::Pool(p.clone()),
        (_, _, Some(z)) => Scope::Zone(z.clone()),
        _ => return Err(Failure::usage("name a NODE, or --pool NAME or --zone NAME")),
    };
    let loaded = load_source(src)?;
    super::report_errors(&loaded, err);
    let snap = &loaded.snapshot;
    if snap.source_kind.is_offline() && snap.pods.is_empty() {
        return Err(Failure::usage(
            "these manifests have no pods placed on nodes: a drain needs a live cluster, the demo, or a `kvet snapshot save` dump",
        ));
    }
    let planner = Planner::new(snap);
    let opts = Options {
        force: args.force,
        delete_emptydir_data: args.delete_emptydir_data,
    };
    let r = planner.simulate(&scope, opts).map_err(Failure::usage)?;
    let text = if args.output == super::ListFormat::Json {
        serde_json::to_string_pretty(&report_json(snap, &r)).unwrap_or_default() + "\n"
    } else {
        report_text(snap, &r)
    };
    let _ = out.write_all(text.as_bytes());
    Ok(if r.is_safe() {
        exit::OK
    } else {
        exit::FINDINGS
    })
}
