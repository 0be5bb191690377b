//! Every metric the tool can export, catalogue by catalogue: each source's, then the gates'.
//! `docs/metrics.md` is checked against it, and the gates tell a pattern from a typo with it.

use super::gates;
use super::metrics::MetricSpec;
use super::sources::{benchmark, certification, run_registry, run_report, slo};

/// Every metric any source can emit, catalogue by catalogue.
pub fn catalog() -> Vec<(&'static str, &'static [&'static MetricSpec])> {
    vec![
        ("run report", &run_report::CATALOG),
        ("orchestrated run", &run_report::ORCHESTRATED_CATALOG),
        ("run registry entry", &run_registry::ENTRY_CATALOG),
        ("run registry index", &run_registry::INDEX_CATALOG),
        ("certification suite", &certification::SUITE_CATALOG),
        ("certification report", &certification::REPORT_CATALOG),
        ("benchmark baseline", &benchmark::BASELINE_CATALOG),
        ("benchmark-SLO gate", &benchmark::GATE_CATALOG),
        ("SLO report", &slo::CATALOG),
        ("gates (objectives and baseline)", &gates::CATALOG),
    ]
}

/// Every metric name the tool can export.
pub fn known_names() -> Vec<&'static str> {
    catalog()
        .into_iter()
        .flat_map(|(_, specs)| specs.iter().map(|s| s.name))
        .collect()
}

/// The unit of a metric the tool exports (`seconds`, `rows`, `rows/s`, …), by its exported
/// name; `1` (a plain number) for a custom metric.
pub fn unit_of(name: &str) -> &'static str {
    catalog()
        .into_iter()
        .flat_map(|(_, specs)| specs.iter())
        .find(|s| s.name == name)
        .map_or("1", |s| s.unit)
}
