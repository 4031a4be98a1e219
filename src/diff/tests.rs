use super::*;
use std::collections::BTreeSet;

fn snap(yaml: &str) -> Snapshot {
    crate::model::snapshot::from_yaml(yaml, crate::model::SourceKind::Offline)
}

fn run(before: &str, after: &str) -> Diff {
    let (a, b) = (snap(before), snap(after));
    let opts = crate::audit::AuditOptions::default();
    let fa = crate::audit::run(&a, &opts).findings;
    let fb = crate::audit::run(&b, &opts).findings;
    diff(&a, &fa, &b, &fb)
}

const BASE: &str = "apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      serviceAccountName: api
      containers:
      - name: api
        image: api:1.0
        ports: [{containerPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: web:1.0
        ports: [{containerPort: 80}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-in, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: 8080}]
";

#[test]
fn a_file_compared_with_itself_shows_nothing() {
    let d = run(BASE, BASE);
    assert!(d.is_empty(), "{:#?}", d.counts());
}

#[test]
fn changed_fields_are_json_pointers_with_both_values_and_status_is_not_a_change() {
    let after = BASE
        .replace("replicas: 3", "replicas: 5")
        .replace("image: api:1.0", "image: api:1.1");
    let with_status = format!("{after}---\n{}", "");
    let d = run(BASE, &with_status);
    let api = d
        .objects
        .changed
        .iter()
        .find(|c| c.object.name == "api")
        .expect("api changed");
    let paths: Vec<(&str, String, String)> = api
        .fields
        .iter()
        .map(|f| (f.path.as_str(), f.before.to_string(), f.after.to_string()))
        .collect();
    assert!(
        paths.contains(&("/spec/replicas", "3".into(), "5".into())),
        "{paths:?}"
    );
    assert!(
        paths.contains(&(
            "/spec/template/spec/containers/0/image",
            "\"api:1.0\"".into(),
            "\"api:1.1\"".into()
        )),
        "{paths:?}"
    );
    // A status that changes alone is no change.
    let a = BASE.replace(
        "        ports: [{containerPort: 80}]\n",
        "        ports: [{containerPort: 80}]\nstatus: {replicas: 2, readyReplicas: 2}\n",
    );
    let b = BASE.replace(
        "        ports: [{containerPort: 80}]\n",
        "        ports: [{containerPort: 80}]\nstatus: {replicas: 2, readyReplicas: 0}\n",
    );
    let d = run(&a, &b);
    assert!(d.objects.changed.is_empty(), "{:?}", d.objects.changed);
}

#[test]
fn a_rename_is_removed_plus_added_and_its_findings_new_plus_resolved() {
    let after = BASE.replace(
        "metadata: {name: web, namespace: shop}",
        "metadata: {name: web2, namespace: shop}",
    );
    let d = run(BASE, &after);
    assert!(d.objects.removed.iter().any(|o| o.name == "web"));
    assert!(d.objects.added.iter().any(|o| o.name == "web2"));
    assert!(d
        .findings
        .new
        .iter()
        .any(|f| f.object.name == "web2" && f.check == "pdb-missing"));
    assert!(d
        .findings
        .resolved
        .iter()
        .any(|f| f.object.name == "web" && f.check == "pdb-missing"));
    // web is on one side only: no connection from it is listed.
    assert!(
        d.reach
            .opened
            .iter()
            .chain(&d.reach.closed)
            .all(|c| !c.from.contains("web")),
        "{:?}",
        d.reach
    );
}

#[test]
fn a_binding_added_is_a_grant_gained_with_its_binding_and_role() {
    let after = format!(
        "{BASE}---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {{name: reader, namespace: shop}}\nrules:\n- apiGroups: ['']\n  resources: [secrets]\n  verbs: [get, list]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {{name: api-reads, namespace: shop}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}}\nsubjects: [{{kind: ServiceAccount, name: api}}]\n"
    );
    let d = run(BASE, &after);
    let got: Vec<(&str, &str, &str, Option<&str>)> = d
        .rbac
        .gained
        .iter()
        .map(|g| {
            (
                g.subject.as_str(),
                g.verb.as_str(),
                g.resource.as_str(),
                g.namespace.as_deref(),
            )
        })
        .collect();
    assert!(
        got.contains(&(
            "system:serviceaccount:shop:api",
            "get",
            "secrets",
            Some("shop")
        )),
        "{got:?}"
    );
    assert!(
        got.contains(&(
            "system:serviceaccount:shop:api",
            "list",
            "secrets",
            Some("shop")
        )),
        "{got:?}"
    );
    assert!(d
        .rbac
        .gained
        .iter()
        .all(|g| g.binding == "RoleBinding/shop/api-reads" && g.role == "Role/shop/reader"));
    // And the other way: lost.
    let back = run(&after, BASE);
    assert_eq!(back.rbac.lost.len(), d.rbac.gained.len());
    assert!(back.rbac.gained.is_empty());
}

#[test]
fn a_non_resource_wildcard_is_a_url_and_not_the_core_resource_wildcard() {
    let after = format!(
        "{BASE}---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {{name: everything}}\nrules:\n- apiGroups: ['']\n  resources: ['*']\n  verbs: [get]\n- nonResourceURLs: ['*', /healthz]\n  verbs: [get]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: everything}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: everything}}\nsubjects: [{{kind: ServiceAccount, name: api, namespace: shop}}]\n"
    );
    let d = run(BASE, &after);
    let mut got: Vec<&str> = d.rbac.gained.iter().map(|g| g.resource.as_str()).collect();
    got.sort_unstable();
    assert_eq!(got, ["*", "/*", "/healthz"]);
}

#[test]
fn a_widened_policy_opens_connections_and_a_default_deny_closes_them() {
    // api admits web only; widened to every pod of the namespace: api ← api is opened? No:
    // from == to is skipped; a third workload shows it.
    let base = format!(
        "{BASE}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: batch, namespace: shop}}\nspec:\n  selector: {{matchLabels: {{app: batch}}}}\n  template:\n    metadata: {{labels: {{app: batch}}}}\n    spec:\n      containers: [{{name: b, image: b:1}}]\n"
    );
    let widened = base.replace(
        "  - from: [{podSelector: {matchLabels: {app: web}}}]",
        "  - from: [{podSelector: {}}]",
    );
    let d = run(&base, &widened);
    let opened: Vec<(&str, &str, u16)> = d
        .reach
        .opened
        .iter()
        .map(|c| (c.from.as_str(), c.to.as_str(), c.port))
        .collect();
    assert_eq!(opened, [("shop/batch", "shop/api", 8080)], "{:?}", d.reach);
    assert!(
        d.reach.opened[0].allowed_by.contains("shop/api-in"),
        "{:?}",
        d.reach.opened[0]
    );
    assert!(d.reach.closed.is_empty());
    // A default-deny on web closes web's port 80 to everyone else.
    let deny = format!(
        "{base}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: deny, namespace: shop}}\nspec:\n  podSelector: {{matchLabels: {{app: web}}}}\n  policyTypes: [Ingress]\n"
    );
    let d = run(&base, &deny);
    let closed: BTreeSet<(&str, &str)> = d
        .reach
        .closed
        .iter()
        .map(|c| (c.from.as_str(), c.to.as_str()))
        .collect();
    assert_eq!(
        closed,
        [("shop/api", "shop/web"), ("shop/batch", "shop/web")]
            .into_iter()
            .collect(),
        "{:?}",
        d.reach
    );
    assert!(
        d.reach.closed[0].denied_by.contains("shop/deny"),
        "{:?}",
        d.reach.closed[0]
    );
    // Read by destination: one group, web:80 closed to both, for the one reason.
    let groups = group_by_destination(&d.reach.closed, false);
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert_eq!(
        (groups[0].to, groups[0].port, groups[0].protocol),
        ("shop/web", 80, "TCP")
    );
    assert_eq!(groups[0].from, ["shop/api", "shop/batch"]);
    assert_eq!(groups[0].why, d.reach.closed[0].denied_by);
}

#[test]
fn a_tightened_pdb_changes_the_drain_verdict() {
    let nodes = "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {conditions: [{type: Ready, status: 'True'}]}\n";
    let pods: String = (0..3)
        .map(|i| format!("---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: api-{i}\n  namespace: shop\n  labels: {{app: api}}\n  ownerReferences: [{{apiVersion: apps/v1, kind: ReplicaSet, name: api-rs, controller: true}}]\nspec:\n  nodeName: n1\n  containers: [{{name: api, image: api:1.0}}]\nstatus:\n  phase: Running\n  conditions: [{{type: Ready, status: 'True'}}]\n"))
        .collect();
    let rs = "---\napiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: api-rs\n  namespace: shop\n  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: api, controller: true}]\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n    spec: {containers: [{name: api, image: api:1.0}]}\n";
    let pdb = |max: u32| {
        format!("---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: api, namespace: shop}}\nspec:\n  maxUnavailable: {max}\n  selector: {{matchLabels: {{app: api}}}}\nstatus: {{disruptionsAllowed: {max}}}\n")
    };
    let before = format!("{BASE}---\n{nodes}{pods}{rs}{}", pdb(3));
    let after = format!("{BASE}---\n{nodes}{pods}{rs}{}", pdb(0));
    let d = run(&before, &after);
    assert_eq!(d.drain.changed.len(), 1, "{:?}", d.drain);
    let c = &d.drain.changed[0];
    assert_eq!(c.node, "n1");
    assert_ne!(c.before, c.after);
    // The PDB itself changed, the pods (owned by a controller) are not listed.
    assert!(d
        .objects
        .changed
        .iter()
        .any(|o| o.object.kind == "PodDisruptionBudget"));
    assert!(d.objects.changed.iter().all(|o| o.object.kind != "Pod"));
    assert!(d.objects.added.iter().all(|o| o.kind != "Pod"));
}
