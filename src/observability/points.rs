//! The compact point store: every point of an export in a few words.
//!
//! An export can hold millions of points (a `--metrics-file` a scheduler wrote), and a point's
//! own data is small: a short name, a value and a label set it shares with its neighbours. So
//! the store keeps
//! - every name in one arena, a point holding its offset and length (a custom metric's raw
//!   name follows its exported name there, when it cannot be derived from it);
//! - each label and attribute set once, a point holding an index;
//! - each catalogue entry once, a point holding an index;
//! - the value flat.
//!
//! A point is a 24-byte [`Slot`] plus its name's bytes. Sorting and grouping into families move
//! slots, never names. Readers get a [`Point`] view, built on the fly.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use super::metrics::{
    sanitize_metric_name_into, CustomOrigin, LabelSet, MetricPoint, MetricSpec, NameOrigin, Point,
    METRIC_PREFIX,
};

/// One point: where its name is, what it is, its sets and its value.
#[derive(Debug, Clone, Copy)]
struct Slot {
    /// Offset of the exported name in the arena.
    start: u32,
    name_len: u32,
    /// Below [`KIND_CATALOG`]: a custom metric whose raw name, `kind` bytes long, follows the
    /// name in the arena. `KIND_CATALOG + i`: the catalogued metric `specs[i]`. Then the two
    /// custom metrics whose raw name is derived from the name.
    kind: u32,
    /// Index of the (labels, attributes) pair.
    sets: u32,
    value: f64,
}

const KIND_CATALOG: u32 = 1 << 31;
const KIND_NAME_WITHOUT_PREFIX: u32 = u32::MAX - 1;
const KIND_SAME_AS_NAME: u32 = u32::MAX;

/// The store addresses its names with 32-bit offsets: at most 4 GiB of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreFull;

impl fmt::Display for StoreFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the metric names of this export take more than 4 GiB; split the metrics file")
    }
}

impl std::error::Error for StoreFull {}

/// A (labels, attributes) pair interned in a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetsId(u32);

/// Every point of an export, in order.
#[derive(Debug, Default)]
pub struct Points {
    names: String,
    slots: Vec<Slot>,
    specs: Vec<&'static MetricSpec>,
    sets: Vec<(Arc<LabelSet>, Arc<LabelSet>)>,
    /// Interned sets by address: the store keeps every set alive, so no address is reused.
    set_ids: HashMap<(usize, usize), u32>,
    /// The pair interned last: points in a row mostly share it, and need no hashing.
    last_sets: Option<((usize, usize), u32)>,
}

/// The store's tables, borrowed apart from its slots so slots can be moved while read.
#[derive(Clone, Copy)]
struct Tables<'a> {
    names: &'a str,
    specs: &'a [&'static MetricSpec],
    sets: &'a [(Arc<LabelSet>, Arc<LabelSet>)],
}

impl<'a> Tables<'a> {
    fn name(&self, slot: &Slot) -> &'a str {
        let start = slot.start as usize;
        &self.names[start..start + slot.name_len as usize]
    }

    fn raw(&self, slot: &Slot) -> &'a str {
        match slot.kind {
            KIND_SAME_AS_NAME => self.name(slot),
            KIND_NAME_WITHOUT_PREFIX => &self.name(slot)[METRIC_PREFIX.len()..],
            kind if kind >= KIND_CATALOG => self.specs[(kind - KIND_CATALOG) as usize].name,
            len => {
                let start = slot.start as usize + slot.name_len as usize;
                &self.names[start..start + len as usize]
            }
        }
    }

    fn view(&self, slot: &Slot) -> Point<'a> {
        let spec = match slot.kind {
            KIND_SAME_AS_NAME | KIND_NAME_WITHOUT_PREFIX => None,
            kind if kind >= KIND_CATALOG => Some(self.specs[(kind - KIND_CATALOG) as usize]),
            _ => None,
        };
        let (labels, attributes) = &self.sets[slot.sets as usize];
        Point {
            name: self.name(slot),
            value: slot.value,
            labels,
            attributes,
            spec,
            raw: self.raw(slot),
        }
    }
}

impl Points {
    pub fn new() -> Self {
        Self::default()
    }

    /// A store of these points, in this order.
    pub fn try_from_points<'p>(
        points: impl IntoIterator<Item = &'p MetricPoint>,
    ) -> Result<Self, StoreFull> {
        let mut store = Points::new();
        store.extend(points)?;
        Ok(store)
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    fn tables(&self) -> Tables<'_> {
        Tables {
            names: &self.names,
            specs: &self.specs,
            sets: &self.sets,
        }
    }

    pub fn get(&self, index: usize) -> Option<Point<'_>> {
        let tables = self.tables();
        self.slots.get(index).map(|slot| tables.view(slot))
    }

    pub fn first(&self) -> Option<Point<'_>> {
        self.get(0)
    }

    pub fn iter(&self) -> Iter<'_> {
        Iter {
            tables: self.tables(),
            slots: self.slots.iter(),
        }
    }

    /// Interns a pair of sets (by address: points built together share their `Arc`s).
    pub fn sets(
        &mut self,
        labels: &Arc<LabelSet>,
        attributes: &Arc<LabelSet>,
    ) -> Result<SetsId, StoreFull> {
        let key = (
            Arc::as_ptr(labels) as usize,
            Arc::as_ptr(attributes) as usize,
        );
        if let Some((last, id)) = self.last_sets {
            if last == key {
                return Ok(SetsId(id));
            }
        }
        let id = match self.set_ids.get(&key) {
            Some(&id) => id,
            None => {
                let id = u32::try_from(self.sets.len()).map_err(|_| StoreFull)?;
                self.sets.push((Arc::clone(labels), Arc::clone(attributes)));
                self.set_ids.insert(key, id);
                id
            }
        };
        self.last_sets = Some((key, id));
        Ok(SetsId(id))
    }

    fn spec_kind(&mut self, spec: &'static MetricSpec) -> Result<u32, StoreFull> {
        let index = match self.specs.iter().rposition(|s| std::ptr::eq(*s, spec)) {
            Some(index) => index,
            None => {
                self.specs.push(spec);
                self.specs.len() - 1
            }
        };
        let kind = u32::try_from(index)
            .ok()
            .and_then(|i| KIND_CATALOG.checked_add(i))
            .filter(|kind| *kind < KIND_NAME_WITHOUT_PREFIX);
        kind.ok_or(StoreFull)
    }

    /// Appends text to the arena; its offset and length, or `StoreFull` (nothing appended).
    fn push_text(&mut self, text: &str) -> Result<(u32, u32), StoreFull> {
        let start = self.names.len();
        let end = start.checked_add(text.len()).ok_or(StoreFull)?;
        if u32::try_from(end).is_err() {
            return Err(StoreFull);
        }
        self.names.push_str(text);
        Ok((start as u32, text.len() as u32))
    }

    /// The slot for a point, its name (and raw name) appended to the arena.
    fn slot_for(&mut self, point: Point<'_>) -> Result<Slot, StoreFull> {
        let sets = self.sets(point.labels, point.attributes)?.0;
        let mark = self.names.len();
        let (start, name_len) = self.push_text(point.name)?;
        let kind = match point.spec {
            Some(spec) => self.spec_kind(spec),
            None if point.raw == point.name => Ok(KIND_SAME_AS_NAME),
            None if point.name.strip_prefix(METRIC_PREFIX) == Some(point.raw) => {
                Ok(KIND_NAME_WITHOUT_PREFIX)
            }
            None => self.raw_kind(point.raw),
        };
        let kind = kind.inspect_err(|_| self.names.truncate(mark))?;
        Ok(Slot {
            start,
            name_len,
            kind,
            sets,
            value: point.value,
        })
    }

    /// Appends a raw name after the name just pushed: its kind.
    fn raw_kind(&mut self, raw: &str) -> Result<u32, StoreFull> {
        let len = u32::try_from(raw.len())
            .ok()
            .filter(|len| *len < KIND_CATALOG)
            .ok_or(StoreFull)?;
        self.push_text(raw)?;
        Ok(len)
    }

    /// Appends a point.
    pub fn push(&mut self, point: Point<'_>) -> Result<(), StoreFull> {
        let slot = self.slot_for(point)?;
        self.slots.push(slot);
        Ok(())
    }

    /// Appends owned points, in order.
    pub fn extend<'p>(
        &mut self,
        points: impl IntoIterator<Item = &'p MetricPoint>,
    ) -> Result<(), StoreFull> {
        for point in points {
            self.push(point.as_point())?;
        }
        Ok(())
    }

    /// Appends a custom metric by its raw name, sanitised straight into the arena
    /// (see [`sanitize_metric_name`](super::metrics::sanitize_metric_name)).
    pub fn push_custom(&mut self, raw: &str, value: f64, sets: SetsId) -> Result<(), StoreFull> {
        let start = self.names.len();
        let origin = sanitize_metric_name_into(raw, &mut self.names);
        let name_len = self.names.len() - start;
        let kind = match origin {
            NameOrigin::SameAsName => Ok(KIND_SAME_AS_NAME),
            NameOrigin::NameWithoutPrefix => Ok(KIND_NAME_WITHOUT_PREFIX),
            NameOrigin::Raw => self.raw_kind(raw),
        };
        let fits = u32::try_from(self.names.len()).is_ok();
        let (Ok(kind), true) = (kind, fits) else {
            self.names.truncate(start);
            return Err(StoreFull);
        };
        self.slots.push(Slot {
            start: start as u32,
            name_len: name_len as u32,
            kind,
            sets: sets.0,
            value,
        });
        Ok(())
    }

    /// Appends a custom metric whose name is sanitised already.
    pub fn push_custom_named(
        &mut self,
        name: &str,
        origin: &CustomOrigin,
        value: f64,
        sets: SetsId,
    ) -> Result<(), StoreFull> {
        let (labels, attributes) = self.sets[sets.0 as usize].clone();
        self.push(Point {
            name,
            value,
            labels: &labels,
            attributes: &attributes,
            spec: None,
            raw: origin.raw(name),
        })
    }

    /// Keeps the points `keep` accepts, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(Point<'_>) -> bool) {
        let Points {
            names,
            slots,
            specs,
            sets,
            ..
        } = self;
        let tables = Tables { names, specs, sets };
        slots.retain(|slot| keep(tables.view(slot)));
    }

    /// Sorts the points by name, then raw name, then the order they were given in, and removes
    /// repeats: of one raw name the last given is kept; of different raw names with one
    /// exported name the first (in raw-name order) is kept and each other one is handed to
    /// `dropped` with the kept one. In place: the sort moves slots and allocates nothing.
    pub fn sort_and_dedup(&mut self, mut dropped: impl FnMut(Point<'_>, Point<'_>)) {
        let Points {
            names,
            slots,
            specs,
            sets,
            ..
        } = self;
        let t = Tables { names, specs, sets };
        // Names are appended as points are given, so `start` is the order they were given in:
        // it makes the unstable sort as deterministic as a stable one, without its buffer.
        let order = |a: &Slot, b: &Slot| {
            t.name(a)
                .cmp(t.name(b))
                .then_with(|| t.raw(a).cmp(t.raw(b)))
                .then(a.start.cmp(&b.start))
        };
        // Generated files are often sorted already.
        if !slots.is_sorted_by(|a, b| order(a, b).is_le()) {
            slots.sort_unstable_by(order);
        }
        let mut kept = 0;
        for read in 0..slots.len() {
            let here = slots[read];
            if kept > 0 && t.name(&slots[kept - 1]) == t.name(&here) {
                if t.raw(&slots[kept - 1]) == t.raw(&here) {
                    slots[kept - 1] = here;
                } else {
                    dropped(t.view(&here), t.view(&slots[kept - 1]));
                }
                continue;
            }
            slots[kept] = here;
            kept += 1;
        }
        slots.truncate(kept);
    }

    /// Puts `front` (few points, grouped into families) before the stored ones. A stored point
    /// named like one of `front`'s families joins that family, after its last point (families
    /// stay contiguous); one with the same labels as a point of `front` is handed to
    /// `duplicate` with that point, and removed.
    pub fn prepend_families(
        &mut self,
        front: &[MetricPoint],
        mut duplicate: impl FnMut(Point<'_>, Point<'_>),
    ) -> Result<(), StoreFull> {
        if front.is_empty() {
            return Ok(());
        }
        if self.slots.is_empty() {
            // No custom metric to place: the front is the whole.
            let mut head = Vec::with_capacity(front.len());
            for p in front {
                head.push(self.slot_for(p.as_point())?);
            }
            self.slots = head;
            return Ok(());
        }
        let mut families: HashMap<&str, usize> = HashMap::new();
        for p in front {
            let next = families.len();
            families.entry(&p.name).or_insert(next);
        }
        let mut joining: Vec<Vec<Slot>> = vec![Vec::new(); families.len()];
        {
            let Points {
                names,
                slots,
                specs,
                sets,
                ..
            } = &mut *self;
            let t = Tables { names, specs, sets };
            slots.retain(|slot| {
                let Some(&family) = families.get(t.name(slot)) else {
                    return true;
                };
                let point = t.view(slot);
                match front
                    .iter()
                    .find(|p| *p.name == *point.name && *p.labels == **point.labels)
                {
                    Some(kept) => duplicate(point, kept.as_point()),
                    None => joining[family].push(*slot),
                }
                false
            });
        }
        let mut head =
            Vec::with_capacity(front.len() + joining.iter().map(Vec::len).sum::<usize>());
        let mut i = 0;
        while i < front.len() {
            let name = &front[i].name;
            while i < front.len() && front[i].name == *name {
                head.push(self.slot_for(front[i].as_point())?);
                i += 1;
            }
            if let Some(&family) = families.get(&**name) {
                head.append(&mut joining[family]);
            }
        }
        self.slots.splice(0..0, head);
        Ok(())
    }
}

/// The distinct names of a store, sorted: one 4-byte index per family (a family's first
/// point), never a copy of a name.
pub struct Names<'a> {
    points: &'a Points,
    firsts: Vec<u32>,
}

impl<'a> Names<'a> {
    fn name(&self, index: u32) -> &'a str {
        let tables = self.points.tables();
        tables.name(&self.points.slots[index as usize])
    }

    pub fn contains(&self, name: &str) -> bool {
        self.firsts
            .binary_search_by(|&i| self.name(i).cmp(name))
            .is_ok()
    }

    /// The names in byte order.
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.firsts.iter().map(|&i| self.name(i))
    }

    pub fn len(&self) -> usize {
        self.firsts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.firsts.is_empty()
    }

    /// Keeps the names `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        let tables = self.points.tables();
        let slots = &self.points.slots;
        self.firsts
            .retain(|&i| keep(tables.name(&slots[i as usize])));
    }
}

impl Points {
    /// The distinct names, sorted.
    pub fn names(&self) -> Names<'_> {
        let tables = self.tables();
        let mut firsts: Vec<u32> = Vec::new();
        let mut previous: Option<&str> = None;
        for (i, slot) in self.slots.iter().enumerate() {
            let name = tables.name(slot);
            if previous != Some(name) {
                // Every name takes arena bytes, so the 4 GiB arena keeps the count of points
                // far below u32::MAX; an index past it would be left out, never wrapped.
                if let Ok(i) = u32::try_from(i) {
                    firsts.push(i);
                }
                previous = Some(name);
            }
        }
        let slots = &self.slots;
        let name = |i: &u32| tables.name(&slots[*i as usize]);
        firsts.sort_unstable_by(|a, b| name(a).cmp(name(b)));
        firsts.dedup_by(|a, b| name(a) == name(b));
        Names {
            points: self,
            firsts,
        }
    }
}

/// The points of a store, in order.
#[derive(Clone)]
pub struct Iter<'a> {
    tables: Tables<'a>,
    slots: std::slice::Iter<'a, Slot>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = Point<'a>;

    fn next(&mut self) -> Option<Point<'a>> {
        self.slots.next().map(|slot| self.tables.view(slot))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.slots.size_hint()
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> DoubleEndedIterator for Iter<'a> {
    fn next_back(&mut self) -> Option<Point<'a>> {
        self.slots.next_back().map(|slot| self.tables.view(slot))
    }
}

impl<'a> IntoIterator for &'a Points {
    type Item = Point<'a>;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observability::metrics::{sanitize_metric_name, Descriptor};

    fn custom(store: &mut Points, entries: &[(&str, f64)]) {
        let sets = store
            .sets(&LabelSet::empty(), &LabelSet::empty())
            .expect("sets");
        for (raw, value) in entries {
            store.push_custom(raw, *value, sets).expect("push");
        }
    }

    fn names(store: &Points) -> Vec<(String, String, f64)> {
        store
            .iter()
            .map(|p| (p.name.to_string(), p.raw_name().to_string(), p.value))
            .collect()
    }

    #[test]
    fn a_slot_is_24_bytes() {
        assert_eq!(size_of::<Slot>(), 24);
    }

    #[test]
    fn names_and_raw_names_round_trip() {
        let raws = [
            "Lag Seconds",
            "lag",
            "dpone_x",
            " dpone_x",
            "a.b",
            "задержка",
            "\u{212A}elvin",
            "dpone_bad-name",
        ];
        let mut store = Points::new();
        custom(&mut store, &raws.map(|r| (r, 1.0)));
        for (point, raw) in store.iter().zip(raws) {
            assert_eq!(point.name, &*sanitize_metric_name(raw).0);
            assert_eq!(point.raw_name(), raw);
            assert!(point.is_custom());
            assert_eq!(point.unit(), "1");
            let owned = point.to_owned_point();
            assert_eq!(owned.raw_name(), raw);
            assert_eq!(owned.as_point().name, point.name);
        }
    }

    #[test]
    fn sorting_keeps_the_last_of_a_raw_name_and_the_first_of_a_collision() {
        let mut store = Points::new();
        custom(
            &mut store,
            &[
                ("b", 1.0),
                ("a-x", 2.0),
                ("b", 3.0),
                ("a_x", 4.0),
                ("a-x", 5.0),
            ],
        );
        let mut dropped = Vec::new();
        store.sort_and_dedup(|d, k| {
            dropped.push((d.raw_name().to_string(), k.raw_name().to_string(), d.value))
        });
        assert_eq!(
            names(&store),
            [
                ("dpone_a_x".into(), "a-x".into(), 5.0),
                ("dpone_b".into(), "b".into(), 3.0)
            ]
        );
        assert_eq!(dropped, [("a_x".to_string(), "a-x".to_string(), 4.0)]);
    }

    #[test]
    fn source_families_come_first_and_custom_points_join_them() {
        static SPEC: MetricSpec = MetricSpec {
            name: "dpone_rows",
            unit: "{row}",
            description: "Rows.",
        };
        let labels = Arc::new(LabelSet::new([("env", "ci")]).expect("labels"));
        let other = Arc::new(LabelSet::new([("env", "prod")]).expect("labels"));
        let source = |labels: &Arc<LabelSet>| MetricPoint {
            name: SPEC.name.into(),
            value: 7.0,
            labels: Arc::clone(labels),
            attributes: LabelSet::empty(),
            descriptor: Descriptor::Catalog(&SPEC),
        };
        let front = [source(&labels)];
        let mut store = Points::new();
        let sets = store.sets(&other, &LabelSet::empty()).expect("sets");
        store.push_custom("a", 1.0, sets).expect("push");
        store.push_custom("dpone_rows", 2.0, sets).expect("push");
        let same = store.sets(&labels, &LabelSet::empty()).expect("sets");
        store.push_custom("rows", 3.0, same).expect("push");
        let mut duplicates = Vec::new();
        store
            .prepend_families(&front, |d, k| duplicates.push((d.value, k.value)))
            .expect("prepend");
        let order: Vec<(&str, f64, Option<&str>)> = store
            .iter()
            .map(|p| (p.name, p.value, p.spec.map(|s| s.unit)))
            .collect();
        assert_eq!(
            order,
            [
                ("dpone_rows", 7.0, Some("{row}")),
                ("dpone_rows", 2.0, None),
                ("dpone_a", 1.0, None)
            ]
        );
        assert_eq!(duplicates, [(3.0, 7.0)]);
    }

    #[test]
    fn retain_and_views_share_sets() {
        let mut store = Points::new();
        custom(&mut store, &[("a", 1.0), ("b", 2.0), ("c", 3.0)]);
        store.retain(|p| p.name != "dpone_b");
        assert_eq!(store.len(), 2);
        let (a, c) = (store.get(0).expect("a"), store.get(1).expect("c"));
        assert!(Arc::ptr_eq(a.labels, c.labels));
        assert_eq!(store.iter().next_back().map(|p| p.value), Some(3.0));
    }

    /// The store's sort and de-duplication, against the plain model they replace: owned
    /// points, a stable sort by (name, raw name), last-of-a-raw-name and first-of-a-collision.
    mod model {
        use super::*;
        use proptest::prelude::*;

        type Row = (String, String, f64);

        fn model(entries: &[(String, f64)]) -> (Vec<Row>, Vec<(String, String, f64)>) {
            let mut rows: Vec<Row> = entries
                .iter()
                .map(|(raw, v)| (sanitize_metric_name(raw).0.into(), raw.clone(), *v))
                .collect();
            rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
            let mut kept: Vec<Row> = Vec::new();
            let mut dropped = Vec::new();
            for row in rows {
                match kept.last_mut() {
                    Some(last) if last.0 == row.0 && last.1 == row.1 => *last = row,
                    Some(last) if last.0 == row.0 => {
                        dropped.push((row.1.clone(), last.1.clone(), row.2))
                    }
                    _ => kept.push(row),
                }
            }
            (kept, dropped)
        }

        fn raw_name() -> impl Strategy<Value = String> {
            let piece = prop::sample::select(vec![
                "a", "A", "b", "-", ".", "_", " ", "dpone_", "é", "\u{212A}", "1", "x",
            ]);
            prop::collection::vec(piece, 1..5).prop_map(|pieces| pieces.concat())
        }

        proptest! {
            #[test]
            fn sort_and_dedup_match_the_model(
                entries in prop::collection::vec((raw_name(), -5i32..5), 0..40)
            ) {
                let entries: Vec<(String, f64)> = entries
                    .into_iter()
                    .filter(|(raw, _)| !raw.trim().is_empty())
                    .map(|(raw, v)| (raw, f64::from(v)))
                    .collect();
                let mut store = Points::new();
                let sets = store.sets(&LabelSet::empty(), &LabelSet::empty()).expect("sets");
                for (raw, value) in &entries {
                    store.push_custom(raw, *value, sets).expect("push");
                }
                let mut dropped = Vec::new();
                store.sort_and_dedup(|d, k| {
                    dropped.push((d.raw_name().to_string(), k.raw_name().to_string(), d.value))
                });
                let (want, want_dropped) = model(&entries);
                prop_assert_eq!(names(&store), want);
                prop_assert_eq!(dropped, want_dropped);
            }
        }
    }
}
