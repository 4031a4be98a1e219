//! Loading the source the flags describe: the demo, manifests, or a live cluster (with
//! progress on stderr).

use super::{exit, Failure, SourceArgs};
use crate::model::decode::DecodeOptions;
use crate::model::SourceKind;
use crate::source::{self, Input, Loaded};
use std::sync::Arc;

/// Loads the snapshot the source flags describe.
pub fn load_source(src: &SourceArgs) -> Result<Loaded, Failure> {
    load_source_with(src, false)
}

/// [`load_source`]; live, `helm` also reads the Helm release records (`kvet audit --helm`).
pub fn load_source_with(src: &SourceArgs, helm: bool) -> Result<Loaded, Failure> {
    let opts = DecodeOptions {
        default_namespace: Arc::from(src.namespace.as_deref().unwrap_or("default")),
    };
    if src.demo && !src.filename.is_empty() {
        return Err(Failure::usage(
            "--demo and -f cannot be combined: choose one source",
        ));
    }
    if src.demo {
        return Ok(source::demo::load());
    }
    if !src.filename.is_empty() {
        let inputs: Vec<Input> = src.filename.iter().map(|f| Input::parse(f)).collect();
        return Ok(source::load(&inputs, &opts, SourceKind::Offline));
    }
    let rt = runtime()?;
    let opts = live_options(src, true);
    rt.block_on(async {
        let conn = source::live::connect(&opts).await.map_err(live_failure)?;
        load_live(&conn, helm).await
    })
}

/// Lists the cluster behind `conn` (progress on stderr); `helm` also reads the Helm release
/// records. Kinds that could not be read are in `degraded`.
pub async fn load_live(conn: &source::live::Connection, helm: bool) -> Result<Loaded, Failure> {
    {
        let mut meter = ProgressMeter::new();
        let loaded = source::live::load_with_progress(conn, &mut |p| meter.show(p)).await;
        meter.finish();
        let (mut snapshot, status) = loaded.map_err(live_failure)?;
        let mut degraded = Vec::new();
        if helm {
            let records = source::helm::read(conn).await;
            degraded.extend(records.problems.iter().map(|p| source::LoadError {
                source: conn.context.clone(),
                line: None,
                message: p.clone(),
            }));
            snapshot.helm = Some(records);
        }
        if conn.insecure {
            degraded.push(source::LoadError {
                source: conn.context.clone(),
                line: None,
                message: "insecure-skip-tls-verify is set: the server's certificate is not checked"
                    .into(),
            });
        }
        for (kind, st) in status {
            if !matches!(st, source::live::KindStatus::Ok { .. }) {
                degraded.push(source::LoadError {
                    source: conn.context.clone(),
                    line: None,
                    message: format!("{kind}: {}", st.label()),
                });
            }
        }
        Ok(Loaded {
            snapshot,
            errors: Vec::new(),
            degraded,
        })
    }
}

/// Progress of a live load on stderr, when stderr is a terminal and the load has taken more
/// than a second: `listing 7/22 kinds · 41,500 objects`, on one line that is cleared at the end.
struct ProgressMeter {
    start: std::time::Instant,
    tty: bool,
    shown: bool,
    last: Option<std::time::Instant>,
}

impl ProgressMeter {
    fn new() -> Self {
        use std::io::IsTerminal;
        ProgressMeter {
            start: std::time::Instant::now(),
            tty: std::io::stderr().is_terminal(),
            shown: false,
            last: None,
        }
    }

    fn show(&mut self, p: &source::live::LoadProgress) {
        let now = std::time::Instant::now();
        if !self.tty
            || now.duration_since(self.start) < std::time::Duration::from_secs(1)
            || self
                .last
                .is_some_and(|l| now.duration_since(l) < std::time::Duration::from_millis(100))
        {
            return;
        }
        self.last = Some(now);
        self.shown = true;
        eprint!(
            "\r\x1b[2Kkvet: listing {}/{} kinds · {} objects",
            p.kinds_done, p.kinds_total, p.objects
        );
    }

    fn finish(&mut self) {
        if self.shown {
            eprint!("\r\x1b[2K");
        }
    }
}

pub fn live_options(src: &SourceArgs, interactive_auth: bool) -> source::live::LiveOptions {
    source::live::LiveOptions {
        kubeconfig: src.kubeconfig.clone(),
        context: src.context.last().cloned(),
        namespace: if src.all_namespaces {
            None
        } else {
            src.namespace.clone()
        },
        readonly: src.readonly,
        interactive_auth,
        request_timeout: src.request_timeout.0,
        // Other tools' reports: the TUI asks for them; headless commands have no use for them.
        reports: false,
    }
}

pub(crate) fn live_failure(e: source::live::LiveError) -> Failure {
    match e {
        source::live::LiveError::Config(m) => Failure {
            code: exit::UNREACHABLE,
            message: m,
        },
        e @ (source::live::LiveError::Unreachable { .. }
        | source::live::LiveError::NotKubernetes { .. }) => Failure {
            code: exit::UNREACHABLE,
            message: e.to_string(),
        },
    }
}

/// The async runtime for live clusters (two workers: the machines kvet targets are small too).
pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::usage(format!("cannot start the async runtime: {e}")))
}
