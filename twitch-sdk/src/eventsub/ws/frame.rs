//! Reading one EventSub WebSocket message: the `metadata` envelope and what its
//! `message_type` means.
//!
//! A notification in the shape Twitch sends (`metadata` before `payload`) is read in one pass,
//! envelope, subscription and event together, into a [`Notification`] waiting only for its
//! message id. Any other frame, and any problem in that pass, is read the general way: the
//! envelope with the payload kept raw, decoded later in [`decode`] (after the session's dedupe
//! check), with the errors, `Undecodable` items and logged warnings that way gives.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use twitch_models::Timestamp;

use super::EventSubItem;
use crate::error::{Error, Result};
use crate::eventsub::event::EventSeed;
use crate::eventsub::notification::Parts;
use crate::eventsub::one_pass;
use crate::eventsub::{Event, Notification, Revocation, Subscription};

/// The operation name errors about WebSocket frames carry.
const CONTEXT: &str = "eventsub-websocket";

/// One message from the EventSub WebSocket server.
#[derive(Debug)]
pub(crate) enum Frame<'a> {
    /// `session_welcome`: the session's id and keepalive.
    Welcome(SessionInfo),
    /// `session_keepalive`.
    Keepalive,
    /// `session_reconnect`: connect to `url` as it is.
    Reconnect { url: String },
    /// `notification` or `revocation`: turned into an item by [`decode`] after the dedupe check.
    Message(Message<'a>),
    /// A message type this SDK does not know; tolerated.
    Other(String),
}

/// A notification or revocation, not an item yet.
#[derive(Debug)]
pub(crate) struct Message<'a> {
    pub message_id: String,
    body: Body<'a>,
}

/// What a [`Message`] holds besides its id.
#[derive(Debug)]
enum Body<'a> {
    /// Read in the envelope's pass; its `message_id` is empty until [`decode`] moves it in.
    Read(Box<Notification>),
    /// Read the general way: the payload is still raw.
    Raw {
        revocation: bool,
        timestamp: Cow<'a, str>,
        payload: &'a RawValue,
    },
}

/// The `session` object of a welcome.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SessionInfo {
    pub id: String,
    #[serde(default)]
    pub keepalive_timeout_seconds: Option<u64>,
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    metadata: Metadata<'a>,
    #[serde(borrow)]
    payload: Option<&'a RawValue>,
}

/// Borrowed where the frame allows (no escapes), so a notification allocates only its id.
#[derive(Deserialize)]
struct Metadata<'a> {
    message_id: String,
    #[serde(borrow)]
    message_type: Cow<'a, str>,
    #[serde(borrow, default)]
    message_timestamp: Cow<'a, str>,
}

#[derive(Deserialize)]
struct SessionPayload {
    session: SessionFields,
}

#[derive(Deserialize)]
struct SessionFields {
    id: String,
    #[serde(default)]
    keepalive_timeout_seconds: Option<u64>,
    #[serde(default)]
    reconnect_url: Option<String>,
}

fn bad(message: impl Into<String>, text: &str) -> Error {
    Error::decode(
        CONTEXT,
        ".",
        message,
        crate::decode::excerpt(text.as_bytes()),
    )
}

/// Reads one text frame.
pub(crate) fn parse(text: &str) -> Result<Frame<'_>> {
    match read_notification(text) {
        Some(message) => Ok(Frame::Message(message)),
        None => parse_envelope(text),
    }
}

/// A notification in the usual shape, read in one pass; `None` for any other frame.
fn read_notification(text: &str) -> Option<Message<'_>> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let (metadata, (subscription, event)) =
        deserializer.deserialize_map(NotificationEnvelope).ok()?;
    deserializer.end().ok()?;
    let timestamp = Timestamp::parse(&metadata.timestamp.0).ok()?;
    Some(Message {
        message_id: metadata.message_id,
        body: Body::Read(Box::new(Notification {
            message_id: String::new(),
            timestamp,
            subscription,
            event,
        })),
    })
}

/// The metadata of a notification, as the one-pass reader needs it.
struct NotificationMetadata<'de> {
    message_id: String,
    timestamp: Text<'de>,
    subscription_type: Option<Text<'de>>,
    subscription_version: Option<Text<'de>>,
}

impl NotificationMetadata<'_> {
    /// The type and version to read an event by that comes before its subscription.
    fn expected(&self) -> Option<EventSeed<'_>> {
        Some(EventSeed {
            r#type: &self.subscription_type.as_ref()?.0,
            version: &self.subscription_version.as_ref()?.0,
        })
    }
}

impl<'de> Deserialize<'de> for NotificationMetadata<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(MetadataVisitor)
    }
}

/// Reads `metadata` when it is a notification's; any other ends the one-pass read.
struct MetadataVisitor;

impl<'de> Visitor<'de> for MetadataVisitor {
    type Value = NotificationMetadata<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("notification metadata")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        const KEYS: &[&str] = &[
            "message_id",
            "message_type",
            "message_timestamp",
            "subscription_type",
            "subscription_version",
        ];
        let mut message_id = None;
        let mut message_type: Option<Text<'de>> = None;
        let mut timestamp = None;
        let mut subscription_type = None;
        let mut subscription_version = None;
        while let Some(key) = one_pass::next_key(&mut map, KEYS)? {
            match key {
                0 => one_pass::once(&mut message_id, || map.next_value())?,
                1 => one_pass::once(&mut message_type, || map.next_value())?,
                2 => one_pass::once(&mut timestamp, || map.next_value())?,
                3 => one_pass::once(&mut subscription_type, || map.next_value())?,
                4 => one_pass::once(&mut subscription_version, || map.next_value())?,
                _ => one_pass::skip(&mut map)?,
            }
        }
        match (message_id, message_type, timestamp) {
            (Some(message_id), Some(Text(kind)), Some(timestamp)) if kind == "notification" => {
                Ok(NotificationMetadata {
                    message_id,
                    timestamp,
                    subscription_type,
                    subscription_version,
                })
            }
            _ => Err(one_pass::unusual()),
        }
    }
}

/// A JSON string, borrowed from the input unless it holds escapes.
#[derive(Deserialize)]
#[serde(transparent)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

/// Reads a notification's envelope whose `metadata` comes before its `payload`, and the
/// payload with it ([`Parts`]); any other shape ends the read.
struct NotificationEnvelope;

impl<'de> Visitor<'de> for NotificationEnvelope {
    type Value = (NotificationMetadata<'de>, (Subscription, Event));

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an EventSub notification")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        const KEYS: &[&str] = &["metadata", "payload"];
        let mut metadata: Option<NotificationMetadata<'de>> = None;
        let mut parts = None;
        while let Some(key) = one_pass::next_key(&mut map, KEYS)? {
            match key {
                0 => one_pass::once(&mut metadata, || map.next_value())?,
                1 => {
                    let read = metadata.as_ref().ok_or_else(one_pass::unusual)?;
                    let seed = Parts {
                        expected: read.expected(),
                    };
                    one_pass::once(&mut parts, || map.next_value_seed(seed))?;
                }
                _ => one_pass::skip(&mut map)?,
            }
        }
        match (metadata, parts) {
            (Some(metadata), Some(parts)) => Ok((metadata, parts)),
            _ => Err(one_pass::unusual()),
        }
    }
}

/// [`parse`] without the one-pass read, for the fuzz target to compare them.
#[cfg(fuzzing)]
pub(crate) fn parse_general(text: &str) -> Result<Frame<'_>> {
    parse_envelope(text)
}

/// Reads the envelope of one text frame the general way, keeping a payload raw.
fn parse_envelope(text: &str) -> Result<Frame<'_>> {
    let envelope: Envelope<'_> = serde_json::from_str(text)
        .map_err(|e| bad(format!("not an EventSub message: {e}"), text))?;
    let Metadata {
        message_id,
        message_type,
        message_timestamp,
    } = envelope.metadata;
    let payload = envelope.payload;
    let session = || -> Result<SessionFields> {
        let raw = payload.ok_or_else(|| bad("session message without payload", text))?;
        serde_json::from_str::<SessionPayload>(raw.get())
            .map(|p| p.session)
            .map_err(|e| bad(format!("bad session payload: {e}"), text))
    };
    Ok(match &*message_type {
        "session_welcome" => {
            let s = session()?;
            Frame::Welcome(SessionInfo {
                id: s.id,
                keepalive_timeout_seconds: s.keepalive_timeout_seconds,
            })
        }
        "session_keepalive" => Frame::Keepalive,
        "session_reconnect" => {
            let url = session()?
                .reconnect_url
                .filter(|u| !u.is_empty())
                .ok_or_else(|| bad("session_reconnect without reconnect_url", text))?;
            Frame::Reconnect { url }
        }
        "notification" | "revocation" => Frame::Message(Message {
            message_id,
            body: Body::Raw {
                revocation: message_type == "revocation",
                timestamp: message_timestamp,
                payload: payload.ok_or_else(|| bad("message without payload", text))?,
            },
        }),
        _ => Frame::Other(message_type.into_owned()),
    })
}

/// Decodes a notification or revocation into the item the user sees. The one place EventSub
/// WebSocket payloads become typed.
pub(crate) fn decode(message: Message<'_>) -> EventSubItem {
    match message.body {
        Body::Read(mut notification) => {
            notification.message_id = message.message_id;
            EventSubItem::Notification(notification)
        }
        Body::Raw {
            revocation,
            timestamp,
            payload,
        } => decode_raw(message.message_id, revocation, &timestamp, payload),
    }
}

/// [`decode`] for a message read the general way.
fn decode_raw(
    mut message_id: String,
    revocation: bool,
    timestamp: &str,
    payload: &RawValue,
) -> EventSubItem {
    let timestamp = match Timestamp::parse(timestamp) {
        Ok(t) => t,
        Err(e) => {
            let error = bad(format!("bad message_timestamp: {e}"), timestamp);
            return EventSubItem::Undecodable { message_id, error };
        }
    };
    let bytes = payload.get().as_bytes();
    let decoded = if revocation {
        Revocation::from_payload(message_id.clone(), timestamp, bytes)
            .map(|r| EventSubItem::Revoked(Box::new(r)))
    } else {
        Notification::parts(bytes).map(|(subscription, event)| {
            let notification = Notification {
                message_id: std::mem::take(&mut message_id),
                timestamp,
                subscription,
                event,
            };
            EventSubItem::Notification(Box::new(notification))
        })
    };
    decoded.unwrap_or_else(|error| EventSubItem::Undecodable { message_id, error })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::Value;

    use super::*;

    const AT: &str = "2023-07-19T14:56:51.634234626Z";

    /// A notification's `metadata`, with `subscription_type` and `_version` when given.
    fn metadata(id: &str, kind: Option<(&str, &str)>) -> String {
        let typed = kind
            .map(|(t, v)| format!(r#","subscription_type":"{t}","subscription_version":"{v}""#))
            .unwrap_or_default();
        format!(
            r#"{{"message_id":"{id}","message_type":"notification","message_timestamp":"{AT}"{typed}}}"#
        )
    }

    fn notification(id: &str, kind: Option<(&str, &str)>, payload: &str) -> String {
        format!(
            r#"{{"metadata":{},"payload":{payload}}}"#,
            metadata(id, kind)
        )
    }

    /// What the session gets from a frame, printed: the item, or the frame, or the error.
    fn shown(frame: Result<Frame<'_>>) -> String {
        match frame {
            Ok(Frame::Message(message)) => format!("{:?}", decode(message)),
            other => format!("{other:?}"),
        }
    }

    /// A frame read by [`parse`] (one pass when it can) and read the general way only.
    fn both(text: &str) -> (String, String) {
        (shown(parse(text)), shown(parse_envelope(text)))
    }

    #[test]
    fn every_example_reads_in_one_pass_as_the_general_way_reads_it() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/examples/eventsub");
        let mut examples = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            if !name.ends_with(".json") || name.ends_with(".request.json") {
                continue;
            }
            let payload = std::fs::read_to_string(&path).unwrap();
            let value: Value = serde_json::from_str(&payload).unwrap();
            let subscription = &value["subscription"];
            let kind = (
                subscription["type"].as_str().unwrap(),
                subscription["version"].as_str().unwrap(),
            );
            // As Twitch sends it (subscription first), and with the event first (serde_json
            // writes keys in order, `event`/`events` before `subscription`): the event is then
            // read by the metadata's type.
            let event_first = serde_json::to_string(&value).unwrap();
            assert!(event_first.starts_with(r#"{"event"#), "{name}");
            for payload in [&payload, &event_first] {
                let text = notification(&name, Some(kind), payload);
                let Some(message) = read_notification(&text) else {
                    panic!("{name}: not read in one pass: {}", shown(parse(&text)));
                };
                let EventSubItem::Notification(n) = decode(message) else {
                    panic!("{name}")
                };
                assert!(!matches!(n.event, Event::Unknown { .. }), "{name}: {n:?}");
                assert_eq!(n.message_id, name);
                let (one_pass, general) = both(&text);
                assert_eq!(one_pass, general, "{name}");
            }
            examples += 1;
        }
        assert!(examples >= 83, "only {examples} examples");
    }

    #[test]
    fn unusual_frames_read_as_the_general_way_reads_them() {
        let example = include_str!("../../../../spec/examples/eventsub/stream.online.v1.json");
        let value: Value = serde_json::from_str(example).unwrap();
        let sub = value["subscription"].to_string();
        let event = value["event"].to_string();
        let usual = format!(r#"{{"subscription":{sub},"event":{event}}}"#);
        let event_first = format!(r#"{{"event":{event},"subscription":{sub}}}"#);
        let online = Some(("stream.online", "1"));
        let future = Some(("example.future", "1"));
        // (case, frame, read in one pass, what the session gets contains)
        let cases = [
            ("usual", notification("a", online, &usual), true, "StreamOnlineV1"),
            (
                "payload before metadata",
                format!(r#"{{"payload":{usual},"metadata":{}}}"#, metadata("b", online)),
                false,
                "StreamOnlineV1",
            ),
            (
                "event first, type in metadata",
                notification("c", online, &event_first),
                true,
                "StreamOnlineV1",
            ),
            (
                "event first, no type in metadata",
                notification("d", None, &event_first),
                true,
                "StreamOnlineV1",
            ),
            (
                "event first, metadata names another type",
                notification("e", future, &event_first),
                false,
                "StreamOnlineV1",
            ),
            (
                "subscription first, metadata names another type",
                notification("f", future, &usual),
                true,
                "StreamOnlineV1",
            ),
            (
                "a field of the wrong type",
                notification("g", online, &usual.replace(r#""id":"9001""#, r#""id":9001"#)),
                false,
                r#"Unknown { type: "stream.online""#,
            ),
            (
                "a field of the wrong type, event first, no type in metadata",
                notification(
                    "g2",
                    None,
                    &event_first.replace(r#""id":"9001""#, r#""id":9001"#),
                ),
                false,
                r#"Unknown { type: "stream.online""#,
            ),
            (
                "an unknown type",
                notification("h", future, &usual.replace("stream.online", "example.future")),
                true,
                r#"Unknown { type: "example.future", version: "1", raw: Object {"#,
            ),
            (
                "a bad timestamp",
                notification("i", online, &usual).replace(AT, "yesterday"),
                false,
                r#"Undecodable { message_id: "i""#,
            ),
            (
                "garbage after the JSON",
                notification("j", online, &usual) + "x",
                false,
                "Err(Decode",
            ),
            (
                "the event twice",
                notification("k", online, &format!(r#"{{"subscription":{sub},"event":{event},"events":{event}}}"#)),
                false,
                r#"Undecodable { message_id: "k""#,
            ),
            (
                "a metadata key twice",
                notification("l", online, &usual).replace(r#""message_id":"l""#, r#""message_id":"l","message_id":"l2""#),
                false,
                "Err(Decode",
            ),
            (
                "a revocation",
                format!(
                    r#"{{"metadata":{{"message_id":"m","message_type":"revocation","message_timestamp":"{AT}"}},"payload":{{"subscription":{sub}}}}}"#
                ),
                false,
                "Revoked",
            ),
            (
                "a keepalive",
                r#"{"metadata":{"message_id":"n","message_type":"session_keepalive","message_timestamp":"2023-07-19T10:11:12.634234626Z"},"payload":{}}"#.to_owned(),
                false,
                "Keepalive",
            ),
        ];
        for (case, text, in_one_pass, expected) in cases {
            assert_eq!(
                read_notification(&text).is_some(),
                in_one_pass,
                "{case}: {text}"
            );
            let (one_pass, general) = both(&text);
            assert_eq!(one_pass, general, "{case}");
            assert!(one_pass.contains(expected), "{case}: {one_pass}");
        }
    }

    #[test]
    fn a_batched_type_reads_its_events_in_one_pass() {
        let example =
            include_str!("../../../../spec/examples/eventsub/drop.entitlement.grant.v1.json");
        let text = notification("b", Some(("drop.entitlement.grant", "1")), example);
        let Some(message) = read_notification(&text) else {
            panic!("not read in one pass")
        };
        let EventSubItem::Notification(n) = decode(message) else {
            panic!()
        };
        assert!(matches!(&n.event, Event::DropEntitlementGrantV1(events) if !events.is_empty()));
        let (one_pass, general) = both(&text);
        assert_eq!(one_pass, general);
    }

    #[test]
    fn an_error_about_a_huge_frame_stays_small() {
        // serde quotes the value it could not read; a path names every key it passed.
        let long = "x".repeat(5_000);
        let frames = [
            format!(
                r#"{{"metadata":{{"message_id":"a","message_type":"session_welcome"}},"payload":{{"session":{{"id":"s","keepalive_timeout_seconds":"{long}"}}}}}}"#
            ),
            format!(r#"{{"metadata":{{"message_id":"a","message_type":{{"{long}":1}}}}}}"#),
            format!(r#"{{"{long}":"#),
        ];
        for frame in frames {
            let shown = parse(&frame).unwrap_err().to_string();
            assert!(
                shown.len() < 1_000,
                "error of {} bytes: {shown}",
                shown.len()
            );
        }
    }

    #[test]
    fn envelopes_parse_and_garbage_is_an_error() {
        let welcome = r#"{"metadata":{"message_id":"a","message_type":"session_welcome","message_timestamp":"2023-07-19T14:56:51.634234626Z"},
            "payload":{"session":{"id":"AQoQ","status":"connected","keepalive_timeout_seconds":10,"reconnect_url":null}}}"#;
        match parse(welcome).unwrap() {
            Frame::Welcome(s) => assert_eq!(
                (s.id.as_str(), s.keepalive_timeout_seconds),
                ("AQoQ", Some(10))
            ),
            other => panic!("{other:?}"),
        }
        let reconnect = r#"{"metadata":{"message_id":"b","message_type":"session_reconnect"},
            "payload":{"session":{"id":"AQoQ","reconnect_url":"wss://x/ws?t=1"}}}"#;
        assert!(
            matches!(parse(reconnect).unwrap(), Frame::Reconnect { url } if url == "wss://x/ws?t=1")
        );
        let future =
            r#"{"metadata":{"message_id":"c","message_type":"session_future"},"payload":{}}"#;
        assert!(matches!(parse(future).unwrap(), Frame::Other(t) if t == "session_future"));
        for garbage in [
            "",
            "{}",
            "[1]",
            r#"{"metadata":{}}"#,
            r#"{"metadata":{"message_id":"x","message_type":"session_welcome"}}"#,
        ] {
            assert!(parse(garbage).is_err(), "{garbage}");
        }
        let bad_time = r#"{"metadata":{"message_id":"d","message_type":"notification","message_timestamp":"yesterday"},"payload":{}}"#;
        let Frame::Message(message) = parse(bad_time).unwrap() else {
            panic!()
        };
        assert!(matches!(decode(message), EventSubItem::Undecodable { .. }));
    }
}
