//! Decoding the spec fields whose shape needs more than a copy: an HPA's metrics (autoscaling/v1's
//! annotation included) and NetworkPolicy peers and rules.

use super::decode::{selector, Slim};
use super::decode_pod::{boxed, port_ref};
use super::meta::Meta;
use super::objects::*;
use super::wire::*;

/// The annotation in which autoscaling/v1 carries the metrics it has no field for.
pub const HPA_V1_METRICS: &str = "autoscaling.alpha.kubernetes.io/metrics";

pub(super) fn hpa_metrics(api_version: &str, spec: &mut RawSpec, meta: &Meta) -> Vec<HpaMetric> {
    let metrics = if api_version == "autoscaling/v1" {
        // As the API server converts a v1 HPA: the metrics of the annotation (v2beta1's
        // shape), then the CPU target when it is set; the 80 % CPU default applies only when
        // neither names a metric.
        let mut m: Vec<RawMetric> = meta
            .annotation(HPA_V1_METRICS)
            .and_then(|a| serde_json::from_str(a).ok())
            .unwrap_or_default();
        if let Some(cpu) = spec.target_cpu_utilization_percentage {
            m.push(RawMetric {
                kind: Some("Resource".into()),
                resource: Some(RawResourceMetric {
                    name: Some("cpu".into()),
                    target_average_utilization: Some(cpu),
                    ..RawResourceMetric::default()
                }),
                container_resource: None,
            });
        }
        m
    } else {
        spec.metrics.take().unwrap_or_default()
    };
    if metrics.is_empty() {
        // The API defaults an HPA without metrics to 80 % average CPU utilization.
        return vec![HpaMetric::Resource {
            name: "cpu".into(),
            container: None,
            utilization: Some(80),
        }];
    }
    metrics
        .into_iter()
        .map(|m| {
            let kind = m.kind.unwrap_or_default();
            let res = match kind.as_str() {
                "Resource" => m.resource,
                "ContainerResource" => m.container_resource,
                _ => None,
            };
            match res {
                Some(r) => HpaMetric::Resource {
                    name: r.name.unwrap_or_default().into_boxed_str(),
                    container: boxed(r.container),
                    utilization: r.target_average_utilization.or_else(|| {
                        r.target
                            .filter(|t| t.kind.as_deref() == Some("Utilization"))
                            .and_then(|t| t.average_utilization)
                    }),
                },
                None => HpaMetric::Other(kind.into_boxed_str()),
            }
        })
        .collect::<Vec<_>>()
        .slim()
}

pub(super) fn peers(raw: Vec<RawPeer>) -> Vec<Peer> {
    raw.into_iter()
        .map(|p| Peer {
            pod_selector: selector(p.pod_selector),
            namespace_selector: selector(p.namespace_selector),
            ip_block: p.ip_block.map(|b| IpBlock {
                cidr: b.cidr.unwrap_or_default().into_boxed_str(),
                except: b
                    .except
                    .into_iter()
                    .map(String::into_boxed_str)
                    .collect::<Vec<_>>()
                    .slim(),
            }),
        })
        .collect::<Vec<_>>()
        .slim()
}

pub(super) fn policy_rules(raw: Option<Vec<RawPolicyRule>>, ingress: bool) -> Vec<PolicyRule> {
    raw.unwrap_or_default()
        .into_iter()
        .map(|r| PolicyRule {
            peers: peers(if ingress { r.from } else { r.to }),
            ports: r
                .ports
                .into_iter()
                .map(|p| PolicyPort {
                    protocol: p.protocol.unwrap_or_else(|| "TCP".into()).into_boxed_str(),
                    port: p.port.map(|v| port_ref(Some(v))),
                    end_port: p.end_port,
                })
                .collect::<Vec<_>>()
                .slim(),
        })
        .collect::<Vec<_>>()
        .slim()
}
