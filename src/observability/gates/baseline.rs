//! Reading a baseline: the `runtime_metrics.json` of an earlier export.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::super::blockers::{Blocker, Code};
use super::super::json_input;

/// One series of the baseline export.
#[derive(Debug, Clone, PartialEq)]
pub struct BaselineSeries {
    pub name: String,
    /// Sorted by key, as the export writes them.
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

#[derive(Deserialize)]
struct File {
    metrics: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    name: String,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    value: Value,
}

/// Reads the baseline; a missing or malformed file is a warning blocker, never a failure of
/// the export (a first run has no baseline).
pub fn read_baseline(path: &Path) -> Result<Vec<BaselineSeries>, Blocker> {
    let shown = path.display();
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => {}
        Ok(_) => {
            return Err(Blocker::new(
                Code::BaselineMissing,
                format!("baseline `{shown}` is not a regular file; nothing was compared"),
            )
            .about(path))
        }
        Err(err) => {
            return Err(Blocker::new(
                Code::BaselineMissing,
                format!("baseline `{shown}` cannot be opened ({err}); nothing was compared"),
            )
            .about(path))
        }
    }
    let invalid = |why: String| {
        Blocker::new(
            Code::BaselineInvalid,
            format!("baseline `{shown}` {why}; nothing was compared"),
        )
        .about(path)
    };
    let bytes = std::fs::read(path).map_err(|err| invalid(format!("cannot be read ({err})")))?;
    let file: File = json_input::from_slice(&bytes).map_err(|err| {
        invalid(format!(
            "is not the `runtime_metrics.json` of an export ({err})"
        ))
    })?;
    file.metrics
        .into_iter()
        .enumerate()
        .map(|(i, entry)| {
            let value = match &entry.value {
                Value::Null => f64::NAN,
                other => json_input::number(other).ok_or_else(|| {
                    invalid(format!(
                        "has a non-numeric value for metric #{} `{}`",
                        i + 1,
                        entry.name
                    ))
                })?,
            };
            Ok(BaselineSeries {
                name: entry.name,
                labels: entry.labels.into_iter().collect(),
                value,
            })
        })
        .collect()
}
