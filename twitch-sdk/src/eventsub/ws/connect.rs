//! Opening one WebSocket connection: URL checks, and the opening handshake as an HTTP/1.1
//! upgrade through the SDK's own `reqwest` client, so a WebSocket travels over exactly the TLS
//! (and proxy) the Helix calls use; then the backoff between attempts.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use crate::error::{Error, Result};
use crate::http::chain;

/// A connected EventSub WebSocket.
pub(crate) type Socket = WebSocketStream<reqwest::Upgraded>;

/// Largest message accepted (Twitch's are a few KiB; a chat message with many fragments stays
/// far below this).
const MAX_MESSAGE: usize = 1 << 20;

/// Appended to the client's key before hashing, so a server proves it read the request as a
/// WebSocket handshake (RFC 6455, section 1.3).
const ACCEPT_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// Checks an EventSub URL: `wss://`, or `ws://` to a loopback host (the stand-in) unless
/// `allow_insecure`.
pub(crate) fn check_url(url: &str, allow_insecure: bool) -> Result<()> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| Error::Config(format!("EventSub URL `{url}`: {e}")))?;
    match parsed.scheme() {
        "wss" => Ok(()),
        "ws" if allow_insecure || crate::http::is_loopback(&parsed) => Ok(()),
        "ws" => Err(Error::Config(format!(
            "EventSub URL `{url}`: plain ws:// only to a loopback host (allow_insecure to override)"
        ))),
        other => Err(Error::Config(format!(
            "EventSub URL `{url}`: scheme `{other}` is not ws or wss"
        ))),
    }
}

/// Opens a WebSocket to `url` (`ws://` or `wss://`) through `http`, an HTTP/1.1-only client.
pub(crate) async fn connect(
    http: &reqwest::Client,
    url: &str,
) -> std::result::Result<Socket, String> {
    let mut target = reqwest::Url::parse(url).map_err(|e| format!("URL `{url}`: {e}"))?;
    let scheme = match target.scheme() {
        "wss" => "https",
        "ws" => "http",
        other => return Err(format!("URL `{url}`: scheme `{other}` is not ws or wss")),
    };
    // Both are special schemes, so the change cannot fail.
    let _ = target.set_scheme(scheme);
    let key = BASE64.encode(nonce());
    let response = http
        .get(target)
        .header(header::CONNECTION, "Upgrade")
        .header(header::UPGRADE, "websocket")
        .header(header::SEC_WEBSOCKET_VERSION, "13")
        .header(header::SEC_WEBSOCKET_KEY, &key)
        .send()
        .await
        .map_err(|e| chain(&e))?;
    check_answer(response.status(), response.headers(), &key)?;
    let upgraded = response.upgrade().await.map_err(|e| chain(&e))?;
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE));
    Ok(WebSocketStream::from_raw_socket(upgraded, Role::Client, Some(config)).await)
}

/// Whether the server accepted the handshake of `key` (RFC 6455, section 4.1).
fn check_answer(
    status: StatusCode,
    headers: &HeaderMap,
    key: &str,
) -> std::result::Result<(), String> {
    if status != StatusCode::SWITCHING_PROTOCOLS {
        return Err(format!(
            "the server answered {status}, not 101 Switching Protocols"
        ));
    }
    let has = |name: header::HeaderName, token: &str| {
        headers.get_all(name).iter().any(|value| {
            value
                .to_str()
                .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
        })
    };
    if !has(header::UPGRADE, "websocket") || !has(header::CONNECTION, "upgrade") {
        return Err("the server switched protocols, but not to WebSocket".to_owned());
    }
    // We ask for no extension (such as compression) and no subprotocol, so the server may not
    // pick one: the frames would not be what tungstenite reads.
    for name in [
        header::SEC_WEBSOCKET_EXTENSIONS,
        header::SEC_WEBSOCKET_PROTOCOL,
    ] {
        if headers.contains_key(&name) {
            return Err(format!("the server chose a {name} we did not offer"));
        }
    }
    let expected = accept(key);
    match headers.get(header::SEC_WEBSOCKET_ACCEPT) {
        Some(value) if value.as_bytes() == expected.as_bytes() => Ok(()),
        _ => Err("the server's Sec-WebSocket-Accept does not answer our key".to_owned()),
    }
}

/// The `Sec-WebSocket-Accept` a server must send for `key`.
fn accept(key: &str) -> String {
    let mut sha1 = sha1_smol::Sha1::new();
    sha1.update(key.as_bytes());
    sha1.update(ACCEPT_GUID.as_bytes());
    BASE64.encode(sha1.digest().bytes())
}

/// Sixteen unpredictable bytes for `Sec-WebSocket-Key` (a nonce, not a secret).
fn nonce() -> [u8; 16] {
    let half = || RandomState::new().build_hasher().finish().to_le_bytes();
    let mut bytes = [0; 16];
    bytes[..8].copy_from_slice(&half());
    bytes[8..].copy_from_slice(&half());
    bytes
}

/// Delays between reconnection attempts: doubling from `min` up to `max`, each drawn at
/// random from its upper half so many clients do not reconnect in step.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Backoff {
    pub min: Duration,
    pub max: Duration,
}

impl Backoff {
    /// The delay before attempt `attempt` (1 = the first retry).
    pub fn delay(&self, attempt: u32) -> Duration {
        let doubled = self
            .min
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let ceiling = doubled.min(self.max).max(self.min);
        let half = ceiling / 2;
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u32(attempt);
        let spread = half.as_nanos().max(1) as u64;
        half + Duration::from_nanos(hasher.finish() % spread)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_backoff() {
        assert!(check_url("wss://eventsub.wss.twitch.tv/ws", false).is_ok());
        assert!(check_url("ws://127.0.0.1:4000/ws", false).is_ok());
        assert!(check_url("ws://localhost/ws", false).is_ok());
        assert!(check_url("ws://evil.example/ws", false).is_err());
        assert!(check_url("ws://evil.example/ws", true).is_ok());
        assert!(check_url("https://x/ws", true).is_err());
        assert!(check_url("not a url", true).is_err());
        let backoff = Backoff {
            min: Duration::from_millis(100),
            max: Duration::from_secs(1),
        };
        for attempt in 1..40 {
            let d = backoff.delay(attempt);
            assert!(
                d >= Duration::from_millis(50) && d <= Duration::from_secs(1),
                "{d:?}"
            );
        }
        assert!(backoff.delay(1) <= Duration::from_millis(100));
    }

    #[test]
    fn the_handshake_answer_is_checked() {
        // RFC 6455's own example (section 1.3).
        let key = "dGhlIHNhbXBsZSBub25jZQ==";
        assert_eq!(accept(key), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        let answer = |pairs: &[(&'static str, &str)]| {
            let mut headers = HeaderMap::new();
            for (name, value) in pairs {
                headers.append(*name, value.parse().unwrap());
            }
            headers
        };
        let good = [
            ("upgrade", "WebSocket"),
            ("connection", "keep-alive, Upgrade"),
            ("sec-websocket-accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
        ];
        let switching = StatusCode::SWITCHING_PROTOCOLS;
        assert_eq!(check_answer(switching, &answer(&good), key), Ok(()));
        let err = check_answer(StatusCode::OK, &answer(&good), key).unwrap_err();
        assert!(err.contains("200 OK"), "{err}");
        let err = check_answer(switching, &answer(&good[1..]), key).unwrap_err();
        assert!(err.contains("not to WebSocket"), "{err}");
        let err = check_answer(switching, &answer(&good[..2]), key).unwrap_err();
        assert!(err.contains("Sec-WebSocket-Accept"), "{err}");
        for extra in [
            ("sec-websocket-extensions", "permessage-deflate"),
            ("sec-websocket-protocol", "chat"),
        ] {
            let chosen = [good[0], good[1], good[2], extra];
            let err = check_answer(switching, &answer(&chosen), key).unwrap_err();
            assert!(err.contains("did not offer"), "{err}");
        }
        let other = accept("AAAAAAAAAAAAAAAAAAAAAA==");
        let forged = [good[0], good[1], ("sec-websocket-accept", other.as_str())];
        assert!(check_answer(switching, &answer(&forged), key).is_err());
        // Keys differ from one connection to the next.
        assert_ne!(nonce(), nonce());
    }
}
