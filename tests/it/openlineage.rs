//! `openlineage_events.json`: the CI job's RunEvent, valid against the vendored official
//! OpenLineage schemas and parsed by openlineage-python 1.54, written only when an input names
//! datasets.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::common::*;

/// Runs `openlineage_validate.py` (the spec and facet schemas, then openlineage-python) on the
/// files; its summary lines.
pub fn openlineage_accepts(paths: &[PathBuf]) -> Vec<Value> {
    let out = Command::new("python3")
        .arg(repo().join("tests/validators/openlineage_validate.py"))
        .args(paths)
        .output()
        .unwrap_or_else(|e| panic!("python3 is required: {e}"));
    assert!(
        out.status.success(),
        "the OpenLineage validators rejected the events (install with `pip install jsonschema rfc3986-validator==0.1.1 rfc3339-validator==0.1.4 openlineage-python==1.54.0`):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("validator summary"))
        .collect()
}

const OBJECTIVES: &str = "objectives:
  - metric: dpone_extracted_rows
    min: 100000
  - metric: dpone_duration_seconds
    max: 60
    severity: warning
  - metric: dpone_throughput_rows_per_second
    min: 1
    enforce: shadow
";

/// Exports the real success run report and the real lineage event in a GitHub job, with the
/// objectives above (the rows one fails); returns the events, the output folder and stderr.
fn export_failed(cwd: &Path, out: &str, extra: &[&str]) -> (Value, PathBuf, String) {
    std::fs::write(cwd.join("slo.yml"), OBJECTIVES).unwrap();
    let run = fixture("run-report/run_report_success_real.json");
    let lineage = fixture("lineage/FIXTURE-OK-001__openlineage.json");
    let o = Command::new(bin())
        .current_dir(cwd)
        .args(["metrics-export", "--output-dir", out, "--policy", "slo.yml"])
        .arg("--run-report")
        .arg(&run)
        .arg("--input")
        .arg(&lineage)
        .args(extra)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env_remove("TRACEPARENT")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_RUN_ID", "2202229078")
        .env("GITHUB_RUN_ATTEMPT", "2")
        .env("GITHUB_JOB", "gate")
        .env("GITHUB_WORKFLOW", "CI")
        .env("GITHUB_REPOSITORY", "octo-org/octo-repo")
        .env_remove("GITHUB_EVENT_PATH")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let dir = cwd.join(out);
    (
        read_json(&dir.join("openlineage_events.json")),
        dir,
        stderr(&o),
    )
}

fn uuid_v8_hex(seed: &str) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(seed.as_bytes());
    let mut b: Vec<u8> = d[..16].to_vec();
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

#[test]
fn a_failed_run_is_a_fail_event_valid_for_the_spec_and_the_client() {
    let tmp = tempfile::tempdir().unwrap();
    let (events, dir, _) = export_failed(tmp.path(), "o", &[]);
    let summary = openlineage_accepts(&[dir.join("openlineage_events.json")]);
    assert_eq!(summary[0]["events"], 1);
    assert_eq!(summary[0]["openlineage_python"], "1.54.0");
    let e = &events[0];
    assert_eq!(e["eventType"], "FAIL");
    assert_eq!(e["eventTime"], "2025-11-24T16:00:00.000000+00:00");
    assert_eq!(
        e["job"],
        json!({"namespace": "dpone.ci", "name": "CI/gate"})
    );
    // The run id: a UUIDv8 of repository, run id, attempt and job.
    let seed = "github/octo-org/octo-repo/2202229078/2/gate";
    assert_eq!(e["run"]["runId"], uuid_v8_hex(seed));
    let facets = &e["run"]["facets"];
    // The pipeline run the lineage input describes is the parent.
    assert_eq!(
        facets["parent"]["run"]["runId"],
        "5c0e41d5-db78-5d8b-9298-8be1de92535b"
    );
    assert_eq!(
        facets["parent"]["job"],
        json!({"namespace": "dpone.certification", "name": "orders_pg_to_pg"})
    );
    assert_eq!(facets["processing_engine"]["name"], "dpone-observability");
    let message = facets["errorMessage"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("slo.dpone_extracted_rows.below_min: "),
        "{message}"
    );
    // One test per gate: the failed blocking one, the passed warning one, the shadow one.
    let tests = facets["test"]["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 3, "{tests:?}");
    assert_eq!(
        tests[0],
        json!({"name": "slo.dpone_extracted_rows.below_min", "status": "fail", "severity": "error",
               "type": "objective_min", "expected": ">= 100000", "actual": "55000"})
    );
    assert_eq!(tests[1]["status"], "pass");
    assert_eq!(tests[1]["severity"], "warn");
    assert_eq!(tests[2]["severity"], "warn", "a shadow rule never blocks");
    // The datasets of the lineage input: the input and the output, each with the assertions;
    // the output with the rows the run loaded.
    assert_eq!(e["inputs"][0]["name"], "public.orders");
    let output = &e["outputs"][0];
    assert_eq!(
        (output["namespace"].as_str(), output["name"].as_str()),
        (Some("pg"), Some("landing.orders"))
    );
    assert_eq!(
        output["outputFacets"]["outputStatistics"]["rowCount"],
        25000
    );
    let assertions = output["facets"]["dataQualityAssertions"]["assertions"]
        .as_array()
        .unwrap();
    assert_eq!(assertions[0]["success"], false);
    assert_eq!(assertions.len(), 3);
    assert_eq!(
        e["inputs"][0]["inputFacets"]["dataQualityAssertions"],
        output["facets"]["dataQualityAssertions"]
    );
    // The index lists it; the same inputs give the same bytes.
    let index = read_json(&dir.join("metrics_index.json"));
    assert!(index["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["name"] == "openlineage_events.json" && a["artifact_type"] == "openlineage"));
    let (_, again, _) = export_failed(tmp.path(), "again", &[]);
    assert_eq!(
        std::fs::read(dir.join("openlineage_events.json")).unwrap(),
        std::fs::read(again.join("openlineage_events.json")).unwrap()
    );
    let verify = run_in(tmp.path(), &["verify", "o"]);
    assert_eq!(verify.status.code(), Some(0), "{}", stderr(&verify));
}

#[test]
fn the_namespace_is_a_setting_and_no_dataset_means_no_file() {
    let tmp = tempfile::tempdir().unwrap();
    let (events, _, _) = export_failed(tmp.path(), "o", &["--openlineage-namespace", "team.ci"]);
    assert_eq!(events[0]["job"]["namespace"], "team.ci");
    // Without a lineage input nothing names a dataset: no file, none in the index.
    let o = run_in(
        tmp.path(),
        &[
            "metrics-export",
            "--run-report",
            fixture("run-report/run_report_success_real.json")
                .to_str()
                .unwrap(),
            "--output-dir",
            "plain",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!tmp.path().join("plain/openlineage_events.json").exists());
    // The policy names datasets and the namespace; the flag wins over its namespace.
    std::fs::write(
        tmp.path().join("p.yml"),
        "openlineage:\n  namespace: policy.ci\n  outputs:\n    - {namespace: pg, name: landing.orders}\n",
    )
    .unwrap();
    let run = fixture("run-report/run_report_success_real.json");
    for (out, extra, want) in [
        ("pol", None, "policy.ci"),
        ("flag", Some("flag.ci"), "flag.ci"),
    ] {
        let mut args = vec![
            "metrics-export",
            "--run-report",
            run.to_str().unwrap(),
            "--policy",
            "p.yml",
            "--output-dir",
            out,
        ];
        if let Some(ns) = extra {
            args.extend(["--openlineage-namespace", ns]);
        }
        let o = run_in(tmp.path(), &args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let path = tmp.path().join(out).join("openlineage_events.json");
        let events = read_json(&path);
        assert_eq!(events[0]["eventType"], "COMPLETE");
        assert_eq!(events[0]["job"]["namespace"], want);
        assert_eq!(events[0]["outputs"][0]["name"], "landing.orders");
        assert!(
            events[0]["run"]["facets"].get("parent").is_none(),
            "no pipeline run named"
        );
        openlineage_accepts(&[path]);
    }
    // Forced with `lineage=`, a file of another kind is said so.
    let forced = format!(
        "lineage={}",
        fixture("run-report/run_report_success_real.json").display()
    );
    let o = run_in(
        tmp.path(),
        &["metrics-export", "--input", &forced, "--output-dir", "f"],
    );
    assert!(
        stderr(&o).contains("was read as `lineage` but has none of that kind's fields"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_validators_reject_an_event_the_spec_does_not_allow() {
    let tmp = tempfile::tempdir().unwrap();
    let (events, _, _) = export_failed(tmp.path(), "o", &[]);
    type Break = fn(&mut Value);
    let breaks: [(&str, Break); 5] = [
        ("producer", |e| e["producer"] = json!("not a uri")),
        ("eventTime", |e| e["eventTime"] = json!("yesterday")),
        ("runId", |e| e["run"]["runId"] = json!("nope")),
        ("parent", |e| {
            e["run"]["facets"]["parent"]["run"]["runId"] = json!("nope")
        }),
        ("_schemaURL", |e| {
            e["run"]["facets"]["test"]["_schemaURL"] = json!("a b")
        }),
    ];
    for (what, break_it) in breaks {
        let mut broken = events.clone();
        break_it(&mut broken[0]);
        let path = tmp.path().join(format!("{what}.json"));
        std::fs::write(&path, broken.to_string()).unwrap();
        let out = Command::new("python3")
            .arg(repo().join("tests/validators/openlineage_validate.py"))
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{what} was accepted");
    }
}

/// Exports the real run report with `extra` arguments in `cwd`; the exit status and stderr.
fn export_with(cwd: &Path, out: &str, extra: &[&str]) -> (Option<i32>, String) {
    let run = fixture("run-report/run_report_success_real.json");
    let mut args = vec![
        "metrics-export",
        "--run-report",
        run.to_str().unwrap(),
        "--output-dir",
        out,
    ];
    args.extend(extra);
    let o = run_in(cwd, &args);
    (o.status.code(), stderr(&o))
}

#[test]
fn policy_datasets_are_read_as_lineage_inputs_are_trimmed_empty_left_out_once() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("p.yml"),
        "openlineage:\n  outputs:\n    - {namespace: '', name: ' '}\n    - {namespace: pg, name: ''}\n    - {namespace: pg, name: 'landing.orders '}\n    - {namespace: ' pg', name: landing.orders}\n    - {namespace: pg, name: \"a\\u0000b\\n::error::x <b>h</b>\"}\n",
    )
    .unwrap();
    let (code, err) = export_with(tmp.path(), "o", &["--policy", "p.yml"]);
    assert_eq!(code, Some(0), "{err}");
    let path = tmp.path().join("o/openlineage_events.json");
    let events = read_json(&path);
    let names: Vec<(&str, &str)> = events[0]["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["namespace"].as_str().unwrap(),
                d["name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("pg", "a\u{0}b\n::error::x <b>h</b>"),
            ("pg", "landing.orders")
        ]
    );
    openlineage_accepts(&[path]);
}

/// A lineage event naming `n` output datasets.
fn lineage_naming(n: usize) -> Value {
    let outputs: Vec<Value> = (0..n)
        .map(|i| json!({"namespace": "pg", "name": format!("s.t{i}")}))
        .collect();
    json!({"eventType": "COMPLETE", "eventTime": "2025-01-01T00:00:00Z", "producer": "p",
        "run": {"runId": "5c0e41d5-db78-5d8b-9298-8be1de92535b"},
        "job": {"namespace": "dpone", "name": "orders"}, "inputs": [], "outputs": outputs})
}

#[test]
fn more_datasets_than_the_cap_are_refused_with_a_blocker_not_amplified() {
    use dpone_observability::observability::sources::lineage::MAX_DATASETS;
    let tmp = tempfile::tempdir().unwrap();
    let write = |name: &str, n: usize| {
        let text = serde_json::to_string(&lineage_naming(n)).unwrap();
        std::fs::write(tmp.path().join(name), text).unwrap();
    };
    write("full.json", MAX_DATASETS);
    write("over.json", MAX_DATASETS + 1);
    write("one.json", 1);
    std::fs::write(tmp.path().join("slo.yml"), OBJECTIVES).unwrap();
    // At the cap: every dataset is named, each with the gates' assertions.
    let (code, err) = export_with(
        tmp.path(),
        "full",
        &["--policy", "slo.yml", "--input", "lineage=full.json"],
    );
    assert_eq!(code, Some(1), "{err}");
    let events = read_json(&tmp.path().join("full/openlineage_events.json"));
    assert_eq!(events[0]["outputs"].as_array().unwrap().len(), MAX_DATASETS);
    // Over it, alone or with another input: that input is refused, said so, and not used.
    for (out, inputs) in [
        ("over", vec!["lineage=over.json"]),
        ("sum", vec!["lineage=full.json", "lineage=one.json"]),
    ] {
        let mut args = vec!["--policy", "slo.yml"];
        for input in &inputs {
            args.extend(["--input", input]);
        }
        let (code, err) = export_with(tmp.path(), out, &args);
        assert_eq!(code, Some(1), "{err}");
        assert!(
            err.contains("error[input.unreadable]") && err.contains("datasets"),
            "{err}"
        );
        let report = read_json(&tmp.path().join(out).join("runtime_metrics.json"));
        assert!(report["blockers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b == "input.unreadable"));
        let file = tmp.path().join(out).join("openlineage_events.json");
        let named = if file.exists() {
            read_json(&file)[0]["outputs"].as_array().unwrap().len()
        } else {
            0
        };
        assert!(named <= MAX_DATASETS, "{out}: {named}");
    }
    // The policy's datasets are capped the same way: a usage error.
    let many: String = (0..=MAX_DATASETS)
        .map(|i| format!("    - {{namespace: pg, name: t{i}}}\n"))
        .collect();
    std::fs::write(
        tmp.path().join("many.yml"),
        format!("openlineage:\n  outputs:\n{many}"),
    )
    .unwrap();
    let (code, err) = export_with(tmp.path(), "many", &["--policy", "many.yml"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("openlineage") && err.contains("datasets"),
        "{err}"
    );
}

#[test]
fn more_assertions_than_the_cap_is_a_usage_error_before_anything_is_written() {
    use dpone_observability::observability::openlineage::MAX_ASSERTIONS;
    use dpone_observability::observability::sources::lineage::MAX_DATASETS;
    let tmp = tempfile::tempdir().unwrap();
    let text = serde_json::to_string(&lineage_naming(MAX_DATASETS)).unwrap();
    std::fs::write(tmp.path().join("full.json"), text).unwrap();
    // Every dataset carries every gate's assertion: one gate more than the cap allows.
    let gates = MAX_ASSERTIONS / MAX_DATASETS + 1;
    let objectives: String = (0..gates)
        .map(|i| format!("  - {{metric: dpone_extracted_rows, min: {i}}}\n"))
        .collect();
    std::fs::write(
        tmp.path().join("many.yml"),
        format!("objectives:\n{objectives}"),
    )
    .unwrap();
    let args = ["--policy", "many.yml", "--input", "lineage=full.json"];
    let (code, err) = export_with(tmp.path(), "o", &args);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("openlineage_events.json") && err.contains("assertions"),
        "{err}"
    );
    assert!(!tmp.path().join("o").exists(), "nothing is written");
    // At the cap, the file is written.
    let objectives: String = (0..gates - 1)
        .map(|i| format!("  - {{metric: dpone_extracted_rows, min: {i}}}\n"))
        .collect();
    std::fs::write(
        tmp.path().join("cap.yml"),
        format!("objectives:\n{objectives}"),
    )
    .unwrap();
    let args = ["--policy", "cap.yml", "--input", "lineage=full.json"];
    let (code, err) = export_with(tmp.path(), "c", &args);
    assert_eq!(code, Some(0), "{err}");
    assert!(tmp.path().join("c/openlineage_events.json").exists());
}

#[cfg(feature = "push")]
mod transport {
    use super::*;
    use crate::standin::{Reply, Request, StandIn};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    const KEY: &str = "ol-key-3f9a1c7e5b";

    /// A stand-in answering each request with the next status of `script` (then 201).
    fn stand_in(script: Vec<u16>) -> StandIn {
        let next = Arc::new(AtomicUsize::new(0));
        StandIn::start(move |_: &Request| {
            let i = next.fetch_add(1, Ordering::SeqCst);
            let status = script.get(i).copied().unwrap_or(201);
            // A server that echoes what it was sent: the key must not reach the output.
            Reply::Send(status, vec![], format!("echo: Bearer {KEY}").into_bytes())
        })
    }

    fn push(cwd: &Path, dir: &Path, url: &str, extra: &[&str], key: bool) -> std::process::Output {
        let mut cmd = Command::new(bin());
        cmd.current_dir(cwd)
            .arg("push")
            .arg(dir)
            .args(["--openlineage-url", url])
            .args(extra)
            .env("DPONE_OBSERVABILITY_RETRY_BASE_MS", "10")
            .env_remove("GITHUB_ACTIONS")
            .env_remove("OPENLINEAGE_URL");
        if key {
            cmd.env("OPENLINEAGE_API_KEY", KEY);
        } else {
            cmd.env_remove("OPENLINEAGE_API_KEY");
        }
        cmd.output().unwrap()
    }

    fn no_key_anywhere(o: &std::process::Output, dir: &Path) {
        let all = format!("{}{}", stdout(o), stderr(o));
        assert!(!all.contains(KEY), "the API key was printed: {all}");
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let text = std::fs::read(entry.path()).unwrap();
            assert!(!String::from_utf8_lossy(&text).contains(KEY));
        }
    }

    #[test]
    fn events_are_posted_with_the_bearer_key_and_retried_on_5xx_and_429() {
        let tmp = tempfile::tempdir().unwrap();
        let (events, dir, _) = export_failed(tmp.path(), "o", &[]);
        let server = stand_in(vec![503, 429]);
        let o = push(tmp.path(), &dir, &server.url, &["--retries", "2"], true);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let requests = server.take();
        assert_eq!(requests.len(), 3, "two refusals retried, then accepted");
        for r in &requests {
            assert_eq!(
                (r.method.as_str(), r.path.as_str()),
                ("POST", "/api/v1/lineage")
            );
            assert_eq!(r.header("content-type"), Some("application/json"));
            assert_eq!(
                r.header("authorization"),
                Some(format!("Bearer {KEY}").as_str())
            );
            assert!(r
                .header("user-agent")
                .unwrap()
                .starts_with("dpone-observability/"));
            let sent: Value = serde_json::from_slice(&r.body).unwrap();
            assert_eq!(sent, events[0]);
        }
        let err = stderr(&o);
        assert!(
            err.contains("push to openlineage `"),
            "the progress line: {err}"
        );
        assert!(stdout(&o).contains("openlineage "), "{}", stdout(&o));
        no_key_anywhere(&o, &dir);
        // The URL may end in the path already; without a key there is no Authorization.
        let server = stand_in(vec![]);
        let url = format!("{}/api/v1/lineage", server.url);
        let o = push(tmp.path(), &dir, &url, &[], false);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let requests = server.take();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].path, "/api/v1/lineage");
        assert_eq!(requests[0].header("authorization"), None);
    }

    #[test]
    fn a_4xx_is_not_retried_and_fails_the_push_without_the_key() {
        let tmp = tempfile::tempdir().unwrap();
        let (_, dir, _) = export_failed(tmp.path(), "o", &[]);
        let server = stand_in(vec![400]);
        std::fs::write(tmp.path().join("p.yml"), "blockers: {push.failed: error}\n").unwrap();
        let o = push(tmp.path(), &dir, &server.url, &["--policy", "p.yml"], true);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(stderr(&o).contains("push.failed"), "{}", stderr(&o));
        // One request: a 400 is final.
        assert_eq!(server.take().len(), 1);
        no_key_anywhere(&o, &dir);
    }

    #[test]
    fn a_redirect_is_not_followed_and_the_key_never_reaches_its_target() {
        let tmp = tempfile::tempdir().unwrap();
        let (_, dir, _) = export_failed(tmp.path(), "o", &[]);
        let elsewhere = stand_in(vec![]);
        for status in [301, 302, 307, 308] {
            let location = format!("{}/api/v1/lineage", elsewhere.url);
            let server = StandIn::start(move |_: &Request| {
                Reply::Send(status, vec![("location".into(), location.clone())], vec![])
            });
            let o = push(tmp.path(), &dir, &server.url, &[], true);
            let err = stderr(&o);
            assert!(
                err.contains("push.failed") && err.contains(&format!("HTTP {status}")),
                "{status}: {err}"
            );
            assert_eq!(server.take().len(), 1, "{status}: a 3xx is final");
            no_key_anywhere(&o, &dir);
        }
        assert!(elsewhere.take().is_empty(), "a redirect was followed");
    }

    #[test]
    fn a_server_that_never_answers_times_out_and_a_folder_without_events_is_a_note() {
        let tmp = tempfile::tempdir().unwrap();
        let (_, dir, _) = export_failed(tmp.path(), "o", &[]);
        let server = StandIn::start(|_: &Request| Reply::Hang);
        let o = push(
            tmp.path(),
            &dir,
            &server.url,
            &["--timeout", "0.5", "--retries", "1"],
            true,
        );
        let err = stderr(&o);
        assert!(
            err.contains("no response within 0.5 s (timeout) (after 2 attempts)"),
            "{err}"
        );
        assert_eq!(server.requests().len(), 2);
        no_key_anywhere(&o, &dir);
        // `env` reads OPENLINEAGE_URL; a folder without events sends nothing and says why.
        let plain = run_in(
            tmp.path(),
            &[
                "metrics-export",
                "--run-report",
                fixture("run-report/run_report_success_real.json")
                    .to_str()
                    .unwrap(),
                "--output-dir",
                "plain",
            ],
        );
        assert_eq!(plain.status.code(), Some(0));
        let server = stand_in(vec![]);
        let o = Command::new(bin())
            .current_dir(tmp.path())
            .args(["push", "plain", "--openlineage-url", "env"])
            .env("OPENLINEAGE_URL", &server.url)
            .env_remove("GITHUB_ACTIONS")
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("OpenLineage events not sent"),
            "{}",
            stderr(&o)
        );
        assert!(server.requests().is_empty());
    }

    /// The action: the run folder's events go out after the summary; the key from the step's
    /// environment is masked (the one line naming it is `::add-mask::`) and written nowhere,
    /// even when the endpoint echoes it.
    #[test]
    fn the_action_sends_the_events_and_masks_the_key() {
        use dpone_observability::github::inputs::INPUTS;
        let tmp = tempfile::tempdir().unwrap();
        let workspace = tmp.path().join("workspace");
        let files = tmp.path().join("files");
        std::fs::create_dir_all(&workspace).unwrap();
        std::fs::create_dir_all(&files).unwrap();
        std::fs::copy(
            fixture("run-report/run_report_success_real.json"),
            workspace.join("run_report.json"),
        )
        .unwrap();
        std::fs::copy(
            fixture("lineage/FIXTURE-OK-001__openlineage.json"),
            workspace.join("lineage.json"),
        )
        .unwrap();
        let server = stand_in(vec![500]);
        let mut cmd = Command::new(bin());
        cmd.arg("action")
            .current_dir(&workspace)
            .env_clear()
            .env("SOURCE_DATE_EPOCH", EPOCH)
            .env("DPONE_OBSERVABILITY_RETRY_BASE_MS", "10");
        for (name, default, _) in INPUTS {
            cmd.env(format!("INPUT_{}", name.to_uppercase()), default);
        }
        let o = cmd
            .env("INPUT_RUN-REPORT", "run_report.json")
            .env("INPUT_INPUTS", "lineage.json")
            .env("INPUT_GITHUB-TOKEN", "")
            .env("INPUT_PR-STATUS", "none")
            .env("INPUT_OPENLINEAGE-URL", &server.url)
            .env("OPENLINEAGE_API_KEY", KEY)
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_RUN_ID", "77")
            .env("GITHUB_RUN_ATTEMPT", "1")
            .env("GITHUB_JOB", "gate")
            .env("GITHUB_WORKFLOW", "CI")
            .env("GITHUB_REPOSITORY", "octo-org/octo-repo")
            .env("GITHUB_WORKSPACE", &workspace)
            .env("GITHUB_STEP_SUMMARY", files.join("summary"))
            .env("GITHUB_OUTPUT", files.join("output"))
            .output()
            .unwrap();
        let (out, err) = (stdout(&o), stderr(&o));
        assert_eq!(o.status.code(), Some(0), "{out}{err}");
        assert_eq!(
            out.matches(KEY).count(),
            1,
            "only the mask line names it: {out}"
        );
        assert!(out.contains(&format!("::add-mask::{KEY}")), "{out}");
        assert!(!err.contains(KEY), "{err}");
        assert!(out.contains("::group::push to openlineage"), "{out}");
        let requests = server.take();
        assert_eq!(requests.len(), 2, "a 500, retried, then accepted");
        let sent: Value = serde_json::from_slice(&requests[1].body).unwrap();
        assert_eq!(
            sent["job"],
            json!({"namespace": "dpone.ci", "name": "CI/gate"})
        );
        assert_eq!(
            requests[1].header("authorization"),
            Some(format!("Bearer {KEY}").as_str())
        );
        // Nothing the step wrote holds the key.
        let mut stack = vec![tmp.path().to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let text = std::fs::read(&path).unwrap();
                    assert!(
                        !String::from_utf8_lossy(&text).contains(KEY),
                        "{} holds the key",
                        path.display()
                    );
                }
            }
        }
        let summary = std::fs::read_to_string(files.join("summary")).unwrap();
        assert!(summary.contains("openlineage"), "{summary}");
    }
}
