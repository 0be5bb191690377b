//! The carried history (`history.json`): the series of the last runs of a branch, carried from
//! one export to the next so the regressions keep their samples after the CI artifacts that
//! held them expire.
//!
//! The file is columnar: every series (name and labels) is written once in `series`, and each
//! entry holds its values as one array in the same order (`null` where the run had no value),
//! so 100 series × 500 runs stay under 1 MiB. Each entry carries `previous_sha256`, the sha256
//! of the previous entry's canonical form ([`canonical`]), so an entry edited, removed or moved
//! inside the chain is detected ([`verify`]). The chain does not protect against forgery:
//! anyone can recompute a whole new chain, and the first entry is not anchored (dropping the
//! oldest entries, as the limit does, is not detected).
//!
//! Pure: no file, clock or environment; the caller reads and writes the bytes.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::artifacts::hex;
use super::gates::{History, ReadReport, RecordedComparison, ReportSeries, Sample};
use super::timestamp::Timestamp;

/// How many runs a history keeps by default (`--history-limit`, action input `history-limit`).
pub const DEFAULT_HISTORY_LIMIT: usize = 500;

/// The most runs a history may be told to keep.
pub const MAX_HISTORY_LIMIT: usize = 100_000;

/// What a regression's blocker code is made of: this, then the metric (`regression.<metric>`).
const REGRESSION_CODE_PREFIX: &str = "regression.";

/// The `schema_version` of `history.json`.
pub const HISTORY_SCHEMA_VERSION: u32 = 1;

/// One series of the history: its metric name and labels (sorted by key).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SeriesKey {
    pub name: String,
    #[serde(default)]
    pub labels: Vec<(String, String)>,
}

/// One run of the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The sha256 of the previous entry's canonical form; `None` for the first entry of a chain.
    pub previous_sha256: Option<String>,
    /// The commit the run exported (`vcs.ref.head.revision`).
    pub revision: Option<String>,
    /// The CI run and its attempt (`cicd.pipeline.run.id`, `cicd.pipeline.run.attempt`).
    pub run_id: Option<String>,
    pub run_attempt: Option<String>,
    /// When the export was made (RFC 3339).
    pub generated_at: String,
    /// The export's verdict: `passed` or `failed`.
    pub verdict: String,
    /// One value per series of the file, in its order; `null` where the run had none. Shorter
    /// than `series` when later series were added after this entry.
    pub values: Vec<Option<f64>>,
    /// The series (indexes into `series`) whose regression rule this run breached, so a
    /// rule's `consecutive` counts breaches in a row over carried entries too. Not written
    /// when none did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub breached: Vec<usize>,
}

/// The whole `history.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryFile {
    pub schema_version: u32,
    pub series: Vec<SeriesKey>,
    /// Oldest first.
    pub entries: Vec<Entry>,
}

/// The run an export appends: its provenance, verdict and series.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// The series whose regression rule the run breached (a subset of `series`' keys).
    pub breached: Vec<SeriesKey>,
    pub revision: Option<String>,
    pub run_id: Option<String>,
    pub run_attempt: Option<String>,
    pub generated_at: String,
    pub passed: bool,
    pub series: Vec<ReportSeries>,
}

/// Why a history's chain does not hold: the first entry (0-based) whose `previous_sha256` is
/// not the sha256 of the entry before it, or whose values do not fit the series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenChain {
    pub entry: usize,
    pub reason: String,
}

impl std::fmt::Display for BrokenChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "entry {} of the history {}", self.entry + 1, self.reason)
    }
}

/// One value in an entry's canonical form: metric name, labels, value.
type CanonicalValue<'a> = (&'a str, &'a [(String, String)], f64);

/// What identifies a run among the samples: commit, run, attempt, time.
type RunId<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>, &'a str);

/// The canonical form an entry is hashed in: compact JSON of
/// `[previous_sha256, revision, run_id, run_attempt, generated_at, verdict, [[name, labels,
/// value], …]]` with the series that have a value, sorted by name then labels, and, when the
/// run breached a rule, one more element: `[[name, labels], …]`, the breached series sorted
/// the same way (so an entry without breaches hashes as before they were recorded). It does
/// not depend on the column order, so a file whose series are reordered keeps its chain.
pub fn canonical(series: &[SeriesKey], entry: &Entry) -> Result<String, String> {
    if entry.values.len() > series.len() {
        return Err(format!(
            "has {} values for {} series",
            entry.values.len(),
            series.len()
        ));
    }
    let mut values: Vec<(&SeriesKey, f64)> = series
        .iter()
        .zip(&entry.values)
        .filter_map(|(key, value)| value.map(|v| (key, v)))
        .collect();
    values.sort_by(|a, b| a.0.cmp(b.0));
    let values: Vec<CanonicalValue<'_>> = values
        .into_iter()
        .map(|(key, v)| (key.name.as_str(), key.labels.as_slice(), v))
        .collect();
    let form = (
        &entry.previous_sha256,
        &entry.revision,
        &entry.run_id,
        &entry.run_attempt,
        &entry.generated_at,
        &entry.verdict,
        values,
    );
    if entry.breached.is_empty() {
        return serde_json::to_string(&form).map_err(|err| format!("cannot be serialised ({err})"));
    }
    let mut breached = Vec::with_capacity(entry.breached.len());
    for index in &entry.breached {
        let key = series
            .get(*index)
            .ok_or_else(|| format!("names breached series {index} of {}", series.len()))?;
        breached.push((key.name.as_str(), key.labels.as_slice()));
    }
    breached.sort();
    if breached.windows(2).any(|pair| pair[0] == pair[1]) {
        return Err("names a breached series twice".to_string());
    }
    let form = (
        form.0, form.1, form.2, form.3, form.4, form.5, form.6, breached,
    );
    serde_json::to_string(&form).map_err(|err| format!("cannot be serialised ({err})"))
}

/// The sha256 (lower-case hexadecimal) of an entry's canonical form.
pub fn entry_sha256(series: &[SeriesKey], entry: &Entry) -> Result<String, String> {
    let text = canonical(series, entry)?;
    Ok(hex(&Sha256::digest(text.as_bytes())))
}

/// Checks the chain: every entry after the first names the sha256 of the one before it. The
/// first entry is not checked (it is not anchored).
pub fn verify(file: &HistoryFile) -> Result<(), BrokenChain> {
    let mut previous: Option<String> = None;
    for (index, entry) in file.entries.iter().enumerate() {
        if index > 0 && entry.previous_sha256 != previous {
            return Err(BrokenChain {
                entry: index,
                reason: "does not carry the sha256 of the entry before it: an entry was \
                         edited, removed or moved"
                    .to_string(),
            });
        }
        previous = Some(
            entry_sha256(&file.series, entry).map_err(|reason| BrokenChain {
                entry: index,
                reason,
            })?,
        );
    }
    Ok(())
}

/// A value the file can hold: a finite number, else nothing.
fn finite(value: f64) -> Option<f64> {
    value.is_finite().then_some(value)
}

/// Appends a run to the history (its series added to `series` when new), chained to the last
/// entry, then keeps the newest `limit` entries and the series they still use.
pub fn append(mut file: HistoryFile, run: &Run, limit: usize) -> HistoryFile {
    let mut values: Vec<Option<f64>> = vec![None; file.series.len()];
    // Each series' column, looked up once per value (10 000 series stay linear).
    let mut columns: BTreeMap<SeriesKey, usize> = file
        .series
        .iter()
        .enumerate()
        .map(|(i, key)| (key.clone(), i))
        .collect();
    let known = file.series.len();
    for item in &run.series {
        let key = SeriesKey {
            name: item.name.clone(),
            labels: item.labels.clone(),
        };
        let index = match columns.get(&key) {
            Some(index) => *index,
            None => {
                columns.insert(key.clone(), file.series.len());
                file.series.push(key);
                values.push(None);
                file.series.len() - 1
            }
        };
        values[index] = finite(item.value);
    }
    // A breach names a series the run has a value for; any other is not a series of the file.
    let mut breached: Vec<usize> = run
        .breached
        .iter()
        .filter_map(|key| columns.get(key).copied())
        .filter(|index| values.get(*index).copied().flatten().is_some())
        .collect();
    breached.sort_unstable();
    breached.dedup();
    let previous_sha256 = file
        .entries
        .last()
        .and_then(|last| entry_sha256(&file.series, last).ok());
    file.entries.push(Entry {
        previous_sha256,
        revision: run.revision.clone(),
        run_id: run.run_id.clone(),
        run_attempt: run.run_attempt.clone(),
        generated_at: run.generated_at.clone(),
        verdict: if run.passed { "passed" } else { "failed" }.to_string(),
        values,
        breached,
    });
    let excess = file.entries.len().saturating_sub(limit.max(1));
    file.entries.drain(..excess);
    // With no entry dropped and a value for every new series, every series is still used (as
    // after any `append`): only the new entry needs its trailing gaps cut, which keeps a long
    // history's appends linear.
    if excess == 0 && values_of_new_series(&file, known) {
        if let Some(entry) = file.entries.last_mut() {
            while entry.values.last() == Some(&None) {
                entry.values.pop();
            }
        }
        return file;
    }
    prune_series(file)
}

/// Whether the newest entry has a value for each series from column `known` on.
fn values_of_new_series(file: &HistoryFile, known: usize) -> bool {
    file.entries.last().is_some_and(|entry| {
        (known..file.series.len()).all(|i| entry.values.get(i).copied().flatten().is_some())
    })
}

/// Drops the series no entry has a value for, keeping the order of the others (the canonical
/// form leaves out missing values, so the chain still holds).
fn prune_series(mut file: HistoryFile) -> HistoryFile {
    let used: Vec<bool> = (0..file.series.len())
        .map(|i| {
            file.entries
                .iter()
                .any(|e| e.values.get(i).copied().flatten().is_some())
        })
        .collect();
    let mut kept = used.iter();
    file.series
        .retain(|_| kept.next().copied().unwrap_or(false));
    // Each kept series' new index: how many kept series come before it.
    let new_index: Vec<usize> = used
        .iter()
        .scan(0, |next, &kept| {
            let index = *next;
            *next += usize::from(kept);
            Some(index)
        })
        .collect();
    for entry in &mut file.entries {
        // A breached series has a value in its entry, so it is kept.
        entry.breached = entry
            .breached
            .iter()
            .filter(|i| used.get(**i).copied().unwrap_or(false))
            .map(|i| new_index[*i])
            .collect();
        let mut kept = used.iter();
        entry
            .values
            .retain(|_| kept.next().copied().unwrap_or(false));
        while entry.values.last() == Some(&None) {
            entry.values.pop();
        }
    }
    file
}

/// A history built from the samples the export was given (oldest first; a carried history's
/// entries and single exports alike), each run once (by commit, run, attempt and time), with
/// only the series `keep` selects (the gated ones).
pub fn from_samples(
    samples: &[Sample],
    keep: &dyn Fn(&ReportSeries) -> bool,
    limit: usize,
) -> HistoryFile {
    let mut file = empty();
    let mut seen: BTreeSet<RunId<'_>> = BTreeSet::new();
    for sample in samples {
        let report = &sample.report;
        let id = (
            report.revision.as_deref(),
            report.run_id.as_deref(),
            report.run_attempt.as_deref(),
            sample.time(),
        );
        if !seen.insert(id) {
            continue;
        }
        let run = Run {
            breached: report
                .recorded
                .iter()
                .filter(|r| r.breached)
                .filter_map(|r| {
                    Some(SeriesKey {
                        name: r.code.strip_prefix(REGRESSION_CODE_PREFIX)?.to_string(),
                        labels: r.labels.clone(),
                    })
                })
                .collect(),
            revision: report.revision.clone(),
            run_id: report.run_id.clone(),
            run_attempt: report.run_attempt.clone(),
            generated_at: sample.time().to_string(),
            passed: report.passed,
            series: report.series.iter().filter(|s| keep(s)).cloned().collect(),
        };
        file = append(file, &run, limit);
    }
    file
}

/// A history with no entry.
pub fn empty() -> HistoryFile {
    HistoryFile {
        schema_version: HISTORY_SCHEMA_VERSION,
        series: Vec::new(),
        entries: Vec::new(),
    }
}

/// The entries as the regressions' samples, oldest first; `source` names the file.
pub fn to_samples(file: &HistoryFile, source: &str) -> Vec<Sample> {
    file.entries
        .iter()
        .map(|entry| Sample {
            source: source.to_string(),
            report: ReadReport {
                observed_at: Some(entry.generated_at.clone()),
                series: file
                    .series
                    .iter()
                    .zip(&entry.values)
                    .filter_map(|(key, value)| {
                        value.map(|v| ReportSeries {
                            name: key.name.clone(),
                            labels: key.labels.clone(),
                            value: v,
                        })
                    })
                    .collect(),
                revision: entry.revision.clone(),
                ref_name: None,
                generated_at: Some(entry.generated_at.clone()),
                run_id: entry.run_id.clone(),
                run_attempt: entry.run_attempt.clone(),
                passed: entry.verdict == "passed",
                recorded: entry
                    .breached
                    .iter()
                    .filter_map(|i| file.series.get(*i))
                    .map(|key| RecordedComparison {
                        code: format!("{REGRESSION_CODE_PREFIX}{}", key.name),
                        labels: key.labels.clone(),
                        breached: true,
                    })
                    .collect(),
            },
        })
        .collect()
}

/// Reads a `history.json` and checks its chain. The error says what is wrong.
pub fn parse(bytes: &[u8]) -> Result<HistoryFile, String> {
    let file: HistoryFile =
        serde_json::from_slice(bytes).map_err(|err| format!("is not a `history.json` ({err})"))?;
    if file.schema_version != HISTORY_SCHEMA_VERSION {
        return Err(format!(
            "has `schema_version` {}; this build reads version {HISTORY_SCHEMA_VERSION}",
            file.schema_version
        ));
    }
    verify(&file).map_err(|broken| broken.to_string())?;
    Ok(file)
}

/// Writes the compact JSON of a history, with a final newline.
pub fn write_json(file: &HistoryFile, out: &mut impl std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, file).map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}

/// The compact JSON of a history, with a final newline.
pub fn to_json(file: &HistoryFile) -> std::io::Result<String> {
    let mut bytes = Vec::new();
    write_json(file, &mut bytes)?;
    String::from_utf8(bytes).map_err(std::io::Error::other)
}

/// A full commit SHA (40 or 64 hexadecimal digits, SHA-1 or SHA-256), lower-cased as entries
/// record commits; `None` for anything else (an abbreviated SHA never matches an entry).
pub fn full_sha(text: &str) -> Option<String> {
    let full = matches!(text.len(), 40 | 64) && text.bytes().all(|b| b.is_ascii_hexdigit());
    full.then(|| text.to_ascii_lowercase())
}

/// A pull request's merge-base with its base branch: the commit, and its committer date when
/// known (RFC 3339), which places it among the entries when the commit itself is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeBase {
    pub sha: String,
    pub date: Option<String>,
}

/// A pull request's baseline cut at its merge-base with the base branch: the samples kept and
/// the note that says where the history was cut.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeBaseCut {
    pub kept: Vec<Sample>,
    pub note: String,
}

/// The first 7 characters (a hostile commit of any length or script stays short).
fn short(sha: &str) -> &str {
    sha.char_indices().nth(7).map_or(sha, |(at, _)| &sha[..at])
}

fn sample_time(sample: &Sample) -> Option<Timestamp> {
    sample
        .report
        .generated_at
        .as_deref()
        .or(sample.report.observed_at.as_deref())
        .and_then(Timestamp::parse_rfc3339)
}

/// Keeps the samples up to and including the run of the merge-base commit (`merge_base`, a
/// full SHA, compared without case): those whose time is not after the newest sample of that
/// commit. When no sample is of that commit, the cut is at the merge-base's committer date
/// (`merge_base_date`, RFC 3339): the samples made no later, so the nearest older entry is the
/// newest kept. Samples with no time are dropped by a cut (they cannot be placed). With neither
/// the commit in the samples nor a date, nothing is cut and the note says so.
pub fn cut_at_merge_base(
    samples: Vec<Sample>,
    merge_base: &str,
    merge_base_date: Option<&str>,
) -> MergeBaseCut {
    let at_merge_base = samples
        .iter()
        .filter(|sample| {
            sample
                .report
                .revision
                .as_deref()
                .is_some_and(|rev| rev.eq_ignore_ascii_case(merge_base))
        })
        .filter_map(sample_time)
        .max();
    let (cutoff, found) = match (
        at_merge_base,
        merge_base_date.and_then(Timestamp::parse_rfc3339),
    ) {
        (Some(time), _) => (time, true),
        (None, Some(date)) => (date, false),
        (None, None) => {
            let note = format!(
                "merge-base {} not in the history and its date unknown: history not cut",
                short(merge_base)
            );
            return MergeBaseCut {
                kept: samples,
                note,
            };
        }
    };
    let kept: Vec<Sample> = samples
        .into_iter()
        .filter(|sample| sample_time(sample).is_some_and(|time| time <= cutoff))
        .collect();
    let note = if found {
        format!("history cut at the merge-base {}", short(merge_base))
    } else {
        let nearest = kept
            .iter()
            .filter_map(|sample| sample_time(sample).map(|time| (time, sample)))
            .max_by_key(|(time, _)| *time)
            .map(|(_, sample)| {
                sample
                    .report
                    .revision
                    .as_deref()
                    .map_or("(no commit)", short)
            });
        match nearest {
            Some(entry) => format!(
                "merge-base {} not in the history: cut at the nearest older entry {entry}",
                short(merge_base)
            ),
            None => format!(
                "merge-base {} not in the history and no entry is older: no baseline",
                short(merge_base)
            ),
        }
    };
    MergeBaseCut { kept, note }
}

/// Keeps the history's samples up to the pull request's merge-base ([`cut_at_merge_base`]) and
/// notes where, for the report and the summary (`gates.baseline.merge_base`).
pub fn cut_history(history: &mut History, merge_base: &MergeBase) {
    let cut = cut_at_merge_base(
        std::mem::take(&mut history.samples),
        &merge_base.sha,
        merge_base.date.as_deref(),
    );
    history.samples = cut.kept;
    history.cut = Some(cut.note);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(i: usize, series: usize) -> Run {
        Run {
            breached: Vec::new(),
            revision: Some(format!("{:040x}", i * 7919 + 1)),
            run_id: Some(format!("{}", 9_000_000_000u64 + i as u64)),
            run_attempt: Some("1".to_string()),
            generated_at: format!("2026-01-01T00:{:02}:{:02}Z", i / 60 % 60, i % 60),
            passed: i % 5 != 0,
            series: (0..series)
                .map(|s| ReportSeries {
                    name: format!("dpone_airflow_task_duration_seconds_{s}"),
                    labels: vec![("task_id".to_string(), format!("load_table_{s}"))],
                    // Durations in milliseconds, as exports of a pipeline have them.
                    value: ((i * 37 + s * 101) % 100_000) as f64 / 1000.0 + 1.0,
                })
                .collect(),
        }
    }

    fn built(runs: usize, series: usize, limit: usize) -> HistoryFile {
        (0..runs).fold(empty(), |file, i| append(file, &run(i, series), limit))
    }

    #[test]
    fn a_hundred_series_of_five_hundred_runs_fit_in_one_mebibyte() {
        let file = built(520, 100, DEFAULT_HISTORY_LIMIT);
        assert_eq!(file.entries.len(), 500);
        assert_eq!(file.series.len(), 100);
        let size = to_json(&file).unwrap().len();
        // The figure: 484 849 bytes (0.46 MiB) for values with three decimals.
        assert!(
            size <= 1024 * 1024,
            "history.json of 100 series x 500 runs: {size} bytes"
        );
        assert!(parse(to_json(&file).unwrap().as_bytes()).is_ok());
    }

    #[test]
    fn the_chain_holds_after_truncation_and_round_trip() {
        let file = built(12, 3, 10);
        assert_eq!(file.entries.len(), 10);
        assert_eq!(file.entries[0].generated_at, run(2, 3).generated_at);
        let again = parse(to_json(&file).unwrap().as_bytes()).expect("valid");
        assert_eq!(again, file);
        assert_eq!(to_samples(&again, "h").len(), 10);
    }

    #[test]
    fn an_edited_middle_entry_breaks_the_chain_at_the_next_one() {
        let mut file = built(40, 3, 500);
        file.entries[20].values[1] = Some(0.5);
        let broken = verify(&file).expect_err("tampered");
        assert_eq!(broken.entry, 21);
        let mut removed = built(40, 3, 500);
        removed.entries.remove(20);
        assert_eq!(verify(&removed).expect_err("removed").entry, 20);
        assert!(parse(to_json(&file).unwrap().as_bytes()).is_err());
    }

    #[test]
    fn reordered_series_keep_the_chain() {
        let mut file = built(5, 3, 500);
        file.series.reverse();
        for entry in &mut file.entries {
            entry.values.resize(3, None);
            entry.values.reverse();
        }
        assert_eq!(verify(&file), Ok(()));
    }

    #[test]
    fn a_series_no_entry_uses_is_dropped() {
        let mut file = built(2, 2, 2);
        file = append(file, &run(2, 1), 2);
        file = append(file, &run(3, 1), 2);
        assert_eq!(file.series.len(), 1);
        assert_eq!(verify(&file), Ok(()));
    }

    #[test]
    fn breaches_are_carried_chained_and_follow_their_series_when_columns_go() {
        // Entry 0 has series 0 and 1; entries 1 and 2 only series 1, which breached in both.
        let mut file = append(empty(), &run(0, 2), 3);
        let no_breach = entry_sha256(&file.series, &file.entries[0]).unwrap();
        for i in 1..3 {
            let mut r = run(i, 2);
            r.series.remove(0);
            r.breached = vec![SeriesKey {
                name: r.series[0].name.clone(),
                labels: r.series[0].labels.clone(),
            }];
            file = append(file, &r, 2);
        }
        // Entry 0 is gone (limit 2), so series 0 is gone and series 1 is now column 0.
        assert_eq!(file.series.len(), 1);
        assert_eq!(file.entries[0].breached, [0]);
        assert_eq!(file.entries[1].breached, [0]);
        assert_eq!(verify(&file), Ok(()));
        let samples = to_samples(&file, "history.json");
        let recorded = &samples[1].report.recorded;
        assert_eq!(recorded.len(), 1);
        assert_eq!(
            recorded[0].code,
            format!("regression.{}", file.series[0].name)
        );
        assert!(recorded[0].breached);
        // Carried on: a history rebuilt from the samples keeps the breaches.
        let again = from_samples(&samples, &|_| true, 10);
        assert_eq!(again.entries[1].breached, [0]);
        // A breach is part of the chain; an entry without one hashes as before breaches
        // were recorded (seven elements).
        let mut edited = file.clone();
        edited.entries[0].breached.clear();
        assert!(verify(&edited).is_err());
        let unbroken = append(empty(), &run(0, 2), 3);
        assert_eq!(
            entry_sha256(&unbroken.series, &unbroken.entries[0]).unwrap(),
            no_breach
        );
        let form: serde_json::Value =
            serde_json::from_str(&canonical(&unbroken.series, &unbroken.entries[0]).unwrap())
                .unwrap();
        assert_eq!(form.as_array().map(Vec::len), Some(7));
        let form: serde_json::Value =
            serde_json::from_str(&canonical(&file.series, &file.entries[0]).unwrap()).unwrap();
        assert_eq!(form.as_array().map(Vec::len), Some(8));
        // An index past the series is an error, not a panic.
        let mut bad = file.clone();
        bad.entries[0].breached = vec![7];
        assert!(entry_sha256(&bad.series, &bad.entries[0]).is_err());
        bad.entries[0].breached = vec![usize::MAX];
        assert!(entry_sha256(&bad.series, &bad.entries[0]).is_err());
        // Twice the same series: refused too (the writer never repeats one), so `parse` says
        // the file is broken.
        bad.entries[0].breached = vec![0, 0];
        let err = entry_sha256(&bad.series, &bad.entries[0]).unwrap_err();
        assert!(err.contains("twice"), "{err}");
        let json = to_json(&bad).unwrap();
        assert!(parse(json.as_bytes()).unwrap_err().contains("twice"));
    }

    /// main: c0 c1 c2 c3 c4 c5; the PR branched at c2 and main moved on to c5.
    fn forked() -> Vec<Sample> {
        let file = (0..6).fold(empty(), |file, i| {
            let mut r = run(i, 2);
            r.revision = Some(format!("c{i}{}", "0".repeat(38)));
            append(file, &r, 500)
        });
        to_samples(&file, "history.json")
    }

    fn revisions(cut: &MergeBaseCut) -> Vec<String> {
        cut.kept
            .iter()
            .map(|s| s.report.revision.clone().unwrap_or_default()[..2].to_string())
            .collect()
    }

    #[test]
    fn entries_after_the_merge_base_are_dropped() {
        let merge_base = format!("C2{}", "0".repeat(38));
        let cut = cut_at_merge_base(forked(), &merge_base, None);
        assert_eq!(revisions(&cut), ["c0", "c1", "c2"]);
        assert_eq!(cut.note, "history cut at the merge-base C200000");
    }

    #[test]
    fn an_absent_merge_base_cuts_at_the_nearest_older_entry() {
        let merge_base = "ab".repeat(20);
        // run(i) was made at 00:00:0i; the merge-base commit is dated between c3 and c4.
        let cut = cut_at_merge_base(forked(), &merge_base, Some("2026-01-01T00:00:03.5Z"));
        assert_eq!(revisions(&cut), ["c0", "c1", "c2", "c3"]);
        assert_eq!(
            cut.note,
            "merge-base abababa not in the history: cut at the nearest older entry c300000"
        );
        let none = cut_at_merge_base(forked(), &merge_base, Some("2025-12-31T00:00:00Z"));
        assert!(none.kept.is_empty());
        assert!(
            none.note.ends_with("no entry is older: no baseline"),
            "{}",
            none.note
        );
        let unknown = cut_at_merge_base(forked(), &merge_base, None);
        assert_eq!(unknown.kept.len(), 6);
        assert!(
            unknown.note.ends_with("history not cut"),
            "{}",
            unknown.note
        );
    }

    #[test]
    fn a_hostile_commit_in_a_note_is_cut_to_seven_characters() {
        let mut samples = forked();
        let hostile = format!("abcdef{}", "é".repeat(10_000));
        samples[3].report.revision = Some(hostile.clone());
        let cut = cut_at_merge_base(samples, &hostile, Some("2026-01-01T00:00:03.5Z"));
        assert_eq!(cut.note, "history cut at the merge-base abcdefé");
    }
}
