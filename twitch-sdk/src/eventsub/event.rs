//! [`Event`]'s hand-written half: what every variant shares (its type and version, decoding by
//! type and version, encoding back to JSON). The variants and the per-type table are generated
//! from `spec/eventsub/*.yaml` into `generated/events.rs`.

use serde::{Serialize, Serializer};
use serde_json::Value;

pub use super::generated::events::Event;

impl Event {
    /// Decodes an event object of subscription type `r#type` and `version`. A type or version
    /// this SDK does not know becomes [`Event::Unknown`] holding the JSON.
    pub fn from_json(r#type: &str, version: &str, json: &str) -> serde_json::Result<Event> {
        match Event::decode_known(r#type, version, json) {
            Some(event) => event,
            None => Ok(Event::Unknown {
                r#type: r#type.to_owned(),
                version: version.to_owned(),
                raw: serde_json::from_str(json)?,
            }),
        }
    }

    /// The event as a JSON value, in Twitch's shape.
    // Inline: the serialization of all 83 event models is then compiled only in programs that
    // call this (the round-trip tests), not in every build of the SDK (BENCHMARKS.md).
    #[inline]
    pub fn to_json(&self) -> serde_json::Result<Value> {
        serde_json::to_value(self)
    }
}

impl Serialize for Event {
    /// Writes the event object alone (what Twitch sends as `"event"`).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.serialize_payload(serializer)
    }
}
