//! Entry points for the fuzz targets in `fuzz/` (see `fuzz/README.md`).
//!
//! Compiled only under `--cfg fuzzing`, which `cargo fuzz` sets: thin public wrappers over the
//! crate-internal parsers that read what the network sends (response bodies, error bodies, OAuth
//! answers, rate-limit headers), so libFuzzer can call them directly. Not part of the API.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderName, HeaderValue};
use serde::de::DeserializeOwned;

use crate::endpoint::Endpoint;
use crate::error::{Error, Result};
use crate::http::OauthResponse;

pub use crate::ratelimit::fuzzing::{Machine, Step};
pub use reqwest::header::HeaderMap;

/// [`Api::collect`](crate::Api::collect) and the paginator's decode: items and next cursor.
pub fn page<T: DeserializeOwned>(
    endpoint: &Endpoint,
    body: &[u8],
) -> Result<(Vec<T>, Option<String>)> {
    crate::decode::page(endpoint, &crate::decode::Policy::default(), body)
}

/// [`Api::list`](crate::Api::list)'s decode.
pub fn list<T: DeserializeOwned>(endpoint: &Endpoint, body: &[u8]) -> Result<Vec<T>> {
    crate::decode::list(endpoint, &crate::decode::Policy::default(), body)
}

/// [`Api::optional`](crate::Api::optional)'s decode.
pub fn optional<T: DeserializeOwned>(endpoint: &Endpoint, body: &[u8]) -> Result<Option<T>> {
    crate::decode::optional(endpoint, &crate::decode::Policy::default(), body)
}

/// [`Api::single`](crate::Api::single)'s decode.
pub fn single<T: DeserializeOwned>(endpoint: &Endpoint, body: &[u8]) -> Result<T> {
    crate::decode::single(endpoint, &crate::decode::Policy::default(), body)
}

/// [`Api::envelope`](crate::Api::envelope)'s decode.
pub fn whole<T: DeserializeOwned>(endpoint: &Endpoint, body: &[u8]) -> Result<T> {
    crate::decode::whole(endpoint, &crate::decode::Policy::default(), body)
}

/// The error a non-success Helix status becomes.
pub fn status_error(
    endpoint: &Endpoint,
    status: u16,
    body: &[u8],
    reset: Option<SystemTime>,
) -> Error {
    crate::decode::status_error(endpoint, status, body, reset)
}

/// Twitch's message from a JSON error body.
pub fn error_message(body: &[u8]) -> Option<String> {
    crate::decode::error_message(body)
}

/// The short quote of a body that errors carry.
pub fn excerpt(body: &[u8]) -> String {
    crate::decode::excerpt(body)
}

/// An OAuth `/token` answer with `status` and `body`, read as the token layer reads it.
pub fn oauth_token(status: u16, body: &[u8]) -> Result<crate::TokenSet> {
    let response = if (200..300).contains(&status) {
        OauthResponse::Ok(body.to_vec())
    } else {
        OauthResponse::Rejected {
            status,
            message: error_message(body).unwrap_or_else(|| excerpt(body)),
        }
    };
    crate::auth::token_response(response, "fuzzing")
}

/// A header map from raw pairs; pairs that are not valid header names or values are skipped,
/// as the HTTP layer would never hand them over.
pub fn header_map<'a>(pairs: impl IntoIterator<Item = (&'a [u8], &'a [u8])>) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        if let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
        {
            map.append(name, value);
        }
    }
    map
}

/// `Ratelimit-Limit`, `Ratelimit-Remaining` and `Ratelimit-Reset` as the bucket reads them.
pub fn rate_headers(headers: &HeaderMap) -> (Option<u32>, Option<u32>, Option<SystemTime>) {
    let h = crate::ratelimit::RateHeaders::from_headers(headers);
    (h.limit, h.remaining, h.reset)
}

/// `Retry-After` as the retry loop reads it.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    crate::session::retry_after(headers)
}

/// The EventSub WebSocket client's reading of one text frame: the envelope, then the typed
/// decode of a notification or revocation (the one call site the session uses). Returns what
/// the frame was, or the error the session would log. Panics when the one-pass read of a
/// notification gives anything but what the general read gives.
#[cfg(feature = "eventsub-ws")]
pub fn eventsub_frame(text: &str) -> Result<String> {
    use crate::eventsub::ws::frame::{self, Frame};
    let shown = |frame: Result<Frame<'_>>| -> Result<String> {
        Ok(match frame? {
            Frame::Welcome(info) => format!("welcome {}", info.id),
            Frame::Keepalive => "keepalive".to_owned(),
            Frame::Reconnect { url } => format!("reconnect {url}"),
            Frame::Other(kind) => format!("other {kind}"),
            Frame::Message(message) => format!("{:?}", frame::decode(message)),
        })
    };
    let read = shown(frame::parse(text));
    let general = shown(frame::parse_general(text));
    assert_eq!(
        format!("{read:?}"),
        format!("{general:?}"),
        "one pass and general read differ"
    );
    read
}
