//! The carried history (`history.json`, docs/gates.md "History"), end to end through the CLI:
//! forty exports, each given the previous one's folder as its baseline, carry forty entries
//! with the chain intact; the regressions of the next export use them as forty samples; an
//! edited middle entry is `history.broken` and the carried history is refused whole.

use crate::common::*;

use std::path::Path;
use std::process::{Command, Output};

use dpone_observability::observability::history;

const POLICY: &str = "regressions:\n  job_seconds: {direction: lower, test: t_test, boundary: 0.99, min_samples: 3}\n";

/// One export at `epoch` of `job_seconds` (gated) and `rows` (not), with extra flags.
fn export(cwd: &Path, epoch: u64, out: &str, value: f64, extra: &[&str]) -> Output {
    let mut args: Vec<String> = [
        "metrics-export",
        "--output-dir",
        out,
        "--format",
        "json",
        "--policy",
        "p.yml",
        "--metric",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push(format!("job_seconds={value}"));
    args.push("--metric".into());
    args.push(format!("rows={}", 1000.0 + value));
    args.extend(extra.iter().map(|s| s.to_string()));
    Command::new(bin())
        .args(&args)
        .current_dir(cwd)
        .env("SOURCE_DATE_EPOCH", epoch.to_string())
        .output()
        .expect("the binary runs")
}

/// Forty exports in a chain of folders `run/0` … `run/39`; the last folder.
fn forty(cwd: &Path) -> String {
    std::fs::write(cwd.join("p.yml"), POLICY).unwrap();
    for i in 0..40u64 {
        let out = format!("run/{i}");
        let previous = format!("run/{}", i.wrapping_sub(1));
        let baseline: Vec<&str> = if i == 0 {
            vec![]
        } else {
            vec!["--baseline", &previous]
        };
        let value = 300.0 + (i % 7) as f64;
        let o = export(cwd, 1_764_000_000 + i * 3600, &out, value, &baseline);
        assert_eq!(o.status.code(), Some(0), "{i}: {}", stderr(&o));
    }
    "run/39".to_string()
}

#[test]
fn forty_exports_carry_forty_chained_entries_that_the_regressions_use() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    let last = forty(cwd);
    let bytes = std::fs::read(cwd.join(&last).join("history.json")).unwrap();
    let file = history::parse(&bytes).expect("the chain holds");
    assert_eq!(file.entries.len(), 40);
    // Only the gated series: `job_seconds`, not `rows`.
    let names: Vec<&str> = file.series.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["dpone_job_seconds"]);
    assert_eq!(file.entries[0].previous_sha256, None);
    assert_eq!(file.entries[39].values, [Some(300.0 + (39 % 7) as f64)]);
    assert!(file.entries.iter().all(|e| e.verdict == "passed"));
    let index = read_json(&cwd.join(&last).join("metrics_index.json"));
    assert!(index["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["relative_path"] == "history.json"));

    // One folder as the baseline is forty samples.
    let o = export(cwd, 1_765_000_000, "now", 303.0, &["--baseline", &last]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let r = &report["gates"]["regressions"][0];
    assert_eq!(r["samples"], 40, "{r}");
    let now = history::parse(&std::fs::read(cwd.join("now/history.json")).unwrap()).unwrap();
    assert_eq!(now.entries.len(), 41);

    // A `history.json` given as a file is its entries.
    let file_path = format!("{last}/history.json");
    let o = export(
        cwd,
        1_765_000_000,
        "file",
        303.0,
        &["--baseline", &file_path],
    );
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["gates"]["regressions"][0]["samples"], 40);

    // `--history-limit` keeps the newest runs, and the chain still holds.
    let o = export(
        cwd,
        1_765_000_000,
        "short",
        303.0,
        &["--baseline", &last, "--history-limit", "10"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let short = history::parse(&std::fs::read(cwd.join("short/history.json")).unwrap()).unwrap();
    assert_eq!(short.entries.len(), 10);
    assert_eq!(short.entries[9].generated_at, now.entries[40].generated_at);
}

#[test]
fn an_edited_middle_entry_is_history_broken_and_the_carried_history_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    let last = forty(cwd);
    let path = cwd.join(&last).join("history.json");
    let mut file: history::HistoryFile =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    file.entries[20].values[0] = Some(1.0);
    // A `history.json` given as a file is read as a carried history (by its name).
    std::fs::create_dir(cwd.join("tampered")).unwrap();
    let tampered = cwd.join("tampered/history.json");
    std::fs::write(&tampered, history::to_json(&file).unwrap()).unwrap();

    let o = export(
        cwd,
        1_765_000_000,
        "now",
        303.0,
        &["--baseline", tampered.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1), "an error blocker: {}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let codes: Vec<&str> = report["blocker_details"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|b| b["code"].as_str())
        .collect();
    assert!(codes.contains(&"history.broken"), "{codes:?}");
    let message = report["blocker_details"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["code"] == "history.broken")
        .unwrap()["message"]
        .to_string();
    assert!(message.contains("entry 22"), "{message}");
    // Refused whole: no sample of it was compared, and the new history starts over.
    let compared = report["gates"]["regressions"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(compared, 0, "{}", report["gates"]);
    let now = history::parse(&std::fs::read(cwd.join("now/history.json")).unwrap()).unwrap();
    assert_eq!(now.entries.len(), 1);

    // In the folder, the index catches the edit first: the same blocker, the folder's own
    // export still used.
    std::fs::copy(&tampered, &path).unwrap();
    let o = export(cwd, 1_765_000_000, "again", 303.0, &["--baseline", &last]);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(report["blocker_details"]
        .as_array()
        .unwrap()
        .iter()
        .any(|b| b["code"] == "history.broken"));
    assert_eq!(report["gates"]["regressions"][0]["samples"], 1);
}

#[test]
fn consecutive_counts_breaches_carried_in_the_history_after_the_folders_are_gone() {
    // `consecutive: 3` against the previous run: runs 2, 3 and 4 each breach (every run is
    // 20 % slower than the one before). Only run 3's folder is given to run 4, and run 3's
    // history carries run 2's breach: three in a row, so run 4 fails.
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    std::fs::write(
        cwd.join("p.yml"),
        "regressions:\n  job_seconds: {direction: lower, ratio: 0.1, consecutive: 3}\n",
    )
    .unwrap();
    let values = [100.0, 100.0, 120.0, 144.0, 172.8];
    for (i, value) in values.iter().enumerate() {
        let out = format!("run/{i}");
        let previous = format!("run/{}", i.wrapping_sub(1));
        let baseline: Vec<&str> = if i == 0 {
            vec![]
        } else {
            vec!["--baseline", &previous]
        };
        let o = export(
            cwd,
            1_764_000_000 + i as u64 * 3600,
            &out,
            *value,
            &baseline,
        );
        let expected = if i == 4 { 1 } else { 0 };
        assert_eq!(o.status.code(), Some(expected), "run {i}: {}", stderr(&o));
        if i >= 1 {
            // Each folder stands alone: the older ones are gone (expired artifacts).
            std::fs::remove_dir_all(cwd.join(&previous)).unwrap();
        }
    }
    let bytes = std::fs::read(cwd.join("run/4/history.json")).unwrap();
    let file = history::parse(&bytes).expect("the chain holds");
    let breached: Vec<bool> = file
        .entries
        .iter()
        .map(|e| !e.breached.is_empty())
        .collect();
    assert_eq!(breached, [false, false, true, true, true]);
    let report = read_json(&cwd.join("run/4/runtime_metrics.json"));
    let row = &report["gates"]["regressions"][0];
    assert_eq!(row["consecutive"], 3, "{row}");
    assert_eq!(row["passed"], false, "{row}");
}

#[test]
fn merge_base_cuts_the_compared_history_of_a_cli_export() {
    // Six runs of main, one an hour, commit `i` each; the change branched off at run 2.
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    std::fs::write(cwd.join("p.yml"), POLICY).unwrap();
    let sha = |i: u64| format!("{:040x}", 0xc0ffee00 + i);
    for i in 0..6u64 {
        let out = format!("run/{i}");
        let previous = format!("run/{}", i.wrapping_sub(1));
        let revision = format!("vcs.ref.head.revision={}", sha(i));
        let mut extra = vec!["--resource-attr", &revision];
        if i > 0 {
            extra.extend(["--baseline", &previous]);
        }
        let o = export(
            cwd,
            1_764_000_000 + i * 3600,
            &out,
            300.0 + i as f64,
            &extra,
        );
        assert_eq!(o.status.code(), Some(0), "{i}: {}", stderr(&o));
    }
    let compared = |extra: &[&str], out: &str| {
        let mut args = vec!["--baseline", "run/5"];
        args.extend_from_slice(extra);
        let o = export(cwd, 1_764_000_000 + 6 * 3600, out, 301.0, &args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let report = read_json(&cwd.join(out).join("runtime_metrics.json"));
        let baseline = report["gates"]["baseline"].clone();
        let revisions: Vec<u64> = baseline["samples"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["revision"].as_str())
            .filter_map(|r| (0..6).find(|i| sha(*i) == r))
            .collect();
        (revisions, baseline["merge_base"].clone())
    };
    let at_two = sha(2);
    let (revisions, note) = compared(&["--merge-base", &at_two], "cut");
    assert_eq!(revisions, [0, 1, 2]);
    assert_eq!(
        note,
        format!("history cut at the merge-base {}", &at_two[..7])
    );
    // The carried history keeps every run of main, and this one.
    let carried = history::parse(&std::fs::read(cwd.join("cut/history.json")).unwrap()).unwrap();
    assert_eq!(carried.entries.len(), 7);

    // A merge-base whose run is not in the history: the nearest older run by its date.
    let unknown = "ab".repeat(20);
    let (revisions, note) = compared(
        &[
            "--merge-base",
            &unknown,
            "--merge-base-date",
            "2025-11-24T19:30:00Z",
        ],
        "dated",
    );
    assert_eq!(
        revisions,
        [0, 1, 2, 3],
        "runs at 16:00 … 19:00 are not later"
    );
    assert_eq!(
        note,
        format!(
            "merge-base abababa not in the history: cut at the nearest older entry {}",
            &sha(3)[..7]
        )
    );

    // Without it, the whole history.
    let (revisions, note) = compared(&[], "whole");
    assert_eq!(revisions, [0, 1, 2, 3, 4, 5]);
    assert!(note.is_null());

    // Not a full SHA, a date without a merge-base, a date that is no date: usage errors.
    for bad in [
        vec!["--merge-base", "abc1234"],
        vec!["--merge-base-date", "2025-11-24T19:30:00Z"],
        vec!["--merge-base", &unknown, "--merge-base-date", "yesterday"],
    ] {
        let o = export(cwd, 1_764_000_000, "never", 1.0, &bad);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", stderr(&o));
        assert!(!cwd.join("never").exists());
    }
}
