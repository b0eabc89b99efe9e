//! Constructors for [`EventSubTransport`], whose fields depend on the transport method: writing
//! all five by hand invites a webhook without a secret or a conduit with a session id.

use crate::{EventSubTransport, TransportMethod};

impl EventSubTransport {
    /// Deliver events to an HTTPS `callback`, signed with `secret` (10 to 100 ASCII characters).
    pub fn webhook(callback: impl Into<String>, secret: impl Into<String>) -> Self {
        EventSubTransport {
            method: TransportMethod::Webhook,
            callback: Some(callback.into()),
            secret: Some(secret.into()),
            session_id: None,
            conduit_id: None,
        }
    }

    /// Deliver events over the WebSocket session whose welcome message carried `session_id`.
    pub fn websocket(session_id: impl Into<String>) -> Self {
        EventSubTransport {
            method: TransportMethod::Websocket,
            callback: None,
            secret: None,
            session_id: Some(session_id.into()),
            conduit_id: None,
        }
    }

    /// Deliver events to the shards of the conduit `conduit_id`.
    pub fn conduit(conduit_id: impl Into<String>) -> Self {
        EventSubTransport {
            method: TransportMethod::Conduit,
            callback: None,
            secret: None,
            session_id: None,
            conduit_id: Some(conduit_id.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_transport_serializes_only_its_own_fields() {
        let json = |t: &EventSubTransport| serde_json::to_value(t).unwrap();
        assert_eq!(
            json(&EventSubTransport::webhook(
                "https://example.com/cb",
                "s3cr3t-value"
            )),
            serde_json::json!({"method": "webhook", "callback": "https://example.com/cb", "secret": "s3cr3t-value"})
        );
        assert_eq!(
            json(&EventSubTransport::websocket("AQoQ")),
            serde_json::json!({"method": "websocket", "session_id": "AQoQ"})
        );
        assert_eq!(
            json(&EventSubTransport::conduit("bfcfc993")),
            serde_json::json!({"method": "conduit", "conduit_id": "bfcfc993"})
        );
    }
}
