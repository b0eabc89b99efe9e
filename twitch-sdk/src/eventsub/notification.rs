//! The messages every EventSub transport delivers, decoded: [`Notification`] (an event) and
//! [`Revocation`] (Twitch ended a subscription), with the [`Subscription`] object both carry.
//!
//! A transport (WebSocket session, conduit shard, webhook) hands over the message id, the
//! timestamp and the JSON object holding `"subscription"` (and `"event"` for a notification);
//! [`Notification::from_payload`] picks the typed [`Event`] by the subscription's type and
//! version. A type or version this SDK does not know becomes [`Event::Unknown`] with the raw JSON,
//! so a new Twitch type never fails a stream.
//!
//! A payload in the shape Twitch sends is read in one pass ([`Parts`], which the WebSocket
//! envelope reader also uses): each key once, the event read in place when its type is known by
//! then (from the subscription before it, or a WebSocket message's metadata), else kept raw until
//! the subscription says it. Any other payload, and every error, is read the general way: the
//! payload with the event kept raw, then the event; that way decides every error and warning.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use twitch_models::{Timestamp, TransportMethod};

use super::Event;
use super::event::EventSeed;
use super::one_pass;
use crate::decode::{excerpt, where_and_what};
use crate::error::{Error, Result};

/// The operation name decode errors of EventSub messages carry.
const DECODE_CONTEXT: &str = "eventsub-message";

/// The `subscription` object Twitch sends with every notification and revocation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    /// The subscription's id.
    pub id: String,
    /// Its type (`channel.follow`).
    pub r#type: String,
    /// Its version (`"1"`, `"2"`, `"beta"`).
    pub version: String,
    /// `enabled`, or in a revocation the reason (`authorization_revoked`, `user_removed`,
    /// `notification_failures_exceeded`, `version_removed`, …).
    pub status: String,
    /// What the subscription counts against the client's limit.
    #[serde(default)]
    pub cost: u64,
    /// The condition it was created with, as Twitch echoes it.
    #[serde(default)]
    pub condition: Value,
    /// Where it delivers events.
    pub transport: Transport,
    /// When it was created.
    pub created_at: Timestamp,
}

/// Where a subscription delivers events, as Twitch reports it inside a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transport {
    /// `webhook`, `websocket` or `conduit`.
    pub method: TransportMethod,
    /// The webhook callback URL (webhook only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback: Option<String>,
    /// The WebSocket session id (websocket only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// The conduit id (conduit only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conduit_id: Option<String>,
}

/// An event Twitch delivered for one of the client's subscriptions.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// The message id: the same for a redelivery, so it is the key for deduplication.
    pub message_id: String,
    /// When Twitch sent the message.
    pub timestamp: Timestamp,
    /// The subscription the event belongs to.
    pub subscription: Subscription,
    /// The event, typed by the subscription's type and version.
    pub event: Event,
}

impl Notification {
    /// Decodes a notification from `payload`: the JSON object holding `"subscription"` and
    /// `"event"` (a webhook request body, or a WebSocket message's `payload`).
    ///
    /// A type or version this SDK does not know decodes as [`Event::Unknown`]. Fields Twitch adds
    /// later are ignored. A known event whose fields do not match its model (Twitch changed a
    /// field's type) is kept as [`Event::Unknown`] too, and a warning naming the JSON path is
    /// logged; [`Event::from_json`] is the strict decoding. A payload that is not JSON or has no
    /// `subscription` is an [`Error::Decode`] naming the path.
    pub fn from_payload(
        message_id: impl Into<String>,
        timestamp: Timestamp,
        payload: &[u8],
    ) -> Result<Notification> {
        let (subscription, event) = Self::parts(payload)?;
        Ok(Notification {
            message_id: message_id.into(),
            timestamp,
            subscription,
            event,
        })
    }

    /// The subscription and the event of `payload`, decoded as [`from_payload`] does; a
    /// transport that owns the message id builds the notification without copying it.
    ///
    /// [`from_payload`]: Self::from_payload
    pub(crate) fn parts(payload: &[u8]) -> Result<(Subscription, Event)> {
        match std::str::from_utf8(payload).ok().and_then(read_parts) {
            Some(parts) => Ok(parts),
            None => Self::parts_in_two_passes(payload),
        }
    }

    /// [`parts`](Self::parts) the general way: the payload with the event kept raw, then the
    /// event by the subscription's type and version.
    fn parts_in_two_passes(payload: &[u8]) -> Result<(Subscription, Event)> {
        #[derive(Deserialize)]
        struct Wire<'a> {
            subscription: Subscription,
            // A batched type (drop.entitlement.grant) sends an `events` array instead.
            #[serde(borrow, alias = "events")]
            event: &'a RawValue,
        }
        let wire: Wire<'_> =
            serde_json::from_slice(payload).map_err(|e| decode_error(payload, payload, "", e))?;
        let raw = wire.event.get();
        let (kind, version) = (&wire.subscription.r#type, &wire.subscription.version);
        let event = match Event::from_json(kind, version, raw) {
            Ok(event) => event,
            // What Twitch sends must not fail a stream: an event that does not match its model
            // (a field Twitch changed) is kept as JSON and the mismatch is logged.
            Err(e) => match serde_json::from_str(raw) {
                Ok(raw) => {
                    let (path, message) = where_and_what(wire.event.get().as_bytes(), "event", &e);
                    tracing::warn!(r#type = %kind, %version, %path, %message, "EventSub event does not match its model; kept as Event::Unknown");
                    Event::Unknown {
                        r#type: kind.clone(),
                        version: version.clone(),
                        raw,
                    }
                }
                Err(e) => return Err(decode_error(payload, raw.as_bytes(), "event", e)),
            },
        };
        Ok((wire.subscription, event))
    }
}

/// The subscription and the event of a payload in the usual shape, read in one pass; `None` for
/// any other payload (then [`Notification::parts`] reads it the general way).
fn read_parts(payload: &str) -> Option<(Subscription, Event)> {
    let mut deserializer = serde_json::Deserializer::from_str(payload);
    let parts = Parts { expected: None }
        .deserialize(&mut deserializer)
        .ok()?;
    deserializer.end().ok()?;
    Some(parts)
}

/// Reads the object holding `subscription` and `event` (or `events`, the batched alias) in one
/// pass. The event is read by the type and version of the subscription when that came first,
/// else by `expected` (a WebSocket message's metadata), else it is kept raw and read after the
/// object, by the subscription's. Anything else (a key twice, a missing key, an event read as
/// another type or version than the subscription's, any error) ends the read with
/// [`one_pass::unusual`]. Drive it only through `&mut serde_json::Deserializer<StrRead>`
/// (event.rs says why).
pub(crate) struct Parts<'t> {
    /// The type and version to read an event by that comes before its subscription.
    pub(crate) expected: Option<EventSeed<'t>>,
}

impl<'de> DeserializeSeed<'de> for Parts<'_> {
    type Value = (Subscription, Event);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Parts<'_> {
    type Value = (Subscription, Event);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a notification payload")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        const KEYS: &[&str] = &["subscription", "event", "events"];
        let mut subscription: Option<Subscription> = None;
        let mut event = None;
        // An event before its subscription with no type expected: kept raw until the end.
        let mut raw_event: Option<&'de RawValue> = None;
        while let Some(key) = one_pass::next_key(&mut map, KEYS)? {
            match key {
                0 => one_pass::once(&mut subscription, || map.next_value())?,
                1 | 2 if event.is_some() || raw_event.is_some() => {
                    return Err(one_pass::unusual());
                }
                1 | 2 => match (&subscription, self.expected) {
                    (Some(s), _) => event = Some(map.next_value_seed(seed_of(s))?),
                    (None, Some(seed)) => event = Some(map.next_value_seed(seed)?),
                    (None, None) => raw_event = Some(map.next_value()?),
                },
                _ => one_pass::skip(&mut map)?,
            }
        }
        let subscription = subscription.ok_or_else(one_pass::unusual)?;
        let event = match (event, raw_event) {
            (Some(event), _) => event,
            (None, Some(raw)) => {
                let seed = seed_of(&subscription);
                Event::from_json(seed.r#type, seed.version, raw.get())
                    .map_err(|_| one_pass::unusual())?
            }
            (None, None) => return Err(one_pass::unusual()),
        };
        if event.subscription_type() != (&*subscription.r#type, &*subscription.version) {
            return Err(one_pass::unusual());
        }
        Ok((subscription, event))
    }
}

/// The event seed of `subscription`'s type and version.
fn seed_of(subscription: &Subscription) -> EventSeed<'_> {
    EventSeed {
        r#type: &subscription.r#type,
        version: &subscription.version,
    }
}

/// Twitch ended a subscription; [`Subscription::status`] says why.
#[derive(Debug, Clone, PartialEq)]
pub struct Revocation {
    /// The message id.
    pub message_id: String,
    /// When Twitch sent the message.
    pub timestamp: Timestamp,
    /// The subscription that ended; its `status` is the reason.
    pub subscription: Subscription,
}

impl Revocation {
    /// Decodes a revocation from `payload`: the JSON object holding `"subscription"`.
    pub fn from_payload(
        message_id: impl Into<String>,
        timestamp: Timestamp,
        payload: &[u8],
    ) -> Result<Revocation> {
        #[derive(Deserialize)]
        struct Wire {
            subscription: Subscription,
        }
        let wire: Wire =
            serde_json::from_slice(payload).map_err(|e| decode_error(payload, payload, "", e))?;
        Ok(Revocation {
            message_id: message_id.into(),
            timestamp,
            subscription: wire.subscription,
        })
    }
}

/// An [`Error::Decode`] for an EventSub message; `json` is the part serde read (the whole
/// payload, or the event inside it, then `prefix` is `event`).
fn decode_error(payload: &[u8], json: &[u8], prefix: &str, e: serde_json::Error) -> Error {
    let (path, message) = where_and_what(json, prefix, &e);
    Error::decode(DECODE_CONTEXT, path, message, excerpt(payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUBSCRIPTION: &str = r#"{"id":"f1c2a387","type":"example.future","version":"7","status":"enabled","cost":0,
        "condition":{"broadcaster_user_id":"1337"},"transport":{"method":"websocket","session_id":"AQoQ"},
        "created_at":"2019-11-16T10:11:12.634234626Z"}"#;

    fn at() -> Timestamp {
        Timestamp::parse("2019-11-16T10:11:12.634234626Z").unwrap()
    }

    #[test]
    fn an_unknown_type_keeps_its_json() {
        let payload = format!(r#"{{"subscription":{SUBSCRIPTION},"event":{{"x":[1,2]}}}}"#);
        let n = Notification::from_payload("m1", at(), payload.as_bytes()).unwrap();
        assert_eq!(n.message_id, "m1");
        assert_eq!(n.subscription.r#type, "example.future");
        assert_eq!(n.subscription.transport.session_id.as_deref(), Some("AQoQ"));
        match &n.event {
            Event::Unknown {
                r#type,
                version,
                raw,
            } => {
                assert_eq!((r#type.as_str(), version.as_str()), ("example.future", "7"));
                assert_eq!(raw, &serde_json::json!({"x": [1, 2]}));
            }
            other => panic!("expected Unknown, got {other:?}"),
        }
        assert_eq!(n.event.to_json().unwrap(), serde_json::json!({"x": [1, 2]}));
    }

    #[test]
    fn every_example_payload_reads_in_one_pass_as_in_two() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/examples/eventsub");
        let mut examples = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.display().to_string();
            if !name.ends_with(".json") || name.ends_with(".request.json") {
                continue;
            }
            let payload = std::fs::read_to_string(&path).unwrap();
            let one_pass = read_parts(&payload).unwrap_or_else(|| panic!("{name}"));
            let two = Notification::parts_in_two_passes(payload.as_bytes()).unwrap();
            assert_eq!(one_pass, two, "{name}");
            assert!(!matches!(one_pass.1, Event::Unknown { .. }), "{name}");
            examples += 1;
        }
        assert!(examples >= 83, "only {examples} examples");
    }

    #[test]
    fn unusual_payloads_are_read_in_two_passes() {
        let event = r#"{"x":[1,2]}"#;
        let usual = format!(r#"{{"subscription":{SUBSCRIPTION},"event":{event}}}"#);
        // The event first is kept raw and read once the subscription says its type.
        let event_first = format!(r#"{{"event":{event},"subscription":{SUBSCRIPTION}}}"#);
        for payload in [&usual, &event_first] {
            let parts = read_parts(payload).unwrap();
            assert_eq!(parts.1.subscription_type(), ("example.future", "7"));
            let two = Notification::parts_in_two_passes(payload.as_bytes()).unwrap();
            assert_eq!(parts, two);
        }
        let online = include_str!("../../../spec/examples/eventsub/stream.online.v1.json");
        let value: Value = serde_json::from_str(online).unwrap();
        let (sub, event) = (&value["subscription"], &value["event"]);
        let wrong = event.to_string().replace(r#""id":"9001""#, r#""id":9001"#);
        for unusual in [
            format!(r#"{{"subscription":{SUBSCRIPTION},"event":{event},"events":{event}}}"#),
            format!(r#"{{"event":{event},"events":{event},"subscription":{SUBSCRIPTION}}}"#),
            format!(r#"{{"subscription":{SUBSCRIPTION}}}"#),
            format!("{usual} x"),
            format!(r#"[{SUBSCRIPTION},{event}]"#),
            // A field of the wrong type, with the event after and before the subscription.
            format!(r#"{{"subscription":{sub},"event":{wrong}}}"#),
            format!(r#"{{"event":{wrong},"subscription":{sub}}}"#),
        ] {
            assert!(read_parts(&unusual).is_none(), "{unusual}");
        }
        // ... and read the general way, as before: kept as JSON.
        let wrong = format!(r#"{{"event":{wrong},"subscription":{sub}}}"#);
        let n = Notification::from_payload("m", at(), wrong.as_bytes()).unwrap();
        assert!(matches!(n.event, Event::Unknown { .. }), "{n:?}");
    }

    #[test]
    fn a_revocation_carries_the_reason_in_status() {
        let payload = format!(
            r#"{{"subscription":{}}}"#,
            SUBSCRIPTION.replace("enabled", "user_removed")
        );
        let r = Revocation::from_payload("m2", at(), payload.as_bytes()).unwrap();
        assert_eq!(r.subscription.status, "user_removed");
        assert_eq!(r.subscription.created_at, at());
    }

    #[test]
    fn bad_payloads_are_decode_errors_with_a_path() {
        let missing = br#"{"event":{}}"#;
        let err = Notification::from_payload("m", at(), missing).unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err}");
        let wrong = format!(
            r#"{{"subscription":{}}}"#,
            SUBSCRIPTION.replace(r#""cost":0"#, r#""cost":"x""#)
        );
        match Revocation::from_payload("m", at(), wrong.as_bytes()).unwrap_err() {
            Error::Decode { path, .. } => assert_eq!(path, "subscription.cost"),
            other => panic!("{other}"),
        }
        let not_json = Notification::from_payload("m", at(), b"<html>").unwrap_err();
        assert!(not_json.to_string().contains("not JSON"), "{not_json}");
    }
}
