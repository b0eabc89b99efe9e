//! The one error type every call returns.
//!
//! Errors say what failed in terms a user can act on: which scope is missing, which argument broke
//! which limit, which status Twitch sent and what Twitch said, where in the body decoding failed.
//! They never carry a secret: tokens and the client secret are not part of any variant, and body
//! excerpts are cut short and come from Twitch's responses, which never echo credentials.

use std::time::{Duration, SystemTime};

/// Shorthand for `std::result::Result<T, twitch_sdk::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong with a call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The token cannot be used for this call: wrong token type, a missing scope, or no valid
    /// token could be obtained. Nothing was sent.
    #[error("token error: {0}")]
    Token(String),

    /// An argument broke a limit the spec documents (count, length, range, accepted values) or a
    /// required one is missing. Nothing was sent.
    #[error("invalid argument `{name}`: {reason}")]
    InvalidArgument {
        /// The argument, as the SDK user names it.
        name: String,
        /// The limit it broke.
        reason: String,
    },

    /// 400: Twitch rejected the request.
    #[error("bad request ({endpoint}): {message}")]
    BadRequest {
        /// Operation id.
        endpoint: &'static str,
        /// Twitch's message, or the spec's meaning of the status.
        message: String,
    },

    /// 401: the token is missing, invalid, expired, or lacks a scope Twitch wanted.
    #[error("unauthorized ({endpoint}): {message}")]
    Unauthorized {
        /// Operation id.
        endpoint: &'static str,
        /// Twitch's message, or the spec's meaning of the status.
        message: String,
    },

    /// 403: the token's user may not do this.
    #[error("forbidden ({endpoint}): {message}")]
    Forbidden {
        /// Operation id.
        endpoint: &'static str,
        /// Twitch's message, or the spec's meaning of the status.
        message: String,
    },

    /// 404: what the call refers to does not exist; also a single-item answer with no item.
    #[error("not found ({endpoint}): {message}")]
    NotFound {
        /// Operation id.
        endpoint: &'static str,
        /// Twitch's message, or the spec's meaning of the status.
        message: String,
    },

    /// 409: the request conflicts with the current state.
    #[error("conflict ({endpoint}): {message}")]
    Conflict {
        /// Operation id.
        endpoint: &'static str,
        /// Twitch's message, or the spec's meaning of the status.
        message: String,
    },

    /// 429 after the configured retries were spent.
    #[error("rate limited ({endpoint}); bucket resets {reset:?}")]
    RateLimited {
        /// Operation id.
        endpoint: &'static str,
        /// When Twitch said the bucket refills, if it said.
        reset: Option<SystemTime>,
    },

    /// Any other non-success status.
    #[error("HTTP {status} ({endpoint}): {message}")]
    Status {
        /// Operation id.
        endpoint: &'static str,
        /// The status code.
        status: u16,
        /// Twitch's message, the spec's meaning, or an excerpt of a non-JSON body.
        message: String,
    },

    /// The request did not complete: connection refused or reset, TLS, or the timeout.
    #[error("transport error ({endpoint}): {message}")]
    Transport {
        /// Operation id.
        endpoint: &'static str,
        /// What happened.
        message: String,
        /// Whether the cause was the timeout.
        timeout: bool,
    },

    /// The body of a successful response did not match the model.
    #[error("cannot decode {endpoint} response at `{path}`: {message} (body starts: {excerpt})")]
    Decode {
        /// Operation id.
        endpoint: &'static str,
        /// JSON path of the failure (`data[0].created_at`).
        path: String,
        /// What serde said.
        message: String,
        /// The first bytes of the body.
        excerpt: String,
    },

    /// The client was configured wrongly (a bad URL, plain HTTP to a remote host).
    #[error("configuration error: {0}")]
    Config(String),
}

impl Error {
    /// The HTTP status behind this error, when Twitch answered with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::BadRequest { .. } => Some(400),
            Error::Unauthorized { .. } => Some(401),
            Error::Forbidden { .. } => Some(403),
            Error::NotFound { .. } => Some(404),
            Error::Conflict { .. } => Some(409),
            Error::RateLimited { .. } => Some(429),
            Error::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// How long to wait before the bucket refills, for [`Error::RateLimited`].
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited {
                reset: Some(reset), ..
            } => Some(
                reset
                    .duration_since(SystemTime::now())
                    .unwrap_or(Duration::ZERO),
            ),
            _ => None,
        }
    }
}
