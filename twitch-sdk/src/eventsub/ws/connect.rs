//! Opening one WebSocket connection: URL checks, TLS on the same stack as the HTTP client
//! (rustls with the crate's provider, or native-tls), and the backoff between attempts.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use tokio::net::TcpStream;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::error::{Error, Result};

/// A connected EventSub WebSocket.
pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Largest message accepted (Twitch's are a few KiB; a chat message with many fragments stays
/// far below this).
const MAX_MESSAGE: usize = 1 << 20;

/// Checks an EventSub URL: `wss://`, or `ws://` to a loopback host (the stand-in) unless
/// `allow_insecure`.
pub(crate) fn check_url(url: &str, allow_insecure: bool) -> Result<()> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| Error::Config(format!("EventSub URL `{url}`: {e}")))?;
    let host = parsed.host_str().unwrap_or("");
    let ip = host.trim_matches(['[', ']']).parse::<std::net::IpAddr>();
    let loopback = host.eq_ignore_ascii_case("localhost") || ip.is_ok_and(|ip| ip.is_loopback());
    match parsed.scheme() {
        "wss" => Ok(()),
        "ws" if loopback || allow_insecure => Ok(()),
        "ws" => Err(Error::Config(format!(
            "EventSub URL `{url}`: plain ws:// only to a loopback host (allow_insecure to override)"
        ))),
        other => Err(Error::Config(format!(
            "EventSub URL `{url}`: scheme `{other}` is not ws or wss"
        ))),
    }
}

/// Connects, with TCP_NODELAY and the crate's TLS backend for `wss://`.
pub(crate) async fn connect(url: &str) -> std::result::Result<Socket, String> {
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE));
    let connected =
        tokio_tungstenite::connect_async_tls_with_config(url, Some(config), true, tls()?).await;
    connected
        .map(|(socket, _)| socket)
        .map_err(|e| e.to_string())
}

#[cfg(any(feature = "rustls-ring", feature = "rustls-aws-lc"))]
fn tls() -> std::result::Result<Option<tokio_tungstenite::Connector>, String> {
    use std::sync::{Arc, OnceLock};

    use rustls_platform_verifier::BuilderVerifierExt;

    static CONFIG: OnceLock<std::result::Result<Arc<rustls::ClientConfig>, String>> =
        OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        #[cfg(feature = "rustls-ring")]
        let provider = rustls::crypto::ring::default_provider();
        #[cfg(not(feature = "rustls-ring"))]
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
            .with_safe_default_protocol_versions()
            .and_then(|b| b.with_platform_verifier())
            .map_err(|e| format!("TLS setup: {e}"))?
            .with_no_client_auth();
        Ok(Arc::new(config))
    });
    config
        .clone()
        .map(|c| Some(tokio_tungstenite::Connector::Rustls(c)))
}

#[cfg(not(any(feature = "rustls-ring", feature = "rustls-aws-lc")))]
fn tls() -> std::result::Result<Option<tokio_tungstenite::Connector>, String> {
    // native-tls (tokio-tungstenite's own default for wss://), or no TLS at all.
    Ok(None)
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
}
