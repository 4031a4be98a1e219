//! A deterministic synthetic cluster, for benchmarks: realistic pods (several containers, env,
//! volumes, managedFields, status) with the ratios of performance.md: about 10 pods per
//! workload, a Service and a PDB for most workloads, one NetworkPolicy per 10 workloads, and one
//! ServiceAccount with RBAC per workload.

use std::io::{self, Write};

#[derive(Clone, Debug)]
pub struct Params {
    pub pods: usize,
    pub seed: u64,
    pub pods_per_workload: usize,
    pub workloads_per_namespace: usize,
    pub pods_per_node: usize,
}

impl Params {
    pub fn for_pods(pods: usize, seed: u64) -> Params {
        Params {
            pods,
            seed,
            pods_per_workload: 10,
            workloads_per_namespace: 50,
            pods_per_node: 30,
        }
    }
}

/// splitmix64: small, fast and deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn hex(&mut self, len: usize) -> String {
        let mut s = format!("{:016x}{:016x}", self.next(), self.next());
        s.truncate(len);
        s
    }
}

const TEAMS: &[&str] = &[
    "checkout", "search", "billing", "auth", "catalog", "media", "ledger", "notify",
];
const ROLES: &[&str] = &["api", "worker", "web", "grpc", "cache", "consumer"];

/// Writes the cluster as multi-document YAML.
pub fn write(p: &Params, out: &mut dyn Write) -> io::Result<()> {
    let mut rng = Rng(p.seed);
    let workloads = p.pods.div_ceil(p.pods_per_workload).max(1);
    let namespaces = workloads.div_ceil(p.workloads_per_namespace).max(1);
    let nodes = p.pods.div_ceil(p.pods_per_node).max(1);
    for n in 0..namespaces {
        writeln!(out, "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-{n:04}\n  labels:\n    kubernetes.io/metadata.name: ns-{n:04}\n    team: {}\n", TEAMS[n % TEAMS.len()])?;
        writeln!(out, "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny\n  namespace: ns-{n:04}\nspec:\n  podSelector: {{}}\n  policyTypes: [Ingress]\n")?;
    }
    for n in 0..nodes {
        writeln!(out, "---\napiVersion: v1\nkind: Node\nmetadata:\n  name: node-{n:05}\n  labels:\n    kubernetes.io/hostname: node-{n:05}\n    topology.kubernetes.io/zone: zone-{}\nspec:\n  podCIDR: 10.{}.{}.0/24\nstatus:\n  allocatable: {{cpu: '16', memory: 64Gi, pods: '110'}}\n  conditions:\n  - {{type: Ready, status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z'}}\n", n % 3, (n / 256) % 256, n % 256)?;
    }
    let mut pod_no = 0usize;
    for w in 0..workloads {
        let ns = format!("ns-{:04}", w / p.workloads_per_namespace);
        let team = TEAMS[w % TEAMS.len()];
        let role = ROLES[(w / TEAMS.len()) % ROLES.len()];
        let name = format!("{team}-{role}-{w:05}");
        let replicas = p.pods_per_workload.min(p.pods - pod_no.min(p.pods)).max(1);
        let hash = rng.hex(10);
        let served = rng.chance(85);
        let with_probes = rng.chance(70);
        let with_limits = rng.chance(75);
        let image = format!(
            "registry.example.com/{team}/{role}:1.{}.{}",
            rng.below(40),
            rng.below(10)
        );
        writeln!(out, "---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {name}\n  namespace: {ns}\n")?;
        writeln!(out, "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: {name}\n  namespace: {ns}\nrules:\n- apiGroups: ['']\n  resources: [configmaps]\n  verbs: [get, list, watch]\n")?;
        writeln!(out, "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: {name}\n  namespace: {ns}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: {name}\nsubjects:\n- kind: ServiceAccount\n  name: {name}\n  namespace: {ns}\n")?;
        let template = container_block(&name, &image, with_probes, with_limits, "      ");
        writeln!(out, "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels: {{app: {name}, team: {team}}}\nspec:\n  replicas: {replicas}\n  revisionHistoryLimit: 5\n  selector:\n    matchLabels: {{app: {name}}}\n  strategy:\n    type: RollingUpdate\n    rollingUpdate: {{maxUnavailable: 0, maxSurge: 1}}\n  template:\n    metadata:\n      labels: {{app: {name}, team: {team}}}\n    spec:\n      serviceAccountName: {name}\n      terminationGracePeriodSeconds: 45\n{template}")?;
        writeln!(out, "---\napiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: {name}-{hash}\n  namespace: {ns}\n  labels: {{app: {name}, team: {team}, pod-template-hash: '{hash}'}}\n  ownerReferences:\n  - {{apiVersion: apps/v1, kind: Deployment, name: {name}, uid: {}, controller: true}}\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels: {{app: {name}, pod-template-hash: '{hash}'}}\n  template:\n    metadata:\n      labels: {{app: {name}, team: {team}, pod-template-hash: '{hash}'}}\n    spec:\n      serviceAccountName: {name}\n{template}", rng.hex(8))?;
        if served {
            writeln!(out, "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  selector: {{app: {name}}}\n  ports:\n  - {{name: http, port: 80, targetPort: http}}\n")?;
        }
        if rng.chance(80) {
            writeln!(out, "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels: {{app: {name}}}\n")?;
        }
        if rng.chance(30) {
            writeln!(out, "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: {name}}}\n  minReplicas: 2\n  maxReplicas: 20\n  metrics:\n  - type: Resource\n    resource: {{name: cpu, target: {{type: Utilization, averageUtilization: {}}}}}\n", 55 + rng.below(40))?;
        }
        if w % 10 == 0 {
            writeln!(out, "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-{name}\n  namespace: {ns}\nspec:\n  podSelector:\n    matchLabels: {{app: {name}}}\n  policyTypes: [Ingress, Egress]\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels: {{team: {team}}}\n    ports:\n    - {{protocol: TCP, port: 8080}}\n  egress:\n  - to:\n    - namespaceSelector: {{}}\n      podSelector:\n        matchLabels: {{k8s-app: kube-dns}}\n    ports:\n    - {{protocol: UDP, port: 53}}\n    - {{protocol: TCP, port: 53}}\n")?;
        }
        for r in 0..replicas {
            if pod_no >= p.pods {
                break;
            }
            // Random-looking, but unique within the ReplicaSet (as the API server makes it).
            let suffix = format!("{}{r:02x}", rng.hex(3));
            let node = pod_no % nodes;
            let crash = rng.chance(2);
            let started = format!(
                "2026-11-{:02}T{:02}:{:02}:{:02}Z",
                1 + rng.below(25),
                rng.below(24),
                rng.below(60),
                rng.below(60)
            );
            let pod_template = container_block(&name, &image, with_probes, with_limits, "  ");
            writeln!(out, "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}-{hash}-{suffix}\n  generateName: {name}-{hash}-\n  namespace: {ns}\n  uid: {}-{}-{}\n  resourceVersion: '{}'\n  creationTimestamp: '{started}'\n  labels: {{app: {name}, team: {team}, pod-template-hash: '{hash}'}}\n  annotations:\n    kubectl.kubernetes.io/restartedAt: '{started}'\n    prometheus.io/scrape: 'true'\n    prometheus.io/port: '9090'\n  ownerReferences:\n  - {{apiVersion: apps/v1, kind: ReplicaSet, name: {name}-{hash}, uid: {}, controller: true, blockOwnerDeletion: true}}\n{}spec:\n  nodeName: node-{node:05}\n  serviceAccountName: {name}\n  terminationGracePeriodSeconds: 45\n  dnsPolicy: ClusterFirst\n  restartPolicy: Always\n  schedulerName: default-scheduler\n  tolerations:\n  - {{key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 300}}\n  - {{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 300}}\n{pod_template}{}", rng.hex(8), rng.hex(4), rng.hex(12), 100000 + pod_no, rng.hex(8), managed_fields(&started), status(&name, &started, r, crash))?;
            pod_no += 1;
        }
    }
    Ok(())
}

fn container_block(name: &str, image: &str, probes: bool, limits: bool, ind: &str) -> String {
    let mut s = String::new();
    let lim = if limits {
        format!("{ind}    limits: {{cpu: 500m, memory: 512Mi}}\n")
    } else {
        String::new()
    };
    let probe = if probes {
        format!("{ind}  readinessProbe:\n{ind}    httpGet: {{path: /ready, port: http}}\n{ind}    periodSeconds: 5\n{ind}  livenessProbe:\n{ind}    httpGet: {{path: /healthz, port: http}}\n{ind}    initialDelaySeconds: 10\n{ind}    failureThreshold: 6\n{ind}  lifecycle:\n{ind}    preStop:\n{ind}      exec: {{command: [sleep, '10']}}\n")
    } else {
        String::new()
    };
    s.push_str(&format!("{ind}containers:\n{ind}- name: app\n{ind}  image: {image}\n{ind}  imagePullPolicy: IfNotPresent\n{ind}  ports:\n{ind}  - {{name: http, containerPort: 8080, protocol: TCP}}\n{ind}  - {{name: metrics, containerPort: 9090, protocol: TCP}}\n{ind}  env:\n"));
    for (k, v) in [
        ("APP_NAME", name),
        ("LOG_LEVEL", "info"),
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "http://otel-collector.monitoring:4317",
        ),
        ("DB_POOL_SIZE", "20"),
        ("FEATURE_FLAGS", "checkout-v2,search-rerank"),
    ] {
        s.push_str(&format!("{ind}  - {{name: {k}, value: '{v}'}}\n"));
    }
    s.push_str(&format!("{ind}  - name: POD_IP\n{ind}    valueFrom: {{fieldRef: {{fieldPath: status.podIP}}}}\n{ind}  resources:\n{ind}    requests: {{cpu: 200m, memory: 256Mi}}\n{lim}{probe}{ind}  volumeMounts:\n{ind}  - {{name: config, mountPath: /etc/app, readOnly: true}}\n{ind}  - {{name: tmp, mountPath: /tmp}}\n{ind}  securityContext: {{runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: {{drop: [ALL]}}}}\n"));
    s.push_str(&format!("{ind}- name: envoy\n{ind}  image: envoyproxy/envoy:v1.31.2\n{ind}  args: [--config-path, /etc/envoy/envoy.yaml, --log-level, warn]\n{ind}  ports:\n{ind}  - {{name: admin, containerPort: 9901}}\n{ind}  resources:\n{ind}    requests: {{cpu: 50m, memory: 64Mi}}\n{ind}    limits: {{cpu: 200m, memory: 128Mi}}\n{ind}  readinessProbe:\n{ind}    httpGet: {{path: /ready, port: admin}}\n"));
    s.push_str(&format!("{ind}volumes:\n{ind}- name: config\n{ind}  configMap: {{name: {name}-config}}\n{ind}- name: tmp\n{ind}  emptyDir: {{medium: Memory, sizeLimit: 64Mi}}\n{ind}- name: kube-api-access\n{ind}  projected:\n{ind}    sources:\n{ind}    - serviceAccountToken: {{expirationSeconds: 3607, path: token}}\n{ind}    - configMap: {{name: kube-root-ca.crt, items: [{{key: ca.crt, path: ca.crt}}]}}\n"));
    s
}

fn managed_fields(t: &str) -> String {
    format!("  managedFields:\n  - manager: kube-controller-manager\n    operation: Update\n    apiVersion: v1\n    time: '{t}'\n    fieldsType: FieldsV1\n    fieldsV1:\n      f:metadata:\n        f:generateName: {{}}\n        f:labels:\n          .: {{}}\n          f:app: {{}}\n          f:pod-template-hash: {{}}\n          f:team: {{}}\n        f:ownerReferences:\n          .: {{}}\n          k:{{\"uid\":\"x\"}}: {{}}\n      f:spec:\n        f:containers:\n          k:{{\"name\":\"app\"}}:\n            .: {{}}\n            f:env: {{}}\n            f:image: {{}}\n            f:ports: {{}}\n            f:resources: {{}}\n          k:{{\"name\":\"envoy\"}}:\n            .: {{}}\n            f:image: {{}}\n  - manager: kubelet\n    operation: Update\n    apiVersion: v1\n    time: '{t}'\n    fieldsType: FieldsV1\n    subresource: status\n    fieldsV1:\n      f:status:\n        f:conditions: {{}}\n        f:containerStatuses: {{}}\n        f:hostIP: {{}}\n        f:phase: {{}}\n        f:podIP: {{}}\n        f:startTime: {{}}\n")
}

fn status(name: &str, started: &str, r: usize, crash: bool) -> String {
    let ready = if crash { "False" } else { "True" };
    let state = if crash {
        "      waiting: {reason: CrashLoopBackOff, message: back-off 5m0s restarting failed container}\n".to_string()
    } else {
        format!("      running: {{startedAt: '{started}'}}\n")
    };
    format!("status:\n  phase: Running\n  hostIP: 10.128.0.{}\n  podIP: 10.{}.{}.{}\n  startTime: '{started}'\n  qosClass: Burstable\n  conditions:\n  - {{type: Initialized, status: 'True', lastTransitionTime: '{started}'}}\n  - {{type: Ready, status: '{ready}', lastTransitionTime: '{started}'}}\n  - {{type: ContainersReady, status: '{ready}', lastTransitionTime: '{started}'}}\n  - {{type: PodScheduled, status: 'True', lastTransitionTime: '{started}'}}\n  containerStatuses:\n  - name: app\n    image: registry.example.com/{name}\n    imageID: registry.example.com/{name}@sha256:0f3c\n    containerID: containerd://{r:064}\n    ready: {}\n    restartCount: {}\n    started: true\n    state:\n{state}  - name: envoy\n    image: envoyproxy/envoy:v1.31.2\n    ready: true\n    restartCount: 0\n    started: true\n    state:\n      running: {{startedAt: '{started}'}}\n", r % 250, r % 250, (r / 250) % 250, r % 200 + 2, !crash, if crash { 14 } else { 0 })
}
