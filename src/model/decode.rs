//! Turns one manifest document (YAML or JSON text) into projections. Pure: no I/O.

use super::meta::{Kind, Labels, Meta, OwnerRef, LAST_APPLIED};
use super::objects::*;
use super::selector::LabelSelector;
use super::wire::*;
use std::sync::Arc;

pub use super::blank::{api_and_kind, strip_unkept, APPLIED_AS};
use super::decode_pod::{boxed, int_or_percent, pod, port_ref, resource_pair, workload};
pub use super::decode_spec::HPA_V1_METRICS;
use super::decode_spec::{hpa_metrics, policy_rules};

/// A document or a list item that could not be read, with a line relative to the document
/// start (1-based) when the parser knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    pub line: Option<u32>,
    pub message: String,
}

/// What one document yields: the objects it holds, and the items that failed.
#[derive(Debug, Default)]
pub struct Decoded {
    pub objects: Vec<Object>,
    pub errors: Vec<DecodeError>,
    /// A `kvet snapshot save` List of a live cluster.
    pub captured_live: bool,
    /// The server version that List recorded.
    pub server_version: Option<(u32, u32)>,
    /// For a `kind: List` document, the item number of each object (parallel to `objects`).
    pub items: Vec<u32>,
}

/// Decoding options that come from the command line.
#[derive(Clone, Debug)]
pub struct DecodeOptions {
    /// Namespace given to namespaced objects that name none (`kubectl apply -n` semantics).
    pub default_namespace: Arc<str>,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            default_namespace: Arc::from("default"),
        }
    }
}

pub(crate) fn yaml_options() -> serde_saphyr::Options {
    let mut o = serde_saphyr::Options::default();
    o.with_snippet = false;
    // Unquoted hex such as `1e699766` reads as an overflowing float; let it through as text.
    o.non_finite_float_policy = serde_saphyr::options::NonFiniteFloatPolicy::PassThrough;
    // No duplicate-key bookkeeping for the many fields kvet skips; a repeated field that kvet
    // reads is still an error ("duplicate field"), as kubectl's strict decoding makes it.
    o.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::PassThrough;
    o
}

/// Minimal head of a document, used when the full shape does not fit (custom resources whose
/// `spec` reuses a field name with another type).
#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Head {
    api_version: Option<String>,
    kind: Option<String>,
    metadata: Option<RawMeta>,
}

fn yaml_error(e: &serde_saphyr::Error, text: &str) -> DecodeError {
    let line = e.location().map(|l| l.line() as u32);
    let mut message = e.to_string();
    // The parser appends its own coordinates; ours come from `line`.
    if let Some(i) = message.find(" at line ") {
        message.truncate(i);
    }
    let first = message.lines().next().unwrap_or("invalid YAML");
    let message = super::docs::with_identity(text, first);
    DecodeError { line, message }
}

/// Decodes one YAML document (JSON is YAML too). Blank or comment-only documents yield nothing.
pub fn decode_yaml(text: &str, opts: &DecodeOptions) -> Decoded {
    if is_blank(text) {
        return Decoded::default();
    }
    let stripped = strip_unkept(text);
    parse_yaml(&stripped, opts)
}

/// Decodes one YAML document without blanking anything first: the reference that
/// [`decode_yaml`] must agree with (the blanking parity test).
pub fn decode_yaml_unblanked(text: &str, opts: &DecodeOptions) -> Decoded {
    if is_blank(text) {
        return Decoded::default();
    }
    parse_yaml(text, opts)
}

fn parse_yaml(text: &str, opts: &DecodeOptions) -> Decoded {
    // The common shape of manifests first; anything else (and every error) goes to serde-saphyr.
    if let Ok(raw) = super::fastyaml::from_str::<RawObject>(text) {
        return from_raw(raw, opts);
    }
    parse_yaml_full(text, opts)
}

/// Parses with serde-saphyr only (the reference the fast path is tested against).
pub fn parse_yaml_full(text: &str, opts: &DecodeOptions) -> Decoded {
    match serde_saphyr::from_str_with_options::<Option<RawObject>>(text, yaml_options()) {
        Ok(Some(raw)) => from_raw(raw, opts),
        Ok(None) => Decoded::default(),
        Err(e) => {
            let err = yaml_error(&e, text);
            // A custom resource may use our field names with other shapes; keep its identity.
            if let Ok(Some(head)) =
                serde_saphyr::from_str_with_options::<Option<Head>>(text, yaml_options())
            {
                if let Some(kind) = head.kind.as_deref() {
                    if matches!(Kind::parse(kind), Kind::Other(_)) {
                        return from_raw(
                            RawObject {
                                api_version: head.api_version,
                                kind: head.kind,
                                metadata: head.metadata,
                                ..RawObject::default()
                            },
                            opts,
                        );
                    }
                }
            }
            Decoded {
                errors: vec![err],
                ..Decoded::default()
            }
        }
    }
}

/// Decodes one JSON value from text.
pub fn decode_json(text: &str, opts: &DecodeOptions) -> Decoded {
    match serde_json::from_str::<RawObject>(text) {
        Ok(raw) => from_raw(raw, opts),
        Err(e) => Decoded {
            errors: vec![DecodeError {
                line: Some(e.line() as u32),
                message: e.to_string(),
            }],
            ..Decoded::default()
        },
    }
}

fn is_blank(text: &str) -> bool {
    text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t == "---" || t == "..."
    })
}

/// Converts a parsed document; `kind: List` (and `RoleBindingList`, ...) expand to their items.
pub fn from_raw(mut raw: RawObject, opts: &DecodeOptions) -> Decoded {
    let mut out = Decoded::default();
    let kind = raw.kind.clone().unwrap_or_default();
    if let Some(items) = raw.items.take() {
        out.captured_live = raw
            .metadata
            .as_ref()
            .and_then(|m| m.annotations.get(super::encode::CAPTURED_FROM))
            .is_some_and(|v| v.0 == "live");
        out.server_version = raw
            .metadata
            .as_ref()
            .and_then(|m| m.annotations.get(super::encode::SERVER_VERSION))
            .and_then(|v| {
                let (a, b) = v.0.split_once('.')?;
                Some((a.parse().ok()?, b.parse().ok()?))
            });
        if kind.ends_with("List") || raw.kind.is_none() {
            for (i, item) in items.into_iter().enumerate() {
                match convert(item, opts) {
                    Ok(o) => {
                        out.objects.push(o);
                        out.items.push(i as u32);
                    }
                    Err(msg) => out.errors.push(DecodeError {
                        line: None,
                        message: format!("items[{i}]: {msg}"),
                    }),
                }
            }
            return out;
        }
    }
    match convert(raw, opts) {
        Ok(o) => out.objects.push(o),
        Err(msg) => out.errors.push(DecodeError {
            line: None,
            message: msg,
        }),
    }
    out
}

/// `into_iter().map().collect()` reuses the source buffer when it can (in-place collect), so a
/// `Vec` of slim projections would keep the capacity of the big wire structs it came from.
pub(super) trait Slim {
    fn slim(self) -> Self;
}

impl<T> Slim for Vec<T> {
    fn slim(mut self) -> Self {
        self.shrink_to_fit();
        self
    }
}

pub(super) fn text_pairs<V: Into<String>>(
    map: std::collections::BTreeMap<String, V>,
) -> Vec<(String, String)> {
    map.into_iter().map(|(k, v)| (k, v.into())).collect()
}

pub(super) fn labels(map: StrMap) -> Labels {
    Labels::from_pairs(text_pairs(map))
}

pub(super) fn annotations(mut map: StrMap) -> Labels {
    map.remove(LAST_APPLIED);
    map.remove(APPLIED_AS);
    labels(map)
}

/// The apiVersion and kind of the last-applied annotation (or of what blanking left of it).
fn applied_as(map: &StrMap) -> Option<super::meta::AppliedAs> {
    if let Some(v) = map.get(APPLIED_AS) {
        let (a, k) = v.0.split_once(' ')?;
        return Some(Box::new((a.into(), k.into())));
    }
    api_and_kind(&map.get(LAST_APPLIED)?.0)
}

pub(super) fn meta(
    raw: Option<RawMeta>,
    kind: &Kind,
    api_version: &str,
    opts: &DecodeOptions,
) -> Result<Meta, String> {
    // Access and token reviews are requests, not stored objects: they need no name.
    let unnamed_ok = matches!(kind, Kind::Other(k) if k.ends_with("Review"));
    let raw = match raw {
        Some(r) => r,
        None if unnamed_ok => RawMeta::default(),
        None => return Err("metadata is missing".to_string()),
    };
    let name = match (raw.name, raw.generate_name) {
        (Some(n), _) if !n.0.is_empty() => n.0,
        (_, Some(g)) if !g.is_empty() => format!("{g}<generated>"),
        _ if unnamed_ok => "<unnamed>".to_string(),
        _ => return Err("metadata.name is missing".to_string()),
    };
    let namespace = if kind.is_cluster_scoped() {
        None
    } else {
        match raw.namespace {
            Some(ns) if !ns.0.is_empty() => Some(Arc::from(ns.0)),
            _ if matches!(kind, Kind::Other(_)) => None,
            _ => Some(opts.default_namespace.clone()),
        }
    };
    let owner = raw
        .owner_references
        .iter()
        .find(|o| o.controller == Some(true))
        .or_else(|| raw.owner_references.first())
        .map(|o| OwnerRef {
            kind: Kind::parse(&o.kind),
            name: Arc::from(o.name.as_str()),
            controller: o.controller == Some(true),
        });
    let applied_as = applied_as(&raw.annotations);
    Ok(Meta {
        applied_as,
        name: Arc::from(name),
        namespace,
        labels: labels(raw.labels),
        annotations: annotations(raw.annotations),
        owner,
        api_version: Arc::from(api_version),
        origin: None,
    })
}

/// Builds a selector; `None` stays `None` (a null selector).
pub(crate) fn selector(raw: Option<RawSelector>) -> Option<LabelSelector> {
    let raw = raw?;
    let mut pairs = text_pairs(raw.plain);
    pairs.extend(text_pairs(raw.match_labels.unwrap_or_default()));
    let mut s = LabelSelector::from_map(pairs);
    for e in raw.match_expressions.unwrap_or_default() {
        s.push_expression(
            e.key,
            &e.operator,
            e.values.into_iter().map(|v| v.0).collect::<Vec<_>>().slim(),
        );
    }
    Some(s)
}

pub(super) fn strings(v: Vec<String>) -> Vec<Box<str>> {
    v.into_iter()
        .map(String::into_boxed_str)
        .collect::<Vec<_>>()
        .slim()
}

fn convert(mut raw: RawObject, opts: &DecodeOptions) -> Result<Object, String> {
    let kind_text = match raw.kind.take() {
        Some(k) if !k.is_empty() => k,
        _ => return Err("no `kind`: not a Kubernetes object".to_string()),
    };
    let api_version = match raw.api_version.take() {
        Some(v) if !v.is_empty() => v,
        _ => return Err(format!("{kind_text}: no `apiVersion`")),
    };
    let kind = Kind::parse(&kind_text);
    let deleted_at = raw
        .metadata
        .as_mut()
        .and_then(|m| m.deletion_timestamp.take());
    let meta = meta(raw.metadata.take(), &kind, &api_version, opts)
        .map_err(|e| format!("{kind_text}: {e}"))?;
    if super::reports::is_report(&kind_text, &api_version) {
        return Ok(Object::Report(super::decode_report::report(
            meta, kind_text, raw,
        )));
    }
    if let Some(wk) = WorkloadKind::from_kind(&kind) {
        if wk == WorkloadKind::Pod {
            return Ok(Object::Pod(pod(meta, deleted_at, raw)));
        }
        return Ok(Object::Workload(workload(wk, meta, raw)));
    }
    let mut spec = raw.spec.take().unwrap_or_default();
    Ok(match kind {
        Kind::Namespace => Object::Namespace(Namespace {
            meta,
            phase: raw.status.and_then(|s| boxed(s.phase)),
        }),
        Kind::Node => {
            let mut status = raw.status.unwrap_or_default();
            Object::Node(Node {
                meta,
                unschedulable: spec.unschedulable.unwrap_or(false),
                taints: spec
                    .taints
                    .into_iter()
                    .map(|t| Taint {
                        key: t.key.unwrap_or_default().into_boxed_str(),
                        value: boxed(t.value),
                        effect: t.effect.unwrap_or_default().into_boxed_str(),
                    })
                    .collect::<Vec<_>>()
                    .slim(),
                ready: status
                    .conditions
                    .iter()
                    .find(|c| c.kind.as_deref() == Some("Ready"))
                    .map(|c| c.status.as_deref() == Some("True")),
                allocatable: resource_pair(&mut status.allocatable),
                conditions: super::decode_pod::conditions(&status.conditions),
            })
        }
        Kind::Service => {
            let sel = spec.selector.take().map(|s| {
                let mut pairs = text_pairs(s.plain);
                pairs.extend(text_pairs(s.match_labels.unwrap_or_default()));
                pairs
            });
            Object::Service(Service {
                meta,
                selector: sel.filter(|p| !p.is_empty()).map(LabelSelector::from_map),
                service_type: spec
                    .service_type
                    .unwrap_or_else(|| "ClusterIP".into())
                    .into_boxed_str(),
                ports: spec
                    .ports
                    .into_iter()
                    .map(|p| ServicePort {
                        name: boxed(p.name),
                        port: p.port.unwrap_or(0),
                        target_port: p.target_port.map(|t| port_ref(Some(t))),
                        protocol: p.protocol.unwrap_or_else(|| "TCP".into()).into_boxed_str(),
                    })
                    .collect::<Vec<_>>()
                    .slim(),
            })
        }
        Kind::PodDisruptionBudget => Object::Pdb(Pdb {
            meta,
            selector: selector(spec.selector.take()),
            min_available: int_or_percent(spec.min_available.take()),
            max_unavailable: int_or_percent(spec.max_unavailable.take()),
            unhealthy_policy: boxed(spec.unhealthy_pod_eviction_policy.take()),
            disruptions_allowed: raw.status.as_ref().and_then(|s| s.disruptions_allowed),
        }),
        Kind::HorizontalPodAutoscaler => {
            let metrics = hpa_metrics(&api_version, &mut spec, &meta);
            let t = spec.scale_target_ref.take().unwrap_or_default();
            Object::Hpa(Hpa {
                meta,
                target: ScaleTarget {
                    api_version: t.api_version.unwrap_or_default().into_boxed_str(),
                    kind: t.kind.unwrap_or_default().into_boxed_str(),
                    name: t.name.unwrap_or_default().into_boxed_str(),
                },
                min_replicas: spec.min_replicas,
                max_replicas: spec.max_replicas,
                metrics,
                current_replicas: raw.status.as_ref().and_then(|s| s.current_replicas),
                desired_replicas: raw.status.as_ref().and_then(|s| s.desired_replicas),
                conditions: raw
                    .status
                    .as_ref()
                    .map(|s| super::decode_pod::conditions(&s.conditions))
                    .unwrap_or_default(),
            })
        }
        Kind::AdminNetworkPolicy | Kind::BaselineAdminNetworkPolicy => {
            let baseline = kind == Kind::BaselineAdminNetworkPolicy;
            Object::AdminNetworkPolicy(super::admin::project(meta, &mut spec, baseline))
        }
        Kind::NetworkPolicy => {
            let has_egress = spec.egress.as_ref().is_some_and(|e| !e.is_empty());
            let (ingress_isolation, egress_isolation) = match &spec.policy_types {
                Some(types) if !types.is_empty() => (
                    types.iter().any(|t| t == "Ingress"),
                    types.iter().any(|t| t == "Egress"),
                ),
                _ => (true, has_egress),
            };
            Object::NetworkPolicy(NetworkPolicy {
                meta,
                // podSelector is required; `{}` and a missing one both select every pod.
                pod_selector: selector(spec.pod_selector.take()).unwrap_or_default(),
                ingress_isolation,
                egress_isolation,
                ingress: policy_rules(spec.ingress.take(), true),
                egress: policy_rules(spec.egress.take(), false),
            })
        }
        Kind::ServiceAccount => Object::ServiceAccount(ServiceAccount {
            meta,
            automount_token: raw.automount_service_account_token,
        }),
        Kind::Role | Kind::ClusterRole => Object::Role(Role {
            meta,
            rules: raw
                .rules
                .unwrap_or_default()
                .into_iter()
                .map(|r| RbacRule {
                    api_groups: strings(r.api_groups),
                    resources: strings(r.resources),
                    verbs: strings(r.verbs),
                    resource_names: strings(r.resource_names),
                    non_resource_urls: strings(r.non_resource_urls),
                })
                .collect::<Vec<_>>()
                .slim(),
            aggregation: raw
                .aggregation_rule
                .map(|a| {
                    a.cluster_role_selectors
                        .into_iter()
                        .filter_map(|s| selector(Some(s)))
                        .collect::<Vec<_>>()
                        .slim()
                })
                .unwrap_or_default(),
        }),
        Kind::RoleBinding | Kind::ClusterRoleBinding => {
            let rr = raw.role_ref.unwrap_or_default();
            Object::Binding(Binding {
                meta,
                role_kind: rr.kind.unwrap_or_default().into_boxed_str(),
                role_name: rr.name.unwrap_or_default().into_boxed_str(),
                subjects: raw
                    .subjects
                    .unwrap_or_default()
                    .into_iter()
                    .map(|s| Subject {
                        kind: s.kind.unwrap_or_default().into_boxed_str(),
                        name: s.name.unwrap_or_default().into_boxed_str(),
                        namespace: boxed(s.namespace),
                    })
                    .collect::<Vec<_>>()
                    .slim(),
            })
        }
        Kind::ResourceQuota => Object::ResourceQuota(ResourceQuota {
            meta,
            hard: text_pairs(spec.hard)
                .into_iter()
                .map(|(k, v)| (k.into_boxed_str(), v.into_boxed_str()))
                .collect::<Vec<_>>()
                .slim(),
            used: text_pairs(raw.status.map(|s| s.used).unwrap_or_default())
                .into_iter()
                .map(|(k, v)| (k.into_boxed_str(), v.into_boxed_str()))
                .collect::<Vec<_>>()
                .slim(),
        }),
        Kind::Event => {
            let about = raw
                .regarding
                .take()
                .or(raw.involved_object.take())
                .unwrap_or_default();
            let ns = about.namespace.filter(|n| !n.is_empty());
            Object::Event(Event {
                regarding: crate::model::ObjectRef::new(
                    Kind::parse(about.kind.as_deref().unwrap_or_default()),
                    ns.as_deref(),
                    about.name.as_deref().unwrap_or_default(),
                ),
                reason: raw.reason.take().unwrap_or_default().into_boxed_str(),
                message: raw
                    .note
                    .take()
                    .or(raw.message.take())
                    .unwrap_or_default()
                    .into_boxed_str(),
                warning: raw.data_type.as_deref() == Some("Warning"),
                count: raw
                    .series
                    .as_ref()
                    .and_then(|s| s.count)
                    .or(raw.count)
                    .or(raw.deprecated_count)
                    .unwrap_or(1)
                    .max(1),
                last_seen: boxed(
                    raw.series
                        .take()
                        .and_then(|s| s.last_observed_time)
                        .or(raw.last_timestamp.take())
                        .or(raw.deprecated_last_timestamp.take())
                        .or(raw.event_time.take())
                        .or(raw.first_timestamp.take()),
                ),
                meta,
            })
        }
        Kind::Ingress => {
            let name = |b: RawIngressBackend| {
                b.service
                    .and_then(|s| s.name)
                    .or(b.service_name)
                    .map(|n| n.0.into_boxed_str())
            };
            let mut services: Vec<Box<str>> = spec
                .default_backend
                .take()
                .or(spec.backend.take())
                .and_then(name)
                .into_iter()
                .chain(
                    spec.rules
                        .take()
                        .unwrap_or_default()
                        .into_iter()
                        .flat_map(|r| r.http.map(|h| h.paths).unwrap_or_default())
                        .filter_map(|p| p.backend.and_then(name)),
                )
                .collect();
            services.sort();
            services.dedup();
            Object::Ingress(Ingress {
                meta,
                services: services.into(),
            })
        }
        Kind::MutatingWebhookConfiguration | Kind::ValidatingWebhookConfiguration => {
            Object::Webhook(WebhookConfig {
                meta,
                mutating: kind == Kind::MutatingWebhookConfiguration,
                services: raw
                    .webhooks
                    .take()
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|w| {
                        let s = w.client_config?.service?;
                        Some((s.namespace?.0.into_boxed_str(), s.name?.0.into_boxed_str()))
                    })
                    .collect(),
            })
        }
        Kind::CustomResourceDefinition => Object::Crd(Crd {
            meta,
            group: spec.group.map(|g| g.0).unwrap_or_default().into_boxed_str(),
            plural: spec
                .names
                .and_then(|n| n.plural)
                .map(|p| p.0)
                .unwrap_or_default()
                .into_boxed_str(),
            // The API requires the scope; v1beta1 defaulted it to Namespaced.
            namespaced: spec.scope.is_none_or(|s| s.0 != "Cluster"),
        }),
        Kind::PersistentVolumeClaim => Object::Pvc(Pvc {
            meta,
            access_modes: spec
                .access_modes
                .into_iter()
                .map(|m| m.0.into_boxed_str())
                .collect(),
        }),
        Kind::LimitRange => Object::LimitRange(LimitRange {
            meta,
            items: spec
                .limits
                .into_iter()
                .map(|mut l| LimitRangeItem {
                    item_type: l.kind.take().unwrap_or_default().into_boxed_str(),
                    default_limit: resource_pair(&mut l.default),
                    default_request: resource_pair(&mut l.default_request),
                    max: resource_pair(&mut l.max),
                    min: resource_pair(&mut l.min),
                })
                .collect::<Vec<_>>()
                .slim(),
        }),
        Kind::Secret | Kind::ConfigMap => {
            let mut keys: Vec<(Box<str>, usize)> = Vec::new();
            for part in [raw.data, raw.string_data, raw.binary_data]
                .into_iter()
                .flatten()
            {
                keys.extend(part.0.into_iter().map(|(k, n)| (k.into_boxed_str(), n)));
            }
            Object::Data(DataObject {
                meta,
                kind,
                data_type: boxed(raw.data_type),
                keys,
            })
        }
        Kind::Other(k) => Object::Other(OtherObject { meta, kind: k }),
        // Workload kinds returned above; anything left is kept by identity.
        other => Object::Other(OtherObject {
            meta,
            kind: Arc::from(other.as_str()),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_keeps_lines_and_everything_else() {
        let doc = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{\"a\":1}'\n    team: x\n  managedFields:\n  - manager: kubectl\n    fieldsV1:\n      f:spec: {}\n  labels: {app: a}\nspec:\n  containers: [{name: c, image: i}]\n";
        let out = strip_unkept(doc);
        assert_eq!(out.lines().count(), doc.lines().count());
        assert!(!out.contains("manager") && !out.contains("last-applied"));
        let d = decode_yaml(doc, &DecodeOptions::default());
        let Some(Object::Pod(p)) = d.objects.first() else {
            panic!("{:?}", d.errors)
        };
        assert_eq!(p.meta.labels.get("app"), Some("a"));
        assert_eq!(p.meta.annotations.get("team"), Some("x"));
    }

    #[test]
    fn comments_inside_a_skipped_block_do_not_end_it() {
        let doc = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: i\n    env:\n    - name: A\n      value: a\n    # - name: B\n    #   value: b\n    - name: C\n      value: c\n    ports: [{name: http, containerPort: 80}]\n";
        let d = decode_yaml(doc, &DecodeOptions::default());
        assert!(d.errors.is_empty(), "{:?}", d.errors);
        let Some(Object::Pod(p)) = d.objects.first() else {
            panic!()
        };
        assert_eq!(
            p.spec.containers[0].ports.len(),
            1,
            "the key after the block is read"
        );
    }

    #[test]
    fn errors_after_a_stripped_block_keep_their_line() {
        let doc = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  managedFields:\n  - manager: a\n  labels: [broken\n";
        let d = decode_yaml(doc, &DecodeOptions::default());
        assert_eq!(d.errors.first().and_then(|e| e.line), Some(7));
    }

    #[test]
    fn unquoted_booleans_and_numbers_where_strings_belong_are_refused_as_kubectl_does() {
        let doc = |meta: &str| {
            format!(
                "apiVersion: v1\nkind: Service\nmetadata:\n{meta}spec:\n  selector: {{app: web}}\n"
            )
        };
        let opts = DecodeOptions::default();
        for (meta, line, what) in [
            (
                "  name: web\n  labels:\n    canary: yes\n",
                6,
                "the boolean true",
            ),
            (
                "  name: web\n  labels: {canary: n}\n",
                5,
                "the boolean false",
            ),
            (
                "  name: web\n  annotations:\n    prometheus.io/port: 9090\n",
                6,
                "the number 9090",
            ),
            ("  name: web\n  namespace: on\n", 5, "the boolean true"),
        ] {
            let d = decode_yaml(&doc(meta), &opts);
            let e = d
                .errors
                .first()
                .unwrap_or_else(|| panic!("{meta}: no error"));
            assert_eq!(e.line, Some(line), "{meta}");
            assert!(
                e.message.contains(what) && e.message.ends_with("quote the value"),
                "{}",
                e.message
            );
            assert!(d.objects.is_empty());
        }
        // Quoted, they are strings; a selector value too.
        let d = decode_yaml(
            &doc("  name: web\n  labels: {canary: \"yes\", port: \"9090\"}\n"),
            &opts,
        );
        assert!(d.errors.is_empty(), "{:?}", d.errors);
        let bad_selector = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web, canary: on}\n";
        assert_eq!(
            decode_yaml(bad_selector, &opts)
                .errors
                .first()
                .and_then(|e| e.line),
            Some(6)
        );
    }

    #[test]
    fn custom_resource_with_clashing_spec_keeps_its_identity() {
        let doc = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: shop\nspec:\n  selector: \"app=web\"\n  replicas: many\n";
        let d = decode_yaml(doc, &DecodeOptions::default());
        assert!(d.errors.is_empty(), "{:?}", d.errors);
        assert_eq!(
            d.objects.first().map(|o| o.kind().to_string()),
            Some("Widget".to_string())
        );
    }

    #[test]
    fn missing_name_and_kind_are_errors() {
        let opts = DecodeOptions::default();
        let d = decode_yaml(
            "apiVersion: v1\nkind: Service\nmetadata:\n  namespace: x\n",
            &opts,
        );
        assert_eq!(d.errors[0].message, "Service: metadata.name is missing");
        let d = decode_yaml("apiVersion: v1\nmetadata: {name: x}\n", &opts);
        assert!(d.errors[0].message.contains("no `kind`"));
    }

    #[test]
    fn legacy_versions_load_into_the_same_model() {
        let opts = DecodeOptions::default();
        let d = decode_yaml("apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    metadata: {labels: {app: d}}\n    spec: {containers: [{name: c, image: i}]}\n", &opts);
        let Some(Object::Workload(w)) = d.objects.first() else {
            panic!()
        };
        // extensions/v1beta1 defaults the selector to the template labels.
        assert_eq!(
            w.selector.as_ref().map(|s| s.display()),
            Some("app=d".to_string())
        );
        let d = decode_yaml("apiVersion: autoscaling/v2beta1\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec:\n  scaleTargetRef: {kind: Deployment, name: d}\n  maxReplicas: 3\n  metrics:\n  - type: Resource\n    resource: {name: cpu, targetAverageUtilization: 55}\n", &opts);
        let Some(Object::Hpa(h)) = d.objects.first() else {
            panic!()
        };
        assert_eq!(h.cpu_utilization().collect::<Vec<_>>(), vec![(None, 55)]);
    }
}
