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

/// The order of names, then raw names.
fn by_name(t: &Tables<'_>, a: &Slot, b: &Slot) -> std::cmp::Ordering {
    t.name(a)
        .cmp(t.name(b))
        .then_with(|| t.raw(a).cmp(t.raw(b)))
}

/// Walks the runs of `same` slots (sorted, so each run is contiguous) and keeps of each the
/// slot given last, whose value wins: names are appended as metrics are given, so it is the
/// run's largest `start`, whatever order an unstable sort left the run in. `keep` is asked
/// with the slot kept before it.
fn keep_latest_of_runs(
    slots: &mut Vec<Slot>,
    same: impl Fn(&Slot, &Slot) -> bool,
    mut keep: impl FnMut(Option<&Slot>, &Slot) -> bool,
) {
    let (mut kept, mut read) = (0usize, 0);
    while read < slots.len() {
        let mut latest = slots[read];
        let mut end = read + 1;
        while end < slots.len() && same(&slots[end], &latest) {
            if slots[end].start > latest.start {
                latest = slots[end];
            }
            end += 1;
        }
        if keep(kept.checked_sub(1).map(|i| &slots[i]), &latest) {
            slots[kept] = latest;
            kept += 1;
        }
        read = end;
    }
    slots.truncate(kept);
}

/// Two slots of custom metrics with one name, raw name and label set: one is a repeat.
fn same_custom(t: &Tables<'_>, a: &Slot, b: &Slot) -> bool {
    let custom = |s: &Slot| s.kind < KIND_CATALOG || s.kind >= KIND_NAME_WITHOUT_PREFIX;
    custom(a) && custom(b) && a.sets == b.sets && t.name(a) == t.name(b) && t.raw(a) == t.raw(b)
}

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
#[derive(Debug, Default, Clone)]
pub struct Points {
    names: String,
    slots: Vec<Slot>,
    specs: Vec<&'static MetricSpec>,
    sets: Vec<(Arc<LabelSet>, Arc<LabelSet>)>,
    /// Interned sets by address: the store keeps every set alive, so no address is reused.
    set_ids: HashMap<(usize, usize), u32>,
    /// The pair interned last: points in a row mostly share it, and need no hashing.
    last_sets: Option<((usize, usize), u32)>,
    /// The slot count at which custom metrics are next compacted (see [`Points::push_custom`]);
    /// 0 until the first custom metric.
    compact_at: usize,
    /// Custom metrics given, repeats included.
    given: usize,
}

/// Custom metrics are compacted (each raw name once) when the store reaches this many slots,
/// and then whenever it doubles: a file that repeats its names costs the names it has, not its
/// length. Real sets stay below it and are never compacted.
const COMPACT_AT: usize = 8 << 20;

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
    #[cfg(test)]
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

    /// How many custom metrics were given (a repeat of a raw name counts; the store may keep
    /// one point for both).
    pub fn custom_given(&self) -> usize {
        self.given
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

    /// The tables to read and the slots to move, borrowed apart.
    fn split(&mut self) -> (Tables<'_>, &mut Vec<Slot>) {
        let tables = Tables {
            names: &self.names,
            specs: &self.specs,
            sets: &self.sets,
        };
        (tables, &mut self.slots)
    }

    pub fn get(&self, index: usize) -> Option<Point<'_>> {
        let tables = self.tables();
        self.slots.get(index).map(|slot| tables.view(slot))
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
        self.named_slot(point.name, point.spec, point.raw, point.value, sets)
    }

    /// Appends `name` (and `raw`, unless the kind derives it) to the arena: the slot, or
    /// `StoreFull` with nothing appended.
    fn named_slot(
        &mut self,
        name: &str,
        spec: Option<&'static MetricSpec>,
        raw: &str,
        value: f64,
        sets: u32,
    ) -> Result<Slot, StoreFull> {
        let mark = self.names.len();
        let (start, name_len) = self.push_text(name)?;
        let kind = match spec {
            Some(spec) => self.spec_kind(spec),
            None if raw == name => Ok(KIND_SAME_AS_NAME),
            None if name.strip_prefix(METRIC_PREFIX) == Some(raw) => Ok(KIND_NAME_WITHOUT_PREFIX),
            None => self.raw_kind(raw),
        };
        let kind = kind.inspect_err(|_| self.names.truncate(mark))?;
        Ok(Slot {
            start,
            name_len,
            kind,
            sets,
            value,
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
    ///
    /// Repeats of one raw name are resolved as they come where that changes nothing: the one
    /// right after its twin overwrites it (the later value wins anyway), and from
    /// [`COMPACT_AT`] slots on, the custom metrics are compacted to one per raw name whenever
    /// their count doubles. Collisions of different raw names are left for
    /// [`Points::sort_and_dedup`], which reports them.
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
        let slot = Slot {
            start: start as u32,
            name_len: name_len as u32,
            kind,
            sets: sets.0,
            value,
        };
        self.push_custom_slot(slot);
        Ok(())
    }

    /// Appends a custom metric whose name is sanitised already (a `--metric` flag, a YAML
    /// entry).
    pub fn push_custom_named(
        &mut self,
        name: &str,
        origin: &CustomOrigin,
        value: f64,
        sets: SetsId,
    ) -> Result<(), StoreFull> {
        let slot = self.named_slot(name, None, origin.raw(name), value, sets.0)?;
        self.push_custom_slot(slot);
        Ok(())
    }

    /// Appends a custom slot whose name was just appended, resolving repeats of one raw name
    /// where nothing is reported (see [`Points::push_custom`]).
    fn push_custom_slot(&mut self, slot: Slot) {
        self.given += 1;
        let twin = self
            .slots
            .last()
            .is_some_and(|last| same_custom(&self.tables(), last, &slot));
        if let (true, Some(last)) = (twin, self.slots.last_mut()) {
            // The twin right before: the later value wins, the earlier place stays.
            last.value = slot.value;
            self.names.truncate(slot.start as usize);
            return;
        }
        self.slots.push(slot);
        if self.compact_at == 0 {
            self.compact_at = COMPACT_AT;
        }
        if self.slots.len() >= self.compact_at {
            self.compact_repeats();
            self.compact_at = self.compact_at.max(self.slots.len().saturating_mul(2));
        }
    }

    /// Keeps one slot per (name, raw name, sets): the last given, whose value wins. The slots
    /// come out sorted and the arena holds their names only, in that order, so a metric given
    /// later still has a larger `start` than the one it repeats.
    fn compact_repeats(&mut self) {
        let (t, slots) = self.split();
        // Without the order given as a key, repeats are equal and the sort is quick on them.
        slots.sort_unstable_by(|a, b| by_name(&t, a, b).then(a.sets.cmp(&b.sets)));
        keep_latest_of_runs(slots, |a, b| same_custom(&t, a, b), |_, _| true);
        slots.shrink_to_fit();
        let mut compacted =
            String::with_capacity(slots.iter().map(|s| t.name(s).len() + t.raw(s).len()).sum());
        for slot in slots.iter_mut() {
            // The name, and the raw name stored after it.
            let stored = slot.name_len as usize
                + if slot.kind < KIND_CATALOG {
                    slot.kind as usize
                } else {
                    0
                };
            let from = slot.start as usize;
            // The compacted names are a subset of the arena: their offsets fit.
            slot.start = compacted.len() as u32;
            compacted.push_str(&t.names[from..from + stored]);
        }
        self.names = compacted;
    }

    /// Keeps the points `keep` accepts, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(Point<'_>) -> bool) {
        let (tables, slots) = self.split();
        slots.retain(|slot| keep(tables.view(slot)));
    }

    /// Sorts the points by name, then raw name, and removes repeats: of one raw name the last
    /// given is kept; of different raw names with one exported name the first (in raw-name
    /// order) is kept and each other one (the last value given under it) is handed to
    /// `dropped` with the kept one. In place: the sort moves slots and allocates nothing.
    pub fn sort_and_dedup(&mut self, mut dropped: impl FnMut(Point<'_>, Point<'_>)) {
        let (t, slots) = self.split();
        let order = |a: &Slot, b: &Slot| by_name(&t, a, b);
        // Generated files are often sorted already.
        if !slots.is_sorted_by(|a, b| order(a, b).is_le()) {
            slots.sort_unstable_by(order);
        }
        // One raw name is one metric, its last value; of one name, the first raw name is kept.
        let same = |a: &Slot, b: &Slot| t.name(a) == t.name(b) && t.raw(a) == t.raw(b);
        keep_latest_of_runs(slots, same, |before, latest| match before {
            Some(kept) if t.name(kept) == t.name(latest) => {
                dropped(t.view(latest), t.view(kept));
                false
            }
            _ => true,
        });
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
            let (t, slots) = self.split();
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

/// The distinct names of a store, sorted: one 4-byte index per family (of one of its points),
/// never a copy of a name.
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
                // far below u32::MAX.
                debug_assert!(u32::try_from(i).is_ok());
                firsts.push(i as u32);
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
            // A raw name given twice is one metric with its last value (as the peer's JSON
            // reader makes it); then, of one exported name, the first raw name is kept.
            let mut metrics: Vec<Row> = Vec::new();
            for row in rows {
                match metrics.last_mut() {
                    Some(last) if last.0 == row.0 && last.1 == row.1 => *last = row,
                    _ => metrics.push(row),
                }
            }
            let mut kept: Vec<Row> = Vec::new();
            let mut dropped = Vec::new();
            for row in metrics {
                match kept.last() {
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

        /// The old merge of custom points into the source families (`collect::merge_custom`
        /// before the store): joiners go after the last point of their family, a custom point
        /// with a source point's name and labels is dropped.
        /// A point of the model: name, label set, value.
        type Merged = (String, u8, f64);

        fn merge_model(front: &[Merged], custom: &[Merged]) -> (Vec<Merged>, Vec<(f64, f64)>) {
            let mut points = front.to_vec();
            let mut dropped = Vec::new();
            let mut rest = Vec::new();
            let mut joining = Vec::new();
            for c in custom {
                if !front.iter().any(|p| p.0 == c.0) {
                    rest.push(c.clone());
                    continue;
                }
                match front.iter().find(|p| p.0 == c.0 && p.1 == c.1) {
                    Some(kept) => dropped.push((c.2, kept.2)),
                    None => joining.push(c.clone()),
                }
            }
            for c in joining {
                let end = points
                    .iter()
                    .rposition(|p| p.0 == c.0)
                    .map_or(points.len(), |i| i + 1);
                points.insert(end, c);
            }
            points.extend(rest);
            (points, dropped)
        }

        static SPECS: [MetricSpec; 2] = [
            MetricSpec {
                name: "dpone_a",
                unit: "s",
                description: "A.",
            },
            MetricSpec {
                name: "dpone_b",
                unit: "s",
                description: "B.",
            },
        ];

        proptest! {
            #[test]
            fn sort_and_dedup_match_the_model(
                entries in prop::collection::vec((raw_name(), -5i32..5, any::<bool>()), 0..40),
                compact_at in prop::sample::select(vec![0usize, 1, 2, 3, 5, 8]),
            ) {
                // File entries first, then `--metric` flags, each in the order given.
                let (file, flags): (Vec<_>, Vec<_>) = entries
                    .into_iter()
                    .filter(|(raw, _, _)| !raw.trim().is_empty())
                    .map(|(raw, v, flag)| (raw, f64::from(v), flag))
                    .partition(|e| !e.2);
                let entries: Vec<(String, f64)> =
                    file.into_iter().chain(flags.clone()).map(|(r, v, _)| (r, v)).collect();
                let mut store = Points::new();
                store.compact_at = compact_at;
                let sets = store.sets(&LabelSet::empty(), &LabelSet::empty()).expect("sets");
                let file_count = entries.len() - flags.len();
                for (raw, value) in &entries[..file_count] {
                    store.push_custom(raw, *value, sets).expect("push");
                }
                for (raw, value) in &entries[file_count..] {
                    let (name, origin) = sanitize_metric_name(raw);
                    store.push_custom_named(&name, &origin, *value, sets).expect("push");
                }
                let mut dropped = Vec::new();
                store.sort_and_dedup(|d, k| {
                    dropped.push((d.raw_name().to_string(), k.raw_name().to_string(), d.value))
                });
                let (want, want_dropped) = model(&entries);
                prop_assert_eq!(names(&store), want);
                prop_assert_eq!(dropped, want_dropped);
            }

            #[test]
            fn source_families_merge_like_the_model(
                front in prop::collection::vec((0usize..2, 0u8..3), 0..6),
                custom in prop::collection::vec((prop::sample::select(vec!["a", "b", "c", "d"]), 0u8..3), 0..8),
            ) {
                let label_sets: Vec<Arc<LabelSet>> = (0..3)
                    .map(|i| Arc::new(LabelSet::new([("k", i.to_string())]).expect("labels")))
                    .collect();
                // The source points, grouped into families as `group_families` leaves them.
                let mut front = front;
                front.sort_by_key(|(spec, _)| *spec);
                front.dedup();
                let front_rows: Vec<(String, u8, f64)> = front
                    .iter()
                    .enumerate()
                    .map(|(i, (spec, set))| (SPECS[*spec].name.to_string(), *set, i as f64))
                    .collect();
                let owned: Vec<MetricPoint> = front
                    .iter()
                    .enumerate()
                    .map(|(i, (spec, set))| MetricPoint {
                        name: SPECS[*spec].name.into(),
                        value: i as f64,
                        labels: Arc::clone(&label_sets[*set as usize]),
                        attributes: LabelSet::empty(),
                        descriptor: Descriptor::Catalog(&SPECS[*spec]),
                    })
                    .collect();
                // Custom points, each name once (as after `sort_and_dedup`).
                let mut custom = custom;
                custom.sort();
                custom.dedup_by_key(|(name, _)| *name);
                let custom_rows: Vec<(String, u8, f64)> = custom
                    .iter()
                    .enumerate()
                    .map(|(i, (raw, set))| (format!("dpone_{raw}"), *set, 100.0 + i as f64))
                    .collect();
                let mut store = Points::new();
                for (raw, set) in &custom {
                    let id = store.sets(&label_sets[*set as usize], &LabelSet::empty()).expect("sets");
                    let value = 100.0 + store.len() as f64;
                    store.push_custom(raw, value, id).expect("push");
                }
                let mut dropped = Vec::new();
                store
                    .prepend_families(&owned, |d, k| dropped.push((d.value, k.value)))
                    .expect("prepend");
                let set_of = |p: &Point<'_>| {
                    label_sets.iter().position(|s| Arc::ptr_eq(s, p.labels)).expect("a known set") as u8
                };
                let got: Vec<(String, u8, f64)> =
                    store.iter().map(|p| (p.name.to_string(), set_of(&p), p.value)).collect();
                let (want, want_dropped) = merge_model(&front_rows, &custom_rows);
                prop_assert_eq!(got, want);
                prop_assert_eq!(dropped, want_dropped);
            }
        }
    }
}
