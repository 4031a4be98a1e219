//! `kvet reach`: may one pod open a connection to another on a port, under the NetworkPolicies
//! of any source (live, manifests, the demo)? One question, or the whole matrix.

use super::{exit, load_source, Failure, SourceArgs};
use crate::netpol::{classes, resolve, Endpoint, Engine, Protocol, Side, Verdict};
use crate::text::escape_ctrl;
use clap::Args;
use serde_json::{json, Value};
use std::io::Write;

#[derive(Args, Debug)]
pub struct ReachArgs {
    /// The source: NS/POD, deploy/NS/NAME, sts/NS/NAME, ... or an IP address
    #[arg(long, required_unless_present = "matrix")]
    pub from: Option<String>,
    /// The destination: NS/POD, deploy/NS/NAME, svc/NS/NAME (its backends) or an IP address
    #[arg(long, required_unless_present = "matrix")]
    pub to: Option<String>,
    /// The destination port (for a Service, the Service's port)
    #[arg(long)]
    pub port: u16,
    /// TCP, UDP or SCTP
    #[arg(long, default_value = "TCP")]
    pub protocol: String,
    /// Every workload against every workload (in -n NS, or all namespaces)
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub matrix: bool,
    #[arg(short = 'o', long = "output", value_enum, default_value_t = super::ListFormat::Table)]
    pub output: super::ListFormat,
}

fn side_json(s: &Side) -> Value {
    let mut v = json!({
        "isolated": s.isolated,
        "allowed_by": s.allowing_policies(),
        "tier": s.tier().as_str(),
    });
    for (key, m) in [("admin_rule", &s.admin), ("baseline_rule", &s.baseline)] {
        if let Some(m) = m {
            v[key] = json!({"policy": m.policy, "priority": m.priority, "rule": m.rule + 1,
                "name": m.rule_name, "action": m.action.as_str(), "fail_closed": m.fail_closed});
        }
    }
    v
}

fn verdict_json(from: &Endpoint, to: &Endpoint, port: u16, proto: Protocol, v: &Verdict) -> Value {
    json!({
        "from": from.label(),
        "to": to.label(),
        "port": port,
        "protocol": proto.to_string(),
        "allowed": v.allowed,
        "egress": side_json(&v.egress),
        "ingress": side_json(&v.ingress),
    })
}

/// One side in words: who isolates it and what admits the connection.
fn side_text(direction: &str, who: &Endpoint, s: &Side) -> String {
    let who = escape_ctrl(&who.label()).to_string();
    let pad = if direction == "egress" { "  " } else { " " };
    let side_name = if direction == "egress" { "from" } else { "to" };
    if let Some(reason) = s.admin_reason(direction) {
        return format!(
            "  {direction}{pad}{side_name} {who}: {}",
            escape_ctrl(&reason)
        );
    }
    let passed = s
        .passed_by()
        .map(|a| format!("{} passes it on; ", a.describe(direction)))
        .unwrap_or_default();
    let passed = escape_ctrl(&passed).to_string();
    if !s.isolated {
        return match direction {
            "egress" => {
                format!(
                    "  egress  from {who}: {passed}not isolated (no NetworkPolicy selects it for Egress)"
                )
            }
            _ => format!(
                "  ingress to {who}: {passed}not isolated (no NetworkPolicy selects it for Ingress)"
            ),
        };
    }
    let selected = escape_ctrl(&s.selected_by.join(", ")).to_string();
    if s.allowed_by.is_empty() {
        let what = if direction == "egress" {
            "no egress rule admits this destination and port"
        } else {
            "no ingress rule admits this source and port"
        };
        format!("  {direction}{pad}{who}: {passed}isolated by {selected}; {what}")
    } else {
        let rules: Vec<String> = s
            .allowed_by
            .iter()
            .map(|r| format!("{} ({} rule {})", r.policy, direction, r.rule + 1))
            .collect();
        format!(
            "  {direction}{pad}{who}: {passed}isolated by {selected}; admitted by {}",
            escape_ctrl(&rules.join(", "))
        )
    }
}

pub fn reach_cmd(
    src: &SourceArgs,
    args: &ReachArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Failure> {
    let proto = Protocol::parse(&args.protocol).ok_or_else(|| {
        Failure::usage(format!(
            "--protocol {:?}: expected TCP, UDP or SCTP",
            args.protocol
        ))
    })?;
    let loaded = load_source(src)?;
    super::report_errors(&loaded, err);
    let snap = &loaded.snapshot;
    let engine = Engine::new(snap);
    for (prio, names) in engine.priority_ties() {
        let _ = writeln!(
            err,
            "kvet: warning: AdminNetworkPolicies {} share priority {prio}: the API leaves their order undefined; kvet checks them by name",
            escape_ctrl(&names.join(", "))
        );
    }
    if args.matrix {
        let pods = classes(snap, src.namespace.as_deref());
        let m = crate::netpol::matrix::matrix(&engine, &pods, args.port, proto);
        let allowed: Vec<Vec<bool>> = (0..pods.len())
            .map(|a| (0..pods.len()).map(|b| m.allowed(a, b)).collect())
            .collect();
        let names: Vec<String> = pods.iter().map(|p| p.name.clone()).collect();
        let text = if args.output == super::ListFormat::Json {
            serde_json::to_string_pretty(&json!({"pods": names, "allowed": allowed}))
                .unwrap_or_default()
                + "\n"
        } else {
            let mut s = format!(
                "port {}/{proto}: row = from, column = to (numbered as the rows)\n",
                args.port
            );
            let w = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
            s.push_str(&format!("{:>w$}    ", "", w = w));
            for i in 0..names.len() {
                s.push_str(&format!("{:<3}", (i + 1) % 100));
            }
            s.push('\n');
            for (i, (n, row)) in names.iter().zip(&allowed).enumerate() {
                s.push_str(&format!("{:>w$} {:>2} ", escape_ctrl(n), i + 1, w = w));
                for &a in row {
                    s.push_str(if a { "✓  " } else { "·  " });
                }
                s.push('\n');
            }
            s
        };
        let _ = out.write_all(text.as_bytes());
        return Ok(exit::OK);
    }
    let (Some(from), Some(to)) = (&args.from, &args.to) else {
        return Err(Failure::usage("--from and --to are needed (or --matrix)"));
    };
    let froms = resolve(snap, from, args.port).map_err(Failure::usage)?;
    let tos = resolve(snap, to, args.port).map_err(Failure::usage)?;
    let mut answers = Vec::new();
    let mut text = String::new();
    let mut all = true;
    for (a, _) in &froms {
        for (b, port) in &tos {
            let v = engine.decide(a, b, *port, proto);
            all &= v.allowed;
            answers.push(verdict_json(a, b, *port, proto, &v));
            text.push_str(&format!(
                "{} {} → {}:{}/{}\n",
                if v.allowed { "ALLOW" } else { "DENY " },
                escape_ctrl(&a.label()),
                escape_ctrl(&b.label()),
                port,
                proto
            ));
            text.push_str(&side_text("egress", a, &v.egress));
            text.push('\n');
            text.push_str(&side_text("ingress", b, &v.ingress));
            text.push('\n');
        }
    }
    // Whether an ipBlock selects pods is the implementation's choice: say which kvet made.
    let pods = froms
        .iter()
        .chain(&tos)
        .any(|(e, _)| matches!(e, crate::netpol::Endpoint::Pod(_)));
    let ip_blocks = snap.netpols.iter().any(|p| {
        p.ingress
            .iter()
            .chain(&p.egress)
            .any(|r| r.peers.iter().any(|x| x.ip_block.is_some()))
    });
    if pods && ip_blocks {
        text.push_str("note: ipBlock peers are taken to match pods by their addresses, as upstream's e2e tests and Calico do (Cilium does not); with no address known, only 0.0.0.0/0 or ::/0 with no except matches a pod\n");
    }
    if args.output == super::ListFormat::Json {
        let value = if answers.len() == 1 {
            answers.remove(0)
        } else {
            Value::Array(answers)
        };
        text = serde_json::to_string_pretty(&value).unwrap_or_default() + "\n";
    }
    let _ = out.write_all(text.as_bytes());
    Ok(if all { exit::OK } else { exit::FINDINGS })
}
