//! Reading a finished export's `runtime_metrics.json` back: its series and observation time,
//! for a baseline comparison (`gates::baseline`) and for `push`. The writing side is
//! `report.rs`; this side depends on nothing but the JSON reader and the label rules.

use std::collections::BTreeMap;

/// One series of a `runtime_metrics.json`, as read back (by a baseline comparison, or a push).
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSeries {
    pub name: String,
    /// Under the keys the report writes, sorted by key.
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

/// The parts of a `runtime_metrics.json` that are read back.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadReport {
    pub observed_at: Option<String>,
    pub series: Vec<ReportSeries>,
    /// The commit the export was made at (`vcs.ref.head.revision` among its resource
    /// attributes), and its branch or tag (`vcs.ref.head.name`), when it says.
    pub revision: Option<String>,
    pub ref_name: Option<String>,
    /// When the export was made (its `generated_at`).
    pub generated_at: Option<String>,
    /// The CI run that made it (`cicd.pipeline.run.id`), when it says.
    pub run_id: Option<String>,
    /// The export's own regression results (for `consecutive`), read leniently.
    pub recorded: Vec<RecordedComparison>,
}

/// One regression result an earlier export recorded: which rule and series, and whether it
/// breached its limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedComparison {
    pub code: String,
    pub labels: Vec<(String, String)>,
    pub breached: bool,
}

/// The resource attribute an export records its CI run under.
pub const RUN_ID_ATTRIBUTE: &str = "cicd.pipeline.run.id";

/// The OpenTelemetry VCS attributes an export records its commit under.
pub const REVISION_ATTRIBUTE: &str = "vcs.ref.head.revision";
pub const REF_NAME_ATTRIBUTE: &str = "vcs.ref.head.name";

#[derive(serde::Deserialize)]
struct ReportFile {
    #[serde(default)]
    observed_at: Option<String>,
    metrics: Vec<ReportEntry>,
    /// Read leniently: a wrong shape only loses the provenance.
    #[serde(default)]
    resource_attributes: serde_json::Value,
    #[serde(default)]
    generated_at: serde_json::Value,
    /// Read leniently: a wrong shape only loses the recorded results.
    #[serde(default)]
    gates: serde_json::Value,
}

/// The regression results under `gates.regressions`: those with a string `code` and a boolean
/// `passed` (or `breached`, which newer exports write).
fn recorded(gates: &serde_json::Value) -> Vec<RecordedComparison> {
    let Some(list) = gates
        .get("regressions")
        .and_then(serde_json::Value::as_array)
    else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|entry| {
            let code = entry.get("code")?.as_str()?.to_string();
            let breached = match entry.get("breached").and_then(serde_json::Value::as_bool) {
                Some(b) => b,
                None => !entry.get("passed")?.as_bool()?,
            };
            let mut labels: Vec<(String, String)> = entry
                .get("labels")
                .and_then(serde_json::Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                        .collect()
                })
                .unwrap_or_default();
            labels.sort();
            Some(RecordedComparison {
                code,
                labels,
                breached,
            })
        })
        .collect()
}

#[derive(serde::Deserialize)]
struct ReportEntry {
    name: String,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    value: serde_json::Value,
}

/// Reads the series of a `runtime_metrics.json` (values as the report writes them, `"NaN"` and
/// `"Infinity"` included; `null` is NaN). The error says what is wrong, without the path.
pub fn read_report(bytes: &[u8]) -> Result<ReadReport, String> {
    let file: ReportFile = super::json_input::from_slice(bytes)
        .map_err(|err| format!("is not the `runtime_metrics.json` of an export ({err})"))?;
    let series = file
        .metrics
        .into_iter()
        .enumerate()
        .map(|(i, entry)| {
            let value = match &entry.value {
                serde_json::Value::Null => f64::NAN,
                other => super::json_input::number(other).ok_or_else(|| {
                    format!(
                        "has a non-numeric value for metric #{} `{}`",
                        i + 1,
                        entry.name
                    )
                })?,
            };
            // What the export itself guarantees (`LabelSet`): label names stay distinct and
            // unreserved once sanitised for Prometheus.
            let mut names: Vec<String> = entry
                .labels
                .keys()
                .map(|k| super::metrics::sanitize_label_name(k))
                .collect();
            names.sort();
            let clash = names.windows(2).any(|w| w[0] == w[1]);
            if clash || names.iter().any(|n| n.starts_with("__")) {
                return Err(format!(
                    "has labels that collide or are reserved once sanitised for Prometheus in \
                     metric #{} `{}`",
                    i + 1,
                    entry.name
                ));
            }
            Ok(ReportSeries {
                name: entry.name,
                labels: entry.labels.into_iter().collect(),
                value,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let attribute = |key: &str| {
        file.resource_attributes
            .get(key)
            .and_then(serde_json::Value::as_str)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    Ok(ReadReport {
        revision: attribute(REVISION_ATTRIBUTE),
        ref_name: attribute(REF_NAME_ATTRIBUTE),
        run_id: attribute(RUN_ID_ATTRIBUTE),
        generated_at: file.generated_at.as_str().map(str::to_string),
        recorded: recorded(&file.gates),
        observed_at: file.observed_at,
        series,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_report_with_or_without_schema_version() {
        for head in ["", "\"schema_version\": 1, "] {
            let text = format!(
                "{{{head}\"observed_at\": \"t\", \"metrics\": [{{\"name\": \"dpone_x\", \"value\": 2.5}}]}}"
            );
            let read = read_report(text.as_bytes()).unwrap();
            assert_eq!(read.observed_at.as_deref(), Some("t"), "{text}");
            assert_eq!(read.series.len(), 1, "{text}");
            assert_eq!(read.series[0].value, 2.5);
        }
    }
}
