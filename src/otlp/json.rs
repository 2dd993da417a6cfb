//! OTLP JSON read as a stream: the envelope (resourceSpans, scopeSpans,
//! spans) is walked with serde, and each span is decoded with the proto
//! crate's own serde support (hex ids, 64-bit integers as strings),
//! converted and dropped before the next one, so memory follows the spans
//! kept, not the body. Fields may come in any order: a resource that
//! follows its spans still names their service.

use std::fmt;

use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::Span as OtlpSpan;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::convert::{service_name, Batch};
use crate::trace::Event;

/// Converts one OTLP JSON export request.
pub fn convert(body: &[u8]) -> Result<Batch, serde_json::Error> {
    let mut batch = Batch::default();
    let mut reader = serde_json::Deserializer::from_slice(body);
    Request(&mut batch).deserialize(&mut reader)?;
    reader.end()?;
    Ok(batch)
}

/// A JSON object whose listed fields go to `field`, the rest ignored.
fn walk_map<'de, A: MapAccess<'de>>(
    mut map: A,
    mut field: impl FnMut(&str, &mut A) -> Result<bool, A::Error>,
) -> Result<(), A::Error> {
    while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
        if !field(&key, &mut map)? {
            map.next_value::<IgnoredAny>()?;
        }
    }
    Ok(())
}

struct Request<'a>(&'a mut Batch);

impl<'de> DeserializeSeed<'de> for Request<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Request<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an ExportTraceServiceRequest object")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let batch = self.0;
        walk_map(map, |key, map| match key {
            "resourceSpans" => map.next_value_seed(Each(batch, ResourceSpans)).map(|()| true),
            _ => Ok(false),
        })
    }
}

/// What to do with each element of a JSON array.
trait Element: Copy {
    fn element<'de, D: Deserializer<'de>>(self, batch: &mut Batch, deserializer: D) -> Result<(), D::Error>;
}

struct Each<'a, E>(&'a mut Batch, E);

impl<'de, E: Element> DeserializeSeed<'de> for Each<'_, E> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, E: Element> Visitor<'de> for Each<'_, E> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array")
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        let Each(batch, element) = self;
        while seq.next_element_seed(One(&mut *batch, element))?.is_some() {}
        Ok(())
    }
}

struct One<'a, E>(&'a mut Batch, E);

impl<'de, E: Element> DeserializeSeed<'de> for One<'_, E> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        self.1.element(self.0, deserializer)
    }
}

#[derive(Clone, Copy)]
struct ResourceSpans;
#[derive(Clone, Copy)]
struct ScopeSpans;
#[derive(Clone, Copy)]
struct Spans;

impl Element for ResourceSpans {
    fn element<'de, D: Deserializer<'de>>(self, batch: &mut Batch, deserializer: D) -> Result<(), D::Error> {
        struct Fields<'a>(&'a mut Batch);
        impl<'de> Visitor<'de> for Fields<'_> {
            type Value = ();
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a ResourceSpans object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
                let batch = self.0;
                let first = batch.lines.len();
                let mut resource: Option<Resource> = None;
                walk_map(map, |key, map| match key {
                    "resource" => map.next_value().map(|r| resource = r).map(|()| true),
                    "scopeSpans" => map.next_value_seed(Each(&mut *batch, ScopeSpans)).map(|()| true),
                    _ => Ok(false),
                })?;
                let service = service_name(resource.as_ref());
                for line in &mut batch.lines[first..] {
                    if let Event::Span(span) = &mut line.event {
                        span.service.clone_from(&service);
                    }
                }
                Ok(())
            }
        }
        deserializer.deserialize_map(Fields(batch))
    }
}

impl Element for ScopeSpans {
    fn element<'de, D: Deserializer<'de>>(self, batch: &mut Batch, deserializer: D) -> Result<(), D::Error> {
        struct Fields<'a>(&'a mut Batch);
        impl<'de> Visitor<'de> for Fields<'_> {
            type Value = ();
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a ScopeSpans object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
                let batch = self.0;
                walk_map(map, |key, map| match key {
                    "spans" => map.next_value_seed(Each(&mut *batch, Spans)).map(|()| true),
                    _ => Ok(false),
                })
            }
        }
        deserializer.deserialize_map(Fields(batch))
    }
}

impl Element for Spans {
    fn element<'de, D: Deserializer<'de>>(self, batch: &mut Batch, deserializer: D) -> Result<(), D::Error> {
        if batch.truncated {
            <IgnoredAny as serde::Deserialize>::deserialize(deserializer)?;
            return Ok(());
        }
        let span = <OtlpSpan as serde::Deserialize>::deserialize(deserializer)?;
        batch.push("", &span);
        Ok(())
    }
}
