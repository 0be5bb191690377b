//! The artifact contract: every generated file is in the index with its sha256 and size,
//! `verify` catches a changed byte, a missing and an extra file, and a failed write leaves the
//! previous complete set in place.

use crate::common;

use std::path::Path;

use dpone_observability::observability::artifacts::{verify, VerifyProblem, INDEX_FILE_NAME};
use dpone_observability::observability::export::{export, ExportRequest};
use dpone_observability::observability::metrics::LabelSet;
use dpone_observability::observability::sources::custom::CustomMetric;
use dpone_observability::observability::timestamp::Timestamp;
use sha2::{Digest, Sha256};

fn request(dir: &Path) -> ExportRequest {
    let mut r = ExportRequest::new(dir, Timestamp::from_unix_seconds(1_764_000_000).unwrap());
    r.run_report = Some(common::fixture("run-report/run_report_success_real.json"));
    r.metrics = vec![CustomMetric::new("lag", 3.0)];
    r.labels = LabelSet::new([("env", "ci")]).unwrap();
    r
}

const ARTIFACTS: [&str; 7] = [
    "history.html",
    "history.json",
    "opentelemetry_metrics.json",
    "opentelemetry_traces.json",
    "prometheus_metrics.prom",
    "runtime_metrics.json",
    "runtime_metrics.md",
];

#[test]
fn index_holds_checksum_and_size_of_every_other_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let outcome = export(&request(&dir)).unwrap();
    assert!(outcome.report.passed);
    assert_eq!(outcome.report.metric_count, 13);

    let index = common::read_json(&dir.join(INDEX_FILE_NAME));
    let entries = index["artifacts"].as_array().unwrap();
    let names: Vec<&str> = entries
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names, ARTIFACTS,
        "sorted by name, every file but the index itself"
    );
    for entry in entries {
        let bytes = std::fs::read(dir.join(entry["relative_path"].as_str().unwrap())).unwrap();
        let digest = format!("{:x}", Sha256::digest(&bytes));
        assert_eq!(entry["sha256"], digest.as_str());
        assert_eq!(entry["size_bytes"], bytes.len() as u64);
        assert!(entry["path"]
            .as_str()
            .unwrap()
            .ends_with(entry["name"].as_str().unwrap()));
    }
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    assert_eq!(on_disk.len(), 8, "no temporary file is left: {on_disk:?}");
    assert_eq!(index["generated_at"], "2025-11-24T16:00:00.000000+00:00");

    let report = verify(&dir).unwrap();
    assert_eq!(report.checked, 7);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

#[test]
fn verify_catches_a_changed_byte_a_missing_and_an_extra_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    export(&request(&dir)).unwrap();

    let prom = dir.join("prometheus_metrics.prom");
    let mut bytes = std::fs::read(&prom).unwrap();
    let last = bytes.len() - 2;
    bytes[last] ^= 1;
    std::fs::write(&prom, &bytes).unwrap();
    std::fs::remove_file(dir.join("runtime_metrics.md")).unwrap();
    std::fs::write(dir.join("notes.txt"), "x").unwrap();

    let problems = verify(&dir).unwrap().problems;
    assert!(
        matches!(&problems[0], VerifyProblem::Changed { file, .. } if file == "prometheus_metrics.prom"),
        "{problems:?}"
    );
    assert!(
        matches!(&problems[1], VerifyProblem::Missing { file } if file == "runtime_metrics.md"),
        "{problems:?}"
    );
    assert!(
        matches!(&problems[2], VerifyProblem::Extra { file } if file == "notes.txt"),
        "{problems:?}"
    );
    assert_eq!(problems.len(), 3);

    // Through the binary: non-zero, naming each file.
    let o = std::process::Command::new(common::bin())
        .arg("verify")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = common::stderr(&o);
    for name in ["prometheus_metrics.prom", "runtime_metrics.md", "notes.txt"] {
        assert!(err.contains(name), "{err}");
    }
}

#[test]
fn verify_refuses_an_index_that_points_outside() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    export(&request(&dir)).unwrap();
    let index_path = dir.join(INDEX_FILE_NAME);
    let text = std::fs::read_to_string(&index_path).unwrap();
    std::fs::write(
        &index_path,
        text.replace(
            "\"relative_path\": \"runtime_metrics.md\"",
            "\"relative_path\": \"../../etc/passwd\"",
        ),
    )
    .unwrap();
    let problems = verify(&dir).unwrap().problems;
    assert!(
        problems
            .iter()
            .any(|p| matches!(p, VerifyProblem::UnsafePath { .. })),
        "{problems:?}"
    );

    std::fs::write(&index_path, "{}").unwrap();
    assert!(verify(&dir).is_err());
    std::fs::remove_file(&index_path).unwrap();
    let o = std::process::Command::new(common::bin())
        .arg("verify")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(common::stderr(&o).contains("metrics_index.json"));
}

#[test]
fn a_failed_write_leaves_the_previous_set_complete() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    export(&request(&dir)).unwrap();
    let before: Vec<Vec<u8>> = ARTIFACTS
        .iter()
        .map(|n| std::fs::read(dir.join(n)).unwrap())
        .collect();
    let index_before = std::fs::read(dir.join(INDEX_FILE_NAME)).unwrap();

    // A file where this export's staging folder must go: the export fails before it writes.
    // (tests/it/faults.rs fails every file-system call of an export in turn.)
    let blocker = tmp
        .path()
        .join(format!(".out.{}.staging", std::process::id()));
    std::fs::write(&blocker, "in the way").unwrap();
    let mut second = request(&dir);
    second.metrics.push(CustomMetric::new("other", 9.0));
    let err = export(&second).unwrap_err();
    let message = err.to_string();
    // The staging folder is the tool's business: the message names the user's folder.
    assert!(
        message.contains(&format!("`{}`", dir.display()))
            && message.contains("os error")
            && !message.contains(".staging"),
        "{message}"
    );

    let after: Vec<Vec<u8>> = ARTIFACTS
        .iter()
        .map(|n| std::fs::read(dir.join(n)).unwrap())
        .collect();
    assert_eq!(before, after, "the previous artifacts are untouched");
    assert_eq!(
        index_before,
        std::fs::read(dir.join(INDEX_FILE_NAME)).unwrap()
    );
    std::fs::remove_file(&blocker).unwrap();
    assert!(
        verify(&dir).unwrap().problems.is_empty(),
        "the previous set still verifies and no temporary file is left"
    );
}

#[test]
fn service_reports_blockers_and_still_writes_the_set() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let mut r = request(&dir);
    r.run_report = Some(tmp.path().join("missing.json"));
    r.metrics.clear();
    let outcome = export(&r).unwrap();
    let codes: Vec<&str> = outcome
        .report
        .blockers
        .iter()
        .map(|b| b.code.as_str())
        .collect();
    assert_eq!(codes, ["run_report.missing", "metrics.empty"]);
    assert!(!outcome.report.passed);
    assert!(outcome.report.blockers[0].message.contains("missing.json"));
    assert_eq!(outcome.artifacts.len(), 7);
    assert!(verify(&dir).unwrap().problems.is_empty());
}

#[test]
fn metrics_file_in_json_and_yaml() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("m.json"),
        r#"{"lag": 1, "rate": "2.5", "dpone_x": NaN}"#,
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("m.yaml"),
        "lag: 1\nrate: 2.5\ndpone_x: .nan\n",
    )
    .unwrap();
    std::fs::write(tmp.path().join("bad.yml"), "lag: yes please\n").unwrap();
    for name in ["m.json", "m.yaml"] {
        let mut r = request(&tmp.path().join(name.replace('.', "_")));
        r.run_report = None;
        r.metrics = vec![CustomMetric::new("lag", 7.0)];
        r.metrics_file = Some(tmp.path().join(name));
        let outcome = export(&r).unwrap();
        assert!(outcome.report.passed, "{:?}", outcome.report.blockers);
        let report = common::read_json(
            &tmp.path()
                .join(name.replace('.', "_"))
                .join("runtime_metrics.json"),
        );
        let metrics: Vec<(String, String)> = report["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["name"].as_str().unwrap().to_string(),
                    m["value"].to_string(),
                )
            })
            .collect();
        assert_eq!(
            metrics,
            [
                ("dpone_lag".to_string(), "7.0".to_string()),
                ("dpone_rate".to_string(), "2.5".to_string()),
                ("dpone_x".to_string(), "\"NaN\"".to_string())
            ],
            "the --metric flag overrides the file"
        );
    }
    let mut r = request(&tmp.path().join("bad"));
    r.metrics_file = Some(tmp.path().join("bad.yml"));
    let outcome = export(&r).unwrap();
    let blocker = &outcome.report.blockers[0];
    assert_eq!(blocker.code.as_str(), "metrics_file.invalid");
    assert!(
        blocker.message.contains("metric `lag`") && blocker.message.contains("line 1"),
        "{}",
        blocker.message
    );
}

#[test]
fn temporaries_of_a_killed_export_are_cleaned_up() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    std::fs::create_dir_all(&dir).unwrap();
    // PIDs above the kernel's maximum (4194304) cannot belong to a live process.
    let stale = dir.join(".prometheus_metrics.prom.99999999.tmp");
    std::fs::write(&stale, "partial").unwrap();
    let unrelated = dir.join(".keep.tmp");
    std::fs::write(&unrelated, "x").unwrap();
    export(&request(&dir)).unwrap();
    assert!(!stale.exists(), "a dead export's temporary file is removed");
    assert!(
        unrelated.exists(),
        "files the export did not write are never touched"
    );
    std::fs::remove_file(&unrelated).unwrap();
    assert!(verify(&dir).unwrap().problems.is_empty());
}

#[test]
fn other_files_in_the_folder_are_kept_and_a_sub_folder_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    export(&request(&dir)).unwrap();
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    export(&request(&dir)).unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.join("notes.txt")).unwrap(),
        "mine"
    );
    std::fs::create_dir(dir.join("nested")).unwrap();
    let err = export(&request(&dir)).unwrap_err().to_string();
    assert!(
        err.contains("it holds folders that are not part of an export (nested)"),
        "{err}"
    );
    assert!(dir.join("nested").is_dir() && dir.join("notes.txt").is_file());
    let beside: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().flatten().collect();
    assert_eq!(
        beside.len(),
        1,
        "no staging folder is left beside the output folder"
    );
}

/// A `runtime_metrics.json` changed and indexed again matches its index, but `verify` still
/// reads it through the one reader: a gate verdict no writer would write is refused.
#[test]
fn verify_reads_the_report_back_even_when_the_index_vouches_for_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    export(&request(&dir)).unwrap();
    let report_path = dir.join("runtime_metrics.json");
    let text = std::fs::read_to_string(&report_path).unwrap();
    let forged = text.replacen("\"schema_version\": 1", "\"schema_version\": 7", 1);
    assert_ne!(forged, text, "the report starts with its schema_version");
    std::fs::write(&report_path, &forged).unwrap();
    let index_path = dir.join(INDEX_FILE_NAME);
    let mut index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&index_path).unwrap()).unwrap();
    for entry in index["artifacts"].as_array_mut().unwrap() {
        if entry["relative_path"] == "runtime_metrics.json" {
            let hex: String = Sha256::digest(forged.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            entry["sha256"] = serde_json::json!(hex);
            entry["size_bytes"] = serde_json::json!(forged.len());
        }
    }
    std::fs::write(&index_path, serde_json::to_string_pretty(&index).unwrap()).unwrap();
    assert!(
        verify(&dir).unwrap().problems.is_empty(),
        "the hashes match"
    );

    let o = std::process::Command::new(common::bin())
        .arg("verify")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = common::stderr(&o);
    assert!(
        err.contains("cannot be read back") && err.contains("schema_version"),
        "{err}"
    );
}

/// A folder (or a link) of the user's under the name of an export's file is the user's: the
/// export refuses to replace it and removes nothing, with or without a previous set.
#[test]
fn a_folder_named_like_an_artifact_is_refused_and_kept_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    export(&request(&dir)).unwrap();
    let before: Vec<Vec<u8>> = ARTIFACTS[..4]
        .iter()
        .map(|n| std::fs::read(dir.join(n)).unwrap())
        .collect();
    let index_before = std::fs::read(dir.join(INDEX_FILE_NAME)).unwrap();
    let mine = dir.join("runtime_metrics.md");
    std::fs::remove_file(&mine).unwrap();
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "mine").unwrap();

    let err = export(&request(&dir)).unwrap_err().to_string();
    assert!(
        err.contains(&format!("`{}`", mine.display()))
            && err.contains("it is a folder, not a file an export wrote"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(mine.join("notes.txt")).unwrap(),
        "mine",
        "the user's folder and its file are kept"
    );
    let after: Vec<Vec<u8>> = ARTIFACTS[..4]
        .iter()
        .map(|n| std::fs::read(dir.join(n)).unwrap())
        .collect();
    assert_eq!(before, after, "the previous set is untouched");
    assert_eq!(
        index_before,
        std::fs::read(dir.join(INDEX_FILE_NAME)).unwrap()
    );
    let beside: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().flatten().collect();
    assert_eq!(beside.len(), 1, "no staging folder is left");

    // Without a previous set: nothing is written, the folder stays.
    let fresh = tmp.path().join("fresh");
    std::fs::create_dir_all(fresh.join(INDEX_FILE_NAME)).unwrap();
    std::fs::write(fresh.join(INDEX_FILE_NAME).join("keep"), "mine").unwrap();
    let err = export(&request(&fresh)).unwrap_err().to_string();
    assert!(
        err.contains("it is a folder, not a file an export wrote"),
        "{err}"
    );
    let names: Vec<String> = std::fs::read_dir(&fresh)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, [INDEX_FILE_NAME], "no set is written");
    assert!(fresh.join(INDEX_FILE_NAME).join("keep").is_file());

    // A link under an artifact's name is not followed, replaced or removed either.
    #[cfg(unix)]
    {
        std::fs::remove_dir_all(&mine).unwrap();
        std::os::unix::fs::symlink(tmp.path().join("elsewhere"), &mine).unwrap();
        let err = export(&request(&dir)).unwrap_err().to_string();
        assert!(err.contains("it is a symbolic link"), "{err}");
        assert!(std::fs::symlink_metadata(&mine).unwrap().is_symlink());
    }
}
