//! EventSub webhooks: deciding whether a request came from Twitch, and what to answer.
//!
//! [`WebhookVerifier`] owns the receiving side of the webhook transport (also used by conduit
//! shards with a webhook transport). It is framework-neutral: it takes the request's headers
//! (`http::HeaderMap`, which axum, hyper, actix and others hand out) and the raw body bytes, and
//! returns a [`WebhookOutcome`] that knows the response Twitch expects
//! ([`WebhookOutcome::response`], an `http::Response<String>`). For each request it
//!
//! 1. recomputes `HMAC-SHA256(secret, message id + timestamp + raw body)` and compares it with
//!    `Twitch-Eventsub-Message-Signature` (`sha256=<hex>`) in constant time, for each configured
//!    secret, so a secret can be rotated without dropping messages;
//! 2. refuses a timestamp older than ten minutes or more than a minute ahead of the clock;
//! 3. decodes the message by `Twitch-Eventsub-Message-Type`: a challenge (answered with the raw
//!    challenge as `text/plain`), a notification or a revocation;
//! 4. drops a notification or revocation whose id it has seen before ([`DedupeStore`]),
//!    answering `204` so Twitch stops resending it.
//!
//! Nothing in here panics on any input, and no outcome, error or log line carries a secret.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderValue, Response, StatusCode};
use serde::Deserialize;
use serde_json::Value;
use sha2::Sha256;

use super::{DEDUPE_HORIZON, DedupeStore, MemoryDedupe, Notification, Revocation, Subscription};
use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::models::Timestamp;
use crate::secret::Secret;

/// `Twitch-Eventsub-Message-Id`: the message id, the same for every redelivery.
pub const MESSAGE_ID: &str = "twitch-eventsub-message-id";
/// `Twitch-Eventsub-Message-Retry`: how many times Twitch tried this message before.
pub const MESSAGE_RETRY: &str = "twitch-eventsub-message-retry";
/// `Twitch-Eventsub-Message-Type`: `notification`, `webhook_callback_verification` or
/// `revocation`.
pub const MESSAGE_TYPE: &str = "twitch-eventsub-message-type";
/// `Twitch-Eventsub-Message-Signature`: `sha256=` and the hex HMAC of the message.
pub const MESSAGE_SIGNATURE: &str = "twitch-eventsub-message-signature";
/// `Twitch-Eventsub-Message-Timestamp`: when Twitch sent the message (RFC 3339).
pub const MESSAGE_TIMESTAMP: &str = "twitch-eventsub-message-timestamp";
/// `Twitch-Eventsub-Subscription-Type`: the subscription's type (`channel.follow`).
pub const SUBSCRIPTION_TYPE: &str = "twitch-eventsub-subscription-type";
/// `Twitch-Eventsub-Subscription-Version`: the subscription's version.
pub const SUBSCRIPTION_VERSION: &str = "twitch-eventsub-subscription-version";

/// How old a message may be: Twitch asks receivers to refuse anything older than ten minutes.
pub const MAX_AGE: Duration = Duration::from_secs(10 * 60);
/// How far ahead of the local clock a message may be dated (clock skew, not a replay window).
pub const MAX_AHEAD: Duration = Duration::from_secs(60);

/// `sha256=` and 64 hex digits: the only signature form Twitch sends.
const SIGNATURE_PREFIX: &[u8] = b"sha256=";
const SIGNATURE_HEX_LEN: usize = 64;

type HmacSha256 = Hmac<Sha256>;

/// Checks, decodes and deduplicates EventSub webhook requests. See the [module docs](self).
///
/// ```
/// # async fn demo(headers: http::HeaderMap, body: Vec<u8>) -> twitch_sdk::Result<()> {
/// use twitch_sdk::eventsub::webhook::{WebhookOutcome, WebhookVerifier};
///
/// let verifier = WebhookVerifier::new("the-secret-you-gave-twitch")?;
/// let outcome = verifier.verify(&headers, &body).await;
/// if let WebhookOutcome::Notification(notification) = &outcome {
///     println!("{:?}", notification.event);
/// }
/// let response = outcome.response(); // what to answer Twitch, in every case
/// # let _ = response;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct WebhookVerifier {
    secrets: Vec<Secret>,
    dedupe: Arc<dyn DedupeStore>,
    clock: Arc<dyn Clock>,
    max_age: Duration,
    max_ahead: Duration,
}

impl WebhookVerifier {
    /// A verifier for the subscriptions created with `secret`, deduplicating in this process.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when the secret is not 10 to 100 ASCII characters (Twitch refuses
    /// such a secret when the subscription is created, so no message could ever match).
    pub fn new(secret: impl Into<Secret>) -> Result<WebhookVerifier> {
        WebhookVerifier::with_secrets([secret])
    }

    /// A verifier accepting messages signed with any of `secrets`: keep the old secret next to
    /// the new one while subscriptions are recreated with the new one.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when there is no secret or one is not 10 to 100 ASCII characters.
    pub fn with_secrets<S: Into<Secret>>(
        secrets: impl IntoIterator<Item = S>,
    ) -> Result<WebhookVerifier> {
        let secrets: Vec<Secret> = secrets.into_iter().map(Into::into).collect();
        if secrets.is_empty() {
            return Err(invalid_secret("at least one secret is needed"));
        }
        if let Some(reason) = secrets
            .iter()
            .find_map(|s| crate::check::webhook_secret_problem(s.expose()))
        {
            return Err(invalid_secret(&reason));
        }
        let horizon = DEDUPE_HORIZON.max(MAX_AGE + MAX_AHEAD);
        Ok(WebhookVerifier {
            secrets,
            dedupe: Arc::new(MemoryDedupe::with_limits(horizon, 100_000)),
            clock: Arc::new(SystemClock),
            max_age: MAX_AGE,
            max_ahead: MAX_AHEAD,
        })
    }

    /// Remembers message ids in `store` instead of in this process, so several receivers behind
    /// one load balancer drop each other's duplicates. The store should remember an id for at
    /// least [`MAX_AGE`] + [`MAX_AHEAD`]; a shorter memory lets a captured request be replayed
    /// in the remaining part of the timestamp window.
    pub fn dedupe(mut self, store: Arc<dyn DedupeStore>) -> WebhookVerifier {
        self.dedupe = store;
        self
    }

    /// Judges timestamps against `clock` instead of the system clock (for tests).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> WebhookVerifier {
        self.clock = clock;
        self
    }

    /// Checks a request and decodes it; the outcome says what to answer
    /// ([`WebhookOutcome::response`]). Notifications and revocations are recorded in the dedupe
    /// store here, so hand them to work that cannot lose them (a queue) before answering.
    pub async fn verify(&self, headers: &HeaderMap, body: &[u8]) -> WebhookOutcome {
        let message = match self.authenticate(headers, body) {
            Ok(message) => message,
            Err(rejection) => return WebhookOutcome::Rejected(rejection),
        };
        let outcome = match decode(&message, body) {
            Ok(outcome) => outcome,
            Err(rejection) => return WebhookOutcome::Rejected(rejection),
        };
        let deduplicated = matches!(
            outcome,
            WebhookOutcome::Notification(_) | WebhookOutcome::Revocation(_)
        );
        if deduplicated && !self.dedupe.first_sighting(&message.id).await {
            tracing::debug!(message_id = %message.id, "eventsub webhook: duplicate message");
            return WebhookOutcome::Duplicate {
                message_id: message.id,
            };
        }
        outcome
    }

    /// The checks that need no store: headers, signature and timestamp. On success, the
    /// message's id, timestamp and type.
    ///
    /// # Errors
    ///
    /// The [`Rejection`] to answer with.
    pub fn authenticate(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<AuthenticMessage, Rejection> {
        let id = header(headers, MESSAGE_ID)?;
        let timestamp = header(headers, MESSAGE_TIMESTAMP)?;
        let signature = header(headers, MESSAGE_SIGNATURE)?;
        let kind = header(headers, MESSAGE_TYPE)?;
        let Some(signature) = parse_signature(signature.as_bytes()) else {
            return Err(reject(RejectReason::MalformedSignature));
        };
        if !self.signed_by_any_secret(id.as_bytes(), timestamp.as_bytes(), body, &signature) {
            return Err(reject(RejectReason::SignatureMismatch));
        }
        // Signed by Twitch from here on: the headers can be trusted and read as text.
        let (Ok(id), Ok(timestamp_text), Ok(kind)) =
            (id.to_str(), timestamp.to_str(), kind.to_str())
        else {
            return Err(reject(RejectReason::InvalidHeader));
        };
        let Ok(timestamp) = Timestamp::parse(timestamp_text) else {
            return Err(reject(RejectReason::InvalidTimestamp));
        };
        self.check_age(timestamp)?;
        Ok(AuthenticMessage {
            id: id.to_owned(),
            timestamp,
            kind: MessageKind::from_header(kind),
        })
    }

    /// Whether `signature` is the HMAC of the message under one of the secrets. Every secret is
    /// tried (no early exit), and each comparison is constant-time (`verify_slice`).
    fn signed_by_any_secret(
        &self,
        id: &[u8],
        timestamp: &[u8],
        body: &[u8],
        signature: &[u8],
    ) -> bool {
        self.secrets.iter().fold(false, |matched, secret| {
            let Ok(mut mac) = HmacSha256::new_from_slice(secret.expose().as_bytes()) else {
                return matched;
            };
            mac.update(id);
            mac.update(timestamp);
            mac.update(body);
            mac.verify_slice(signature).is_ok() | matched
        })
    }

    fn check_age(&self, timestamp: Timestamp) -> Result<(), Rejection> {
        let sent = timestamp.get().unix_timestamp_nanos();
        let now = unix_nanos(self.clock.now());
        let age = now.saturating_sub(sent);
        if age > self.max_age.as_nanos() as i128 {
            return Err(reject(RejectReason::Stale));
        }
        if -age > self.max_ahead.as_nanos() as i128 {
            return Err(reject(RejectReason::FromTheFuture));
        }
        Ok(())
    }
}

impl fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("secrets", &self.secrets)
            .field("max_age", &self.max_age)
            .field("max_ahead", &self.max_ahead)
            .finish_non_exhaustive()
    }
}

/// A request whose signature and timestamp checked out; see [`WebhookVerifier::authenticate`].
#[derive(Debug, Clone, PartialEq)]
pub struct AuthenticMessage {
    /// `Twitch-Eventsub-Message-Id`.
    pub id: String,
    /// `Twitch-Eventsub-Message-Timestamp`.
    pub timestamp: Timestamp,
    /// `Twitch-Eventsub-Message-Type`.
    pub kind: MessageKind,
}

/// The kinds of message Twitch sends a webhook (`Twitch-Eventsub-Message-Type`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MessageKind {
    /// `webhook_callback_verification`: prove you own the callback.
    Challenge,
    /// `notification`: an event.
    Notification,
    /// `revocation`: Twitch ended a subscription.
    Revocation,
    /// A type this SDK does not know.
    Other(String),
}

impl MessageKind {
    fn from_header(value: &str) -> MessageKind {
        match value {
            "webhook_callback_verification" => MessageKind::Challenge,
            "notification" => MessageKind::Notification,
            "revocation" => MessageKind::Revocation,
            other => MessageKind::Other(other.to_owned()),
        }
    }
}

/// What a webhook request turned out to be, and so what to answer.
#[derive(Debug)]
#[non_exhaustive]
pub enum WebhookOutcome {
    /// Twitch (or a conduit shard update) asks to prove the callback is ours: answer `200` with
    /// the raw challenge as `text/plain`. The subscription stays pending until then.
    Challenge(Box<Challenge>),
    /// An event, seen for the first time. Answer `204` quickly (within a few seconds).
    Notification(Box<Notification>),
    /// Twitch ended a subscription; the reason is its `subscription.status` (see
    /// [`WebhookOutcome::revocation_reason`]). Answer `204`.
    Revocation(Box<Revocation>),
    /// A message already received (Twitch resends when unsure). Answer `204`, do not process.
    Duplicate {
        /// The repeated id.
        message_id: String,
    },
    /// A signed message of a type this SDK does not know. Answered `204` so Twitch does not
    /// count it as a failure.
    Unhandled {
        /// The message id.
        message_id: String,
        /// `Twitch-Eventsub-Message-Type`.
        message_type: String,
    },
    /// Not a valid message from Twitch; answer with [`Rejection::status`].
    Rejected(Rejection),
}

impl WebhookOutcome {
    /// The HTTP status to answer.
    pub fn status(&self) -> u16 {
        match self {
            WebhookOutcome::Challenge(_) => 200,
            WebhookOutcome::Rejected(rejection) => rejection.status(),
            _ => 204,
        }
    }

    /// The complete response to send Twitch: the challenge as `text/plain`, an empty `204`, or
    /// the rejection's status with a short `text/plain` reason. axum answers it as it is.
    pub fn response(&self) -> Response<String> {
        let body = match self {
            WebhookOutcome::Challenge(challenge) => challenge.challenge.clone(),
            WebhookOutcome::Rejected(rejection) => rejection.to_string(),
            _ => String::new(),
        };
        let mut response = Response::new(body);
        *response.status_mut() =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::BAD_REQUEST);
        if !response.body().is_empty() {
            response.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
        }
        response
    }

    /// For a revocation, why Twitch ended the subscription (`authorization_revoked`,
    /// `user_removed`, `notification_failures_exceeded`, `version_removed`, ...).
    pub fn revocation_reason(&self) -> Option<&str> {
        match self {
            WebhookOutcome::Revocation(revocation) => Some(&revocation.subscription.status),
            _ => None,
        }
    }
}

/// A `webhook_callback_verification` message.
#[derive(Debug, Clone, PartialEq)]
pub struct Challenge {
    /// The message id.
    pub message_id: String,
    /// When Twitch sent it.
    pub timestamp: Timestamp,
    /// The value to send back, exactly as received.
    pub challenge: String,
    /// The subscription being verified, when the body carries one in Twitch's usual shape.
    pub subscription: Option<Subscription>,
}

/// Why a request was refused, and the status to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    reason: RejectReason,
}

impl Rejection {
    /// Why.
    pub fn reason(&self) -> &RejectReason {
        &self.reason
    }

    /// The status to answer: `403` when the request may not come from Twitch (signature) or is
    /// a replay (timestamp); `400` when it is incomplete or unreadable.
    pub fn status(&self) -> u16 {
        match self.reason {
            RejectReason::MalformedSignature
            | RejectReason::SignatureMismatch
            | RejectReason::Stale
            | RejectReason::FromTheFuture => 403,
            RejectReason::MissingHeader(_)
            | RejectReason::InvalidHeader
            | RejectReason::InvalidTimestamp
            | RejectReason::MalformedBody(_) => 400,
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.reason, f)
    }
}

impl std::error::Error for Rejection {}

/// Why a webhook request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RejectReason {
    /// A header Twitch always sends is missing (the name, lower-case).
    #[error("missing header `{0}`")]
    MissingHeader(&'static str),
    /// The signature is not `sha256=` followed by 64 hex digits.
    #[error("malformed signature")]
    MalformedSignature,
    /// The signature does not match the message under any configured secret.
    #[error("signature mismatch")]
    SignatureMismatch,
    /// A signed header is not text.
    #[error("invalid header")]
    InvalidHeader,
    /// The signed timestamp is not an RFC 3339 date-time.
    #[error("invalid timestamp")]
    InvalidTimestamp,
    /// The message is older than ten minutes: a replay, or delivered far too late.
    #[error("message too old")]
    Stale,
    /// The message is dated too far ahead of the clock.
    #[error("message dated in the future")]
    FromTheFuture,
    /// The signed body does not hold what its message type needs.
    #[error("malformed body: {0}")]
    MalformedBody(String),
}

fn reject(reason: RejectReason) -> Rejection {
    tracing::debug!(%reason, "eventsub webhook: request rejected");
    Rejection { reason }
}

fn invalid_secret(reason: &str) -> Error {
    Error::InvalidArgument {
        name: "secret".to_owned(),
        reason: reason.to_owned(),
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a HeaderValue, Rejection> {
    headers
        .get(name)
        .ok_or_else(|| reject(RejectReason::MissingHeader(name)))
}

/// The `Twitch-Eventsub-Message-Signature` value for a message: `sha256=` and the lower-case hex
/// HMAC-SHA256 of `id + timestamp + body` under `secret` (the stand-in's sender signs with it).
#[cfg(feature = "mock")]
pub(crate) fn signature(secret: &[u8], id: &[u8], timestamp: &[u8], body: &[u8]) -> String {
    use std::fmt::Write as _;

    let Ok(mut mac) = HmacSha256::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(id);
    mac.update(timestamp);
    mac.update(body);
    let mut out = String::from("sha256=");
    for byte in mac.finalize().into_bytes() {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// The digest bytes of `sha256=<64 hex digits>`; `None` for anything else.
fn parse_signature(value: &[u8]) -> Option<Vec<u8>> {
    let hex = value.strip_prefix(SIGNATURE_PREFIX)?;
    if hex.len() != SIGNATURE_HEX_LEN {
        return None;
    }
    hex.chunks_exact(2)
        .map(|pair| Some((hex_digit(pair[0])? << 4) | hex_digit(pair[1])?))
        .collect()
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Nanoseconds since the Unix epoch (negative before it).
fn unix_nanos(time: SystemTime) -> i128 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => after.as_nanos() as i128,
        Err(before) => -(before.duration().as_nanos() as i128),
    }
}

/// Decodes an authenticated message's body by its type.
fn decode(message: &AuthenticMessage, body: &[u8]) -> Result<WebhookOutcome, Rejection> {
    let malformed = |e: Error| reject(RejectReason::MalformedBody(e.to_string()));
    let (id, timestamp) = (message.id.clone(), message.timestamp);
    Ok(match &message.kind {
        MessageKind::Challenge => WebhookOutcome::Challenge(Box::new(challenge(message, body)?)),
        MessageKind::Notification => WebhookOutcome::Notification(Box::new(
            Notification::from_payload(id, timestamp, body).map_err(malformed)?,
        )),
        MessageKind::Revocation => WebhookOutcome::Revocation(Box::new(
            Revocation::from_payload(id, timestamp, body).map_err(malformed)?,
        )),
        MessageKind::Other(kind) => WebhookOutcome::Unhandled {
            message_id: id,
            message_type: kind.clone(),
        },
    })
}

/// A challenge body: `{"challenge": "...", "subscription": {...}}`. Only the challenge is
/// required; a subscription in another shape (a conduit shard's) is left out, not an error.
fn challenge(message: &AuthenticMessage, body: &[u8]) -> Result<Challenge, Rejection> {
    #[derive(Deserialize)]
    struct Wire {
        challenge: String,
        #[serde(default)]
        subscription: Option<Value>,
    }
    let wire: Wire = serde_json::from_slice(body)
        .map_err(|e| reject(RejectReason::MalformedBody(format!("challenge: {e}"))))?;
    Ok(Challenge {
        message_id: message.id.clone(),
        timestamp: message.timestamp,
        challenge: wire.challenge,
        subscription: wire
            .subscription
            .and_then(|s| serde_json::from_value(s).ok()),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use http::HeaderName;

    use super::*;
    use crate::clock::ManualClock;

    const ID: &str = "e76c6bd4-55c9-4987-8304-da1588d8988b";
    const SECRET: &str = "this-is-our-webhook-secret";

    /// The challenge request of Twitch's "Handling webhook events" page: its headers' id and
    /// timestamp, and its body byte for byte (pretty-printed as the page shows it).
    const DOC_TIMESTAMP: &str = "2019-11-16T10:11:12.634234626Z";
    const DOC_BODY: &str = r#"{
  "challenge": "pogchamp-kappa-360noscope-vohiyo",
  "subscription": {
    "id": "f1c2a387-161a-49f9-a165-0f21d7a4e1c4",
    "status": "webhook_callback_verification_pending",
    "type": "channel.follow",
    "version": "1",
    "cost": 1,
    "condition": {
      "broadcaster_user_id": "12826"
    },
    "transport": {
      "method": "webhook",
      "callback": "https://example.com/webhooks/callback"
    },
    "created_at": "2019-11-16T10:11:12.634234626Z"
  }
}"#;
    /// HMAC-SHA256 of `ID + DOC_TIMESTAMP + DOC_BODY` under `SECRET`, computed outside this
    /// crate (Python's `hmac` module).
    const DOC_SIGNATURE: &str =
        "sha256=a2cbbcf8bbd9c83d434aff7df014c032ba85662f745a48e9468c77a44e97d2bd";

    const NOTIFICATION: &str = r#"{"subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","type":"channel.follow","version":"2","status":"enabled","cost":0,"condition":{"broadcaster_user_id":"1337","moderator_user_id":"1337"},"transport":{"method":"webhook","callback":"https://example.com/webhooks/callback"},"created_at":"2019-11-16T10:11:12.634234626Z"},"event":{"user_id":"1234","user_login":"cool_user","user_name":"Cool_User","broadcaster_user_id":"1337","broadcaster_user_login":"cooler_user","broadcaster_user_name":"Cooler_User","followed_at":"2020-07-15T18:16:11.17106713Z"}}"#;

    fn at_doc_time(offset_secs: i64) -> Arc<ManualClock> {
        let base =
            UNIX_EPOCH + Duration::from_secs(1_573_899_072) + Duration::from_nanos(634_234_626);
        let now = if offset_secs >= 0 {
            base + Duration::from_secs(offset_secs as u64)
        } else {
            base - Duration::from_secs(offset_secs.unsigned_abs())
        };
        Arc::new(ManualClock::at(now))
    }

    fn verifier() -> WebhookVerifier {
        WebhookVerifier::new(SECRET).unwrap().clock(at_doc_time(1))
    }

    fn sign(secret: &str, id: &str, timestamp: &str, body: &[u8]) -> String {
        let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(id.as_bytes());
        mac.update(timestamp.as_bytes());
        mac.update(body);
        let digest = mac.finalize().into_bytes();
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256={hex}")
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            let name = HeaderName::from_bytes(name.as_bytes()).unwrap();
            map.insert(name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn message(kind: &str, id: &str, signature: &str) -> HeaderMap {
        headers(&[
            ("Twitch-Eventsub-Message-Id", id),
            ("Twitch-Eventsub-Message-Retry", "0"),
            ("Twitch-Eventsub-Message-Type", kind),
            ("Twitch-Eventsub-Message-Signature", signature),
            ("Twitch-Eventsub-Message-Timestamp", DOC_TIMESTAMP),
            ("Twitch-Eventsub-Subscription-Type", "channel.follow"),
            ("Twitch-Eventsub-Subscription-Version", "1"),
        ])
    }

    fn signed(kind: &str, id: &str, body: &str) -> HeaderMap {
        message(kind, id, &sign(SECRET, id, DOC_TIMESTAMP, body.as_bytes()))
    }

    fn rejection(outcome: &WebhookOutcome) -> &RejectReason {
        match outcome {
            WebhookOutcome::Rejected(rejection) => rejection.reason(),
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn twitchs_documented_challenge_is_answered_with_the_raw_challenge() {
        let headers = message("webhook_callback_verification", ID, DOC_SIGNATURE);
        let outcome = verifier().verify(&headers, DOC_BODY.as_bytes()).await;
        let WebhookOutcome::Challenge(challenge) = &outcome else {
            panic!("expected the challenge, got {outcome:?}");
        };
        assert_eq!(challenge.challenge, "pogchamp-kappa-360noscope-vohiyo");
        assert_eq!(challenge.message_id, ID);
        let subscription = challenge.subscription.as_ref().unwrap();
        assert_eq!(subscription.r#type, "channel.follow");
        assert_eq!(subscription.status, "webhook_callback_verification_pending");

        let response = outcome.response();
        assert_eq!(response.status(), 200);
        assert_eq!(response.body(), "pogchamp-kappa-360noscope-vohiyo");
        assert_eq!(
            response.headers()[CONTENT_TYPE],
            "text/plain; charset=utf-8"
        );
    }

    #[test]
    fn an_independently_published_vector_matches() {
        // From another Twitch library's test suite (Go): a compact challenge body signed with
        // the 6-byte secret `s3cRe7`; too short for `new`, so the check is called directly.
        let body = r#"{"challenge":"pogchamp-kappa-360noscope-vohiyo","subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","status":"webhook_callback_verification_pending","type":"channel.follow","version":"1","condition":{"broadcaster_user_id":"12826"},"transport":{"method":"webhook","callback":"https://example.com/webhooks/callback"},"created_at":"2019-11-16T10:11:12.123Z"}}"#;
        let signature = parse_signature(
            b"sha256=7e5a96480c29cdf834b371e7a5b049638cba6e425ea51b9b2a9fabf69bc5d227",
        )
        .unwrap();
        let mut verifier = verifier();
        verifier.secrets = vec![Secret::new("s3cRe7")];
        let timestamp = b"2019-11-16T10:11:12.123Z";
        assert!(verifier.signed_by_any_secret(
            ID.as_bytes(),
            timestamp,
            body.as_bytes(),
            &signature
        ));
        assert!(!verifier.signed_by_any_secret(
            ID.as_bytes(),
            timestamp,
            &body.as_bytes()[1..],
            &signature
        ));
    }

    #[tokio::test]
    async fn bad_signatures_are_refused_with_403() {
        let good = DOC_SIGNATURE;
        let flipped = format!("{}0", &good[..good.len() - 1]);
        let cases: Vec<(String, RejectReason)> = vec![
            // The page itself prints a shortened signature: it must not verify.
            (
                "sha256=f56bf6ce06a1adf46fa27831d7d15d".into(),
                RejectReason::MalformedSignature,
            ),
            (flipped, RejectReason::SignatureMismatch),
            (
                good[..good.len() - 1].into(),
                RejectReason::MalformedSignature,
            ),
            (
                good[..good.len() - 2].into(),
                RejectReason::MalformedSignature,
            ),
            (format!("{good}00"), RejectReason::MalformedSignature),
            (
                format!("{}zz", &good[..good.len() - 2]),
                RejectReason::MalformedSignature,
            ),
            (
                good.replace("sha256=", "sha1="),
                RejectReason::MalformedSignature,
            ),
            (
                good.replace("sha256=", ""),
                RejectReason::MalformedSignature,
            ),
            ("sha256=".into(), RejectReason::MalformedSignature),
            (String::new(), RejectReason::MalformedSignature),
            (
                format!("sha256={}", "0".repeat(64)),
                RejectReason::SignatureMismatch,
            ),
        ];
        for (signature, expected) in cases {
            let headers = message("webhook_callback_verification", ID, &signature);
            let outcome = verifier().verify(&headers, DOC_BODY.as_bytes()).await;
            assert_eq!(rejection(&outcome), &expected, "signature {signature:?}");
            assert_eq!(outcome.status(), 403, "signature {signature:?}");
            assert_eq!(outcome.response().status(), 403);
        }
    }

    #[tokio::test]
    async fn a_body_changed_by_one_byte_is_refused() {
        let mut body = DOC_BODY.as_bytes().to_vec();
        for index in [0, body.len() / 2, body.len() - 1] {
            body[index] ^= 0x01;
            let headers = message("webhook_callback_verification", ID, DOC_SIGNATURE);
            let outcome = verifier().verify(&headers, &body).await;
            assert_eq!(rejection(&outcome), &RejectReason::SignatureMismatch);
            body[index] ^= 0x01;
        }
        let mut longer = body.clone();
        longer.push(b' ');
        let headers = message("webhook_callback_verification", ID, DOC_SIGNATURE);
        let outcome = verifier().verify(&headers, &longer).await;
        assert_eq!(rejection(&outcome), &RejectReason::SignatureMismatch);
    }

    #[tokio::test]
    async fn the_signed_id_and_timestamp_cannot_be_swapped() {
        let mut headers = message("webhook_callback_verification", ID, DOC_SIGNATURE);
        headers.insert(MESSAGE_ID, HeaderValue::from_static("another-id"));
        let outcome = verifier().verify(&headers, DOC_BODY.as_bytes()).await;
        assert_eq!(rejection(&outcome), &RejectReason::SignatureMismatch);

        let mut headers = message("webhook_callback_verification", ID, DOC_SIGNATURE);
        headers.insert(
            MESSAGE_TIMESTAMP,
            HeaderValue::from_static("2019-11-16T10:11:13.634234626Z"),
        );
        let outcome = verifier().verify(&headers, DOC_BODY.as_bytes()).await;
        assert_eq!(rejection(&outcome), &RejectReason::SignatureMismatch);
    }

    #[tokio::test]
    async fn stale_and_future_timestamps_are_refused() {
        let headers = message("webhook_callback_verification", ID, DOC_SIGNATURE);
        let body = DOC_BODY.as_bytes();
        let at = |offset| {
            WebhookVerifier::new(SECRET)
                .unwrap()
                .clock(at_doc_time(offset))
        };

        assert!(matches!(
            at(600).verify(&headers, body).await,
            WebhookOutcome::Challenge(_)
        ));
        let stale = at(601).verify(&headers, body).await;
        assert_eq!(rejection(&stale), &RejectReason::Stale);
        assert_eq!(stale.status(), 403);
        let years = at(5 * 365 * 86_400).verify(&headers, body).await;
        assert_eq!(rejection(&years), &RejectReason::Stale);

        assert!(matches!(
            at(-60).verify(&headers, body).await,
            WebhookOutcome::Challenge(_)
        ));
        let ahead = at(-61).verify(&headers, body).await;
        assert_eq!(rejection(&ahead), &RejectReason::FromTheFuture);
        assert_eq!(ahead.status(), 403);
    }

    #[tokio::test]
    async fn an_unreadable_signed_timestamp_is_refused() {
        for timestamp in [
            "yesterday",
            "",
            "2019-13-16T10:11:12Z",
            "+275760-09-13T00:00:00Z",
        ] {
            let mut headers = message("notification", ID, &sign(SECRET, ID, timestamp, b"{}"));
            headers.insert(MESSAGE_TIMESTAMP, HeaderValue::from_str(timestamp).unwrap());
            let outcome = verifier().verify(&headers, b"{}").await;
            assert_eq!(
                rejection(&outcome),
                &RejectReason::InvalidTimestamp,
                "{timestamp:?}"
            );
            assert_eq!(outcome.status(), 400);
        }
    }

    #[tokio::test]
    async fn a_replayed_notification_is_a_duplicate_answered_204() {
        let verifier = verifier();
        let headers = signed("notification", ID, NOTIFICATION);
        let first = verifier.verify(&headers, NOTIFICATION.as_bytes()).await;
        let WebhookOutcome::Notification(notification) = &first else {
            panic!("expected a notification, got {first:?}");
        };
        assert_eq!(notification.message_id, ID);
        assert_eq!(notification.subscription.r#type, "channel.follow");
        assert_eq!(notification.subscription.version, "2");
        let event = notification.event.to_json().unwrap();
        assert_eq!(event["user_login"], "cool_user");
        assert_eq!(first.status(), 204);

        let again = verifier.verify(&headers, NOTIFICATION.as_bytes()).await;
        assert!(
            matches!(&again, WebhookOutcome::Duplicate { message_id } if message_id == ID),
            "{again:?}"
        );
        assert_eq!(again.status(), 204);
        assert!(again.response().body().is_empty());

        // Another id is new; clones of a verifier share the store.
        let other = signed("notification", "another-id", NOTIFICATION);
        let clone = verifier.clone();
        assert!(matches!(
            clone.verify(&other, NOTIFICATION.as_bytes()).await,
            WebhookOutcome::Notification(_)
        ));
        assert!(matches!(
            verifier.verify(&other, NOTIFICATION.as_bytes()).await,
            WebhookOutcome::Duplicate { .. }
        ));
    }

    #[tokio::test]
    async fn a_shared_store_dedupes_across_verifiers() {
        let store: Arc<dyn DedupeStore> = Arc::new(MemoryDedupe::new());
        let a = verifier().dedupe(store.clone());
        let b = verifier().dedupe(store);
        let headers = signed("notification", ID, NOTIFICATION);
        assert!(matches!(
            a.verify(&headers, NOTIFICATION.as_bytes()).await,
            WebhookOutcome::Notification(_)
        ));
        assert!(matches!(
            b.verify(&headers, NOTIFICATION.as_bytes()).await,
            WebhookOutcome::Duplicate { .. }
        ));
    }

    #[tokio::test]
    async fn revocations_carry_their_reason_and_are_deduplicated() {
        let body = NOTIFICATION.replace(
            r#""status":"enabled""#,
            r#""status":"notification_failures_exceeded""#,
        );
        let body = body.split(r#","event""#).next().unwrap().to_owned() + "}";
        let verifier = verifier();
        let headers = signed("revocation", ID, &body);
        let outcome = verifier.verify(&headers, body.as_bytes()).await;
        assert!(
            matches!(outcome, WebhookOutcome::Revocation(_)),
            "{outcome:?}"
        );
        assert_eq!(
            outcome.revocation_reason(),
            Some("notification_failures_exceeded")
        );
        assert_eq!(outcome.status(), 204);
        let again = verifier.verify(&headers, body.as_bytes()).await;
        assert!(matches!(again, WebhookOutcome::Duplicate { .. }));
    }

    #[tokio::test]
    async fn a_repeated_challenge_is_answered_again() {
        let verifier = verifier();
        let headers = message("webhook_callback_verification", ID, DOC_SIGNATURE);
        for _ in 0..2 {
            let outcome = verifier.verify(&headers, DOC_BODY.as_bytes()).await;
            assert_eq!(
                outcome.response().body(),
                "pogchamp-kappa-360noscope-vohiyo"
            );
        }
    }

    #[tokio::test]
    async fn a_conduit_shard_challenge_without_subscription_is_answered() {
        let body = r#"{"challenge":"shard-challenge-1","shard":{"id":"0","transport":{"method":"webhook"}}}"#;
        let headers = signed("webhook_callback_verification", ID, body);
        let outcome = verifier().verify(&headers, body.as_bytes()).await;
        let WebhookOutcome::Challenge(challenge) = &outcome else {
            panic!("{outcome:?}");
        };
        assert_eq!(challenge.challenge, "shard-challenge-1");
        assert!(challenge.subscription.is_none());
        assert_eq!(outcome.response().body(), "shard-challenge-1");
    }

    #[tokio::test]
    async fn header_names_match_in_any_case() {
        let signature = sign(SECRET, ID, DOC_TIMESTAMP, DOC_BODY.as_bytes());
        for names in [
            [
                MESSAGE_ID,
                MESSAGE_TYPE,
                MESSAGE_SIGNATURE,
                MESSAGE_TIMESTAMP,
            ]
            .map(str::to_owned),
            [
                MESSAGE_ID,
                MESSAGE_TYPE,
                MESSAGE_SIGNATURE,
                MESSAGE_TIMESTAMP,
            ]
            .map(str::to_uppercase),
            [
                "Twitch-EventSub-Message-ID".to_owned(),
                "tWITCH-eVENTSUB-mESSAGE-tYPE".to_owned(),
                "TWITCH-eventsub-MESSAGE-signature".to_owned(),
                "Twitch-Eventsub-Message-Timestamp".to_owned(),
            ],
        ] {
            let map = headers(&[
                (&names[0], ID),
                (&names[1], "webhook_callback_verification"),
                (&names[2], &signature),
                (&names[3], DOC_TIMESTAMP),
            ]);
            let outcome = verifier().verify(&map, DOC_BODY.as_bytes()).await;
            assert!(
                matches!(outcome, WebhookOutcome::Challenge(_)),
                "{names:?}: {outcome:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_missing_header_is_named_and_answered_400() {
        for name in [
            MESSAGE_ID,
            MESSAGE_TIMESTAMP,
            MESSAGE_SIGNATURE,
            MESSAGE_TYPE,
        ] {
            let mut headers = message("webhook_callback_verification", ID, DOC_SIGNATURE);
            headers.remove(name);
            let outcome = verifier().verify(&headers, DOC_BODY.as_bytes()).await;
            assert_eq!(rejection(&outcome), &RejectReason::MissingHeader(name));
            assert_eq!(outcome.status(), 400);
        }
        let outcome = verifier().verify(&HeaderMap::new(), b"").await;
        assert_eq!(outcome.status(), 400);
    }

    #[tokio::test]
    async fn a_signed_but_malformed_body_is_400_and_not_remembered() {
        let verifier = verifier();
        for body in ["", "not json", "{}", r#"{"subscription":{}}"#, "[1,2]"] {
            let headers = signed("notification", ID, body);
            let outcome = verifier.verify(&headers, body.as_bytes()).await;
            assert!(
                matches!(rejection(&outcome), RejectReason::MalformedBody(_)),
                "{body:?}"
            );
            assert_eq!(outcome.status(), 400);
        }
        let challenge = r#"{"challenge": 5}"#;
        let headers = signed("webhook_callback_verification", ID, challenge);
        let outcome = verifier.verify(&headers, challenge.as_bytes()).await;
        assert!(matches!(
            rejection(&outcome),
            RejectReason::MalformedBody(_)
        ));
        // The refused deliveries did not record the id: the good one is still new.
        let headers = signed("notification", ID, NOTIFICATION);
        let outcome = verifier.verify(&headers, NOTIFICATION.as_bytes()).await;
        assert!(
            matches!(outcome, WebhookOutcome::Notification(_)),
            "{outcome:?}"
        );
    }

    #[tokio::test]
    async fn an_unknown_message_type_is_acknowledged_without_processing() {
        let headers = signed("session_keepalive", ID, "{}");
        let outcome = verifier().verify(&headers, b"{}").await;
        assert!(
            matches!(&outcome, WebhookOutcome::Unhandled { message_type, .. } if message_type == "session_keepalive"),
            "{outcome:?}"
        );
        assert_eq!(outcome.status(), 204);
    }

    #[tokio::test]
    async fn any_of_several_secrets_verifies_during_rotation() {
        let old = "the-old-secret-1234";
        let new = "the-new-secret-5678";
        let verifier = WebhookVerifier::with_secrets([old, new])
            .unwrap()
            .clock(at_doc_time(1));
        for (secret, accepted) in [(old, true), (new, true), ("some-other-secret", false)] {
            let id = format!("id-{secret}");
            let signature = sign(secret, &id, DOC_TIMESTAMP, NOTIFICATION.as_bytes());
            let headers = message("notification", &id, &signature);
            let outcome = verifier.verify(&headers, NOTIFICATION.as_bytes()).await;
            assert_eq!(
                matches!(outcome, WebhookOutcome::Notification(_)),
                accepted,
                "{outcome:?}"
            );
        }
    }

    #[test]
    fn secrets_are_checked_and_never_printed() {
        for bad in [vec![], vec!["short"], vec![SECRET, &"x".repeat(101)]] {
            let err = WebhookVerifier::with_secrets(bad).unwrap_err();
            assert!(matches!(err, Error::InvalidArgument { ref name, .. } if name == "secret"));
        }
        let verifier = WebhookVerifier::with_secrets([SECRET, "second-secret-value"]).unwrap();
        let printed = format!("{verifier:?}");
        assert!(
            !printed.contains(SECRET) && !printed.contains("second-secret"),
            "{printed}"
        );
        assert!(printed.contains("[redacted]"));
    }

    #[tokio::test]
    async fn rejections_do_not_echo_the_secret_or_the_expected_signature() {
        let forged = format!("sha256={}", "ab".repeat(32));
        let headers = message("webhook_callback_verification", ID, &forged);
        let outcome = verifier().verify(&headers, DOC_BODY.as_bytes()).await;
        let text = format!("{outcome:?} {}", outcome.response().body());
        assert!(!text.contains(SECRET));
        assert!(!text.contains(&DOC_SIGNATURE[7..]));
    }
}
