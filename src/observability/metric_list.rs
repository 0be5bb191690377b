//! The metric list of `runtime_metrics.json` read back into points: the typed mirror of the
//! list `report::write_metrics_array` streams by hand (`attributes`, `description`, `labels`,
//! `name`, `unit`, `value` per entry). Each entry becomes a point whose descriptor writes the
//! same description and unit again, so a list this build wrote reads back into the points it
//! was written from.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::catalog::catalog;
use super::json_input::parse_number;
use super::metrics::{custom_raw_name, LabelError, LabelSet, MetricSpec, Point};
use super::points::Points;

/// Reads the list (the `deserialize_with` of `JsonReport::metrics`).
pub fn read<'de, 'a, D: Deserializer<'de>>(d: D) -> Result<Cow<'a, Points>, D::Error> {
    d.deserialize_seq(List).map(Cow::Owned)
}

/// One entry as the writer writes it. What an older export or the Python peer leaves out
/// (`attributes`, and in hand-made files `description`, `labels`, `unit`) is empty.
#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    attributes: BTreeMap<String, String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    name: String,
    #[serde(default)]
    unit: String,
    value: Value,
}

/// A value as dpone's own numbers are read: a number, a numeric string (`"NaN"`, `"Infinity"`
/// and `"-Infinity"` as the writer spells them), `null` for NaN; `None` for anything else,
/// which the list reports with the metric's place and name.
struct Value(Option<f64>);

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a metric value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value(Some(f64::NAN)))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value(Some(f64::NAN)))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value(Some(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value(Some(v as f64)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value(Some(v as f64)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value(parse_number(v)))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Value, E> {
        Ok(Value(None))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Value(None))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Value(None))
    }
}

struct List;

impl<'de> Visitor<'de> for List {
    type Value = Points;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of metrics")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Points, A::Error> {
        let mut list = ListReader::new();
        while let Some(entry) = seq.next_element::<Entry>()? {
            list.push(entry).map_err(de::Error::custom)?;
        }
        Ok(list.points)
    }
}

/// The points read so far. Entries in a row mostly share their labels and attributes, as the
/// writer's points do: one set for each run of them.
struct ListReader {
    points: Points,
    /// The catalogue by name.
    specs: HashMap<&'static str, Vec<&'static MetricSpec>>,
    labels: Arc<LabelSet>,
    attributes: Arc<LabelSet>,
    read: usize,
}

impl ListReader {
    fn new() -> Self {
        let mut specs: HashMap<&'static str, Vec<&'static MetricSpec>> = HashMap::new();
        for spec in catalog()
            .into_iter()
            .flat_map(|(_, list)| list.iter().copied())
        {
            specs.entry(spec.name).or_default().push(spec);
        }
        ListReader {
            points: Points::new(),
            specs,
            labels: LabelSet::empty(),
            attributes: LabelSet::empty(),
            read: 0,
        }
    }

    /// Adds one entry; the error names it (`metric #3 `name``) and says what is wrong.
    fn push(&mut self, entry: Entry) -> Result<(), String> {
        self.read += 1;
        let at = format!("metric #{} `{}`", self.read, entry.name);
        let value = entry
            .value
            .0
            .ok_or_else(|| format!("{at} has a non-numeric value"))?;
        // What the export itself guarantees (`LabelSet`): names neither empty nor reserved, and
        // distinct once sanitised for Prometheus.
        let set = |last: &Arc<LabelSet>, pairs| {
            shared(last, pairs)
                .map_err(|err| format!("{at} has labels that are empty, reserved or collide once sanitised for Prometheus: {err}"))
        };
        self.labels = set(&self.labels, entry.labels)?;
        self.attributes = set(&self.attributes, entry.attributes)?;
        let (spec, raw) = self.descriptor(&entry.name, &entry.description, &entry.unit);
        let point = Point {
            name: &entry.name,
            value,
            labels: &self.labels,
            attributes: &self.attributes,
            spec,
            raw,
        };
        self.points.push(point).map_err(|full| full.to_string())
    }

    /// The catalogue entry whose description and unit the entry has; else the custom metric its
    /// description names; else (an export of another release, the peer's, a hand-made file) the
    /// catalogue entry of that name or a custom metric named as exported.
    fn descriptor<'e>(
        &self,
        name: &'e str,
        description: &'e str,
        unit: &str,
    ) -> (Option<&'static MetricSpec>, &'e str) {
        let specs = self.specs.get(name).map_or(&[][..], Vec::as_slice);
        if let Some(spec) = specs
            .iter()
            .find(|s| s.description == description && s.unit == unit)
        {
            return (Some(spec), spec.name);
        }
        match (custom_raw_name(description), specs.first()) {
            (Some(raw), _) if unit == "1" => (None, raw),
            (_, Some(spec)) => (Some(spec), spec.name),
            _ => (None, name),
        }
    }
}

/// `last` again when the pairs are its own, else a new set.
fn shared(
    last: &Arc<LabelSet>,
    pairs: BTreeMap<String, String>,
) -> Result<Arc<LabelSet>, LabelError> {
    let same = last.len() == pairs.len()
        && last
            .iter()
            .zip(&pairs)
            .all(|(label, (key, value))| label.key == *key && label.value == *value);
    if same {
        return Ok(Arc::clone(last));
    }
    LabelSet::new(pairs).map(Arc::new)
}
