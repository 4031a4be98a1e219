//! PURE. Helm 3 release records, read only with `kvet audit --helm`.
//!
//! Helm 3 stores each revision of a release in a Secret (or, with the ConfigMap driver, a
//! ConfigMap) labelled `owner=helm`, `name`, `version` and `status`. Its `release` key holds
//! the release as JSON, gzipped and then base64-encoded (Helm's `pkg/storage/driver/util.go`;
//! a Secret's data is base64 once more on the wire). The JSON carries the chart, the user's
//! values and the rendered manifest. kvet keeps of it only the apiVersion, kind, namespace and
//! name of each manifest document: the manifest is parsed into those four fields, and the rest
//! of the record (values, Secret contents, the chart) is dropped as it is read. Parse errors
//! are reported by document number, never with the parser's message, which may quote content.

use base64::Engine;
use std::io::Read;
use std::sync::Arc;

/// A decompressed release larger than this is refused: a real one is at most 1 MiB compressed
/// (the Secret size limit), and a gzip bomb must not exhaust memory.
pub const MAX_RELEASE_BYTES: u64 = 64 << 20;
/// The most documents read from one release's manifest. A large real chart renders a few
/// thousand objects; a record of tiny documents could otherwise cost hundreds of MB.
pub const MAX_DOCS_PER_RELEASE: usize = 20_000;
/// The most objects kept from all releases together.
pub const MAX_OBJECTS_TOTAL: usize = 200_000;

/// One object of a deployed revision's manifest: its identity and the apiVersion it was
/// rendered in, and nothing else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelmObject {
    pub release: Arc<str>,
    pub release_namespace: Arc<str>,
    pub revision: u64,
    pub api_version: String,
    pub kind: String,
    /// None for cluster-scoped kinds. A namespaced object without a namespace in the manifest
    /// is installed in the release's namespace.
    pub namespace: Option<String>,
    pub name: String,
}

/// What `--helm` read: the releases whose deployed revision was decoded, their objects, and
/// what could not be read (a release record that did not decode, a 403).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HelmRecords {
    pub releases: usize,
    pub objects: Vec<HelmObject>,
    pub problems: Vec<String>,
}

/// The fields of a release that kvet reads; serde skips the others (`config` holds the
/// values, `chart` the chart's files) without keeping them.
#[derive(serde::Deserialize)]
struct Release {
    name: String,
    #[serde(default)]
    namespace: String,
    #[serde(default)]
    version: u64,
    #[serde(default)]
    manifest: String,
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Head {
    api_version: Option<String>,
    kind: Option<String>,
    metadata: Option<HeadMeta>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct HeadMeta {
    name: Option<String>,
    namespace: Option<String>,
}

/// Kinds that have no namespace, among those a chart may ship (a namespaced object keeps the
/// release's namespace when its manifest names none).
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "Node",
    "PersistentVolume",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "PodSecurityPolicy",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "FlowSchema",
    "RuntimeClass",
    "StorageClass",
    "CSIDriver",
    "CSINode",
    "VolumeAttachment",
    "IngressClass",
    "CertificateSigningRequest",
];

/// Decodes one release record: `payload` is the text of its `release` key (base64 of gzip of
/// JSON; Helm also reads uncompressed JSON). `label` names the record in errors.
pub fn decode_release(label: &str, payload: &[u8]) -> Result<Vec<HelmObject>, String> {
    decode_with_limit(label, payload, MAX_RELEASE_BYTES)
}

fn decode_with_limit(label: &str, payload: &[u8], max: u64) -> Result<Vec<HelmObject>, String> {
    let text: Vec<u8> = payload
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&text)
        .map_err(|_| format!("{label}: the release record is not base64"))?;
    let json = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .take(max + 1)
            .read_to_end(&mut out)
            .map_err(|_| format!("{label}: the release record is not valid gzip"))?;
        if out.len() as u64 > max {
            return Err(format!(
                "{label}: the release record is larger than {max} bytes uncompressed; skipped"
            ));
        }
        out
    } else {
        bytes
    };
    let rel: Release = serde_json::from_slice(&json)
        .map_err(|_| format!("{label}: the release record is not a Helm 3 release (JSON)"))?;
    manifest_objects(&rel, label)
}

fn manifest_objects(rel: &Release, label: &str) -> Result<Vec<HelmObject>, String> {
    let release: Arc<str> = Arc::from(rel.name.as_str());
    let release_namespace: Arc<str> = Arc::from(rel.namespace.as_str());
    let mut out = Vec::new();
    let mut unreadable = Vec::new();
    let (docs, more) = super::docs::split_at_most(&rel.manifest, MAX_DOCS_PER_RELEASE);
    if more {
        return Err(format!(
            "{label}: the release manifest has more than {MAX_DOCS_PER_RELEASE} documents; skipped (a real chart has far fewer)"
        ));
    }
    for (i, doc) in docs.iter().enumerate() {
        let parsed =
            serde_saphyr::from_str_with_options::<Option<Head>>(doc, super::decode::yaml_options());
        let head = match parsed {
            Ok(Some(h)) => h,
            Ok(None) => continue,
            Err(_) => {
                unreadable.push(i + 1);
                continue;
            }
        };
        let (Some(api_version), Some(kind)) = (head.api_version, head.kind) else {
            continue;
        };
        let meta = head.metadata.unwrap_or_default();
        let namespace = if CLUSTER_SCOPED.contains(&kind.as_str()) {
            None
        } else {
            Some(meta.namespace.unwrap_or_else(|| rel.namespace.clone()))
        };
        out.push(HelmObject {
            release: release.clone(),
            release_namespace: release_namespace.clone(),
            revision: rel.version,
            api_version,
            kind,
            namespace,
            name: meta.name.unwrap_or_default(),
        });
    }
    if !unreadable.is_empty() && out.is_empty() {
        return Err(format!(
            "{label}: no document of the manifest could be read (documents {unreadable:?})"
        ));
    }
    Ok(out)
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use std::io::Write;

    /// Encodes a release as Helm 3 stores it: JSON, gzip, base64.
    pub fn encode(release_json: &str) -> String {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let _ = gz.write_all(release_json.as_bytes());
        let bytes = gz.finish().unwrap_or_default();
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    const PLANTED: &str = "planted-s3cr3t-value";

    fn release() -> String {
        let manifest = format!(
            "---\n# Source: shop/templates/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: shop-db\nstringData:\n  password: {PLANTED}\n---\n# Source: shop/templates/ingress.yaml\napiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: shop\n  annotations:\n    token: {PLANTED}\nspec:\n  backend:\n    serviceName: shop\n    servicePort: 80\n---\n# Source: shop/templates/psp.yaml\napiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata:\n  name: shop\n  namespace: ignored\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: other, namespace: elsewhere}}\n"
        );
        serde_json::json!({
            "name": "shop", "namespace": "store", "version": 7,
            "info": {"status": "deployed", "notes": PLANTED},
            "config": {"password": PLANTED},
            "chart": {"metadata": {"name": "shop"}, "values": {"password": PLANTED}},
            "manifest": manifest,
        })
        .to_string()
    }

    #[test]
    fn a_release_keeps_each_documents_identity_and_api_version_only() {
        let objects = decode_release(
            "store/sh.helm.release.v1.shop.v7",
            encode(&release()).as_bytes(),
        )
        .expect("decodes");
        let ids: Vec<(String, String, Option<String>, String)> = objects
            .iter()
            .map(|o| {
                (
                    o.api_version.clone(),
                    o.kind.clone(),
                    o.namespace.clone(),
                    o.name.clone(),
                )
            })
            .collect();
        let s = |x: &str| x.to_string();
        assert_eq!(
            ids,
            vec![
                (s("v1"), s("Secret"), Some(s("store")), s("shop-db")),
                (
                    s("extensions/v1beta1"),
                    s("Ingress"),
                    Some(s("store")),
                    s("shop")
                ),
                (s("policy/v1beta1"), s("PodSecurityPolicy"), None, s("shop")),
                (
                    s("apps/v1"),
                    s("Deployment"),
                    Some(s("elsewhere")),
                    s("other")
                ),
            ]
        );
        assert!(objects
            .iter()
            .all(|o| &*o.release == "shop" && o.revision == 7));
        // Nothing of the values, the notes or the Secret's contents is kept.
        assert!(!format!("{objects:?}").contains(PLANTED));
    }

    #[test]
    fn uncompressed_records_decode_and_broken_ones_say_why_without_content() {
        let plain = base64::engine::general_purpose::STANDARD.encode(release());
        assert_eq!(
            decode_release("r", plain.as_bytes()).map(|o| o.len()),
            Ok(4)
        );
        let e = decode_release("ns/rec", b"not base64 at all!").unwrap_err();
        assert_eq!(e, "ns/rec: the release record is not base64");
        let bad_gzip = base64::engine::general_purpose::STANDARD.encode([0x1f, 0x8b, 1, 2, 3]);
        assert!(decode_release("r", bad_gzip.as_bytes())
            .unwrap_err()
            .contains("not valid gzip"));
        let not_json = encode(&format!("{{\"password\": \"{PLANTED}\""));
        let e = decode_release("r", not_json.as_bytes()).unwrap_err();
        assert!(
            e.contains("not a Helm 3 release") && !e.contains(PLANTED),
            "{e}"
        );
        let bad_yaml = encode(
            &serde_json::json!({"name": "x", "manifest": format!("a: [{PLANTED}\n")}).to_string(),
        );
        let e = decode_release("r", bad_yaml.as_bytes()).unwrap_err();
        assert!(e.contains("documents [1]") && !e.contains(PLANTED), "{e}");
    }

    #[test]
    fn a_gzip_bomb_is_refused() {
        let big = format!(
            "{{\"name\": \"x\", \"manifest\": \"{}\"}}",
            " ".repeat(5000)
        );
        let e = decode_with_limit("r", encode(&big).as_bytes(), 4096).unwrap_err();
        assert_eq!(
            e,
            "r: the release record is larger than 4096 bytes uncompressed; skipped"
        );
        assert!(decode_with_limit("r", encode(&big).as_bytes(), 8192).is_ok());
    }

    #[test]
    fn a_record_of_tiny_documents_is_refused_by_count() {
        let many = "---\nkind: ConfigMap\n".repeat(MAX_DOCS_PER_RELEASE + 5);
        let rel =
            serde_json::json!({"name": "x", "namespace": "n", "version": 1, "manifest": many});
        let e = decode_release("ns/r", encode(&rel.to_string()).as_bytes()).unwrap_err();
        assert!(e.contains("more than 20000 documents"), "{e}");
        let few = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n".repeat(3);
        let rel = serde_json::json!({"name": "x", "namespace": "n", "version": 1, "manifest": few});
        let ok = decode_release("ns/r", encode(&rel.to_string()).as_bytes()).unwrap_or_default();
        assert_eq!(ok.len(), 3);
    }
}
