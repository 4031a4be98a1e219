//! The symptoms of the objects around the workloads: HPAs that cannot scale, nodes that are
//! not Ready, and cordoned nodes whose drain is stuck on a budget.

use super::*;

pub(super) fn hpa_symptoms(ctx: &Ctx, out: &mut Vec<Symptom>) {
    for (i, h) in ctx.snap.hpas.iter().enumerate() {
        let r = ObjectRef::new(
            Kind::HorizontalPodAutoscaler,
            Some(h.meta.namespace()),
            &h.meta.name,
        );
        let mut evidence: Vec<Evidence> = h
            .conditions
            .iter()
            .filter(|c| {
                matches!(&*c.kind, "ScalingActive" | "AbleToScale") && &*c.status == "False"
            })
            .map(|c| condition_evidence(&r, c))
            .collect();
        evidence.extend(
            ctx.snap
                .events_of(&r)
                .iter()
                .filter(|e| symptom_of_event(e) == Some("hpa-cannot-scale"))
                .map(event_evidence),
        );
        if evidence.is_empty() {
            continue;
        }
        let target = ctx
            .snap
            .index
            .hpa_target
            .get(i)
            .copied()
            .flatten()
            .map(|w| ctx.snap.workloads[w].object_ref());
        let mut extra = vec![r.clone()];
        extra.extend(target);
        out.push(Symptom {
            symptom: "hpa-cannot-scale",
            object: r,
            impact: Impact::AtRisk,
            evidence,
            explained_by: ctx.explained(
                None,
                &["hpa-no-cpu-request", "hpa-target-missing"],
                &extra,
            ),
        });
    }
}

pub(super) fn node_symptoms(ctx: &Ctx, out: &mut Vec<Symptom>) {
    let snap = ctx.snap;
    for n in &snap.nodes {
        let r = ObjectRef::new(Kind::Node, None, &n.meta.name);
        let on_node: &[u32] = snap
            .index
            .pods_by_node
            .get(&*n.meta.name)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let live_pods = || {
            on_node
                .iter()
                .map(|&i| i as usize)
                .filter(|&i| !snap.pods[i].is_finished())
        };
        // The workloads the node hosts: built only for a node that is not Ready.
        let hosted_refs = || -> Vec<ObjectRef> {
            let mut w: Vec<usize> = live_pods()
                .filter_map(|i| {
                    let w = *snap.index.top_of_pod.get(i)?;
                    (w != u32::MAX).then_some(w as usize)
                })
                .collect();
            w.sort_unstable();
            w.dedup();
            w.iter().map(|&w| snap.workloads[w].object_ref()).collect()
        };
        // NotReady or Unknown.
        if let Some(c) = n
            .conditions
            .iter()
            .find(|c| &*c.kind == "Ready" && &*c.status != "True")
        {
            out.push(Symptom {
                symptom: "node-not-ready",
                object: r.clone(),
                impact: Impact::Degraded,
                evidence: vec![condition_evidence(&r, c)],
                explained_by: ctx.explained(None, &["replica-concentration"], &hosted_refs()),
            });
        } else if n.conditions.is_empty() && n.ready == Some(false) {
            out.push(Symptom {
                symptom: "node-not-ready",
                object: r.clone(),
                impact: Impact::Degraded,
                evidence: vec![status_evidence(
                    &r,
                    "NotReady",
                    "Ready False".into(),
                    1,
                    None,
                )],
                explained_by: ctx.explained(None, &["replica-concentration"], &hosted_refs()),
            });
        }
        // Cordoned, with pods whose PDB allows no disruption: the drain is stuck.
        if n.unschedulable {
            let mut blocked = Vec::new();
            let mut pdbs = Vec::new();
            for i in live_pods() {
                let p = &snap.pods[i];
                // The budgets of the pod's namespace only (the index keeps them by namespace).
                let candidates = ctx
                    .pdbs
                    .get(p.meta.namespace())
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                for &k in candidates {
                    let pdb = &snap.pdbs[k];
                    let selects = pdb
                        .selector
                        .as_ref()
                        .is_some_and(|s| s.matches(&p.meta.labels));
                    if selects && pdb.disruptions_allowed == Some(0) {
                        blocked.push(i);
                        pdbs.push(k);
                    }
                }
            }
            if !blocked.is_empty() {
                pdbs.sort_unstable();
                pdbs.dedup();
                let pdb_refs: Vec<ObjectRef> = pdbs
                    .iter()
                    .map(|&k| {
                        ObjectRef::new(
                            Kind::PodDisruptionBudget,
                            Some(snap.pdbs[k].meta.namespace()),
                            &snap.pdbs[k].meta.name,
                        )
                    })
                    .collect();
                let mut extra = pdb_refs.clone();
                extra.extend(blocked.iter().filter_map(|&i| {
                    let w = *snap.index.top_of_pod.get(i)?;
                    (w != u32::MAX).then(|| snap.workloads[w as usize].object_ref())
                }));
                let names: Vec<String> = pdb_refs
                    .iter()
                    .map(|p| format!("{}/{}", p.namespace.as_deref().unwrap_or(""), p.name))
                    .collect();
                out.push(Symptom {
                    symptom: "drain-stuck",
                    object: r.clone(),
                    impact: Impact::AtRisk,
                    evidence: vec![status_evidence(
                        &r,
                        "Cordoned",
                        format!(
                            "the node is cordoned and still runs {} pod{} whose PodDisruptionBudget allows no disruption ({})",
                            blocked.len(),
                            if blocked.len() == 1 { "" } else { "s" },
                            names.join(", ")
                        ),
                        blocked.len() as i64,
                        None,
                    )],
                    explained_by: ctx.explained(None, &["pdb-blocks-drain", "pdb-overlap"], &extra),
                });
            }
        }
    }
}
