//! [`Event`]'s hand-written half: what every variant shares (its type and version, decoding by
//! type and version, encoding back to JSON). The variants and the per-type table are generated
//! from `spec/eventsub/*.yaml` into `generated/events.rs`.
//!
//! Compile time: the generated `Event::decode_known` is generic over the deserializer, and
//! every caller hands it the same one, `&mut serde_json::Deserializer<StrRead>` (through
//! [`Event::from_json`], or through [`EventSeed`] inside a payload or frame read with
//! `serde_json::Deserializer::from_str`), so the `Deserialize` of the 83 event models is
//! compiled once. A caller reading through another deserializer would compile all of them again.

use serde::de::{DeserializeSeed, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

pub use super::generated::events::Event;

impl Event {
    /// Decodes an event object of subscription type `r#type` and `version`. A type or version
    /// this SDK does not know becomes [`Event::Unknown`] holding the JSON.
    pub fn from_json(r#type: &str, version: &str, json: &str) -> serde_json::Result<Event> {
        let mut deserializer = serde_json::Deserializer::from_str(json);
        let event = EventSeed { r#type, version }.deserialize(&mut deserializer)?;
        deserializer.end()?;
        Ok(event)
    }

    /// The event as a JSON value, in Twitch's shape.
    // Inline: the serialization of all 83 event models is then compiled only in programs that
    // call this (the round-trip tests), not in every build of the SDK (BENCHMARKS.md).
    #[inline]
    pub fn to_json(&self) -> serde_json::Result<Value> {
        serde_json::to_value(self)
    }
}

/// Reads one event object as the [`Event`] of subscription type `r#type` and `version`, in
/// the middle of a larger document; [`Event::from_json`] is this for a document of its own.
/// Drive it only through `&mut serde_json::Deserializer<StrRead>` (module docs).
#[derive(Clone, Copy)]
pub(crate) struct EventSeed<'t> {
    /// The subscription type.
    pub(crate) r#type: &'t str,
    /// The subscription version.
    pub(crate) version: &'t str,
}

impl<'de> DeserializeSeed<'de> for EventSeed<'_> {
    type Value = Event;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Event, D::Error> {
        match Event::decode_known(self.r#type, self.version, deserializer) {
            Ok(event) => event,
            Err(deserializer) => Ok(Event::Unknown {
                r#type: self.r#type.to_owned(),
                version: self.version.to_owned(),
                raw: Value::deserialize(deserializer)?,
            }),
        }
    }
}

impl Serialize for Event {
    /// Writes the event object alone (what Twitch sends as `"event"`).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.serialize_payload(serializer)
    }
}
