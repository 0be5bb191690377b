//! Every metric the tool can export, catalogue by catalogue: each source's, then the gates'.
//! `docs/metrics.md` is checked against it, and the gates tell a pattern from a typo with it.

use super::gates;
use super::metrics::MetricSpec;
use super::sources::SOURCES;

/// Every metric any source can emit, catalogue by catalogue.
pub fn catalog() -> Vec<(&'static str, &'static [&'static MetricSpec])> {
    SOURCES
        .iter()
        .map(|(heading, _, specs)| (*heading, *specs))
        .chain([("gates (objectives and baseline)", &gates::CATALOG[..])])
        .collect()
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

#[cfg(test)]
mod tests {
    use super::super::sources::given_by;
    use super::*;

    #[test]
    fn every_source_metric_names_its_input_and_no_gate_series_does() {
        assert_eq!(
            given_by("dpone_freshness_lag_seconds"),
            Some("a run registry entry")
        );
        assert_eq!(given_by("dpone_duration_seconds"), Some("a run report"));
        assert_eq!(given_by("dpone_slo_passed"), None);
        assert_eq!(given_by("dpone_no_such_metric"), None);
        for (_, _, specs) in &SOURCES {
            assert!(specs.iter().all(|s| given_by(s.name).is_some()));
        }
    }
}
