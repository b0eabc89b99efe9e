//! Reading one EventSub WebSocket message: the `metadata` envelope and what its
//! `message_type` means. The payload of a notification or revocation stays raw here; the
//! session decodes it once, in [`decode`].

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;
use twitch_models::Timestamp;

use super::EventSubItem;
use crate::error::{Error, Result};
use crate::eventsub::{Notification, Revocation};

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
    /// `notification` or `revocation`: decoded by [`decode`] after the dedupe check.
    Message(Message<'a>),
    /// A message type this SDK does not know; tolerated.
    Other(String),
}

/// A notification or revocation not decoded yet.
#[derive(Debug)]
pub(crate) struct Message<'a> {
    pub message_id: String,
    pub revocation: bool,
    timestamp: Cow<'a, str>,
    payload: &'a RawValue,
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

/// Reads the envelope of one text frame.
pub(crate) fn parse(text: &str) -> Result<Frame<'_>> {
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
            revocation: message_type == "revocation",
            timestamp: message_timestamp,
            payload: payload.ok_or_else(|| bad("message without payload", text))?,
        }),
        _ => Frame::Other(message_type.into_owned()),
    })
}

/// Decodes a notification or revocation into the item the user sees. The one place EventSub
/// WebSocket payloads become typed.
pub(crate) fn decode(message: Message<'_>) -> EventSubItem {
    let Message {
        mut message_id,
        revocation,
        timestamp,
        payload,
    } = message;
    let timestamp = match Timestamp::parse(&timestamp) {
        Ok(t) => t,
        Err(e) => {
            let error = bad(format!("bad message_timestamp: {e}"), &timestamp);
            return EventSubItem::Undecodable { message_id, error };
        }
    };
    let bytes = payload.get().as_bytes();
    let decoded = if revocation {
        Revocation::from_payload(message_id.clone(), timestamp, bytes).map(EventSubItem::Revoked)
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
    use super::*;

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
