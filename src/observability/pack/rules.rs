//! The alerting and recording rules, and their `promtool test rules` unit tests: for each
//! alert one series that breaches and must fire, and one that holds and must not.
//!
//! Every input string is written through [`super::escape`]: label values as PromQL string
//! literals, annotation and alert label text as literal Go template text, and every YAML value
//! as a double-quoted scalar; label names and bounds that cannot be written exactly are refused.

use std::fmt::Write as _;

use super::super::gates::Objective;
use super::super::gates::Origin;
use super::escape::{self, go_template_text, number, promql_string, yaml_string};
use super::{origin, AlertKind, PackRequest, Source};

/// Alert annotation text: literal text (input among it) and where the alert's value goes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Annotation(Vec<Piece>);

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Value,
}

impl Annotation {
    fn text(text: &str) -> Self {
        Annotation::default().then(text)
    }

    /// Appends literal text.
    fn then(mut self, text: &str) -> Self {
        match self.0.last_mut() {
            Some(Piece::Text(last)) => last.push_str(text),
            _ => self.0.push(Piece::Text(text.to_string())),
        }
        self
    }

    /// Appends the alert's value (`{{ $value }}`).
    fn value(mut self) -> Self {
        self.0.push(Piece::Value);
        self
    }

    /// As the rules file has it: a Go template whose text expands to itself.
    pub fn template(&self) -> String {
        self.0
            .iter()
            .map(|piece| match piece {
                Piece::Text(text) => go_template_text(text),
                Piece::Value => "{{ $value }}".to_string(),
            })
            .collect()
    }

    /// As Prometheus expands it for an alert of `value`.
    pub fn expanded(&self, value: f64) -> String {
        self.0
            .iter()
            .map(|piece| match piece {
                Piece::Text(text) => text.clone(),
                Piece::Value => go_float(value),
            })
            .collect()
    }
}

/// One alerting rule.
#[derive(Debug, Clone)]
pub struct Alert {
    pub name: String,
    pub kind: AlertKind,
    /// The metric an objective alert reads.
    pub metric: Option<String>,
    /// The objective's label matchers.
    pub matchers: Vec<(String, String)>,
    pub bound: Option<f64>,
    pub severity: &'static str,
    pub origin: Option<Origin>,
    pub expr: String,
    pub summary: Annotation,
    /// With the alert's value.
    pub description: Annotation,
    pub runbook_url: String,
}

/// The recording rules: series a dashboard or an alert reads that PromQL derives.
pub const RECORDING_RULES: [(&str, &str); 1] = [(
    "dpone:run_passed:avg_1d",
    "avg by (process) (avg_over_time(dpone_run_passed[1d]))",
)];

/// `metric{k="v",...}`.
fn selector(metric: &str, matchers: &[(String, String)]) -> String {
    if matchers.is_empty() {
        return metric.to_string();
    }
    let inner: Vec<String> = matchers
        .iter()
        .map(|(k, v)| format!("{k}={}", promql_string(v)))
        .collect();
    format!("{metric}{{{}}}", inner.join(","))
}

/// How an alert reads a metric under the transport: as pushed, or the latest within the window.
fn current(source: &Source, window: &str, series: &str) -> String {
    match source {
        Source::Pushgateway { .. } => series.to_string(),
        Source::RemoteWrite => format!("last_over_time({series}[{window}])"),
    }
}

/// `DponeDurationSecondsAboveMax` from `dpone_duration_seconds`.
fn alert_name(metric: &str, suffix: &str) -> String {
    let mut out = String::from("Dpone");
    for part in metric
        .strip_prefix("dpone_")
        .unwrap_or(metric)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
    {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    out.push_str(suffix);
    out
}

/// One alert per objective bound and matching metric, then the run-failed and no-fresh-run
/// alerts. A glob objective gives one rule per catalogued metric it matches.
pub fn alerting_rules(request: &PackRequest, known: &[&str]) -> Result<Vec<Alert>, String> {
    if matches!(&request.source, Source::Pushgateway { job } if job.is_empty()) {
        return Err("the Pushgateway job is empty, which PromQL matches as no job".to_string());
    }
    let mut alerts: Vec<Alert> = Vec::new();
    for objective in &request.gates.objectives {
        check_labels(objective)?;
        for metric in objective_metrics(objective, known)? {
            for (kind, bound) in [
                (AlertKind::AboveMax, objective.max),
                (AlertKind::BelowMin, objective.min),
            ] {
                if let Some(bound) = bound {
                    let bound = checked_bound(objective, kind, bound)?;
                    alerts.push(objective_alert(request, objective, &metric, kind, bound));
                }
            }
        }
    }
    alerts.push(run_failed_alert(request));
    let window_seconds = super::parse_window(&request.window)?;
    alerts.push(no_fresh_run_alert(request, window_seconds));
    number_repeated_names(&mut alerts);
    Ok(alerts)
}

/// An objective as messages name it: objective `x` (policy.yml line 3).
fn named(objective: &Objective) -> String {
    let selector = &objective.selector;
    format!("objective `{}` ({})", selector.written, selector.origin)
}

/// Refuses a label name PromQL would not read as one name, and an empty value, which PromQL
/// matches as the label's absence (docs/pack.md).
fn check_labels(objective: &Objective) -> Result<(), String> {
    for (name, value) in &objective.selector.labels {
        if let Some(why) = escape::label_name(name) {
            return Err(format!(
                "{}: the label name {name:?} {why}",
                named(objective)
            ));
        }
        if value.is_empty() {
            return Err(format!(
                "{}: the label {name:?} has an empty value, which PromQL matches as the \
                 label's absence; leave the label out or give it a value",
                named(objective)
            ));
        }
    }
    Ok(())
}

/// A bound and its text, refused from 2^53 on (docs/pack.md).
fn checked_bound(objective: &Objective, kind: AlertKind, v: f64) -> Result<(f64, String), String> {
    let key = if kind == AlertKind::AboveMax {
        "max"
    } else {
        "min"
    };
    let text = escape::bound(v).map_err(|why| format!("{}: the {key}, {why}", named(objective)))?;
    Ok((v, text))
}

/// The metrics an objective alerts on: its metric, or for a glob every catalogued metric it
/// matches but the gates' own series; a glob that matches none is an error.
fn objective_metrics(objective: &Objective, known: &[&str]) -> Result<Vec<String>, String> {
    let selector = &objective.selector;
    if !selector.is_pattern() {
        return Ok(vec![selector.name.clone()]);
    }
    let matched: Vec<String> = known
        .iter()
        .filter(|n| selector.matches_name(n))
        .filter(|n| !super::super::gates::is_gate_series(n))
        .map(|n| n.to_string())
        .collect();
    if matched.is_empty() {
        return Err(format!(
            "objective `{}` ({}) matches no catalogued metric, so it would alert on nothing",
            selector.written, selector.origin
        ));
    }
    Ok(matched)
}

/// `DponeRunFailed`: the latest run within the window reported `passed: false`.
fn run_failed_alert(request: &PackRequest) -> Alert {
    let window = &request.window;
    Alert {
        name: "DponeRunFailed".to_string(),
        kind: AlertKind::RunFailed,
        metric: Some("dpone_run_passed".to_string()),
        matchers: Vec::new(),
        bound: None,
        severity: "error",
        origin: None,
        expr: format!(
            "{} == 0",
            current(&request.source, window, "dpone_run_passed")
        ),
        summary: Annotation::text("A dpone run failed"),
        description: Annotation::text(&format!(
            "The latest dpone run (within {window}) reported passed: false (dpone_run_passed is "
        ))
        .value()
        .then(")."),
        runbook_url: AlertKind::RunFailed
            .code()
            .runbook_url_at(&request.runbook_base),
    }
}

/// `DponeNoFreshRun`: a process stopped reporting. For the Pushgateway, its last push is older
/// than the window; for remote-write, it reported runs in the last 7 windows but none in the
/// last one.
fn no_fresh_run_alert(request: &PackRequest, window_seconds: u64) -> Alert {
    let window = &request.window;
    let (expr, description) = match &request.source {
        Source::Pushgateway { job } => (
            format!(
                "time() - max by (process) (push_time_seconds{{job={}}}) > {window_seconds}",
                promql_string(job)
            ),
            Annotation::text(&format!(
                "No push for this process for more than {window} ("
            ))
            .value()
            .then(" seconds since the last one)."),
        ),
        Source::RemoteWrite => (
            format!(
                "count by (process) (last_over_time(dpone_run_passed[{}s])) unless count by (process) (last_over_time(dpone_run_passed[{window}]))",
                window_seconds.saturating_mul(7)
            ),
            Annotation::text(&format!(
                "This process reported runs in the last 7 × {window} but none in the last {window}."
            )),
        ),
    };
    Alert {
        name: "DponeNoFreshRun".to_string(),
        kind: AlertKind::NoFreshRun,
        metric: None,
        matchers: Vec::new(),
        bound: None,
        severity: "warning",
        origin: None,
        expr,
        summary: Annotation::text("No fresh dpone run"),
        description,
        runbook_url: AlertKind::NoFreshRun
            .code()
            .runbook_url_at(&request.runbook_base),
    }
}

/// Keeps alert names unique: a second rule of one name gets a number (`…2`, `…3`).
fn number_repeated_names(alerts: &mut [Alert]) {
    let mut seen: Vec<String> = Vec::new();
    for alert in alerts {
        let base = alert.name.clone();
        let mut n = 1;
        while seen.contains(&alert.name) {
            n += 1;
            alert.name = format!("{base}{n}");
        }
        seen.push(alert.name.clone());
    }
}

fn objective_alert(
    request: &PackRequest,
    objective: &Objective,
    metric: &str,
    kind: AlertKind,
    (bound, bound_text): (f64, String),
) -> Alert {
    let matchers = objective.selector.labels.clone();
    let series = selector(metric, &matchers);
    let (op, side, word) = match kind {
        AlertKind::AboveMax => (">", "AboveMax", "above"),
        _ => ("<", "BelowMin", "below"),
    };
    let rule = if kind == AlertKind::AboveMax {
        "max"
    } else {
        "min"
    };
    let expr = format!(
        "{} {op} {bound_text}",
        current(&request.source, &request.window, &series),
    );
    let from = origin(&objective.selector.origin)
        .map(|o| format!(" that {o} sets"))
        .unwrap_or_default();
    Alert {
        name: alert_name(metric, side),
        kind,
        metric: Some(metric.to_string()),
        matchers,
        bound: Some(bound),
        severity: objective.severity.as_str(),
        origin: origin(&objective.selector.origin),
        expr,
        summary: Annotation::text(&format!(
            "{metric} {word} its objective's {rule} {bound_text}"
        )),
        description: Annotation::text(&format!("{series} is "))
            .value()
            .then(&format!(
                ", {word} the objective's {rule} {bound_text}{from}."
            )),
        runbook_url: kind.code().runbook_url_at(&request.runbook_base),
    }
}

/// `prometheus_alerts.yml`.
pub fn rules_yaml(alerts: &[Alert], request: &PackRequest) -> String {
    let mut out = format!(
        "# Generated by dpone-observability {} pack from the policy's objectives, for metrics sent \
         by {} (docs/pack.md). Test with: promtool test rules prometheus_alerts_test.yml\n\
         groups:\n  - name: \"dpone-observability\"\n    rules:\n",
        env!("CARGO_PKG_VERSION"),
        request.source.as_str()
    );
    for a in alerts {
        let _ = writeln!(out, "      - alert: {}", yaml_string(&a.name));
        let _ = writeln!(out, "        expr: {}", yaml_string(&a.expr));
        let _ = writeln!(
            out,
            "        labels:\n          severity: {}",
            yaml_string(&go_template_text(a.severity))
        );
        let _ = writeln!(out, "        annotations:");
        let annotations = [
            ("summary", a.summary.template()),
            ("description", a.description.template()),
            ("runbook_url", go_template_text(&a.runbook_url)),
        ];
        for (key, text) in annotations {
            let _ = writeln!(out, "          {key}: {}", yaml_string(&text));
        }
    }
    let _ = writeln!(
        out,
        "  - name: \"dpone-observability-recording\"\n    rules:"
    );
    for (record, expr) in RECORDING_RULES {
        let _ = writeln!(out, "      - record: {}", yaml_string(record));
        let _ = writeln!(out, "        expr: {}", yaml_string(expr));
    }
    out
}

/// A float as Go's `%v` prints it (the alert template's `{{ $value }}`): `strconv`'s shortest
/// `%g`, which switches to an exponent below 1e-4 and from 1e6 on (`1e+06`, not `1000000`).
fn go_float(v: f64) -> String {
    if v == 0.0 {
        return "0".to_string();
    }
    // The shortest digits and their exact decimal exponent, as Go's `%g` decides on them.
    let text = format!("{v:e}");
    let Some((mantissa, e)) = text.split_once('e') else {
        return text;
    };
    let exp: i32 = e.parse().unwrap_or(0);
    if (-4..6).contains(&exp) {
        return format!("{v}");
    }
    let (sign, digits) = match e.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', e),
    };
    format!("{mantissa}e{sign}{digits:0>2}")
}

/// The series a test feeds: the alert's metric with its matchers (and a process).
fn test_series(metric: &str, matchers: &[(String, String)]) -> (String, Vec<(String, String)>) {
    let mut labels = matchers.to_vec();
    if !labels.iter().any(|(k, _)| k == "process") {
        labels.push(("process".to_string(), "orders".to_string()));
    }
    labels.sort();
    (selector(metric, &labels), labels)
}

/// One `promtool` alert test: a series fed every minute, and whether the alert fires at
/// `eval_minutes`.
struct AlertCase {
    /// What the case shows, after the alert's name in the comment above it.
    comment: &'static str,
    /// The input series and its values in promtool's expanding notation (`1x10`, `1 _x12`).
    series: (String, String),
    eval_minutes: u64,
    /// The labels (besides `severity`) and the `{{ $value }}` of the alert that must fire;
    /// None: no alert may fire.
    fires: Option<(Vec<(String, String)>, f64)>,
}

/// `prometheus_alerts_test.yml`: per alert, a breaching series that must fire and a holding one
/// that must not; and the recording rule's value.
pub fn tests_yaml(alerts: &[Alert], request: &PackRequest, window_seconds: u64) -> String {
    let mut out = format!(
        "# Generated by dpone-observability {} pack: promtool test rules prometheus_alerts_test.yml\n\
         rule_files:\n  - prometheus_alerts.yml\nevaluation_interval: 1m\ntests:\n",
        env!("CARGO_PKG_VERSION")
    );
    let window_minutes = window_seconds.div_ceil(60);
    for alert in alerts {
        let cases = match alert.kind {
            AlertKind::AboveMax | AlertKind::BelowMin => bound_cases(alert),
            AlertKind::RunFailed => run_failed_cases(),
            AlertKind::NoFreshRun => no_fresh_run_cases(&request.source, window_minutes),
        };
        for case in &cases {
            write_case(&mut out, alert, case);
        }
    }
    write_recording_rule_test(&mut out);
    out
}

/// An objective's alert: a value one past its bound fires, the bound itself holds.
fn bound_cases(alert: &Alert) -> Vec<AlertCase> {
    let (Some(metric), Some(bound)) = (&alert.metric, alert.bound) else {
        return Vec::new();
    };
    let (name, labels) = test_series(metric, &alert.matchers);
    let breach = if alert.kind == AlertKind::AboveMax {
        bound + 1.0
    } else {
        bound - 1.0
    };
    vec![
        AlertCase {
            comment: "a breaching value fires",
            series: (name.clone(), format!("{}x10", number(breach))),
            eval_minutes: 5,
            fires: Some((labels, breach)),
        },
        AlertCase {
            comment: "the bound itself holds",
            series: (name, format!("{}x10", number(bound))),
            eval_minutes: 5,
            fires: None,
        },
    ]
}

/// `DponeRunFailed`: a failed run fires, a passing one does not.
fn run_failed_cases() -> Vec<AlertCase> {
    let (name, labels) = test_series("dpone_run_passed", &[]);
    vec![
        AlertCase {
            comment: "a failed run fires",
            series: (name.clone(), "0x10".to_string()),
            eval_minutes: 5,
            fires: Some((labels, 0.0)),
        },
        AlertCase {
            comment: "a passing run does not",
            series: (name, "1x10".to_string()),
            eval_minutes: 5,
            fires: None,
        },
    ]
}

/// `DponeNoFreshRun`: evaluated two minutes past the window it fires, within the window it
/// holds. For the Pushgateway the series is the push time (pushed at time 0 and still
/// exposed); for remote-write it is one run, then nothing.
fn no_fresh_run_cases(source: &Source, window_minutes: u64) -> Vec<AlertCase> {
    let late = window_minutes + 2;
    match source {
        Source::Pushgateway { job } => {
            let labels = vec![
                ("job".to_string(), job.clone()),
                ("process".to_string(), "orders".to_string()),
            ];
            let name = selector("push_time_seconds", &labels);
            let process = vec![("process".to_string(), "orders".to_string())];
            let age = (late * 60) as f64;
            vec![
                AlertCase {
                    comment: "the last push is older than the window",
                    series: (name.clone(), format!("0x{late}")),
                    eval_minutes: late,
                    fires: Some((process, age)),
                },
                AlertCase {
                    comment: "a push within the window holds",
                    series: (name, format!("0x{late}")),
                    eval_minutes: window_minutes / 2,
                    fires: None,
                },
            ]
        }
        Source::RemoteWrite => {
            let (name, labels) = test_series("dpone_run_passed", &[]);
            vec![
                AlertCase {
                    comment: "one run, then nothing for longer than the window",
                    series: (name.clone(), format!("1 _x{late}")),
                    eval_minutes: late,
                    fires: Some((labels, 1.0)),
                },
                AlertCase {
                    comment: "within the window it holds",
                    series: (name, format!("1 _x{late}")),
                    eval_minutes: window_minutes / 2,
                    fires: None,
                },
            ]
        }
    }
}

/// One case as a commented `tests:` entry: its input series, and the alert expected at its
/// evaluation time with its labels and rendered annotations (or none).
fn write_case(out: &mut String, alert: &Alert, case: &AlertCase) {
    let _ = writeln!(out, "  # {}: {}", alert.name, case.comment);
    let _ = writeln!(out, "  - interval: 1m\n    input_series:");
    let (name, values) = &case.series;
    let _ = writeln!(
        out,
        "      - series: {}\n        values: {}",
        yaml_string(name),
        yaml_string(values)
    );
    let _ = writeln!(
        out,
        "    alert_rule_test:\n      - eval_time: {}m\n        alertname: {}",
        case.eval_minutes,
        yaml_string(&alert.name)
    );
    let Some((labels, value)) = &case.fires else {
        let _ = writeln!(out, "        exp_alerts: []");
        return;
    };
    let _ = writeln!(out, "        exp_alerts:\n          - exp_labels:");
    // The rule's `severity` replaces a series label of that name, as in Prometheus.
    let mut all: Vec<(String, String)> = labels.clone();
    all.retain(|(k, _)| k != "severity");
    all.push(("severity".to_string(), alert.severity.to_string()));
    all.sort();
    for (k, v) in all {
        let _ = writeln!(
            out,
            "              {}: {}",
            yaml_string(&k),
            yaml_string(&v)
        );
    }
    let _ = writeln!(out, "            exp_annotations:");
    let annotations = [
        ("summary", alert.summary.expanded(*value)),
        ("description", alert.description.expanded(*value)),
        ("runbook_url", alert.runbook_url.clone()),
    ];
    for (key, text) in annotations {
        let _ = writeln!(out, "              {key}: {}", yaml_string(&text));
    }
}

/// The recording rule's test: a run that passed then failed passes half the time.
fn write_recording_rule_test(out: &mut String) {
    let (name, labels) = test_series("dpone_run_passed", &[]);
    let _ = writeln!(
        out,
        "  # dpone:run_passed:avg_1d: one pass and one failure average 0.5\n  - interval: 1m\n    input_series:\n      - series: {}\n        values: \"1 0\"\n    promql_expr_test:\n      - expr: \"dpone:run_passed:avg_1d\"\n        eval_time: 1m\n        exp_samples:\n          - labels: {}\n            value: 0.5",
        yaml_string(&name),
        yaml_string(&selector("dpone:run_passed:avg_1d", &labels))
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_floats() {
        assert_eq!(go_float(61.0), "61");
        assert_eq!(go_float(1.5), "1.5");
        assert_eq!(go_float(0.0), "0");
        assert_eq!(go_float(1e-7), "1e-07");
        assert_eq!(go_float(2.5e21), "2.5e+21");
        assert_eq!(go_float(999_999.0), "999999");
        assert_eq!(go_float(1_000_001.0), "1.000001e+06");
        assert_eq!(go_float(-2e6), "-2e+06");
    }

    #[test]
    fn annotations_keep_input_text_literal() {
        let a = Annotation::text("x{{ .Labels }} {").value().then(" }}");
        assert_eq!(
            a.template(),
            "x{{ \"{{\" }} .Labels }} {{ \"{\" }}{{ $value }} }}"
        );
        assert_eq!(a.expanded(1e6), "x{{ .Labels }} {1e+06 }}");
    }

    #[test]
    fn names_and_selectors() {
        assert_eq!(
            alert_name("dpone_duration_seconds", "AboveMax"),
            "DponeDurationSecondsAboveMax"
        );
        assert_eq!(
            selector("m", &[("process".into(), "a\"b".into())]),
            "m{process=\"a\\\"b\"}"
        );
    }
}
