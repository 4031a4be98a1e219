//! The pod-spec half of the projections: containers, their resources, probes, lifecycle
//! handlers and security contexts, and the shared pod spec (see `objects.rs`).

use super::placement::{NodePlacement, Toleration};

/// `IntOrString` fields that take a count or a percentage (`maxUnavailable`, `minAvailable`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum IntOrPercent {
    Int(i64),
    /// A percentage, in whole percents (`"25%"`).
    Percent(i64),
    /// Text the API server would reject; kept to report it.
    Invalid(Box<str>),
}

impl IntOrPercent {
    pub fn parse_str(s: &str) -> IntOrPercent {
        let t = s.trim();
        if let Some(p) = t.strip_suffix('%') {
            match p.parse::<i64>() {
                Ok(v) => IntOrPercent::Percent(v),
                Err(_) => IntOrPercent::Invalid(s.into()),
            }
        } else {
            match t.parse::<i64>() {
                Ok(v) => IntOrPercent::Int(v),
                Err(_) => IntOrPercent::Invalid(s.into()),
            }
        }
    }

    /// Resolves against a total, rounding a percentage up or down as the controller does.
    pub fn scaled(&self, total: i64, round_up: bool) -> Option<i64> {
        match self {
            IntOrPercent::Int(v) => Some(*v),
            IntOrPercent::Percent(p) => {
                let num = p * total;
                Some(if round_up {
                    (num + 99).div_euclid(100)
                } else {
                    num.div_euclid(100)
                })
            }
            IntOrPercent::Invalid(_) => None,
        }
    }

    pub fn text(&self) -> String {
        match self {
            IntOrPercent::Int(v) => v.to_string(),
            IntOrPercent::Percent(p) => format!("{p}%"),
            IntOrPercent::Invalid(s) => s.to_string(),
        }
    }
}

/// A port given by number or by name (probes, Service targetPort, NetworkPolicy ports).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PortRef {
    Number(i64),
    Name(Box<str>),
}

impl PortRef {
    pub fn parse_str(s: &str) -> PortRef {
        match s.trim().parse::<i64>() {
            Ok(n) => PortRef::Number(n),
            Err(_) => PortRef::Name(s.into()),
        }
    }

    pub fn text(&self) -> String {
        match self {
            PortRef::Number(n) => n.to_string(),
            PortRef::Name(s) => s.to_string(),
        }
    }
}

/// cpu and memory of a `requests` or `limits` map, as written (parse with [`super::quantity`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ResourcePair {
    pub cpu: Option<Box<str>>,
    pub memory: Option<Box<str>>,
}

impl ResourcePair {
    pub fn get(&self, resource: Resource) -> Option<&str> {
        match resource {
            Resource::Cpu => self.cpu.as_deref(),
            Resource::Memory => self.memory.as_deref(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Resource {
    Cpu,
    Memory,
}

impl Resource {
    pub const BOTH: [Resource; 2] = [Resource::Cpu, Resource::Memory];
    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Cpu => "cpu",
            Resource::Memory => "memory",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Handler {
    Exec(Vec<Box<str>>),
    HttpGet {
        path: Option<Box<str>>,
        port: PortRef,
        scheme: Option<Box<str>>,
        host: Option<Box<str>>,
        /// `httpHeaders` as (name, value), in the order written.
        headers: Box<[(Box<str>, Box<str>)]>,
    },
    TcpSocket {
        port: PortRef,
    },
    Grpc {
        port: i64,
        service: Option<Box<str>>,
    },
    /// The lifecycle `sleep` action (Kubernetes 1.29+).
    Sleep {
        seconds: i64,
    },
    /// No handler was given (the API server would reject the probe).
    Missing,
}

impl Handler {
    pub fn port(&self) -> Option<&PortRef> {
        match self {
            Handler::HttpGet { port, .. } | Handler::TcpSocket { port } => Some(port),
            _ => None,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Handler::Exec(cmd) => format!("exec {}", cmd.join(" ")),
            Handler::HttpGet {
                path, port, scheme, ..
            } => format!(
                "{} {}:{}",
                scheme.as_deref().unwrap_or("HTTP").to_ascii_lowercase(),
                path.as_deref().unwrap_or("/"),
                port.text()
            ),
            Handler::TcpSocket { port } => format!("tcp :{}", port.text()),
            Handler::Grpc { port, .. } => format!("grpc :{port}"),
            Handler::Sleep { seconds } => format!("sleep {seconds}s"),
            Handler::Missing => "no handler".to_string(),
        }
    }
}

/// A probe with the API defaults applied (initialDelay 0, period 10, timeout 1, success 1,
/// failure 3).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Probe {
    pub handler: Handler,
    pub initial_delay_seconds: i64,
    pub period_seconds: i64,
    pub timeout_seconds: i64,
    pub success_threshold: i64,
    pub failure_threshold: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ContainerPort {
    pub name: Option<Box<str>>,
    pub port: i64,
    pub protocol: Box<str>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Container {
    pub name: Box<str>,
    pub image: Box<str>,
    pub ports: Vec<ContainerPort>,
    pub requests: ResourcePair,
    pub limits: ResourcePair,
    pub readiness: Option<Probe>,
    pub liveness: Option<Probe>,
    pub startup: Option<Probe>,
    pub pre_stop: Option<Handler>,
    /// `Always` on an init container makes it a native sidecar.
    pub restart_policy: Option<Box<str>>,
    pub security: SecurityContext,
}

/// What the security checks read of a securityContext (pod or container level).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SecurityContext {
    pub privileged: Option<bool>,
    pub allow_privilege_escalation: Option<bool>,
    pub run_as_non_root: Option<bool>,
    pub run_as_user: Option<i64>,
}

impl SecurityContext {
    /// Runs as a non-root user by this context: `runAsNonRoot: true` or a `runAsUser` above 0.
    pub fn non_root(&self) -> Option<bool> {
        match (self.run_as_user, self.run_as_non_root) {
            (Some(u), _) if u > 0 => Some(true),
            (Some(0), _) => Some(false),
            (_, Some(true)) => Some(true),
            _ => None,
        }
    }
}

impl Probe {
    /// The probe as the kubelet runs it: a named port resolved against the container's ports,
    /// `scheme` defaulted to HTTP (and upper-cased), an empty path as `/`, header names
    /// lower-cased (HTTP names are case-insensitive) and headers in a stable order.
    pub fn normalized(&self, c: &Container) -> Probe {
        let mut p = self.clone();
        let resolve = |port: &PortRef| match port {
            PortRef::Name(n) => c
                .ports
                .iter()
                .find(|cp| cp.name.as_deref() == Some(&**n))
                .map_or_else(|| port.clone(), |cp| PortRef::Number(cp.port)),
            PortRef::Number(_) => port.clone(),
        };
        match &mut p.handler {
            Handler::HttpGet {
                path,
                port,
                scheme,
                headers,
                ..
            } => {
                *port = resolve(port);
                *scheme = Some(
                    scheme
                        .as_deref()
                        .unwrap_or("HTTP")
                        .to_ascii_uppercase()
                        .into(),
                );
                if path.as_deref().is_none_or(str::is_empty) {
                    *path = Some("/".into());
                }
                let mut h: Vec<(Box<str>, Box<str>)> = headers
                    .iter()
                    .map(|(n, v)| (n.to_ascii_lowercase().into(), v.clone()))
                    .collect();
                h.sort();
                *headers = h.into();
            }
            Handler::TcpSocket { port } => *port = resolve(port),
            _ => {}
        }
        p
    }
}

impl Container {
    /// The request the API server ends up with: a limit without a request defaults the request.
    pub fn effective_request(&self, r: Resource) -> Option<&str> {
        self.requests.get(r).or_else(|| self.limits.get(r))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PodSpec {
    pub containers: Vec<Container>,
    pub init_containers: Vec<Container>,
    pub service_account: Option<Box<str>>,
    pub termination_grace_seconds: Option<i64>,
    pub restart_policy: Option<Box<str>>,
    pub automount_token: Option<bool>,
    pub host_network: bool,
    pub host_pid: bool,
    pub host_ipc: bool,
    /// Names of the emptyDir volumes (`kubectl drain` refuses their pods without
    /// `--delete-emptydir-data`).
    pub empty_dirs: Box<[Box<str>]>,
    /// The PersistentVolumeClaims the pod mounts (`persistentVolumeClaim.claimName`).
    pub claims: Box<[Box<str>]>,
    pub tolerations: Box<[Toleration]>,
    /// Topology keys of the podAntiAffinity terms (required and preferred).
    pub anti_affinity_keys: Box<[Box<str>]>,
    /// Topology keys of the topologySpreadConstraints.
    pub spread_keys: Box<[Box<str>]>,
    /// The pod-level securityContext (runAsNonRoot, runAsUser).
    pub security: SecurityContext,
    /// The nodes it may run on: its nodeSelector and required node affinity.
    pub placement: NodePlacement,
}

impl PodSpec {
    /// The ServiceAccount the pods run as (`default` when none is named).
    pub fn service_account_name(&self) -> &str {
        self.service_account.as_deref().unwrap_or("default")
    }

    /// terminationGracePeriodSeconds, 30 by default.
    pub fn grace_seconds(&self) -> i64 {
        self.termination_grace_seconds.unwrap_or(30)
    }

    /// Regular containers first, then init containers, each with its JSON-pointer list name.
    pub fn all_containers(&self) -> impl Iterator<Item = (&'static str, usize, &Container)> {
        self.containers
            .iter()
            .enumerate()
            .map(|(i, c)| ("containers", i, c))
            .chain(
                self.init_containers
                    .iter()
                    .enumerate()
                    .map(|(i, c)| ("initContainers", i, c)),
            )
    }
}
