//! The gate series (`dpone_slo_passed`, `dpone_regression_ratio`, ...): grouped by family,
//! each series once; two gates on one series share it.

use super::*;

/// The gate series families, in catalogue order. Two gates on one series are merged by family:
/// a verdict keeps the failure, a bound the strictest value (`rule` says which way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum GateSeries {
    SloPassed,
    SloBound,
    RegressionPassed,
    RegressionRatio,
    RegressionBaseline,
}

/// A series the gates write (`dpone_slo_passed`, ...), as against a measured metric.
pub fn is_gate_series(name: &str) -> bool {
    CATALOG.iter().any(|spec| spec.name == name)
}

impl GateSeries {
    fn spec(self) -> &'static MetricSpec {
        CATALOG[self as usize]
    }

    /// The value two gates on one series share.
    fn merge(self, existing: f64, value: f64, rule: Option<&str>) -> f64 {
        match self {
            GateSeries::SloBound if rule == Some("max") => existing.min(value),
            GateSeries::SloBound => existing.max(value),
            GateSeries::SloPassed | GateSeries::RegressionPassed => existing.min(value),
            GateSeries::RegressionRatio | GateSeries::RegressionBaseline => existing,
        }
    }
}

/// The gate series, grouped by family, each series once.
pub(super) struct GatePoints {
    families: Vec<Vec<MetricPoint>>,
    /// Where each series is, by family and Prometheus label names and values.
    seen: HashMap<(&'static str, Labels), usize>,
    /// Gate families a collected point already uses (a custom metric named like one).
    taken: Vec<&'static str>,
    /// Those of them a gate wanted to write.
    skipped: BTreeSet<&'static str>,
}

impl GatePoints {
    pub(super) fn new(collected: &crate::observability::points::Names<'_>) -> Self {
        GatePoints {
            families: CATALOG.iter().map(|_| Vec::new()).collect(),
            seen: HashMap::new(),
            taken: CATALOG
                .iter()
                .map(|spec| spec.name)
                .filter(|name| collected.contains(name))
                .collect(),
            skipped: BTreeSet::new(),
        }
    }

    /// Adds one series: the gate's own labels, then the gated series' labels (a key that
    /// collides with a gate label is kept as `exported_<key>`, as Prometheus does).
    pub(super) fn push(
        &mut self,
        family: GateSeries,
        value: f64,
        own: &[(&str, &str)],
        series: &[(String, String)],
        attributes: &Arc<LabelSet>,
    ) {
        let spec = family.spec();
        if self.taken.contains(&spec.name) {
            self.skipped.insert(spec.name);
            return;
        }
        let mut pairs: Vec<(String, String)> = own
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        for (k, v) in series {
            let key = if own.iter().any(|(own_key, _)| own_key == k) {
                format!("exported_{k}")
            } else {
                k.clone()
            };
            pairs.push((key, v.clone()));
        }
        let labels = LabelSet::new(pairs).or_else(|_| LabelSet::new(own.iter().copied()));
        let Ok(labels) = labels else { return };
        let key: Vec<(String, String)> = labels
            .iter()
            .map(|l| (l.prometheus_name.clone(), l.value.clone()))
            .collect();
        // Two gates on one series (a policy objective and an `--objectives` one, say) share
        // the series: a failure wins, and the bound shown is the strictest, so the series and
        // the step's verdict never disagree.
        if let Some(&at) = self.seen.get(&(spec.name, key.clone())) {
            let existing = &mut self.families[family as usize][at];
            existing.value = family.merge(existing.value, value, existing.labels.get("rule"));
            return;
        }
        self.seen
            .insert((spec.name, key), self.families[family as usize].len());
        self.families[family as usize].push(MetricPoint {
            name: spec.name.into(),
            value,
            labels: Arc::new(labels),
            attributes: Arc::clone(attributes),
            descriptor: Descriptor::Catalog(spec),
        });
    }

    /// The series, and a duplicate-series blocker per gate family a collected point took.
    pub(super) fn finish(self) -> (Vec<MetricPoint>, Vec<Blocker>) {
        let blockers = self
            .skipped
            .iter()
            .map(|name| {
                Blocker::new(
                    Code::MetricsDuplicateSeries,
                    format!(
                        "`{name}` is a gate series name, but an input already gave a metric of \
                         that name; the gate series were not written (rename the custom metric)"
                    ),
                )
            })
            .collect();
        (self.families.into_iter().flatten().collect(), blockers)
    }
}
