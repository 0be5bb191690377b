//! Hostile input for `pack` (issue 28, "`pack` escapes like a compiler"): label names that are
//! not Prometheus names, label values built to break out of their PromQL string, Go template
//! text, control characters (DEL, NUL, C1, U+2028) and bounds beyond 2^53. Each case is proved
//! with promtool on test files written here by hand, not by the pack's own generator.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

type Json = serde_json::Value;

/// A label value that closes its string and matcher and adds `or vector(1)` (an alert that
/// always fires), with a backslash, newline, tab, DEL, NUL, NEL (U+0085) and U+2028.
const HOSTILE: &str = "x\"} or vector(1) or {a=\"\\ \n\t\u{7f}\u{0}\u{85}\u{2028}";

/// The same value as PromQL writes it, by hand: Go's escapes, control characters as `\uHHHH`.
const HOSTILE_PROMQL: &str =
    "x\\\"} or vector(1) or {a=\\\"\\\\ \\n\\t\\u007f\\u0000\\u0085\u{2028}";

/// A YAML double-quoted scalar, by hand: JSON's escapes plus those YAML needs (DEL, C1 and the
/// line and paragraph separators are not printable YAML).
fn yaml(text: &str) -> String {
    serde_json::to_string(text)
        .unwrap()
        .replace('\u{7f}', "\\u007f")
        .replace('\u{85}', "\\u0085")
        .replace('\u{2028}', "\\u2028")
}

/// `pack` with `args` in `dir`, into `dir/pack`.
fn run_pack(dir: &Path, args: &[&str]) -> (std::process::Output, PathBuf) {
    let out = dir.join("pack");
    let mut all = vec!["pack", "--output-dir", out.to_str().unwrap()];
    all.extend_from_slice(args);
    (run_in(dir, &all), out)
}

/// `pack` of a policy file holding `policy` (YAML), which must succeed.
fn pack_of(dir: &Path, policy: &str, args: &[&str]) -> PathBuf {
    let file = dir.join("policy.yml");
    std::fs::write(&file, policy).unwrap();
    let mut all = vec!["--policy", file.to_str().unwrap()];
    all.extend_from_slice(args);
    let (o, out) = run_pack(dir, &all);
    assert_eq!(o.status.code(), Some(0), "pack {all:?}: {}", stderr(&o));
    out
}

/// Runs promtool in `dir`; its success and output.
fn promtool(dir: &Path, args: &[&str]) -> (bool, String) {
    let o = Command::new("promtool")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("promtool is required (Debian package `prometheus`): {e}"));
    (o.status.success(), format!("{}{}", stdout(&o), stderr(&o)))
}

/// promtool checks the rules and runs the pack's own tests, and then `tests` (written here).
fn promtool_passes(pack: &Path, tests: &str) {
    let rules = std::fs::read_to_string(pack.join("prometheus_alerts.yml")).unwrap();
    for args in [
        &["check", "rules", "prometheus_alerts.yml"][..],
        &["test", "rules", "prometheus_alerts_test.yml"],
    ] {
        let (ok, out) = promtool(pack, args);
        assert!(ok, "promtool {args:?}:\n{out}\n--- rules ---\n{rules}");
    }
    std::fs::write(pack.join("hostile_test.yml"), tests).unwrap();
    let (ok, out) = promtool(pack, &["test", "rules", "hostile_test.yml"]);
    assert!(ok, "{out}\n--- tests ---\n{tests}\n--- rules ---\n{rules}");
}

/// An alert's `runbook_url` as the rules file has it (not input here).
fn runbook_url(pack: &Path, alert: &str) -> String {
    let text = std::fs::read_to_string(pack.join("prometheus_alerts.yml")).unwrap();
    let doc: Json = serde_saphyr::from_str(&text).unwrap();
    doc["groups"][0]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["alert"] == alert)
        .and_then(|r| r["annotations"]["runbook_url"].as_str())
        .unwrap_or_else(|| panic!("no {alert} in {text}"))
        .to_string()
}

/// One `alert_rule_test` case at 5m of `series` (single-quoted YAML), expecting `fires`
/// (labels and annotations as YAML lines) or nothing.
fn case(series: &[(&str, &str)], alert: &str, fires: Option<&str>) -> String {
    let mut out = "  - interval: 1m\n    input_series:\n".to_string();
    for (name, values) in series {
        out.push_str(&format!(
            "      - series: '{}'\n        values: \"{values}\"\n",
            name.replace('\'', "''")
        ));
    }
    out.push_str(&format!(
        "    alert_rule_test:\n      - eval_time: 5m\n        alertname: {alert}\n"
    ));
    match fires {
        None => out.push_str("        exp_alerts: []\n"),
        Some(alert) => out.push_str(&format!("        exp_alerts:\n{alert}")),
    }
    out
}

fn tests_file(cases: &[String]) -> String {
    format!(
        "rule_files: [prometheus_alerts.yml]\nevaluation_interval: 1m\ntests:\n{}",
        cases.concat()
    )
}

/// An expected alert's labels and annotations, each value already YAML.
fn expected(labels: &[(&str, String)], annotations: &[(&str, String)]) -> String {
    let mut out = "          - exp_labels:\n".to_string();
    for (k, v) in labels {
        out.push_str(&format!("              {k}: {v}\n"));
    }
    out.push_str("            exp_annotations:\n");
    for (k, v) in annotations {
        out.push_str(&format!("              {k}: {v}\n"));
    }
    out
}

#[test]
fn a_label_name_that_is_not_a_prometheus_name_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    for name in [
        // Today's injection: the name closes the selector, `or vector(1)` always fires.
        "process=\"x\"} or vector(1) or up{a",
        "1process",
        "pro-cess",
        "prozeß",
        "",
        "__name__",
    ] {
        let objectives = format!(
            "objectives:\n  - metric: lag_seconds\n    labels: {{{}: b}}\n    max: 60\n",
            yaml(name)
        );
        std::fs::write(tmp.path().join("o.yml"), &objectives).unwrap();
        let (o, out) = run_pack(tmp.path(), &["--policy", "o.yml"]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{name:?}: {err}");
        assert!(
            err.contains("label name") && err.contains(&format!("{name:?}")),
            "{name:?}: {err}"
        );
        assert!(!out.exists(), "{name:?}: a pack was written");
    }
}

#[test]
fn an_empty_label_value_is_refused() {
    // PromQL reads `{env=""}` as "no env label": not what the gate compares.
    let tmp = tempfile::tempdir().unwrap();
    let policy = "objectives:\n  - metric: lag_seconds\n    labels: {env: \"\"}\n    max: 60\n";
    std::fs::write(tmp.path().join("o.yml"), policy).unwrap();
    let (o, out) = run_pack(tmp.path(), &["--policy", "o.yml"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("the label \"env\" has an empty value"),
        "{err}"
    );
    assert!(!out.exists());
    let (o, out) = run_pack(
        tmp.path(),
        &["--source", "pushgateway", "--pushgateway-job", ""],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("the Pushgateway job is empty"), "{err}");
    assert!(!out.exists());
}

#[test]
fn an_objective_label_named_severity_yields_to_the_rule_label() {
    // Prometheus sets the rule's `severity` over the series' own; the pack's tests expect so.
    let tmp = tempfile::tempdir().unwrap();
    let pack = pack_of(
        tmp.path(),
        "objectives:\n  - metric: lag_seconds\n    labels: {severity: page}\n    max: 60\n",
        &["--source", "pushgateway"],
    );
    let alert = "DponeLagSecondsAboveMax";
    let series = "dpone_lag_seconds{severity=\"page\"}";
    let description = format!(
        "{series} is 61, above the objective's max 60 that {} line 2 sets.",
        tmp.path().join("policy.yml").display()
    );
    let fires = expected(
        &[("severity", yaml("error"))],
        &[
            (
                "summary",
                yaml("dpone_lag_seconds above its objective's max 60"),
            ),
            ("description", yaml(&description)),
            ("runbook_url", yaml(&runbook_url(&pack, alert))),
        ],
    );
    let cases = [case(&[(series, "61x10")], alert, Some(&fires))];
    promtool_passes(&pack, &tests_file(&cases));
}

#[test]
fn a_hostile_label_value_cannot_make_an_alert_fire_and_stays_exact() {
    let tmp = tempfile::tempdir().unwrap();
    let policy = format!(
        "objectives:\n  - metric: lag_seconds\n    labels: {{process: {}}}\n    max: 60\n",
        yaml(HOSTILE)
    );
    for source in ["pushgateway", "remote-write"] {
        let dir = tmp.path().join(source);
        std::fs::create_dir(&dir).unwrap();
        let pack = pack_of(&dir, &policy, &["--source", source]);
        let alert = "DponeLagSecondsAboveMax";
        let hostile = format!("dpone_lag_seconds{{process=\"{HOSTILE_PROMQL}\"}}");
        let other = "dpone_lag_seconds{process=\"x\"}";
        let description = format!(
            "{hostile} is 61, above the objective's max 60 that {} line 2 sets.",
            dir.join("policy.yml").display()
        );
        let fires = expected(
            &[("process", yaml(HOSTILE)), ("severity", yaml("error"))],
            &[
                (
                    "summary",
                    yaml("dpone_lag_seconds above its objective's max 60"),
                ),
                ("description", yaml(&description)),
                ("runbook_url", yaml(&runbook_url(&pack, alert))),
            ],
        );
        let cases = [
            // Another process far past the bound and the hostile one on it: nothing fires.
            case(&[(other, "900x10"), (&hostile, "60x10")], alert, None),
            // Nothing at all: nothing fires (`or vector(1)` would).
            case(&[], alert, None),
            // The hostile series itself past the bound: it fires, its value exact.
            case(&[(&hostile, "61x10"), (other, "1x10")], alert, Some(&fires)),
        ];
        promtool_passes(&pack, &tests_file(&cases));
    }
}

#[test]
fn template_text_in_the_input_stays_literal_in_the_annotations() {
    let tmp = tempfile::tempdir().unwrap();
    // Go template text in a label value (a lone `{{` and a trailing `{` too) and in the name
    // of the policy's folder, which the description names.
    let value = "{{ .Labels }}{{ 1 }} {{{ {";
    let folder = tmp.path().join("{{ 7 }}");
    std::fs::create_dir(&folder).unwrap();
    let policy = folder.join("policy.yml");
    std::fs::write(
        &policy,
        format!(
            "objectives:\n  - metric: lag_seconds\n    labels: {{process: {}}}\n    max: 60\n",
            yaml(value)
        ),
    )
    .unwrap();
    let (o, pack) = run_pack(tmp.path(), &["--policy", policy.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let alert = "DponeLagSecondsAboveMax";
    let series = format!("dpone_lag_seconds{{process=\"{value}\"}}");
    let description = format!(
        "{series} is 61, above the objective's max 60 that {} line 2 sets.",
        policy.display()
    );
    let fires = expected(
        &[("process", yaml(value)), ("severity", yaml("error"))],
        &[
            (
                "summary",
                yaml("dpone_lag_seconds above its objective's max 60"),
            ),
            ("description", yaml(&description)),
            ("runbook_url", yaml(&runbook_url(&pack, alert))),
        ],
    );
    let cases = [case(&[(&series, "61x10")], alert, Some(&fires))];
    promtool_passes(&pack, &tests_file(&cases));
}

#[test]
fn a_hostile_pushgateway_job_stays_one_label_value() {
    let tmp = tempfile::tempdir().unwrap();
    let job = "dpone\u{7f}\"} or vector(1) or {a=\"";
    let pack = pack_of(
        tmp.path(),
        "objectives:\n  - metric: lag_seconds\n    max: 60\n",
        &["--source", "pushgateway", "--pushgateway-job", job],
    );
    // A push of another job a day old: no alert (the job's selector matches only itself).
    let stale = "push_time_seconds{job=\"dpone\",process=\"orders\"}";
    let cases = [case(&[(stale, "0x1500")], "DponeNoFreshRun", None)];
    let tests = tests_file(&cases).replace("eval_time: 5m", "eval_time: 1500m");
    promtool_passes(&pack, &tests);
}

#[test]
fn bounds_from_2_to_the_53_on_are_refused_and_below_it_written_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    for (bound, key) in [
        ("9007199254740993", "max"),
        ("9007199254740992", "max"),
        ("-9007199254740992", "min"),
        ("1e300", "max"),
    ] {
        let objectives = format!("objectives:\n  - metric: lag_seconds\n    {key}: {bound}\n");
        std::fs::write(tmp.path().join("o.yml"), &objectives).unwrap();
        let (o, out) = run_pack(tmp.path(), &["--policy", "o.yml"]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{bound}: {err}");
        assert!(err.contains("lag_seconds") && err.contains("2^53"), "{err}");
        assert!(!out.exists(), "{bound}: a pack was written");
    }
    // The largest integers below 2^53 are written as they are, and their tests pass.
    let pack = pack_of(
        tmp.path(),
        "objectives:\n  - metric: lag_seconds\n    max: 9007199254740991\n    min: -9007199254740991\n  - metric: extracted_rows\n    max: 0.1\n",
        &["--source", "pushgateway"],
    );
    let rules = std::fs::read_to_string(pack.join("prometheus_alerts.yml")).unwrap();
    for expr in [
        "dpone_lag_seconds > 9007199254740991",
        "dpone_lag_seconds < -9007199254740991",
        "dpone_extracted_rows > 0.1",
    ] {
        assert!(
            rules.contains(&format!("expr: \"{expr}\"")),
            "{expr}:\n{rules}"
        );
    }
    let holds = case(
        &[("dpone_lag_seconds", "9007199254740991x10")],
        "DponeLagSecondsAboveMax",
        None,
    );
    promtool_passes(&pack, &tests_file(&[holds]));
}
