//! The Grafana dashboard checker (`common::grafana_dashboard_accepts`): Grafana's own dashboard
//! model from the npm package `@grafana/schema`, type-checked by tsc
//! (tests/validators/grafana_dashboard_check.py; `.ci/run` installs it). These tests show it is
//! live: the peer's real dashboard and a hand-written modern one pass, and each single breakage
//! of the modern one is rejected at its JSON path.

use crate::common;
use crate::common::{grafana_dashboard_accepts, repo, run_in, stderr};
use serde_json::{json, Value};
use std::path::PathBuf;

fn modern_dashboard_path() -> PathBuf {
    repo().join("tests/it/fixtures/grafana/valid_dashboard.json")
}

#[test]
fn the_peer_dashboard_fits_grafanas_model() {
    let peer = common::fixture("observability-pack/grafana_dashboard.json");
    let report = common::grafana_dashboard_check(std::slice::from_ref(&peer))
        .unwrap_or_else(|d| panic!("the peer's dashboard no longer fits the model:\n{d}"));
    assert!(
        report.contains("accepted by Grafana's dashboard model"),
        "{report}"
    );
}

#[test]
fn a_modern_dashboard_fits_grafanas_model() {
    let path = modern_dashboard_path();
    // What this fixture must keep covering, so that accepting it means something.
    let d = common::read_json(&path);
    assert_eq!(d["schemaVersion"], 39);
    assert_eq!(d["panels"][0]["type"], "timeseries");
    assert_eq!(
        d["panels"][0]["fieldConfig"]["defaults"]["thresholds"],
        json!({"mode": "absolute", "steps": [
            {"color": "green", "value": null}, {"color": "red", "value": 60}]})
    );
    assert_eq!(d["panels"][1]["type"], "stat");
    let vars = &d["templating"]["list"];
    assert_eq!(vars[0]["type"], "datasource");
    assert_eq!(vars[1]["type"], "query");
    assert_eq!(
        vars[1]["query"]["query"],
        "label_values(dpone_run_passed, process)"
    );
    grafana_dashboard_accepts(&[path]);
}

/// One breakage of the modern dashboard, and the JSON path and tsc error the checker must name.
struct Broken {
    name: &'static str,
    breaks: fn(&mut Value),
    at: &'static str,
    error: &'static str,
}

const BROKEN: &[Broken] = &[
    Broken {
        name: "gridpos_without_w",
        breaks: |d| {
            d["panels"][0]["gridPos"]
                .as_object_mut()
                .unwrap()
                .remove("w");
        },
        at: "$.panels[0].gridPos:",
        error: "TS2741: Property 'w' is missing",
    },
    Broken {
        name: "gridpos_w_string",
        breaks: |d| d["panels"][0]["gridPos"]["w"] = json!("12"),
        at: "$.panels[0].gridPos.w:",
        error: "TS2322: Type 'string' is not assignable to type 'number'",
    },
    Broken {
        name: "threshold_value_string",
        breaks: |d| {
            d["panels"][0]["fieldConfig"]["defaults"]["thresholds"]["steps"][1]["value"] =
                json!("60")
        },
        at: "$.panels[0].fieldConfig.defaults.thresholds.steps[1].value:",
        error: "TS2322: Type 'string' is not assignable to type 'number'",
    },
    Broken {
        name: "thresholds_mode_unknown",
        breaks: |d| {
            d["panels"][0]["fieldConfig"]["defaults"]["thresholds"]["mode"] = json!("relative")
        },
        at: "$.panels[0].fieldConfig.defaults.thresholds.mode:",
        error:
            "TS2322: Type '\"relative\"' is not assignable to type '\"absolute\" | \"percentage\"'",
    },
    Broken {
        name: "unknown_top_level_property",
        breaks: |d| d["dashboardTitle"] = json!("dpone runs"),
        at: "$.dashboardTitle:",
        error: "TS2353: Object literal may only specify known properties",
    },
    Broken {
        name: "no_schema_version",
        breaks: |d| {
            d.as_object_mut().unwrap().remove("schemaVersion");
        },
        at: "$:",
        error: "Property 'schemaVersion' is missing",
    },
    Broken {
        name: "timeseries_legend_unknown_option",
        breaks: |d| d["panels"][0]["options"]["legend"]["position"] = json!("bottom"),
        at: "$.panels[0].options.legend.position:",
        error: "TS2353: Object literal may only specify known properties",
    },
    Broken {
        name: "timeseries_custom_wrong_type",
        breaks: |d| d["panels"][0]["fieldConfig"]["defaults"]["custom"]["lineWidth"] = json!("1"),
        at: "$.panels[0].fieldConfig.defaults.custom.lineWidth:",
        error: "TS2322: Type 'string' is not assignable to type 'number'",
    },
    Broken {
        name: "stat_color_mode_unknown",
        breaks: |d| d["panels"][1]["options"]["colorMode"] = json!("rainbow"),
        at: "$.panels[1].options.colorMode:",
        error: "TS2322: Type '\"rainbow\"' is not assignable to type",
    },
    Broken {
        name: "panel_without_type",
        breaks: |d| {
            d["panels"][1].as_object_mut().unwrap().remove("type");
        },
        at: "$.panels[1]:",
        error: "Property 'type' is missing",
    },
    Broken {
        name: "variable_type_unknown",
        breaks: |d| d["templating"]["list"][1]["type"] = json!("promql"),
        at: "$.templating.list[1].type:",
        error: "TS2322: Type '\"promql\"' is not assignable to type 'VariableType",
    },
    Broken {
        name: "field_config_without_overrides",
        breaks: |d| {
            d["panels"][1]["fieldConfig"]
                .as_object_mut()
                .unwrap()
                .remove("overrides");
        },
        at: "$.panels[1].fieldConfig:",
        error: "TS2741: Property 'overrides' is missing",
    },
];

#[test]
fn each_breakage_of_a_modern_dashboard_is_rejected_where_it_is() {
    let valid = common::read_json(&modern_dashboard_path());
    let tmp = tempfile::tempdir().unwrap();
    let paths: Vec<PathBuf> = BROKEN
        .iter()
        .map(|b| {
            let mut d = valid.clone();
            (b.breaks)(&mut d);
            assert_ne!(d, valid, "{} changes nothing", b.name);
            let path = tmp.path().join(format!("{}.json", b.name));
            std::fs::write(&path, serde_json::to_vec_pretty(&d).unwrap()).unwrap();
            path
        })
        .collect();
    // One tsc run for the batch; every file holds exactly one breakage, so its diagnostic shows
    // that breakage alone was caught.
    let diagnostics = match common::grafana_dashboard_check(&paths) {
        Ok(report) => panic!("the broken dashboards were accepted:\n{report}"),
        Err(d) => d,
    };
    eprintln!("{diagnostics}");
    // A diagnostic is its first line and the indented lines after it.
    let mut blocks: Vec<String> = Vec::new();
    for line in diagnostics.lines() {
        match blocks.last_mut() {
            Some(block) if line.starts_with(' ') => {
                block.push('\n');
                block.push_str(line);
            }
            _ => blocks.push(line.to_string()),
        }
    }
    for (b, path) in BROKEN.iter().zip(&paths) {
        let prefix = format!("{}: {}", path.display(), b.at);
        assert!(
            blocks
                .iter()
                .any(|d| d.starts_with(&prefix) && d.contains(b.error)),
            "{}: no diagnostic `{prefix} ... {}`:\n{diagnostics}",
            b.name,
            b.error
        );
    }
}

/// The pack's dashboards, for both transports, are Grafana dashboards by Grafana's own model.
#[test]
fn the_packs_dashboards_satisfy_the_model() {
    let tmp = tempfile::tempdir().unwrap();
    let mut dashboards = Vec::new();
    for source in ["remote-write", "pushgateway"] {
        let out = tmp.path().join(source);
        let o = run_in(
            tmp.path(),
            &[
                "pack",
                "--policy",
                repo().join("examples/dpone-observability.yml").to_str().unwrap(),
                "--objectives",
                "{\"dpone_*_count\": {\"max\": 5}, \"throughput_rows_per_second\": {\"min\": 1000}}",
                "--source",
                source,
                "--output-dir",
                out.to_str().unwrap(),
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        dashboards.push(out.join("grafana_dashboard.json"));
    }
    grafana_dashboard_accepts(&dashboards);
}
