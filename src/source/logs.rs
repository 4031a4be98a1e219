//! I/O: a container's logs, read through the pods/log subresource (what `kubectl logs` reads).
//! The server sends the tail; kvet splits it into lines, each bounded, and hands them over in
//! batches. Follow mode keeps the stream open on the watch client (no read timeout) until the
//! caller stops it. Why logs cannot be read is said in words, naming the permission or the state.

use super::live::Connection;
use futures::AsyncBufReadExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};

/// How many lines the tail holds: what is read first, and what a follow keeps.
pub const TAIL_LINES: usize = 500;
/// A longer line is cut here (bytes), so one runaway line cannot fill memory.
pub const MAX_LINE_BYTES: usize = 8192;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogRequest {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    /// The previous instance of the container (the one that crashed).
    pub previous: bool,
    pub follow: bool,
}

impl LogRequest {
    /// The kubectl command that reads the same logs (for messages).
    pub fn kubectl(&self) -> String {
        format!(
            "kubectl logs -n {} {} -c {} --tail={}{}{}",
            self.namespace,
            self.pod,
            self.container,
            TAIL_LINES,
            if self.previous { " --previous" } else { "" },
            if self.follow { " -f" } else { "" }
        )
    }
}

/// Splits a byte stream into lines: UTF-8 repaired, `\r\n` trimmed, each at most
/// [`MAX_LINE_BYTES`] with the cut said. Pure, so the bounds are tested without a server.
#[derive(Debug, Default)]
pub struct LineSplitter {
    partial: Vec<u8>,
    /// Bytes of the current line dropped past the bound.
    cut: usize,
}

impl LineSplitter {
    /// Takes a chunk; returns the lines it completed.
    pub fn push(&mut self, mut chunk: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        while !chunk.is_empty() {
            match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    self.take(&chunk[..i]);
                    out.push(self.finish());
                    chunk = &chunk[i + 1..];
                }
                None => {
                    self.take(chunk);
                    break;
                }
            }
        }
        out
    }

    /// The last line when the stream ends without a newline.
    pub fn end(&mut self) -> Option<String> {
        (!self.partial.is_empty() || self.cut > 0).then(|| self.finish())
    }

    fn take(&mut self, bytes: &[u8]) {
        let room = MAX_LINE_BYTES.saturating_sub(self.partial.len());
        let keep = bytes.len().min(room);
        self.partial.extend_from_slice(&bytes[..keep]);
        self.cut += bytes.len() - keep;
    }

    fn finish(&mut self) -> String {
        if self.partial.last() == Some(&b'\r') {
            self.partial.pop();
        }
        let mut line = String::from_utf8_lossy(&self.partial).into_owned();
        if self.cut > 0 {
            line.push_str(&format!(" … ({} more bytes cut by kvet)", self.cut));
        }
        self.partial.clear();
        self.cut = 0;
        line
    }
}

/// Why logs could not be read, from the server's answer (status code and message), in words.
pub fn explain_error(req: &LogRequest, code: u16, message: &str) -> String {
    let m = message.to_ascii_lowercase();
    let what = format!("{}/{} container {}", req.namespace, req.pod, req.container);
    if code == 403 {
        return format!(
            "forbidden: reading logs needs get on pods/log in namespace {} (kubectl auth can-i get pods --subresource=log -n {}). The server said: {message}",
            req.namespace, req.namespace
        );
    }
    if code == 404 && !m.contains("container") {
        // The server looks up the pod, then its node: a 404 names which one is missing.
        let named = message.split('"').nth(1).unwrap_or_default();
        if !named.is_empty() && named != req.pod {
            return format!(
                "the node {named:?} that ran {}/{} is gone (404), and its logs with it. The server said: {message}",
                req.namespace, req.pod
            );
        }
        return format!(
            "pod {}/{} is gone (404): it was deleted or replaced; pick its successor",
            req.namespace, req.pod
        );
    }
    if m.contains("previous terminated container") {
        return format!(
            "{what} has no previous instance: it has not restarted (p shows the current one). The server said: {message}"
        );
    }
    if m.contains("waiting to start") || m.contains("podinitializing") {
        return format!("{what} never started, so it has no logs yet. The server said: {message}");
    }
    if m.contains("is not valid for pod") || (m.contains("container") && m.contains("not found")) {
        return format!("{what}: the pod has no such container. The server said: {message}");
    }
    if m.contains("does not have a host assigned") {
        return format!(
            "{}/{} is not scheduled on a node, so it has no logs yet",
            req.namespace, req.pod
        );
    }
    if code >= 500
        || m.contains("dial tcp")
        || m.contains("connection refused")
        || m.contains("no such host")
    {
        return format!(
            "the kubelet of the pod's node did not answer ({code}): the node may be down or gone. The server said: {message}"
        );
    }
    format!("cannot read the logs of {what} ({code}): {message}")
}

/// Streams the logs of `req`. `sink` takes each batch of lines and returns false to stop.
/// Returns when the stream ends (follow: when the container stops, or `sink` says so), or why
/// the logs cannot be read.
pub async fn stream(
    conn: &Connection,
    req: &LogRequest,
    mut sink: impl FnMut(Vec<String>) -> bool,
) -> Result<(), String> {
    // A follow stays open without data for as long as the container is quiet: no read timeout.
    let client = if req.follow {
        conn.watch_client.clone()
    } else {
        conn.client.clone()
    };
    let api: Api<Pod> = Api::namespaced(client, &req.namespace);
    let lp = LogParams {
        container: Some(req.container.clone()),
        follow: req.follow,
        previous: req.previous,
        tail_lines: Some(TAIL_LINES as i64),
        ..Default::default()
    };
    let mut body = match api.log_stream(&req.pod, &lp).await {
        Ok(b) => Box::pin(b),
        Err(kube::Error::Api(s)) => return Err(explain_error(req, s.code, &s.message)),
        Err(e) => {
            return Err(format!(
                "cannot read the logs ({}): {}",
                req.kubectl(),
                super::live::timed_out(conn, &e)
            ))
        }
    };
    let mut split = LineSplitter::default();
    loop {
        let chunk = match body.fill_buf().await {
            Ok(c) => c,
            Err(e) => return Err(format!("the log stream broke: {e}")),
        };
        if chunk.is_empty() {
            break;
        }
        let n = chunk.len();
        let lines = split.push(chunk);
        body.consume_unpin(n);
        if !lines.is_empty() && !sink(lines) {
            return Ok(());
        }
    }
    if let Some(last) = split.end() {
        sink(vec![last]);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> LogRequest {
        LogRequest {
            namespace: "shop".into(),
            pod: "api-1".into(),
            container: "app".into(),
            previous: false,
            follow: false,
        }
    }

    #[test]
    fn lines_across_chunks_are_joined_and_bounded() {
        let mut s = LineSplitter::default();
        assert_eq!(s.push(b"one\r\ntw"), vec!["one"]);
        assert_eq!(s.push(b"o\nthree"), vec!["two"]);
        assert_eq!(s.end().as_deref(), Some("three"));
        assert_eq!(s.end(), None);
        let long = vec![b'x'; MAX_LINE_BYTES + 100];
        let mut s = LineSplitter::default();
        assert!(s.push(&long).is_empty());
        let lines = s.push(b"tail\n");
        assert_eq!(lines.len(), 1);
        assert!(lines[0].starts_with(&"x".repeat(MAX_LINE_BYTES)));
        assert!(
            lines[0].ends_with("(104 more bytes cut by kvet)"),
            "{}",
            lines[0]
        );
        // Not UTF-8: repaired, not refused.
        assert_eq!(s.push(b"a\xffb\n"), vec!["a\u{fffd}b"]);
    }

    #[test]
    fn errors_say_why_in_words() {
        let r = req();
        let e = explain_error(
            &r,
            403,
            "pods \"api-1\" is forbidden: User \"dev\" cannot get resource \"pods/log\"",
        );
        assert!(e.contains("get on pods/log in namespace shop"), "{e}");
        let e = explain_error(&r, 404, "pods \"api-1\" not found");
        assert!(e.contains("pod shop/api-1 is gone"), "{e}");
        // What a v1.20 server answers when the pod's node object was deleted.
        let e = explain_error(&r, 404, "pods \"node-7\" not found");
        assert!(
            e.contains("the node \"node-7\" that ran shop/api-1 is gone"),
            "{e}"
        );
        let e = explain_error(
            &r,
            400,
            "previous terminated container \"app\" in pod \"api-1\" not found",
        );
        assert!(e.contains("has not restarted"), "{e}");
        let e = explain_error(
            &r,
            400,
            "container \"app\" in pod \"api-1\" is waiting to start: ContainerCreating",
        );
        assert!(e.contains("never started"), "{e}");
        let e = explain_error(&r, 400, "container nope is not valid for pod api-1");
        assert!(e.contains("no such container"), "{e}");
        let e = explain_error(
            &r,
            502,
            "dial tcp 10.0.0.9:10250: connect: no route to host",
        );
        assert!(e.contains("kubelet"), "{e}");
    }
}
