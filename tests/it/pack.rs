//! `pack`: the generated rules checked and unit-tested by promtool for every objective shape and
//! both transports; then (with `push`) loaded into a real Prometheus on 127.0.0.1, fed a real
//! breaching and a real passing export by `push` (remote-write, and a scraped Pushgateway),
//! read back through `/api/v1/alerts` and `/api/v1/rules`, and every dashboard query run
//! against the data.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

type Json = serde_json::Value;

/// Every objective shape: a min, a max, both on one metric, label matchers, a glob over
/// catalogued metrics (and a max of 1e6, which `{{ $value }}` prints as Go does: `1e+06`).
const SHAPES: &str = "objectives:
  - metric: dpone_extracted_rows
    min: 1
  - metric: dpone_duration_seconds
    max: 60
  - metric: dpone_final_rows
    min: 1
    max: 1000000
  - metric: dpone_duration_seconds
    labels: {process: orders_pg_to_pg}
    max: 30
    severity: warning
  - metric: 'dpone_*_count'
    max: 5
";

/// dpone's `--objectives-json` format: a bare number is a max.
const OBJECTIVES_JSON: &str =
    r#"{"duration_seconds": 60, "throughput_rows_per_second": {"min": 1000}}"#;

fn example_policy() -> PathBuf {
    repo().join("examples/dpone-observability.yml")
}

/// Runs `pack` into `dir/name`.
fn pack(
    dir: &Path,
    name: &str,
    policy: &Path,
    objectives: Option<&str>,
    source: &str,
    window: &str,
) -> PathBuf {
    let out = dir.join(name);
    let mut args = vec![
        "pack",
        "--policy",
        policy.to_str().unwrap(),
        "--source",
        source,
        "--window",
        window,
        "--output-dir",
        out.to_str().unwrap(),
    ];
    if let Some(objectives) = objectives {
        args.extend(["--objectives", objectives]);
    }
    let o = run_in(dir, &args);
    assert_eq!(o.status.code(), Some(0), "pack {args:?}: {}", stderr(&o));
    out
}

fn yaml(path: &Path) -> Json {
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The alerting rules (name → expr) and the recording rules' names of a pack.
fn rules_of(pack: &Path) -> (BTreeMap<String, String>, Vec<String>) {
    let doc = yaml(&pack.join("prometheus_alerts.yml"));
    let mut alerts = BTreeMap::new();
    let mut records = Vec::new();
    for group in doc["groups"].as_array().unwrap() {
        for rule in group["rules"].as_array().unwrap() {
            let expr = rule["expr"].as_str().unwrap().to_string();
            if let Some(name) = rule["alert"].as_str() {
                assert!(
                    alerts.insert(name.to_string(), expr).is_none(),
                    "{name} twice"
                );
            } else {
                records.push(rule["record"].as_str().unwrap().to_string());
            }
        }
    }
    (alerts, records)
}

fn promtool(pack: &Path, args: &[&str]) {
    let o = Command::new("promtool")
        .args(args)
        .current_dir(pack)
        .output()
        .unwrap_or_else(|e| panic!("promtool is required (Debian package `prometheus`): {e}"));
    assert!(
        o.status.success(),
        "promtool {args:?} in {}:\n{}{}",
        pack.display(),
        stdout(&o),
        stderr(&o)
    );
}

/// Every alert of the rules has a test case where it fires and one where it does not, every
/// test names an alert of the rules, and every recording rule has an expression test.
fn assert_tests_cover(pack: &Path) -> BTreeMap<String, String> {
    let (alerts, records) = rules_of(pack);
    let tests = yaml(&pack.join("prometheus_alerts_test.yml"));
    let mut firing: BTreeMap<String, usize> = BTreeMap::new();
    let mut quiet: BTreeMap<String, usize> = BTreeMap::new();
    let mut exprs = BTreeSet::new();
    for test in tests["tests"].as_array().unwrap() {
        for case in test["alert_rule_test"].as_array().into_iter().flatten() {
            let name = case["alertname"].as_str().unwrap().to_string();
            assert!(alerts.contains_key(&name), "a test of no rule: {name}");
            let expected = case["exp_alerts"].as_array().map_or(0, Vec::len);
            *if expected > 0 {
                &mut firing
            } else {
                &mut quiet
            }
            .entry(name)
            .or_default() += 1;
        }
        for case in test["promql_expr_test"].as_array().into_iter().flatten() {
            exprs.insert(case["expr"].as_str().unwrap().to_string());
        }
    }
    for name in alerts.keys() {
        assert!(
            firing.get(name).copied().unwrap_or(0) >= 1,
            "{}: no test where {name} fires",
            pack.display()
        );
        assert!(
            quiet.get(name).copied().unwrap_or(0) >= 1,
            "{}: no test where {name} stays quiet",
            pack.display()
        );
    }
    for record in &records {
        assert!(exprs.contains(record), "no test of {record}");
    }
    assert_eq!(records, ["dpone:run_passed:avg_1d"]);
    alerts
}

#[test]
fn promtool_checks_and_tests_the_rules_of_every_objective_shape_and_transport() {
    let tmp = tempfile::tempdir().unwrap();
    let shapes = tmp.path().join("shapes.yml");
    std::fs::write(&shapes, SHAPES).unwrap();
    let example = example_policy();
    for (label, policy, objectives) in [
        ("example", &example, None),
        ("shapes", &shapes, Some(OBJECTIVES_JSON)),
    ] {
        for source in ["remote-write", "pushgateway"] {
            let dir = pack(
                tmp.path(),
                &format!("{label}-{source}"),
                policy,
                objectives,
                source,
                "1d",
            );
            promtool(&dir, &["check", "rules", "prometheus_alerts.yml"]);
            promtool(&dir, &["test", "rules", "prometheus_alerts_test.yml"]);
            let alerts = assert_tests_cover(&dir);
            let what = format!("{label}, {source}: {alerts:#?}");
            let has =
                |name: &str, needle: &str| alerts.get(name).is_some_and(|e| e.contains(needle));
            // How the transport reads a metric.
            for (name, expr) in &alerts {
                if name == "DponeNoFreshRun" {
                    continue;
                }
                assert_eq!(
                    expr.starts_with("last_over_time("),
                    source == "remote-write",
                    "{name}: {expr}"
                );
            }
            if source == "pushgateway" {
                assert!(
                    has("DponeNoFreshRun", "push_time_seconds{job=\"dpone\"}"),
                    "{what}"
                );
            } else {
                assert!(has("DponeNoFreshRun", "[1d]"), "{what}");
            }
            assert!(has("DponeRunFailed", "dpone_run_passed"), "{what}");
            if label == "example" {
                let names: Vec<&str> = alerts.keys().map(String::as_str).collect();
                assert_eq!(
                    names,
                    [
                        "DponeDurationSecondsAboveMax",
                        "DponeErrorCountAboveMax",
                        "DponeNoFreshRun",
                        "DponeRetryBackoffSecondsAboveMax",
                        "DponeRunFailed",
                        "DponeRunPassedBelowMin",
                    ],
                    "{what}"
                );
                continue;
            }
            // A min, a max, and both on one metric.
            assert!(has("DponeExtractedRowsBelowMin", "< 1"), "{what}");
            assert!(has("DponeFinalRowsBelowMin", "< 1"), "{what}");
            assert!(has("DponeFinalRowsAboveMax", "> 1000000"), "{what}");
            // Label matchers, on a second rule of the same metric.
            assert!(
                alerts.values().any(|e| e
                    .contains("dpone_duration_seconds{process=\"orders_pg_to_pg\"}")
                    && e.ends_with("> 30")),
                "{what}"
            );
            // The glob: one rule per catalogued metric it matches, the run report's included.
            let globbed: Vec<&String> = alerts
                .iter()
                .filter(|(n, e)| n.ends_with("CountAboveMax") && e.ends_with("> 5"))
                .map(|(n, _)| n)
                .collect();
            assert!(globbed.len() >= 2, "{what}");
            assert!(has("DponeErrorCountAboveMax", "> 5"), "{what}");
            assert!(has("DponeWarningCountAboveMax", "> 5"), "{what}");
            // The --objectives-json mapping: a bare number is a max; `duration_seconds` is
            // gated by the policy too, so there are two such rules.
            let duration_60 = alerts
                .values()
                .filter(|e| e.contains("dpone_duration_seconds") && e.ends_with("> 60"))
                .count();
            assert_eq!(duration_60, 2, "{what}");
            assert!(
                has("DponeThroughputRowsPerSecondBelowMin", "< 1000"),
                "{what}"
            );
            eprintln!(
                "pack {label}, {source}: {} alerting rules pass promtool check and test rules ({} from the glob)",
                alerts.len(),
                globbed.len()
            );
        }
    }
}

/// Real Prometheus (and Pushgateway) servers fed by `push`.
#[cfg(feature = "push")]
mod live {
    use super::*;
    use crate::servers::*;
    use std::time::{Duration, Instant};
    use time::format_description::well_known::Rfc3339;
    use time::OffsetDateTime;

    /// A custom metric with an objective, besides the example policy's.
    const LIVE_OBJECTIVES: &str = r#"{"lag_seconds": {"min": 1, "max": 300}}"#;

    /// What the failed run report (with `lag_seconds=900`) breaches.
    const BREACHED: [&str; 4] = [
        "DponeErrorCountAboveMax",
        "DponeLagSecondsAboveMax",
        "DponeRunFailed",
        "DponeRunPassedBelowMin",
    ];

    /// How long a poll waits for Prometheus at most (never asserted on).
    const PATIENCE: Duration = Duration::from_secs(30);

    /// A copy of a real run report that finished now, so its samples are current.
    fn report_finishing_now(dir: &Path, name: &str) -> PathBuf {
        let mut report = read_json(&fixture(&format!("run-report/{name}")));
        report["finished_at"] = Json::String(OffsetDateTime::now_utc().format(&Rfc3339).unwrap());
        let path = dir.join(name);
        std::fs::write(&path, serde_json::to_vec_pretty(&report).unwrap()).unwrap();
        path
    }

    /// An export of the example policy and `LIVE_OBJECTIVES`; `code` is its expected status.
    fn export(
        dir: &Path,
        name: &str,
        report: &Path,
        extra: &[&str],
        baseline: Option<&Path>,
        code: i32,
    ) -> PathBuf {
        let out = dir.join(name);
        let policy = example_policy();
        let mut args = vec![
            "metrics-export",
            "--run-report",
            report.to_str().unwrap(),
            "--policy",
            policy.to_str().unwrap(),
            "--objectives",
            LIVE_OBJECTIVES,
            "--label",
            "env=ci",
            "--format",
            "json",
            "--output-dir",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let baseline = baseline.map(|b| b.join("runtime_metrics.json"));
        if let Some(b) = &baseline {
            args.extend(["--baseline", b.to_str().unwrap()]);
        }
        let epoch = OffsetDateTime::now_utc().unix_timestamp().to_string();
        let o = Command::new(bin())
            .args(&args)
            .current_dir(dir)
            .env("SOURCE_DATE_EPOCH", epoch)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(code), "{name}: {}", stderr(&o));
        out
    }

    /// A passing export (against a baseline, so the regression series exist) and a breaching
    /// one, both of run reports that finished now.
    fn exports(dir: &Path) -> (PathBuf, PathBuf) {
        let success = report_finishing_now(dir, "run_report_success_real.json");
        let failed = report_finishing_now(dir, "run_report_failed_real.json");
        let lag = |v: &str| format!("lag_seconds={v}");
        let (ok_lag, bad_lag) = (lag("120"), lag("900"));
        let base = export(dir, "base", &success, &["--metric", &ok_lag], None, 0);
        let passing = export(
            dir,
            "passing",
            &success,
            &["--metric", &ok_lag],
            Some(&base),
            0,
        );
        // The failed report names no process; the label gives it the same one.
        let breaching = export(
            dir,
            "breaching",
            &failed,
            &["--metric", &bad_lag, "--label", "process=orders_pg_to_pg"],
            Some(&base),
            1,
        );
        (passing, breaching)
    }

    fn push(dir: &Path, args: &[&str]) {
        let o = Command::new(bin())
            .arg("push")
            .arg(dir)
            .args(args)
            .env("DPONE_OBSERVABILITY_RETRY_BASE_MS", "20")
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(!stderr(&o).contains("push.failed"), "{}", stderr(&o));
    }

    fn api(port: u16, path: &str) -> Json {
        let (status, body) = http_get(port, path);
        assert_eq!(status, 200, "{path}: {body}");
        let json: Json = serde_json::from_str(&body).unwrap();
        assert_eq!(json["status"], "success", "{path}: {body}");
        json
    }

    fn query(port: u16, expr: &str) -> Vec<Json> {
        let json = api(port, &format!("/api/v1/query?query={}", query_encode(expr)));
        json["data"]["result"].as_array().unwrap().clone()
    }

    /// Polls `expr` until it returns a series (or gives up) and returns what it returned last.
    fn await_series(port: u16, expr: &str) -> Vec<Json> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let result = query(port, expr);
            if !result.is_empty() || Instant::now() > deadline {
                return result;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// (alertname, state, labels) of every active alert.
    fn alerts(port: u16) -> Vec<(String, String, Json)> {
        api(port, "/api/v1/alerts")["data"]["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["labels"]["alertname"].as_str().unwrap().to_string(),
                    a["state"].as_str().unwrap().to_string(),
                    a["labels"].clone(),
                )
            })
            .collect()
    }

    fn firing(port: u16) -> BTreeSet<String> {
        alerts(port)
            .into_iter()
            .filter(|(_, state, _)| state == "firing")
            .map(|(name, _, _)| name)
            .collect()
    }

    /// Waits until every rule was evaluated, healthy, at least twice after `after` (the first
    /// moment its data was queryable); returns how many rules there are.
    fn await_evaluations(port: u16, after: OffsetDateTime) -> usize {
        let since = after + time::Duration::seconds(2);
        let deadline = Instant::now() + PATIENCE;
        loop {
            let json = api(port, "/api/v1/rules");
            let rules: Vec<Json> = json["data"]["groups"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|g| g["rules"].as_array().unwrap().clone())
                .collect();
            let done = !rules.is_empty()
                && rules.iter().all(|r| {
                    r["health"] == "ok"
                        && r["lastEvaluation"]
                            .as_str()
                            .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
                            .is_some_and(|t| t > since)
                });
            if done {
                return rules.len();
            }
            assert!(
                Instant::now() < deadline,
                "the rules were not all evaluated healthy after {after}: {json}"
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Prometheus evaluating the pack's rules every second, scraping `scrape` (a Pushgateway)
    /// every second when given.
    fn prometheus_for(pack: &Path, scrape: Option<u16>) -> Server {
        let rules = pack.join("prometheus_alerts.yml");
        let mut config = format!(
            "global: {{scrape_interval: 1s, evaluation_interval: 1s}}\nrule_files: [{}]\n",
            serde_json::to_string(rules.to_str().unwrap()).unwrap()
        );
        match scrape {
            Some(port) => config.push_str(&format!(
                "scrape_configs:\n  - job_name: pushgateway\n    honor_labels: true\n    static_configs: [{{targets: [\"127.0.0.1:{port}\"]}}]\n"
            )),
            None => config.push_str("scrape_configs: []\n"),
        }
        prometheus_with_config(&config)
    }

    /// Sends `export` to a fresh Prometheus by `source` and returns it (and the Pushgateway).
    fn deliver(source: &str, pack: &Path, export: &Path) -> (Server, Option<Server>) {
        match source {
            "remote-write" => {
                let prom = prometheus_for(pack, None);
                let url = format!("http://127.0.0.1:{}/api/v1/write", prom.port);
                push(export, &["--remote-write", &url]);
                (prom, None)
            }
            _ => {
                let gw = pushgateway();
                let prom = prometheus_for(pack, Some(gw.port));
                let url = format!("http://127.0.0.1:{}", gw.port);
                push(export, &["--pushgateway", &url]);
                (prom, Some(gw))
            }
        }
    }

    /// Every panel's queries, with the template variables at "All"; each must return a series.
    fn assert_panels_have_data(port: u16, pack: &Path, source: &str) -> usize {
        let dashboard = read_json(&pack.join("grafana_dashboard.json"));
        let panels = dashboard["panels"].as_array().unwrap();
        let mut queries = 0;
        for panel in panels {
            let targets = panel["targets"].as_array().unwrap();
            assert!(!targets.is_empty(), "{panel}");
            for target in targets {
                let expr = target["expr"]
                    .as_str()
                    .unwrap()
                    .replace("$process", ".*")
                    .replace("$env", ".*");
                assert!(!expr.contains('$'), "a variable left in {expr}");
                // The recording rule's panel needs an evaluation; the others are there already.
                let result = await_series(port, &expr);
                assert!(
                    !result.is_empty(),
                    "{source}: panel {:?} returns no series: {expr}",
                    panel["title"]
                );
                queries += 1;
            }
        }
        let declared = read_json(&pack.join("observability_pack.json"))["dashboard"]["panels"]
            .as_u64()
            .unwrap();
        assert_eq!(panels.len() as u64, declared);
        eprintln!(
            "pack {source}: {} dashboard panels, {queries} queries, each returned data",
            panels.len()
        );
        panels.len()
    }

    fn alerts_fire_on_a_breaching_run_and_stay_quiet_on_a_passing_one(source: &str) {
        let tmp = tempfile::tempdir().unwrap();
        let pack = pack(
            tmp.path(),
            "pack",
            &example_policy(),
            Some(LIVE_OBJECTIVES),
            source,
            "1h",
        );
        let (alerting, _) = rules_of(&pack);
        for name in BREACHED {
            assert!(alerting.contains_key(name), "{name} not in {alerting:?}");
        }
        let (passing, breaching) = exports(tmp.path());

        // The breaching run: exactly the breached objectives and the failed run fire.
        let (prom, _gw) = deliver(source, &pack, &breaching);
        let expected: BTreeSet<String> = BREACHED.iter().map(|s| s.to_string()).collect();
        let deadline = Instant::now() + PATIENCE;
        let mut seen = firing(prom.port);
        while !seen.is_superset(&expected) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(250));
            seen = firing(prom.port);
        }
        assert_eq!(
            seen,
            expected,
            "{source}: firing alerts; all: {:?}",
            alerts(prom.port)
        );
        for (name, state, labels) in alerts(prom.port) {
            assert_eq!(state, "firing", "{name}");
            assert_eq!(labels["process"], "orders_pg_to_pg", "{name}: {labels}");
            assert!(labels["severity"].is_string(), "{name}: {labels}");
        }
        eprintln!("pack {source}, breaching run: firing {seen:?}");
        drop(prom);
        drop(_gw);

        // The passing run: once its data is in and every rule has been evaluated on it since,
        // no alert is active at all.
        let (prom, _gw) = deliver(source, &pack, &passing);
        let data = await_series(prom.port, "dpone_lag_seconds");
        assert_eq!(data.len(), 1, "{source}: the passing export never arrived");
        let rules = await_evaluations(prom.port, OffsetDateTime::now_utc());
        assert_eq!(rules, alerting.len() + 1, "every rule is loaded");
        let active = alerts(prom.port);
        assert!(
            active.is_empty(),
            "{source}: a passing run alerts: {active:?}"
        );
        // The rules did see the data: the recording rule has a value of 1 for the process.
        let ratio = await_series(prom.port, "dpone:run_passed:avg_1d");
        assert_eq!(ratio.len(), 1, "{ratio:?}");
        assert_eq!(ratio[0]["metric"]["process"], "orders_pg_to_pg");
        assert_eq!(ratio[0]["value"][1], "1");
        eprintln!("pack {source}, passing run: {rules} rules evaluated, none firing");

        assert_panels_have_data(prom.port, &pack, source);
    }

    #[test]
    fn remote_write_alerts_fire_on_a_breaching_run_and_not_on_a_passing_one() {
        alerts_fire_on_a_breaching_run_and_stay_quiet_on_a_passing_one("remote-write");
    }

    #[test]
    fn pushgateway_alerts_fire_on_a_breaching_run_and_not_on_a_passing_one() {
        alerts_fire_on_a_breaching_run_and_stay_quiet_on_a_passing_one("pushgateway");
    }
}

mod hostile;
