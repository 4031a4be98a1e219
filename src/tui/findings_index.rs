//! Findings indexed for the views: by object and by namespace, with counts.

use crate::audit::{AuditResult, Finding, Severity};
use crate::model::ObjectRef;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, Default)]
pub struct FindingsIndex {
    pub findings: Vec<Finding>,
    pub by_object: HashMap<ObjectRef, Vec<usize>>,
    pub by_namespace: HashMap<Arc<str>, Vec<usize>>,
    pub counts: [usize; 3],
    /// What hurts now (derived with the findings, once per audit).
    pub symptoms: Arc<Vec<crate::triage::Symptom>>,
    /// Findings the cluster's evidence confirms: their index, and "confirmed: …".
    pub confirmed: HashMap<usize, String>,
}

/// Worst severity and number of findings, for a tree badge.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Badge {
    pub worst: Option<Severity>,
    pub count: usize,
}

impl FindingsIndex {
    /// The findings of an audit of `snap`, with the symptoms that confirm them.
    pub fn with_triage(result: AuditResult, snap: &crate::model::Snapshot) -> FindingsIndex {
        let mut ix = FindingsIndex::new(result);
        let symptoms = crate::triage::triage(snap, &ix.findings);
        let conf = crate::triage::confirmations(&symptoms);
        for (i, f) in ix.findings.iter().enumerate() {
            if let Some(list) = conf.get(&(f.check, f.object.clone())) {
                ix.confirmed.insert(i, crate::triage::confirmed_text(list));
            }
        }
        ix.symptoms = Arc::new(symptoms);
        ix
    }

    /// Orders finding indices as the views list them: confirmed by evidence first, then in the
    /// audit's order (most severe first). Stable.
    pub fn confirmed_first(&self, rows: &mut [usize]) {
        rows.sort_by_key(|i| (!self.confirmed.contains_key(i), *i));
    }

    pub fn new(result: AuditResult) -> FindingsIndex {
        let mut ix = FindingsIndex {
            findings: result.findings,
            ..FindingsIndex::default()
        };
        for (i, f) in ix.findings.iter().enumerate() {
            ix.by_object.entry(f.object.clone()).or_default().push(i);
            if let Some(ns) = &f.object.namespace {
                ix.by_namespace.entry(ns.clone()).or_default().push(i);
            }
            ix.counts[f.severity as usize] += 1;
        }
        ix
    }

    pub fn count(&self, s: Severity) -> usize {
        self.counts[s as usize]
    }

    pub fn badge(&self, indices: &[usize]) -> Badge {
        Badge {
            worst: indices.iter().map(|&i| self.findings[i].severity).max(),
            count: indices.len(),
        }
    }

    pub fn of_object(&self, r: &ObjectRef) -> &[usize] {
        self.by_object.get(r).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn of_namespace(&self, ns: &str) -> &[usize] {
        self.by_namespace.get(ns).map(Vec::as_slice).unwrap_or(&[])
    }
}
