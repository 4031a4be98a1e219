//! Other tools' policy reports (see `reports.rs`): their wire shapes and their decoding.

use super::decode_pod::boxed;
use super::meta::{Kind, Meta, ObjectRef};
use super::wire::{nullable, RawObject, RawObjectRef};
use serde::Deserialize;
use std::sync::Arc;

/// A string, or nothing when the field holds something else (an object, a number).
pub(super) fn text_only<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum TextOr {
        Text(String),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Option::<TextOr>::deserialize(d)? {
        Some(TextOr::Text(s)) => Some(s),
        _ => None,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawReportResult {
    pub source: Option<String>,
    pub policy: Option<String>,
    pub rule: Option<String>,
    pub category: Option<String>,
    pub severity: Option<String>,
    pub result: Option<String>,
    pub message: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub resources: Vec<RawObjectRef>,
}

fn object_ref_of(
    r: &super::wire::RawObjectRef,
    fallback_ns: Option<&Arc<str>>,
) -> Option<ObjectRef> {
    let kind = Kind::parse(r.kind.as_deref().filter(|k| !k.is_empty())?);
    let name = r.name.as_deref().filter(|n| !n.is_empty())?;
    let namespace = match r.namespace.as_deref() {
        Some(ns) if !ns.is_empty() => Some(Arc::from(ns)),
        // A resource of a namespaced report that names no namespace is in the report's.
        _ if !matches!(kind, Kind::Namespace | Kind::Node) => fallback_ns.cloned(),
        _ => None,
    };
    Some(ObjectRef {
        kind,
        namespace,
        name: Arc::from(name),
    })
}

/// Another tool's report: its failing, warning and erroring results (passes are counted).
pub(super) fn report(meta: Meta, kind: String, mut raw: RawObject) -> super::reports::PolicyReport {
    let report_source = raw.source.take();
    let scope = raw
        .scope
        .as_ref()
        .and_then(|s| object_ref_of(s, meta.namespace.as_ref()));
    let mut passed = 0u32;
    let mut dropped = 0u32;
    let mut results = Vec::new();
    for r in raw.results.take().unwrap_or_default() {
        let outcome = r.result.as_deref().unwrap_or("");
        if !matches!(outcome, "fail" | "warn" | "error") {
            passed = passed.saturating_add(1);
            continue;
        }
        if results.len() >= super::reports::MAX_RESULTS_PER_REPORT {
            dropped = dropped.saturating_add(1);
            continue;
        }
        let object = r
            .resources
            .first()
            .and_then(|x| object_ref_of(x, meta.namespace.as_ref()))
            .or_else(|| scope.clone());
        results.push(super::reports::ExternalResult {
            source: r
                .source
                .or_else(|| report_source.clone())
                .unwrap_or_else(|| "unknown".into())
                .into_boxed_str(),
            policy: r.policy.unwrap_or_default().into_boxed_str(),
            rule: boxed(r.rule),
            category: boxed(r.category),
            severity: boxed(r.severity.map(|s| s.to_ascii_lowercase())),
            result: outcome.into(),
            message: r.message.unwrap_or_default().into_boxed_str(),
            object,
        });
    }
    super::reports::PolicyReport {
        meta,
        kind: kind.into_boxed_str(),
        results,
        passed,
        dropped,
    }
}
