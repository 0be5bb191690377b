//! `openlineage_events.json`: the export as OpenLineage `RunEvent`s of the CI job, so a lineage
//! tool (Marquez, DataHub, OpenMetadata, Atlan) shows the gates' verdict on the datasets the
//! inputs name. Pure and deterministic: the ids are derived, the time is the export's.
//!
//! Facets at the versions openlineage-python 1.54 writes (spec 2-0-2): `parent` 1-2-0,
//! `processing_engine` 1-1-1, `errorMessage` 1-0-1, `test` (TestRunFacet) 1-0-1,
//! `dataQualityAssertions` 1-1-0 and `outputStatistics` 1-0-2.

use std::io::{self, Write};

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::blockers::{Blocker, Severity};
use super::gates::{ComparisonStatus, Enforce, GateResults};
use super::sources::lineage::{Dataset, LineageRun};
use super::timestamp::Timestamp;
use super::trace_join::CiJob;

/// The job namespace when none is set (`--openlineage-namespace`).
pub const DEFAULT_NAMESPACE: &str = "dpone.ci";
/// Who wrote the events (`producer`, `_producer`).
pub const PRODUCER: &str = env!("CARGO_PKG_REPOSITORY");
const SPEC: &str = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
const FACETS: &str = "https://openlineage.io/spec/facets";

/// The most data-quality assertions the events carry (each dataset carries every gate's):
/// about 25 MB of JSON. More is a usage error found before anything is written: a thousand
/// datasets and a hundred thousand gates would otherwise make gigabytes in memory and on disk.
pub const MAX_ASSERTIONS: usize = 100_000;

/// What the events are made of, besides the gates.
#[derive(Debug, Clone)]
pub struct LineageContext<'a> {
    pub namespace: &'a str,
    /// The resource attributes (`cicd.pipeline.name`, `cicd.pipeline.task.name`,
    /// `vcs.owner.name`, `vcs.repository.name` name the job and seed the run id).
    pub resource_attributes: &'a [(String, String)],
    pub ci_job: Option<&'a CiJob>,
    pub generated_at: Timestamp,
    pub output_dir: &'a str,
    pub passed: bool,
    pub blockers: &'a [Blocker],
    pub gates: &'a GateResults,
    /// The rows the primary run loaded (`outputStatistics.rowCount` of each output).
    pub rows: Option<f64>,
    pub lineage: &'a [LineageRun],
}

impl LineageContext<'_> {
    fn resource(&self, key: &str) -> Option<&str> {
        self.resource_attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// Whether there is anything to say: some input names a dataset.
    pub fn names_datasets(&self) -> bool {
        self.lineage
            .iter()
            .any(|l| !l.inputs.is_empty() || !l.outputs.is_empty())
    }
}

/// The datasets the events name (inputs and outputs, each once), and the gates each carries.
fn sizes(ctx: &LineageContext<'_>) -> (usize, usize) {
    let (ins, outs) = named(ctx);
    let gates = ctx.gates.objectives.len() + ctx.gates.regressions.len();
    (ins.len() + outs.len(), gates)
}

/// Checks that the events carry at most [`MAX_ASSERTIONS`] assertions; the error says how
/// many and what to name fewer of.
pub fn check_size(ctx: &LineageContext<'_>) -> Result<(), String> {
    if !ctx.names_datasets() {
        return Ok(());
    }
    let (datasets, gates) = sizes(ctx);
    let assertions = datasets.saturating_mul(gates);
    if assertions <= MAX_ASSERTIONS {
        return Ok(());
    }
    Err(format!(
        "openlineage_events.json would carry {assertions} data-quality assertions ({datasets} \
         datasets × {gates} gates), more than {MAX_ASSERTIONS}: name fewer datasets (the lineage \
         inputs, the policy's `openlineage:`) or fewer gates"
    ))
}

/// The CI job's name: `<workflow>/<job>` from the resource, either alone when only one is known,
/// else `dpone-observability export`.
pub fn job_name(ctx: &LineageContext<'_>) -> String {
    let parts: Vec<&str> = ["cicd.pipeline.name", "cicd.pipeline.task.name"]
        .iter()
        .filter_map(|k| ctx.resource(k))
        .collect();
    if parts.is_empty() {
        super::traces::DEFAULT_TASK_NAME.to_string()
    } else {
        parts.join("/")
    }
}

/// The run id's seed: `github/<owner>/<repo>/<run_id>/<run_attempt>/<job>` in a CI job, with
/// `/<check_run_id>` when it is known (the legs of a matrix share the job's key, not its check
/// run), else `export/<generated_at>/<output dir>`.
pub fn run_id_seed(ctx: &LineageContext<'_>) -> String {
    match ctx.ci_job {
        Some(job) => format!(
            "github/{}/{}/{}/{}/{}{}",
            ctx.resource("vcs.owner.name").unwrap_or(""),
            ctx.resource("vcs.repository.name").unwrap_or(""),
            job.run_id,
            job.run_attempt,
            job.job_name.as_deref().unwrap_or(""),
            job.check_run_id
                .map(|id| format!("/{id}"))
                .unwrap_or_default()
        ),
        None => format!("export/{}/{}", ctx.generated_at, ctx.output_dir),
    }
}

/// A UUID version 8 (RFC 9562, custom) from the first 16 bytes of sha256 of `seed`: the
/// version nibble set to 8 and the variant bits to `10`.
pub fn uuid_v8(seed: &str) -> String {
    let digest = Sha256::digest(seed.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = super::artifacts::hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

fn facet(schema: &str, def: &str, body: Value) -> Value {
    let mut object = Map::new();
    object.insert("_producer".into(), json!(PRODUCER));
    object.insert(
        "_schemaURL".into(),
        json!(format!("{FACETS}/{schema}.json#/$defs/{def}")),
    );
    if let Value::Object(fields) = body {
        object.extend(fields);
    }
    Value::Object(object)
}

/// A value as text, exactly (Rust's shortest round-trip form: `55000`, `0.25`).
fn shown(v: Option<f64>) -> Option<String> {
    v.filter(|v| v.is_finite()).map(|v| format!("{v}"))
}

/// One gate as a test execution and an assertion: (name, status, severity, type, expected,
/// actual, column).
struct Gate {
    name: String,
    status: &'static str,
    severity: &'static str,
    kind: String,
    expected: Option<String>,
    actual: Option<String>,
    column: Option<String>,
}

impl Gate {
    /// Its `expected` and `actual`, where known, on a test or an assertion.
    fn outcome(&self, item: &mut Value) {
        if let Some(e) = &self.expected {
            item["expected"] = json!(e);
        }
        if let Some(a) = &self.actual {
            item["actual"] = json!(a);
        }
    }
}

fn severity(severity: Severity, enforce: Enforce) -> &'static str {
    if severity == Severity::Error && enforce == Enforce::Block {
        "error"
    } else {
        "warn"
    }
}

/// Every objective and regression, in the report's order.
fn gates(results: &GateResults) -> Vec<Gate> {
    let mut out = Vec::new();
    for o in &results.objectives {
        let status = if o.not_evaluated.is_some() {
            "skip"
        } else if !o.passed || o.would_fail {
            "fail"
        } else {
            "pass"
        };
        let rule = o.rule.as_str();
        let expected = match rule {
            "min" => shown(o.bound).map(|b| format!(">= {b}")),
            "max" => shown(o.bound).map(|b| format!("<= {b}")),
            _ => Some("present".to_string()),
        };
        out.push(Gate {
            name: o.code.clone(),
            status,
            severity: severity(o.severity, o.enforce),
            kind: format!("objective_{rule}"),
            expected,
            actual: shown(o.actual),
            column: o.labels.get("column").cloned(),
        });
    }
    for c in &results.regressions {
        let judged = matches!(
            c.status,
            ComparisonStatus::Compared | ComparisonStatus::Disappeared | ComparisonStatus::Absent
        );
        let status = match (c.passed, judged) {
            (false, _) => "fail",
            (true, false) => "skip",
            (true, true) => "pass",
        };
        let expected = match (shown(c.lower_limit), shown(c.upper_limit)) {
            (Some(l), Some(u)) => Some(format!("{l} .. {u}")),
            (Some(l), None) => Some(format!(">= {l}")),
            (None, Some(u)) => Some(format!("<= {u}")),
            (None, None) => None,
        };
        out.push(Gate {
            name: c.code.clone(),
            status,
            severity: severity(c.severity, c.enforce),
            kind: format!("regression_{}", c.test),
            expected,
            actual: shown(c.actual),
            column: c.labels.get("column").cloned(),
        });
    }
    out
}

fn test_facet(gates: &[Gate]) -> Value {
    let tests: Vec<Value> = gates
        .iter()
        .map(|g| {
            let mut t = json!({"name": g.name, "status": g.status, "severity": g.severity,
                "type": g.kind});
            g.outcome(&mut t);
            t
        })
        .collect();
    facet(
        "1-0-1/TestRunFacet",
        "TestRunFacet",
        json!({"tests": tests}),
    )
}

fn assertions_facet(gates: &[Gate]) -> Value {
    let assertions: Vec<Value> = gates
        .iter()
        .map(|g| {
            let mut a = json!({"assertion": g.kind, "name": g.name,
                "success": g.status != "fail", "severity": g.severity});
            if let Some(c) = &g.column {
                a["column"] = json!(c);
            }
            g.outcome(&mut a);
            a
        })
        .collect();
    facet(
        "1-1-0/DataQualityAssertionsDatasetFacet",
        "DataQualityAssertionsDatasetFacet",
        json!({"assertions": assertions}),
    )
}

fn dataset(d: &Dataset, facets_key: &str, facets: Map<String, Value>) -> Value {
    let mut v = json!({"namespace": d.namespace, "name": d.name});
    if !facets.is_empty() {
        v[facets_key] = Value::Object(facets);
    }
    v
}

/// The inputs and outputs of every lineage event read, each once, in order.
fn named<'a>(ctx: &LineageContext<'a>) -> (Vec<&'a Dataset>, Vec<&'a Dataset>) {
    let mut ins: Vec<&Dataset> = ctx.lineage.iter().flat_map(|l| &l.inputs).collect();
    let mut outs: Vec<&Dataset> = ctx.lineage.iter().flat_map(|l| &l.outputs).collect();
    ins.sort();
    ins.dedup();
    outs.sort();
    outs.dedup();
    (ins, outs)
}

/// The inputs and outputs of every lineage event read, each once: an output gets the
/// assertions (`facets`) and the rows loaded (`outputFacets.outputStatistics`), an input the
/// assertions (`inputFacets`), or none when no gate ran.
fn datasets(ctx: &LineageContext<'_>, gates: &[Gate]) -> (Vec<Value>, Vec<Value>) {
    let (ins, outs) = named(ctx);
    let assertions = |key: &str| {
        let mut m = Map::new();
        if !gates.is_empty() {
            m.insert(key.to_string(), assertions_facet(gates));
        }
        m
    };
    let inputs = ins
        .iter()
        .map(|d| dataset(d, "inputFacets", assertions("dataQualityAssertions")))
        .collect();
    let rows = ctx
        .rows
        .filter(|r| r.is_finite() && *r >= 0.0 && r.fract() == 0.0 && *r < 9.0e15);
    let outputs = outs
        .iter()
        .map(|d| {
            let mut v = dataset(d, "facets", assertions("dataQualityAssertions"));
            if let Some(rows) = rows {
                let stats = facet(
                    "1-0-2/OutputStatisticsOutputDatasetFacet",
                    "OutputStatisticsOutputDatasetFacet",
                    json!({"rowCount": rows as u64}),
                );
                v["outputFacets"] = json!({"outputStatistics": stats});
            }
            v
        })
        .collect();
    (inputs, outputs)
}

/// The run facets: `parent` (the first lineage event's pipeline run), `processing_engine`,
/// `errorMessage` on failure (the first error blocker; `programmingLanguage` is that of the
/// program that reported it, this one), `test` when a gate ran.
fn run_facets(ctx: &LineageContext<'_>, gates: &[Gate]) -> Map<String, Value> {
    let mut facets = Map::new();
    if let Some((run_id, (namespace, name))) = ctx
        .lineage
        .iter()
        .find_map(|l| Some((l.run_id.as_ref()?, l.job.as_ref()?)))
    {
        facets.insert(
            "parent".into(),
            facet(
                "1-2-0/ParentRunFacet",
                "ParentRunFacet",
                json!({"run": {"runId": run_id}, "job": {"namespace": namespace, "name": name}}),
            ),
        );
    }
    facets.insert(
        "processing_engine".into(),
        facet(
            "1-1-1/ProcessingEngineRunFacet",
            "ProcessingEngineRunFacet",
            json!({"name": "dpone-observability", "version": env!("CARGO_PKG_VERSION"),
                "openlineageAdapterVersion": env!("CARGO_PKG_VERSION")}),
        ),
    );
    if !ctx.passed {
        let first = ctx
            .blockers
            .iter()
            .find(|b| b.severity() == Severity::Error);
        let message = first.map_or_else(
            || "the export did not pass".to_string(),
            |b| format!("{}: {}", b.id(), b.message),
        );
        facets.insert(
            "errorMessage".into(),
            facet(
                "1-0-1/ErrorMessageRunFacet",
                "ErrorMessageRunFacet",
                json!({"message": message, "programmingLanguage": "rust"}),
            ),
        );
    }
    if !gates.is_empty() {
        facets.insert("test".into(), test_facet(gates));
    }
    facets
}

/// The events: one `COMPLETE` (or `FAIL`) `RunEvent` of the CI job. Empty when no input names
/// a dataset.
pub fn events(ctx: &LineageContext<'_>) -> Vec<Value> {
    if !ctx.names_datasets() {
        return Vec::new();
    }
    let gates = gates(ctx.gates);
    let (inputs, outputs) = datasets(ctx, &gates);
    vec![json!({
        "eventTime": ctx.generated_at.to_string(),
        "eventType": if ctx.passed { "COMPLETE" } else { "FAIL" },
        "producer": PRODUCER,
        "schemaURL": SPEC,
        "job": {"namespace": ctx.namespace, "name": job_name(ctx)},
        "run": {"runId": uuid_v8(&run_id_seed(ctx)), "facets": run_facets(ctx, &gates)},
        "inputs": inputs,
        "outputs": outputs,
    })]
}

/// Writes the events as a pretty-printed JSON array and a newline.
pub fn write(ctx: &LineageContext<'_>, out: &mut impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &events(ctx)).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observability::sources::lineage::is_uuid;

    fn ctx<'a>(lineage: &'a [LineageRun], gates: &'a GateResults) -> LineageContext<'a> {
        LineageContext {
            namespace: DEFAULT_NAMESPACE,
            resource_attributes: &[],
            ci_job: None,
            generated_at: Timestamp::from_unix_seconds(1_764_000_000).unwrap(),
            output_dir: "out",
            passed: true,
            blockers: &[],
            gates,
            rows: Some(25_000.0),
            lineage,
        }
    }

    #[test]
    fn run_ids_are_version_8_uuids_of_the_seed() {
        let id = uuid_v8("github/o/r/1/2/build");
        assert!(is_uuid(&id), "{id}");
        assert_eq!(&id[14..15], "8");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"), "{id}");
        assert_eq!(id, uuid_v8("github/o/r/1/2/build"));
        assert_ne!(id, uuid_v8("github/o/r/1/3/build"));
    }

    #[test]
    fn matrix_legs_of_one_job_key_get_their_own_run_id_by_check_run() {
        let gates = GateResults::default();
        let leg = |check_run_id: Option<u64>| CiJob {
            run_id: 5,
            run_attempt: 2,
            job_name: Some("test".into()),
            check_run_id,
        };
        let seed = |job: &CiJob| {
            let mut c = ctx(&[], &gates);
            c.ci_job = Some(job);
            run_id_seed(&c)
        };
        // Without the check run id, the documented seed, unchanged.
        assert_eq!(seed(&leg(None)), "github///5/2/test");
        assert_eq!(seed(&leg(Some(77))), "github///5/2/test/77");
        assert_ne!(seed(&leg(Some(77))), seed(&leg(Some(78))));
    }

    #[test]
    fn no_dataset_no_event_and_one_event_with_datasets() {
        let gates = GateResults::default();
        assert!(events(&ctx(&[], &gates)).is_empty());
        let lineage = [LineageRun {
            run_id: Some("5c0e41d5-db78-5d8b-9298-8be1de92535b".into()),
            job: Some(("dpone.certification".into(), "orders".into())),
            inputs: vec![],
            outputs: vec![Dataset {
                namespace: "pg".into(),
                name: "landing.orders".into(),
            }],
        }];
        let e = &events(&ctx(&lineage, &gates))[0];
        assert_eq!(e["eventType"], "COMPLETE");
        assert_eq!(e["job"]["namespace"], "dpone.ci");
        assert_eq!(
            e["run"]["facets"]["parent"]["run"]["runId"],
            "5c0e41d5-db78-5d8b-9298-8be1de92535b"
        );
        assert_eq!(
            e["outputs"][0]["outputFacets"]["outputStatistics"]["rowCount"],
            25_000
        );
        assert!(
            e["run"]["facets"].get("test").is_none(),
            "no gate, no test facet"
        );
    }
}
