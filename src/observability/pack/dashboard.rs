//! The Grafana dashboard: the run's outcome and daily pass ratio, the gates' verdicts as status
//! panels, and a time series per metric family the policy gates (plus the run's core ones), with
//! each objective's bound drawn as a threshold. Template variables pick the datasource and the
//! low-cardinality labels (`process`, `env`). Every metric is a gauge, so no panel takes a
//! `rate()`; for remote-write, a panel reads the latest run within the window.

use serde_json::{json, Value};

use super::{Alert, AlertKind, PackRequest, Source};

/// The dashboard's uid (stable, so a re-import replaces it).
pub const UID: &str = "dpone-observability";

/// The run report's families every dashboard shows, besides the gated ones.
const CORE: [&str; 4] = [
    "dpone_duration_seconds",
    "dpone_throughput_rows_per_second",
    "dpone_extracted_rows",
    "dpone_error_count",
];

/// The label filter every query carries.
const FILTER: &str = "process=~\"$process\",env=~\"$env\"";

fn query(request: &PackRequest, metric: &str) -> String {
    let series = format!("{metric}{{{FILTER}}}");
    match request.source {
        Source::Pushgateway { .. } => series,
        Source::RemoteWrite => format!("last_over_time({series}[{}])", request.window),
    }
}

fn datasource() -> Value {
    json!({"type": "prometheus", "uid": "${datasource}"})
}

fn target(expr: &str, legend: &str) -> Value {
    json!({
        "datasource": datasource(),
        "expr": expr,
        "legendFormat": legend,
        "refId": "A",
    })
}

/// The dashboard JSON and its panel count.
pub fn dashboard_json(request: &PackRequest, alerts: &[Alert]) -> (String, usize) {
    let mut panels: Vec<Value> = Vec::new();
    let mut id = 0;
    let mut next = || {
        id += 1;
        id
    };
    let stat = |id: i64, title: &str, expr: String, x: i64, y: i64, w: i64, description: &str| {
        json!({
            "id": id,
            "type": "stat",
            "title": title,
            "description": description,
            "datasource": datasource(),
            "gridPos": {"h": 4, "w": w, "x": x, "y": y},
            "targets": [target(&expr, "{{process}}")],
            "fieldConfig": {
                "defaults": {
                    "min": 0,
                    "max": 1,
                    "thresholds": {"mode": "absolute", "steps": [
                        {"color": "red", "value": null},
                        {"color": "green", "value": 1}
                    ]},
                    "mappings": []
                },
                "overrides": []
            },
            "options": {
                "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": false},
                "colorMode": "background",
                "graphMode": "none",
                "justifyMode": "auto",
                "orientation": "auto",
                "textMode": "auto"
            }
        })
    };
    panels.push(stat(
        next(),
        "Run passed",
        query(request, "dpone_run_passed"),
        0,
        0,
        6,
        "1 when the latest dpone run passed (dpone_run_passed).",
    ));
    panels.push(stat(
        next(),
        "Daily pass ratio",
        "dpone:run_passed:avg_1d{process=~\"$process\"}".to_string(),
        6,
        0,
        6,
        "The share of passing samples over the last day (recording rule dpone:run_passed:avg_1d).",
    ));
    panels.push(stat(
        next(),
        "Objectives met",
        format!("min by (process) ({})", query(request, "dpone_slo_passed")),
        12,
        0,
        6,
        "1 when every objective held in the latest export (dpone_slo_passed).",
    ));
    panels.push(stat(
        next(),
        "No regression",
        format!(
            "min by (process) ({})",
            query(request, "dpone_regression_passed")
        ),
        18,
        0,
        6,
        "1 when every regression gate held in the latest export (dpone_regression_passed).",
    ));

    // The gated families first (in policy order), then the core ones.
    let mut families: Vec<&str> = Vec::new();
    for a in alerts {
        if let (Some(metric), AlertKind::AboveMax | AlertKind::BelowMin) = (&a.metric, a.kind) {
            if !families.contains(&metric.as_str()) {
                families.push(metric);
            }
        }
    }
    for rule in &request.gates.regressions {
        if !rule.selector.is_pattern() && !families.contains(&rule.selector.name.as_str()) {
            families.push(&rule.selector.name);
        }
    }
    for metric in CORE {
        if !families.contains(&metric) {
            families.push(metric);
        }
    }
    for (i, metric) in families.iter().enumerate() {
        let mut steps = vec![json!({"color": "green", "value": null})];
        // A min bound: red below it; a max bound: red above it.
        if let Some(first_min) = alerts
            .iter()
            .filter(|a| a.metric.as_deref() == Some(*metric) && a.kind == AlertKind::BelowMin)
            .filter_map(|a| a.bound)
            .reduce(f64::max)
        {
            steps = vec![
                json!({"color": "red", "value": null}),
                json!({"color": "green", "value": first_min}),
            ];
        }
        if let Some(max) = alerts
            .iter()
            .filter(|a| a.metric.as_deref() == Some(*metric) && a.kind == AlertKind::AboveMax)
            .filter_map(|a| a.bound)
            .reduce(f64::min)
        {
            steps.push(json!({"color": "red", "value": max}));
        }
        let gated = steps.len() > 1;
        let y = 4 + (i as i64 / 2) * 8;
        let x = (i as i64 % 2) * 12;
        panels.push(json!({
            "id": next(),
            "type": "timeseries",
            "title": metric.strip_prefix("dpone_").unwrap_or(metric),
            "description": if gated {
                format!("{metric}; the thresholds are the policy's objectives.")
            } else {
                format!("{metric}.")
            },
            "datasource": datasource(),
            "gridPos": {"h": 8, "w": 12, "x": x, "y": y},
            "targets": [target(&query(request, metric), "{{process}}")],
            "fieldConfig": {
                "defaults": {
                    "custom": {
                        "drawStyle": "points",
                        "pointSize": 6,
                        "thresholdsStyle": {"mode": if gated { "line" } else { "off" }}
                    },
                    "thresholds": {"mode": "absolute", "steps": steps},
                    "mappings": []
                },
                "overrides": []
            },
            "options": {
                "legend": {"displayMode": "list", "placement": "bottom", "showLegend": true, "calcs": []},
                "tooltip": {"mode": "multi", "sort": "none"}
            }
        }));
    }
    let variable = |name: &str, label: &str| {
        json!({
            "name": name,
            "label": label,
            "type": "query",
            "datasource": datasource(),
            "query": {"query": format!("label_values(dpone_run_passed, {name})"), "refId": format!("{name}-values")},
            "refresh": 2,
            "includeAll": true,
            "multi": true,
            "allValue": ".*",
            "current": {"text": "All", "value": "$__all"},
            "options": [],
            "sort": 1,
            "hide": 0
        })
    };
    let count = panels.len();
    let dashboard = json!({
        "uid": UID,
        "title": "dpone observability",
        "description": format!(
            "Generated by dpone-observability {} pack for metrics sent by {} (docs/pack.md).",
            env!("CARGO_PKG_VERSION"),
            request.source.as_str()
        ),
        "tags": ["dpone", "observability"],
        "editable": true,
        "graphTooltip": 1,
        "schemaVersion": 39,
        "version": 1,
        "time": {"from": "now-7d", "to": "now"},
        "timepicker": {},
        "timezone": "browser",
        "refresh": "5m",
        "links": [],
        "annotations": {"list": []},
        "templating": {"list": [
            {
                "name": "datasource",
                "label": "Prometheus",
                "type": "datasource",
                "query": "prometheus",
                "options": [],
                "refresh": 1,
                "hide": 0
            },
            variable("process", "Process"),
            variable("env", "Environment")
        ]},
        "panels": panels,
    });
    let mut text = serde_json::to_string_pretty(&dashboard).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    (text, count)
}
