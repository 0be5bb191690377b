//! The traces artifact streamed into bounded OTLP/HTTP requests. `opentelemetry_traces.json`
//! is read span by span (never parsed whole: a file of any size takes one span, one request
//! and the read buffers), each span converted to the OTLP message, and the spans cut into
//! requests of at most [`Limits::spans`] spans and [`Limits::bytes`] bytes of encoded spans (a
//! larger span goes alone). Each request carries its spans' resource and scope, as the
//! specification allows a client to split an export; the JSON encoding re-writes each span as
//! it was read, the protobuf one encodes the same message as before.
//!
//! The artifact must hold each entry's other keys before its list (`resource` before
//! `scopeSpans`, `scope` before `spans`), as this tool writes it; a key after the list is
//! refused rather than dropped.

use std::fmt;
use std::io::{BufReader, Read};
use std::rc::Rc;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::otlp::{self, Protocol};
use super::otlp_proto::{
    ExportTraceServiceRequest, InstrumentationScope, Resource, ResourceSpans, ScopeSpans, Span,
};
use crate::observability::json_input::NonFiniteQuoted;

/// How much one request carries at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub spans: usize,
    /// Encoded spans (protobuf, or their JSON text), before compression.
    pub bytes: usize,
}

impl Limits {
    /// 4,096 spans and 1 MiB, well under the request limits of collectors and backends (the
    /// Collector's OTLP receiver takes 20 MiB by default).
    pub const DEFAULT: Limits = Limits {
        spans: 4096,
        bytes: 1024 * 1024,
    };
}

/// Why a walk stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Halt {
    /// The artifact is not what this tool writes (or could not be read).
    Bad(String),
    /// The sink refused a batch (a request failed); its reason.
    Stopped(String),
}

impl Halt {
    pub fn text(self) -> String {
        match self {
            Halt::Bad(text) | Halt::Stopped(text) => text,
        }
    }
}

/// What a whole walk went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Walked {
    pub spans: usize,
    pub requests: usize,
}

/// A resource or a scope: its message, and its entry's other keys as JSON (`"key":value,`).
struct Head<T> {
    proto: T,
    json: Vec<u8>,
}

impl<T> Head<T> {
    fn new(proto: T, pairs: &[(String, Value)]) -> Result<Head<T>, String> {
        let mut json = Vec::new();
        for (key, value) in pairs {
            serde_json::to_writer(&mut json, key)
                .and_then(|()| {
                    json.push(b':');
                    serde_json::to_writer(&mut json, value)
                })
                .map_err(|err| bad(&err.to_string()))?;
            json.push(b',');
        }
        Ok(Head { proto, json })
    }
}

enum Item {
    Proto(Span),
    Json(Vec<u8>),
}

/// The spans of one batch under one resource and scope.
struct Group {
    /// Which `resourceSpans` and `scopeSpans` entry of the artifact (counted from 1).
    at: (usize, usize),
    resource: Rc<Head<Resource>>,
    scope: Rc<Head<InstrumentationScope>>,
    items: Vec<Item>,
}

/// One request's spans.
pub struct Batch {
    groups: Vec<Group>,
    /// Spans in it.
    pub spans: usize,
    bytes: usize,
}

impl Batch {
    fn new() -> Batch {
        Batch {
            groups: Vec::new(),
            spans: 0,
            bytes: 0,
        }
    }

    /// The request body: an `ExportTraceServiceRequest` in protobuf, or in OTLP/JSON.
    pub fn into_body(self, protocol: Protocol) -> Vec<u8> {
        match protocol {
            Protocol::Protobuf => prost::Message::encode_to_vec(&self.into_request()),
            Protocol::Json => self.into_json(),
        }
    }

    fn into_request(self) -> ExportTraceServiceRequest {
        let mut request = ExportTraceServiceRequest::default();
        let mut last = 0;
        for group in self.groups {
            if request.resource_spans.is_empty() || group.at.0 != last {
                request.resource_spans.push(ResourceSpans {
                    resource: Some(group.resource.proto.clone()),
                    scope_spans: Vec::new(),
                });
                last = group.at.0;
            }
            let spans = group.items.into_iter().filter_map(|item| match item {
                Item::Proto(span) => Some(span),
                Item::Json(_) => None,
            });
            if let Some(rs) = request.resource_spans.last_mut() {
                rs.scope_spans.push(ScopeSpans {
                    scope: Some(group.scope.proto.clone()),
                    spans: spans.collect(),
                });
            }
        }
        request
    }

    fn into_json(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.bytes + 1024);
        out.extend_from_slice(b"{\"resourceSpans\":[");
        let mut open: Option<usize> = None;
        for group in self.groups {
            match open {
                Some(at) if at == group.at.0 => out.push(b','),
                Some(_) => out.extend_from_slice(b"]},"),
                None => {}
            }
            if open != Some(group.at.0) {
                out.push(b'{');
                out.extend_from_slice(&group.resource.json);
                out.extend_from_slice(b"\"scopeSpans\":[");
                open = Some(group.at.0);
            }
            out.push(b'{');
            out.extend_from_slice(&group.scope.json);
            out.extend_from_slice(b"\"spans\":[");
            for (i, item) in group.items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                if let Item::Json(text) = item {
                    out.extend_from_slice(text);
                }
            }
            out.extend_from_slice(b"]}");
        }
        if open.is_some() {
            out.extend_from_slice(b"]}");
        }
        out.extend_from_slice(b"]}");
        out
    }
}

fn bad(what: &str) -> String {
    format!("the OTLP/JSON traces artifact: {what}")
}

/// The walk's state: the batch being filled and where the sink stands.
struct Walker<'s> {
    protocol: Protocol,
    limits: Limits,
    batch: Batch,
    sink: &'s mut dyn FnMut(Batch) -> Result<(), String>,
    halt: Option<Halt>,
    walked: Walked,
    /// The entries seen so far (the current one's number).
    resources: usize,
    scopes: usize,
}

impl Walker<'_> {
    /// Records why the walk stops and hands serde an error to unwind with.
    fn stop<E: de::Error>(&mut self, halt: Halt) -> E {
        self.halt = Some(halt);
        E::custom("stopped")
    }

    fn span(
        &mut self,
        value: &Value,
        resource: &Rc<Head<Resource>>,
        scope: &Rc<Head<InstrumentationScope>>,
    ) -> Result<(), Halt> {
        let span = otlp::span_from_artifact(value).map_err(Halt::Bad)?;
        let (item, size) = match self.protocol {
            Protocol::Protobuf => {
                let size = prost::Message::encoded_len(&span);
                (Item::Proto(span), size)
            }
            Protocol::Json => {
                let text = serde_json::to_vec(value).map_err(|e| Halt::Bad(bad(&e.to_string())))?;
                let size = text.len();
                (Item::Json(text), size)
            }
        };
        let full = self.batch.spans >= self.limits.spans
            || self.batch.bytes.saturating_add(size) > self.limits.bytes;
        if self.batch.spans > 0 && full {
            self.flush()?;
        }
        let at = (self.resources, self.scopes);
        match self.batch.groups.last_mut() {
            Some(group) if group.at == at => group.items.push(item),
            _ => self.batch.groups.push(Group {
                at,
                resource: Rc::clone(resource),
                scope: Rc::clone(scope),
                items: vec![item],
            }),
        }
        self.batch.spans += 1;
        self.batch.bytes += size;
        self.walked.spans += 1;
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Halt> {
        let batch = std::mem::replace(&mut self.batch, Batch::new());
        if batch.spans == 0 {
            return Ok(());
        }
        self.walked.requests += 1;
        (self.sink)(batch).map_err(Halt::Stopped)
    }
}

/// Walks the traces artifact read from `reader` (Python's `NaN`/`Infinity` tokens taken as
/// elsewhere), handing each full batch to `sink` in order; a sink's `Err` stops the walk.
/// Nothing is held but the batch being filled and the span being read.
pub fn walk(
    reader: &mut dyn Read,
    protocol: Protocol,
    limits: Limits,
    sink: &mut dyn FnMut(Batch) -> Result<(), String>,
) -> Result<Walked, Halt> {
    let mut walker = Walker {
        protocol,
        limits,
        batch: Batch::new(),
        sink,
        halt: None,
        walked: Walked {
            spans: 0,
            requests: 0,
        },
        resources: 0,
        scopes: 0,
    };
    let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(
        64 * 1024,
        NonFiniteQuoted::new(reader),
    ));
    let parsed = Root(&mut walker)
        .deserialize(&mut de)
        .and_then(|()| de.end());
    if let Some(halt) = walker.halt.take() {
        return Err(halt);
    }
    parsed.map_err(|err| Halt::Bad(bad(&err.to_string())))?;
    walker.flush()?;
    Ok(walker.walked)
}

/// The document: `resourceSpans`, other keys skipped.
struct Root<'w, 's>(&'w mut Walker<'s>);
/// `resourceSpans`, one entry after the other.
struct Resources<'w, 's>(&'w mut Walker<'s>);
/// One `resourceSpans` entry.
struct OneResource<'w, 's>(&'w mut Walker<'s>);
/// `scopeSpans` under a resource.
struct Scopes<'w, 's>(&'w mut Walker<'s>, Rc<Head<Resource>>);
/// One `scopeSpans` entry.
struct OneScope<'w, 's>(&'w mut Walker<'s>, Rc<Head<Resource>>);
/// `spans` under a scope, one span at a time.
struct Spans<'w, 's>(
    &'w mut Walker<'s>,
    Rc<Head<Resource>>,
    Rc<Head<InstrumentationScope>>,
);

impl<'de> DeserializeSeed<'de> for Root<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Root<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an ExportTraceServiceRequest")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "resourceSpans" && !found {
                found = true;
                map.next_value_seed(Resources(&mut *self.0))?;
            } else {
                map.next_value::<de::IgnoredAny>()?;
            }
        }
        if found {
            Ok(())
        } else {
            Err(self.0.stop(Halt::Bad(bad("no resourceSpans"))))
        }
    }
}

impl<'de> DeserializeSeed<'de> for Resources<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Resources<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of resourceSpans")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(OneResource(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

/// An entry's keys up to its list (`list`): kept as they are, for the JSON encoding; a key
/// after the list is refused.
fn head_pairs<'de, A: MapAccess<'de>>(
    walker: &mut Walker<'_>,
    map: &mut A,
    list: &str,
) -> Result<Vec<(String, Value)>, A::Error> {
    let mut pairs = Vec::new();
    while let Some(key) = map.next_key::<String>()? {
        if key == list {
            return Ok(pairs);
        }
        let value: Value = map.next_value()?;
        pairs.push((key, value));
    }
    Err(walker.stop(Halt::Bad(bad(&format!("no {list}")))))
}

/// After an entry's list: nothing else may follow.
fn end_of_entry<'de, A: MapAccess<'de>>(
    walker: &mut Walker<'_>,
    map: &mut A,
    list: &str,
) -> Result<(), A::Error> {
    match map.next_key::<String>()? {
        None => Ok(()),
        Some(key) => Err(walker.stop(Halt::Bad(bad(&format!(
            "`{key}` comes after `{list}`; a streamed push needs every other key first"
        ))))),
    }
}

fn value_of<'a>(pairs: &'a [(String, Value)], key: &str) -> &'a Value {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map_or(&Value::Null, |(_, v)| v)
}

impl<'de> DeserializeSeed<'de> for OneResource<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for OneResource<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a resourceSpans entry")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let walker = self.0;
        let pairs = head_pairs(walker, &mut map, "scopeSpans")?;
        let head = otlp::span_resource(value_of(&pairs, "resource"))
            .and_then(|resource| Head::new(resource, &pairs));
        let head = match head {
            Ok(head) => Rc::new(head),
            Err(err) => return Err(walker.stop(Halt::Bad(err))),
        };
        walker.resources += 1;
        map.next_value_seed(Scopes(&mut *walker, head))?;
        end_of_entry(walker, &mut map, "scopeSpans")
    }
}

impl<'de> DeserializeSeed<'de> for Scopes<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Scopes<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of scopeSpans")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(OneScope(&mut *self.0, Rc::clone(&self.1)))?
            .is_some()
        {}
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for OneScope<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for OneScope<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a scopeSpans entry")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let walker = self.0;
        let pairs = head_pairs(walker, &mut map, "spans")?;
        let scope = otlp::span_scope(value_of(&pairs, "scope"));
        let head = match Head::new(scope, &pairs) {
            Ok(head) => Rc::new(head),
            Err(err) => return Err(walker.stop(Halt::Bad(err))),
        };
        walker.scopes += 1;
        map.next_value_seed(Spans(&mut *walker, self.1, head))?;
        end_of_entry(walker, &mut map, "spans")
    }
}

impl<'de> DeserializeSeed<'de> for Spans<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Spans<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of spans")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Spans(walker, resource, scope) = self;
        while let Some(value) = seq.next_element::<Value>()? {
            if let Err(halt) = walker.span(&value, &resource, &scope) {
                return Err(walker.stop(halt));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPAN: &str = r#"{"traceId":"0f611f6308a547692796ee6125cae8c7","spanId":"SPANID","parentSpanId":"024a9652b1b85ac6","name":"run","kind":1,"startTimeUnixNano":"1","endTimeUnixNano":"2","attributes":[{"key":"k","value":{"stringValue":"PAD"}}],"events":[],"status":{"code":1}}"#;

    /// An artifact of `scopes` scopes under two resources, `per_scope` spans each.
    fn artifact(per_scope: usize, pad: usize) -> String {
        let mut n = 0;
        let mut span = || {
            n += 1;
            SPAN.replace("SPANID", &format!("{n:016x}"))
                .replace("PAD", &"x".repeat(pad))
        };
        let mut scope = |name: &str| {
            let spans: Vec<String> = (0..per_scope).map(|_| span()).collect();
            format!(
                r#"{{"scope":{{"name":"{name}","version":"1"}},"spans":[{}]}}"#,
                spans.join(",")
            )
        };
        let (a, b, c) = (scope("a"), scope("b"), scope("c"));
        format!(
            r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"one"}}}}]}},"schemaUrl":"s","scopeSpans":[{a},{b}]}},{{"resource":{{"attributes":[]}},"scopeSpans":[{c}]}}]}}"#
        )
    }

    /// A reader that counts what was read from it.
    struct Counting<'a>(&'a [u8], Rc<std::cell::Cell<usize>>);

    impl Read for Counting<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.read(buf)?;
            self.1.set(self.1.get() + n);
            Ok(n)
        }
    }

    fn batches(text: &str, protocol: Protocol, limits: Limits) -> Vec<Batch> {
        let mut got = Vec::new();
        let walked = walk(&mut text.as_bytes(), protocol, limits, &mut |b| {
            got.push(b);
            Ok(())
        })
        .unwrap();
        assert_eq!(walked.requests, got.len());
        got
    }

    #[test]
    fn requests_keep_to_the_span_limit_and_carry_their_resource_and_scope() {
        let text = artifact(3, 1);
        let limits = Limits {
            spans: 4,
            bytes: 1 << 20,
        };
        for protocol in [Protocol::Protobuf, Protocol::Json] {
            let got = batches(&text, protocol, limits);
            let counts: Vec<usize> = got.iter().map(|b| b.spans).collect();
            assert_eq!(counts, [4, 4, 1], "{protocol:?}");
            let bodies: Vec<Vec<u8>> = got.into_iter().map(|b| b.into_body(protocol)).collect();
            // The first request: scope `a`'s three spans and `b`'s first, under the first
            // resource; the second: `b`'s last two and `c`'s first two, under two resources.
            let shape = |body: &[u8]| -> Vec<(usize, Vec<(String, usize)>)> {
                let request = match protocol {
                    Protocol::Protobuf => {
                        <ExportTraceServiceRequest as prost::Message>::decode(body).unwrap()
                    }
                    Protocol::Json => {
                        let value: Value = serde_json::from_slice(body).unwrap();
                        let rs = value["resourceSpans"].as_array().unwrap();
                        let mut request = ExportTraceServiceRequest::default();
                        for r in rs {
                            let mut out = ResourceSpans {
                                resource: Some(otlp::span_resource(&r["resource"]).unwrap()),
                                scope_spans: Vec::new(),
                            };
                            for s in r["scopeSpans"].as_array().unwrap() {
                                out.scope_spans.push(ScopeSpans {
                                    scope: Some(otlp::span_scope(&s["scope"])),
                                    spans: s["spans"]
                                        .as_array()
                                        .unwrap()
                                        .iter()
                                        .map(|v| otlp::span_from_artifact(v).unwrap())
                                        .collect(),
                                });
                            }
                            request.resource_spans.push(out);
                        }
                        request
                    }
                };
                request
                    .resource_spans
                    .iter()
                    .map(|r| {
                        (
                            r.resource.as_ref().unwrap().attributes.len(),
                            r.scope_spans
                                .iter()
                                .map(|s| (s.scope.as_ref().unwrap().name.clone(), s.spans.len()))
                                .collect(),
                        )
                    })
                    .collect()
            };
            assert_eq!(
                shape(&bodies[0]),
                [(1, vec![("a".into(), 3), ("b".into(), 1)])]
            );
            assert_eq!(
                shape(&bodies[1]),
                [(1, vec![("b".into(), 2)]), (0, vec![("c".into(), 2)])]
            );
            if protocol == Protocol::Json {
                let first: Value = serde_json::from_slice(&bodies[0]).unwrap();
                assert_eq!(first["resourceSpans"][0]["schemaUrl"], "s");
            }
        }
    }

    #[test]
    fn requests_keep_to_the_byte_limit_and_a_large_span_goes_alone() {
        let text = artifact(4, 1000);
        let limits = Limits {
            spans: 100,
            bytes: 3000,
        };
        for protocol in [Protocol::Protobuf, Protocol::Json] {
            let got = batches(&text, protocol, limits);
            assert!(got.iter().all(|b| b.bytes <= 3000), "{protocol:?}");
            assert_eq!(got.iter().map(|b| b.spans).sum::<usize>(), 12);
            assert!(got.len() >= 4, "{protocol:?}: {}", got.len());
            let one = Limits {
                spans: 100,
                bytes: 10,
            };
            let alone = batches(&text, protocol, one);
            assert!(alone.iter().all(|b| b.spans == 1), "{protocol:?}");
        }
    }

    #[test]
    fn the_first_request_leaves_before_the_file_is_read_through() {
        let text = artifact(4000, 1);
        let read = Rc::new(std::cell::Cell::new(0));
        let mut reader = Counting(text.as_bytes(), Rc::clone(&read));
        let mut at_first = None;
        let walked = walk(
            &mut reader,
            Protocol::Protobuf,
            Limits {
                spans: 100,
                bytes: 1 << 20,
            },
            &mut |_| {
                at_first.get_or_insert(read.get());
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(walked.spans, 12_000);
        assert_eq!(walked.requests, 120);
        // 100 spans of about 270 bytes, and the read buffers: far from the 3 MB of the file.
        let at_first = at_first.unwrap();
        assert!(at_first < 300_000, "{at_first} of {} bytes", text.len());
        // A sink that refuses stops the walk there.
        let mut calls = 0;
        let halt = walk(
            &mut text.as_bytes(),
            Protocol::Json,
            Limits::DEFAULT,
            &mut |_| {
                calls += 1;
                Err("HTTP 400".to_string())
            },
        );
        assert_eq!(halt, Err(Halt::Stopped("HTTP 400".to_string())));
        assert_eq!(calls, 1);
    }

    #[test]
    fn what_a_streamed_push_cannot_send_is_refused() {
        let walk_text = |text: &str| {
            walk(
                &mut text.as_bytes(),
                Protocol::Protobuf,
                Limits::DEFAULT,
                &mut |_| Ok(()),
            )
        };
        let late = r#"{"resourceSpans":[{"scopeSpans":[],"resource":{"attributes":[]}}]}"#;
        assert_eq!(
            walk_text(late),
            Err(Halt::Bad(
                "the OTLP/JSON traces artifact: `resource` comes after `scopeSpans`; a streamed \
                 push needs every other key first"
                    .to_string()
            ))
        );
        assert_eq!(
            walk_text(r#"{"other":1}"#),
            Err(Halt::Bad(
                "the OTLP/JSON traces artifact: no resourceSpans".to_string()
            ))
        );
        let bad_id = artifact(1, 1).replace("0000000000000001", "zz");
        assert_eq!(
            walk_text(&bad_id),
            Err(Halt::Bad(
                "the OTLP/JSON traces artifact: a span's spanId is not 16 hex digits".to_string()
            ))
        );
        let trailing = format!("{} x", artifact(1, 1));
        assert!(matches!(walk_text(&trailing), Err(Halt::Bad(_))));
    }
}
