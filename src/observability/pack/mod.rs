//! Objectives as code: the policy that gates CI, turned into what pages someone in production.
//! `pack` writes Prometheus alerting and recording rules, their `promtool test rules` unit
//! tests, a Grafana dashboard, and a JSON and Markdown account of what was generated from which
//! policy line, as one indexed artifact set (like an export).
//!
//! The alerts are written for the transport the metrics travel by, because pushed metrics age
//! differently (docs/pack.md):
//! - **Pushgateway**: a pushed series never goes stale (it is scraped until deleted), so an
//!   alert reads the value as it is, and the run's age comes from `push_time_seconds`.
//! - **Remote-write**: a sample leaves instant queries 5 minutes after its timestamp, so every
//!   alert reads `last_over_time(metric[window])`: the latest run within the window.

mod dashboard;
mod escape;
mod rules;

use std::fmt::Write as _;

use super::artifacts::{artifact_specs, ArtifactSpec, StagedArtifacts, WrittenArtifact};
use super::blockers::Code;
use super::catalog::known_names;
use super::gates::{GateConfig, Origin};
use super::timestamp::Timestamp;

pub use rules::{alerting_rules, Alert};

artifact_specs! {
    ALERTS = ("prometheus_alerts.yml", "prometheus_rules", "Prometheus alerting and recording rules from the policy's objectives.");
    ALERT_TESTS = ("prometheus_alerts_test.yml", "prometheus_rule_tests", "promtool test rules unit tests of the alerting rules.");
    DASHBOARD = ("grafana_dashboard.json", "grafana_dashboard", "Grafana dashboard of the metrics the policy gates, with its bounds as thresholds.");
    PACK_JSON = ("observability_pack.json", "observability_pack", "What the pack holds and which policy line each rule comes from.");
    PACK_MARKDOWN = ("observability_pack.md", "observability_pack_report", "Human-readable account of the pack.");
}

/// Every file of a pack, in the order written.
pub static PACK_FILES: [&ArtifactSpec; 5] = [
    &ALERTS,
    &ALERT_TESTS,
    &DASHBOARD,
    &PACK_JSON,
    &PACK_MARKDOWN,
];

/// How the metrics reach Prometheus, which decides how an alert reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Pushed to a Pushgateway under this `job` and scraped (with `honor_labels: true`).
    Pushgateway { job: String },
    /// Written with remote-write (or OTLP) straight into the TSDB.
    RemoteWrite,
}

impl Source {
    pub fn as_str(&self) -> &'static str {
        match self {
            Source::Pushgateway { .. } => "pushgateway",
            Source::RemoteWrite => "remote-write",
        }
    }
}

/// What a pack is made from.
#[derive(Debug, Clone)]
pub struct PackRequest {
    pub gates: GateConfig,
    pub source: Source,
    /// How long a run's metrics count as current: the schedule's interval plus slack, as a
    /// Prometheus duration (`1d`, `6h`).
    pub window: String,
    /// The runbooks document the alerts link to.
    pub runbook_base: String,
    pub now: Timestamp,
}

/// A Prometheus duration: a positive integer and one unit of `s`, `m`, `h`, `d`, `w`, `y`,
/// as seconds. Nothing else is taken (no spaces), since the window is written into PromQL and
/// the annotations as it is.
pub fn parse_window(text: &str) -> Result<u64, String> {
    let (digits, unit) = text.split_at(text.len().saturating_sub(1));
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        "y" => 31_536_000,
        _ => 0,
    };
    match digits.parse::<u64>() {
        Ok(n) if n > 0 && seconds > 0 && !digits.starts_with('+') => n
            .checked_mul(seconds)
            .ok_or_else(|| format!("the window `{text}` is too long")),
        _ => Err(format!(
            "the window {text:?} is not a Prometheus duration such as `30m`, `6h` or `1d`"
        )),
    }
}

/// The pack's content, before it is written.
#[derive(Debug)]
pub struct Pack {
    pub alerts: Vec<Alert>,
    pub rules_yaml: String,
    pub tests_yaml: String,
    pub dashboard_json: String,
    pub panels: usize,
}

/// Builds the pack from the policy. A glob objective that matches no catalogued metric is an
/// error (it would alert on nothing).
pub fn build(request: &PackRequest) -> Result<Pack, String> {
    let window_seconds = parse_window(&request.window)?;
    let known = known_names();
    let alerts = alerting_rules(request, &known)?;
    let rules_yaml = rules::rules_yaml(&alerts, request);
    let tests_yaml = rules::tests_yaml(&alerts, request, window_seconds);
    let (dashboard_json, panels) = dashboard::dashboard_json(request, &alerts);
    Ok(Pack {
        alerts,
        rules_yaml,
        tests_yaml,
        dashboard_json,
        panels,
    })
}

/// The pack's files and their content, in the order written.
pub fn files(pack: &Pack, request: &PackRequest) -> Vec<(&'static ArtifactSpec, String)> {
    vec![
        (&ALERTS, pack.rules_yaml.clone()),
        (&ALERT_TESTS, pack.tests_yaml.clone()),
        (&DASHBOARD, pack.dashboard_json.clone()),
        (&PACK_JSON, pack_json(pack, request)),
        (&PACK_MARKDOWN, pack_markdown(pack, request)),
    ]
}

/// The pack as artifacts of an export (the action's `pack` input): written into the run folder
/// and indexed with the export's files.
pub fn extras(pack: &Pack, request: &PackRequest) -> Vec<super::export::ExtraArtifact<'static>> {
    files(pack, request)
        .into_iter()
        .map(|(spec, text)| super::export::ExtraArtifact {
            spec,
            render: Box::new(move |_, _, _, out| out.write_all(text.as_bytes())),
        })
        .collect()
}

/// Writes a pack folder on its own.
pub fn write_pack(
    pack: &Pack,
    request: &PackRequest,
    dir: &std::path::Path,
) -> Result<Vec<WrittenArtifact>, super::artifacts::ArtifactError> {
    let mut staged = StagedArtifacts::new(dir)?;
    for (spec, text) in files(pack, request) {
        staged.write(spec, |out| out.write_all(text.as_bytes()))?;
    }
    staged.commit(request.now)
}

use std::io::Write as _;

fn pack_json(pack: &Pack, request: &PackRequest) -> String {
    let alerts: Vec<serde_json::Value> = pack
        .alerts
        .iter()
        .map(|a| {
            serde_json::json!({
                "alert": a.name,
                "expr": a.expr,
                "kind": a.kind.as_str(),
                "metric": a.metric,
                "bound": a.bound,
                "severity": a.severity,
                "origin": a.origin.as_ref().map(|o| o.to_string()),
                "runbook_url": a.runbook_url,
            })
        })
        .collect();
    let doc = serde_json::json!({
        "schema_version": 1,
        "tool_version": env!("CARGO_PKG_VERSION"),
        "generated_at": request.now.to_string(),
        "source": request.source.as_str(),
        "window": request.window,
        "files": PACK_FILES.iter().map(|s| s.file_name).collect::<Vec<_>>(),
        "alerts": alerts,
        "recording_rules": rules::RECORDING_RULES.iter().map(|(name, _)| *name).collect::<Vec<_>>(),
        "dashboard": {"uid": dashboard::UID, "panels": pack.panels},
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}

fn pack_markdown(pack: &Pack, request: &PackRequest) -> String {
    use super::markdown::{code, escape};
    let mut out = String::from("# dpone observability pack\n\n");
    let _ = writeln!(
        out,
        "For metrics sent by **{}**; a run counts as current for {}. Load `prometheus_alerts.yml` \
         in Prometheus (`rule_files`) or a Mimir/Thanos ruler, test it with `promtool test rules \
         prometheus_alerts_test.yml`, and import `grafana_dashboard.json` ({} panels). See \
         docs/pack.md.\n",
        request.source.as_str(),
        code(&request.window),
        pack.panels
    );
    let _ = writeln!(
        out,
        "| alert | severity | from | expression |\n|---|---|---|---|"
    );
    for a in &pack.alerts {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            code(&a.name),
            a.severity,
            a.origin
                .as_ref()
                .map(|o| escape(&o.to_string()))
                .unwrap_or_else(|| "built in".to_string()),
            code(&a.expr)
        );
    }
    let _ = writeln!(out, "\nRecording rules:\n");
    for (name, expr) in rules::RECORDING_RULES {
        let _ = writeln!(out, "- {} = {}", code(name), code(expr));
    }
    out
}

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum AlertKind {
    AboveMax,
    BelowMin,
    RunFailed,
    NoFreshRun,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    fn code(self) -> Code {
        match self {
            AlertKind::AboveMax => Code::SloAboveMax,
            AlertKind::BelowMin => Code::SloBelowMin,
            AlertKind::RunFailed | AlertKind::NoFreshRun => Code::RunReportRunFailed,
        }
    }
}

/// An origin for messages, when the gate came from a file or flag.
fn origin(o: &Origin) -> Option<Origin> {
    (!o.source.is_empty()).then(|| o.clone())
}
