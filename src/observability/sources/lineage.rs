//! A dpone OpenLineage event (`dpone ops lineage-export`, `<run_id>__openlineage.json`): the
//! pipeline run and the datasets it read and wrote, which the export's own OpenLineage events
//! (`openlineage.rs`) name and point their `parent` facet at. It gives no metrics.

use serde_json::{Map, Value};

/// The most datasets the lineage inputs name in all, and the most the policy names: a
/// pipeline's event names a few, and each named dataset carries every gate's assertion in
/// `openlineage_events.json` (a million of them would make gigabytes of it).
pub const MAX_DATASETS: usize = 1000;

/// A dataset as OpenLineage names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dataset {
    pub namespace: String,
    pub name: String,
}

impl Dataset {
    /// The dataset of a namespace and name, trimmed; None when either is empty.
    pub fn named(namespace: &str, name: &str) -> Option<Dataset> {
        let (namespace, name) = (namespace.trim(), name.trim());
        (!namespace.is_empty() && !name.is_empty()).then(|| Dataset {
            namespace: namespace.to_string(),
            name: name.to_string(),
        })
    }
}

/// What the export takes from one lineage event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LineageRun {
    /// The pipeline run's OpenLineage `run.runId` (a UUID), for the `parent` facet.
    pub run_id: Option<String>,
    /// The pipeline job's `job.namespace` and `job.name`.
    pub job: Option<(String, String)>,
    pub inputs: Vec<Dataset>,
    pub outputs: Vec<Dataset>,
}

impl LineageRun {
    /// How many datasets the run names (inputs and outputs).
    pub fn datasets(&self) -> usize {
        self.inputs.len() + self.outputs.len()
    }
}

fn str_field<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    object
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn datasets(object: &Map<String, Value>, key: &str) -> Vec<Dataset> {
    let mut out: Vec<Dataset> = super::array(object, key)
        .iter()
        .filter_map(Value::as_object)
        .filter_map(|d| Dataset::named(str_field(d, "namespace")?, str_field(d, "name")?))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Whether `text` is a UUID in its canonical 8-4-4-4-12 hex form.
pub fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Reads the event's run, job and datasets; a field of the wrong shape is left out (a dataset
/// without a namespace and name, a run id that is not a UUID).
pub fn read(object: &Map<String, Value>) -> LineageRun {
    let run_id = object
        .get("run")
        .and_then(Value::as_object)
        .and_then(|r| str_field(r, "runId"))
        .filter(|id| is_uuid(id))
        .map(str::to_ascii_lowercase);
    let job = object.get("job").and_then(Value::as_object).and_then(|j| {
        Some((
            str_field(j, "namespace")?.to_string(),
            str_field(j, "name")?.to_string(),
        ))
    });
    LineageRun {
        run_id,
        job,
        inputs: datasets(object, "inputs"),
        outputs: datasets(object, "outputs"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn datasets_and_the_run_are_read_and_bad_ones_left_out() {
        let event = json!({"eventType": "COMPLETE", "producer": "p",
            "run": {"runId": "5C0E41D5-db78-5d8b-9298-8be1de92535b"},
            "job": {"namespace": "dpone.certification", "name": "orders"},
            "inputs": [{"namespace": "pg", "name": "public.orders"}, {"name": "x"}],
            "outputs": [{"namespace": "pg", "name": "landing.orders"},
                        {"namespace": "pg", "name": "landing.orders"}]});
        let run = read(event.as_object().unwrap());
        assert_eq!(
            run.run_id.as_deref(),
            Some("5c0e41d5-db78-5d8b-9298-8be1de92535b")
        );
        assert_eq!(run.inputs.len(), 1);
        assert_eq!(run.outputs.len(), 1);
        assert_eq!(
            run.job,
            Some(("dpone.certification".into(), "orders".into()))
        );
        let bad = read(json!({"run": {"runId": "nope"}}).as_object().unwrap());
        assert_eq!(bad, LineageRun::default());
        assert!(!is_uuid("5c0e41d5db78-5d8b-9298-8be1de92535b-"));
    }
}
