//! Where a pod may run: the taints it tolerates, its nodeSelector and its required node
//! affinity. The drain simulation asks whether a replacement fits a node.

use super::objects::{Node, Taint};
use super::selector::LabelSelector;

/// Where a pod may be scheduled: its `nodeSelector` (every pair a label of the node) and its
/// required node affinity (any one term).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct NodePlacement {
    pub selector: Box<[(Box<str>, Box<str>)]>,
    /// Empty: no required node affinity.
    pub terms: Box<[NodeTerm]>,
}

/// One `nodeSelectorTerms` entry: its label expressions and its `metadata.name In` field.
/// Expressions kvet cannot evaluate (`Gt`, `Lt`, other fields) are left out, so a term never
/// rules out a node for them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NodeTerm {
    pub labels: LabelSelector,
    pub names: Option<Box<[Box<str>]>>,
    /// An empty term matches no node (API reference, NodeSelectorTerm).
    pub empty: bool,
}

impl NodePlacement {
    pub fn admits(&self, node: &Node) -> bool {
        let labels = &node.meta.labels;
        self.selector
            .iter()
            .all(|(k, v)| labels.get(k) == Some(&**v))
            && (self.terms.is_empty()
                || self.terms.iter().any(|t| {
                    !t.empty
                        && t.labels.matches(labels)
                        && t.names
                            .as_ref()
                            .is_none_or(|n| n.iter().any(|x| **x == *node.meta.name))
                }))
    }
}

/// A pod's toleration of node taints.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Toleration {
    pub key: Box<str>,
    /// `Exists` or `Equal` (the default).
    pub exists: bool,
    pub value: Box<str>,
    /// Empty: every effect.
    pub effect: Box<str>,
}

impl Toleration {
    /// The scheduler's rule (k8s.io/api core/v1 `Toleration.ToleratesTaint`): the effect
    /// matches or is empty; an empty key with `Exists` matches every taint; otherwise the keys
    /// match and, with `Equal`, the values too.
    pub fn tolerates(&self, taint: &Taint) -> bool {
        if !self.effect.is_empty() && self.effect != taint.effect {
            return false;
        }
        if self.key.is_empty() {
            return self.exists;
        }
        self.key == taint.key
            && (self.exists || *self.value == *taint.value.as_deref().unwrap_or(""))
    }
}
