//! `image-latest`: an image without a tag or digest, or tagged `latest`.

use crate::audit::helpers::container_path;
use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::Snapshot;

pub static INFO: CheckInfo = CheckInfo {
    id: "image-latest",
    family: Family::Security,
    severity: Severity::Warning,
    summary: "An image has no tag and no digest, or the tag latest",
    doc: "\
What it detects
  A container image reference with neither a tag nor a digest (`nginx`,
  `registry:5000/team/app`), or with the tag `latest`.

Why it matters
  The image that runs is whatever the tag points to when a node pulls it: two replicas can run
  different code, a rollback does not roll back, and an audit cannot say what is deployed.

Example
  image: nginx

Fix
  Pin a version tag (nginx:1.27.2), or better a digest (nginx@sha256:...), and let the release
  process update it.",
    fix_available: false,
};

pub struct ImageLatest;

/// The tag of an image reference: after the last `:` of the last path segment (a `:` before a
/// `/` is a registry port). `None` with a digest, which pins the image whatever the tag.
pub fn tag_of(image: &str) -> Option<Option<&str>> {
    if image.contains('@') {
        return None;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    Some(last.split_once(':').map(|(_, t)| t))
}

impl Check for ImageLatest {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for (_, w) in snap.top_workloads() {
            let mut bad = Vec::new();
            let mut first = None;
            for (list, i, c) in w.spec.all_containers() {
                let why = match tag_of(c.image.trim()) {
                    Some(None) => "has no tag",
                    Some(Some("latest")) => "is tagged latest",
                    _ => continue,
                };
                first.get_or_insert_with(|| container_path(w, list, i) + "/image");
                bad.push(format!("{} {why}", c.image));
            }
            if let Some(path) = first {
                out.add(
                    w,
                    path,
                    format!(
                        "image {}: what runs changes with each pull",
                        bad.join("; image ")
                    ),
                );
            }
        }
    }
}
