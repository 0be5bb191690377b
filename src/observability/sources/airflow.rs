//! The Airflow evidence bundle (`dpone gitops airflow evidence-bundle`) and its correlation.
//!
//! Only the `correlation` member is used. It must meet the `dpone.airflow-correlation.v1`
//! contract exactly (unknown keys rejected at every level), and its `correlation_id` and
//! `attempt_ref` must equal the fingerprint recomputed from its identity fields, so a
//! hand-edited bundle is refused. Correlation attributes go to OpenTelemetry only.

use std::io::Read;
use std::path::Path;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::super::blockers::{Blocker, Code};

/// Bundles larger than this are refused while reading, before parsing.
pub const MAX_BUNDLE_BYTES: u64 = 2 * 1024 * 1024;
/// The serialised correlation must stay within this size.
pub const MAX_CORRELATION_BYTES: usize = 32 * 1024;
pub const BUNDLE_KIND: &str = "gitops.airflow_evidence_bundle";
pub const CORRELATION_SCHEMA: &str = "dpone.airflow-correlation.v1";

/// A loaded, verified and complete correlation, projected to OpenTelemetry attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correlation {
    pub correlation_id: String,
    /// `dpone.run_id` of the bundle.
    pub run_id: String,
    pub resource_attributes: Vec<(String, String)>,
    pub point_attributes: Vec<(String, String)>,
}

/// Loads and verifies a bundle; every failure is one `airflow_correlation.*` blocker.
pub fn load(path: &Path) -> Result<Correlation, Blocker> {
    let shown = path.display();
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(err) => {
            return Err(Blocker::new(
                Code::AirflowCorrelationMissing,
                format!("Airflow evidence bundle `{shown}`: {err}"),
            ))
        }
    };
    if meta.file_type().is_symlink() {
        return Err(Blocker::new(
            Code::AirflowCorrelationSymlinkForbidden,
            format!("Airflow evidence bundle `{shown}` is a symbolic link"),
        ));
    }
    if !meta.is_file() {
        return Err(Blocker::new(
            Code::AirflowCorrelationMissing,
            format!("Airflow evidence bundle `{shown}` is not a regular file"),
        ));
    }
    let too_large = || {
        Blocker::new(
            Code::AirflowCorrelationTooLarge,
            format!("Airflow evidence bundle `{shown}` is larger than {MAX_BUNDLE_BYTES} bytes"),
        )
    };
    if meta.len() > MAX_BUNDLE_BYTES {
        return Err(too_large());
    }
    let invalid = |why: String| {
        Blocker::new(
            Code::AirflowCorrelationInvalid,
            format!("Airflow evidence bundle `{shown}`: {why}"),
        )
    };
    // The limit is enforced while reading too: the file may grow after the size check.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    super::super::files::open_regular(path)
        .map_err(|err| invalid(format!("cannot read: {err}")))?
        .take(MAX_BUNDLE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| invalid(format!("cannot read: {err}")))?;
    if bytes.len() as u64 > MAX_BUNDLE_BYTES {
        return Err(too_large());
    }
    let text = std::str::from_utf8(&bytes).map_err(|err| invalid(format!("not UTF-8: {err}")))?;
    let bundle: Value = serde_json::from_str(text).map_err(|err| {
        invalid(format!(
            "not valid JSON: {}",
            super::super::syntax::json_error(&err)
        ))
    })?;
    let bundle = bundle
        .as_object()
        .ok_or_else(|| invalid("the top level is not a JSON object".into()))?;
    if bundle.get("kind").and_then(Value::as_str) != Some(BUNDLE_KIND) {
        return Err(invalid(format!("`kind` is not `{BUNDLE_KIND}`")));
    }
    let correlation = bundle
        .get("correlation")
        .ok_or_else(|| invalid("it has no `correlation`".into()))?;
    let parsed = parse_correlation(correlation).map_err(invalid)?;
    if let Some(missing) = parsed.first_missing() {
        return Err(Blocker::new(
            Code::AirflowCorrelationIncomplete,
            format!("Airflow correlation in `{shown}` has no `{missing}`"),
        ));
    }
    Ok(parsed.project())
}

/// The correlation after its contract checks; optional fields may still be absent.
#[derive(Debug, Clone)]
struct ParsedCorrelation {
    correlation_id: String,
    airflow: AirflowTask,
    artifacts: Artifacts,
    dpone: DponeRun,
    pod: Pod,
}

/// `correlation.airflow`: the task attempt, every field required.
#[derive(Debug, Clone)]
struct AirflowTask {
    dag_id: String,
    task_id: String,
    run_id: String,
    try_number: i64,
    map_index: i64,
}

/// `correlation.artifacts`: what was deployed; only the runtime evidence may be absent.
#[derive(Debug, Clone)]
struct Artifacts {
    release_id: String,
    deployment_id: String,
    workload_id: String,
    workload_pack_sha256: String,
    runtime_evidence_sha256: Option<String>,
}

/// `correlation.dpone`: the dpone run, optional as a whole and per field.
#[derive(Debug, Clone, Default)]
struct DponeRun {
    run_id: Option<String>,
    process: Option<String>,
}

/// `correlation.pod`: where the task ran, optional as a whole and per field.
#[derive(Debug, Clone, Default)]
struct Pod {
    name: Option<String>,
    uid: Option<String>,
    namespace: Option<String>,
    image_digest: Option<String>,
}

impl ParsedCorrelation {
    fn first_missing(&self) -> Option<&'static str> {
        [
            ("dpone.run_id", &self.dpone.run_id),
            ("dpone.process", &self.dpone.process),
            (
                "artifacts.runtime_evidence_sha256",
                &self.artifacts.runtime_evidence_sha256,
            ),
            ("pod.name", &self.pod.name),
            ("pod.uid", &self.pod.uid),
            ("pod.namespace", &self.pod.namespace),
            ("pod.image_digest", &self.pod.image_digest),
        ]
        .into_iter()
        .find(|(_, v)| v.is_none())
        .map(|(name, _)| name)
    }

    /// Only called when complete.
    fn project(self) -> Correlation {
        let text = |v: Option<String>| v.unwrap_or_default();
        let ParsedCorrelation {
            correlation_id,
            airflow,
            artifacts,
            dpone,
            pod,
        } = self;
        let run_id = text(dpone.run_id);
        let mut resource_attributes = vec![
            ("dpone.release.id".to_string(), artifacts.release_id),
            ("dpone.deployment.id".to_string(), artifacts.deployment_id),
            ("dpone.workload.id".to_string(), artifacts.workload_id),
            (
                "dpone.workload.pack.sha256".to_string(),
                artifacts.workload_pack_sha256,
            ),
            ("k8s.namespace.name".to_string(), text(pod.namespace)),
            ("k8s.pod.name".to_string(), text(pod.name)),
            ("k8s.pod.uid".to_string(), text(pod.uid)),
            ("container.image.id".to_string(), text(pod.image_digest)),
        ];
        resource_attributes.sort();
        let mut point_attributes = vec![
            ("dpone.correlation.id".to_string(), correlation_id.clone()),
            ("dpone.run.id".to_string(), run_id.clone()),
            ("dpone.process.name".to_string(), text(dpone.process)),
            (
                "dpone.evidence.sha256".to_string(),
                text(artifacts.runtime_evidence_sha256),
            ),
            ("airflow.dag.id".to_string(), airflow.dag_id),
            ("airflow.task.id".to_string(), airflow.task_id),
            ("airflow.run.id".to_string(), airflow.run_id),
            (
                "airflow.task.try_number".to_string(),
                airflow.try_number.to_string(),
            ),
            (
                "airflow.task.map_index".to_string(),
                airflow.map_index.to_string(),
            ),
        ];
        point_attributes.sort();
        Correlation {
            correlation_id,
            run_id,
            resource_attributes,
            point_attributes,
        }
    }
}

type Checked<T> = Result<T, String>;

fn object<'a>(value: &'a Value, path: &str, allowed: &[&str]) -> Checked<&'a Map<String, Value>> {
    let map = value
        .as_object()
        .ok_or_else(|| format!("`{path}` must be an object"))?;
    if let Some(unknown) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(format!("`{path}` has an unknown field `{unknown}`"));
    }
    Ok(map)
}

fn is_digest(text: &str) -> bool {
    text.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

fn required<'a>(map: &'a Map<String, Value>, path: &str, key: &str) -> Checked<&'a Value> {
    map.get(key)
        .filter(|v| !v.is_null())
        .ok_or_else(|| format!("`{path}.{key}` is required"))
}

fn digest(map: &Map<String, Value>, path: &str, key: &str) -> Checked<String> {
    let value = required(map, path, key)?;
    match value.as_str() {
        Some(text) if is_digest(text) => Ok(text.to_string()),
        _ => Err(format!(
            "`{path}.{key}` must be a lower-case `sha256:<64 hex>` digest"
        )),
    }
}

fn optional_digest(map: &Map<String, Value>, path: &str, key: &str) -> Checked<Option<String>> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(_) => digest(map, path, key).map(Some),
    }
}

fn text(map: &Map<String, Value>, path: &str, key: &str, max: usize) -> Checked<String> {
    let value = required(map, path, key)?;
    let Some(s) = value.as_str() else {
        return Err(format!("`{path}.{key}` must be a string"));
    };
    check_text(s, path, key, max)?;
    Ok(s.to_string())
}

fn check_text(s: &str, path: &str, key: &str, max: usize) -> Checked<()> {
    if s.is_empty() || s.chars().count() > max {
        return Err(format!("`{path}.{key}` must be 1 to {max} characters"));
    }
    if s.contains(['\0', '\r', '\n']) {
        return Err(format!("`{path}.{key}` must not contain NUL, CR or LF"));
    }
    Ok(())
}

/// Optional text: absent, null or `""` mean "not known".
fn optional_text(
    map: &Map<String, Value>,
    path: &str,
    key: &str,
    max: usize,
) -> Checked<Option<String>> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => check_text(s, path, key, max).map(|()| Some(s.clone())),
        Some(_) => Err(format!("`{path}.{key}` must be a string")),
    }
}

fn integer(map: &Map<String, Value>, path: &str, key: &str, min: i64) -> Checked<i64> {
    let value = required(map, path, key)?;
    match value.as_i64() {
        Some(n) if n >= min => Ok(n),
        _ => Err(format!(
            "`{path}.{key}` must be an integer of at least {min}"
        )),
    }
}

/// Checks `correlation` against the `dpone.airflow-correlation.v1` contract, section by
/// section, and its `correlation_id` and `attempt_ref` against the fingerprint of its identity.
fn parse_correlation(value: &Value) -> Checked<ParsedCorrelation> {
    let root = object(
        value,
        "correlation",
        &[
            "schema",
            "correlation_id",
            "attempt_ref",
            "airflow",
            "dpone",
            "artifacts",
            "pod",
        ],
    )?;
    if serde_json::to_vec(value).map_or(usize::MAX, |v| v.len()) > MAX_CORRELATION_BYTES {
        return Err(format!(
            "`correlation` is larger than {MAX_CORRELATION_BYTES} bytes"
        ));
    }
    if root.get("schema").and_then(Value::as_str) != Some(CORRELATION_SCHEMA) {
        return Err(format!(
            "`correlation.schema` must be `{CORRELATION_SCHEMA}`"
        ));
    }
    let correlation_id = digest(root, "correlation", "correlation_id")?;
    let attempt_ref = digest(root, "correlation", "attempt_ref")?;
    let airflow = AirflowTask::parse(required(root, "correlation", "airflow")?)?;
    let artifacts = Artifacts::parse(required(root, "correlation", "artifacts")?)?;
    let dpone = DponeRun::parse(root.get("dpone"))?;
    let pod = Pod::parse(root.get("pod"))?;

    let expected = fingerprint(
        &airflow.dag_id,
        &airflow.task_id,
        &airflow.run_id,
        airflow.try_number,
        airflow.map_index,
        &artifacts.release_id,
        &artifacts.deployment_id,
        &artifacts.workload_id,
        &artifacts.workload_pack_sha256,
    );
    if correlation_id != expected || attempt_ref != expected {
        return Err(format!(
            "`correlation_id`/`attempt_ref` do not match the fingerprint of the identity fields \
             (expected `{expected}`): the bundle was edited after it was written"
        ));
    }
    Ok(ParsedCorrelation {
        correlation_id,
        airflow,
        artifacts,
        dpone,
        pod,
    })
}

impl AirflowTask {
    fn parse(value: &Value) -> Checked<Self> {
        let p = "correlation.airflow";
        let airflow = object(
            value,
            p,
            &["dag_id", "task_id", "run_id", "try_number", "map_index"],
        )?;
        Ok(AirflowTask {
            dag_id: text(airflow, p, "dag_id", 1024)?,
            task_id: text(airflow, p, "task_id", 1024)?,
            run_id: text(airflow, p, "run_id", 1024)?,
            try_number: integer(airflow, p, "try_number", 1)?,
            map_index: integer(airflow, p, "map_index", -1)?,
        })
    }
}

impl Artifacts {
    fn parse(value: &Value) -> Checked<Self> {
        let p = "correlation.artifacts";
        let artifacts = object(
            value,
            p,
            &[
                "release_id",
                "deployment_id",
                "workload_id",
                "workload_pack_sha256",
                "runtime_evidence_sha256",
            ],
        )?;
        Ok(Artifacts {
            release_id: digest(artifacts, p, "release_id")?,
            deployment_id: digest(artifacts, p, "deployment_id")?,
            workload_id: text(artifacts, p, "workload_id", 253)?,
            workload_pack_sha256: digest(artifacts, p, "workload_pack_sha256")?,
            runtime_evidence_sha256: optional_digest(artifacts, p, "runtime_evidence_sha256")?,
        })
    }
}

impl DponeRun {
    /// Absent or null: nothing known.
    fn parse(value: Option<&Value>) -> Checked<Self> {
        let p = "correlation.dpone";
        let Some(value) = value.filter(|v| !v.is_null()) else {
            return Ok(DponeRun::default());
        };
        let dpone = object(value, p, &["run_id", "process"])?;
        Ok(DponeRun {
            run_id: optional_text(dpone, p, "run_id", 1024)?,
            process: optional_text(dpone, p, "process", 1024)?,
        })
    }
}

impl Pod {
    /// Absent or null: nothing known.
    fn parse(value: Option<&Value>) -> Checked<Self> {
        let p = "correlation.pod";
        let Some(value) = value.filter(|v| !v.is_null()) else {
            return Ok(Pod::default());
        };
        let pod = object(value, p, &["name", "uid", "namespace", "image_digest"])?;
        Ok(Pod {
            name: optional_text(pod, p, "name", 253)?,
            uid: optional_text(pod, p, "uid", 253)?,
            namespace: optional_text(pod, p, "namespace", 253)?,
            image_digest: optional_digest(pod, p, "image_digest")?,
        })
    }
}

/// dpone's correlation fingerprint: sha256 of the compact, key-sorted JSON of the identity
/// fields, with backslashes in strings replaced by `/`.
#[allow(clippy::too_many_arguments)]
fn fingerprint(
    dag_id: &str,
    task_id: &str,
    run_id: &str,
    try_number: i64,
    map_index: i64,
    release_id: &str,
    deployment_id: &str,
    workload_id: &str,
    workload_pack_sha256: &str,
) -> String {
    let clean = |s: &str| Value::String(s.replace('\\', "/"));
    // serde_json's Map is ordered by key, and its compact form matches Python's
    // `json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`.
    let identity = serde_json::json!({
        "schema": CORRELATION_SCHEMA,
        "airflow": {
            "dag_id": clean(dag_id),
            "task_id": clean(task_id),
            "run_id": clean(run_id),
            "try_number": try_number,
            "map_index": map_index,
        },
        "release_id": clean(release_id),
        "deployment_id": clean(deployment_id),
        "workload_id": clean(workload_id),
        "workload_pack_sha256": clean(workload_pack_sha256),
    });
    let canonical = identity.to_string();
    let digest = Sha256::digest(canonical.as_bytes());
    format!("sha256:{}", super::super::artifacts::hex(&digest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_matches_dpone() {
        let a = format!("sha256:{}", "a".repeat(64));
        let b = format!("sha256:{}", "b".repeat(64));
        let d = format!("sha256:{}", "d".repeat(64));
        assert_eq!(
            fingerprint(
                "orders_daily",
                "load_orders",
                "scheduled__2026-07-17T00:00:00+00:00",
                1,
                -1,
                &a,
                &b,
                "load_orders",
                &d
            ),
            "sha256:c2801f4afcfd905b477bd08bd2ec506edee29c475b3c3db7888e0db9f8158dbb"
        );
    }

    #[test]
    fn digests_are_canonical() {
        assert!(is_digest(&format!("sha256:{}", "0f".repeat(32))));
        assert!(!is_digest(&format!("sha256:{}", "0F".repeat(32))));
        assert!(!is_digest("sha256:abc"));
    }
}
