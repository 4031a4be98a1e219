//! `kvet who-can` and `kvet can`: RBAC questions, answered as the API server's RBAC authorizer
//! answers them, from any source (live, manifests, the demo).

use super::{exit, load_source, Failure, SourceArgs};
use crate::rbac::{effective_rules, who_can, Graph, Request, Requester, Target};
use clap::Args;
use std::io::Write;

#[derive(Args, Debug)]
pub struct WhoCanArgs {
    /// The verb: get, list, watch, create, update, patch, delete, escalate, bind, impersonate, ...
    pub verb: String,
    /// The resource: secrets, deployments.apps, pods/exec, or a URL such as /metrics
    pub resource: String,
    /// The subresource (also written RESOURCE/SUBRESOURCE)
    #[arg(long)]
    pub subresource: Option<String>,
    /// A resource name (rules with resourceNames match only it)
    #[arg(long)]
    pub name: Option<String>,
    #[arg(short = 'o', long = "output", value_enum, default_value_t = super::ListFormat::Table)]
    pub output: super::ListFormat,
}

#[derive(Args, Debug)]
pub struct CanArgs {
    /// serviceaccount:NS:NAME, user:NAME or group:NAME
    pub subject: String,
    /// With RESOURCE: one question, as `kubectl auth can-i --as` asks it
    pub verb: Option<String>,
    pub resource: Option<String>,
    #[arg(long)]
    pub subresource: Option<String>,
    /// A resource name
    #[arg(long)]
    pub name: Option<String>,
    /// Groups the user belongs to (repeatable)
    #[arg(long = "group", value_name = "GROUP")]
    pub groups: Vec<String>,
    #[arg(short = 'o', long = "output", value_enum, default_value_t = super::ListFormat::Table)]
    pub output: super::ListFormat,
}

fn request(
    verb: &str,
    resource: &str,
    sub: Option<&str>,
    name: Option<&str>,
    ns: Option<&str>,
) -> Request {
    Request {
        verb: verb.to_string(),
        namespace: ns.map(str::to_string),
        target: Target::parse(resource, sub, name),
    }
}

pub fn who_can_cmd(
    src: &SourceArgs,
    args: &WhoCanArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Failure> {
    let loaded = load_source(src)?;
    super::report_errors(&loaded, err);
    let g = Graph::new(&loaded.snapshot);
    let req = request(
        &args.verb,
        &args.resource,
        args.subresource.as_deref(),
        args.name.as_deref(),
        src.namespace.as_deref(),
    );
    let grants = who_can(&g, &req);
    let text = if args.output == super::ListFormat::Json {
        serde_json::to_string_pretty(&serde_json::json!({"subjects": grants})).unwrap_or_default()
            + "\n"
    } else if grants.is_empty() {
        "No subject is allowed.\n".to_string()
    } else {
        let mut s = format!("{:<15} {:<50} {:<45} ROLE\n", "KIND", "SUBJECT", "BINDING");
        for gr in &grants {
            s.push_str(&format!(
                "{:<15} {:<50} {:<45} {}\n",
                gr.kind,
                crate::text::escape_ctrl(&gr.subject),
                crate::text::escape_ctrl(&gr.binding),
                crate::text::escape_ctrl(&gr.role)
            ));
        }
        s
    };
    let _ = out.write_all(text.as_bytes());
    Ok(exit::OK)
}

pub fn can_cmd(
    src: &SourceArgs,
    args: &CanArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Failure> {
    let who = Requester::parse(&args.subject, &args.groups).map_err(Failure::usage)?;
    let loaded = load_source(src)?;
    super::report_errors(&loaded, err);
    let g = Graph::new(&loaded.snapshot);
    let json = args.output == super::ListFormat::Json;
    match (&args.verb, &args.resource) {
        (Some(verb), Some(resource)) => {
            let req = request(
                verb,
                resource,
                args.subresource.as_deref(),
                args.name.as_deref(),
                src.namespace.as_deref(),
            );
            let d = g.decide(&who, &req);
            let text = if json {
                serde_json::to_string_pretty(&d).unwrap_or_default() + "\n"
            } else {
                let mut s = if d.allowed { "yes\n" } else { "no\n" }.to_string();
                for v in &d.via {
                    s.push_str(&format!(
                        "  via {} → {}\n",
                        crate::text::escape_ctrl(&v.binding),
                        crate::text::escape_ctrl(&v.role)
                    ));
                }
                s
            };
            let _ = out.write_all(text.as_bytes());
            Ok(if d.allowed { exit::OK } else { exit::FINDINGS })
        }
        (Some(_), None) => Err(Failure::usage(
            "a question needs VERB and RESOURCE: kvet can SUBJECT get secrets -n NS",
        )),
        _ => {
            let rules = effective_rules(&g, &who);
            let text = if json {
                serde_json::to_string_pretty(
                    &serde_json::json!({"subject": args.subject, "bindings": rules}),
                )
                .unwrap_or_default()
                    + "\n"
            } else if rules.is_empty() {
                format!("{} has no RBAC binding.\n", args.subject)
            } else {
                let mut s = String::new();
                for b in &rules {
                    s.push_str(&format!(
                        "{} · {} → {}\n",
                        b.namespace.as_deref().unwrap_or("cluster-wide"),
                        crate::text::escape_ctrl(&b.binding),
                        crate::text::escape_ctrl(&b.role)
                    ));
                    for r in &b.rules {
                        let list = |l: &[Box<str>]| {
                            l.iter()
                                .map(|x| crate::text::escape_ctrl(x).into_owned())
                                .collect::<Vec<_>>()
                                .join(",")
                        };
                        if r.non_resource_urls.is_empty() {
                            s.push_str(&format!(
                                "  {:<28} {:<34} {}{}\n",
                                list(&r.verbs),
                                list(&r.resources),
                                if r.api_groups.iter().all(|g| g.is_empty()) {
                                    "core".to_string()
                                } else {
                                    list(&r.api_groups)
                                },
                                if r.resource_names.is_empty() {
                                    String::new()
                                } else {
                                    format!(" (names: {})", list(&r.resource_names))
                                }
                            ));
                        } else {
                            s.push_str(&format!(
                                "  {:<28} {}\n",
                                list(&r.verbs),
                                list(&r.non_resource_urls)
                            ));
                        }
                    }
                }
                s
            };
            let _ = out.write_all(text.as_bytes());
            Ok(exit::OK)
        }
    }
}
